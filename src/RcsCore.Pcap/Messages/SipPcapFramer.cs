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
                if (end > 0 && FindContentLength(span[..end]) is int cl && (long)end + cl <= _limits.MaxMessageSize)
                {
                    // The body is delimited by Content-Length even when another header is broken (RFC 3261 §18.3).
                    skip = Math.Min(span.Length, end + cl);
                }
                _framer = new SipStreamFramer(_limits);
                frame = new StreamFrame(Math.Max(1, skip), null, error.Message, null, null, 0);
                return StreamFrameStatus.Error;
            }
        }
    }

    /// <summary>The Content-Length (or compact "l") value of a header section, or null when absent or not a number.</summary>
    private static int? FindContentLength(ReadOnlySpan<byte> headers)
    {
        while (!headers.IsEmpty)
        {
            int lf = headers.IndexOf((byte)'\n');
            var line = lf < 0 ? headers : headers[..lf];
            headers = lf < 0 ? default : headers[(lf + 1)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }
            var name = line[..colon].Trim((byte)' ');
            if (!System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8) && !System.Text.Ascii.EqualsIgnoreCase(name, "l"u8))
            {
                continue;
            }
            var value = line[(colon + 1)..].Trim(" \t\r"u8);
            return System.Buffers.Text.Utf8Parser.TryParse(value, out int n, out int used) && used == value.Length && n >= 0 ? n : null;
        }
        return null;
    }
}
