using System.Net.Sockets;

namespace RcsCore.Transport;

public sealed partial class SocketConnection
{
    private async Task ReceiveLoopAsync()
    {
        // Let the caller return before the first socket read.
        await Task.Yield();
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReceiveStatus = TransportLoopStatus.AwaitingSocket;
                var memory = writer.GetMemory(_options.MinimumReceiveSize);
                int n = _ssl is null
                    ? await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false)
                    : await _ssl.ReadAsync(memory).ConfigureAwait(false);
                if (n == 0)
                {
                    // After Abort or DisposeAsync shut the socket down a read also returns 0: that is not the peer.
                    RecordReceiveStop(Volatile.Read(ref _aborted) != 0 ? TransportShutdownReason.LocalAbort
                        : Volatile.Read(ref _closing) != 0 ? TransportShutdownReason.LocalClose
                        : TransportShutdownReason.RemoteClosed);
                    break;
                }
                writer.Advance(n);
                Interlocked.Add(ref _bytesReceived, n);

                // Backpressure: this waits while the application has MaxReadBufferSize bytes unconsumed.
                ReceiveStatus = TransportLoopStatus.AwaitingFlush;
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    RecordReceiveStop(TransportShutdownReason.ApplicationCompleted);
                    break;
                }
                if (flush.IsCanceled)
                {
                    RecordReceiveStop(TransportShutdownReason.LocalAbort);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            var reason = Classify(ex);
            RecordReceiveStop(reason);
            if (reason is not (TransportShutdownReason.LocalClose or TransportShutdownReason.RemoteClosed))
            {
                Error ??= ex;
                error = new TransportConnectionException(reason, $"Connection {Id} to {RemoteEndPoint} stopped receiving: {reason} ({AbortReason ?? ex.Message}).", ex);
                TransportLog.ReceiveFailed(_logger, Id, RemoteEndPoint, reason, ex);
            }
        }
        finally
        {
            ReceiveStatus = TransportLoopStatus.Stopped;
            if (error is null && ReceiveStopReason == TransportShutdownReason.LocalAbort)
            {
                error = new TransportConnectionException(TransportShutdownReason.LocalAbort, $"Connection {Id} to {RemoteEndPoint} was aborted: {AbortReason}.");
            }
            await writer.CompleteAsync(error).ConfigureAwait(false);
            SignalClosed();
        }
    }
}
