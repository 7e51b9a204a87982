using System.Buffers;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp;

/// <summary>
/// An authenticated relay (RFC 4976 §5): the connection to it (kept open: the relay delivers incoming messages on
/// it), the Use-Path it issued and when that expires. Renews itself with a new AUTH before expiry. Pass it to
/// <see cref="MsrpEndpoint.CreateSession"/> to route sessions through the relay (RFC 4976 §7).
/// </summary>
public sealed class MsrpRelayBinding : IAsyncDisposable
{
    private readonly MsrpEndpoint _endpoint;
    private readonly IMsrpDigestCredentials _credentials;
    private readonly TimeSpan? _requested;
    private readonly ILogger _logger;
    private ITimer? _refresh;
    private int _nonceCount;
    private int _disposed;

    internal MsrpRelayBinding(MsrpEndpoint endpoint, MsrpUri relayUri, MsrpConnection connection, MsrpUri clientUri, IMsrpDigestCredentials credentials, TimeSpan? expires, ILogger logger)
    {
        _endpoint = endpoint;
        RelayUri = relayUri;
        Connection = connection;
        ClientUri = clientUri;
        _credentials = credentials;
        _requested = expires;
        _logger = logger;
    }

    /// <summary>The relay's URI.</summary>
    public MsrpUri RelayUri { get; }

    /// <summary>The URI this client used as From-Path in AUTH.</summary>
    public MsrpUri ClientUri { get; }

    /// <summary>The Use-Path of the last successful AUTH (RFC 4976 §5.1): goes first in a=path and in To-Path.</summary>
    public IReadOnlyList<MsrpUri> UsePath { get; private set; } = [];

    /// <summary>The lifetime the relay granted.</summary>
    public TimeSpan Expires { get; private set; }

    /// <summary>When the Use-Path expires unless renewed.</summary>
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>Successful AUTH exchanges so far (1 after the first, more after renewals).</summary>
    public int AuthCount { get; private set; }

    internal MsrpConnection Connection { get; }

    /// <summary>
    /// RFC 4976 §5.1: AUTH; on 401 answer the digest challenge; on 423 retry once within Min-/Max-Expires; on 200
    /// keep Use-Path and Expires and schedule the renewal.
    /// </summary>
    internal async Task AuthenticateAsync(CancellationToken ct)
    {
        long? expires = _requested is { } e ? (long)e.TotalSeconds : null;
        string? authorization = null;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            var response = await SendAuthAsync(authorization, expires, ct).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case MsrpStatus.Ok:
                    Accept(response);
                    return;
                case MsrpStatus.Unauthorized when authorization is null || attempt < 3:
                    if (!MsrpDigest.TryParse(response.WwwAuthenticate, out var challenge))
                    {
                        throw new MsrpException(MsrpStatus.Unauthorized, "The relay's 401 has no Digest challenge.");
                    }
                    authorization = MsrpDigest.Authorize(challenge, _credentials, RelayUri.ToString(), Interlocked.Increment(ref _nonceCount));
                    break;
                case MsrpStatus.IntervalOutOfBounds when response.MinExpires > 0 || response.MaxExpires > 0:
                    expires = response.MinExpires > 0 ? response.MinExpires : response.MaxExpires;
                    break;
                default:
                    throw new MsrpException(response.StatusCode, $"AUTH to {RelayUri} failed: {response.StatusCode} {response.Comment}".TrimEnd());
            }
        }
        throw new MsrpException(MsrpStatus.Unauthorized, $"AUTH to {RelayUri} was not accepted.");
    }

    private void Accept(MsrpHeadInfo response)
    {
        if (response.UsePath is null || !MsrpUri.TryParsePath(System.Text.Encoding.ASCII.GetBytes(response.UsePath), out var usePath))
        {
            throw new MsrpException(MsrpStatus.Ok, "The relay's 200 to AUTH has no valid Use-Path (RFC 4976 §5.1).");
        }
        UsePath = usePath;
        long seconds = response.Expires > 0 ? response.Expires : 3600;
        Expires = TimeSpan.FromSeconds(seconds);
        var time = _endpoint.Options.TimeProvider;
        ExpiresAt = time.GetUtcNow() + Expires;
        AuthCount++;
        MsrpLog.Authenticated(_logger, RelayUri, response.StatusCode, response.UsePath, seconds);
        // Renew at 80% of the lifetime (at least a second before expiry).
        var due = TimeSpan.FromSeconds(Math.Max(1, Math.Min(seconds * 0.8, seconds - 1)));
        if (Volatile.Read(ref _disposed) == 0)
        {
            _refresh?.Dispose();
            _refresh = time.CreateTimer(static s => _ = ((MsrpRelayBinding)s!).RefreshAsync(), this, due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RefreshAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || Connection.IsClosed)
        {
            return;
        }
        try
        {
            using var cts = new CancellationTokenSource(_endpoint.Options.TransactionTimeout * 2, _endpoint.Options.TimeProvider);
            await AuthenticateAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MsrpException or IOException or OperationCanceledException)
        {
            MsrpLog.ReauthFailed(_logger, RelayUri, ex);
        }
    }

    private async Task<MsrpHeadInfo> SendAuthAsync(string? authorization, long? expires, CancellationToken ct)
    {
        string tid = MsrpWire.NewId();
        var w = new ArrayBufferWriter<byte>(512);
        MsrpWire.RequestLine(w, tid, "AUTH");
        MsrpWire.Header(w, "To-Path"u8, RelayUri.ToString());
        MsrpWire.Header(w, "From-Path"u8, ClientUri.ToString());
        if (authorization is not null)
        {
            MsrpWire.Header(w, "Authorization"u8, authorization);
        }
        if (expires is long e)
        {
            MsrpWire.Header(w, "Expires"u8, e.ToString(CultureInfo.InvariantCulture));
        }
        MsrpWire.EndLine(w, tid, MsrpContinuation.Complete, afterBody: false);
        var done = new TaskCompletionSource<MsrpHeadInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        Connection.AddTransaction(new MsrpTransaction(tid, (status, head, reason) =>
        {
            if (head is not null)
            {
                done.TrySetResult(head);
            }
            else
            {
                done.TrySetException(new MsrpException(status, $"AUTH to {RelayUri}: {reason}"));
            }
        }));
        Connection.EnqueueControl(w.WrittenSpan.ToArray());
        return await done.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    internal void StopRefresh()
    {
        Volatile.Write(ref _disposed, 1);
        _refresh?.Dispose();
    }

    /// <summary>Stops renewing and closes the relay connection (sessions through it stop working).</summary>
    public async ValueTask DisposeAsync()
    {
        StopRefresh();
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
