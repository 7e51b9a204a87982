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
/// To-Path URI; a send loop writes one whole frame at a time, control frames (responses, REPORTs) before data
/// chunks, so a short message interrupts a long one between chunks (RFC 4975 §7.1.1).
/// </summary>
internal sealed partial class MsrpConnection : IAsyncDisposable
{
    private readonly MsrpEndpoint _endpoint;
    private readonly TransportConnection _transport;
    private readonly ILogger _logger;
    private readonly MsrpEndpointOptions _options;
    private readonly ConcurrentDictionary<string, MsrpTransaction> _transactions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<WriteJob> _control = new();
    private readonly ConcurrentQueue<WriteJob> _data = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MsrpHeadInfo _head = new();
    private readonly ITimer _sweep;
    private MsrpFrameReader _frames;
    private IncomingChunk? _chunk;
    private Task? _receiveLoop;
    private Task? _sendLoop;
    private int _disposed;
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

    /// <summary>Completes when both loops have stopped.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => _closing.IsCancellationRequested;

    /// <summary>Connection-reuse key of an outbound connection (RFC 4975 §8.1), or null.</summary>
    public string? OutboundKey { get; init; }

    public void Start()
    {
        MsrpLog.ConnectionOpened(_logger, Name);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _sendLoop = Task.Run(SendLoopAsync);
        _ = WhenStoppedAsync();
    }

    private async Task WhenStoppedAsync()
    {
        try
        {
            await Task.WhenAll(_receiveLoop!, _sendLoop!).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Logged by the loops.
        }
        Shutdown(_closeReason ?? "closed");
        _closed.TrySetResult();
    }

    // ---- transactions (RFC 4975 §7.1.1, §7.3) ----

    public void AddTransaction(MsrpTransaction transaction)
    {
        transaction.Deadline = _options.TimeProvider.GetTimestamp() + (long)(_options.TransactionTimeout.TotalSeconds * _options.TimeProvider.TimestampFrequency);
        _transactions[transaction.Id] = transaction;
        if (IsClosed && _transactions.TryRemove(transaction.Id, out _))
        {
            transaction.Complete(0, null, "connection closed");
        }
    }

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

    /// <summary>Queues a small control frame (response, REPORT, AUTH, short SEND) ahead of data chunks.</summary>
    public void EnqueueControl(byte[] frame)
    {
        if (IsClosed)
        {
            return;
        }
        _control.Enqueue(new WriteJob(frame, default, default, null));
        _signal.Release();
    }

    /// <summary>Writes one frame (head, body, end-line) as a unit; completes once it is in the output pipe.</summary>
    public Task WriteAsync(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail, bool control = false)
    {
        if (IsClosed)
        {
            return Task.FromException(new IOException("The MSRP connection is closed: " + (_closeReason ?? "closed")));
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (control ? _control : _data).Enqueue(new WriteJob(head, body, tail, done));
        _signal.Release();
        if (IsClosed)
        {
            FailQueued();
        }
        return done.Task;
    }

    /// <summary>
    /// Bytes written to the output pipe before a flush while more frames are queued: one flush (and one wake-up of
    /// the socket writer) per several 64 KiB chunks; FlushAsync still applies the pipe's backpressure.
    /// </summary>
    private const int FlushThreshold = 256 * 1024;

    private async Task SendLoopAsync()
    {
        var output = _transport.Transport.Output;
        long unflushed = 0;
        WriteJob job = default;
        try
        {
            while (true)
            {
                await _signal.WaitAsync(_closing.Token).ConfigureAwait(false);
                if (!_control.TryDequeue(out job) && !_data.TryDequeue(out job))
                {
                    continue;
                }
                output.Write(job.Head.Span);
                if (!job.Body.IsEmpty)
                {
                    output.Write(job.Body.Span);
                }
                if (!job.Tail.IsEmpty)
                {
                    output.Write(job.Tail.Span);
                }
                unflushed += job.Head.Length + job.Body.Length + job.Tail.Length;
                if (_signal.CurrentCount == 0 || unflushed >= FlushThreshold)
                {
                    unflushed = 0;
                    // Backpressure: FlushAsync waits while the socket is behind by more than the pipe's threshold.
                    var flush = await output.FlushAsync(_closing.Token).ConfigureAwait(false);
                    job.Done?.TrySetResult();
                    if (flush.IsCompleted)
                    {
                        break;
                    }
                }
                else
                {
                    job.Done?.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
        {
            MsrpLog.SendFailed(_logger, Name, ex);
            _closeReason ??= ex.Message;
        }
        finally
        {
            Shutdown(_closeReason ?? "send loop ended");
            // The frame being written when the loop stopped is neither queued nor done: its writer must not hang.
            job.Done?.TrySetException(new IOException("The MSRP connection is closed: " + (_closeReason ?? "closed")));
        }
    }

    private void FailQueued()
    {
        var error = new IOException("The MSRP connection is closed: " + (_closeReason ?? "closed"));
        while (_data.TryDequeue(out var job))
        {
            job.Done?.TrySetException(error);
        }
        while (_control.TryDequeue(out var job))
        {
            job.Done?.TrySetException(error);
        }
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
        // Let queued frames reach the pipe before closing.
        for (int i = 0; i < 100 && (!_control.IsEmpty || !_data.IsEmpty) && !IsClosed; i++)
        {
            await Task.Delay(10).ConfigureAwait(false);
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

    private readonly record struct WriteJob(ReadOnlyMemory<byte> Head, ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> Tail, TaskCompletionSource? Done);
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
