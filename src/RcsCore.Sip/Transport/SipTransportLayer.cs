using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Transport;

namespace RcsCore.Sip.Transport;

/// <summary>
/// The SIP transport layer (RFC 3261 §18) over UDP, TCP and TLS: listens, frames stream input, answers CRLF
/// keep-alives (RFC 5626 §3.5.1), rejects malformed input, stamps <c>received</c>/<c>rport</c>, hands valid
/// messages to an <see cref="ISipInboundHandler"/>, and sends messages reusing connections (RFC 3261 §18.2.2,
/// RFC 5923). Connections idle for <see cref="SipTransportOptions.IdleTimeout"/> are closed.
/// </summary>
public sealed partial class SipTransportLayer : ISipMessageSender, IAsyncDisposable
{
    private static readonly byte[] s_crlf = "\r\n"u8.ToArray();

    private readonly SipTransportOptions _options;
    private readonly SipLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILogger _transportLogger;
    private readonly SocketConnectionOptions _socketOptions;
    private readonly TlsClientOptions _tlsClient;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<SocketListener> _listeners = [];
    private readonly List<UdpEndpoint> _udp = [];
    private readonly List<Task> _loops = [];
    private readonly List<SipEndPoint> _localEndPoints = [];
    private readonly ConcurrentDictionary<long, SipConnection> _connections = new();
    private readonly ConcurrentDictionary<SipEndPoint, SipConnection> _byRemote = new();
    private readonly ConcurrentDictionary<long, Task> _readLoops = new();
    private readonly ConcurrentDictionary<SipEndPoint, Lazy<Task<SipConnection>>> _connecting = new();
    private readonly UdpHandler _udpHandler;
    private readonly ISipTransportObserver? _observer;
    private volatile ISipInboundHandler? _handler;
    private ITimer? _idleTimer;
    private int _connectionCount;
    private long _accepted;
    private long _refused;
    private long _opened;
    private int _state; // 0 new, 1 started, 2 disposed

    /// <summary>Creates the layer; call <see cref="StartAsync"/> to bind the listeners.</summary>
    public SipTransportLayer(SipTransportOptions options, ISipInboundHandler? handler = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _limits = options.Limits;
        _time = options.TimeProvider;
        _handler = handler;
        _logger = loggerFactory?.CreateLogger("RcsCore.Sip.Transport") ?? NullLogger.Instance;
        _transportLogger = loggerFactory?.CreateLogger("RcsCore.Transport") ?? NullLogger.Instance;
        _socketOptions = new SocketConnectionOptions
        {
            // One whole message must fit in the input pipe, or the framer could wait for bytes the pipe never lets in.
            MaxReadBufferSize = Math.Max(options.MaxConnectionReceiveBuffer, (long)options.Limits.MaxMessageSize + 4096),
            MaxWriteBufferSize = options.MaxConnectionSendBuffer,
            SocketSendBufferSize = options.SocketSendBufferSize,
            SocketReceiveBufferSize = options.SocketReceiveBufferSize,
            ConnectTimeout = options.ConnectTimeout,
            TimeProvider = options.TimeProvider,
        };
        _tlsClient = new TlsClientOptions
        {
            TargetHost = options.TlsTargetHost,
            ClientCertificates = options.TlsClientCertificates,
            RemoteCertificateValidation = options.TlsRemoteCertificateValidation,
        };
        _udpHandler = new UdpHandler(this);
        _observer = options.Observer;
    }

    /// <summary>Receives every valid inbound message. May be set before or after <see cref="StartAsync"/>.</summary>
    public ISipInboundHandler? Handler
    {
        get => _handler;
        set => _handler = value;
    }

    /// <summary>The bound endpoints after <see cref="StartAsync"/>, in the order of <see cref="SipTransportOptions.ListenEndPoints"/>, with actual ports.</summary>
    public IReadOnlyList<SipEndPoint> LocalEndPoints => _localEndPoints;

    /// <summary>Stream connections currently open (accepted and opened).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Stream connections accepted so far (refused ones excluded).</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Stream connections refused because <see cref="SipTransportOptions.MaxConnections"/> was reached.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    /// <summary>Stream connections this layer opened to send.</summary>
    public long OpenedConnections => Interlocked.Read(ref _opened);

    /// <summary>The first bound endpoint of a transport, or null.</summary>
    public SipEndPoint? GetLocalEndPoint(SipTransportProtocol protocol, System.Net.Sockets.AddressFamily? family = null)
    {
        foreach (var ep in _localEndPoints)
        {
            if (ep.Protocol == protocol && (family is null || ep.Address.AddressFamily == family))
            {
                return ep;
            }
        }
        return null;
    }

    /// <summary>
    /// Binds every listen endpoint and starts the accept and receive loops. Throws (and unbinds what was bound)
    /// when an endpoint cannot be bound.
    /// </summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The transport layer was already started or disposed.");
        }
        ct.ThrowIfCancellationRequested();
        try
        {
            foreach (var ep in _options.ListenEndPoints)
            {
                switch (ep.Protocol)
                {
                    case SipTransportProtocol.Udp:
                        var udp = UdpEndpoint.Bind(ep.Address, null, _transportLogger);
                        _udp.Add(udp);
                        _localEndPoints.Add(new SipEndPoint(SipTransportProtocol.Udp, udp.LocalEndPoint));
                        break;
                    default:
                        TlsServerOptions? tls = ep.Protocol == SipTransportProtocol.Tls
                            ? new TlsServerOptions(_options.TlsCertificate!)
                            {
                                ClientCertificateRequired = _options.TlsClientCertificateRequired,
                                RemoteCertificateValidation = _options.TlsRemoteCertificateValidation,
                                HandshakeTimeout = _options.TlsHandshakeTimeout,
                            }
                            : null;
                        var listener = SocketListener.Bind(ep.Address, _socketOptions, tls, _transportLogger);
                        _listeners.Add(listener);
                        _localEndPoints.Add(new SipEndPoint(ep.Protocol, listener.LocalEndPoint));
                        break;
                }
            }
        }
        catch
        {
            foreach (var l in _listeners)
            {
                await l.DisposeAsync().ConfigureAwait(false);
            }
            foreach (var u in _udp)
            {
                await u.DisposeAsync().ConfigureAwait(false);
            }
            _listeners.Clear();
            _udp.Clear();
            _localEndPoints.Clear();
            throw;
        }
        foreach (var udp in _udp)
        {
            _loops.Add(RunUdpAsync(udp));
        }
        foreach (var listener in _listeners)
        {
            var protocol = listener.IsTls ? SipTransportProtocol.Tls : SipTransportProtocol.Tcp;
            _loops.Add(AcceptLoopAsync(listener, protocol));
        }
        var period = TimeSpan.FromTicks(Math.Clamp(_options.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks));
        _idleTimer = _time.CreateTimer(static s => ((SipTransportLayer)s!).CloseIdleConnections(), this, period, period);
    }

    private void CloseIdleConnections()
    {
        foreach (var c in _connections.Values)
        {
            if (c.IdleTime >= _options.IdleTimeout)
            {
                c.Transport.Abort("idle timeout");
            }
        }
    }

    /// <summary>Stops listening, closes every connection and waits for the loops to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_idleTimer is not null)
        {
            await _idleTimer.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var l in _listeners)
        {
            await l.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var u in _udp)
        {
            await u.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var c in _connections.Values)
        {
            c.Transport.Abort("transport layer disposed");
        }
        await Task.WhenAll(_loops).ConfigureAwait(false);
        // Connections opened or accepted while stopping are aborted too; bounded because nothing new starts now.
        for (int round = 0; round < 100 && !_readLoops.IsEmpty; round++)
        {
            foreach (var c in _connections.Values)
            {
                c.Transport.Abort("transport layer disposed");
            }
            await Task.WhenAll(_readLoops.Values).ConfigureAwait(false);
            await Task.Yield();
        }
        _stopping.Dispose();
    }

    private void ThrowIfNotRunning()
    {
        if (Volatile.Read(ref _state) != 1)
        {
            throw new SipTransportException(_state == 0 ? "The transport layer is not started." : "The transport layer is disposed.");
        }
    }

    private async ValueTask DispatchAsync(SipMessage message, SipEndPoint remote, SipEndPoint local, long connectionId, SipFraming framing)
    {
        if (message.IsRequest && _options.StampReceived && message.TopVia is { } via)
        {
            var stamped = SipResponseRouting.StampReceived(via, remote.Address);
            if (!ReferenceEquals(stamped, via))
            {
                message = SipResponseRouting.ReplaceTopVia(message, stamped, framing, _limits) ?? message;
            }
        }
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            SipTransportLog.Received(_logger, remote, message.ToString());
        }
        var handler = _handler;
        if (handler is null)
        {
            SipTransportLog.NoHandler(_logger, remote);
            return;
        }
        try
        {
            await handler.OnMessageAsync(new SipInboundMessage(message, remote, local, connectionId), _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
#pragma warning disable CA1031 // A faulty handler must not take the transport down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SipTransportLog.HandlerFailed(_logger, remote, ex);
        }
    }
}
