using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp.Relay;

/// <summary>
/// An MSRP relay (RFC 4976 §6) for a message centre: clients AUTH to it with Digest and get a Use-Path, a relay URI
/// with a fresh session-id bound to their connection; requests addressed to such a URI are forwarded chunk by chunk
/// (never buffered whole) with To-Path/From-Path rewritten, answered hop by hop, and delivered to the client over
/// the connection it authenticated on. A slow receiver slows the sender down (bounded buffering, backpressure).
/// </summary>
public sealed class MsrpRelay : IAsyncDisposable
{
    private readonly SocketListener _listener;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ConcurrentDictionary<string, RelaySession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<MsrpRelayConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<string, Task<MsrpRelayConnection>> _outbound = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly MsrpDigestVerifier _verifier;
    private readonly ITimer _sweep;
    private readonly Task _acceptLoop;
    private int _disposed;

    private MsrpRelay(SocketListener listener, IMsrpRelayAuthenticator authenticator, MsrpRelayOptions options, ILoggerFactory loggerFactory)
    {
        _listener = listener;
        Options = options;
        _loggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("RcsCore.Msrp.Relay");
        LocalEndPoint = listener.LocalEndPoint;
        var address = listener.LocalEndPoint.Address;
        Host = options.Host ?? (address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString());
        Uri = MsrpUri.Create(IsSecure, Host, LocalEndPoint.Port, sessionId: null);
        Realm = options.Realm ?? Host;
        _verifier = new MsrpDigestVerifier(authenticator, options, Realm);
        var period = TimeSpan.FromTicks(Math.Clamp(options.TransactionTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _sweep = options.TimeProvider.CreateTimer(static s => ((MsrpRelay)s!).Sweep(), this, period, period);
        MsrpRelayLog.Started(Logger, Uri);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Binds the listener and starts relaying.</summary>
    /// <param name="authenticator">Where the credentials of AUTH clients come from (RFC 4976 §6.3).</param>
    /// <param name="options">Settings; the defaults listen on 127.0.0.1 with a free port.</param>
    /// <param name="loggerFactory">Logging; none by default.</param>
    public static MsrpRelay Start(IMsrpRelayAuthenticator authenticator, MsrpRelayOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        options ??= new MsrpRelayOptions();
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var listener = SocketListener.Bind(options.ListenEndPoint, options.EffectiveSocket, options.Tls, loggerFactory.CreateLogger("RcsCore.Msrp.Transport"));
        return new MsrpRelay(listener, authenticator, options, loggerFactory);
    }

    /// <summary>The options in force.</summary>
    public MsrpRelayOptions Options { get; }

    /// <summary>The bound listening endpoint.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The host written into the relay's URIs.</summary>
    public string Host { get; }

    /// <summary>True when the relay listens with TLS (its URIs are <c>msrps</c>).</summary>
    public bool IsSecure => Options.Tls is not null;

    /// <summary>The URI clients AUTH to: <c>msrp[s]://host:port;tcp</c> (RFC 4976 §5.1).</summary>
    public MsrpUri Uri { get; }

    /// <summary>The Digest realm of the challenges.</summary>
    public string Realm { get; }

    /// <summary>Connections open now (accepted and opened).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Use-Path URIs granted and not yet expired or dropped.</summary>
    public int SessionCount => _sessions.Count;

    internal ILogger Logger { get; }

    internal MsrpDigestVerifier Verifier => _verifier;

    // ---- AUTH (RFC 4976 §6.3) ----

    /// <summary>Answers an AUTH for this relay: the status and the extra header lines of the response.</summary>
    internal async ValueTask<(int Status, string? Headers)> AuthenticateAsync(MsrpRelayConnection connection, MsrpRelayHead h, CancellationToken ct)
    {
        var result = await _verifier.VerifyAsync(h.Authorization, h.ToUris[0], ct).ConfigureAwait(false);
        switch (result.Verdict)
        {
            case MsrpAuthVerdict.Challenge:
                // RFC 4976 §6.3: no (usable) credentials: 401 with a Digest challenge.
                MsrpRelayLog.AuthChallenged(Logger, h.FromPath, result.Detail);
                return (MsrpStatus.Unauthorized, "WWW-Authenticate: " + _verifier.Challenge(result.Stale) + "\r\n");
            case MsrpAuthVerdict.Forbidden:
                // RFC 4976 §6.3: credentials that do not verify are refused with 403.
                MsrpRelayLog.AuthRefused(Logger, result.Username, h.FromPath, MsrpStatus.Forbidden, result.Detail);
                return (MsrpStatus.Forbidden, null);
        }
        long min = (long)Options.MinExpires.TotalSeconds;
        long max = (long)Options.MaxExpires.TotalSeconds;
        long expires = h.Expires >= 0 ? h.Expires : (long)Options.DefaultExpires.TotalSeconds;
        if (expires < min)
        {
            // RFC 4976 §6.3: an Expires shorter than the relay allows is answered 423 with Min-Expires.
            MsrpRelayLog.AuthRefused(Logger, result.Username, h.FromPath, MsrpStatus.IntervalOutOfBounds, "Expires too short");
            return (MsrpStatus.IntervalOutOfBounds, "Min-Expires: " + min.ToString(CultureInfo.InvariantCulture) + "\r\n");
        }
        if (expires > max)
        {
            // RFC 4976 §6.3: longer than the relay allows: 423 with Max-Expires.
            MsrpRelayLog.AuthRefused(Logger, result.Username, h.FromPath, MsrpStatus.IntervalOutOfBounds, "Expires too long");
            return (MsrpStatus.IntervalOutOfBounds, "Max-Expires: " + max.ToString(CultureInfo.InvariantCulture) + "\r\n");
        }
        var session = Bind(connection, result.Username!, h.FromPath!, expires);
        return (MsrpStatus.Ok, "Use-Path: " + session.UsePath + "\r\nExpires: " + expires.ToString(CultureInfo.InvariantCulture) + "\r\n");
    }

    /// <summary>
    /// Grants a Use-Path bound to <paramref name="owner"/> (RFC 4976 §6.3: a relay URI with a session-id of at
    /// least 80 random bits). A repeated AUTH from the same client path on the same connection refreshes the
    /// existing one, so sessions already using it go on working.
    /// </summary>
    private RelaySession Bind(MsrpRelayConnection owner, string user, string clientPath, long seconds)
    {
        var expiresAt = Options.TimeProvider.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        foreach (var pair in _sessions)
        {
            var s = pair.Value;
            if (ReferenceEquals(s.Owner, owner) && s.ClientPath == clientPath && s.User == user)
            {
                s.ExpiresAt = expiresAt;
                MsrpRelayLog.BindingRefreshed(Logger, user, s.UsePath, seconds);
                return s;
            }
        }
        string id = MsrpWire.NewId(20);
        var session = new RelaySession(id, MsrpUri.Create(IsSecure, Host, LocalEndPoint.Port, id).ToString(), owner, user, clientPath) { ExpiresAt = expiresAt };
        _sessions[id] = session;
        if (owner.IsClosed)
        {
            _sessions.TryRemove(id, out _);
        }
        MsrpRelayLog.BindingCreated(Logger, user, session.UsePath, seconds);
        return session;
    }

    private bool TryGetSession(string uri, out RelaySession session)
    {
        session = null!;
        if (!MsrpUri.TryParse(uri, out var parsed) || parsed.SessionId is not { } id || !_sessions.TryGetValue(id, out var s))
        {
            return false;
        }
        if (s.ExpiresAt <= Options.TimeProvider.GetUtcNow() || s.Owner.IsClosed)
        {
            RemoveSession(s, "expired");
            return false;
        }
        session = s;
        return true;
    }

    private void RemoveSession(RelaySession session, string reason)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, RelaySession>(session.Id, session)))
        {
            MsrpRelayLog.BindingRemoved(Logger, session.Id, reason);
        }
    }

    private bool IsLocal(string uri) =>
        MsrpUri.TryParse(uri, out var u) && u.IsSecure == IsSecure && u.EffectivePort == LocalEndPoint.Port
        && (string.Equals(u.Host, Host, StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(u.Host.Trim('[', ']'), out var ip) && ip.Equals(LocalEndPoint.Address)));

    // ---- forwarding (RFC 4976 §6.4) ----

    /// <summary>Where a request goes: a status to reject it with, or the next hop and how many To-Path URIs are this relay's.</summary>
    internal readonly record struct RelayRoute(int Status, string Reason, int Pops, MsrpRelayConnection? Target, MsrpUri? NextHop);

    /// <summary>
    /// RFC 4976 §6.4: the first To-Path URI must be a Use-Path this relay issued (else 481). A request from the
    /// client that owns it goes on to the next To-Path URI (consecutive URIs of this relay are popped as well, and
    /// the request is then delivered to the client owning the last of them); a request from anyone else is delivered
    /// to the owning client over the connection it authenticated on.
    /// </summary>
    internal RelayRoute Route(MsrpRelayConnection arrival, MsrpRelayHead h)
    {
        var uris = h.ToUris;
        if (!TryGetSession(uris[0], out var session))
        {
            // RFC 4975 §7.3, RFC 4976 §6.4: not a session of this relay.
            return new RelayRoute(MsrpStatus.SessionDoesNotExist, "unknown session", 0, null, null);
        }
        if (uris.Count < 2)
        {
            return new RelayRoute(MsrpStatus.SessionDoesNotExist, "To-Path ends at the relay", 0, null, null);
        }
        if (!ReferenceEquals(session.Owner, arrival))
        {
            if (h.Method == MsrpMethod.Auth)
            {
                // RFC 4976 §6.3: only the client a Use-Path belongs to may AUTH through it to a further relay.
                return new RelayRoute(MsrpStatus.Forbidden, "AUTH through another client's Use-Path", 0, null, null);
            }
            return new RelayRoute(0, string.Empty, 1, session.Owner, null);
        }
        int pops = 1;
        RelaySession? local = null;
        while (pops < uris.Count && IsLocal(uris[pops]))
        {
            if (!TryGetSession(uris[pops], out var next))
            {
                // The next hop is this relay again, with a session it does not have (expired, or its client left).
                return new RelayRoute(MsrpStatus.SessionDoesNotExist, "unknown session", 0, null, null);
            }
            local = next;
            pops++;
        }
        if (pops >= uris.Count)
        {
            return new RelayRoute(MsrpStatus.SessionDoesNotExist, "To-Path ends at the relay", 0, null, null);
        }
        if (local is not null)
        {
            // Both ends use this relay: deliver to the client owning the last Use-Path popped.
            return new RelayRoute(0, string.Empty, pops, local.Owner, null);
        }
        if (!MsrpUri.TryParse(uris[pops], out var hop))
        {
            return new RelayRoute(MsrpStatus.BadRequest, "bad next-hop URI", 0, null, null);
        }
        return new RelayRoute(0, string.Empty, pops, null, hop);
    }

    /// <summary>Opens (or reuses, RFC 4975 §8.1) a connection to the authority of <paramref name="target"/>.</summary>
    internal async ValueTask<MsrpRelayConnection> ConnectAsync(MsrpUri target, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        string key = string.Create(CultureInfo.InvariantCulture, $"{target.Scheme}://{target.Host}:{target.EffectivePort}");
        while (true)
        {
            var pending = _outbound.GetOrAdd(key, k => OpenAsync(target, k, _stopping.Token));
            MsrpRelayConnection connection;
            try
            {
                connection = await pending.WaitAsync(ct).ConfigureAwait(false);
            }
            catch when (!ct.IsCancellationRequested)
            {
                _outbound.TryRemove(new KeyValuePair<string, Task<MsrpRelayConnection>>(key, pending));
                throw;
            }
            if (!connection.IsClosed)
            {
                return connection;
            }
            _outbound.TryRemove(new KeyValuePair<string, Task<MsrpRelayConnection>>(key, pending));
        }
    }

    private async Task<MsrpRelayConnection> OpenAsync(MsrpUri target, string key, CancellationToken ct)
    {
        var host = target.Host.StartsWith('[') ? target.Host[1..^1] : target.Host;
        if (!IPAddress.TryParse(host, out var address))
        {
            var addresses = await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
            address = addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
        }
        var tls = target.IsSecure ? Options.ClientTls ?? new TlsClientOptions() : null;
        var transport = await SocketConnection.ConnectAsync(new IPEndPoint(address, target.EffectivePort), Options.EffectiveSocket, tls, _loggerFactory.CreateLogger("RcsCore.Msrp.Transport"), ct).ConfigureAwait(false);
        var connection = new MsrpRelayConnection(this, transport, Logger) { OutboundKey = key };
        _connections[connection] = 0;
        connection.Start();
        return connection;
    }

    /// <summary>A forwarded transaction got no response (timeout or lost connection).</summary>
    internal void OnTransactionFailed(MsrpRelayTransaction t, string reason)
    {
        if (t.TimeoutIsSuccess)
        {
            return;
        }
        MsrpRelayLog.TransactionFailed(Logger, t.Id, reason);
        if (t.IsSend)
        {
            // RFC 4975 §7.1.2: a failure is reported unless Failure-Report is no (checked in SendFailureReport).
            SendFailureReport(t, MsrpStatus.RequestTimeout, null);
            return;
        }
        // RFC 4976 §6.5: the relay answers the forwarded request itself with 408.
        t.Upstream.SendControl(MsrpRelayWire.Response(t.UpstreamTid, MsrpStatus.RequestTimeout, t.UpstreamFromPath, t.LocalUri, null));
    }

    /// <summary>RFC 4975 §7.1.2 / RFC 4976 §6.5: a failure REPORT back along the From-Path, unless Failure-Report is no.</summary>
    internal void SendFailureReport(MsrpRelayTransaction t, int status, string? comment)
    {
        if (t.FailureReport == MsrpReportMode.No)
        {
            return;
        }
        MsrpRelayLog.FailureReportSent(Logger, status, t.MessageId, t.UpstreamFromPath);
        t.Upstream.SendControl(MsrpRelayWire.FailureReport(t.UpstreamFromPath, t.LocalUri, t.MessageId, t.ByteRange, status, comment));
    }

    internal void OnConnectionClosed(MsrpRelayConnection connection)
    {
        _connections.TryRemove(connection, out _);
        if (connection.OutboundKey is { } key && _outbound.TryGetValue(key, out var task) && task.IsCompletedSuccessfully && ReferenceEquals(task.Result, connection))
        {
            _outbound.TryRemove(new KeyValuePair<string, Task<MsrpRelayConnection>>(key, task));
        }
        foreach (var pair in _sessions)
        {
            if (ReferenceEquals(pair.Value.Owner, connection))
            {
                // Requests for this client can only be delivered on the connection it authenticated on (RFC 4976 §5.3).
                RemoveSession(pair.Value, "connection closed");
            }
        }
    }

    private void Sweep()
    {
        var now = Options.TimeProvider.GetUtcNow();
        foreach (var pair in _sessions)
        {
            if (pair.Value.ExpiresAt <= now)
            {
                RemoveSession(pair.Value, "expired");
            }
        }
        long ts = Options.TimeProvider.GetTimestamp();
        foreach (var connection in _connections.Keys)
        {
            connection.SweepTransactions(ts);
        }
        _verifier.Sweep();
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
                var connection = new MsrpRelayConnection(this, transport, Logger);
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

    /// <summary>Stops listening and closes every connection; granted Use-Paths are forgotten.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _sweep.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _sessions.Clear();
        _stopping.Dispose();
    }

    /// <summary>A Use-Path the relay granted: its session-id, the client connection it is bound to, and its expiry.</summary>
    private sealed class RelaySession(string id, string usePath, MsrpRelayConnection owner, string user, string clientPath)
    {
        public string Id { get; } = id;

        public string UsePath { get; } = usePath;

        public MsrpRelayConnection Owner { get; } = owner;

        public string User { get; } = user;

        public string ClientPath { get; } = clientPath;

        public DateTimeOffset ExpiresAt { get; set; }
    }
}
