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
}
