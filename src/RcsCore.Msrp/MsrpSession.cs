using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp;

/// <summary>Settings of one <see cref="MsrpSession"/> (what goes into its SDP, RFC 4975 §8).</summary>
public sealed record MsrpSessionOptions
{
    /// <summary>The a=accept-types (RFC 4975 §8.6); <c>*</c> accepts anything. Default: <c>*</c>.</summary>
    public IReadOnlyList<string> AcceptTypes { get; init; } = ["*"];

    /// <summary>The a=accept-wrapped-types (RFC 4975 §8.6), or empty.</summary>
    public IReadOnlyList<string> AcceptWrappedTypes { get; init; } = [];

    /// <summary>The a=max-size (RFC 4975 §8.7): larger messages are refused with 413. Null: no limit.</summary>
    public long? MaxSize { get; init; }

    /// <summary>
    /// 0-based offset at which new incoming messages start; 0 by default. A resumed file transfer (RFC 5547 §9, the new
    /// session's SDP carries <c>a=file-range</c>) sends only the bytes from there on: its first chunk's Byte-Range starts
    /// past 1, and with this set the body streams from that offset instead of waiting for the bytes before it as
    /// out-of-order data (RFC 4975 §7.1.1). Bytes before the offset are dropped as already received.
    /// </summary>
    public long IncomingStartOffset { get; init; }

    /// <summary>
    /// Hold the success REPORT of a complete incoming message (RFC 4975 §7.1.2, when the sender asked for one) until
    /// the application calls <see cref="MsrpIncomingMessage.ConfirmDelivery"/>, e.g. once it stored the message
    /// durably, so the sender's "delivered" means "kept"; <see cref="MsrpIncomingMessage.RefuseDelivery"/> sends a
    /// failure REPORT instead. Default false: the REPORT goes as soon as the last byte arrives.
    /// </summary>
    public bool DeferSuccessReports { get; init; }
}

/// <summary>
/// One MSRP session (RFC 4975 §5): a local URI with a random session-id, the peer's path, and the connection it is
/// bound to. Create with <see cref="MsrpEndpoint.CreateSession"/>, put <see cref="LocalDescription"/> into the SDP,
/// call <see cref="StartAsync"/> with the peer's description, then <c>SendAsync</c> and <see cref="ReceiveAsync"/>.
/// </summary>
public sealed partial class MsrpSession : IAsyncDisposable
{
    private readonly MsrpEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly MsrpEndpointOptions _options;
    private readonly Lock _sync = new();
    private readonly TaskCompletionSource<MsrpConnection> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, MsrpIncomingMessage> _incoming = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OutgoingMessage> _outgoing = new(StringComparer.Ordinal);
    private readonly Channel<MsrpIncomingMessage> _queue;
    private MsrpConnection? _connection;
    private IReadOnlyList<MsrpUri>? _remotePath;
    private string? _toPath;
    private int _disposed;

    internal MsrpSession(MsrpEndpoint endpoint, MsrpUri localUri, MsrpSessionOptions options, MsrpRelayBinding? relay, ILogger logger)
    {
        _endpoint = endpoint;
        _options = endpoint.Options;
        _logger = logger;
        LocalUri = localUri;
        Options = options;
        Relay = relay;
        LocalPath = relay is null ? [localUri] : [.. relay.UsePath, localUri];
        FromPath = localUri.ToString();
        _queue = Channel.CreateBounded<MsrpIncomingMessage>(new BoundedChannelOptions(_options.MaxQueuedMessages) { SingleReader = false, SingleWriter = true });
    }

    /// <summary>This session's URI (the last a=path entry; RFC 4975 §6).</summary>
    public MsrpUri LocalUri { get; }

    /// <summary>What this session puts in a=path: the relay's Use-Path, if any, then <see cref="LocalUri"/> (RFC 4976 §5).</summary>
    public IReadOnlyList<MsrpUri> LocalPath { get; }

    /// <summary>The relay this session routes through, or null.</summary>
    public MsrpRelayBinding? Relay { get; }

    /// <summary>The session options.</summary>
    public MsrpSessionOptions Options { get; }

    /// <summary>The description of this side for the SDP offer or answer (see <see cref="MsrpSessionDescription.ToSdpMedia"/>).</summary>
    public MsrpSessionDescription LocalDescription => new(LocalPath)
    {
        AcceptTypes = Options.AcceptTypes,
        AcceptWrappedTypes = Options.AcceptWrappedTypes,
        MaxSize = Options.MaxSize,
        Fingerprint = _endpoint.CertificateFingerprint,
    };

    /// <summary>The peer's a=path, once <see cref="StartAsync"/> ran.</summary>
    public IReadOnlyList<MsrpUri>? RemotePath => _remotePath;

    /// <summary>True once the session is bound to a connection (RFC 4975 §5.4).</summary>
    public bool IsBound => _bound.Task.IsCompletedSuccessfully;

    /// <summary>Completes when the session is bound to a connection (for a passive side: when the peer's first request arrives).</summary>
    public Task WhenBound => _bound.Task;

    internal string FromPath { get; }

    internal MsrpConnection? Connection => _connection;

    /// <summary>
    /// Starts the session with the peer's description. Active (RFC 6135: we open the connection; see
    /// <see cref="MsrpSessionDescription.IsActiveRole"/>): connects to the first hop of the peer's path (reusing a
    /// connection to the same authority, RFC 4975 §8.1), checks its certificate against the peer's a=fingerprint
    /// (RFC 4975 §14.4) and binds with an empty SEND (RFC 4975 §5.4). Passive: returns at once; the session binds to
    /// the connection the peer's first request arrives on. Through a relay the session uses the relay's connection.
    /// </summary>
    public async ValueTask StartAsync(MsrpSessionDescription remote, bool active, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (remote.Path.Count == 0)
        {
            throw new ArgumentException("The remote description has no a=path.", nameof(remote));
        }
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _remotePath = remote.Path;
        RemoteDescription = remote;
        // RFC 4976 §7: To-Path = our relay's Use-Path, then the peer's a=path (which holds the peer's relays).
        _toPath = MsrpUri.FormatPath(Relay is null ? remote.Path : [.. Relay.UsePath, .. remote.Path]);
        MsrpConnection? connection = null;
        if (Relay is not null)
        {
            connection = Relay.Connection;
        }
        else if (active)
        {
            connection = await _endpoint.ConnectAsync(remote.Path[0], remote.Fingerprint, ct).ConfigureAwait(false);
        }
        if (connection is null)
        {
            return;
        }
        if (!TryBind(connection))
        {
            throw new InvalidOperationException("The session is already bound to another connection.");
        }
        if (active)
        {
            await SendBindAsync(connection, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The peer's description given to <see cref="StartAsync"/>.</summary>
    public MsrpSessionDescription? RemoteDescription { get; private set; }

    /// <summary>Takes the next incoming message (announced at its first chunk; its body streams).</summary>
    public ValueTask<MsrpIncomingMessage> ReceiveAsync(CancellationToken ct = default) => _queue.Reader.ReadAsync(ct);

    /// <summary>Incoming messages as an async stream; ends when the session is disposed.</summary>
    public IAsyncEnumerable<MsrpIncomingMessage> ReadAllAsync(CancellationToken ct = default) => _queue.Reader.ReadAllAsync(ct);

    private bool TryBind(MsrpConnection connection)
    {
        lock (_sync)
        {
            if (_connection is null)
            {
                _connection = connection;
                MsrpLog.SessionBound(_logger, LocalUri, connection.Name);
                _bound.TrySetResult(connection);
                return true;
            }
            return ReferenceEquals(_connection, connection);
        }
    }

    internal async ValueTask<MsrpConnection> WaitBoundAsync(CancellationToken ct)
    {
        var connection = await _bound.Task.WaitAsync(ct).ConfigureAwait(false);
        if (connection.IsClosed)
        {
            throw new IOException("The session's connection is closed.");
        }
        return connection;
    }

    /// <summary>The connection this session was bound to closed: every message in flight fails.</summary>
    internal void OnConnectionLost(MsrpConnection connection)
    {
        if (!ReferenceEquals(_connection, connection))
        {
            return;
        }
        FailAll("connection closed");
    }

    private void FailAll(string reason)
    {
        List<MsrpIncomingMessage> incoming;
        lock (_sync)
        {
            incoming = [.. _incoming.Values];
            _incoming.Clear();
        }
        foreach (var m in incoming)
        {
            m.Finish(MsrpReceiveOutcome.Failed, reason);
        }
        foreach (var pair in _outgoing)
        {
            pair.Value.Fail(MsrpStatus.RequestTimeout, reason);
        }
    }

    /// <summary>Removes the session from its endpoint; messages in flight fail. The shared connection stays open.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }
        _endpoint.RemoveSession(this);
        _bound.TrySetException(new ObjectDisposedException(nameof(MsrpSession)));
        FailAll("session closed");
        _queue.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => LocalUri.ToString();
}
