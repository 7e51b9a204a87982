using System.Buffers;
using System.Text;

namespace RcsCore.Ims.Authentication;

/// <summary>One auth-param as read: spans into the header value, the value still escaped.</summary>
internal readonly ref struct SipRawAuthParam
{
    public SipRawAuthParam(ReadOnlySpan<byte> name, int nameOffset, ReadOnlySpan<byte> value, int valueOffset, bool quoted, bool hasValue)
    {
        Name = name;
        NameOffset = nameOffset;
        Value = value;
        ValueOffset = valueOffset;
        Quoted = quoted;
        HasValue = hasValue;
    }

    public ReadOnlySpan<byte> Name { get; }
    public int NameOffset { get; }
    /// <summary>For a quoted value, the bytes between the quotes with quoted-pairs not yet resolved.</summary>
    public ReadOnlySpan<byte> Value { get; }
    public int ValueOffset { get; }
    public bool Quoted { get; }
    /// <summary>False for a bare token with no '=' (only a continuation of an unquoted qop list is accepted so).</summary>
    public bool HasValue { get; }

    public bool Is(ReadOnlySpan<byte> name) => Ascii.EqualsIgnoreCase(Name, name);

    public string ValueString() => SipAuthParamReader.Unescape(Value, Quoted);
}

/// <summary>
/// Reads <c>auth-scheme LWS auth-param *(COMMA auth-param)</c> (RFC 3261 §25.1 challenge / credentials, RFC 7235 §2.1)
/// over the bytes of one header value. Parameters are comma-separated, unlike the ';' parameters of
/// <c>RcsCore.Parsing.Sip.SipParameters</c>, so they get their own reader. It allocates nothing; values become strings
/// only when the caller asks (<see cref="SipRawAuthParam.ValueString"/>). Lenient where deployed servers are: any
/// parameter may be a token or a quoted-string, and empty list elements are skipped (RFC 7230 §7).
/// </summary>
internal ref struct SipAuthParamReader
{
    // RFC 3261 §25.1 token.
    private static readonly SearchValues<byte> s_token = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    private readonly ReadOnlySpan<byte> _s;
    private int _pos;
    private bool _first;

    public SipAuthParamReader(ReadOnlySpan<byte> value)
    {
        _s = value;
        _pos = 0;
        _first = true;
    }

    /// <summary>The offset just after the last thing read.</summary>
    public readonly int Position => _pos;

    /// <summary>Reads the auth-scheme and checks it is <c>Digest</c> (case-insensitive, RFC 7235 §2.1).</summary>
    public SipDigestParseResult ReadDigestScheme()
    {
        int i = SkipLws(_s, 0);
        if (i >= _s.Length)
        {
            return new(SipDigestParseError.Empty, i);
        }
        int start = i;
        int end = _s[i..].IndexOfAnyExcept(s_token);
        i = end < 0 ? _s.Length : i + end;
        if (i == start)
        {
            return new(SipDigestParseError.InvalidParameter, i, "auth-scheme");
        }
        if (!Ascii.EqualsIgnoreCase(_s[start..i], "Digest"u8))
        {
            return new(SipDigestParseError.NotDigest, start, Encoding.ASCII.GetString(_s[start..i]));
        }
        // RFC 3261 §25.1: "Digest" LWS digest-cln — the scheme is followed by white space, not by a parameter character.
        if (i < _s.Length && !IsLws(_s[i]))
        {
            return new(SipDigestParseError.InvalidParameter, i, "auth-scheme");
        }
        _pos = i;
        return SipDigestParseResult.Success;
    }

    /// <summary>Reads the next parameter. False with a successful <paramref name="error"/> at the end of the value.</summary>
    public bool TryNext(out SipRawAuthParam param, out SipDigestParseResult error)
    {
        param = default;
        error = SipDigestParseResult.Success;
        var s = _s;
        int i = SkipLws(s, _pos);
        if (!_first)
        {
            if (i >= s.Length)
            {
                _pos = i;
                return false;
            }
            if (s[i] != (byte)',')
            {
                error = new(SipDigestParseError.InvalidParameter, i, "expected ','");
                return false;
            }
        }
        while (i < s.Length && (s[i] == (byte)',' || IsLws(s[i])))
        {
            i++;
        }
        if (i >= s.Length)
        {
            _pos = i;
            return false;
        }
        _first = false;
        int ns = i;
        int nameEnd = s[i..].IndexOfAnyExcept(s_token);
        i = nameEnd < 0 ? s.Length : i + nameEnd;
        if (i == ns)
        {
            error = new(SipDigestParseError.InvalidParameter, i, "parameter name");
            return false;
        }
        var name = s[ns..i];
        int afterName = i;
        i = SkipLws(s, i);
        if (i >= s.Length || s[i] != (byte)'=')
        {
            param = new SipRawAuthParam(name, ns, default, afterName, quoted: false, hasValue: false);
            _pos = afterName;
            return true;
        }
        i = SkipLws(s, i + 1);
        if (i < s.Length && s[i] == (byte)'"')
        {
            int end = SkipQuotedString(s, i);
            if (end < 0)
            {
                error = new(end == -1 ? SipDigestParseError.UnterminatedQuotedString : SipDigestParseError.InvalidValue, i, Encoding.ASCII.GetString(name));
                return false;
            }
            param = new SipRawAuthParam(name, ns, s[(i + 1)..(end - 1)], i + 1, quoted: true, hasValue: true);
            _pos = end;
            return true;
        }
        int vs = i;
        while (i < s.Length && IsUnquotedValueChar(s[i]))
        {
            i++;
        }
        if (i == vs)
        {
            error = new(SipDigestParseError.InvalidParameter, i, Encoding.ASCII.GetString(name));
            return false;
        }
        param = new SipRawAuthParam(name, ns, s[vs..i], vs, quoted: false, hasValue: true);
        _pos = i;
        return true;
    }

    // An unquoted value is a token in the grammar (RFC 3261 §25.1); accept any visible ASCII but the list and quote
    // delimiters, as servers write unquoted URIs and base64 too.
    private static bool IsUnquotedValueChar(byte b) => b is > 0x20 and < 0x7F and not (byte)',' and not (byte)'"';

    internal static bool IsLws(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    internal static int SkipLws(ReadOnlySpan<byte> s, int i)
    {
        while ((uint)i < (uint)s.Length && IsLws(s[i]))
        {
            i++;
        }
        return i;
    }

    internal static bool IsToken(ReadOnlySpan<byte> s) => !s.IsEmpty && !s.ContainsAnyExcept(s_token);

    /// <summary>
    /// Skips a quoted-string starting at the DQUOTE at <paramref name="i"/>; returns the index after the closing quote,
    /// -1 when it is not terminated, -2 on a control character (RFC 3261 §25.1 qdtext, quoted-pair).
    /// </summary>
    internal static int SkipQuotedString(ReadOnlySpan<byte> s, int i)
    {
        i++;
        while ((uint)i < (uint)s.Length)
        {
            byte b = s[i];
            if (b == (byte)'"')
            {
                return i + 1;
            }
            if (b == (byte)'\\')
            {
                // RFC 3261 §25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
                if (i + 1 >= s.Length)
                {
                    return -1;
                }
                byte n = s[i + 1];
                if (n is (byte)'\r' or (byte)'\n' or > 0x7F)
                {
                    return -2;
                }
                i += 2;
                continue;
            }
            if (b < 0x20 && !IsLws(b) || b == 0x7F)
            {
                return -2;
            }
            i++;
        }
        return -1;
    }

    /// <summary>The text of a value: UTF-8 decoded, quoted-pairs of a quoted value resolved.</summary>
    internal static string Unescape(ReadOnlySpan<byte> raw, bool quoted)
    {
        if (!quoted || raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }
        byte[]? rented = null;
        Span<byte> buf = raw.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            int n = 0;
            for (int i = 0; i < raw.Length; i++)
            {
                byte b = raw[i];
                if (b == (byte)'\\' && i + 1 < raw.Length)
                {
                    b = raw[++i];
                }
                buf[n++] = b;
            }
            return Encoding.UTF8.GetString(buf[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Appends <paramref name="value"/> as a quoted-string, escaping '"' and '\' (RFC 3261 §25.1 quoted-pair).</summary>
    internal static void AppendQuoted(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        sb.Append('"');
    }

    /// <summary>Runs <paramref name="parse"/> over the UTF-8 bytes of <paramref name="value"/> (pooled, not allocated).</summary>
    internal static TResult WithUtf8<TResult>(string value, ParseBytes<TResult> parse)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> buf = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n = Encoding.UTF8.GetBytes(value, buf);
            return parse(buf[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    internal delegate TResult ParseBytes<TResult>(ReadOnlySpan<byte> bytes);
}
