namespace RcsCore.Parsing.Sip;

/// <summary>One via-parm (RFC 3261 §20.42): sent-protocol, sent-by and parameters, as spans.</summary>
public readonly ref struct SipVia
{
    internal SipVia(ReadOnlySpan<byte> protocolName, ReadOnlySpan<byte> protocolVersion, ReadOnlySpan<byte> transport, ReadOnlySpan<byte> host, int port, ReadOnlySpan<byte> parameters)
    {
        ProtocolName = protocolName;
        ProtocolVersion = protocolVersion;
        Transport = transport;
        Host = host;
        Port = port;
        Parameters = parameters;
    }

    /// <summary>Usually <c>SIP</c>.</summary>
    public ReadOnlySpan<byte> ProtocolName { get; }

    /// <summary>Usually <c>2.0</c>.</summary>
    public ReadOnlySpan<byte> ProtocolVersion { get; }

    /// <summary>UDP, TCP, TLS, SCTP, WS, WSS or any other token.</summary>
    public ReadOnlySpan<byte> Transport { get; }

    /// <summary>The sent-by host (IPv6 references keep their brackets).</summary>
    public ReadOnlySpan<byte> Host { get; }

    /// <summary>The sent-by port, or -1.</summary>
    public int Port { get; }

    /// <summary>Parameters including the leading ';'.</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>The branch parameter (RFC 3261 §8.1.1.7), empty when absent.</summary>
    public ReadOnlySpan<byte> Branch => SipParameters.TryGet(Parameters, "branch"u8, out var v) ? v : default;

    /// <summary>The received parameter (RFC 3261 §18.2.1), empty when absent.</summary>
    public ReadOnlySpan<byte> Received => SipParameters.TryGet(Parameters, "received"u8, out var v) ? v : default;

    /// <summary>The maddr parameter, empty when absent.</summary>
    public ReadOnlySpan<byte> MAddr => SipParameters.TryGet(Parameters, "maddr"u8, out var v) ? v : default;

    /// <summary>True when an rport parameter is present (RFC 3581 §3); <paramref name="value"/> is empty for a bare rport.</summary>
    public bool TryGetRPort(out ReadOnlySpan<byte> value) => SipParameters.TryGet(Parameters, "rport"u8, out value);

    /// <summary>Finds a parameter (case-insensitive name).</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => SipParameters.TryGet(Parameters, name, out value);
}

/// <summary>Parses Via values (possibly several via-parms separated by commas) without allocating.</summary>
public static class SipViaParser
{
    /// <summary>Parses the first via-parm of a Via value.</summary>
    public static SipParseError TryParseFirst(ReadOnlySpan<byte> value, out SipVia via)
    {
        int pos = 0;
        return TryParseNext(value, ref pos, out via, out _);
    }

    /// <summary>
    /// Splits the first via-parm of a Via value without re-validating its parameters: the fast accessor for values
    /// <see cref="SipMessageParser"/> already validated (RFC 3261 §17.2.3 needs only the top Via's branch and sent-by).
    /// </summary>
    public static SipParseError TrySplitFirst(ReadOnlySpan<byte> value, out SipVia via)
    {
        via = default;
        var s = value;
        int i = SipChars.SkipLws(s, 0);
        if (!ReadToken(s, ref i, out var name) || !ReadSlash(s, ref i) || !ReadToken(s, ref i, out var version) || !ReadSlash(s, ref i) || !ReadToken(s, ref i, out var transport))
        {
            return SipParseError.InvalidVia;
        }
        i = SipChars.SkipLws(s, i);
        if (!ReadSentBy(s, ref i, validateIPv6: false, out var host, out int port))
        {
            return SipParseError.InvalidVia;
        }
        // Parameters run to the next comma outside a quoted string.
        int end = i;
        while (end < s.Length && s[end] != (byte)',')
        {
            if (s[end] == (byte)'"')
            {
                int q = SipChars.SkipQuotedString(s, end);
                if (q < 0)
                {
                    return SipParseError.InvalidVia;
                }
                end = q;
                continue;
            }
            end++;
        }
        via = new SipVia(name, version, transport, host, port, s[i..end]);
        return SipParseError.None;
    }

    /// <summary>Parses the via-parm at <paramref name="pos"/> and moves past the following comma (or to the end).</summary>
    public static SipParseError TryParseNext(ReadOnlySpan<byte> value, scoped ref int pos, out SipVia via, out int errorAt)
    {
        // sent-protocol = protocol-name SLASH protocol-version SLASH transport; SLASH = SWS "/" SWS
        via = default;
        var s = value;
        int i = SipChars.SkipLws(s, pos);
        errorAt = i;
        if (!ReadToken(s, ref i, out var name) || !ReadSlash(s, ref i) || !ReadToken(s, ref i, out var version) || !ReadSlash(s, ref i) || !ReadToken(s, ref i, out var transport))
        {
            errorAt = i;
            return SipParseError.InvalidVia;
        }
        // LWS then sent-by = host [ COLON port ]
        int j = SipChars.SkipLws(s, i);
        if (j == i)
        {
            errorAt = i;
            return SipParseError.InvalidVia;
        }
        i = j;
        if (!ReadSentBy(s, ref i, validateIPv6: true, out var host, out int port))
        {
            errorAt = i;
            return SipParseError.InvalidVia;
        }
        int paramStart = i;
        var perr = SipParameters.ValidateHeaderParams(s, ref i);
        if (perr != SipParseError.None)
        {
            errorAt = i;
            return SipParseError.InvalidVia;
        }
        via = new SipVia(name, version, transport, host, port, s[paramStart..i]);
        i = SipChars.SkipLws(s, i);
        if (i >= s.Length)
        {
            pos = s.Length;
            return SipParseError.None;
        }
        if (s[i] != (byte)',' || SipChars.SkipLws(s, i + 1) >= s.Length)
        {
            errorAt = i;
            return SipParseError.InvalidVia;
        }
        pos = i + 1;
        return SipParseError.None;
    }

    /// <summary>sent-by = host [ COLON port ] (RFC 3261 §20.42), LWS allowed around the colon; false with <paramref name="i"/> at the problem.</summary>
    private static bool ReadSentBy(ReadOnlySpan<byte> s, scoped ref int i, bool validateIPv6, out ReadOnlySpan<byte> host, out int port)
    {
        host = default;
        port = -1;
        int hs = i;
        if (i < s.Length && s[i] == (byte)'[')
        {
            int close = s[i..].IndexOf((byte)']');
            if (close < 0 || (validateIPv6 && !SipAddress.IsIPv6(s[(i + 1)..(i + close)])))
            {
                return false;
            }
            i += close + 1;
        }
        else
        {
            while (i < s.Length && SipChars.IsHostChar(s[i]))
            {
                i++;
            }
        }
        host = s[hs..i];
        if (host.IsEmpty)
        {
            return false;
        }
        int k = SipChars.SkipLws(s, i);
        if (k < s.Length && s[k] == (byte)':')
        {
            k = SipChars.SkipLws(s, k + 1);
            int ps = k;
            while (k < s.Length && SipChars.IsDigit(s[k]))
            {
                k++;
            }
            if (!SipChars.TryParseDecimal(s[ps..k], 65535, out ulong p))
            {
                i = ps;
                return false;
            }
            port = (int)p;
            i = k;
        }
        return true;
    }

    private static bool ReadToken(ReadOnlySpan<byte> s, scoped ref int i, out ReadOnlySpan<byte> token)
    {
        int start = i;
        while (i < s.Length && SipChars.IsToken(s[i]))
        {
            i++;
        }
        token = s[start..i];
        return i > start;
    }

    private static bool ReadSlash(ReadOnlySpan<byte> s, ref int i)
    {
        int j = SipChars.SkipLws(s, i);
        if (j >= s.Length || s[j] != (byte)'/')
        {
            return false;
        }
        i = SipChars.SkipLws(s, j + 1);
        return true;
    }
}
