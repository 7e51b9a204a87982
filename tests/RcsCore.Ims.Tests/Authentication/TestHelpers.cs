using System.Security.Cryptography;

namespace RcsCore.Ims.Tests.Authentication;

internal static class Hex
{
    public static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>A RandomNumberGenerator that repeats a fixed byte pattern, for deterministic RAND / cnonce.</summary>
internal sealed class FixedRandom(params byte[] pattern) : RandomNumberGenerator
{
    private int _next;

    public override void GetBytes(byte[] data) => GetBytes(data.AsSpan());

    public override void GetBytes(Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = pattern[_next++ % pattern.Length];
        }
    }
}
