using System.Text;

namespace RcsCore.Parsing.Cpim;

/// <summary>
/// The value of a From, To or cc header (RFC 3862 §4.1–§4.3): <c>[ Formal-name ] "&lt;" URI "&gt;"</c>, where
/// Formal-name = 1*( Token SP ) / String.
/// </summary>
public sealed class CpimAddress : IEquatable<CpimAddress>
{
    /// <summary>Creates an address.</summary>
    /// <param name="uri">The URI as written, e.g. <c>im:alice@example.com</c> or <c>sip:+15551234@ims.example.net</c>.</param>
    /// <param name="displayName">The Formal-name, or null for none.</param>
    /// <exception cref="ArgumentException">The URI is empty or holds <c>&lt;</c>, <c>&gt;</c>, whitespace or a control character.</exception>
    public CpimAddress(string uri, string? displayName = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!IsValidUri(uri))
        {
            throw new ArgumentException("The URI is empty or holds '<', '>', whitespace or a control character.", nameof(uri));
        }

        Uri = uri;
        DisplayName = displayName;
    }

    /// <summary>The URI as written.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "Kept as written (im:, sip:, tel:).")]
    public string Uri { get; }

    /// <summary>The Formal-name (display name) decoded, or null when there is none.</summary>
    public string? DisplayName { get; }

    /// <summary>Parses a header value; false when it is not an address.</summary>
    /// <param name="value">The value as written (RFC 3862 §3.2 escapes allowed in a quoted String).</param>
    /// <param name="address">The address.</param>
    /// <returns>True when the value is an address.</returns>
    /// <remarks>A bare URI without angle brackets is accepted when it holds no whitespace (lenient).</remarks>
    public static bool TryParse(ReadOnlySpan<byte> value, out CpimAddress? address)
    {
        address = null;
        ReadOnlySpan<byte> s = value.Trim(" \t"u8);
        if (s.IsEmpty)
        {
            return false;
        }

        string? displayName = null;
        int lt;
        if (s[0] == (byte)'"')
        {
            int end = CpimChars.SkipQuoted(s, 0);
            if (end < 0 || !CpimText.TryUnquote(s[..end], out string quoted))
            {
                return false;
            }

            displayName = quoted;
            ReadOnlySpan<byte> rest = s[end..].TrimStart(" \t"u8);
            if (rest.IsEmpty || rest[0] != (byte)'<')
            {
                return false;
            }

            lt = s.Length - rest.Length;
        }
        else
        {
            lt = s.IndexOf((byte)'<');
            if (lt < 0)
            {
                // Lenient: a bare URI.
                if (s.IndexOfAny(" \t>\""u8) >= 0)
                {
                    return false;
                }

                string bare = Encoding.UTF8.GetString(s);
                if (!IsValidUri(bare))
                {
                    return false;
                }

                address = new CpimAddress(bare);
                return true;
            }

            ReadOnlySpan<byte> tokens = s[..lt].TrimEnd(" \t"u8);
            if (!tokens.IsEmpty)
            {
                if (tokens.IndexOfAny("\"<>"u8) >= 0)
                {
                    return false;
                }

                displayName = CpimText.Unescape(tokens);
            }
        }

        if (s[^1] != (byte)'>')
        {
            return false;
        }

        string uri = Encoding.UTF8.GetString(s[(lt + 1)..^1]);
        if (!IsValidUri(uri))
        {
            return false;
        }

        address = new CpimAddress(uri, displayName);
        return true;
    }

    /// <summary>Parses a header value given as text.</summary>
    /// <param name="value">The value as written.</param>
    /// <param name="address">The address.</param>
    /// <returns>True when the value is an address.</returns>
    public static bool TryParse(string value, out CpimAddress? address)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(Encoding.UTF8.GetBytes(value), out address);
    }

    /// <summary>
    /// The header value: <c>&lt;uri&gt;</c>, <c>Name Words &lt;uri&gt;</c> when the display name is tokens separated by
    /// single spaces, else <c>"quoted \"name\"" &lt;uri&gt;</c> with RFC 3862 §3.2 escapes.
    /// </summary>
    /// <returns>The value to write.</returns>
    public override string ToString()
    {
        if (DisplayName is null)
        {
            return string.Concat("<", Uri, ">");
        }

        string name = IsTokenWords(DisplayName) ? DisplayName : CpimText.Quote(DisplayName);
        return string.Concat(name, " <", Uri, ">");
    }

    /// <inheritdoc/>
    public bool Equals(CpimAddress? other) =>
        other is not null && string.Equals(Uri, other.Uri, StringComparison.Ordinal) && string.Equals(DisplayName, other.DisplayName, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CpimAddress);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Uri), DisplayName is null ? 0 : StringComparer.Ordinal.GetHashCode(DisplayName));

    internal static bool IsValidUri(string uri)
    {
        if (uri.Length == 0)
        {
            return false;
        }

        foreach (char c in uri)
        {
            if (c <= ' ' || c == '<' || c == '>' || c == 0x7F)
            {
                return false;
            }
        }

        return !HasLoneSurrogate(uri);
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }

        return false;
    }

    // RFC 3862 §4.1: Formal-name = 1*( Token SP ) / String; written unquoted only when that reads back the same.
    private static bool IsTokenWords(string name)
    {
        if (name.Length == 0 || name[0] == ' ' || name[^1] == ' ' || HasLoneSurrogate(name))
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c == ' ')
            {
                if (name[i - 1] == ' ')
                {
                    return false;
                }

                continue;
            }

            if (!CpimChars.IsTokenChar(c) && !char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }
}
