using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp.Relay;

/// <summary>
/// One connection of an <see cref="MsrpRelay"/> (accepted from a client or a peer, or opened to a next hop). Its
/// receive loop streams frames and forwards them chunk by chunk into another connection's output pipe; writes
/// into the output are serialised by a lock held for one whole frame (RFC 4975 §7.1: frames never interleave),
/// and small frames the relay generates (responses, REPORTs) queue until the lock is free.
/// </summary>
internal sealed partial class MsrpRelayConnection : IAsyncDisposable
{
    private readonly MsrpRelay _relay;
    private readonly TransportConnection _transport;
    private readonly ILogger _logger;
    private readonly MsrpRelayOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentQueue<byte[]> _control = new();
    private readonly ConcurrentDictionary<string, MsrpRelayTransaction> _transactions = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _controlCount;
    private int _waiters;
    private MsrpRelayConnection? _holder;
    private int _shutdown;
    private string? _closeReason;

    public MsrpRelayConnection(MsrpRelay relay, TransportConnection transport, ILogger logger)
    {
        _relay = relay;
        _transport = transport;
        _logger = logger;
        _options = relay.Options;
        _frames = new MsrpFrameReader(_options.Limits);
        Name = transport.ToString();
    }

    public string Name { get; }

    /// <summary>Connection-reuse key of a connection the relay opened (RFC 4975 §8.1), or null.</summary>
    public string? OutboundKey { get; init; }

    public bool IsClosed => _closing.IsCancellationRequested;

    public CancellationToken Closing => _closing.Token;

    public Task Closed => _closed.Task;

    private PipeWriter Output => _transport.Transport.Output;

    public void Start()
    {
        MsrpRelayLog.ConnectionOpened(_logger, Name);
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            Shutdown(_closeReason ?? "closed");
            _closed.TrySetResult();
        }
    }

    // ---- transactions of requests forwarded on this connection (RFC 4975 §7.3: hop-by-hop) ----

    public void AddTransaction(MsrpRelayTransaction transaction)
    {
        transaction.Deadline = _options.TimeProvider.GetTimestamp() + (long)(_options.TransactionTimeout.TotalSeconds * _options.TimeProvider.TimestampFrequency);
        _transactions[transaction.Id] = transaction;
        if (IsClosed && _transactions.TryRemove(transaction.Id, out _))
        {
            _relay.OnTransactionFailed(transaction, "connection closed");
        }
    }

    public void RemoveTransaction(string id) => _transactions.TryRemove(id, out _);

    public void SweepTransactions(long now)
    {
        foreach (var pair in _transactions)
        {
            if (pair.Value.Deadline <= now && _transactions.TryRemove(pair.Key, out var t))
            {
                // RFC 4975 §7.1.1: no response in time is a timeout (408).
                _relay.OnTransactionFailed(t, "timeout");
            }
        }
    }

    // ---- writing ----

    /// <summary>True when someone waits to write here (a forwarder or queued responses): a long chunk should yield.</summary>
    public bool HasWaiters => Volatile.Read(ref _waiters) > 0 || !_control.IsEmpty;

    /// <summary>Queues a small frame the relay generated (response, REPORT, forwarded response); written between chunks.</summary>
    public void SendControl(byte[] frame)
    {
        if (IsClosed)
        {
            return;
        }
        int count = Interlocked.Increment(ref _controlCount);
        if (count > _options.MaxQueuedControlFrames)
        {
            // Bounded buffering: a peer that sends requests but never reads its responses is dropped.
            MsrpRelayLog.ControlOverflow(_logger, Name, count);
            Shutdown("too many unread responses");
            return;
        }
        _control.Enqueue(frame);
        if (Volatile.Read(ref _holder) is { } holder)
        {
            holder.RequestInterrupt();
        }
        _ = DrainControlAsync();
    }

    private async Task DrainControlAsync()
    {
        while (!_control.IsEmpty && !IsClosed)
        {
            if (!_writeLock.Wait(0))
            {
                // The holder writes queued frames when it releases the lock.
                return;
            }
            try
            {
                WriteQueuedControl();
                var flush = await Output.FlushAsync(_closing.Token).ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    Shutdown("peer stopped reading");
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException or ObjectDisposedException)
            {
                Shutdown(ex.Message);
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    private void WriteQueuedControl()
    {
        var output = Output;
        while (_control.TryDequeue(out var frame))
        {
            Interlocked.Decrement(ref _controlCount);
            output.Write(frame);
        }
    }

    /// <summary>Takes the output for one frame; <paramref name="source"/> is the connection whose data will be written.</summary>
    public async ValueTask AcquireAsync(MsrpRelayConnection source, CancellationToken ct)
    {
        if (!_writeLock.Wait(0, CancellationToken.None))
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                // RFC 4975 §7.1.1: a long chunk may be interrupted so a waiting message can go first; ask the holder.
                Volatile.Read(ref _holder)?.RequestInterrupt();
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _closing.Token);
                await _writeLock.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
        if (IsClosed)
        {
            _writeLock.Release();
            throw new IOException("The next hop connection is closed: " + (_closeReason ?? "closed"));
        }
        Volatile.Write(ref _holder, source);
    }

    /// <summary>The output while the lock is held.</summary>
    public PipeWriter HeldOutput => Output;

    /// <summary>Flushes forwarded bytes (waits while the next hop is behind: backpressure). False when the connection is gone.</summary>
    public async ValueTask<bool> FlushHeldAsync()
    {
        try
        {
            var flush = await Output.FlushAsync(_closing.Token).ConfigureAwait(false);
            return !flush.IsCompleted && !IsClosed;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            Shutdown(ex.Message);
            return false;
        }
    }

    /// <summary>Ends a frame: writes queued responses, flushes and frees the output for the next frame.</summary>
    public async ValueTask ReleaseAsync()
    {
        Volatile.Write(ref _holder, null);
        try
        {
            if (!IsClosed)
            {
                WriteQueuedControl();
                await FlushHeldAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException)
        {
            Shutdown(ex.Message);
        }
        finally
        {
            _writeLock.Release();
        }
        if (!_control.IsEmpty)
        {
            _ = DrainControlAsync();
        }
    }

    /// <summary>Stops the loop, fails the transactions forwarded here and removes the bindings owned here. Idempotent.</summary>
    public void Shutdown(string reason)
    {
        _closeReason ??= reason;
        if (Interlocked.Exchange(ref _shutdown, 1) != 0)
        {
            return;
        }
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        MsrpRelayLog.ConnectionClosed(_logger, Name, _closeReason);
        _transport.Abort(_closeReason);
        while (_control.TryDequeue(out _))
        {
        }
        foreach (var pair in _transactions)
        {
            if (_transactions.TryRemove(pair.Key, out var t))
            {
                _relay.OnTransactionFailed(t, "connection closed: " + _closeReason);
            }
        }
        _relay.OnConnectionClosed(this);
    }

    public async ValueTask DisposeAsync()
    {
        Shutdown("relay stopped");
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _closed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public override string ToString() => Name;
}

/// <summary>A request the relay forwarded and whose response it awaits (RFC 4975 §7.3, RFC 4976 §6.4).</summary>
internal sealed class MsrpRelayTransaction
{
    /// <summary>The transaction id on the downstream connection (new per hop).</summary>
    public required string Id { get; init; }

    /// <summary>Where the request came from.</summary>
    public required MsrpRelayConnection Upstream { get; init; }

    /// <summary>The transaction id the upstream used (restored on a forwarded response).</summary>
    public required string UpstreamTid { get; init; }

    /// <summary>SEND: the relay answered hop by hop; a downstream error becomes a failure REPORT. Otherwise the response is forwarded back.</summary>
    public required bool IsSend { get; init; }

    /// <summary>The From-Path of the request as received: the way back to its sender.</summary>
    public required string UpstreamFromPath { get; init; }

    /// <summary>The relay URI the upstream addressed (first To-Path URI): From-Path of what the relay generates.</summary>
    public required string LocalUri { get; init; }

    public string? MessageId { get; init; }

    public MsrpByteRange? ByteRange { get; init; }

    public MsrpReportMode FailureReport { get; init; }

    /// <summary>Failure-Report partial: the next hop answers only errors, so silence is success.</summary>
    public bool TimeoutIsSuccess { get; init; }

    public long Deadline { get; set; }
}
