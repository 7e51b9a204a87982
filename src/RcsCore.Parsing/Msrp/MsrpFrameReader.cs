using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RcsCore.Parsing.Msrp;

/// <summary>What a <see cref="MsrpFrame"/> reports.</summary>
public enum MsrpFrameKind : byte
{
    /// <summary>No frame (the call did not return <see cref="OperationStatus.Done"/>).</summary>
    None = 0,
    /// <summary>The start line and headers were parsed (the handler saw them) and consumed.</summary>
    Head = 1,
    /// <summary>A slice of body data was consumed: <see cref="MsrpFrame.Body"/>.</summary>
    Body = 2,
    /// <summary>The end-line was consumed: <see cref="MsrpFrame.Continuation"/> says how the message goes on.</summary>
    End = 3,
}

/// <summary>
/// One event of <see cref="MsrpFrameReader.TryRead(ref SequenceReader{byte}, out MsrpFrame)"/>. A message yields one
/// <see cref="MsrpFrameKind.Head"/>, zero or more <see cref="MsrpFrameKind.Body"/> and one <see cref="MsrpFrameKind.End"/>.
/// </summary>
public readonly struct MsrpFrame
{
    internal MsrpFrame(MsrpFrameKind kind, in MsrpHead head)
    {
        Kind = kind;
        MessageKind = head.Kind;
        Method = head.Method;
        StatusCode = head.StatusCode;
        HasBody = head.HasBody;
        HeaderLength = head.HeaderLength;
        HeaderCount = head.HeaderCount;
        HasByteRange = head.HasByteRange;
        ByteRange = head.ByteRange;
    }

    internal MsrpFrame(ReadOnlySequence<byte> body, long bodyOffset)
    {
        Kind = MsrpFrameKind.Body;
        Body = body;
        BodyOffset = bodyOffset;
    }

    internal MsrpFrame(MsrpContinuation continuation, long bodyLength, long messageLength)
    {
        Kind = MsrpFrameKind.End;
        Continuation = continuation;
        BodyLength = bodyLength;
        MessageLength = messageLength;
    }

    /// <summary>Which event this is.</summary>
    public MsrpFrameKind Kind { get; }

    /// <summary>Head: request or response.</summary>
    public MsrpMessageKind MessageKind { get; }

    /// <summary>Head: the request method (<see cref="MsrpMethod.Other"/> for extensions and responses).</summary>
    public MsrpMethod Method { get; }

    /// <summary>Head: the response status code.</summary>
    public int StatusCode { get; }

    /// <summary>Head: true when body data (possibly empty) follows; false when the end-line follows the headers.</summary>
    public bool HasBody { get; }

    /// <summary>Head: bytes consumed for the start line and headers (and the blank line when <see cref="HasBody"/>).</summary>
    public int HeaderLength { get; }

    /// <summary>Head: number of header fields.</summary>
    public int HeaderCount { get; }

    /// <summary>Head: true when the message has a Byte-Range header.</summary>
    public bool HasByteRange { get; }

    /// <summary>Head: the Byte-Range when <see cref="HasByteRange"/>.</summary>
    public MsrpByteRange ByteRange { get; }

    /// <summary>
    /// Body: the data, a slice of the caller's buffer. It stays valid until the caller advances its
    /// <c>PipeReader</c>; consume or copy it before that.
    /// </summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>Body: offset of <see cref="Body"/> within the message body (0 for the first slice).</summary>
    public long BodyOffset { get; }

    /// <summary>End: the continuation flag (RFC 4975 §7.1).</summary>
    public MsrpContinuation Continuation { get; }

    /// <summary>End: total body bytes of the message (the CRLF before the end-line is not data, RFC 4975 §9).</summary>
    public long BodyLength { get; }

    /// <summary>End: total bytes of the message on the wire, end-line included.</summary>
    public long MessageLength { get; }
}

/// <summary>
/// Streams MSRP messages out of a byte stream (RFC 4975 §7.1, §9) without buffering bodies: an explicit state
/// machine (head → body → end) that the session layer drives from its <c>PipeReader</c> loop. One instance per
/// connection; keep it in a field (it is a mutable struct: never copy it). Each call is allocation-free.
/// <para>
/// Contract of <see cref="TryRead(ref SequenceReader{byte}, out MsrpFrame)"/> (STYLE §2.2):
/// <list type="bullet">
/// <item><see cref="OperationStatus.Done"/>: one frame was produced and its bytes consumed (the reader advanced).
/// Call again: more frames may be in the buffer.</item>
/// <item><see cref="OperationStatus.NeedMoreData"/>: nothing was consumed by this call. Before the head this means the
/// header section is incomplete; in a body it means the unconsumed bytes (at most
/// <see cref="MsrpLimits.EndLineWindow"/> - 1) might be the start of the end-line. Call
/// <c>AdvanceTo(reader.Position, buffer.End)</c> and read more.</item>
/// <item><see cref="OperationStatus.InvalidData"/>: the stream is not valid MSRP; <see cref="Error"/> says why and
/// where (offset from the start of the message). Later calls return the same. Close the connection (RFC 4975
/// §7.3 cannot resynchronise a stream); answer 400 first if the head was a request.</item>
/// </list>
/// </para>
/// <para>
/// Typical loop (synchronous part of a receive loop; body slices are handed on before <c>AdvanceTo</c>):
/// <code>
/// var result = await input.ReadAsync(ct);
/// var buffer = result.Buffer;
/// while (true)
/// {
///     var status = _frames.TryRead(ref buffer, ref handler, out var frame);   // slices buffer forward
///     if (status != OperationStatus.Done) { if (status == OperationStatus.InvalidData) Fail(_frames.Error); break; }
///     switch (frame.Kind)
///     {
///         case MsrpFrameKind.Head: BeginMessage(handler.Collected, frame); break;  // handler saw start line + headers
///         case MsrpFrameKind.Body: sink.Write(frame.Body); break;                  // valid until AdvanceTo
///         case MsrpFrameKind.End: EndMessage(frame.Continuation, frame.BodyLength); break;
///     }
/// }
/// input.AdvanceTo(buffer.Start, buffer.End);
/// if (result.IsCompleted &amp;&amp; _frames.IsInMessage) { /* connection closed mid-message: RFC 4975 §7.1.1 interrupted chunk */ }
/// </code>
/// </para>
/// </summary>
public struct MsrpFrameReader
{
    private enum State : byte
    {
        Head = 0,
        Body = 1,
        EndLine = 2,
        Failed = 3,
    }

    [InlineArray(MsrpLimits.TransactionIdCapacity)]
    private struct TidBuffer
    {
        private byte _element0;
    }

    private readonly MsrpLimits? _limits;
    private TidBuffer _tid;
    private int _tidLength;
    private State _state;
    private int _headerLength;
    private int _endLineLength;
    private long _bodyLength;
    private MsrpContinuation _continuation;
    private MsrpParseResult _error;

    private struct NullHandler : IMsrpMessageHandler
    {
        public readonly void OnStartLine(scoped in MsrpStartLine startLine)
        {
        }

        public readonly void OnHeader(scoped in MsrpHeaderField header)
        {
        }
    }

    /// <summary>Creates a reader with the given limits (the defaults when null).</summary>
    public MsrpFrameReader(MsrpLimits? limits)
    {
        limits ??= MsrpLimits.Default;
        limits.Validate();
        _limits = limits;
    }

    /// <summary>The limits in force.</summary>
    public readonly MsrpLimits Limits => _limits ?? MsrpLimits.Default;

    /// <summary>The error after <see cref="OperationStatus.InvalidData"/>; success otherwise.</summary>
    public readonly MsrpParseResult Error => _error;

    /// <summary>True between a <see cref="MsrpFrameKind.Head"/> and its <see cref="MsrpFrameKind.End"/>.</summary>
    public readonly bool IsInMessage => _state is State.Body or State.EndLine;

    /// <summary>Body bytes of the current message delivered so far.</summary>
    public readonly long BodyBytesRead => _bodyLength;

    /// <summary>The transaction id of the current (or last) message, valid from its Head frame on.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> TransactionId => ((ReadOnlySpan<byte>)_tid)[.._tidLength];

    /// <summary>Forgets any message in progress and any error, to reuse the reader on a new stream.</summary>
    public void Reset()
    {
        _state = State.Head;
        _tidLength = 0;
        _headerLength = 0;
        _endLineLength = 0;
        _bodyLength = 0;
        _continuation = MsrpContinuation.None;
        _error = default;
    }

    /// <summary>Reads the next frame; see the type's remarks for the contract.</summary>
    public OperationStatus TryRead(ref SequenceReader<byte> reader, out MsrpFrame frame)
    {
        var handler = default(NullHandler);
        return TryRead(ref reader, ref handler, out frame);
    }

    /// <summary>Reads the next frame, calling <paramref name="handler"/> for the start line and headers of a Head frame.</summary>
    public OperationStatus TryRead<THandler>(ref SequenceReader<byte> reader, ref THandler handler, out MsrpFrame frame)
        where THandler : IMsrpMessageHandler, allows ref struct
    {
        var status = Read(reader.UnreadSequence, ref handler, out frame, out long consumed);
        if (consumed > 0)
        {
            reader.Advance(consumed);
        }
        return status;
    }

    /// <summary>Reads the next frame; on <see cref="OperationStatus.Done"/> <paramref name="buffer"/> is sliced past the consumed bytes.</summary>
    public OperationStatus TryRead(ref ReadOnlySequence<byte> buffer, out MsrpFrame frame)
    {
        var handler = default(NullHandler);
        return TryRead(ref buffer, ref handler, out frame);
    }

    /// <summary>
    /// Reads the next frame, calling <paramref name="handler"/> for a Head frame; on <see cref="OperationStatus.Done"/>
    /// <paramref name="buffer"/> is sliced past the consumed bytes. Usable from async methods (no ref struct local).
    /// </summary>
    public OperationStatus TryRead<THandler>(ref ReadOnlySequence<byte> buffer, ref THandler handler, out MsrpFrame frame)
        where THandler : IMsrpMessageHandler, allows ref struct
    {
        var status = Read(buffer, ref handler, out frame, out long consumed);
        if (consumed > 0)
        {
            buffer = buffer.Slice(consumed);
        }
        return status;
    }

    private OperationStatus Read<THandler>(in ReadOnlySequence<byte> input, ref THandler handler, out MsrpFrame frame, out long consumed)
        where THandler : IMsrpMessageHandler, allows ref struct
    {
        frame = default;
        consumed = 0;
        switch (_state)
        {
            case State.Head:
                return ReadHead(input, ref handler, out frame, out consumed);
            case State.Body:
                return ReadBody(input, out frame, out consumed);
            case State.EndLine:
                return ReadEndLine(input, out frame, out consumed);
            default:
                return OperationStatus.InvalidData;
        }
    }

    private OperationStatus ReadHead<THandler>(in ReadOnlySequence<byte> input, ref THandler handler, out MsrpFrame frame, out long consumed)
        where THandler : IMsrpMessageHandler, allows ref struct
    {
        frame = default;
        consumed = 0;
        if (input.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }
        var limits = Limits;
        // STYLE §2.3: parse the first segment in place; linearise only a header section that straddles segments.
        var span = input.FirstSpan;
        var found = MsrpMessageParser.FindHeaderSection(span, limits, out int sectionLength);
        byte[]? rented = null;
        try
        {
            if (found.Error == MsrpParseError.Incomplete && !input.IsSingleSegment)
            {
                int n = (int)Math.Min(input.Length, (long)limits.MaxHeaderSectionSize + 1);
                rented = ArrayPool<byte>.Shared.Rent(n);
                input.Slice(0, n).CopyTo(rented);
                span = rented.AsSpan(0, n);
                found = MsrpMessageParser.FindHeaderSection(span, limits, out sectionLength);
            }
            if (found.Error == MsrpParseError.Incomplete)
            {
                return OperationStatus.NeedMoreData;
            }
            if (!found.IsSuccess)
            {
                return Fail(found);
            }
            var result = MsrpMessageParser.ParseHeaderSection(span[..sectionLength], limits, ref handler, out var head);
            if (!result.IsSuccess)
            {
                return Fail(result);
            }
            span.Slice(5, head.TransactionIdLength).CopyTo(_tid);
            _tidLength = head.TransactionIdLength;
            _headerLength = head.HeaderLength;
            _bodyLength = 0;
            if (head.HasBody)
            {
                _state = State.Body;
                consumed = head.SectionLength;
            }
            else
            {
                // RFC 4975 §7.1: no body; the (already validated) end-line follows and becomes the End frame.
                _state = State.EndLine;
                _endLineLength = head.SectionLength - head.HeaderLength;
                _continuation = head.Continuation;
                consumed = head.HeaderLength;
            }
            frame = new MsrpFrame(MsrpFrameKind.Head, head);
            return OperationStatus.Done;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private OperationStatus ReadEndLine(in ReadOnlySequence<byte> input, out MsrpFrame frame, out long consumed)
    {
        frame = default;
        consumed = 0;
        if (input.Length < _endLineLength)
        {
            return OperationStatus.NeedMoreData;
        }
        Span<byte> window = stackalloc byte[7 + MsrpLimits.TransactionIdCapacity + 3];
        window = window[.._endLineLength];
        input.Slice(0, _endLineLength).CopyTo(window);
        if (MsrpEndLine.Match(window, 7, TransactionId, out var flag) != MsrpEndLine.Result.Match || flag != _continuation)
        {
            return Fail(new MsrpParseResult(MsrpParseError.InvalidEndLine, _headerLength));
        }
        consumed = _endLineLength;
        frame = new MsrpFrame(flag, 0, (long)_headerLength + _endLineLength);
        _state = State.Head;
        return OperationStatus.Done;
    }

    private OperationStatus ReadBody(in ReadOnlySequence<byte> input, out MsrpFrame frame, out long consumed)
    {
        frame = default;
        consumed = 0;
        if (input.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }
        var status = MsrpMessageParser.ScanBody(input, TransactionId, _bodyLength == 0, out long at, out int endLineLength, out var flag);
        if (at > 0)
        {
            // Body bytes before the end-line, or before a tail that may start it (held back, RFC 4975 §7.1).
            if (_bodyLength + at > Limits.MaxBodySize)
            {
                return Fail(new MsrpParseResult(MsrpParseError.BodyTooLarge, _headerLength + Limits.MaxBodySize));
            }
            frame = new MsrpFrame(input.Slice(0, at), _bodyLength);
            _bodyLength += at;
            consumed = at;
            return OperationStatus.Done;
        }
        switch (status)
        {
            case MsrpScanStatus.Found:
                consumed = endLineLength;
                frame = new MsrpFrame(flag, _bodyLength, _headerLength + _bodyLength + endLineLength);
                _state = State.Head;
                return OperationStatus.Done;
            case MsrpScanStatus.Invalid:
                return Fail(new MsrpParseResult(MsrpParseError.InvalidEndLine, _headerLength + _bodyLength));
            default:
                return OperationStatus.NeedMoreData;
        }
    }

    private OperationStatus Fail(MsrpParseResult error)
    {
        _state = State.Failed;
        _error = error;
        return OperationStatus.InvalidData;
    }
}
