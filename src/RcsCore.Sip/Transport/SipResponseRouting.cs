using System.Globalization;
using System.Net;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

/// <summary>Where to send a response: a destination plus the connection to prefer (0 for none).</summary>
/// <param name="Destination">The transport, address and port (used when the connection is gone).</param>
/// <param name="ConnectionId">The connection the request arrived on, or 0.</param>
public readonly record struct SipResponseTarget(SipEndPoint Destination, long ConnectionId);

/// <summary>
/// Server-side Via processing: stamping <c>received</c>/<c>rport</c> on requests (RFC 3261 §18.2.1, RFC 3581 §4)
/// and choosing where a response goes (RFC 3261 §18.2.2, RFC 3581 §4).
/// </summary>
public static class SipResponseRouting
{
    /// <summary>The default port of a transport (RFC 3261 §19.1.2): 5061 for TLS, else 5060.</summary>
    public static int DefaultPort(SipTransportProtocol protocol) => protocol == SipTransportProtocol.Tls ? 5061 : 5060;

    /// <summary>Parses a host as written in a Via or URI (IPv6 references in brackets), or null when it is a name.</summary>
    public static IPAddress? ParseNumericHost(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return null;
        }
        var span = host.AsSpan();
        if (span.Length > 2 && span[0] == '[' && span[^1] == ']')
        {
            span = span[1..^1];
        }
        else if (span.Contains(':'))
        {
            return null;
        }
        return IPAddress.TryParse(span, out var ip) ? ip : null;
    }

    /// <summary>
    /// RFC 3261 §18.2.1 and RFC 3581 §4: the top Via of a request received from <paramref name="source"/>, with
    /// <c>received</c> added when the sent-by host is not the source address (or when <c>rport</c> is present) and
    /// <c>rport</c> filled in with the source port. Returns <paramref name="via"/> itself when nothing changes.
    /// </summary>
    public static SipViaHeader StampReceived(SipViaHeader via, IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(via);
        ArgumentNullException.ThrowIfNull(source);
        bool hasRPort = via.HasRPort;
        bool rportEmpty = hasRPort && via.RPort is null;
        var sentBy = ParseNumericHost(via.Host);
        bool needReceived = hasRPort || sentBy is null || !sentBy.Equals(source.Address);
        string receivedValue = Unmap(source.Address).ToString();
        if ((!needReceived || string.Equals(via.Received, receivedValue, StringComparison.OrdinalIgnoreCase)) && !rportEmpty)
        {
            return via;
        }
        var parameters = new List<KeyValuePair<string, string?>>(via.Parameters.Count + 1);
        bool receivedSet = false;
        foreach (var p in via.Parameters)
        {
            if (string.Equals(p.Key, "received", StringComparison.OrdinalIgnoreCase))
            {
                parameters.Add(new(p.Key, needReceived ? receivedValue : p.Value));
                receivedSet = true;
            }
            else if (string.Equals(p.Key, "rport", StringComparison.OrdinalIgnoreCase) && string.IsNullOrEmpty(p.Value))
            {
                parameters.Add(new(p.Key, source.Port.ToString(CultureInfo.InvariantCulture)));
            }
            else
            {
                parameters.Add(p);
            }
        }
        if (needReceived && !receivedSet)
        {
            parameters.Add(new("received", receivedValue));
        }
        return new SipViaHeader(via.Transport, via.Host, via.Port, parameters);
    }

    /// <summary>Where to send <paramref name="response"/> to the request <paramref name="request"/> (its top Via, else the request's).</summary>
    public static SipResponseTarget ResolveResponseTarget(SipResponse response, SipInboundMessage request)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(request);
        return ResolveResponseTarget(response.TopVia ?? request.Message.TopVia, request.Remote, request.ConnectionId);
    }

    /// <summary>
    /// RFC 3261 §18.2.2 with RFC 3581 §4. Reliable transports: the connection the request came on (the caller
    /// falls back to <see cref="SipResponseTarget.Destination"/> = received address and sent-by port when it is
    /// closed). Unreliable: maddr when numeric; with rport the source address and port; otherwise the received
    /// (source) address and the sent-by port, or 5060.
    /// </summary>
    public static SipResponseTarget ResolveResponseTarget(SipViaHeader? topVia, SipEndPoint source, long connectionId)
    {
        var protocol = source.Protocol;
        var sourceAddress = source.Address.Address;
        var received = ParseNumericHost(topVia?.Received) ?? sourceAddress;
        int sentByPort = topVia is { Port: > 0 } ? topVia.Port : DefaultPort(protocol);
        if (source.IsStream)
        {
            return new SipResponseTarget(new SipEndPoint(protocol, new IPEndPoint(received, sentByPort)), connectionId);
        }
        if (topVia is null)
        {
            return new SipResponseTarget(source, 0);
        }
        if (ParseNumericHost(topVia.MAddr) is { } maddr)
        {
            return new SipResponseTarget(new SipEndPoint(protocol, new IPEndPoint(maddr, sentByPort)), 0);
        }
        if (topVia.HasRPort)
        {
            // RFC 3581 §4: back to the source IP and port the request came from (NAT binding).
            return new SipResponseTarget(new SipEndPoint(protocol, new IPEndPoint(received, topVia.RPort ?? source.Address.Port)), 0);
        }
        return new SipResponseTarget(new SipEndPoint(protocol, new IPEndPoint(received, sentByPort)), 0);
    }

    /// <summary>The address without IPv4-mapping (::ffff:a.b.c.d becomes a.b.c.d).</summary>
    internal static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>
    /// A copy of <paramref name="message"/> with its first via-parm replaced by <paramref name="via"/>; null when the
    /// message has no parsable Via or the result does not parse.
    /// </summary>
    internal static SipMessage? ReplaceTopVia(SipMessage message, SipViaHeader via, SipFraming framing, SipLimits limits)
    {
        int index = message.IndexOf(SipHeaderName.Via, 0);
        if (index < 0)
        {
            return null;
        }
        var (offset, length) = message.GetRawValueRange(index);
        var data = message.Data;
        var raw = data.Span.Slice(offset, length);
        int pos = 0;
        if (SipViaParser.TryParseNext(raw, ref pos, out _, out _) != SipParseError.None)
        {
            return null;
        }
        // The first via-parm ends at the comma before pos (minus LWS), or at the end of the trimmed value.
        int end = raw.Length;
        if (pos < raw.Length)
        {
            end = pos - 1;
            while (end > 0 && raw[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                end--;
            }
        }
        var replacement = System.Text.Encoding.UTF8.GetBytes(via.ToString());
        var bytes = new byte[data.Length - end + replacement.Length];
        data.Span[..offset].CopyTo(bytes);
        replacement.CopyTo(bytes.AsSpan(offset));
        data.Span[(offset + end)..].CopyTo(bytes.AsSpan(offset + replacement.Length));
        var lim = bytes.Length > limits.MaxMessageSize ? limits with { MaxMessageSize = bytes.Length } : limits;
        var result = SipMessage.TryParse(bytes, framing, lim, out var rewritten, out _);
        return result.IsSuccess ? rewritten : null;
    }
}
