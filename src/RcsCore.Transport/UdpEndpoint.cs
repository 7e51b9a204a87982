using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RcsCore.Transport;

/// <summary>One received datagram. <see cref="Data"/> is a pooled buffer valid only during the handler call.</summary>
public readonly struct UdpDatagram
{
    /// <summary>Creates a datagram view.</summary>
    public UdpDatagram(ReadOnlyMemory<byte> data, IPEndPoint remoteEndPoint, IPEndPoint localEndPoint)
    {
        Data = data;
        RemoteEndPoint = remoteEndPoint;
        LocalEndPoint = localEndPoint;
    }

    /// <summary>The payload (one datagram is one message, RFC 3261 §18.3). Copy it to keep it.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The source address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The endpoint it arrived on.</summary>
    public IPEndPoint LocalEndPoint { get; }
}

/// <summary>Receives datagrams from a <see cref="UdpEndpoint"/> (implemented by the protocol layer above).</summary>
public interface IUdpDatagramHandler
{
    /// <summary>Called for each datagram, one at a time per endpoint. The buffer is reused after the call returns.</summary>
    ValueTask OnDatagramAsync(UdpEndpoint endpoint, UdpDatagram datagram, CancellationToken ct = default);
}

/// <summary>Settings for <see cref="UdpEndpoint"/>.</summary>
public sealed class UdpEndpointOptions
{
    /// <summary>The defaults.</summary>
    public static UdpEndpointOptions Default { get; } = new();

    /// <summary>Receive buffer size: larger datagrams are truncated and dropped. 65535 holds any UDP payload.</summary>
    public int MaxDatagramSize { get; init; } = 65535;

    /// <summary>SO_RCVBUF, or null for the OS default.</summary>
    public int? SocketReceiveBufferSize { get; init; }

    /// <summary>SO_SNDBUF, or null for the OS default.</summary>
    public int? SocketSendBufferSize { get; init; }
}

/// <summary>
/// A bound UDP socket (IPv4 or IPv6). The receive loop reads each datagram into one pooled buffer (no pipe, STYLE
/// §2.10) and hands it to an <see cref="IUdpDatagramHandler"/>; sends go out from the same socket, so replies
/// come from the listening port.
/// </summary>
public sealed class UdpEndpoint : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly UdpEndpointOptions _options;
    private readonly ILogger _logger;
    private volatile TransportLoopStatus _receiveStatus;
    private int _stopReason;
    private int _disposed;
    private long _datagramsReceived;
    private long _datagramsDropped;

    private UdpEndpoint(Socket socket, UdpEndpointOptions options, ILogger? logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The bound endpoint (the actual port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Where the receive loop is (breadcrumb).</summary>
    public TransportLoopStatus ReceiveStatus => _receiveStatus;

    /// <summary>Why the receive loop stopped.</summary>
    public TransportShutdownReason ReceiveStopReason => (TransportShutdownReason)Volatile.Read(ref _stopReason);

    /// <summary>Datagrams received.</summary>
    public long DatagramsReceived => Interlocked.Read(ref _datagramsReceived);

    /// <summary>Datagrams dropped because they were truncated (larger than <see cref="UdpEndpointOptions.MaxDatagramSize"/>).</summary>
    public long DatagramsDropped => Interlocked.Read(ref _datagramsDropped);

    /// <summary>Binds a UDP socket. Port 0 picks a free port.</summary>
    public static UdpEndpoint Bind(IPEndPoint endPoint, UdpEndpointOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        options ??= UdpEndpointOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDatagramSize, 1);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            if (options.SocketReceiveBufferSize is int rcv)
            {
                socket.ReceiveBufferSize = rcv;
            }
            if (options.SocketSendBufferSize is int snd)
            {
                socket.SendBufferSize = snd;
            }
            socket.Bind(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new UdpEndpoint(socket, options, logger);
    }

    /// <summary>Sends one datagram. Throws <see cref="SocketException"/> (for example when it is too large).</summary>
    public async ValueTask SendToAsync(ReadOnlyMemory<byte> data, EndPoint remote, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        await _socket.SendToAsync(data, SocketFlags.None, remote, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Receives until the endpoint is disposed or <paramref name="ct"/> is cancelled, calling
    /// <paramref name="handler"/> once per datagram. The reason it stopped is kept in <see cref="ReceiveStopReason"/>.
    /// Handler exceptions other than cancellation are the handler's problem: they end the loop.
    /// </summary>
    public async Task RunReceiveLoopAsync(IUdpDatagramHandler handler, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxDatagramSize);
        EndPoint any = LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (true)
            {
                SocketReceiveFromResult result;
                try
                {
                    _receiveStatus = TransportLoopStatus.AwaitingSocket;
                    result = await _socket.ReceiveFromAsync(buffer.AsMemory(0, _options.MaxDatagramSize), SocketFlags.None, any, ct).ConfigureAwait(false);
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
                {
                    // ConnectionReset: an ICMP port-unreachable for an earlier send (Windows). MessageSize: truncated.
                    if (ex.SocketErrorCode == SocketError.MessageSize)
                    {
                        Interlocked.Increment(ref _datagramsDropped);
                    }
                    continue;
                }
                if (result.ReceivedBytes >= _options.MaxDatagramSize && _options.MaxDatagramSize < 65535)
                {
                    // Possibly truncated: never parse half a message.
                    Interlocked.Increment(ref _datagramsDropped);
                    continue;
                }
                Interlocked.Increment(ref _datagramsReceived);
                _receiveStatus = TransportLoopStatus.AwaitingData;
                await handler.OnDatagramAsync(this, new UdpDatagram(buffer.AsMemory(0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint, LocalEndPoint), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Record(TransportShutdownReason.LocalClose);
        }
        catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException && Volatile.Read(ref _disposed) != 0))
        {
            Record(TransportShutdownReason.LocalClose);
        }
        catch (SocketException ex)
        {
            Record(TransportShutdownReason.SocketError);
            TransportLog.UdpReceiveFailed(_logger, LocalEndPoint, ex);
            throw;
        }
        finally
        {
            _receiveStatus = TransportLoopStatus.Stopped;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Record(TransportShutdownReason reason) => Interlocked.CompareExchange(ref _stopReason, (int)reason, 0);

    /// <summary>Closes the socket; the receive loop ends.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
