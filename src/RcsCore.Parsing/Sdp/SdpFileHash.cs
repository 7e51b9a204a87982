using System.Globalization;

namespace RcsCore.Parsing.Sdp;

/// <summary>The <c>hash:</c> part of an <c>a=file-selector</c> (RFC 5547 §6): algorithm and digest.</summary>
/// <param name="Algorithm">
/// A hash function name from the IANA "Hash Function Textual Names" registry, for example <c>sha-1</c>.
/// </param>
/// <param name="Value">
/// The digest as written: bytes in upper-case hex separated by colons, for example <c>72:24:5F</c>.
/// </param>
public sealed record SdpFileHash(string Algorithm, string Value)
{
    /// <summary>Builds a hash from raw digest bytes, formatting them as RFC 5547 §6 requires.</summary>
    /// <param name="algorithm">The hash function name, for example <c>sha-1</c>.</param>
    /// <param name="digest">The digest bytes; must not be empty.</param>
    /// <returns>The hash with an upper-case, colon-separated hex value.</returns>
    public static SdpFileHash FromBytes(string algorithm, ReadOnlySpan<byte> digest)
    {
        ArgumentException.ThrowIfNullOrEmpty(algorithm);
        if (digest.IsEmpty)
        {
            throw new ArgumentException("A digest needs at least one byte.", nameof(digest));
        }

        // RFC 5547 §6: hash-value = 2HEXDIG *(":" 2HEXDIG), upper case.
        Span<char> chars = digest.Length <= 256 ? stackalloc char[(digest.Length * 3) - 1] : new char[(digest.Length * 3) - 1];
        for (int i = 0; i < digest.Length; i++)
        {
            int at = i * 3;
            if (i > 0)
            {
                chars[at - 1] = ':';
            }

            chars[at] = HexUpper(digest[i] >> 4);
            chars[at + 1] = HexUpper(digest[i] & 0xF);
        }

        return new SdpFileHash(algorithm, new string(chars));
    }

    /// <summary>Decodes <see cref="Value"/> into digest bytes.</summary>
    /// <returns>The digest, or an empty array if <see cref="Value"/> is not colon-separated hex pairs.</returns>
    public byte[] GetBytes()
    {
        if (!IsValidValue(Value))
        {
            return [];
        }

        var bytes = new byte[(Value.Length + 1) / 3];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = byte.Parse(Value.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        return bytes;
    }

    /// <summary>RFC 5547 §6: hash-value = 2HEXDIG *(":" 2HEXDIG).</summary>
    internal static bool IsValidValue(ReadOnlySpan<char> value)
    {
        if (value.Length < 2 || (value.Length + 1) % 3 != 0)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            bool ok = i % 3 == 2 ? value[i] == ':' : char.IsAsciiHexDigit(value[i]);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
