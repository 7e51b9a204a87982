using System.Security.Cryptography;
using System.Text;

namespace RcsCore.Parsing.Msrp;

/// <summary>
/// Random identifiers for transaction ids and Message-IDs: alphanumeric (a valid ident, RFC 4975 §9) from a
/// cryptographic generator. RFC 4975 §7.1: a transaction id MUST carry at least 64 bits of randomness; 16 characters
/// of 62 symbols carry 95, and the shortest accepted length (11) carries 65.
/// </summary>
public static class MsrpTransactionId
{
    /// <summary>The default length: 16 characters (95 bits).</summary>
    public const int DefaultLength = 16;

    /// <summary>The shortest length with at least 64 bits of randomness (11 × log2 62 ≈ 65.5).</summary>
    public const int MinimumLength = 11;

    /// <summary>The longest ident (RFC 4975 §9: ALPHANUM 3*31ident-char).</summary>
    public const int MaximumLength = 32;

    private static ReadOnlySpan<byte> Alphabet => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8;

    /// <summary>Fills <paramref name="destination"/> (11–32 bytes) with a new random id, without allocating.</summary>
    public static void Fill(Span<byte> destination)
    {
        if (destination.Length is < MinimumLength or > MaximumLength)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), destination.Length, $"an id has {MinimumLength}-{MaximumLength} characters");
        }
        // Uniform choice per character (no modulo bias).
        RandomNumberGenerator.GetItems(Alphabet, destination);
    }

    /// <summary>A new random id as a string.</summary>
    public static string Create(int length = DefaultLength)
    {
        Span<byte> buffer = stackalloc byte[MaximumLength];
        buffer = buffer[..length];
        Fill(buffer);
        return Encoding.ASCII.GetString(buffer);
    }
}
