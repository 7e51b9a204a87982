using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp;

/// <summary>
/// One transport connection shared by any number of sessions (RFC 4975 §8.1). A receive loop streams frames out
/// of the input pipe with <see cref="MsrpFrameReader"/> and demultiplexes requests by the session-id of the first
/// To-Path URI. Writers take the output pipe one whole frame at a time (no send loop: the sender's task writes its
/// chunk straight into pipe memory); queued control frames (responses, REPORTs) go first, and waiting writers are
/// served in order, so a short message interrupts a long one between chunks (RFC 4975 §7.1.1).
/// </summary>
internal sealed partial class MsrpConnection : IAsyncDisposable
{
    private readonly MsrpEndpoint _endpoint;
    private readonly TransportConnection _transport;
    private readonly ILogger _logger;
    private readonly MsrpEndpointOptions _options;
    private readonly ConcurrentDictionary<string, MsrpTransaction> _transactions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<byte[]> _control = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MsrpHeadInfo _head = new();
    private readonly ITimer _sweep;
    private MsrpFrameReader _frames;
    private IncomingChunk? _chunk;
    private Task? _receiveLoop;
    private int _disposed;
    private int _waitingWriters;
    private string? _closeReason;

    public MsrpConnection(MsrpEndpoint endpoint, TransportConnection transport, ILogger logger)
    {
        _endpoint = endpoint;
        _transport = transport;
        _logger = logger;
        _options = endpoint.Options;
        _frames = new MsrpFrameReader(_options.Limits);
        Name = transport.ToString();
        var period = TimeSpan.FromTicks(Math.Clamp(_options.TransactionTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _sweep = _options.TimeProvider.CreateTimer(static s => ((MsrpConnection)s!).Sweep(), this, period, period);
    }

    public string Name { get; }

    public TransportConnection Transport => _transport;

    public bool IsSecure => _transport.IsSecure;

    /// <summary>The certificate the peer presented in the TLS handshake, or null.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate? RemoteCertificate => (_transport as SocketConnection)?.RemoteCertificate;

    /// <summary>Completes when both loops have stopped.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => _closing.IsCancellationRequested;

    /// <summary>Connection-reuse key of an outbound connection (RFC 4975 §8.1), or null.</summary>
    public string? OutboundKey { get; init; }

    public void Start()
    {
        MsrpLog.ConnectionOpened(_logger, Name);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _ = WhenStoppedAsync();
    }

    private async Task WhenStoppedAsync()
    {
        try
        {
            await _receiveLoop!.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Logged by the loops.
        }
        Shutdown(_closeReason ?? "closed");
        _closed.TrySetResult();
    }

    // ---- transactions (RFC 4975 §7.1.1, §7.3) ----

    /// <summary>
    /// Registers a request awaiting its response. <paramref name="armed"/> false leaves the timer stopped until
    /// <see cref="Arm"/>: a chunk's timeout counts from when the whole chunk was handed to the transport, not from
    /// when it started (a large chunk behind a slow receiver must not time out while it is still being written).
    /// </summary>
    public void AddTransaction(MsrpTransaction transaction, bool armed = true)
    {
        transaction.Deadline = armed ? DeadlineFromNow() : long.MaxValue;
        _transactions[transaction.Id] = transaction;
        if (IsClosed && _transactions.TryRemove(transaction.Id, out _))
        {
            transaction.Complete(0, null, "connection closed");
        }
    }

    /// <summary>Starts the timeout of a transaction registered unarmed (RFC 4975 §7.1.1).</summary>
    public void Arm(MsrpTransaction transaction) => transaction.Deadline = DeadlineFromNow();

    private long DeadlineFromNow() => _options.TimeProvider.GetTimestamp() + (long)(_options.TransactionTimeout.TotalSeconds * _options.TimeProvider.TimestampFrequency);

    private void Sweep()
    {
        if (_transactions.IsEmpty)
        {
            return;
        }
        long now = _options.TimeProvider.GetTimestamp();
        foreach (var pair in _transactions)
        {
            if (pair.Value.Deadline <= now && _transactions.TryRemove(pair.Key, out var t))
            {
                if (!t.TimeoutIsSuccess)
                {
                    MsrpLog.TransactionTimedOut(_logger, t.Id);
                }
                // RFC 4975 §7.1.1: no response within the timeout is a 408 generated locally.
                t.Complete(t.TimeoutIsSuccess ? MsrpStatus.Ok : MsrpStatus.RequestTimeout, null, t.TimeoutIsSuccess ? null : "transaction timed out");
            }
        }
    }

    // ---- writing ----

    /// <summary>
    /// Queues a small control frame (response, REPORT, AUTH, short SEND) and writes it at once when the output is
    /// free; otherwise the writer holding the output writes it before its next chunk (RFC 4975 §7.1.1: control
    /// frames go between chunks, never inside one).
    /// </summary>
    public void EnqueueControl(byte[] frame)
    {
        if (IsClosed)
        {
            return;
        }
        _control.Enqueue(frame);
        WriteControlIfFree();
    }

    /// <summary>
    /// Takes the output for one frame (data chunk or request): waits for the writer holding it (FIFO, so a short
    /// message waits for one chunk at most, RFC 4975 §7.1.1), then writes queued control frames first. The caller
    /// writes one whole frame into the returned writer and calls <see cref="EndWriteAsync"/>.
    /// </summary>
    public async ValueTask<PipeWriter> BeginWriteAsync(CancellationToken ct)
    {
        ThrowIfClosed();
        Interlocked.Increment(ref _waitingWriters);
        try
        {
            await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waitingWriters);
        }
        if (IsClosed)
        {
            _writeLock.Release();
            ThrowIfClosed();
        }
        try
        {
            WriteQueuedControl(Output);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            _writeLock.Release();
            OnWriteFailed(ex);
            ThrowIfClosed();
        }
        return Output;
    }

    /// <summary>
    /// Flushes what the holder wrote and releases the output. The flush applies the output pipe's backpressure
    /// (it waits while the socket is behind by more than the pipe's pause threshold).
    /// </summary>
    public async ValueTask EndWriteAsync(CancellationToken ct = default)
    {
        await ReleaseAfterFlushAsync(FlushUnlessCancelledAsync(ct)).ConfigureAwait(false);
        ThrowIfClosed();
    }

    /// <summary>
    /// Waits for a holder's flush, closes the connection if the transport stopped sending or the write failed, and
    /// releases the output; a control frame queued meanwhile is then written (or by the next holder).
    /// </summary>
    private async ValueTask ReleaseAfterFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            if ((await flush.ConfigureAwait(false)).IsCompleted)
            {
                Shutdown("the transport stopped sending");
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            OnWriteFailed(ex);
        }
        finally
        {
            _writeLock.Release();
        }
        WriteControlIfFree();
    }

    /// <summary>
    /// True when another frame waits for the output: a writer in <see cref="BeginWriteAsync"/> or a queued control
    /// frame. The holder of a long chunk then interrupts it (RFC 4975 §7.1: it ends with <c>+</c>, the rest follows).
    /// </summary>
    public bool HasWaitingFrames => Volatile.Read(ref _waitingWriters) > 0 || !_control.IsEmpty;

    /// <summary>
    /// Flushes part of a frame the caller is still writing, keeping the output: applies backpressure inside a long
    /// chunk. False when the transport stopped sending or the connection is closing.
    /// </summary>
    public async ValueTask<bool> FlushHeldAsync(CancellationToken ct = default)
    {
        try
        {
            var flush = await FlushUnlessCancelledAsync(ct).ConfigureAwait(false);
            return !flush.IsCompleted && !flush.IsCanceled;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Flushes the output. A flush that waits for the transport (the peer is not reading) and is then cancelled
    /// closes the connection: the frame being written cannot be finished without the peer, and its writer must not
    /// wait for it forever.
    /// </summary>
    private async ValueTask<FlushResult> FlushUnlessCancelledAsync(CancellationToken ct)
    {
        var flush = Output.FlushAsync(_closing.Token);
        if (flush.IsCompleted || !ct.CanBeCanceled)
        {
            return await flush.ConfigureAwait(false);
        }
        using var cancel = CloseWhenCancelled(ct);
        return await flush.ConfigureAwait(false);
    }

    /// <summary>Closes the connection when <paramref name="ct"/> fires (a write waiting for the transport cannot be withdrawn).</summary>
    private CancellationTokenRegistration CloseWhenCancelled(CancellationToken ct) =>
        ct.UnsafeRegister(static state => ((MsrpConnection)state!).Shutdown("a send was cancelled while the peer was not reading"), this);

    /// <summary>
    /// Sends caller memory after what the holder of the output wrote, by reference where the transport can (no copy
    /// into the output pipe). Only the holder calls it.
    /// </summary>
    public async ValueTask WriteByReferenceAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        // Cancelling closes the connection: the socket may be reading the caller's memory, so only closing it ends
        // the write (see FlushUnlessCancelledAsync).
        using var cancel = CloseWhenCancelled(ct);
        try
        {
            await _transport.WriteByReferenceAsync(data, _closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw new IOException("the MSRP connection is closing", ex);
        }
    }

    /// <summary>Releases the output after a failed write without flushing (the connection is shutting down).</summary>
    public void AbandonWrite(Exception ex)
    {
        _writeLock.Release();
        OnWriteFailed(ex);
    }

    /// <summary>Writes a complete frame (small requests such as the binding SEND or an abort) through the output.</summary>
    public async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> tail, CancellationToken ct = default)
    {
        var output = await BeginWriteAsync(ct).ConfigureAwait(false);
        output.Write(head.Span);
        output.Write(tail.Span);
        await EndWriteAsync(ct).ConfigureAwait(false);
    }

    private PipeWriter Output => _transport.Transport.Output;

    private void WriteControlIfFree()
    {
        // Whoever holds the lock writes the queue before releasing; this loop catches a frame queued just after
        // the holder's last look, so no frame is left behind.
        while (!_control.IsEmpty && !IsClosed && _writeLock.Wait(0))
        {
            ValueTask<FlushResult> flush;
            try
            {
                WriteQueuedControl(Output);
                flush = Output.FlushAsync(_closing.Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
            {
                _writeLock.Release();
                OnWriteFailed(ex);
                return;
            }
            if (!flush.IsCompleted)
            {
                // Backpressure: finish the flush off this thread (the receive loop must not wait for the socket).
                _ = ReleaseAfterFlushAsync(flush).AsTask();
                return;
            }
            bool completed = flush.IsCompletedSuccessfully && flush.Result.IsCompleted;
            _writeLock.Release();
            if (completed)
            {
                Shutdown("the transport stopped sending");
                return;
            }
        }
    }

    private void WriteQueuedControl(PipeWriter output)
    {
        while (_control.TryDequeue(out var frame))
        {
            output.Write(frame);
        }
    }

    private void OnWriteFailed(Exception ex)
    {
        MsrpLog.SendFailed(_logger, Name, ex);
        Shutdown(ex.Message);
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new IOException("The MSRP connection is closed: " + (_closeReason ?? "closed"));
        }
    }

    private void FailQueued()
    {
        _control.Clear();
    }

    /// <summary>Stops both loops, fails queued writes and pending transactions. Idempotent.</summary>
    public void Shutdown(string reason)
    {
        _closeReason ??= reason;
        if (!_closing.IsCancellationRequested)
        {
            try
            {
                _closing.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            MsrpLog.ConnectionClosed(_logger, Name, _closeReason);
            _transport.Abort(_closeReason);
            _sweep.Dispose();
            _endpoint.OnConnectionClosed(this);
        }
        FailQueued();
        foreach (var pair in _transactions)
        {
            if (_transactions.TryRemove(pair.Key, out var t))
            {
                t.Complete(0, null, "connection closed: " + _closeReason);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Let queued control frames and a frame being written reach the pipe before closing.
        if (!IsClosed && await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
        {
            try
            {
                WriteQueuedControl(Output);
                await ((Task)Output.FlushAsync().AsTask()).WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
            }
            finally
            {
                _writeLock.Release();
            }
        }
        _closeReason ??= "disposed";
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        await _transport.DisposeAsync().ConfigureAwait(false);
        Shutdown("disposed");
        await _closed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

}

/// <summary>An outstanding request awaiting its response (RFC 4975 §7.3: transactions are hop-by-hop).</summary>
internal sealed class MsrpTransaction
{
    private readonly Action<int, MsrpHeadInfo?, string?> _onResult;
    private int _done;

    public MsrpTransaction(string id, Action<int, MsrpHeadInfo?, string?> onResult, bool timeoutIsSuccess = false)
    {
        Id = id;
        _onResult = onResult;
        TimeoutIsSuccess = timeoutIsSuccess;
    }

    public string Id { get; }

    /// <summary>Failure-Report partial: only failures are answered, so silence means success.</summary>
    public bool TimeoutIsSuccess { get; }

    public long Deadline { get; set; }

    public void Complete(int status, MsrpHeadInfo? response, string? reason)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _onResult(status, response, reason);
        }
    }
}
