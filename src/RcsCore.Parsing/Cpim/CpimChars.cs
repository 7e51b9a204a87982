using System.Buffers;

namespace RcsCore.Parsing.Cpim;

/// <summary>Character classes of the RFC 3862 §3.4 grammar.</summary>
internal static class CpimChars
{
    // RFC 3862 §3.4: NAMECHAR = %x21 / %x23-27 / %x2a-2b / %x2d / %x5e-60 / %x7c / %x7e / ALPHA / DIGIT
    private const string NameCharacters = "!#$%&'*+-^_`|~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>NAMECHAR.</summary>
    public static readonly SearchValues<byte> NameBytes = SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(NameCharacters));

    /// <summary>NAMECHAR as chars.</summary>
    public static readonly SearchValues<char> NameCharValues = SearchValues.Create(NameCharacters);

    /// <summary>RFC 3862 §3.4: TOKENCHAR = NAMECHAR / "." / UCS-high.</summary>
    public static bool IsTokenByte(byte b) => b >= 0x80 || b == (byte)'.' || NameBytes.Contains(b);

    /// <summary>TOKENCHAR for a UTF-16 code unit; surrogates never count (the writer quotes them).</summary>
    public static bool IsTokenChar(char c) => c == '.' || NameCharValues.Contains(c) || (c >= 0x80 && !char.IsSurrogate(c));

    /// <summary>RFC 3862 §3.4 Name = 1*NAMECHAR.</summary>
    public static bool IsName(ReadOnlySpan<byte> s) => !s.IsEmpty && !s.ContainsAnyExcept(NameBytes);

    /// <summary>RFC 3862 §3.4 Name = 1*NAMECHAR.</summary>
    public static bool IsName(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExcept(NameCharValues);

    /// <summary>RFC 3862 §3.4: Header-name = [ Name-prefix "." ] Name; returns the prefix length, or -1 when invalid.</summary>
    public static int HeaderNamePrefixLength(ReadOnlySpan<byte> name)
    {
        int dot = name.IndexOf((byte)'.');
        if (dot < 0)
        {
            return IsName(name) ? 0 : -1;
        }

        return IsName(name[..dot]) && IsName(name[(dot + 1)..]) ? dot : -1;
    }

    /// <summary>The same rule over chars; -1 when invalid.</summary>
    public static int HeaderNamePrefixLength(ReadOnlySpan<char> name)
    {
        int dot = name.IndexOf('.');
        if (dot < 0)
        {
            return IsName(name) ? 0 : -1;
        }

        return IsName(name[..dot]) && IsName(name[(dot + 1)..]) ? dot : -1;
    }

    /// <summary>RFC 5322 §3.6.8 ftext: printable US-ASCII except the colon, for MIME header names.</summary>
    public static bool IsMimeName(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (byte b in s)
        {
            if (b < 33 || b > 126 || b == (byte)':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The same rule over chars.</summary>
    public static bool IsMimeName(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (char c in s)
        {
            if (c < 33 || c > 126 || c == ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Skips one RFC 3862 §3.4 String (a quoted string with §3.2 escapes) starting at the quote; -1 when unterminated.</summary>
    public static int SkipQuoted(ReadOnlySpan<byte> s, int quote)
    {
        int i = quote + 1;
        while (i < s.Length)
        {
            byte b = s[i];
            if (b == (byte)'\\')
            {
                i += 2;
                continue;
            }

            if (b == (byte)'"')
            {
                return i + 1;
            }

            i++;
        }

        return -1;
    }

    /// <summary>
    /// Reads one <c>";" Param-name [ "=" Param-value ]</c> at <paramref name="i"/> (RFC 3862 §3.4), where
    /// Param-value = Token / Number / String. False when malformed.
    /// </summary>
    public static bool TryReadParameter(ReadOnlySpan<byte> s, scoped ref int i, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = value = default;
        if (i >= s.Length || s[i] != (byte)';')
        {
            return false;
        }

        int start = ++i;
        while (i < s.Length && NameBytes.Contains(s[i]))
        {
            i++;
        }

        if (i == start)
        {
            return false;
        }

        name = s[start..i];
        if (i < s.Length && s[i] == (byte)'=')
        {
            i++;
            int valueStart = i;
            if (i < s.Length && s[i] == (byte)'"')
            {
                int end = SkipQuoted(s, i);
                if (end < 0)
                {
                    return false;
                }

                i = end;
            }
            else
            {
                while (i < s.Length && IsTokenByte(s[i]))
                {
                    i++;
                }

                if (i == valueStart)
                {
                    return false;
                }
            }

            value = s[valueStart..i];
        }

        // The parameter ends at the next parameter, at the space before the value or at the end.
        return i == s.Length || s[i] == (byte)';' || s[i] == (byte)' ';
    }
}
