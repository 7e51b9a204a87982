using System.Net;
using System.Text;

namespace RcsCore.Parsing.Msrp;

/// <summary>The parts of an MSRP URI, as spans into the parsed bytes (RFC 4975 §6, §9).</summary>
public readonly ref struct MsrpUriParts
{
    internal MsrpUriParts(bool isSecure, ReadOnlySpan<byte> userInfo, ReadOnlySpan<byte> host, int port, ReadOnlySpan<byte> sessionId, bool hasSessionId, ReadOnlySpan<byte> transport, ReadOnlySpan<byte> parameters)
    {
        IsSecure = isSecure;
        UserInfo = userInfo;
        Host = host;
        Port = port;
        SessionId = sessionId;
        HasSessionId = hasSessionId;
        Transport = transport;
        Parameters = parameters;
    }

    /// <summary>True for <c>msrps</c> (TLS), false for <c>msrp</c>.</summary>
    public bool IsSecure { get; }

    /// <summary>The userinfo before '@' (empty when absent); RFC 4976 relay URIs use it.</summary>
    public ReadOnlySpan<byte> UserInfo { get; }

    /// <summary>The host: a name, an IPv4 address or an IPv6 reference with its brackets.</summary>
    public ReadOnlySpan<byte> Host { get; }

    /// <summary>The port, or -1 when absent.</summary>
    public int Port { get; }

    /// <summary>The session-id after '/' (empty when absent).</summary>
    public ReadOnlySpan<byte> SessionId { get; }

    /// <summary>True when the URI has a session-id (relay URIs may not, RFC 4976 §5.1).</summary>
    public bool HasSessionId { get; }

    /// <summary>The transport (<c>tcp</c>, or an extension such as <c>ws</c>).</summary>
    public ReadOnlySpan<byte> Transport { get; }

    /// <summary>Everything after the transport, starting with ';' (URI-parameters), or empty.</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>True when the host is an IPv6 reference (<c>[...]</c>).</summary>
    public bool IsIPv6 => !Host.IsEmpty && Host[0] == (byte)'[';
}

/// <summary>Enumerates the URIs of a path header value (To-Path, From-Path, Use-Path: URIs separated by SP, RFC 4975 §9).</summary>
public ref struct MsrpPathEnumerator
{
    private readonly ReadOnlySpan<byte> _value;
    private int _pos;

    /// <summary>Creates an enumerator over a header value.</summary>
    public MsrpPathEnumerator(ReadOnlySpan<byte> value)
    {
        _value = value;
        _pos = 0;
        Current = default;
        CurrentOffset = 0;
    }

    /// <summary>The current URI.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Offset of <see cref="Current"/> in the header value.</summary>
    public int CurrentOffset { get; private set; }

    /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
    public readonly MsrpPathEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next URI.</summary>
    public bool MoveNext()
    {
        var v = _value;
        int i = _pos;
        while (i < v.Length && (v[i] == (byte)' ' || v[i] == (byte)'\t'))
        {
            i++;
        }
        if (i >= v.Length)
        {
            _pos = i;
            return false;
        }
        int end = v[i..].IndexOfAny((byte)' ', (byte)'\t');
        end = end < 0 ? v.Length : i + end;
        Current = v[i..end];
        CurrentOffset = i;
        _pos = end;
        return true;
    }
}

/// <summary>Allocation-free MSRP URI parsing and comparison (RFC 4975 §6, §6.1, §9).</summary>
public static class MsrpUriParser
{
    /// <summary>The default MSRP port (RFC 4975 §15.5, IANA "msrp" 2855/tcp), used when a URI has none.</summary>
    public const int DefaultPort = 2855;

    /// <summary>
    /// Parses <c>msrp-scheme "://" authority ["/" session-id] ";" transport *( ";" URI-parameter )</c>
    /// (RFC 4975 §9). Returns the error and the offset of the offending byte.
    /// </summary>
    public static MsrpParseError TryParse(ReadOnlySpan<byte> uri, out MsrpUriParts parts, out int errorAt)
    {
        parts = default;
        errorAt = 0;
        // RFC 4975 §9: msrp-scheme = "msrp" / "msrps" (schemes are case-insensitive, RFC 3986 §3.1).
        bool secure;
        int i;
        if (uri.Length >= 7 && Ascii.EqualsIgnoreCase(uri[..7], "msrp://"u8))
        {
            secure = false;
            i = 7;
        }
        else if (uri.Length >= 8 && Ascii.EqualsIgnoreCase(uri[..8], "msrps://"u8))
        {
            secure = true;
            i = 8;
        }
        else
        {
            return MsrpParseError.InvalidUri;
        }

        // authority = [ userinfo "@" ] host [ ":" port ] (RFC 3986 §3.2). In an MSRP URI it ends at '/' or ';'.
        int authStart = i;
        int authEnd = i;
        while (authEnd < uri.Length && uri[authEnd] != (byte)'/' && uri[authEnd] != (byte)';')
        {
            authEnd++;
        }
        var authority = uri[authStart..authEnd];
        int at = authority.LastIndexOf((byte)'@');
        ReadOnlySpan<byte> userInfo = default;
        int hostStart = authStart;
        if (at >= 0)
        {
            userInfo = authority[..at];
            for (int k = 0; k < userInfo.Length; k++)
            {
                byte b = userInfo[k];
                // RFC 3986 §3.2.1: userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
                if (!(MsrpChars.IsUnreserved(b) || MsrpChars.IsSubDelim(b) || b == (byte)':' || b == (byte)'%'))
                {
                    errorAt = authStart + k;
                    return MsrpParseError.InvalidUri;
                }
            }
            hostStart = authStart + at + 1;
        }
        int p = hostStart;
        if (p < authEnd && uri[p] == (byte)'[')
        {
            // RFC 3986 §3.2.2: IP-literal = "[" IPv6address "]"
            int close = uri[p..authEnd].IndexOf((byte)']');
            if (close < 3)
            {
                errorAt = p;
                return MsrpParseError.InvalidUri;
            }
            for (int k = p + 1; k < p + close; k++)
            {
                byte b = uri[k];
                if (!(MsrpChars.IsHex(b) || b == (byte)':' || b == (byte)'.'))
                {
                    errorAt = k;
                    return MsrpParseError.InvalidUri;
                }
            }
            p += close + 1;
        }
        else
        {
            // reg-name / IPv4address: unreserved / pct-encoded / sub-delims (';' ends the authority here).
            while (p < authEnd && uri[p] != (byte)':')
            {
                byte b = uri[p];
                if (!(MsrpChars.IsUnreserved(b) || MsrpChars.IsSubDelim(b) || b == (byte)'%'))
                {
                    errorAt = p;
                    return MsrpParseError.InvalidUri;
                }
                p++;
            }
        }
        var host = uri[hostStart..p];
        if (host.IsEmpty)
        {
            errorAt = hostStart;
            return MsrpParseError.InvalidUri;
        }
        int port = -1;
        if (p < authEnd)
        {
            if (uri[p] != (byte)':')
            {
                errorAt = p;
                return MsrpParseError.InvalidUri;
            }
            var portText = uri[(p + 1)..authEnd];
            if (portText.Length is 0 or > 5 || !MsrpChars.TryParseDecimal(portText, 65535, out long pv))
            {
                errorAt = p + 1;
                return MsrpParseError.InvalidUri;
            }
            port = (int)pv;
        }

        i = authEnd;
        ReadOnlySpan<byte> sessionId = default;
        bool hasSessionId = false;
        if (i < uri.Length && uri[i] == (byte)'/')
        {
            // RFC 4975 §9: session-id = 1*( unreserved / "+" / "=" / "/" )
            int s = ++i;
            while (i < uri.Length && uri[i] != (byte)';')
            {
                byte b = uri[i];
                if (!(MsrpChars.IsUnreserved(b) || b == (byte)'+' || b == (byte)'=' || b == (byte)'/'))
                {
                    errorAt = i;
                    return MsrpParseError.InvalidUri;
                }
                i++;
            }
            if (i == s)
            {
                errorAt = s;
                return MsrpParseError.InvalidUri;
            }
            sessionId = uri[s..i];
            hasSessionId = true;
        }

        // RFC 4975 §9: ";" transport, transport = "tcp" / 1*ALPHANUM (mandatory).
        if (i >= uri.Length || uri[i] != (byte)';')
        {
            errorAt = i;
            return MsrpParseError.InvalidUri;
        }
        int ts = ++i;
        while (i < uri.Length && MsrpChars.IsAlphaNum(uri[i]))
        {
            i++;
        }
        if (i == ts || (i < uri.Length && uri[i] != (byte)';'))
        {
            errorAt = i;
            return MsrpParseError.InvalidUri;
        }
        var transport = uri[ts..i];

        // *( ";" URI-parameter ), URI-parameter = token [ "=" token ]
        int ps = i;
        while (i < uri.Length)
        {
            i++; // ';'
            int ns = i;
            while (i < uri.Length && MsrpChars.IsToken(uri[i]))
            {
                i++;
            }
            if (i == ns)
            {
                errorAt = i;
                return MsrpParseError.InvalidUri;
            }
            if (i < uri.Length && uri[i] == (byte)'=')
            {
                int vs = ++i;
                while (i < uri.Length && MsrpChars.IsToken(uri[i]))
                {
                    i++;
                }
                if (i == vs)
                {
                    errorAt = i;
                    return MsrpParseError.InvalidUri;
                }
            }
            if (i < uri.Length && uri[i] != (byte)';')
            {
                errorAt = i;
                return MsrpParseError.InvalidUri;
            }
        }
        parts = new MsrpUriParts(secure, userInfo, host, port, sessionId, hasSessionId, transport, uri[ps..]);
        return MsrpParseError.None;
    }

    /// <summary>Checks every URI of a path header value (at least one, RFC 4975 §9); <paramref name="errorAt"/> is relative to the value.</summary>
    public static MsrpParseError ValidatePath(ReadOnlySpan<byte> value, out int errorAt)
    {
        errorAt = 0;
        int count = 0;
        var e = new MsrpPathEnumerator(value);
        while (e.MoveNext())
        {
            if (TryParse(e.Current, out _, out int at) != MsrpParseError.None)
            {
                errorAt = e.CurrentOffset + at;
                return MsrpParseError.InvalidUri;
            }
            count++;
        }
        return count == 0 ? MsrpParseError.InvalidUri : MsrpParseError.None;
    }

    /// <summary>
    /// Compares two MSRP URIs by the rules of RFC 4975 §6.1: schemes match case-insensitively; hosts match
    /// case-insensitively (IP addresses as addresses); a port present in either must be present and equal in both;
    /// session-ids match case-sensitively and a URI without one never equals a URI with one; transports match
    /// case-insensitively; userinfo is not compared (nor are other URI parameters). Invalid URIs never match.
    /// </summary>
    public static bool UriEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (TryParse(a, out var x, out _) != MsrpParseError.None || TryParse(b, out var y, out _) != MsrpParseError.None)
        {
            return false;
        }
        return PartsEqual(x, y);
    }

    internal static bool PartsEqual(scoped in MsrpUriParts x, scoped in MsrpUriParts y)
    {
        // RFC 4975 §6.1: scheme, port, session-id (case-sensitive), transport (case-insensitive); userinfo ignored.
        return x.IsSecure == y.IsSecure
            && x.Port == y.Port
            && x.HasSessionId == y.HasSessionId
            && x.SessionId.SequenceEqual(y.SessionId)
            && Ascii.EqualsIgnoreCase(x.Transport, y.Transport)
            && HostEquals(x.Host, y.Host);
    }

    internal static bool HostEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (Ascii.EqualsIgnoreCase(a, b))
        {
            return true;
        }
        // RFC 4975 §6.1: an explicit IP address is compared for address equivalence ([::1] equals [0:0::1]).
        return TryParseAddress(a, out var ia) && TryParseAddress(b, out var ib) && ia.Equals(ib);
    }

    internal static bool TryParseAddress(ReadOnlySpan<byte> host, out IPAddress address)
    {
        address = IPAddress.None;
        if (host.Length > 2 && host[0] == (byte)'[' && host[^1] == (byte)']')
        {
            host = host[1..^1];
        }
        else if (host.IsEmpty || !MsrpChars.IsDigit(host[^1]))
        {
            return false;
        }
        if (IPAddress.TryParse(host, out var parsed))
        {
            address = parsed;
            return true;
        }
        return false;
    }
}
