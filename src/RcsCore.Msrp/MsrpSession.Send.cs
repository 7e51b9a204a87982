using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp;

public sealed partial class MsrpSession
{
    /// <summary>Sends a message held in memory (chunked, RFC 4975 §7.1.1).</summary>
    /// <param name="content">The body.</param>
    /// <param name="contentType">Its media type (must be in the peer's a=accept-types).</param>
    /// <param name="reports">Success-Report / Failure-Report to request (RFC 4975 §7.1.2).</param>
    /// <param name="progress">Receives the body bytes sent so far.</param>
    /// <param name="ct">Cancelling aborts the message: the receiver gets a chunk ending in <c>#</c> (RFC 4975 §7.1) and this throws.</param>
    public ValueTask<MsrpSendResult> SendAsync(ReadOnlyMemory<byte> content, string contentType, MsrpReportPolicy reports = default, IProgress<long>? progress = null, CancellationToken ct = default) =>
        SendAsync(content, contentType, new MsrpSendOptions { Reports = reports, Progress = progress }, ct);

    /// <summary>Sends a message held in memory with full options (chunk size, Message-ID, resume offset).</summary>
    public ValueTask<MsrpSendResult> SendAsync(ReadOnlyMemory<byte> content, string contentType, MsrpSendOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        long total = options.TotalSize ?? options.StartOffset + content.Length;
        return SendCoreAsync(new MemorySource(content, ChunkSizeOf(options)), contentType, options, total, ct);
    }

    /// <summary>
    /// Sends the rest of a stream. The total size is the remaining length of a seekable stream; otherwise it is
    /// unknown and written as <c>*</c> (RFC 4975 §7.1.1). Memory use is six chunks (four being written), whatever the size.
    /// </summary>
    public ValueTask<MsrpSendResult> SendAsync(Stream content, string contentType, MsrpReportPolicy reports = default, IProgress<long>? progress = null, CancellationToken ct = default) =>
        SendAsync(content, contentType, new MsrpSendOptions { Reports = reports, Progress = progress }, ct);

    /// <summary>Sends the rest of a stream with full options.</summary>
    public ValueTask<MsrpSendResult> SendAsync(Stream content, string contentType, MsrpSendOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        long total = options.TotalSize ?? (content.CanSeek ? options.StartOffset + content.Length - content.Position : -1);
        return SendCoreAsync(new BufferedSource((m, c) => content.ReadAsync(m, c), ChunkSizeOf(options)), contentType, options, total, ct);
    }

    /// <summary>Sends what a pipe yields until it completes; the total size is unknown unless given in <paramref name="options"/>.</summary>
    public ValueTask<MsrpSendResult> SendAsync(PipeReader content, string contentType, MsrpSendOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        return SendCoreAsync(new BufferedSource((m, c) => ReadPipeAsync(content, m, c), ChunkSizeOf(options)), contentType, options, options.TotalSize ?? -1, ct);
    }

    private int ChunkSizeOf(MsrpSendOptions options) => options.ChunkSize is int size and > 0 ? size : _options.ChunkSize;

    private static async ValueTask<int> ReadPipeAsync(PipeReader reader, Memory<byte> destination, CancellationToken ct)
    {
        var result = await reader.ReadAsync(ct).ConfigureAwait(false);
        var buffer = result.Buffer;
        int n = (int)Math.Min(buffer.Length, destination.Length);
        buffer.Slice(0, n).CopyTo(destination.Span);
        reader.AdvanceTo(buffer.GetPosition(n));
        return n == 0 && !result.IsCompleted ? await ReadPipeAsync(reader, destination, ct).ConfigureAwait(false) : n;
    }

    private async ValueTask<MsrpSendResult> SendCoreAsync(ChunkSource source, string contentType, MsrpSendOptions options, long total, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        ArgumentOutOfRangeException.ThrowIfNegative(options.StartOffset);
        using var sourceScope = source;
        if (_toPath is null)
        {
            throw new InvalidOperationException("StartAsync must run before SendAsync.");
        }
        var connection = await WaitBoundAsync(ct).ConfigureAwait(false);
        var reports = options.Reports;
        string messageId = options.MessageId ?? MsrpWire.NewId();
        var message = new OutgoingMessage(messageId);
        _outgoing[messageId] = message;
        long offset = options.StartOffset;
        bool started = false;
        // Chunks handed to the send loop but not yet in the output pipe, with the offset each one reaches. Keeping
        // several in flight means the sender does not wait for a thread hop per chunk; the source's buffers bound it.
        var pending = new Queue<(Task Written, long Offset)>(source.MaxInFlight + 1);
        try
        {
            try
            {
                while (true)
                {
                    var (data, last) = await source.NextAsync(ct).ConfigureAwait(false);
                    if (message.IsFailed)
                    {
                        break;
                    }
                    // RFC 4975 §7.1: the end-line must not occur in the body; pick another transaction id if it does.
                    string tid = MsrpWire.NewId();
                    while (MsrpWire.Collides(data.Span, tid))
                    {
                        tid = MsrpWire.NewId();
                    }
                    var head = BuildSendHead(tid, messageId, MsrpByteRange.ForChunk(offset, data.Length, total), contentType, reports, body: true);
                    var tail = MsrpWire.EndLineBytes(tid, last ? MsrpContinuation.Complete : MsrpContinuation.More, afterBody: true);
                    Track(connection, tid, message, reports.FailureReport);
                    started = true;
                    offset += data.Length;
                    pending.Enqueue((connection.WriteAsync(head, data, tail), offset));
                    // RFC 4975 §7.1.1 ordering holds: the connection's data queue is FIFO, so chunks leave in order.
                    while (pending.Count > (last ? 0 : source.MaxInFlight))
                    {
                        var (written, reached) = pending.Dequeue();
                        await written.ConfigureAwait(false);
                        options.Progress?.Report(reached);
                    }
                    if (last)
                    {
                        break;
                    }
                }
                while (pending.Count > 0)
                {
                    var (written, reached) = pending.Dequeue();
                    await written.ConfigureAwait(false);
                    options.Progress?.Report(reached);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await DrainAsync(pending).ConfigureAwait(false);
                if (started && !connection.IsClosed)
                {
                    // RFC 4975 §7.1: '#' tells the receiver the message is aborted; it needs no body.
                    string tid = MsrpWire.NewId();
                    var head = BuildSendHead(tid, messageId, MsrpByteRange.ForChunk(offset, 0, total), null, reports, body: false);
                    var tail = MsrpWire.EndLineBytes(tid, MsrpContinuation.Aborted, afterBody: false);
                    Track(connection, tid, message, MsrpReportMode.Partial);
                    await connection.WriteAsync(head, default, tail).ConfigureAwait(false);
                }
                throw;
            }
            catch (IOException ex)
            {
                message.Fail(MsrpStatus.RequestTimeout, ex.Message);
            }
            message.SendingDone();
            await message.Acknowledged.ConfigureAwait(false);
            if (message.IsFailed)
            {
                return new MsrpSendResult(messageId, MsrpSendOutcome.Failed, message.Status, offset, message.Reason);
            }
            if (!reports.SuccessReport)
            {
                return new MsrpSendResult(messageId, MsrpSendOutcome.Sent, MsrpStatus.Ok, offset);
            }
            int status;
            try
            {
                status = await message.Report.WaitAsync(_options.ReportTimeout, _options.TimeProvider, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return new MsrpSendResult(messageId, MsrpSendOutcome.Failed, MsrpStatus.RequestTimeout, offset, "no success REPORT arrived");
            }
            return status == MsrpStatus.Ok
                ? new MsrpSendResult(messageId, MsrpSendOutcome.Delivered, MsrpStatus.Ok, offset)
                : new MsrpSendResult(messageId, MsrpSendOutcome.Failed, status, offset, message.Reason ?? "failure REPORT");
        }
        finally
        {
            // The source's buffers go back to the pool when this method returns: no write may still read them.
            await DrainAsync(pending).ConfigureAwait(false);
            _outgoing.TryRemove(messageId, out _);
        }
    }

    private static async ValueTask DrainAsync(Queue<(Task Written, long Offset)> pending)
    {
        while (pending.TryDequeue(out var item))
        {
            await item.Written.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>RFC 4975 §7.1.2: with Failure-Report no nothing is answered; with partial only failures are.</summary>
    private static void Track(MsrpConnection connection, string tid, OutgoingMessage message, MsrpReportMode failureReport)
    {
        if (failureReport == MsrpReportMode.No)
        {
            return;
        }
        bool partial = failureReport == MsrpReportMode.Partial;
        if (!partial)
        {
            message.Expect();
        }
        connection.AddTransaction(new MsrpTransaction(tid, (status, _, reason) => message.OnResponse(status, reason, counted: !partial), timeoutIsSuccess: partial));
    }

    private byte[] BuildSendHead(string tid, string messageId, MsrpByteRange range, string? contentType, MsrpReportPolicy reports, bool body)
    {
        var w = new ArrayBufferWriter<byte>(256 + _toPath!.Length + FromPath.Length);
        MsrpWire.RequestLine(w, tid, "SEND");
        MsrpWire.Header(w, "To-Path"u8, _toPath);
        MsrpWire.Header(w, "From-Path"u8, FromPath);
        MsrpWire.Header(w, "Message-ID"u8, messageId);
        if (reports.SuccessReport)
        {
            MsrpWire.Header(w, "Success-Report"u8, "yes");
        }
        switch (reports.FailureReport)
        {
            case MsrpReportMode.No:
                MsrpWire.Header(w, "Failure-Report"u8, "no");
                break;
            case MsrpReportMode.Partial:
                MsrpWire.Header(w, "Failure-Report"u8, "partial");
                break;
            case MsrpReportMode.Yes:
                MsrpWire.Header(w, "Failure-Report"u8, "yes");
                break;
        }
        MsrpWire.ByteRange(w, range);
        if (body)
        {
            MsrpWire.Header(w, "Content-Type"u8, contentType!);
            MsrpWire.Bytes(w, "\r\n"u8);
        }
        return w.WrittenSpan.ToArray();
    }

    /// <summary>RFC 4975 §5.4, §7.1: the active side binds the connection with an empty SEND and waits for its 200.</summary>
    private async ValueTask SendBindAsync(MsrpConnection connection, CancellationToken ct)
    {
        string tid = MsrpWire.NewId();
        var w = new ArrayBufferWriter<byte>(256);
        MsrpWire.RequestLine(w, tid, "SEND");
        MsrpWire.Header(w, "To-Path"u8, _toPath!);
        MsrpWire.Header(w, "From-Path"u8, FromPath);
        MsrpWire.Header(w, "Message-ID"u8, MsrpWire.NewId());
        MsrpWire.ByteRange(w, new MsrpByteRange(1, 0, 0));
        MsrpWire.EndLine(w, tid, MsrpContinuation.Complete, afterBody: false);
        var response = new TaskCompletionSource<(int, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.AddTransaction(new MsrpTransaction(tid, (status, _, reason) => response.TrySetResult((status, reason))));
        connection.EnqueueControl(w.WrittenSpan.ToArray());
        var (code, why) = await response.Task.WaitAsync(ct).ConfigureAwait(false);
        if (code != MsrpStatus.Ok)
        {
            throw new MsrpException(code, $"The binding SEND was answered {code} {why}".TrimEnd());
        }
    }

    private abstract class ChunkSource : IDisposable
    {
        public abstract ValueTask<(ReadOnlyMemory<byte> Data, bool Last)> NextAsync(CancellationToken ct);

        /// <summary>Chunks returned earlier that may still be queued for writing when <see cref="NextAsync"/> is called.</summary>
        public virtual int MaxInFlight => InFlightChunks;

        public virtual void Dispose()
        {
        }
    }

    private sealed class MemorySource(ReadOnlyMemory<byte> content, int chunkSize) : ChunkSource
    {
        private ReadOnlyMemory<byte> _rest = content;

        public override ValueTask<(ReadOnlyMemory<byte> Data, bool Last)> NextAsync(CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            int n = Math.Min(chunkSize, _rest.Length);
            var data = _rest[..n];
            _rest = _rest[n..];
            return ValueTask.FromResult((data, _rest.IsEmpty));
        }
    }

    /// <summary>Chunks a sender may have queued on the connection before it waits for the oldest one.</summary>
    private const int InFlightChunks = 4;

    /// <summary>
    /// Reads a stream into a ring of pooled chunk buffers: <see cref="InFlightChunks"/> being written, one returned
    /// and one read ahead to learn whether it is the last. Chunk k lives in buffer k mod ring size, so a buffer is
    /// refilled only after the sender awaited the write of the chunk it held.
    /// </summary>
    private sealed class BufferedSource : ChunkSource
    {
        private readonly Func<Memory<byte>, CancellationToken, ValueTask<int>> _read;
        private readonly int _chunkSize;
        private readonly byte[]?[] _ring = new byte[InFlightChunks + 2][];
        private int _index = -1; // buffer of the chunk returned last
        private int _nextLength = -1;

        public BufferedSource(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, int chunkSize)
        {
            _read = read;
            _chunkSize = chunkSize;
        }

        public override async ValueTask<(ReadOnlyMemory<byte> Data, bool Last)> NextAsync(CancellationToken ct)
        {
            if (_nextLength < 0)
            {
                _nextLength = await FillAsync(Buffer(0), ct).ConfigureAwait(false);
            }
            _index = (_index + 1) % _ring.Length;
            var current = Buffer(_index);
            int length = _nextLength;
            _nextLength = length < _chunkSize ? 0 : await FillAsync(Buffer((_index + 1) % _ring.Length), ct).ConfigureAwait(false);
            return (current.AsMemory(0, length), _nextLength == 0);
        }

        private byte[] Buffer(int i) => _ring[i] ??= ArrayPool<byte>.Shared.Rent(_chunkSize);

        private async ValueTask<int> FillAsync(byte[] buffer, CancellationToken ct)
        {
            int filled = 0;
            while (filled < _chunkSize)
            {
                int n = await _read(buffer.AsMemory(filled, _chunkSize - filled), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                filled += n;
            }
            return filled;
        }

        public override void Dispose()
        {
            for (int i = 0; i < _ring.Length; i++)
            {
                if (_ring[i] is { } buffer)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    _ring[i] = null;
                }
            }
            base.Dispose();
        }
    }
}

/// <summary>Sender-side state of one message: outstanding transactions, failure and the success REPORT.</summary>
internal sealed class OutgoingMessage(string id)
{
    private readonly TaskCompletionSource _acknowledged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _report = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending;
    private int _sendingDone;
    private int _status;

    public string Id { get; } = id;

    public bool IsFailed => Volatile.Read(ref _status) != 0;

    public int Status => Volatile.Read(ref _status);

    public string? Reason { get; private set; }

    public Task Acknowledged => _acknowledged.Task;

    public Task<int> Report => _report.Task;

    public void Expect() => Interlocked.Increment(ref _pending);

    public void OnResponse(int status, string? reason, bool counted)
    {
        if (status != MsrpStatus.Ok)
        {
            Fail(status == 0 ? MsrpStatus.RequestTimeout : status, reason);
        }
        if (counted && Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _sendingDone) != 0)
        {
            _acknowledged.TrySetResult();
        }
    }

    public void SendingDone()
    {
        Volatile.Write(ref _sendingDone, 1);
        if (Volatile.Read(ref _pending) == 0)
        {
            _acknowledged.TrySetResult();
        }
    }

    /// <summary>RFC 4975 §7.1.2: Status 000 200 confirms delivery; any other code is a failure REPORT.</summary>
    public void OnReport(int status, MsrpByteRange? range)
    {
        _ = range;
        if (status == MsrpStatus.Ok)
        {
            _report.TrySetResult(status);
        }
        else
        {
            Fail(status, "failure REPORT " + status.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void Fail(int status, string? reason)
    {
        if (Interlocked.CompareExchange(ref _status, status, 0) == 0)
        {
            Reason = reason;
        }
        _acknowledged.TrySetResult();
        _report.TrySetResult(status);
    }
}

/// <summary>An MSRP request failed with a status (RFC 4975 §10).</summary>
public sealed class MsrpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MsrpException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>Creates the exception.</summary>
    public MsrpException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public MsrpException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MsrpException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>The status code (408 for a local timeout, 0 when the connection closed).</summary>
    public int StatusCode { get; }
}
