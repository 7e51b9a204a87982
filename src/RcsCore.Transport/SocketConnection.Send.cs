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
                if (result.IsCanceled)
                {
                    RecordSendStop(TransportShutdownReason.LocalAbort);
                    break;
                }
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    SendStatus = TransportLoopStatus.AwaitingSocket;
                    await WriteToSocketAsync(buffer).ConfigureAwait(false);
                }
                reader.AdvanceTo(buffer.End);
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
            // Completing the reader makes the application's pending and future FlushAsync return IsCompleted.
            await reader.CompleteAsync(error).ConfigureAwait(false);
            if (error is not null)
            {
                // A connection that cannot send is broken: stop receiving too.
                Abort("send failed: " + error.Message);
            }
        }
    }

    private async ValueTask WriteToSocketAsync(ReadOnlySequence<byte> buffer)
    {
        if (_ssl is null && !buffer.IsSingleSegment && TryGather(buffer))
        {
            // One gathered send (sendmsg with an iovec per segment) for everything queued: on loopback the cost is
            // per system call and per receiver wake-up, so one 1 MiB send beats sixteen 64 KiB ones.
            await SendGatheredAsync(buffer.Length).ConfigureAwait(false);
            return;
        }
        foreach (var segment in buffer)
        {
            if (_ssl is not null)
            {
                await _ssl.WriteAsync(segment).ConfigureAwait(false);
                Interlocked.Add(ref _bytesSent, segment.Length);
                continue;
            }
            var rest = segment;
            while (!rest.IsEmpty)
            {
                int sent = await _socket.SendAsync(rest, SocketFlags.None).ConfigureAwait(false);
                Interlocked.Add(ref _bytesSent, sent);
                rest = rest[sent..];
            }
        }
    }

    /// <summary>Fills <see cref="_gather"/> with the segments of <paramref name="buffer"/>; false if one is not array-backed.</summary>
    private bool TryGather(ReadOnlySequence<byte> buffer)
    {
        var list = _gather ??= new List<ArraySegment<byte>>(16);
        list.Clear();
        foreach (var segment in buffer)
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
        }
        return true;
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
