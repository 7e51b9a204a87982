using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>Turns wire bytes into strings at the layer boundary (STYLE §2.7: make strings late).</summary>
internal static class SipText
{
    private static readonly string[] s_methods = ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "MESSAGE", "SUBSCRIBE", "NOTIFY", "PUBLISH", "REFER", "INFO", "UPDATE", "PRACK"];

    /// <summary>UTF-8 decode, dropping the CR/LF of folds (a fold is equivalent to the WSP that follows it, RFC 3261 §7.3.1).</summary>
    public static string Decode(ReadOnlySpan<byte> value)
    {
        if (value.IndexOfAny((byte)'\r', (byte)'\n') < 0)
        {
            return Encoding.UTF8.GetString(value);
        }
        var buf = value.Length <= 512 ? stackalloc byte[value.Length] : new byte[value.Length];
        int n = 0;
        foreach (byte b in value)
        {
            if (b != (byte)'\r' && b != (byte)'\n')
            {
                buf[n++] = b;
            }
        }
        return Encoding.UTF8.GetString(buf[..n]);
    }

    /// <summary>Returns a shared string for the common methods (no allocation), otherwise decodes.</summary>
    public static string Method(ReadOnlySpan<byte> method)
    {
        foreach (var m in s_methods)
        {
            if (method.Length == m.Length && Ascii.Equals(method, m))
            {
                return m;
            }
        }
        return Encoding.UTF8.GetString(method);
    }

    /// <summary>Percent-decodes (RFC 3261 §19.1.4: escaped and unescaped forms are equivalent).</summary>
    public static string Unescape(ReadOnlySpan<byte> s)
    {
        if (s.IndexOf((byte)'%') < 0)
        {
            return Encoding.UTF8.GetString(s);
        }
        var buf = s.Length <= 512 ? stackalloc byte[s.Length] : new byte[s.Length];
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == (byte)'%' && i + 2 < s.Length && IsHex(s[i + 1]) && IsHex(s[i + 2]))
            {
                buf[n++] = (byte)((Hex(s[i + 1]) << 4) | Hex(s[i + 2]));
                i += 2;
            }
            else
            {
                buf[n++] = s[i];
            }
        }
        return Encoding.UTF8.GetString(buf[..n]);
    }

    /// <summary>Unquotes a quoted-string (removing quoted-pair backslashes); returns the input unchanged when not quoted.</summary>
    public static string Unquote(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2 || s[0] != (byte)'"' || s[^1] != (byte)'"')
        {
            return Decode(s);
        }
        var inner = s[1..^1];
        var buf = inner.Length <= 512 ? stackalloc byte[inner.Length] : new byte[inner.Length];
        int n = 0;
        for (int i = 0; i < inner.Length; i++)
        {
            if (inner[i] == (byte)'\\' && i + 1 < inner.Length)
            {
                i++;
            }
            if (inner[i] != (byte)'\r' && inner[i] != (byte)'\n')
            {
                buf[n++] = inner[i];
            }
        }
        return Encoding.UTF8.GetString(buf[..n]);
    }

    /// <summary>Quotes a display name when it is not a plain token list (RFC 3261 §25.1 quoted-string).</summary>
    public static string QuoteIfNeeded(string s)
    {
        bool plain = s.Length > 0;
        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "-.!%*_+`'~ ".Contains(c)))
            {
                plain = false;
                break;
            }
        }
        if (plain && !s.StartsWith(' ') && !s.EndsWith(' '))
        {
            return s;
        }
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (char c in s)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        sb.Append('"');
        return sb.ToString();
    }

    private static bool IsHex(byte b) => (uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 5;

    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
