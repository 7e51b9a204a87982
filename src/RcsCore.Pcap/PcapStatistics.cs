namespace RcsCore.Pcap;

/// <summary>Counters collected while reading a capture.</summary>
public sealed class PcapStatistics
{
    /// <summary>Packet records read.</summary>
    public long Packets { get; internal set; }

    /// <summary>Captured bytes of those packets.</summary>
    public long CapturedBytes { get; internal set; }

    /// <summary>Bytes of the file read so far.</summary>
    public long FileBytes { get; internal set; }

    /// <summary>Time of the first packet, or null.</summary>
    public DateTimeOffset? FirstTimestamp { get; internal set; }

    /// <summary>Time of the last packet, or null.</summary>
    public DateTimeOffset? LastTimestamp { get; internal set; }

    /// <summary>Packets that are not IP (ARP, LLC, ...).</summary>
    public long NonIpPackets { get; internal set; }

    /// <summary>Packets of link types this library does not decode.</summary>
    public long UnsupportedLinkPackets { get; internal set; }

    /// <summary>Packets whose headers were malformed or cut short.</summary>
    public long MalformedPackets { get; internal set; }

    /// <summary>UDP datagrams (after reassembly).</summary>
    public long UdpPackets { get; internal set; }

    /// <summary>TCP segments.</summary>
    public long TcpPackets { get; internal set; }

    /// <summary>IP packets of other protocols (ICMP, SCTP, ESP...).</summary>
    public long OtherIpPackets { get; internal set; }

    /// <summary>IP fragments received.</summary>
    public long IpFragments { get; internal set; }

    /// <summary>Datagrams reassembled from fragments.</summary>
    public long IpDatagramsReassembled { get; internal set; }

    /// <summary>TCP connections seen.</summary>
    public long TcpConnections { get; internal set; }

    /// <summary>TCP segments (or parts) that repeated bytes already received.</summary>
    public long TcpRetransmissions { get; internal set; }

    /// <summary>TCP holes declared as gaps.</summary>
    public long TcpGaps { get; internal set; }

    /// <summary>Bytes missing in those gaps.</summary>
    public long TcpGapBytes { get; internal set; }

    /// <summary>TCP directions recognised as SIP.</summary>
    public long SipStreams { get; internal set; }

    /// <summary>TCP directions recognised as MSRP.</summary>
    public long MsrpStreams { get; internal set; }

    /// <summary>TCP directions that carried neither (not buffered beyond the first 64 KiB).</summary>
    public long TcpIgnoredStreams { get; internal set; }

    /// <summary>CRLF keep-alives (RFC 5626 §3.5.1) seen on streams and as UDP datagrams.</summary>
    public long KeepAlives { get; internal set; }

    /// <summary>SIP messages (parsed or not).</summary>
    public long SipMessages { get; internal set; }

    /// <summary>MSRP messages (framed or not).</summary>
    public long MsrpMessages { get; internal set; }

    /// <summary>Messages recognised as SIP or MSRP that did not parse.</summary>
    public long ParseErrors { get; internal set; }

    /// <summary>Issues found (including those not kept).</summary>
    public long Issues { get; internal set; }
}
