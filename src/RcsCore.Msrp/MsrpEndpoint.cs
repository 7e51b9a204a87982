using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp;

/// <summary>
/// An MSRP endpoint (RFC 4975): listens on TCP or TLS, opens connections to peers and relays, and owns the tables
/// of connections (shared by sessions, RFC 4975 §8.1) and sessions (keyed by session-id). Start one with
/// <see cref="Start"/>, create sessions with <see cref="CreateSession"/>, authenticate to a relay with
/// <see cref="AuthenticateAsync"/>.
/// </summary>
public sealed class MsrpEndpoint : IAsyncDisposable
{
    private readonly SocketListener _listener;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, MsrpSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<MsrpConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<string, Task<MsrpConnection>> _outbound = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<MsrpRelayBinding> _relays = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private MsrpEndpoint(SocketListener listener, MsrpEndpointOptions options, ILoggerFactory loggerFactory)
    {
        _listener = listener;
        Options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("RcsCore.Msrp");
        LocalEndPoint = listener.LocalEndPoint;
        Host = options.Host ?? FormatHost(listener.LocalEndPoint.Address);
        if (options.Tls is not null)
        {
            CertificateFingerprint = MsrpFingerprint.Compute(options.Tls.Certificate);
        }
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Binds the listener and starts accepting connections.</summary>
    public static MsrpEndpoint Start(MsrpEndpointOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new MsrpEndpointOptions();
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var listener = SocketListener.Bind(options.ListenEndPoint, options.EffectiveSocket, ServerTls(options.Tls), loggerFactory.CreateLogger("RcsCore.Msrp.Transport"));
        return new MsrpEndpoint(listener, options, loggerFactory);
    }

    /// <summary>
    /// RFC 4975 §14.4 / RFC 8122 §5: the passive side verifies the active side's certificate against the a=fingerprint
    /// of its SDP, so accepted TLS connections ask for a client certificate. The handshake accepts any certificate,
    /// or none; the session checks it when the connection binds (see <see cref="MsrpSession"/>). Options that
    /// already ask for client certificates with their own validation are used as given.
    /// </summary>
    private static TlsServerOptions? ServerTls(TlsServerOptions? tls) =>
        tls is null || (tls.ClientCertificateRequired && tls.RemoteCertificateValidation is not null) ? tls : new TlsServerOptions(tls.Certificate)
        {
            EnabledProtocols = tls.EnabledProtocols,
            ClientCertificateRequired = true,
#pragma warning disable CA5359 // The client certificate is checked against the SDP a=fingerprint when the session binds.
            RemoteCertificateValidation = tls.RemoteCertificateValidation ?? (static (_, _, _, _) => true),
#pragma warning restore CA5359
            HandshakeTimeout = tls.HandshakeTimeout,
            MaxPendingHandshakes = tls.MaxPendingHandshakes,
        };

    /// <summary>The options in force.</summary>
    public MsrpEndpointOptions Options { get; }

    /// <summary>The bound listening endpoint.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The host written into local URIs.</summary>
    public string Host { get; }

    /// <summary>True when the endpoint listens with TLS (local URIs are <c>msrps</c>).</summary>
    public bool IsSecure => Options.Tls is not null;

    /// <summary>The a=fingerprint of the TLS certificate (<c>sha-256 AB:...</c>, RFC 8122), or null without TLS.</summary>
    public string? CertificateFingerprint { get; }

    /// <summary>Connections open now (accepted and opened).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Sessions registered now.</summary>
    public int SessionCount => _sessions.Count;

    internal IMsrpRequestHandler? RequestHandler { get; set; }

    /// <summary>
    /// Creates a session with a fresh local URI <c>msrp[s]://host:port/&lt;random session-id&gt;;tcp</c> (RFC 4975
    /// §6: the session-id has at least 80 bits of randomness). With <paramref name="relay"/>, the session routes
    /// through that relay (RFC 4976 §7) and its a=path starts with the relay's Use-Path.
    /// </summary>
    public MsrpSession CreateSession(MsrpSessionOptions? options = null, MsrpRelayBinding? relay = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var uri = NewLocalUri();
        var session = new MsrpSession(this, uri, options ?? new MsrpSessionOptions(), relay, _logger);
        _sessions[uri.SessionId!] = session;
        return session;
    }

    /// <summary>
    /// Authenticates to a relay (RFC 4976 §5): AUTH, answer the digest challenge, keep the connection (the relay
    /// delivers incoming messages on it) and re-AUTH before the Use-Path expires.
    /// </summary>
    /// <param name="relayUri">The relay URI, e.g. <c>msrps://relay.example.com:2855;tcp</c>.</param>
    /// <param name="credentials">Digest credentials (RFC 4976 §5.1, RFC 7616).</param>
    /// <param name="expires">The Expires to ask for, or null to let the relay choose.</param>
    /// <param name="fingerprint">An expected a=fingerprint of the relay certificate, or null for normal validation.</param>
    /// <param name="ct">Cancels the exchange.</param>
    public async ValueTask<MsrpRelayBinding> AuthenticateAsync(MsrpUri relayUri, IMsrpDigestCredentials credentials, TimeSpan? expires = null, string? fingerprint = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(relayUri);
        ArgumentNullException.ThrowIfNull(credentials);
        var connection = await ConnectAsync(relayUri, fingerprint, ct, shared: false).ConfigureAwait(false);
        var binding = new MsrpRelayBinding(this, relayUri, connection, NewLocalUri(), credentials, expires, _logger);
        try
        {
            await binding.AuthenticateAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        lock (_relays)
        {
            _relays.Add(binding);
        }
        return binding;
    }

    private MsrpUri NewLocalUri() =>
        MsrpUri.Create(IsSecure, Host, LocalEndPoint.Port, MsrpWire.NewId(20));

    internal MsrpSession? FindSession(string sessionId) => _sessions.TryGetValue(sessionId, out var s) ? s : null;

    internal void RemoveSession(MsrpSession session) => _sessions.TryRemove(new KeyValuePair<string, MsrpSession>(session.LocalUri.SessionId!, session));

    /// <summary>Opens a connection to the authority of <paramref name="target"/>, reusing an open one (RFC 4975 §8.1).</summary>
    internal async ValueTask<MsrpConnection> ConnectAsync(MsrpUri target, string? fingerprint, CancellationToken ct, bool shared = true)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        string key = string.Create(CultureInfo.InvariantCulture, $"{target.Scheme}://{target.Host}:{target.EffectivePort}");
        if (!shared)
        {
            return await OpenAsync(target, fingerprint, key: null, ct).ConfigureAwait(false);
        }
        while (true)
        {
            var pending = _outbound.GetOrAdd(key, k => OpenAsync(target, fingerprint, k, _stopping.Token).AsTask());
            MsrpConnection connection;
            try
            {
                connection = await pending.WaitAsync(ct).ConfigureAwait(false);
            }
            catch when (!ct.IsCancellationRequested)
            {
                _outbound.TryRemove(new KeyValuePair<string, Task<MsrpConnection>>(key, pending));
                throw;
            }
            if (!connection.IsClosed)
            {
                return connection;
            }
            _outbound.TryRemove(new KeyValuePair<string, Task<MsrpConnection>>(key, pending));
        }
    }

    private async ValueTask<MsrpConnection> OpenAsync(MsrpUri target, string? fingerprint, string? key, CancellationToken ct)
    {
        var address = await ResolveAsync(target.Host, ct).ConfigureAwait(false);
        TlsClientOptions? tls = null;
        if (target.IsSecure)
        {
            var baseTls = Options.ClientTls ?? new TlsClientOptions();
            tls = fingerprint is null ? baseTls : new TlsClientOptions
            {
                TargetHost = baseTls.TargetHost,
                EnabledProtocols = baseTls.EnabledProtocols,
                ClientCertificates = baseTls.ClientCertificates ?? (Options.Tls is { } own ? new X509CertificateCollection { own.Certificate } : null),
                RevocationMode = baseTls.RevocationMode,
                // RFC 4975 §14.4 / RFC 8122: a self-signed certificate is accepted when it matches the SDP a=fingerprint.
                RemoteCertificateValidation = (_, cert, _, _) => cert is not null && MsrpFingerprint.Matches(cert, fingerprint),
            };
        }
        var transport = await SocketConnection.ConnectAsync(new IPEndPoint(address, target.EffectivePort), Options.EffectiveSocket, tls, _loggerFactory.CreateLogger("RcsCore.Msrp.Transport"), ct).ConfigureAwait(false);
        var connection = new MsrpConnection(this, transport, _logger) { OutboundKey = key };
        _connections[connection] = 0;
        connection.Start();
        return connection;
    }

    private static async ValueTask<IPAddress> ResolveAsync(string host, CancellationToken ct)
    {
        var h = host.StartsWith('[') ? host[1..^1] : host;
        if (IPAddress.TryParse(h, out var ip))
        {
            return ip;
        }
        var addresses = await Dns.GetHostAddressesAsync(h, ct).ConfigureAwait(false);
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var transport = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                if (transport is null)
                {
                    return;
                }
                var connection = new MsrpConnection(this, transport, _logger);
                _connections[connection] = 0;
                connection.Start();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    internal void OnConnectionClosed(MsrpConnection connection)
    {
        _connections.TryRemove(connection, out _);
        foreach (var pair in _sessions)
        {
            pair.Value.OnConnectionLost(connection);
        }
    }

    /// <summary>Stops listening, closes every connection and every session.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        MsrpRelayBinding[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }
        foreach (var relay in relays)
        {
            relay.StopRefresh();
        }
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
}
