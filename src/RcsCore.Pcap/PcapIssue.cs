namespace RcsCore.Pcap;

/// <summary>What kind of problem a capture had (the reader reports it and carries on where it can).</summary>
public enum PcapIssueKind : byte
{
    /// <summary>A record or block header is impossible (bad length, bad trailer); bytes were skipped to the next plausible one.</summary>
    CorruptRecord = 0,
    /// <summary>The file ends inside a record or block.</summary>
    TruncatedFile = 1,
    /// <summary>A packet references an interface that no Interface Description Block declared.</summary>
    UnknownInterface = 2,
    /// <summary>A link type this library does not decode; its packets are counted but not read.</summary>
    UnsupportedLinkType = 3,
    /// <summary>A packet's link, IP, UDP or TCP header is malformed or cut short by the snapshot length.</summary>
    MalformedPacket = 4,
    /// <summary>An IP datagram's fragments did not all arrive within the reassembly window (or exceeded its bounds).</summary>
    FragmentsIncomplete = 5,
    /// <summary>TCP bytes never seen in the capture: the stream continues after a gap and the bytes are not guessed.</summary>
    TcpGap = 6,
    /// <summary>Stream bytes were discarded while looking for the start of the next message (after a gap, a parse error or a mid-stream start).</summary>
    StreamResync = 7,
    /// <summary>A stream ended (FIN, RST or end of capture) with a partial message in it.</summary>
    IncompleteMessage = 8,
}

/// <summary>A problem found while reading a capture: what, where in the file, and which packet.</summary>
/// <param name="Kind">The kind of problem.</param>
/// <param name="PacketNumber">The packet (1-based, as Wireshark numbers them) it concerns, or 0 when none.</param>
/// <param name="FileOffset">Byte offset in the file of the record or block concerned, or -1 when not file-related.</param>
/// <param name="Description">A one-line human-readable description.</param>
public sealed record PcapIssue(PcapIssueKind Kind, long PacketNumber, long FileOffset, string Description)
{
    /// <inheritdoc />
    public override string ToString() => FileOffset >= 0
        ? $"{Kind} at offset {FileOffset} (packet {PacketNumber}): {Description}"
        : $"{Kind} (packet {PacketNumber}): {Description}";
}
