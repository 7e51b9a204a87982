using System.Buffers;
using RcsCore.Pcap.Messages;

namespace RcsCore.Pcap.Decoding;

/// <summary>
/// One direction of a TCP connection: puts segments back in sequence order (RFC 9293 §3.4), drops retransmitted
/// bytes, buffers out-of-order segments within bounds, reports gaps instead of guessing their bytes, and frames the
/// in-order bytes with the protocol's <see cref="IPcapStreamFramer"/> (found by content or by SDP association).
/// </summary>
internal sealed class TcpStreamDirection
{
    private const int MaxDetectScan = 64 * 1024;

    private readonly MessageExtractor _owner;
    private readonly List<Segment> _outOfOrder = [];
    private readonly Queue<Mark> _marks = new();
    private Mark _current;
    private bool _haveSeq;
    private uint _isn;
    private uint _nextSeq;
    private bool _finSeen;
    private uint _finSeq;
    private int _outOfOrderBytes;
    private long _outOfOrderSince;
    private byte[] _buf = [];
    private int _bufStart;
    private int _bufLen;
    private long _streamOffset;
    private Mode _mode;
    private IPcapStreamFramer? _framer;
    private long _detectScanned;
    private long _resyncSkipped;
    private long _resyncSince;

    public TcpStreamDirection(FlowKey key, long connectionId, MessageExtractor owner)
    {
        Key = key;
        ConnectionId = connectionId;
        _owner = owner;
    }

    private enum Mode : byte
    {
        Detect = 0,
        Framing = 1,
        Resync = 2,
        Ignored = 3,
    }

    private readonly record struct Segment(uint Seq, byte[] Data, long Packet, long Ticks);

    private readonly record struct Mark(long Offset, long Packet, long Ticks);

    public FlowKey Key { get; }

    public long ConnectionId { get; }

    public TcpStreamDirection? Reverse { get; set; }

    public long LastPacket { get; private set; }

    public bool Finished { get; private set; }

    public PcapProtocol? Protocol => _framer?.Protocol;

    public System.Net.IPEndPoint? SourceEndPoint { get; set; }

    public System.Net.IPEndPoint? DestinationEndPoint { get; set; }

    public void OnSegment(uint seq, bool syn, bool fin, ReadOnlySpan<byte> payload, long packet, long ticks)
    {
        LastPacket = packet;
        if (syn)
        {
            if (_haveSeq && seq != _isn)
            {
                // A new connection on the same addresses and ports (RFC 9293 §3.4.1 reuse): start over.
                Close("a new SYN reused the addresses and ports", packet);
                ResetState();
            }
            _haveSeq = true;
            _isn = seq;
            _nextSeq = seq + 1;
            seq++; // data on a SYN starts after it (RFC 7413 TCP Fast Open)
        }
        else if (!_haveSeq)
        {
            if (payload.IsEmpty)
            {
                return;
            }
            // The capture started mid-connection: take this segment as the start (detection resynchronises).
            _haveSeq = true;
            _isn = seq - 1;
            _nextSeq = seq;
        }
        Finished = false;
        if (!payload.IsEmpty)
        {
            int d = (int)(seq - _nextSeq);
            if (d <= 0)
            {
                if (-d >= payload.Length)
                {
                    _owner.Statistics.TcpRetransmissions++;
                }
                else
                {
                    if (d < 0)
                    {
                        _owner.Statistics.TcpRetransmissions++; // partly new: keep only the new bytes
                    }
                    Append(payload[-d..], packet, ticks);
                    _nextSeq = seq + (uint)payload.Length;
                    DrainOutOfOrder();
                }
            }
            else
            {
                AddOutOfOrder(seq, payload, packet, ticks);
            }
        }
        if (fin)
        {
            _finSeen = true;
            _finSeq = seq + (uint)payload.Length;
        }
        Process(packet, ticks);
        if (_finSeen && _nextSeq == _finSeq && _outOfOrder.Count == 0)
        {
            Close("FIN", packet);
        }
    }

    /// <summary>Ends the stream: outstanding segments become gaps, a partial message is reported.</summary>
    public void Close(string reason, long packet)
    {
        if (Finished)
        {
            return;
        }
        while (_outOfOrder.Count > 0)
        {
            Gap(packet, reason);
            Process(packet, _current.Ticks);
        }
        if (_bufLen > 0 && _mode is Mode.Framing or Mode.Resync)
        {
            _owner.Issue(PcapIssueKind.IncompleteMessage, _current.Packet,
                $"{Describe()}: {_bufLen} bytes of an unfinished {_framer?.Protocol.ToString() ?? "?"} message when the stream ended ({reason})");
        }
        ReportResync();
        Consume(_bufLen);
        if (_buf.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = [];
        }
        _bufStart = 0;
        Finished = true;
    }

    private void ResetState()
    {
        _outOfOrder.Clear();
        _outOfOrderBytes = 0;
        _finSeen = false;
        _haveSeq = false;
        _mode = Mode.Detect;
        _framer = null;
        _detectScanned = 0;
        _resyncSkipped = 0;
    }

    private string Describe() => $"tcp {Key.Source.ToIPAddress()}:{Key.SourcePort} -> {Key.Destination.ToIPAddress()}:{Key.DestinationPort}";

    private void AddOutOfOrder(uint seq, ReadOnlySpan<byte> payload, long packet, long ticks)
    {
        int i = 0;
        while (i < _outOfOrder.Count && (int)(_outOfOrder[i].Seq - seq) < 0)
        {
            i++;
        }
        if (i < _outOfOrder.Count && _outOfOrder[i].Seq == seq && _outOfOrder[i].Data.Length >= payload.Length)
        {
            _owner.Statistics.TcpRetransmissions++; // the same out-of-order segment again
            return;
        }
        if (_outOfOrder.Count == 0)
        {
            _outOfOrderSince = packet;
        }
        _outOfOrder.Insert(i, new Segment(seq, payload.ToArray(), packet, ticks));
        _outOfOrderBytes += payload.Length;
        var o = _owner.Options;
        // Bounded buffering: when too much waits for a segment that never came, the hole is a gap.
        while (_outOfOrder.Count > 0 && (_outOfOrderBytes > o.MaxTcpOutOfOrderBytes || _outOfOrder.Count > o.MaxTcpOutOfOrderSegments
            || packet - _outOfOrderSince > o.TcpGapWindowPackets))
        {
            Gap(packet, "out-of-order window exceeded");
        }
    }

    private void DrainOutOfOrder()
    {
        while (_outOfOrder.Count > 0)
        {
            var s = _outOfOrder[0];
            int d = (int)(s.Seq - _nextSeq);
            if (d > 0)
            {
                return;
            }
            _outOfOrder.RemoveAt(0);
            _outOfOrderBytes -= s.Data.Length;
            if (-d < s.Data.Length)
            {
                Append(s.Data.AsSpan(-d), s.Packet, s.Ticks);
                _nextSeq = s.Seq + (uint)s.Data.Length;
            }
            else
            {
                _owner.Statistics.TcpRetransmissions++;
            }
            _outOfOrderSince = _outOfOrder.Count > 0 ? _outOfOrder[0].Packet : 0;
        }
    }

    private void Gap(long packet, string why)
    {
        var first = _outOfOrder[0];
        uint missing = first.Seq - _nextSeq;
        _owner.Statistics.TcpGaps++;
        _owner.Statistics.TcpGapBytes += missing;
        _owner.Issue(PcapIssueKind.TcpGap, first.Packet,
            $"{Describe()}: {missing} bytes never captured (relative seq {_nextSeq - _isn}..{first.Seq - _isn}) before packet {first.Packet}; {why}; {(_bufLen > 0 ? $"{_bufLen} buffered bytes before the gap dropped" : "nothing buffered")}");
        // The bytes are not guessed: what was buffered before the hole cannot complete, so it is dropped, and the
        // stream after the hole is read from the next start line.
        Consume(_bufLen);
        _streamOffset += missing;
        _nextSeq = first.Seq;
        if (_mode == Mode.Framing)
        {
            _mode = Mode.Resync;
            _resyncSince = packet;
            _framer?.Reset();
        }
        DrainOutOfOrder();
    }

    private void Append(ReadOnlySpan<byte> data, long packet, long ticks)
    {
        if (_mode == Mode.Ignored)
        {
            _streamOffset += data.Length;
            return;
        }
        int max = _owner.Options.MaxTcpStreamBuffer;
        if (_bufLen + data.Length > max)
        {
            _owner.Issue(PcapIssueKind.StreamResync, packet, $"{Describe()}: more than {max} bytes buffered without a complete message; {_bufLen} bytes dropped");
            Consume(_bufLen);
            if (_mode == Mode.Framing)
            {
                _mode = Mode.Resync;
                _resyncSince = packet;
                _framer?.Reset();
            }
            if (data.Length > max)
            {
                _streamOffset += data.Length;
                return;
            }
        }
        if (_bufStart + _bufLen + data.Length > _buf.Length)
        {
            if (_bufLen + data.Length <= _buf.Length)
            {
                _buf.AsSpan(_bufStart, _bufLen).CopyTo(_buf);
            }
            else
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(4096, Math.Max(_buf.Length * 2, _bufLen + data.Length)));
                _buf.AsSpan(_bufStart, _bufLen).CopyTo(bigger);
                if (_buf.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(_buf);
                }
                _buf = bigger;
            }
            _bufStart = 0;
        }
        long offset = _streamOffset + _bufLen;
        _marks.Enqueue(new Mark(offset, packet, ticks));
        if (_bufLen == 0)
        {
            AdvanceMarks();
        }
        data.CopyTo(_buf.AsSpan(_bufStart + _bufLen));
        _bufLen += data.Length;
    }

    private void Consume(int n)
    {
        _bufStart += n;
        _bufLen -= n;
        _streamOffset += n;
        if (_bufLen == 0)
        {
            _bufStart = 0;
        }
        AdvanceMarks();
    }

    private void AdvanceMarks()
    {
        while (_marks.Count > 0 && _marks.Peek().Offset <= _streamOffset)
        {
            _current = _marks.Dequeue();
        }
    }

    private void Process(long packet, long ticks)
    {
        while (_bufLen > 0)
        {
            var span = _buf.AsSpan(_bufStart, _bufLen);
            switch (_mode)
            {
                case Mode.Ignored:
                    Consume(_bufLen);
                    return;
                case Mode.Detect:
                {
                    int crlf = SkipCrlf(span);
                    if (crlf > 0)
                    {
                        _owner.Statistics.KeepAlives++;
                        Consume(crlf);
                        continue;
                    }
                    if (span.Length == 1 && span[0] == (byte)'\r')
                    {
                        return;
                    }
                    var kind = ContentSniffer.Classify(span, complete: false);
                    if (kind == SniffResult.NeedMoreData)
                    {
                        return;
                    }
                    if (kind is SniffResult.Sip or SniffResult.Msrp)
                    {
                        StartFraming(kind);
                        continue;
                    }
                    bool msrpHint = _owner.MsrpDialogFor(Key) is not null;
                    int at = ContentSniffer.FindMessageStart(span, 1, msrpHint, out kind, out int safeDrop);
                    if (at > 0)
                    {
                        _owner.Issue(PcapIssueKind.StreamResync, _current.Packet, $"{Describe()}: the stream started mid-message; {_detectScanned + at} bytes skipped to the first {kind} start line");
                        _detectScanned = 0;
                        Consume(at);
                        StartFraming(kind);
                        continue;
                    }
                    _detectScanned += safeDrop;
                    Consume(safeDrop);
                    if (_detectScanned > MaxDetectScan)
                    {
                        // Not SIP or MSRP (or not recognisable): stop buffering this direction.
                        _mode = Mode.Ignored;
                        _owner.Statistics.TcpIgnoredStreams++;
                        Consume(_bufLen);
                    }
                    return;
                }
                case Mode.Resync:
                {
                    bool msrpOnly = _framer?.Protocol == PcapProtocol.Msrp;
                    int at = ContentSniffer.FindMessageStart(span, 0, msrpOnly, out var kind, out int safeDrop);
                    if (at >= 0)
                    {
                        _resyncSkipped += at;
                        Consume(at);
                        ReportResync();
                        if (_framer is null || (kind == SniffResult.Msrp) != (_framer.Protocol == PcapProtocol.Msrp))
                        {
                            StartFraming(kind);
                        }
                        _mode = Mode.Framing;
                        continue;
                    }
                    _resyncSkipped += safeDrop;
                    Consume(safeDrop);
                    return;
                }
                default:
                {
                    // RFC 3261 §7.5 / RFC 5626 §3.5.1: CRLFs between messages are keep-alives.
                    int crlf = SkipCrlf(span);
                    if (crlf > 0)
                    {
                        _owner.Statistics.KeepAlives++;
                        Consume(crlf);
                        continue;
                    }
                    if (span.Length == 1 && span[0] == (byte)'\r')
                    {
                        return;
                    }
                    var status = _framer!.TryFrame(_buf.AsMemory(_bufStart, _bufLen), out var frame);
                    if (status == StreamFrameStatus.NeedMoreData)
                    {
                        return;
                    }
                    int length = Math.Min(frame.Length, _bufLen);
                    _owner.EmitTcp(this, frame, span[..length], _current.Packet, packet, ticks);
                    Consume(length);
                    if (status == StreamFrameStatus.Error)
                    {
                        _mode = Mode.Resync;
                        _resyncSince = packet;
                        _framer.Reset();
                    }
                    continue;
                }
            }
        }
    }

    private void StartFraming(SniffResult kind)
    {
        _framer = kind == SniffResult.Msrp ? _owner.CreateMsrpFramer() : _owner.CreateSipFramer();
        _mode = Mode.Framing;
        _detectScanned = 0;
        if (kind == SniffResult.Msrp)
        {
            _owner.Statistics.MsrpStreams++;
        }
        else
        {
            _owner.Statistics.SipStreams++;
        }
    }

    private void ReportResync()
    {
        if (_resyncSkipped > 0)
        {
            _owner.Issue(PcapIssueKind.StreamResync, _resyncSince, $"{Describe()}: {_resyncSkipped} bytes skipped to the next start line");
            _resyncSkipped = 0;
        }
    }

    private static int SkipCrlf(ReadOnlySpan<byte> span)
    {
        int i = 0;
        while (i < span.Length)
        {
            if (span[i] == (byte)'\n')
            {
                i++;
            }
            else if (span[i] == (byte)'\r' && i + 1 < span.Length && span[i + 1] == (byte)'\n')
            {
                i += 2;
            }
            else
            {
                break;
            }
        }
        return i;
    }
}
