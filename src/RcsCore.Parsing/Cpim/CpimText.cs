using System.Buffers;
using System.Text;

namespace RcsCore.Parsing.Cpim;

/// <summary>
/// The RFC 3862 §3.2 character escape mechanism for message header values: <c>\\</c>, <c>\"</c>, <c>\'</c>, <c>\b</c>,
/// <c>\t</c>, <c>\n</c>, <c>\r</c> and <c>\uXXXX</c> (a UTF-16 code unit in four hex digits).
/// </summary>
/// <remarks>
/// Values are UTF-8 (RFC 3862 §3.1), so only control characters, the backslash and, inside a quoted String, the
/// double quote need escaping. <see cref="Unescape(ReadOnlySpan{byte})"/> is lenient: a backslash that does not start
/// one of the escapes above stays as it is, so a stray backslash written by another stack survives.
/// </remarks>
public static class CpimText
{
    /// <summary>Decodes a UTF-8 header value, resolving RFC 3862 §3.2 escapes. Invalid UTF-8 becomes U+FFFD.</summary>
    /// <param name="value">The value as written on the wire.</param>
    /// <returns>The text.</returns>
    public static string Unescape(ReadOnlySpan<byte> value)
    {
        if (value.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(value);
        }

        return Unescape(Encoding.UTF8.GetString(value));
    }

    /// <summary>Resolves RFC 3862 §3.2 escapes in a value already decoded from UTF-8.</summary>
    /// <param name="value">The value as written on the wire.</param>
    /// <returns>The text.</returns>
    public static string Unescape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int first = value.IndexOf('\\', StringComparison.Ordinal);
        if (first < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        sb.Append(value, 0, first);
        for (int i = first; i < value.Length; i++)
        {
            char c = value[i];
            if (c != '\\' || i + 1 >= value.Length)
            {
                sb.Append(c);
                continue;
            }

            char e = value[i + 1];
            switch (e)
            {
                case '\\':
                case '"':
                case '\'':
                    sb.Append(e);
                    i++;
                    break;
                case 'b':
                    sb.Append('\b');
                    i++;
                    break;
                case 't':
                    sb.Append('\t');
                    i++;
                    break;
                case 'n':
                    sb.Append('\n');
                    i++;
                    break;
                case 'r':
                    sb.Append('\r');
                    i++;
                    break;
                case 'u' when TryHex4(value.AsSpan(i + 2), out char u):
                    sb.Append(u);
                    i += 5;
                    break;
                default:
                    // Not an RFC 3862 §3.2 escape: keep the backslash (lenient).
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Escapes text for a message header value (RFC 3862 §3.2): the backslash, control characters (U+0000–U+001F,
    /// U+007F) and unpaired surrogates. Returns the same instance when nothing needs escaping.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The value to write.</returns>
    public static string Escape(string text) => Escape(text, quoted: false);

    /// <summary>
    /// Writes text as an RFC 3862 §3.4 String: in double quotes, with the double quote escaped as well.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The quoted string, quotes included.</returns>
    public static string Quote(string text) => string.Concat("\"", Escape(text, quoted: true), "\"");

    /// <summary>
    /// Decodes an RFC 3862 §3.4 String (quotes included) to its text; false when <paramref name="quoted"/> is not one
    /// complete quoted string.
    /// </summary>
    /// <param name="quoted">The quoted string as written.</param>
    /// <param name="text">The text.</param>
    /// <returns>True when the input is one quoted string.</returns>
    public static bool TryUnquote(ReadOnlySpan<byte> quoted, out string text)
    {
        text = string.Empty;
        if (quoted.Length < 2 || quoted[0] != (byte)'"' || CpimChars.SkipQuoted(quoted, 0) != quoted.Length)
        {
            return false;
        }

        text = Unescape(quoted[1..^1]);
        return true;
    }

    internal static bool NeedsEscape(char c, bool quoted) =>
        c < 0x20 || c == 0x7F || c == '\\' || (quoted && c == '"');

    private static string Escape(string text, bool quoted)
    {
        ArgumentNullException.ThrowIfNull(text);
        int i = 0;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (NeedsEscape(c, quoted) || (char.IsSurrogate(c) && !IsPairedAt(text, i)))
            {
                break;
            }

            if (char.IsHighSurrogate(c))
            {
                i++;
            }
        }

        if (i == text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && IsPairedAt(text, i))
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '"' when quoted:
                    sb.Append("\\\"");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                default:
                    if (c < 0x20 || c == 0x7F || char.IsSurrogate(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    private static bool IsPairedAt(string text, int i) =>
        char.IsHighSurrogate(text[i]) ? i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])
        : char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1]);

    private static bool TryHex4(ReadOnlySpan<char> s, out char value)
    {
        value = '\0';
        if (s.Length < 4)
        {
            return false;
        }

        int v = 0;
        for (int k = 0; k < 4; k++)
        {
            int d = HexValue(s[k]);
            if (d < 0)
            {
                return false;
            }

            v = (v << 4) | d;
        }

        value = (char)v;
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
