using System.Buffers.Binary;
using System.Net;
using RcsCore.Parsing.Sdp;
using RcsCore.Parsing.Sip;
using RcsCore.Pcap.Capture;
using RcsCore.Pcap.Decoding;
using RcsCore.Pcap.Messages;
using RcsCore.Sip.Messages;

namespace RcsCore.Pcap;

/// <summary>Turns packets into SIP and MSRP messages: link → IP (with reassembly) → UDP/TCP (with reassembly) → framing.</summary>
internal sealed class MessageExtractor
{
    private const int MaxMsrpEndpoints = 100_000;

    private readonly Action<PcapIssue> _issue;
    private readonly IpFragmentReassembler _fragments;
    private readonly Dictionary<FlowKey, TcpStreamDirection> _tcp = [];
    private readonly Dictionary<(IpAddress, ushort), string> _msrpEndpoints = [];
    private readonly Dictionary<(IpAddress, ushort), IPEndPoint> _endpointCache = [];
    private readonly HashSet<int> _unsupportedLinks = [];
    private List<PcapMessage> _output = [];
    private long _messageIndex;
    private long _connectionIds;
    private long _packet;

    public MessageExtractor(PcapReadOptions options, PcapStatistics statistics, Action<PcapIssue> issue)
    {
        Options = options;
        Statistics = statistics;
        _issue = issue;
        _fragments = new IpFragmentReassembler(options.MaxPendingFragmentedDatagrams, options.FragmentWindowPackets, issue);
    }

    public PcapReadOptions Options { get; }

    public PcapStatistics Statistics { get; }

    public void Issue(PcapIssueKind kind, long packet, string text) => _issue(new PcapIssue(kind, packet, -1, text));

    public IPcapStreamFramer CreateSipFramer() => new SipPcapFramer(Options.SipLimits);

    public IPcapStreamFramer CreateMsrpFramer() => new MsrpPcapFramer(Options.MaxMsrpMessage);

    /// <summary>The Call-ID whose SDP announced either end of this flow as an MSRP endpoint, or null.</summary>
    public string? MsrpDialogFor(FlowKey key)
    {
        if (_msrpEndpoints.Count == 0)
        {
            return null;
        }
        return _msrpEndpoints.TryGetValue((key.Destination, key.DestinationPort), out var id) || _msrpEndpoints.TryGetValue((key.Source, key.SourcePort), out id) ? id : null;
    }

    public void ProcessPacket(scoped in CapturePacket p, long packetNumber, List<PcapMessage> output)
    {
        _output = output;
        _packet = packetNumber;
        var s = Statistics;
        s.Packets++;
        s.CapturedBytes += p.Data.Length;
        var ts = new DateTimeOffset(DateTime.UnixEpoch.Ticks + Math.Max(0, p.TimestampTicks), TimeSpan.Zero);
        s.FirstTimestamp ??= ts;
        s.LastTimestamp = ts;

        var link = PacketDecoder.StripLink(p.LinkType, p.Data, out var network, out var error);
        switch (link)
        {
            case DecodeStatus.UnsupportedLink:
                s.UnsupportedLinkPackets++;
                if (_unsupportedLinks.Add(p.LinkType))
                {
                    _issue(new PcapIssue(PcapIssueKind.UnsupportedLinkType, packetNumber, p.FileOffset, $"link type {p.LinkType} is not decoded; its packets are skipped"));
                }
                return;
            case DecodeStatus.NotIp:
                s.NonIpPackets++;
                return;
            case DecodeStatus.Malformed:
                Malformed(packetNumber, p.FileOffset, error);
                return;
        }
        var ipStatus = PacketDecoder.DecodeIp(network, _fragments, packetNumber, out var ip, out error);
        if (ipStatus == DecodeStatus.Fragment)
        {
            s.IpFragments++;
            return;
        }
        if (ipStatus != DecodeStatus.Ok)
        {
            Malformed(packetNumber, p.FileOffset, error);
            return;
        }
        s.IpDatagramsReassembled = _fragments.Reassembled;
        switch (ip.Protocol)
        {
            case 17:
                HandleUdp(ref ip, packetNumber, p.FileOffset, p.TimestampTicks);
                break;
            case 6:
                HandleTcp(ref ip, packetNumber, p.FileOffset, p.TimestampTicks);
                break;
            default:
                s.OtherIpPackets++;
                break;
        }
    }

    /// <summary>End of capture: flushes fragments and every TCP stream.</summary>
    public void Finish(List<PcapMessage> output)
    {
        _output = output;
        _fragments.Flush(_packet);
        foreach (var d in _tcp.Values)
        {
            d.Close("end of capture", _packet);
        }
        _tcp.Clear();
    }

    private void Malformed(long packetNumber, long offset, string? error)
    {
        Statistics.MalformedPackets++;
        _issue(new PcapIssue(PcapIssueKind.MalformedPacket, packetNumber, offset, error ?? "malformed packet"));
    }

    private void HandleUdp(ref IpPacket ip, long packetNumber, long fileOffset, long ticks)
    {
        var d = ip.Payload;
        // RFC 768: source port, destination port, length (header included), checksum.
        if (d.Length < 8)
        {
            Malformed(packetNumber, fileOffset, "UDP header cut short");
            return;
        }
        Statistics.UdpPackets++;
        ushort sport = BinaryPrimitives.ReadUInt16BigEndian(d);
        ushort dport = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(d[4..]);
        var payload = length >= 8 && length <= d.Length ? d[8..length] : d[8..];
        int start = 0;
        while (start < payload.Length && payload[start] is (byte)'\r' or (byte)'\n')
        {
            start++;
        }
        if (start == payload.Length)
        {
            if (payload.Length > 0)
            {
                Statistics.KeepAlives++;
            }
            return;
        }
        payload = payload[start..];
        if (ContentSniffer.Classify(payload, complete: true) != SniffResult.Sip)
        {
            return; // MSRP runs over TCP only (RFC 4975 §6); anything else is not ours
        }
        // RFC 3261 §18.3: one datagram is one message.
        var copy = payload.ToArray();
        var result = SipMessage.TryParse(copy, SipFraming.Datagram, Options.SipLimits, out var message, out _);
        var src = EndPoint(ip.Source, sport);
        var dst = EndPoint(ip.Destination, dport);
        Statistics.SipMessages++;
        if (!result.IsSuccess)
        {
            Statistics.ParseErrors++;
        }
        _output.Add(new PcapMessage(_messageIndex++, packetNumber, packetNumber, ticks, src, dst, PcapTransport.Udp, PcapProtocol.Sip, copy, 0)
        {
            Sip = message,
            ParseError = result.IsSuccess ? null : result.Message,
        });
        if (message is not null)
        {
            LearnSdp(message);
        }
    }

    private void HandleTcp(ref IpPacket ip, long packetNumber, long fileOffset, long ticks)
    {
        var d = ip.Payload;
        // RFC 9293 §3.1: data offset in 32-bit words, at least 5.
        if (d.Length < 20)
        {
            Malformed(packetNumber, fileOffset, "TCP header cut short");
            return;
        }
        int headerLength = (d[12] >> 4) * 4;
        if (headerLength < 20 || headerLength > d.Length)
        {
            Malformed(packetNumber, fileOffset, $"TCP data offset {headerLength} with {d.Length} bytes");
            return;
        }
        Statistics.TcpPackets++;
        if (ip.Truncated)
        {
            Malformed(packetNumber, fileOffset, "TCP segment cut short by the snapshot length; the missing bytes become a gap");
        }
        ushort sport = BinaryPrimitives.ReadUInt16BigEndian(d);
        ushort dport = BinaryPrimitives.ReadUInt16BigEndian(d[2..]);
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        byte flags = d[13];
        bool fin = (flags & 0x01) != 0;
        bool syn = (flags & 0x02) != 0;
        bool rst = (flags & 0x04) != 0;
        var payload = d[headerLength..];
        var key = new FlowKey(ip.Source, ip.Destination, sport, dport);
        if (!_tcp.TryGetValue(key, out var dir))
        {
            if (!syn && payload.IsEmpty)
            {
                return; // a bare ACK/FIN/RST of a connection we are not tracking
            }
            dir = NewDirection(key, ticks);
        }
        dir.OnSegment(seq, syn, fin, payload, packetNumber, ticks);
        if (rst)
        {
            // RFC 9293 §3.5.3: a reset ends both directions at once.
            dir.Close("RST", packetNumber);
            dir.Reverse?.Close("RST", packetNumber);
        }
        if (dir.Finished && (dir.Reverse is null || dir.Reverse.Finished))
        {
            _tcp.Remove(dir.Key);
            if (dir.Reverse is not null)
            {
                _tcp.Remove(dir.Reverse.Key);
            }
        }
    }

    private TcpStreamDirection NewDirection(FlowKey key, long ticks)
    {
        if (_tcp.Count >= Options.MaxTcpConnections * 2)
        {
            EvictIdle();
        }
        long id;
        var reverse = _tcp.GetValueOrDefault(key.Reverse);
        if (reverse is not null)
        {
            id = reverse.ConnectionId;
        }
        else
        {
            id = ++_connectionIds;
            Statistics.TcpConnections++;
        }
        var dir = new TcpStreamDirection(key, id, this)
        {
            Reverse = reverse,
            SourceEndPoint = EndPoint(key.Source, key.SourcePort),
            DestinationEndPoint = EndPoint(key.Destination, key.DestinationPort),
        };
        if (reverse is not null)
        {
            reverse.Reverse = dir;
        }
        _tcp[key] = dir;
        _ = ticks;
        return dir;
    }

    private void EvictIdle()
    {
        // Close the least recently active eighth of the directions at once, so eviction stays rare.
        var all = new List<TcpStreamDirection>(_tcp.Values);
        all.Sort(static (a, b) => a.LastPacket.CompareTo(b.LastPacket));
        int n = Math.Max(1, all.Count / 8);
        for (int i = 0; i < n; i++)
        {
            all[i].Close($"evicted: more than {Options.MaxTcpConnections} TCP connections tracked", _packet);
            _tcp.Remove(all[i].Key);
            if (all[i].Reverse is { } r)
            {
                r.Reverse = null;
            }
        }
    }

    /// <summary>Called by a stream direction for each framed message (or framing error).</summary>
    public void EmitTcp(TcpStreamDirection dir, in StreamFrame frame, ReadOnlySpan<byte> bytes, long firstPacket, long packet, long ticks)
    {
        var protocol = dir.Protocol ?? PcapProtocol.Sip;
        ReadOnlyMemory<byte> data = frame.Sip is { } sip ? sip.Data : bytes[..Math.Min(bytes.Length, Options.SipLimits.MaxMessageSize)].ToArray();
        if (protocol == PcapProtocol.Sip)
        {
            Statistics.SipMessages++;
        }
        else
        {
            Statistics.MsrpMessages++;
        }
        if (frame.Error is not null)
        {
            Statistics.ParseErrors++;
        }
        _output.Add(new PcapMessage(_messageIndex++, packet, firstPacket, ticks, dir.SourceEndPoint!, dir.DestinationEndPoint!, PcapTransport.Tcp, protocol, data, dir.ConnectionId)
        {
            Sip = frame.Sip,
            ParseError = frame.Error,
            MsrpTransactionId = frame.MsrpTransactionId,
            MsrpMethod = frame.MsrpMethod,
            MsrpStatusCode = frame.MsrpStatusCode,
            MsrpDialogCallId = protocol == PcapProtocol.Msrp ? MsrpDialogFor(dir.Key) : null,
        });
        if (frame.Sip is not null)
        {
            LearnSdp(frame.Sip);
        }
    }

    private IPEndPoint EndPoint(IpAddress address, ushort port)
    {
        var key = (address, port);
        if (_endpointCache.TryGetValue(key, out var ep))
        {
            return ep;
        }
        if (_endpointCache.Count >= 4096)
        {
            _endpointCache.Clear();
        }
        ep = new IPEndPoint(address.ToIPAddress(), port);
        _endpointCache[key] = ep;
        return ep;
    }

    /// <summary>
    /// RFC 4975 §8.1: the SDP of an MSRP session names the endpoint in <c>a=path</c> (msrp://host:port/id;tcp) and
    /// the <c>m=message</c> port with the <c>c=</c> address; TCP flows to or from them are that dialog's MSRP.
    /// </summary>
    private void LearnSdp(SipMessage message)
    {
        if (message.Body.IsEmpty || message.ContentType is not { } ct || !ct.Contains("application/sdp", StringComparison.OrdinalIgnoreCase)
            || _msrpEndpoints.Count >= MaxMsrpEndpoints || message.CallId is not { } callId)
        {
            return;
        }
        if (!SdpSession.TryParse(message.Body.Span, out var sdp).IsSuccess || sdp is null)
        {
            return;
        }
        foreach (var media in sdp.Media)
        {
            if (!media.IsMsrp)
            {
                continue;
            }
            foreach (var path in media.Paths)
            {
                if (TryParseMsrpUri(path, out var address, out int port))
                {
                    _msrpEndpoints[(IpAddress.From(address), (ushort)port)] = callId;
                }
            }
            var c = media.Connections.Count > 0 ? media.Connections[0] : sdp.Connection;
            if (c is not null && IPAddress.TryParse(c.Address, out var ca) && media.Port is > 0 and < 65536)
            {
                _msrpEndpoints[(IpAddress.From(ca), (ushort)media.Port)] = callId;
            }
        }
    }

    /// <summary>Host and port of msrp://host:port/session;tcp (RFC 4975 §6); only IP literals can match packets.</summary>
    internal static bool TryParseMsrpUri(string uri, out IPAddress address, out int port)
    {
        address = IPAddress.None;
        port = 0;
        int scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return false;
        }
        var rest = uri.AsSpan(scheme + 3);
        int at = rest.IndexOf('@');
        int slash = rest.IndexOf('/');
        if (at >= 0 && (slash < 0 || at < slash))
        {
            rest = rest[(at + 1)..];
            slash = rest.IndexOf('/');
        }
        var authority = slash < 0 ? rest : rest[..slash];
        int colon = authority.LastIndexOf(':');
        if (colon < 0 || (authority.Length > 0 && authority[0] == '[' && authority.LastIndexOf(']') > colon))
        {
            return false;
        }
        var host = authority[..colon].Trim("[]");
        return int.TryParse(authority[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is > 0 and < 65536 && IPAddress.TryParse(host, out address!);
    }
}
