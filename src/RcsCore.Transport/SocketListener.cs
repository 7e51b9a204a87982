using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RcsCore.Transport;

/// <summary>
/// A bound TCP listener (IPv4 or IPv6) yielding <see cref="SocketConnection"/>s. With TLS, handshakes run in the
/// background (bounded by <see cref="TlsServerOptions.HandshakeTimeout"/> and
/// <see cref="TlsServerOptions.MaxPendingHandshakes"/>) so a slow client never stalls accepting others.
/// </summary>
public sealed class SocketListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SocketConnectionOptions _options;
    private readonly TlsServerOptions? _tls;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<SocketConnection>? _handshaken;
    private Task? _tlsAcceptLoop;
    private int _pendingHandshakes;
    private int _disposed;

    private SocketListener(Socket socket, SocketConnectionOptions options, TlsServerOptions? tls, ILogger? logger)
    {
        _socket = socket;
        _options = options;
        _tls = tls;
        _logger = logger ?? NullLogger.Instance;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        if (tls is not null)
        {
            _handshaken = Channel.CreateBounded<SocketConnection>(new BoundedChannelOptions(Math.Max(1, tls.MaxPendingHandshakes))
            {
                SingleReader = false,
                SingleWriter = false,
            });
        }
    }

    /// <summary>The bound endpoint (the actual port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>True when accepted connections use TLS.</summary>
    public bool IsTls => _tls is not null;

    /// <summary>Connections whose TLS handshake failed or timed out.</summary>
    public long FailedHandshakes => Interlocked.Read(ref _failedHandshakes);

    private long _failedHandshakes;

    /// <summary>Binds and listens. Port 0 picks a free port (see <see cref="LocalEndPoint"/>).</summary>
    public static SocketListener Bind(IPEndPoint endPoint, SocketConnectionOptions? options = null, TlsServerOptions? tls = null, ILogger? logger = null, int backlog = 512)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= SocketConnectionOptions.Default;
        options.Validate();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // One address family per listener: [::] and 0.0.0.0 can be bound side by side.
                socket.DualMode = false;
            }
            if (options.SocketReceiveBufferSize is int rcv)
            {
                // Set before listen so accepted sockets inherit it (the TCP window is negotiated in the handshake).
                socket.ReceiveBufferSize = rcv;
            }
            socket.Bind(endPoint);
            socket.Listen(backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new SocketListener(socket, options, tls, logger);
    }

    /// <summary>
    /// Waits for the next connection (for TLS: the next one whose handshake succeeded). Returns null once the
    /// listener is disposed.
    /// </summary>
    public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken ct = default)
    {
        if (_handshaken is not null)
        {
            EnsureTlsAcceptLoop();
            try
            {
                return await _handshaken.Reader.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }
        while (true)
        {
            var socket = await AcceptSocketAsync(ct).ConfigureAwait(false);
            if (socket is null)
            {
                return null;
            }
            var connection = Wrap(socket, null);
            if (connection is not null)
            {
                return connection;
            }
        }
    }

    private async ValueTask<Socket?> AcceptSocketAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await _socket.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted || Volatile.Read(ref _disposed) != 0)
            {
                return null;
            }
            catch (SocketException ex)
            {
                // RST before accept and similar per-connection errors: keep listening.
                TransportLog.AcceptFailed(_logger, LocalEndPoint, ex);
            }
        }
    }

    private SocketConnection? Wrap(Socket socket, SslStream? ssl)
    {
        try
        {
            SocketConnection.Configure(socket, _options);
            var connection = new SocketConnection(socket, ssl, _options, _logger);
            connection.Start();
            return connection;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer went away between accept and setup.
            ssl?.Dispose();
            socket.Dispose();
            return null;
        }
    }

    private void EnsureTlsAcceptLoop()
    {
        if (Volatile.Read(ref _tlsAcceptLoop) is null)
        {
            lock (_stopping)
            {
                _tlsAcceptLoop ??= TlsAcceptLoopAsync();
            }
        }
    }

    private async Task TlsAcceptLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                var socket = await AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
                if (socket is null)
                {
                    break;
                }
                if (Interlocked.Increment(ref _pendingHandshakes) > _tls!.MaxPendingHandshakes)
                {
                    Interlocked.Decrement(ref _pendingHandshakes);
                    Interlocked.Increment(ref _failedHandshakes);
                    socket.Dispose();
                    continue;
                }
                _ = HandshakeAsync(socket);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        finally
        {
            _handshaken!.Writer.TryComplete();
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        SslStream? ssl = null;
        try
        {
            using var timeout = new CancellationTokenSource(_tls!.HandshakeTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
            ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(_tls.ToSsl(), linked.Token).ConfigureAwait(false);
            var connection = Wrap(socket, ssl);
            ssl = null;
            if (connection is not null && !_handshaken!.Writer.TryWrite(connection))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _failedHandshakes);
            TransportLog.HandshakeFailed(_logger, LocalEndPoint, ex);
            ssl?.Dispose();
            socket.Dispose();
        }
        finally
        {
            Interlocked.Decrement(ref _pendingHandshakes);
        }
    }

    /// <summary>Stops listening; connections already accepted are not affected.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_tlsAcceptLoop is not null)
        {
            await _tlsAcceptLoop.ConfigureAwait(false);
        }
        _handshaken?.Writer.TryComplete();
        if (_handshaken is not null)
        {
            while (_handshaken.Reader.TryRead(out var left))
            {
                await left.DisposeAsync().ConfigureAwait(false);
            }
        }
        _stopping.Dispose();
    }
}
