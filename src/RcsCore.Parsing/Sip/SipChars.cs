using System.Buffers;
using System.Runtime.CompilerServices;

namespace RcsCore.Parsing.Sip;

/// <summary>Character classes of the RFC 3261 §25.1 grammar, as bit tables (no branches on the hot path).</summary>
internal static class SipChars
{
    private const ushort Token = 1;          // token (§25.1)
    private const ushort Word = 2;           // word (Call-ID, §25.1)
    private const ushort Unreserved = 4;     // alphanum / mark
    private const ushort UserUnreserved = 8; // & = + $ , ; ? /
    private const ushort PasswordExtra = 16; // & = + $ ,
    private const ushort ParamUnreserved = 32; // [ ] / : & + $
    private const ushort HnvUnreserved = 64; // [ ] / ? : + $
    private const ushort Hex = 128;
    private const ushort Digit = 256;
    private const ushort Alpha = 512;
    private const ushort HostChar = 1024;    // alphanum - . _ (lenient hostname)
    private const ushort Uric = 2048;        // RFC 2396 uric (reserved / unreserved / escaped '%')

    // Bit table indexed by byte (generated from the class definitions above, RFC 3261 §25.1). A ReadOnlySpan over
    // constant data: the JIT drops the bounds check for a byte index.
    private static ReadOnlySpan<ushort> Table =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 2055, 2, 0, 2168, 2051, 2104, 2055, 2054, 2054, 2055, 2171, 2072, 3079, 3079, 2154,
        3463, 3463, 3463, 3463, 3463, 3463, 3463, 3463, 3463, 3463, 2146, 2056, 2, 2072, 2, 2122,
        2048, 3719, 3719, 3719, 3719, 3719, 3719, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591,
        3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 98, 2, 98, 0, 3079,
        3, 3719, 3719, 3719, 3719, 3719, 3719, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591,
        3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 3591, 2, 0, 2, 2055, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    private const string AlphaNum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Mark = "-_.!~*'()";

    /// <summary>token (RFC 3261 §25.1), for vectorised scans.</summary>
    public static readonly SearchValues<byte> TokenValues = Values(AlphaNum + "-.!%*_+`'~");

    /// <summary>gen-value characters outside quotes: token / host (IPv6 brackets and colons).</summary>
    public static readonly SearchValues<byte> GenValueValues = Values(AlphaNum + "-.!%*_+`'~:[]");

    /// <summary>user characters plus '%' (escapes are checked separately).</summary>
    public static readonly SearchValues<byte> UserValues = Values(AlphaNum + Mark + "&=+$,;?/%");

    /// <summary>password characters plus '%'.</summary>
    public static readonly SearchValues<byte> PasswordValues = Values(AlphaNum + Mark + "&=+$,%");

    /// <summary>hostname / IPv4 characters (lenient: '_' allowed).</summary>
    public static readonly SearchValues<byte> HostValues = Values(AlphaNum + "-._");

    /// <summary>paramchar plus '%'.</summary>
    public static readonly SearchValues<byte> ParamValues = Values(AlphaNum + Mark + "[]/:&+$%");

    /// <summary>URI headers characters (hname "=" hvalue "&amp;" ...) plus '%'.</summary>
    public static readonly SearchValues<byte> UriHeaderValues = Values(AlphaNum + Mark + "[]/?:+$=&%");

    private static SearchValues<byte> Values(string chars)
    {
        var bytes = new byte[chars.Length];
        for (int i = 0; i < chars.Length; i++)
        {
            bytes[i] = (byte)chars[i];
        }
        return SearchValues.Create(bytes);
    }

    /// <summary>
    /// Index of the first byte of <paramref name="s"/> not in <paramref name="allowed"/> or a '%' not followed by two
    /// hex digits; -1 when the whole span is valid. Vectorised for the common case.
    /// </summary>
    public static int FirstInvalidEscaped(ReadOnlySpan<byte> s, SearchValues<byte> allowed)
    {
        int bad = s.IndexOfAnyExcept(allowed);
        var valid = bad < 0 ? s : s[..bad];
        int pct = valid.IndexOf((byte)'%');
        while (pct >= 0)
        {
            if (pct + 2 >= s.Length || !IsHex(s[pct + 1]) || !IsHex(s[pct + 2]))
            {
                return pct;
            }
            int next = valid[(pct + 1)..].IndexOf((byte)'%');
            pct = next < 0 ? -1 : pct + 1 + next;
        }
        return bad;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsToken(byte b) => (Table[b] & Token) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWord(byte b) => (Table[b] & Word) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsUnreserved(byte b) => (Table[b] & Unreserved) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsUserChar(byte b) => (Table[b] & (Unreserved | UserUnreserved)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPasswordChar(byte b) => (Table[b] & (Unreserved | PasswordExtra)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsParamChar(byte b) => (Table[b] & (Unreserved | ParamUnreserved)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsHeaderChar(byte b) => (Table[b] & (Unreserved | HnvUnreserved)) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsHex(byte b) => (Table[b] & Hex) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAlpha(byte b) => (Table[b] & Alpha) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsHostChar(byte b) => (Table[b] & HostChar) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsUric(byte b) => (Table[b] & Uric) != 0 || b >= 0x80;

    /// <summary>LWS inside a header value: SP, HTAB, and the CR/LF of a fold (the reader guarantees a fold is followed by WSP).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLws(byte b) => b == (byte)' ' || b == (byte)'\t' || b == (byte)'\r' || b == (byte)'\n';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWsp(byte b) => b == (byte)' ' || b == (byte)'\t';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    public static int SkipLws(ReadOnlySpan<byte> s, int i)
    {
        while ((uint)i < (uint)s.Length && IsLws(s[i]))
        {
            i++;
        }
        return i;
    }

    public static ReadOnlySpan<byte> TrimLws(ReadOnlySpan<byte> s)
    {
        int start = 0;
        while (start < s.Length && IsLws(s[start]))
        {
            start++;
        }
        int end = s.Length;
        while (end > start && IsLws(s[end - 1]))
        {
            end--;
        }
        return s[start..end];
    }

    public static bool AllToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (byte b in s)
        {
            if (!IsToken(b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Parses 1*DIGIT into a value no larger than <paramref name="max"/>; false on empty, non-digit or overflow.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, ulong max, out ulong value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (byte b in s)
        {
            uint d = (uint)(b - '0');
            if (d > 9)
            {
                return false;
            }
            if (value > (max - d) / 10)
            {
                return false; // RFC 4475 §3.1.2.4: overlarge scalars are rejected, never wrapped.
            }
            value = value * 10 + d;
        }
        return true;
    }

    /// <summary>Skips a quoted-string starting at <paramref name="i"/> (which must be a DQUOTE); returns the index after the closing quote, or -1.</summary>
    public static int SkipQuotedString(ReadOnlySpan<byte> s, int i)
    {
        // RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        i++;
        while ((uint)i < (uint)s.Length)
        {
            int hit = s[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (hit < 0)
            {
                return -1;
            }
            i += hit;
            if (s[i] == (byte)'"')
            {
                return i + 1;
            }
            if (i + 1 >= s.Length)
            {
                return -1;
            }
            byte n = s[i + 1];
            if (n == (byte)'\r' || n == (byte)'\n' || n > 0x7F)
            {
                return -1;
            }
            i += 2;
        }
        return -1;
    }
}
