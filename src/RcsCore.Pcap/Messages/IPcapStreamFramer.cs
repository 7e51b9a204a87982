using RcsCore.Sip.Messages;

namespace RcsCore.Pcap.Messages;

/// <summary>What a stream framer found at the start of the buffered bytes.</summary>
internal enum StreamFrameStatus : byte
{
    /// <summary>No complete message yet; nothing consumed.</summary>
    NeedMoreData = 0,
    /// <summary>A message of <see cref="StreamFrame.Length"/> bytes.</summary>
    Message = 1,
    /// <summary>Not a valid message: skip <see cref="StreamFrame.Length"/> bytes and resynchronise.</summary>
    Error = 2,
}

/// <summary>The result of framing one message.</summary>
internal readonly record struct StreamFrame(int Length, SipMessage? Sip, string? Error, string? MsrpTransactionId, string? MsrpMethod, int MsrpStatusCode);

/// <summary>
/// Seam between the TCP reassembler and the protocol readers: one instance per stream direction frames the
/// messages of one protocol out of the in-order bytes. SIP uses the stack's own <c>SipStreamFramer</c>; MSRP uses
/// the streaming <c>MsrpFrameReader</c> of RcsCore.Parsing.Msrp (see <see cref="MsrpPcapFramer"/>).
/// </summary>
internal interface IPcapStreamFramer
{
    /// <summary>The protocol this framer reads.</summary>
    PcapProtocol Protocol { get; }

    /// <summary>
    /// Frames one message at the start of <paramref name="data"/>, which the caller positioned on a start line
    /// (CRLF keep-alives already skipped). Must consume nothing on <see cref="StreamFrameStatus.NeedMoreData"/>.
    /// </summary>
    StreamFrameStatus TryFrame(ReadOnlyMemory<byte> data, out StreamFrame frame);

    /// <summary>Forgets per-message state (after a gap or resynchronisation).</summary>
    void Reset();
}
