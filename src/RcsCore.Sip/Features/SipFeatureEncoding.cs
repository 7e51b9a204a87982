using System.Text;

namespace RcsCore.Sip.Features;

/// <summary>
/// Encoding of feature parameters (RFC 3840 §9): which parameter names are feature tags, token lists, strings,
/// numeric values, and the percent-encoded URN tokens of <c>+g.3gpp.icsi-ref</c> / <c>+g.3gpp.iari-ref</c>
/// (3GPP TS 24.229 §7.9.2: <c>"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel"</c>).
/// </summary>
public static class SipFeatureEncoding
{
    // RFC 3840 §9: base-tags, the registered tags of the sip. tree written without "+" (RFC 3840 §10).
    private static readonly string[] s_baseTags =
    [
        "audio", "automata", "class", "duplex", "data", "control", "mobility", "description", "events", "priority",
        "methods", "schemes", "application", "video", "language", "type", "isfocus", "actor", "text", "extensions",
    ];

    /// <summary>
    /// True when a Contact / Accept-Contact / Reject-Contact parameter is a feature parameter (RFC 3840 §9:
    /// <c>enc-feature-tag = base-tags / other-tags</c>, <c>other-tags = "+" ftag-name</c>). <c>+sip.instance</c> is
    /// excluded: it identifies the instance (RFC 5626 §4.1), it is not a capability.
    /// </summary>
    public static bool IsFeatureTag(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }
        if (name[0] == '+')
        {
            // ftag-name = ALPHA *( ALPHA / DIGIT / "!" / "'" / "." / "-" / "%" )
            return name.Length > 1 && char.IsAsciiLetter(name[1]) && !name.Equals("+sip.instance", StringComparison.OrdinalIgnoreCase);
        }
        foreach (var tag in s_baseTags)
        {
            if (name.Equals(tag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Token comparison of feature values: case-insensitive, with <c>%XX</c> escapes decoded on both sides, so
    /// <c>urn%3Aurn-7%3A...</c>, <c>urn%3aurn-7%3a...</c> and the raw <c>urn:urn-7:...</c> are the same value.
    /// </summary>
    public static bool TokensEqual(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int i = 0, j = 0;
        while (true)
        {
            bool endA = i >= a.Length, endB = j >= b.Length;
            if (endA || endB)
            {
                return endA && endB;
            }
            int ca = Next(a, ref i), cb = Next(b, ref j);
            if (ca != cb && char.ToLowerInvariant((char)ca) != char.ToLowerInvariant((char)cb))
            {
                return false;
            }
        }
    }

    private static int Next(ReadOnlySpan<char> s, ref int i)
    {
        if (s[i] == '%' && i + 2 < s.Length && IsHex(s[i + 1]) && IsHex(s[i + 2]))
        {
            int v = (Hex(s[i + 1]) << 4) | Hex(s[i + 2]);
            i += 3;
            return v;
        }
        return s[i++];
    }

    /// <summary>
    /// A URN (or any text) as a feature token: every character outside <c>token-nobang</c> is percent-encoded (UTF-8),
    /// as TS 24.229 §7.9.2 writes ICSI/IARI values: <c>urn:urn-7:3gpp-service.ims.icsi.mmtel</c> →
    /// <c>urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel</c>.
    /// </summary>
    public static string EncodeToken(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii && IsTokenNoBang((char)rune.Value) && rune.Value != '%')
            {
                sb.Append((char)rune.Value);
                continue;
            }
            int n = rune.EncodeToUtf8(utf8);
            for (int k = 0; k < n; k++)
            {
                sb.Append('%').Append("0123456789ABCDEF"[utf8[k] >> 4]).Append("0123456789ABCDEF"[utf8[k] & 0xF]);
            }
        }
        return sb.ToString();
    }

    /// <summary>Decodes the <c>%XX</c> escapes of a feature token (UTF-8), the inverse of <see cref="EncodeToken"/>.</summary>
    public static string DecodeToken(ReadOnlySpan<char> token)
    {
        if (!token.Contains('%'))
        {
            return token.ToString();
        }
        var bytes = new byte[token.Length];
        int n = 0;
        for (int i = 0; i < token.Length;)
        {
            if (token[i] == '%' && i + 2 < token.Length && IsHex(token[i + 1]) && IsHex(token[i + 2]))
            {
                bytes[n++] = (byte)((Hex(token[i + 1]) << 4) | Hex(token[i + 2]));
                i += 3;
            }
            else
            {
                bytes[n++] = (byte)token[i++];
            }
        }
        return Encoding.UTF8.GetString(bytes, 0, n);
    }

    /// <summary>A quoted token list (RFC 3840 §9 <c>tag-value-list</c>): <c>"a,b"</c>; each value encoded with <see cref="EncodeToken"/>.</summary>
    public static string QuoteTokens(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sb = new StringBuilder("\"");
        foreach (var v in values)
        {
            if (sb.Length > 1)
            {
                sb.Append(',');
            }
            sb.Append(v.StartsWith('!') ? "!" + EncodeToken(v[1..]) : EncodeToken(v));
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A quoted string value (RFC 3840 §9 <c>string-value</c>): <c>"&lt;text&gt;"</c>.</summary>
    public static string QuoteString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().ContainsAny('<', '>', '"'))
        {
            throw new ArgumentException("A feature string value cannot contain '<', '>' or '\"' (RFC 3840 §9 qdtext-no-abkt).", nameof(text));
        }
        return "\"<" + text + ">\"";
    }

    /// <summary>A quoted list of exact numbers (RFC 3840 §9 <c>numeric</c>): <c>"#=1,#=2"</c> (e.g. <c>+g.gsma.rcs.botversion</c>).</summary>
    public static string QuoteNumbers(IEnumerable<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sb = new StringBuilder("\"");
        foreach (var v in values)
        {
            if (sb.Length > 1)
            {
                sb.Append(',');
            }
            sb.Append("#=").Append(v.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.Append('"').ToString();
    }

    // RFC 3840 §9: token-nobang = 1*(alphanum / "-" / "." / "%" / "*" / "_" / "+" / "`" / "'" / "~").
    internal static bool IsTokenNoBang(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int Hex(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
