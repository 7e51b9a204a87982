using System.Buffers;
using System.Net.Sockets;

namespace RcsCore.Transport;

public sealed partial class SocketConnection
{
    private async Task SendLoopAsync()
    {
        await Task.Yield();
        var reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                SendStatus = TransportLoopStatus.AwaitingData;
                var result = await reader.ReadAsync().ConfigureAwait(false);
                // A cancelled read is either Abort or WriteByReferenceAsync waking the loop.
                if (result.IsCanceled && Volatile.Read(ref _aborted) != 0)
                {
                    RecordSendStop(TransportShutdownReason.LocalAbort);
                    break;
                }
                var buffer = result.Buffer;
                var direct = Volatile.Read(ref _direct);
                if (direct is not null)
                {
                    // Everything flushed before the data was queued goes first: take all the pipe holds now (its
                    // writer waits for the data, so nothing newer is in it) and send it with the data.
                    // (Nothing examined: a TryRead after examining everything would wait for newer bytes.)
                    reader.AdvanceTo(buffer.Start);
                    bool held = reader.TryRead(out result);
                    buffer = held ? result.Buffer : default;
                    SendStatus = TransportLoopStatus.AwaitingSocket;
                    await WriteToSocketAsync(buffer, direct.Data).ConfigureAwait(false);
                    if (held)
                    {
                        reader.AdvanceTo(buffer.End);
                    }
                    Interlocked.CompareExchange(ref _direct, null, direct);
                    direct.TrySetResult();
                }
                else
                {
                    if (!buffer.IsEmpty)
                    {
                        SendStatus = TransportLoopStatus.AwaitingSocket;
                        await WriteToSocketAsync(buffer, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
                    }
                    reader.AdvanceTo(buffer.End);
                }
                if (result.IsCompleted)
                {
                    RecordSendStop(Volatile.Read(ref _closing) != 0 ? TransportShutdownReason.LocalClose : TransportShutdownReason.ApplicationCompleted);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            var reason = Classify(ex);
            RecordSendStop(reason);
            if (reason is not (TransportShutdownReason.LocalClose or TransportShutdownReason.LocalAbort))
            {
                Error ??= ex;
                error = ex;
                TransportLog.SendFailed(_logger, Id, RemoteEndPoint, reason, ex);
            }
        }
        finally
        {
            SendStatus = TransportLoopStatus.Stopped;
            Volatile.Write(ref _sendLoopDone, 1);
            Interlocked.Exchange(ref _direct, null)?.TrySetException(new IOException($"Connection {Id} stopped sending."));
            // Completing the reader makes the application's pending and future FlushAsync return IsCompleted.
            await reader.CompleteAsync(error).ConfigureAwait(false);
            if (error is not null)
            {
                // A connection that cannot send is broken: stop receiving too.
                Abort("send failed: " + error.Message);
            }
        }
    }

    /// <inheritdoc />
    public override async ValueTask WriteByReferenceAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        if (data.IsEmpty)
        {
            return;
        }
        // What was written before becomes visible to the send loop before the data is queued behind it.
        var flush = await _output.Writer.FlushAsync(ct).ConfigureAwait(false);
        if (flush.IsCompleted || Volatile.Read(ref _sendLoopDone) != 0)
        {
            throw new IOException($"Connection {Id} stopped sending.");
        }
        var direct = new DirectWrite(data);
        if (Interlocked.CompareExchange(ref _direct, direct, null) is not null)
        {
            throw new InvalidOperationException("A write by reference is already pending on this connection.");
        }
        _output.Reader.CancelPendingRead();
        if (Volatile.Read(ref _sendLoopDone) != 0 && Interlocked.CompareExchange(ref _direct, null, direct) == direct)
        {
            throw new IOException($"Connection {Id} stopped sending.");
        }
        // Not cancellable once queued: the socket may be reading the caller's memory.
        await direct.Task.ConfigureAwait(false);
    }

    /// <summary>Sends the pipe's bytes, then <paramref name="tail"/> (caller memory, possibly empty).</summary>
    private async ValueTask WriteToSocketAsync(ReadOnlySequence<byte> buffer, ReadOnlyMemory<byte> tail)
    {
        if (_ssl is null && (!buffer.IsSingleSegment || !tail.IsEmpty) && TryGather(buffer, tail))
        {
            // One gathered send (sendmsg with an iovec per segment) for everything queued: on loopback the cost is
            // per system call and per receiver wake-up, so one 1 MiB send beats sixteen 64 KiB ones.
            await SendGatheredAsync(buffer.Length + tail.Length).ConfigureAwait(false);
            return;
        }
        foreach (var segment in buffer)
        {
            await WriteSegmentAsync(segment).ConfigureAwait(false);
        }
        if (!tail.IsEmpty)
        {
            await WriteSegmentAsync(tail).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteSegmentAsync(ReadOnlyMemory<byte> segment)
    {
        if (_ssl is not null)
        {
            await _ssl.WriteAsync(segment).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, segment.Length);
            return;
        }
        var rest = segment;
        while (!rest.IsEmpty)
        {
            int sent = await _socket.SendAsync(rest, SocketFlags.None).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, sent);
            rest = rest[sent..];
        }
    }

    /// <summary>Fills <see cref="_gather"/> with the segments of <paramref name="buffer"/>; false if one is not array-backed.</summary>
    private bool TryGather(ReadOnlySequence<byte> buffer, ReadOnlyMemory<byte> tail)
    {
        var list = _gather ??= new List<ArraySegment<byte>>(16);
        list.Clear();
        foreach (var segment in buffer)
        {
            if (!TryAdd(list, segment))
            {
                return false;
            }
        }
        return TryAdd(list, tail);

        static bool TryAdd(List<ArraySegment<byte>> list, ReadOnlyMemory<byte> segment)
        {
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(segment, out var array))
            {
                list.Clear();
                return false;
            }
            if (array.Count > 0)
            {
                list.Add(array);
            }
            return true;
        }
    }

    /// <summary>Caller memory queued by <see cref="WriteByReferenceAsync"/>; completes once the socket took it.</summary>
    private sealed class DirectWrite(ReadOnlyMemory<byte> data) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ReadOnlyMemory<byte> Data { get; } = data;
    }

    private async ValueTask SendGatheredAsync(long total)
    {
        var list = _gather!;
        long left = total;
        while (left > 0)
        {
            int sent = await _socket.SendAsync(list, SocketFlags.None).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, sent);
            left -= sent;
            if (left > 0)
            {
                // A short send: drop what went out and send the rest.
                while (sent > 0)
                {
                    var first = list[0];
                    if (first.Count <= sent)
                    {
                        sent -= first.Count;
                        list.RemoveAt(0);
                    }
                    else
                    {
                        list[0] = first.Slice(sent);
                        sent = 0;
                    }
                }
            }
        }
        list.Clear();
    }
}
