using RcsCore.Parsing.Sip;

namespace RcsCore.Pcap;

/// <summary>Bounds and settings of capture reading. Every buffer the reader keeps is bounded by one of these.</summary>
public sealed class PcapReadOptions
{
    /// <summary>The defaults.</summary>
    public static PcapReadOptions Default { get; } = new();

    /// <summary>Limits for SIP parsing (message size, header count...).</summary>
    public SipLimits SipLimits { get; init; } = SipLimits.Default;

    /// <summary>Largest MSRP message framed (interim framer); larger ones are reported as errors.</summary>
    public int MaxMsrpMessage { get; init; } = 4 * 1024 * 1024;

    /// <summary>In-order bytes buffered per TCP direction while a message is incomplete.</summary>
    public int MaxTcpStreamBuffer { get; init; } = 8 * 1024 * 1024;

    /// <summary>Out-of-order bytes buffered per TCP direction before the hole is declared a gap.</summary>
    public int MaxTcpOutOfOrderBytes { get; init; } = 1024 * 1024;

    /// <summary>Out-of-order segments buffered per TCP direction before the hole is declared a gap.</summary>
    public int MaxTcpOutOfOrderSegments { get; init; } = 512;

    /// <summary>Packets after which a hole still unfilled is declared a gap (captures have no reliable clock for timeouts).</summary>
    public int TcpGapWindowPackets { get; init; } = 10_000;

    /// <summary>TCP connections tracked at once; the least recently active are closed beyond this.</summary>
    public int MaxTcpConnections { get; init; } = 65_536;

    /// <summary>IP datagrams awaiting fragments at once.</summary>
    public int MaxPendingFragmentedDatagrams { get; init; } = 1024;

    /// <summary>Packets after its first fragment within which a datagram must complete.</summary>
    public int FragmentWindowPackets { get; init; } = 10_000;

    /// <summary>Issues kept in <see cref="PcapMessageReader.Issues"/> (all are counted in the statistics).</summary>
    public int MaxIssuesKept { get; init; } = 10_000;

    /// <summary>Called for every issue as it is found (optional).</summary>
    public Action<PcapIssue>? OnIssue { get; init; }
}
