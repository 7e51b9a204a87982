using System.Buffers;
using System.Text;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Pcap.Messages;

/// <summary>
/// Frames MSRP over TCP with the stack's streaming <see cref="MsrpFrameReader"/> (RFC 4975 §7, §9): the start line
/// and headers are validated, the body is delimited by the end-line (RFC 4975 §7.1: CRLF "-------" transact-id
/// continuation-flag CRLF). The reader keeps its state between calls, so bytes already read are not scanned again
/// while a large chunk arrives.
/// </summary>
internal sealed class MsrpPcapFramer : IPcapStreamFramer
{
    private readonly int _maxMessage;
    private readonly MsrpLimits _limits;
    private MsrpFrameReader _reader;
    private StartLineCapture _capture;
    // Bytes of the current message (at the start of the caller's buffer) the reader has already consumed.
    private int _consumed;

    public MsrpPcapFramer(int maxMessage)
    {
        _maxMessage = maxMessage;
        _limits = new MsrpLimits { MaxBodySize = maxMessage };
        _reader = new MsrpFrameReader(_limits);
    }

    public PcapProtocol Protocol => PcapProtocol.Msrp;

    public void Reset()
    {
        _reader.Reset();
        _capture = default;
        _consumed = 0;
    }

    public StreamFrameStatus TryFrame(ReadOnlyMemory<byte> data, out StreamFrame frame)
    {
        frame = default;
        if (_consumed > data.Length)
        {
            Reset(); // the caller's buffer is not the one we were reading: start over
        }
        var buffer = new ReadOnlySequence<byte>(data[_consumed..]);
        while (true)
        {
            long before = buffer.Length;
            var status = _reader.TryRead(ref buffer, ref _capture, out var f);
            _consumed += (int)(before - buffer.Length);
            switch (status)
            {
                case OperationStatus.Done when f.Kind == MsrpFrameKind.End:
                    frame = new StreamFrame(_consumed, null, null, _capture.TransactionId, _capture.Method, _capture.StatusCode);
                    Reset();
                    return StreamFrameStatus.Message;
                case OperationStatus.Done:
                    continue; // Head or Body: bodies are not kept, the caller emits the message's bytes
                case OperationStatus.NeedMoreData:
                    if (data.Length > _maxMessage)
                    {
                        return Error(data.Span, data.Length, $"no MSRP end-line within {_maxMessage} bytes", out frame);
                    }
                    return StreamFrameStatus.NeedMoreData;
                default:
                    return Error(data.Span, _consumed, "MSRP: " + _reader.Error.Message, out frame);
            }
        }
    }

    /// <summary>
    /// Skips what the reader consumed, at least the first line, so that the caller resynchronises on the next
    /// start line (a message's length is unknowable once its framing is broken).
    /// </summary>
    private StreamFrameStatus Error(ReadOnlySpan<byte> data, int consumed, string text, out StreamFrame frame)
    {
        int lineEnd = data.IndexOf("\r\n"u8);
        int skip = Math.Max(consumed, lineEnd < 0 ? data.Length : lineEnd + 2);
        Reset();
        frame = new StreamFrame(Math.Max(1, skip), null, text, null, null, 0);
        return StreamFrameStatus.Error;
    }

    /// <summary>Keeps the start line's transaction id, method and status code (RFC 4975 §9 req-start / resp-start).</summary>
    private struct StartLineCapture : IMsrpMessageHandler
    {
        public string? TransactionId;
        public string? Method;
        public int StatusCode;

        public void OnStartLine(scoped in MsrpStartLine startLine)
        {
            TransactionId = Encoding.ASCII.GetString(startLine.TransactionId);
            Method = startLine.Kind == MsrpMessageKind.Request ? Encoding.ASCII.GetString(startLine.MethodName) : null;
            StatusCode = startLine.StatusCode;
        }

        public readonly void OnHeader(scoped in MsrpHeaderField header)
        {
        }
    }
}
