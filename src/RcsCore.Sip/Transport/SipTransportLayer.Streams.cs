using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Framing;
using RcsCore.Sip.Messages;
using RcsCore.Transport;

namespace RcsCore.Sip.Transport;

public sealed partial class SipTransportLayer
{
    private async Task AcceptLoopAsync(SocketListener listener, SipTransportProtocol protocol)
    {
        await Task.Yield();
        while (!_stopping.IsCancellationRequested)
        {
            TransportConnection? connection;
            try
            {
                connection = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (connection is null)
            {
                break;
            }
            if (!TryReserveConnection())
            {
                Interlocked.Increment(ref _refused);
                SipTransportLog.ConnectionRefused(_logger, new SipEndPoint(protocol, (System.Net.IPEndPoint)connection.RemoteEndPoint), ConnectionCount);
                connection.Abort("max connections reached");
                await connection.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            Interlocked.Increment(ref _accepted);
            StartConnection(connection, protocol, inbound: true);
        }
    }

    private bool TryReserveConnection()
    {
        while (true)
        {
            int n = Volatile.Read(ref _connectionCount);
            if (n >= _options.MaxConnections)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _connectionCount, n + 1, n) == n)
            {
                return true;
            }
        }
    }

    private SipConnection StartConnection(TransportConnection transport, SipTransportProtocol protocol, bool inbound)
    {
        var c = new SipConnection(transport, protocol, inbound, _limits, _time);
        _connections[c.Id] = c;
        _byRemote[c.Remote] = c;
        SipTransportLog.ConnectionOpened(_logger, c.Id, c.Remote, inbound ? "accepted" : "opened");
        var loop = RunConnectionAsync(c);
        c.ReadLoop = loop;
        _readLoops[c.Id] = loop;
        long id = c.Id;
        _ = loop.ContinueWith(_ => _readLoops.TryRemove(id, out var _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return c;
    }

    private async Task RunConnectionAsync(SipConnection c)
    {
        await Task.Yield();
        var input = c.Transport.Transport.Input;
        bool graceful = false;
        string closeReason = "remote closed";
        try
        {
            while (true)
            {
                c.State = SipConnectionState.Reading;
                var result = await input.ReadAsync(_stopping.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    c.Touch();
                }
                bool stop = false;
                while (!stop)
                {
                    var status = c.Framer.TryRead(ref buffer, out var message, out var error, out int keepAlives);
                    switch (status)
                    {
                        case SipFrameStatus.NeedMoreData:
                            stop = true;
                            continue;
                        case SipFrameStatus.KeepAlive:
                            await OnKeepAliveAsync(c, keepAlives).ConfigureAwait(false);
                            continue;
                        case SipFrameStatus.Message:
                            c.PendingCrlf = 0;
                            c.State = SipConnectionState.Dispatching;
                            _observer?.OnReceived(c.Local, c.Remote, message!.Data.Span);
                            OnStreamRequestAliases(c, message!);
                            await DispatchAsync(message!, c.Remote, c.Local, c.Id, SipFraming.Stream).ConfigureAwait(false);
                            continue;
                        default:
                            c.State = SipConnectionState.AnsweringError;
                            await AnswerMalformedStreamAsync(c, buffer, error).ConfigureAwait(false);
                            graceful = true;
                            closeReason = "malformed message";
                            input.AdvanceTo(buffer.End);
                            return;
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            closeReason = "transport layer disposed";
        }
        catch (IOException ex)
        {
            // The transport completed the input with an error (abort, reset, TLS failure).
            closeReason = ex.Message;
        }
#pragma warning disable CA1031 // A bug in one connection's processing closes that connection only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            closeReason = "internal error: " + ex.Message;
            SipTransportLog.ConnectionFailed(_logger, c.Id, c.Remote, ex);
        }
        finally
        {
            await CloseConnectionAsync(c, graceful, closeReason).ConfigureAwait(false);
        }
    }

    private async ValueTask OnKeepAliveAsync(SipConnection c, int count)
    {
        // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single-CRLF pong; a lone CRLF (a pong) is not.
        c.PendingCrlf += count;
        if (c.PendingCrlf < 2)
        {
            return;
        }
        c.PendingCrlf = 0;
        c.State = SipConnectionState.AnsweringKeepAlive;
        try
        {
            await WriteAsync(c, s_crlf, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SipTransportException ex)
        {
            SipTransportLog.AnswerFailed(_logger, c.Remote, ex.Message);
        }
    }

    private void OnStreamRequestAliases(SipConnection c, SipMessage message)
    {
        // RFC 5923 §5-6: ";alias" asks us to reuse this connection for requests to the sent-by address. Without
        // DNS we accept it only when sent-by is numeric and equals the source address.
        if (!_options.AcceptAliases || !message.IsRequest || message.TopVia is not { } via || via.GetParameter("alias") is null)
        {
            return;
        }
        if (SipResponseRouting.ParseNumericHost(via.Host) is not { } host || !host.Equals(c.Remote.Address.Address))
        {
            return;
        }
        int port = via.Port > 0 ? via.Port : SipResponseRouting.DefaultPort(c.Protocol);
        var alias = new SipEndPoint(c.Protocol, new System.Net.IPEndPoint(host, port));
        if (alias == c.Remote)
        {
            return;
        }
        _byRemote[alias] = c;
        lock (c.Aliases)
        {
            if (!c.Aliases.Contains(alias))
            {
                c.Aliases.Add(alias);
            }
        }
    }

    private async ValueTask AnswerMalformedStreamAsync(SipConnection c, ReadOnlySequence<byte> buffer, SipParseResult error)
    {
        var raw = buffer.Slice(0, Math.Min(buffer.Length, (long)_limits.MaxMessageSize)).ToArray();
        var response = SipErrorResponder.TryBuild(raw, SipErrorResponder.StatusFor(error), _limits.MaxHeaderSectionSize);
        bool answered = false;
        if (response is not null)
        {
            try
            {
                await WriteAsync(c, response.Data, CancellationToken.None).ConfigureAwait(false);
                answered = true;
            }
            catch (SipTransportException ex)
            {
                SipTransportLog.AnswerFailed(_logger, c.Remote, ex.Message);
            }
        }
        SipTransportLog.MalformedStream(_logger, c.Id, c.Remote, error.Message, SipErrorResponder.FirstLine(raw.AsSpan().TrimStart("\r\n"u8)), answered);
    }

    private async ValueTask CloseConnectionAsync(SipConnection c, bool graceful, string reason)
    {
        c.MarkClosing();
        c.State = SipConnectionState.Closing;
        _connections.TryRemove(new KeyValuePair<long, SipConnection>(c.Id, c));
        _byRemote.TryRemove(new KeyValuePair<SipEndPoint, SipConnection>(c.Remote, c));
        lock (c.Aliases)
        {
            foreach (var alias in c.Aliases)
            {
                _byRemote.TryRemove(new KeyValuePair<SipEndPoint, SipConnection>(alias, c));
            }
        }
        Interlocked.Decrement(ref _connectionCount);
        if (!graceful)
        {
            // Unblocks a writer stuck on a full pipe, so the lock below is free soon.
            c.Transport.Abort(reason);
        }
        // Exclusive with writers: DisposeAsync completes the output pipe.
        if (!await c.SendLock.WaitAsync(_options.SendTimeout).ConfigureAwait(false))
        {
            c.Transport.Abort(reason);
            await c.SendLock.WaitAsync().ConfigureAwait(false);
        }
        try
        {
            await c.Transport.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            c.SendLock.Release();
        }
        c.State = SipConnectionState.Closed;
        SipTransportLog.ConnectionClosed(_logger, c.Id, c.Remote, c.Transport.ShutdownReason, c.Transport.AbortReason ?? reason);
    }

    private async ValueTask<SipConnection> GetOrConnectAsync(SipEndPoint destination, long connectionId, CancellationToken ct)
    {
        // RFC 3261 §18.2.2: the connection the request came on first; then any open connection to the destination
        // (RFC 5923 aliases included); else a new one.
        if (connectionId != 0 && _connections.TryGetValue(connectionId, out var byId) && byId.IsOpen)
        {
            return byId;
        }
        if (_byRemote.TryGetValue(destination, out var existing) && existing.IsOpen)
        {
            return existing;
        }
        var lazy = _connecting.GetOrAdd(destination, static (d, self) => new Lazy<Task<SipConnection>>(() => self.ConnectAsync(d)), this);
        try
        {
            return await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _connecting.TryRemove(new KeyValuePair<SipEndPoint, Lazy<Task<SipConnection>>>(destination, lazy));
        }
    }

    private async Task<SipConnection> ConnectAsync(SipEndPoint destination)
    {
        if (!TryReserveConnection())
        {
            throw new SipTransportException($"Cannot connect to {destination}: {ConnectionCount} connections open (MaxConnections).");
        }
        TransportConnection transport;
        try
        {
            transport = await SocketConnection.ConnectAsync(destination.Address, _socketOptions,
                destination.Protocol == SipTransportProtocol.Tls ? _tlsClient : null, _transportLogger, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            Interlocked.Decrement(ref _connectionCount);
            throw new SipTransportException($"Cannot connect to {destination}: {ex.Message}", ex);
        }
        Interlocked.Increment(ref _opened);
        return StartConnection(transport, destination.Protocol, inbound: false);
    }

    private async ValueTask WriteAsync(SipConnection c, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (!c.IsOpen)
        {
            throw new SipTransportException($"Connection {c.Id} to {c.Remote} is closed.");
        }
        try
        {
            await c.SendLock.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            throw new SipTransportException($"Sending to {c.Remote} was cancelled.", ex);
        }
        try
        {
            if (c.IsClosing)
            {
                throw new SipTransportException($"Connection {c.Id} to {c.Remote} is closed.");
            }
            using var timeout = new CancellationTokenSource(_options.SendTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            FlushResult flush;
            try
            {
                // Copies into the bounded output pipe; waits while MaxConnectionSendBuffer bytes are unsent.
                flush = await c.Transport.Transport.Output.WriteAsync(data, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                c.Transport.Abort("send timeout: the peer is not reading");
                throw new SipTransportException(
                    $"Sending to {c.Remote} timed out after {_options.SendTimeout.TotalMilliseconds:F0} ms: the peer is not reading and " +
                    $"{_options.MaxConnectionSendBuffer} bytes are queued; the connection was aborted.", ex);
            }
            catch (OperationCanceledException ex)
            {
                // The caller gave up; the bytes may be half queued, so the stream is no longer usable.
                c.Transport.Abort("send cancelled");
                throw new SipTransportException($"Sending to {c.Remote} was cancelled.", ex);
            }
            if (flush.IsCompleted || flush.IsCanceled)
            {
                throw new SipTransportException($"Connection {c.Id} to {c.Remote} closed while sending ({c.Transport.ShutdownReason}).");
            }
            c.Touch();
            _observer?.OnSent(c.Local, c.Remote, data.Span);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            throw new SipTransportException($"Connection {c.Id} to {c.Remote} failed while sending: {ex.Message}", ex);
        }
        finally
        {
            c.SendLock.Release();
        }
    }
}
