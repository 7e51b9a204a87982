namespace RcsCore.Parsing.Sip;

/// <summary>The scheme of a URI.</summary>
public enum SipUriScheme : byte
{
    /// <summary>Any other absolute URI (RFC 3261 §25.1 absoluteURI), e.g. <c>http:</c>, <c>urn:</c>, <c>isbn:</c>.</summary>
    Other = 0,
    /// <summary><c>sip:</c> (RFC 3261 §19.1).</summary>
    Sip = 1,
    /// <summary><c>sips:</c> (RFC 3261 §19.1).</summary>
    Sips = 2,
    /// <summary><c>tel:</c> (RFC 3966).</summary>
    Tel = 3,
}

/// <summary>Where a URI appears; the rules differ (RFC 3261 §19.1.1 table 1).</summary>
public enum SipUriContext : byte
{
    /// <summary>Inside &lt;&gt; in a header (name-addr): everything allowed.</summary>
    NameAddr = 0,
    /// <summary>The Request-URI: no headers component, no LWS.</summary>
    RequestUri = 1,
    /// <summary>A bare addr-spec in a header: no ',', ';' or '?' (RFC 3261 §20.10).</summary>
    AddrSpec = 2,
}

/// <summary>The components of a URI as spans into its text (escapes left in place).</summary>
public readonly ref struct SipUriParts
{
    internal SipUriParts(SipUriScheme scheme, ReadOnlySpan<byte> schemeText, ReadOnlySpan<byte> user, ReadOnlySpan<byte> password, bool hasUserInfo,
        ReadOnlySpan<byte> host, int port, ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> opaque)
    {
        Scheme = scheme;
        SchemeText = schemeText;
        User = user;
        Password = password;
        HasUserInfo = hasUserInfo;
        Host = host;
        Port = port;
        Parameters = parameters;
        Headers = headers;
        Opaque = opaque;
    }

    /// <summary>The scheme.</summary>
    public SipUriScheme Scheme { get; }

    /// <summary>The scheme as written (without the colon).</summary>
    public ReadOnlySpan<byte> SchemeText { get; }

    /// <summary>The user part (SIP) or the telephone number (tel), escapes left in place.</summary>
    public ReadOnlySpan<byte> User { get; }

    /// <summary>The password (deprecated, RFC 3261 §19.1.1), if any.</summary>
    public ReadOnlySpan<byte> Password { get; }

    /// <summary>True when the URI had a userinfo part ending in '@'.</summary>
    public bool HasUserInfo { get; }

    /// <summary>The host: a domain name, an IPv4 address, or an IPv6 reference including its brackets.</summary>
    public ReadOnlySpan<byte> Host { get; }

    /// <summary>The port, or -1 when absent.</summary>
    public int Port { get; }

    /// <summary>The URI parameters including the leading ';' (empty when none).</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>The headers component after '?' (empty when none).</summary>
    public ReadOnlySpan<byte> Headers { get; }

    /// <summary>For <see cref="SipUriScheme.Other"/>: everything after the scheme's colon.</summary>
    public ReadOnlySpan<byte> Opaque { get; }

    /// <summary>Finds a URI parameter by name (case-insensitive); <paramref name="value"/> is empty for a flag parameter.</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => SipParameters.TryGet(Parameters, name, out value);
}

/// <summary>Parses SIP, SIPS, tel and other absolute URIs without allocating (RFC 3261 §19.1, §25.1; RFC 3966).</summary>
public static class SipUriParser
{
    /// <summary>Parses a URI; returns <see cref="SipParseError.None"/> on success.</summary>
    public static SipParseError TryParse(ReadOnlySpan<byte> uri, out SipUriParts parts) => TryParse(uri, SipUriContext.NameAddr, out parts, out _);

    /// <summary>Validates a URI in a context, reporting the offset of the first bad byte.</summary>
    public static SipParseError Validate(ReadOnlySpan<byte> uri, SipUriContext context, out int errorAt) => TryParse(uri, context, out _, out errorAt);

    /// <summary>Parses a URI in a context, reporting the offset of the first bad byte.</summary>
    public static SipParseError TryParse(ReadOnlySpan<byte> uri, SipUriContext context, out SipUriParts parts, out int errorAt)
    {
        parts = default;
        errorAt = 0;
        int colon = uri.IndexOf((byte)':');
        if (colon <= 0)
        {
            return SipParseError.InvalidUri;
        }
        var scheme = uri[..colon];
        // RFC 3261 §25.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        if (!SipChars.IsAlpha(scheme[0]))
        {
            return SipParseError.InvalidUri;
        }
        foreach (byte b in scheme)
        {
            if (!SipChars.IsAlpha(b) && !SipChars.IsDigit(b) && b != (byte)'+' && b != (byte)'-' && b != (byte)'.')
            {
                return SipParseError.InvalidUri;
            }
        }
        var rest = uri[(colon + 1)..];
        if (System.Text.Ascii.EqualsIgnoreCase(scheme, "sip"u8))
        {
            return ParseSip(uri, SipUriScheme.Sip, scheme, rest, colon + 1, context, out parts, out errorAt);
        }
        if (System.Text.Ascii.EqualsIgnoreCase(scheme, "sips"u8))
        {
            return ParseSip(uri, SipUriScheme.Sips, scheme, rest, colon + 1, context, out parts, out errorAt);
        }
        if (System.Text.Ascii.EqualsIgnoreCase(scheme, "tel"u8))
        {
            return ParseTel(scheme, rest, colon + 1, out parts, out errorAt);
        }

        // absoluteURI = scheme ":" ( hier-part / opaque-part ); uric characters only.
        if (rest.IsEmpty)
        {
            errorAt = colon + 1;
            return SipParseError.InvalidUri;
        }
        for (int i = 0; i < rest.Length; i++)
        {
            byte b = rest[i];
            bool ok = SipChars.IsUric(b) || b == (byte)'#' || b == (byte)'[' || b == (byte)']';
            if (!ok || (context == SipUriContext.AddrSpec && (b == (byte)',' || b == (byte)';' || b == (byte)'?')))
            {
                errorAt = colon + 1 + i;
                return SipParseError.InvalidUri;
            }
            if (b == (byte)'%' && !IsEscape(rest, i))
            {
                errorAt = colon + 1 + i;
                return SipParseError.InvalidUri;
            }
        }
        parts = new SipUriParts(SipUriScheme.Other, scheme, default, default, false, default, -1, default, default, rest);
        return SipParseError.None;
    }

    private static bool IsEscape(ReadOnlySpan<byte> s, int i) => i + 2 < s.Length && SipChars.IsHex(s[i + 1]) && SipChars.IsHex(s[i + 2]);

    private static SipParseError ParseSip(ReadOnlySpan<byte> uri, SipUriScheme kind, ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> rest, int baseOffset,
        SipUriContext context, out SipUriParts parts, out int errorAt)
    {
        parts = default;
        errorAt = baseOffset;
        ReadOnlySpan<byte> user = default, password = default;
        bool hasUserInfo = false;
        int pos = 0;

        // userinfo: the user part cannot hold a raw '@' (it is not in unreserved / user-unreserved), so the
        // first '@' ends it (RFC 3261 §25.1 userinfo).
        int at = rest.IndexOf((byte)'@');
        if (at >= 0)
        {
            hasUserInfo = true;
            var userinfo = rest[..at];
            int pc = userinfo.IndexOf((byte)':');
            user = pc >= 0 ? userinfo[..pc] : userinfo;
            if (user.IsEmpty)
            {
                return SipParseError.InvalidUri;
            }
            int badUser = SipChars.FirstInvalidEscaped(user, SipChars.UserValues);
            if (badUser >= 0)
            {
                errorAt = baseOffset + badUser;
                return SipParseError.InvalidUri;
            }
            if (pc >= 0)
            {
                password = userinfo[(pc + 1)..];
                int badPw = SipChars.FirstInvalidEscaped(password, SipChars.PasswordValues);
                if (badPw >= 0)
                {
                    errorAt = baseOffset + pc + 1 + badPw;
                    return SipParseError.InvalidUri;
                }
            }
            pos = at + 1;
        }

        // hostport
        int hostStart = pos;
        if (pos < rest.Length && rest[pos] == (byte)'[')
        {
            int close = rest[pos..].IndexOf((byte)']');
            if (close < 0 || !SipAddress.IsIPv6(rest[(pos + 1)..(pos + close)]))
            {
                errorAt = baseOffset + pos;
                return SipParseError.InvalidUri;
            }
            pos += close + 1;
        }
        else
        {
            int hostEnd = rest[pos..].IndexOfAnyExcept(SipChars.HostValues);
            pos = hostEnd < 0 ? rest.Length : pos + hostEnd;
        }
        var host = rest[hostStart..pos];
        if (host.IsEmpty || host[0] == (byte)'.' || host[0] == (byte)'-')
        {
            errorAt = baseOffset + hostStart;
            return SipParseError.InvalidUri;
        }
        int port = -1;
        if (pos < rest.Length && rest[pos] == (byte)':')
        {
            pos++;
            int ps = pos;
            while (pos < rest.Length && SipChars.IsDigit(rest[pos]))
            {
                pos++;
            }
            if (!SipChars.TryParseDecimal(rest[ps..pos], 65535, out ulong p))
            {
                errorAt = baseOffset + ps;
                return SipParseError.InvalidUri;
            }
            port = (int)p;
        }

        // uri-parameters = *( ";" uri-parameter ), uri-parameter = pname [ "=" pvalue ]
        int paramStart = pos;
        while (pos < rest.Length && rest[pos] == (byte)';')
        {
            if (context == SipUriContext.AddrSpec)
            {
                errorAt = baseOffset + pos;
                return SipParseError.InvalidUri;
            }
            pos++;
            // pname [ "=" pvalue ], both paramchar with escapes (RFC 3261 §25.1).
            int ns = pos;
            int nameEnd = rest[pos..].IndexOfAny((byte)';', (byte)'?', (byte)'=');
            nameEnd = nameEnd < 0 ? rest.Length : pos + nameEnd;
            if (nameEnd == ns)
            {
                errorAt = baseOffset + pos;
                return SipParseError.InvalidParameter;
            }
            int badName = SipChars.FirstInvalidEscaped(rest[ns..nameEnd], SipChars.ParamValues);
            if (badName >= 0)
            {
                errorAt = baseOffset + ns + badName;
                return SipParseError.InvalidUri;
            }
            pos = nameEnd;
            if (pos < rest.Length && rest[pos] == (byte)'=')
            {
                pos++;
                int vs = pos;
                int valueEnd = rest[pos..].IndexOfAny((byte)';', (byte)'?');
                valueEnd = valueEnd < 0 ? rest.Length : pos + valueEnd;
                if (valueEnd == vs)
                {
                    errorAt = baseOffset + pos;
                    return SipParseError.InvalidParameter;
                }
                int badValue = SipChars.FirstInvalidEscaped(rest[vs..valueEnd], SipChars.ParamValues);
                if (badValue >= 0)
                {
                    errorAt = baseOffset + vs + badValue;
                    return SipParseError.InvalidUri;
                }
                pos = valueEnd;
            }
        }
        var parameters = rest[paramStart..pos];

        ReadOnlySpan<byte> headers = default;
        if (pos < rest.Length && rest[pos] == (byte)'?')
        {
            // RFC 3261 §19.1.1 table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11),
            // and an addr-spec holding '?' must be enclosed in <> (RFC 3261 §20.10, RFC 4475 §3.1.2.13).
            if (context != SipUriContext.NameAddr)
            {
                errorAt = baseOffset + pos;
                return SipParseError.InvalidUri;
            }
            pos++;
            headers = rest[pos..];
            if (headers.IsEmpty)
            {
                errorAt = baseOffset + pos;
                return SipParseError.InvalidUri;
            }
            int badHeader = SipChars.FirstInvalidEscaped(headers, SipChars.UriHeaderValues);
            if (badHeader >= 0)
            {
                errorAt = baseOffset + pos + badHeader;
                return SipParseError.InvalidUri;
            }
            pos = rest.Length;
        }

        if (pos != rest.Length)
        {
            errorAt = baseOffset + pos;
            return SipParseError.InvalidUri;
        }
        parts = new SipUriParts(kind, scheme, user, password, hasUserInfo, host, port, parameters, headers, rest);
        _ = uri;
        return SipParseError.None;
    }

    private static SipParseError ParseTel(ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> rest, int baseOffset, out SipUriParts parts, out int errorAt)
    {
        // RFC 3966 §3: telephone-subscriber = global-number / local-number, then ;par
        parts = default;
        errorAt = baseOffset;
        int pos = 0;
        while (pos < rest.Length && rest[pos] != (byte)';')
        {
            byte b = rest[pos];
            bool ok = SipChars.IsHex(b) || b == (byte)'*' || b == (byte)'#' || b == (byte)'-' || b == (byte)'.' || b == (byte)'(' || b == (byte)')'
                || (b == (byte)'+' && pos == 0);
            if (!ok)
            {
                errorAt = baseOffset + pos;
                return SipParseError.InvalidUri;
            }
            pos++;
        }
        var number = rest[..pos];
        if (number.IsEmpty || (number.Length == 1 && number[0] == (byte)'+'))
        {
            return SipParseError.InvalidUri;
        }
        var parameters = rest[pos..];
        int i = 0;
        while (i < parameters.Length)
        {
            i++; // ';'
            int ns = i;
            while (i < parameters.Length && parameters[i] != (byte)';')
            {
                byte b = parameters[i];
                if (b == (byte)'%' ? !IsEscape(parameters, i) : !(SipChars.IsParamChar(b) || b == (byte)'=' || b == (byte)'?' || b == (byte)'@' || b == (byte)','))
                {
                    errorAt = baseOffset + pos + i;
                    return SipParseError.InvalidUri;
                }
                i++;
            }
            if (i == ns)
            {
                errorAt = baseOffset + pos + i;
                return SipParseError.InvalidParameter;
            }
        }
        parts = new SipUriParts(SipUriScheme.Tel, scheme, number, default, false, default, -1, parameters, default, rest);
        return SipParseError.None;
    }
}

/// <summary>Address syntax checks (RFC 4291 §2.2 text forms).</summary>
public static class SipAddress
{
    /// <summary>True when <paramref name="s"/> is an IPv6 address in text form (without brackets), with an optional embedded IPv4 tail.</summary>
    public static bool IsIPv6(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2 || s.Length > 45)
        {
            return false;
        }
        int groups = 0;
        bool doubleColon = false;
        int i = 0;
        if (s[0] == (byte)':')
        {
            if (s[1] != (byte)':')
            {
                return false;
            }
            doubleColon = true;
            i = 2;
            if (i == s.Length)
            {
                return true;
            }
        }
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && SipChars.IsHex(s[i]) && i - start < 5)
            {
                i++;
            }
            int len = i - start;
            if (i < s.Length && s[i] == (byte)'.')
            {
                // IPv4 tail takes two groups.
                if (!IsIPv4(s[start..]))
                {
                    return false;
                }
                groups += 2;
                i = s.Length;
                break;
            }
            if (len == 0 || len > 4)
            {
                return false;
            }
            groups++;
            if (i == s.Length)
            {
                break;
            }
            if (s[i] != (byte)':')
            {
                return false;
            }
            i++;
            if (i < s.Length && s[i] == (byte)':')
            {
                if (doubleColon)
                {
                    return false;
                }
                doubleColon = true;
                i++;
                if (i == s.Length)
                {
                    break;
                }
            }
            else if (i == s.Length)
            {
                return false;
            }
        }
        return doubleColon ? groups < 8 : groups == 8;
    }

    /// <summary>True when <paramref name="s"/> is a dotted-quad IPv4 address.</summary>
    public static bool IsIPv4(ReadOnlySpan<byte> s)
    {
        int parts = 0;
        int i = 0;
        while (i <= s.Length)
        {
            int start = i;
            while (i < s.Length && SipChars.IsDigit(s[i]))
            {
                i++;
            }
            if (i == start || i - start > 3 || !SipChars.TryParseDecimal(s[start..i], 255, out _))
            {
                return false;
            }
            parts++;
            if (i == s.Length)
            {
                break;
            }
            if (s[i] != (byte)'.')
            {
                return false;
            }
            i++;
        }
        return parts == 4;
    }
}
