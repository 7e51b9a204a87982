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
    public ValueTask<MsrpSendResult> SendAsync(ReadOnlyMemory<byte> content, string contentType, MsrpSendOptions options, CancellationToken ct = default) =>
        SendAsync(new ReadOnlySequence<byte>(content), contentType, options, ct);

    /// <summary>
    /// Sends a message held in memory as a sequence of buffers (pooled pipe buffers, a file mapped in pieces). Large
    /// pieces go to the socket by reference, without a copy; the buffers must stay unchanged until this completes.
    /// </summary>
    public ValueTask<MsrpSendResult> SendAsync(ReadOnlySequence<byte> content, string contentType, MsrpSendOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        long total = options.TotalSize ?? options.StartOffset + content.Length;
        return SendCoreAsync(new MemorySource(content), contentType, options, total, ct);
    }

    /// <summary>
    /// Sends the rest of a stream. The total size is the remaining length of a seekable stream; otherwise it is
    /// unknown and written as <c>*</c> (RFC 4975 §7.1.1). Memory use is bounded by the connection's output pipe (plus one
    /// chunk read ahead for a non-seekable stream), whatever the size.
    /// </summary>
    public ValueTask<MsrpSendResult> SendAsync(Stream content, string contentType, MsrpReportPolicy reports = default, IProgress<long>? progress = null, CancellationToken ct = default) =>
        SendAsync(content, contentType, new MsrpSendOptions { Reports = reports, Progress = progress }, ct);

    /// <summary>Sends the rest of a stream with full options.</summary>
    public ValueTask<MsrpSendResult> SendAsync(Stream content, string contentType, MsrpSendOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        long total = options.TotalSize ?? (content.CanSeek ? options.StartOffset + content.Length - content.Position : -1);
        // A seekable stream is read straight into the output pipe (its length fixes each chunk's Byte-Range before
        // the read); any other stream through a pipe of pooled 64 KiB blocks, copied from there into the output.
        ChunkSource source = content.CanSeek ? new StreamSource(content, content.Length - content.Position) : new ReaderSource(StreamReader(content), owned: true);
        return SendCoreAsync(source, contentType, options, total, ct);
    }

    /// <summary>Sends what a pipe yields until it completes; the total size is unknown unless given in <paramref name="options"/>.</summary>
    public ValueTask<MsrpSendResult> SendAsync(PipeReader content, string contentType, MsrpSendOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        return SendCoreAsync(new ReaderSource(content, owned: false), contentType, options, options.TotalSize ?? -1, ct);
    }

    /// <summary>Test seam: the transaction ids of SEND chunks (to force an end-line collision); null for random ids.</summary>
    internal Func<string>? TransactionIds { get; set; }

    private string NewTransactionId() => TransactionIds?.Invoke() ?? MsrpWire.NewId();

    private static PipeReader StreamReader(Stream content) =>
        PipeReader.Create(content, new StreamPipeReaderOptions(MsrpMemoryPool.Instance, MsrpMemoryPool.BlockSize, MsrpMemoryPool.BlockSize / 4, leaveOpen: true));

    /// <summary>
    /// The chunk size of a send and how far a chunk may grow while nothing else waits for the connection: a size
    /// given for the send is fixed; otherwise chunks of a session without a relay grow up to
    /// <see cref="MsrpEndpointOptions.MaxChunkSize"/> (relays may cap frame sizes: Kamailio 5.6 relays about 10 KB).
    /// </summary>
    private (int Size, int Max) ChunkSizeOf(MsrpSendOptions options)
    {
        if (options.ChunkSize is int fixedSize and > 0)
        {
            return (fixedSize, fixedSize);
        }
        int size = _options.ChunkSize;
        return (size, Relay is null ? Math.Max(size, _options.MaxChunkSize) : size);
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
        var (chunkSize, maxChunkSize) = ChunkSizeOf(options);
        bool started = false;
        try
        {
            try
            {
                while (true)
                {
                    // Wait for the chunk's data before taking the output, so a slow source never holds up other writers.
                    // With nobody else waiting the chunk may be long: it is interrupted once someone does.
                    int prepare = connection.HasWaitingFrames ? chunkSize : maxChunkSize;
                    var (length, last) = await source.PrepareAsync(prepare, ct).ConfigureAwait(false);
                    if (message.IsFailed)
                    {
                        break;
                    }
                    // RFC 4975 §7.1: the end-line must not occur in the body; pick another transaction id if it does.
                    string tid = NewTransactionId();
                    var endLinePrefix = MsrpWire.EndLinePrefix(tid);
                    while (source.Contains(endLinePrefix, length))
                    {
                        tid = NewTransactionId();
                        endLinePrefix = MsrpWire.EndLinePrefix(tid);
                    }
                    var transaction = Track(connection, tid, message, reports.FailureReport, armed: false);
                    var output = await connection.BeginWriteAsync(ct).ConfigureAwait(false);
                    int written;
                    ChunkEnd end;
                    try
                    {
                        // Head, body and end-line go straight into the output pipe's memory: one copy of the body.
                        WriteSendHead(output, tid, messageId, MsrpByteRange.ForChunk(offset, length, total), contentType, reports, body: true);
                        (written, end) = await source.CopyToAsync(new ChunkOutput(output, connection, chunkSize, ct), length, endLinePrefix).ConfigureAwait(false);
                        // RFC 4975 §7.1: an interrupted chunk ends with '+' (the receiver counts the bytes it got, not
                        // the Byte-Range end); a source that ended before its announced length aborts the message ('#').
                        var flag = end switch
                        {
                            ChunkEnd.Truncated => MsrpContinuation.Aborted,
                            ChunkEnd.Interrupted => MsrpContinuation.More,
                            _ => last ? MsrpContinuation.Complete : MsrpContinuation.More,
                        };
                        MsrpWire.EndLine(output, tid, flag, afterBody: true);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or IOException or NotSupportedException)
                    {
                        connection.AbandonWrite(ex);
                        throw new IOException("The MSRP connection failed while writing a chunk: " + ex.Message, ex);
                    }
                    started = true;
                    await connection.EndWriteAsync(ct).ConfigureAwait(false);
                    if (transaction is not null)
                    {
                        connection.Arm(transaction);
                    }
                    offset += written;
                    options.Progress?.Report(offset);
                    if (end == ChunkEnd.Truncated)
                    {
                        message.Fail(MsrpStatus.BadRequest, "the content stream ended before its length");
                        break;
                    }
                    if (last && end == ChunkEnd.Full)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                if (started && !connection.IsClosed)
                {
                    // RFC 4975 §7.1: '#' tells the receiver the message is aborted; it needs no body.
                    string tid = MsrpWire.NewId();
                    var head = BuildSendHead(tid, messageId, MsrpByteRange.ForChunk(offset, 0, total), null, reports, body: false);
                    var tail = MsrpWire.EndLineBytes(tid, MsrpContinuation.Aborted, afterBody: false);
                    Track(connection, tid, message, MsrpReportMode.Partial);
                    await connection.WriteFrameAsync(head, tail, CancellationToken.None).ConfigureAwait(false);
                }
                throw;
            }
            catch (IOException ex) when (ct.IsCancellationRequested)
            {
                // Cancelled while the peer was not reading: the connection was closed to end the write.
                message.Fail(MsrpStatus.RequestTimeout, ex.Message);
                throw new OperationCanceledException("The send was cancelled; the connection was closed because the peer was not reading.", ex, ct);
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
            _outgoing.TryRemove(messageId, out _);
        }
    }

    /// <summary>RFC 4975 §7.1.2: with Failure-Report no nothing is answered (null); with partial only failures are.</summary>
    private static MsrpTransaction? Track(MsrpConnection connection, string tid, OutgoingMessage message, MsrpReportMode failureReport, bool armed = true)
    {
        if (failureReport == MsrpReportMode.No)
        {
            return null;
        }
        bool partial = failureReport == MsrpReportMode.Partial;
        if (!partial)
        {
            message.Expect();
        }
        var transaction = new MsrpTransaction(tid, (status, _, reason) => message.OnResponse(status, reason, counted: !partial), timeoutIsSuccess: partial);
        connection.AddTransaction(transaction, armed);
        return transaction;
    }

    private byte[] BuildSendHead(string tid, string messageId, MsrpByteRange range, string? contentType, MsrpReportPolicy reports, bool body)
    {
        var w = new ArrayBufferWriter<byte>(256 + _toPath!.Length + FromPath.Length);
        WriteSendHead(w, tid, messageId, range, contentType, reports, body);
        return w.WrittenSpan.ToArray();
    }

    private void WriteSendHead(IBufferWriter<byte> w, string tid, string messageId, MsrpByteRange range, string? contentType, MsrpReportPolicy reports, bool body)
    {
        MsrpWire.RequestLine(w, tid, "SEND");
        MsrpWire.Header(w, "To-Path"u8, _toPath!);
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

    /// <summary>How a chunk's body ended.</summary>
    private enum ChunkEnd : byte
    {
        /// <summary>All the announced bytes were written.</summary>
        Full,
        /// <summary>
        /// Stopped early (the end-line was about to occur in the body, or another frame waits for the connection);
        /// the rest follows in the next chunk.
        /// </summary>
        Interrupted,
        /// <summary>The source ended before its announced length.</summary>
        Truncated,
    }

    /// <summary>Where a message's body comes from, one chunk at a time.</summary>
    private abstract class ChunkSource : IDisposable
    {
        /// <summary>Waits until the next chunk (at most <paramref name="chunkSize"/> bytes) is available; says whether it is the last.</summary>
        public abstract ValueTask<(int Length, bool Last)> PrepareAsync(int chunkSize, CancellationToken ct);

        /// <summary>True when the first <paramref name="length"/> bytes of the prepared chunk are known to contain <paramref name="pattern"/>.</summary>
        public abstract bool Contains(ReadOnlySpan<byte> pattern, int length);

        /// <summary>
        /// Writes the prepared chunk into <paramref name="output"/> (the caller holds the output) and consumes what it
        /// wrote. A source that cannot check the body in advance stops before bytes that contain
        /// <paramref name="endLinePrefix"/>; a long chunk stops early when another frame waits (<see cref="ChunkOutput.ShouldYieldAsync"/>).
        /// </summary>
        public abstract ValueTask<(int Written, ChunkEnd End)> CopyToAsync(ChunkOutput output, int length, byte[] endLinePrefix);

        public virtual void Dispose()
        {
        }
    }

    /// <summary>
    /// Content in memory. Pieces of at least <see cref="ByReferenceMinimum"/> bytes go to the transport by reference
    /// (no copy into the output pipe); smaller ones, such as chat messages, are copied. A piece by reference is one
    /// hand-over to the send loop, which costs about as much as 250 KB of copying on a busy 2-core machine, so pieces
    /// are up to 1 MiB (256 KiB pieces measured 31.6 against 22 ms per 100 MB). The price is interruption latency: a
    /// waiting message gets in after the current piece, which the socket takes as fast as the peer drains it.
    /// </summary>
    private sealed class MemorySource(ReadOnlySequence<byte> content) : ChunkSource
    {
        private const int ByReferenceMinimum = 32 * 1024;
        private const int ByReferencePiece = 1024 * 1024;
        private ReadOnlySequence<byte> _rest = content;

        public override ValueTask<(int Length, bool Last)> PrepareAsync(int chunkSize, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            int n = (int)Math.Min(chunkSize, _rest.Length);
            return ValueTask.FromResult((n, n == _rest.Length));
        }

        public override bool Contains(ReadOnlySpan<byte> pattern, int length) => SequenceContains(_rest.Slice(0, length), pattern);

        public override async ValueTask<(int Written, ChunkEnd End)> CopyToAsync(ChunkOutput output, int length, byte[] endLinePrefix)
        {
            int written = 0;
            while (written < length)
            {
                var first = FirstNonEmpty(_rest);
                if (first.IsEmpty)
                {
                    return (written, ChunkEnd.Truncated);
                }
                int n = Math.Min(length - written, first.Length);
                if (n >= ByReferenceMinimum)
                {
                    n = Math.Min(n, ByReferencePiece);
                    await output.WriteByReferenceAsync(first[..n]).ConfigureAwait(false);
                }
                else
                {
                    n = Math.Min(n, ChunkOutput.Piece);
                    output.Writer.Write(first.Span[..n]);
                }
                _rest = _rest.Slice(n);
                written += n;
                if (written < length && await output.ShouldYieldAsync(written).ConfigureAwait(false))
                {
                    return (written, ChunkEnd.Interrupted);
                }
            }
            return (written, ChunkEnd.Full);
        }

        private static ReadOnlyMemory<byte> FirstNonEmpty(ReadOnlySequence<byte> sequence)
        {
            foreach (var memory in sequence)
            {
                if (!memory.IsEmpty)
                {
                    return memory;
                }
            }
            return ReadOnlyMemory<byte>.Empty;
        }
    }

    /// <summary>
    /// A pipe source (non-seekable streams are read through one): a chunk is taken from the reader's buffer once it
    /// holds more than a chunk (so it is not the last) or the pipe completed, and copied straight into the output.
    /// </summary>
    private sealed class ReaderSource(PipeReader reader, bool owned) : ChunkSource
    {
        private ReadOnlySequence<byte> _buffer;
        private bool _holding;

        public override async ValueTask<(int Length, bool Last)> PrepareAsync(int chunkSize, CancellationToken ct)
        {
            while (true)
            {
                // One byte more than a chunk tells whether this chunk is the last (RFC 4975 §7.1 '$' vs '+').
                var result = await reader.ReadAtLeastAsync(chunkSize + 1, ct).ConfigureAwait(false);
                _buffer = result.Buffer;
                _holding = true;
                if (_buffer.Length > chunkSize)
                {
                    return (chunkSize, false);
                }
                if (result.IsCompleted)
                {
                    return ((int)_buffer.Length, true);
                }
                // Cancelled read without enough data: look again.
                reader.AdvanceTo(_buffer.Start, _buffer.End);
                _holding = false;
            }
        }

        public override bool Contains(ReadOnlySpan<byte> pattern, int length) => SequenceContains(_buffer.Slice(0, length), pattern);

        public override ValueTask<(int Written, ChunkEnd End)> CopyToAsync(ChunkOutput output, int length, byte[] endLinePrefix)
        {
            var data = _buffer.Slice(0, length);
            foreach (var segment in data)
            {
                output.Writer.Write(segment.Span);
            }
            reader.AdvanceTo(data.End);
            _holding = false;
            return ValueTask.FromResult((length, ChunkEnd.Full));
        }

        public override void Dispose()
        {
            if (_holding)
            {
                reader.AdvanceTo(_buffer.Start);
                _holding = false;
            }
            if (owned)
            {
                reader.Complete();
            }
            base.Dispose();
        }
    }

    /// <summary>
    /// The output a chunk is written into, held by the writer: between pieces it flushes what is pending (so a long
    /// chunk streams under the pipe's backpressure) and tells the source to interrupt the chunk when another frame
    /// waits for the connection and the chunk already holds its normal size (RFC 4975 §7.1: a chunk may end early
    /// with <c>+</c>; the receiver counts the bytes it got).
    /// </summary>
    private readonly struct ChunkOutput(PipeWriter writer, MsrpConnection connection, int normalSize, CancellationToken ct)
    {
        /// <summary>Largest piece a memory source writes between two checks.</summary>
        public const int Piece = 64 * 1024;

        /// <summary>Pending bytes that make a long chunk flush before its next piece.</summary>
        private const int FlushThreshold = 256 * 1024;

        public PipeWriter Writer => writer;

        /// <summary>Sends caller memory right after what the writer holds, without copying it (the output stays held).</summary>
        public ValueTask WriteByReferenceAsync(ReadOnlyMemory<byte> data) => connection.WriteByReferenceAsync(data, ct);

        /// <summary>After <paramref name="written"/> body bytes: true to end the chunk here.</summary>
        public async ValueTask<bool> ShouldYieldAsync(int written)
        {
            if (written >= normalSize && connection.HasWaitingFrames)
            {
                return true;
            }
            if (writer.UnflushedBytes >= FlushThreshold && !await connection.FlushHeldAsync(ct).ConfigureAwait(false))
            {
                throw new IOException("the MSRP connection stopped sending");
            }
            return false;
        }
    }

    /// <summary>True when <paramref name="data"/> contains <paramref name="pattern"/>, also across segment boundaries.</summary>
    private static bool SequenceContains(ReadOnlySequence<byte> data, ReadOnlySpan<byte> pattern)
    {
        if (data.IsSingleSegment)
        {
            return data.FirstSpan.IndexOf(pattern) >= 0;
        }
        // Per segment, then across each boundary (the last pattern-1 bytes of one and the first of the next).
        Span<byte> window = stackalloc byte[2 * BoundaryWindow];
        int keep = pattern.Length - 1;
        int tail = 0;
        foreach (var memory in data)
        {
            var span = memory.Span;
            if (span.IndexOf(pattern) >= 0)
            {
                return true;
            }
            if (tail > 0)
            {
                int m = Math.Min(keep, span.Length);
                span[..m].CopyTo(window[tail..]);
                if (window[..(tail + m)].IndexOf(pattern) >= 0)
                {
                    return true;
                }
            }
            if (span.Length >= keep)
            {
                span[^keep..].CopyTo(window);
                tail = keep;
            }
            else
            {
                // A segment shorter than the pattern: keep the last bytes of the previous window and this one.
                int fromOld = Math.Min(tail, keep - span.Length);
                window.Slice(tail - fromOld, fromOld).CopyTo(window);
                span.CopyTo(window[fromOld..]);
                tail = fromOld + span.Length;
            }
        }
        return false;
    }

    /// <summary>Room for the end-line prefix (<c>-------</c> and a transaction id) when a scan spans two pieces.</summary>
    private const int BoundaryWindow = 7 + MsrpLimits.TransactionIdCapacity;

    /// <summary>
    /// A seekable stream read straight into the output pipe's memory (one copy of the body): its remaining length
    /// fixes each chunk's length, so the head goes first and the body is read behind it. The end-line check runs on
    /// each piece as it lands (RFC 4975 §7.1); a piece that would contain it is held back and the chunk is
    /// interrupted before it. A read that does not complete at once is finished, and the rest of the message then
    /// goes through a <see cref="ReaderSource"/>, so a slow stream does not hold the output while others wait.
    /// </summary>
    private sealed class StreamSource(Stream stream, long length) : ChunkSource
    {
        /// <summary>Smallest piece of pipe memory to read into (a smaller rest of a block is left unused).</summary>
        private const int MinPiece = 4096;
        private readonly byte[] _tail = new byte[BoundaryWindow];
        private long _remaining = length;
        private int _tailLength;
        private byte[]? _carry;
        private int _carryStart;
        private int _carryLength;
        private bool _readsAsync;
        private ReaderSource? _reader;

        public override ValueTask<(int Length, bool Last)> PrepareAsync(int chunkSize, CancellationToken ct)
        {
            if (_readsAsync && _carryLength == 0)
            {
                _reader ??= new ReaderSource(StreamReader(stream), owned: true);
            }
            if (_reader is not null)
            {
                return _reader.PrepareAsync(chunkSize, ct);
            }
            ct.ThrowIfCancellationRequested();
            long left = _carryLength + _remaining;
            int n = (int)Math.Min(chunkSize, left);
            return ValueTask.FromResult((n, n == left));
        }

        public override bool Contains(ReadOnlySpan<byte> pattern, int length) => _reader is not null
            ? _reader.Contains(pattern, length)
            : _carry is not null && _carry.AsSpan(_carryStart, Math.Min(_carryLength, length)).IndexOf(pattern) >= 0;

        public override async ValueTask<(int Written, ChunkEnd End)> CopyToAsync(ChunkOutput chunk, int length, byte[] endLinePrefix)
        {
            var output = chunk.Writer;
            if (_reader is not null)
            {
                return await _reader.CopyToAsync(chunk, length, endLinePrefix).ConfigureAwait(false);
            }
            _tailLength = 0;
            int written = 0;
            if (_carry is not null)
            {
                int c = Math.Min(_carryLength, length);
                var carried = _carry.AsSpan(_carryStart, c);
                output.Write(carried);
                Remember(carried, endLinePrefix.Length - 1);
                written = c;
                _carryStart += c;
                _carryLength -= c;
                if (_carryLength == 0)
                {
                    ArrayPool<byte>.Shared.Return(_carry);
                    _carry = null;
                }
            }
            while (written < length)
            {
                var memory = output.GetMemory(MinPiece);
                memory = memory[..Math.Min(memory.Length, length - written)];
                var read = stream.ReadAsync(memory);
                int n;
                if (read.IsCompletedSuccessfully)
                {
                    n = read.Result;
                }
                else
                {
                    // Finish this chunk; the next ones are read outside the output (see the type's remarks).
                    _readsAsync = true;
                    n = await read.ConfigureAwait(false);
                }
                if (n == 0)
                {
                    return (written, ChunkEnd.Truncated);
                }
                var piece = memory.Span[..n];
                _remaining -= n;
                if (Collides(piece, endLinePrefix))
                {
                    // RFC 4975 §7.1: the end-line must not occur in the body. Interrupt the chunk before this piece;
                    // it starts the next chunk, which gets a new transaction id.
                    _carry = ArrayPool<byte>.Shared.Rent(n);
                    piece.CopyTo(_carry);
                    _carryStart = 0;
                    _carryLength = n;
                    return (written, ChunkEnd.Interrupted);
                }
                Remember(piece, endLinePrefix.Length - 1);
                output.Advance(n);
                written += n;
                if (written < length && await chunk.ShouldYieldAsync(written).ConfigureAwait(false))
                {
                    return (written, ChunkEnd.Interrupted);
                }
            }
            return (written, ChunkEnd.Full);
        }

        /// <summary>The prefix in this piece, or across the boundary with the bytes before it in the chunk.</summary>
        private bool Collides(ReadOnlySpan<byte> piece, ReadOnlySpan<byte> prefix)
        {
            if (piece.IndexOf(prefix) >= 0)
            {
                return true;
            }
            if (_tailLength == 0)
            {
                return false;
            }
            Span<byte> window = stackalloc byte[2 * BoundaryWindow];
            _tail.AsSpan(0, _tailLength).CopyTo(window);
            int m = Math.Min(prefix.Length - 1, piece.Length);
            piece[..m].CopyTo(window[_tailLength..]);
            return window[..(_tailLength + m)].IndexOf(prefix) >= 0;
        }

        /// <summary>Keeps the last <paramref name="keep"/> body bytes of the chunk for the boundary check.</summary>
        private void Remember(ReadOnlySpan<byte> piece, int keep)
        {
            if (piece.Length >= keep)
            {
                piece[^keep..].CopyTo(_tail);
                _tailLength = keep;
                return;
            }
            int fromOld = Math.Min(_tailLength, keep - piece.Length);
            _tail.AsSpan(_tailLength - fromOld, fromOld).CopyTo(_tail);
            piece.CopyTo(_tail.AsSpan(fromOld));
            _tailLength = fromOld + piece.Length;
        }

        public override void Dispose()
        {
            _reader?.Dispose();
            if (_carry is not null)
            {
                ArrayPool<byte>.Shared.Return(_carry);
                _carry = null;
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
