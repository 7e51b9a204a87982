namespace RcsCore.Parsing.Msrp;

/// <summary>Character classes of the RFC 4975 §9 grammar.</summary>
internal static class MsrpChars
{
    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static bool IsAlpha(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    public static bool IsAlphaNum(byte b) => IsAlpha(b) || IsDigit(b);

    public static bool IsUpAlpha(byte b) => (uint)(b - 'A') <= 'Z' - 'A';

    // RFC 4975 §9: ident-char = ALPHANUM / "." / "-" / "+" / "%" / "="
    public static bool IsIdentChar(byte b) => IsAlphaNum(b) || b is (byte)'.' or (byte)'-' or (byte)'+' or (byte)'%' or (byte)'=';

    // RFC 4975 §9: token = 1*(%x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E)
    public static bool IsToken(byte b) => b switch
    {
        0x21 => true,
        >= 0x23 and <= 0x27 => true,
        0x2A or 0x2B or 0x2D or 0x2E => true,
        >= 0x30 and <= 0x39 => true,
        >= 0x41 and <= 0x5A => true,
        >= 0x5E and <= 0x7E => true,
        _ => false,
    };

    // RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
    public static bool IsUnreserved(byte b) => IsAlphaNum(b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';

    // RFC 3986 §2.2: sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
    public static bool IsSubDelim(byte b) => b is (byte)'!' or (byte)'$' or (byte)'&' or (byte)'\'' or (byte)'(' or (byte)')' or (byte)'*' or (byte)'+' or (byte)',' or (byte)';' or (byte)'=';

    public static bool IsHex(byte b) => IsDigit(b) || (uint)((b | 0x20) - 'a') <= 'f' - 'a';

    /// <summary>RFC 4975 §9: ident = ALPHANUM 3*31ident-char; <paramref name="minLength"/> lets readers accept shorter ids.</summary>
    public static bool IsIdent(ReadOnlySpan<byte> s, int minLength, int maxLength)
    {
        if (s.Length < minLength || s.Length > maxLength || s.IsEmpty || !IsAlphaNum(s[0]))
        {
            return false;
        }
        for (int i = 1; i < s.Length; i++)
        {
            if (!IsIdentChar(s[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Index of the first byte that is not utf8text (HTAB / %x20-7E / UTF8-NONASCII, RFC 4975 §9), or -1.</summary>
    public static int FirstNonText(ReadOnlySpan<byte> s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            byte b = s[i];
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Parses 1*DIGIT into a value no larger than <paramref name="max"/>; false on empty, non-digit or overflow.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, long max, out long value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (byte b in s)
        {
            uint d = (uint)(b - '0');
            if (d > 9 || value > (max - d) / 10)
            {
                value = 0;
                return false;
            }
            value = (value * 10) + d;
        }
        return true;
    }
}
