using System.Buffers;
using System.IO.Pipelines;

namespace RcsCore.Msrp;

/// <summary>How an incoming message ended.</summary>
public enum MsrpReceiveOutcome : byte
{
    /// <summary>Every byte arrived (the last chunk ended with <c>$</c> and no gap is left).</summary>
    Complete = 1,
    /// <summary>The sender aborted the message with <c>#</c> (RFC 4975 §7.1).</summary>
    Aborted = 2,
    /// <summary>The message failed here (connection lost, session closed, reorder bound exceeded).</summary>
    Failed = 3,
}

/// <summary>
/// A message being received (RFC 4975 §7.1.1): it is announced when its first chunk arrives and its body is
/// streamed through <see cref="Body"/> in order, whatever order the chunks come in. Read the body promptly: while
/// more than <see cref="MsrpEndpointOptions.IncomingBufferSize"/> bytes wait unread, the shared connection stops
/// reading (backpressure). Complete the reader early to discard the rest. A reader that waits for data gets
/// in-order chunk bodies straight from the connection's input buffers (no copy); the connection then waits until
/// it advances past them, so process a buffer before reading the next rather than holding it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The reassembler is disposed when the message finishes; the session finishes every message.")]
public sealed class MsrpIncomingMessage
{
    private readonly Pipe _pipe;
    private readonly MsrpBodyReader _body;
    private readonly MsrpReassembler _reassembler;
    private readonly TaskCompletionSource<MsrpReceiveOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sync = new();
    private long _end = -1;
    private long _received;
    private bool _readerGone;

    internal MsrpIncomingMessage(MsrpSession session, string messageId, string? contentType, long totalSize, long startOffset, MsrpEndpointOptions options)
    {
        Session = session;
        MessageId = messageId;
        ContentType = contentType;
        TotalSize = totalSize;
        StartOffset = startOffset;
        long pause = options.IncomingBufferSize;
        _pipe = new Pipe(new PipeOptions(MsrpMemoryPool.Instance, pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, minimumSegmentSize: MsrpMemoryPool.BlockSize, useSynchronizationContext: false));
        _body = new MsrpBodyReader(_pipe.Reader);
        _reassembler = new MsrpReassembler(_pipe.Writer, options.MaxReorderBytes, startOffset);
        if (totalSize >= 0)
        {
            _end = totalSize;
        }
    }

    /// <summary>The session the message arrived in.</summary>
    public MsrpSession Session { get; }

    /// <summary>The Message-ID (RFC 4975 §7.1.1).</summary>
    public string MessageId { get; }

    /// <summary>The Content-Type of the first chunk.</summary>
    public string? ContentType { get; }

    /// <summary>Size of the whole message from Byte-Range, or -1 when the sender wrote <c>*</c>.</summary>
    public long TotalSize { get; }

    /// <summary>0-based offset of the first body byte delivered (non-zero when a resumed message starts mid-way).</summary>
    public long StartOffset { get; }

    /// <summary>The body, in order. Completes at the end of the message (with an exception when aborted or failed).</summary>
    public PipeReader Body => _body;

    /// <summary>Contiguous body bytes received so far, counted from the start of the message (progress).</summary>
    public long BytesReceived => Volatile.Read(ref _received);

    /// <summary>Completes when the message ends.</summary>
    public Task<MsrpReceiveOutcome> Completion => _completion.Task;

    /// <summary>Reads the whole body into an array (for short messages such as chat text).</summary>
    public async ValueTask<byte[]> ReadAllBytesAsync(int maxBytes = 16 * 1024 * 1024, CancellationToken ct = default)
    {
        var output = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await Body.ReadAsync(ct).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                if (output.WrittenCount + segment.Length > maxBytes)
                {
                    await Body.CompleteAsync().ConfigureAwait(false);
                    throw new InvalidDataException($"The message is larger than {maxBytes} bytes.");
                }
                output.Write(segment.Span);
            }
            Body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        await Body.CompleteAsync().ConfigureAwait(false);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The writer the receive loop flushes, or null once the reader is gone or the message ended.</summary>
    internal PipeWriter? Writer
    {
        get
        {
            lock (_sync)
            {
                return _readerGone || _completion.Task.IsCompleted ? null : _pipe.Writer;
            }
        }
    }

    internal bool IsEnded => _completion.Task.IsCompleted;

    internal bool IsComplete
    {
        get
        {
            lock (_sync)
            {
                return _end >= 0 && _reassembler.Next >= _end;
            }
        }
    }

    /// <summary>Bytes delivered in order (for the success REPORT Byte-Range).</summary>
    internal long Delivered => _reassembler.Next;

    internal bool Write(long offset, ReadOnlySequence<byte> data)
    {
        lock (_sync)
        {
            if (_completion.Task.IsCompleted)
            {
                return true;
            }
            long before = _reassembler.Next;
            if (!_reassembler.Write(offset, data))
            {
                return false;
            }
            if (!_readerGone)
            {
                _body.OnCopied(_reassembler.Next - before);
            }
            Volatile.Write(ref _received, _reassembler.Next);
            return true;
        }
    }

    internal MsrpBodyReader BodyReader => _body;

    /// <summary>
    /// Lends in-order chunk bytes to a waiting body reader without copying them (see <see cref="MsrpBodyReader"/>).
    /// The task gives how many bytes the reader consumed; <see cref="Lent"/> must then be called with that count.
    /// </summary>
    internal bool TryLend(long offset, ReadOnlySequence<byte> data, out ValueTask<long> consumed)
    {
        lock (_sync)
        {
            if (data.IsEmpty || _readerGone || _completion.Task.IsCompleted || offset != _reassembler.Next || _reassembler.PendingBytes != 0)
            {
                consumed = default;
                return false;
            }
            return _body.TryLend(data, out consumed);
        }
    }

    /// <summary>Counts <paramref name="count"/> lent bytes as delivered.</summary>
    internal void Lent(long count)
    {
        lock (_sync)
        {
            _reassembler.Skip(count);
            Volatile.Write(ref _received, _reassembler.Next);
        }
    }

    /// <summary>RFC 4975 §7.1: the chunk ending with <c>$</c> fixes the end of a message of unknown size.</summary>
    internal void SetEnd(long end)
    {
        lock (_sync)
        {
            if (_end < 0)
            {
                _end = end;
            }
        }
    }

    internal void OnReaderGone()
    {
        lock (_sync)
        {
            _readerGone = true;
            _reassembler.DetachOutput();
        }
    }

    private Action<int>? _heldReport;

    /// <summary>
    /// Sends the success REPORT held by <see cref="MsrpSessionOptions.DeferSuccessReports"/> (RFC 4975 §7.1.2): the
    /// message is now the application's. Does nothing when no report was asked for or it was already sent.
    /// </summary>
    public void ConfirmDelivery() => Interlocked.Exchange(ref _heldReport, null)?.Invoke(MsrpStatus.Ok);

    /// <summary>
    /// Sends a failure REPORT with <paramref name="status"/> instead of the held success REPORT (RFC 4975 §7.1.2), e.g.
    /// when the application could not keep the message. Does nothing when no report is held.
    /// </summary>
    /// <param name="status">An MSRP error status (4xx), e.g. 413 or 481.</param>
    public void RefuseDelivery(int status)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        Interlocked.Exchange(ref _heldReport, null)?.Invoke(status);
    }

    internal void HoldReport(Action<int> send) => Volatile.Write(ref _heldReport, send);

    internal void Finish(MsrpReceiveOutcome outcome, string? reason = null)
    {
        lock (_sync)
        {
            if (_completion.Task.IsCompleted)
            {
                return;
            }
            _reassembler.Dispose();
            _pipe.Writer.Complete(outcome == MsrpReceiveOutcome.Complete ? null : new MsrpMessageAbortedException(outcome, reason ?? outcome.ToString()));
            _completion.TrySetResult(outcome);
        }
    }
}

/// <summary>The body of an incoming message ends with this when the message was aborted or failed.</summary>
public sealed class MsrpMessageAbortedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public MsrpMessageAbortedException(MsrpReceiveOutcome outcome, string message)
        : base(message)
    {
        Outcome = outcome;
    }

    /// <summary>Creates the exception.</summary>
    public MsrpMessageAbortedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MsrpMessageAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MsrpMessageAbortedException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>Aborted by the sender, or failed here.</summary>
    public MsrpReceiveOutcome Outcome { get; } = MsrpReceiveOutcome.Failed;
}
