using System.Buffers;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Framing;

namespace RcsCore.Pcap.Messages;

/// <summary>Frames SIP over TCP with the stack's <see cref="SipStreamFramer"/> (RFC 3261 §18.3: Content-Length is mandatory).</summary>
internal sealed class SipPcapFramer : IPcapStreamFramer
{
    private readonly SipLimits _limits;
    private SipStreamFramer _framer;

    public SipPcapFramer(SipLimits limits)
    {
        _limits = limits;
        _framer = new SipStreamFramer(limits);
    }

    public PcapProtocol Protocol => PcapProtocol.Sip;

    public void Reset() => _framer = new SipStreamFramer(_limits);

    public StreamFrameStatus TryFrame(ReadOnlyMemory<byte> data, out StreamFrame frame)
    {
        frame = default;
        var buffer = new ReadOnlySequence<byte>(data);
        var status = _framer.TryRead(ref buffer, out var message, out var error, out _);
        switch (status)
        {
            case SipFrameStatus.Message:
                frame = new StreamFrame((int)(data.Length - buffer.Length), message, null, null, null, 0);
                return StreamFrameStatus.Message;
            case SipFrameStatus.KeepAlive:
                // Only CRLFs were consumed; the caller skips them itself, so frame again after them.
                int skipped = (int)(data.Length - buffer.Length);
                var again = TryFrame(data[skipped..], out frame);
                if (again != StreamFrameStatus.NeedMoreData)
                {
                    frame = frame with { Length = frame.Length + skipped };
                }
                return again;
            case SipFrameStatus.NeedMoreData:
                return StreamFrameStatus.NeedMoreData;
            default:
            {
                // Skip the bad message's header section when it is complete (its body length is unknowable);
                // otherwise the whole buffer. The caller then resynchronises on the next start line.
                var span = data.Span;
                int end = SipMessageParser.FindEndOfHeaders(span[..Math.Min(span.Length, _limits.MaxMessageSize)]);
                int skip = end > 0 ? end : span.Length;
                _framer = new SipStreamFramer(_limits);
                frame = new StreamFrame(Math.Max(1, skip), null, error.Message, null, null, 0);
                return StreamFrameStatus.Error;
            }
        }
    }
}
