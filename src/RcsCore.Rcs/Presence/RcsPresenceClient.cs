using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs.Presence;

/// <summary>Settings of a <see cref="RcsPresenceClient"/>.</summary>
public sealed class RcsPresenceClientOptions
{
    /// <summary>Where PUBLISH and SUBSCRIBE are sent (the P-CSCF or the message centre).</summary>
    public required SipEndPoint NextHop { get; init; }

    /// <summary>The presentity published (Request-URI and To of PUBLISH); the user agent's identity when null.</summary>
    public SipNameAddress? PublicIdentity { get; init; }

    /// <summary>The publication duration asked for, in seconds (RFC 3903 §4.1).</summary>
    public uint PublishExpires { get; init; } = 3600;

    /// <summary>The subscription duration asked for, in seconds.</summary>
    public uint SubscribeExpires { get; init; } = 3600;
}

/// <summary>
/// Presence-based capability discovery (GSMA RCC.07 presence, RFC 3856, RFC 3903): publishes the own services as PIDF
/// and keeps the publication alive with SIP-If-Match refreshes, fetches a peer's services once (anonymous fetch:
/// SUBSCRIBE with Expires: 0), or subscribes to them.
/// </summary>
public sealed class RcsPresenceClient : IAsyncDisposable
{
    private readonly SipUserAgent _ua;
    private readonly RcsPresenceClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private ITimer? _refresh;
    private byte[]? _body;
    private bool _disposed;

    /// <summary>Creates a client on <paramref name="ua"/>.</summary>
    public RcsPresenceClient(SipUserAgent ua, RcsPresenceClientOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(ua);
        ArgumentNullException.ThrowIfNull(options);
        _ua = ua;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The entity tag of the live publication (RFC 3903 §4.1); null when nothing is published.</summary>
    public string? ETag { get; private set; }

    /// <summary>Raised after every publication response (initial, refresh or republish).</summary>
    public event EventHandler<SipResponse>? Published;

    /// <summary>
    /// Publishes <paramref name="capabilities"/> (RFC 3903 §4.1 initial or, with a live entity tag, modifying PUBLISH) and
    /// schedules refreshes before the granted expiry. Returns the final response.
    /// </summary>
    public async Task<SipResponse> PublishCapabilitiesAsync(RcsCapabilities capabilities, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var self = (_options.PublicIdentity ?? _ua.Options.LocalIdentity).Uri;
        byte[] body = RcsPidfDocument.FromCapabilities(self.ToString(), capabilities, self.ToString()).Write();
        lock (_lock)
        {
            _body = body;
        }
        var response = await SendPublishAsync(body, ETag, _options.PublishExpires, ct).ConfigureAwait(false);
        if (response.StatusCode == 412)
        {
            // RFC 3903 §4.1: the compositor lost our entity tag; publish afresh.
            response = await SendPublishAsync(body, null, _options.PublishExpires, ct).ConfigureAwait(false);
        }
        return response;
    }

    /// <summary>Removes the publication (RFC 3903 §4.5: Expires 0 with the entity tag).</summary>
    public async Task UnpublishAsync(CancellationToken ct = default)
    {
        if (ETag is { } tag)
        {
            await SendPublishAsync(null, tag, 0, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Refreshes the publication now (RFC 3903 §4.2: SIP-If-Match, no body) and returns the response.</summary>
    public async Task<SipResponse> RefreshAsync(CancellationToken ct = default)
    {
        string tag = ETag ?? throw new InvalidOperationException("Nothing is published.");
        var response = await SendPublishAsync(null, tag, _options.PublishExpires, ct).ConfigureAwait(false);
        byte[]? body;
        lock (_lock)
        {
            body = _body;
        }
        if (response.StatusCode == 412 && body is not null)
        {
            // RFC 3903 §4.2: an unknown entity tag: republish the full state.
            response = await SendPublishAsync(body, null, _options.PublishExpires, ct).ConfigureAwait(false);
        }
        return response;
    }

    private async Task<SipResponse> SendPublishAsync(byte[]? body, string? ifMatch, uint expires, CancellationToken ct)
    {
        var self = _options.PublicIdentity ?? _ua.Options.LocalIdentity;
        var b = _ua.CreateRequest("PUBLISH", self.Uri, _options.NextHop, self);
        // RFC 3903 §4.1 / RFC 3856 §5: the presence event package.
        b.AddHeader(SipHeaderName.Event, "presence");
        b.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        if (ifMatch is not null)
        {
            b.AddHeader(SipHeaderName.SipIfMatch, ifMatch);
        }
        if (body is not null)
        {
            b.SetBody(body, RcsPidfDocument.ContentType);
        }
        var response = await _ua.SendRequestAsync(b.Build(), _options.NextHop, null, ct).ConfigureAwait(false);
        lock (_lock)
        {
            _refresh?.Dispose();
            _refresh = null;
            if (response.IsSuccess && expires != 0 && response.GetHeader(SipHeaderName.SipETag) is { } tag)
            {
                // RFC 3903 §4.1: remember the new entity tag and refresh before the granted expiry.
                ETag = tag.Trim();
                uint granted = response.Expires ?? expires;
                var delay = granted > 1200 ? TimeSpan.FromSeconds(granted - 600) : TimeSpan.FromSeconds(granted / 2.0);
                if (!_disposed && granted > 0)
                {
                    _refresh = _time.CreateTimer(static s => _ = ((RcsPresenceClient)s!).RefreshInBackgroundAsync(), this, delay, Timeout.InfiniteTimeSpan);
                }
            }
            else if (response.IsSuccess || response.StatusCode == 412)
            {
                ETag = null;
            }
        }
        Published?.Invoke(this, response);
        return response;
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            if (!_disposed && ETag is not null)
            {
                await RefreshAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The next PublishCapabilitiesAsync starts again.
        }
    }

    /// <summary>
    /// Anonymous fetch (RFC 3856 §3.2, RFC 6665 §4.4.3): SUBSCRIBE with Expires 0 and the single NOTIFY it brings; the
    /// peer's capabilities, <see cref="RcsCapabilities.None"/> when nothing is published, or null when the fetch failed.
    /// </summary>
    public async Task<RcsCapabilities?> FetchCapabilitiesAsync(SipUri peer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var received = new TaskCompletionSource<SipRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = _ua.CreateSubscription(Options(peer, 0));
        await using (subscription.ConfigureAwait(false))
        {
            subscription.NotifyReceived += (_, e) => received.TrySetResult(e.Request);
            if (!await subscription.StartAsync(ct).ConfigureAwait(false) && !received.Task.IsCompleted)
            {
                return null;
            }
            var completed = await Task.WhenAny(received.Task, subscription.Completion.WaitAsync(ct)).ConfigureAwait(false);
            if (completed != received.Task && !received.Task.IsCompleted)
            {
                return null;
            }
            return Read(await received.Task.ConfigureAwait(false));
        }
    }

    /// <summary>Subscribes to <paramref name="peer"/>'s presence (RFC 3856); read each NOTIFY with <see cref="Read"/>.</summary>
    public async Task<SipSubscription> SubscribeAsync(SipUri peer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return await _ua.SubscribeAsync(Options(peer, _options.SubscribeExpires), ct).ConfigureAwait(false);
    }

    /// <summary>The capabilities in a presence NOTIFY's PIDF body; null when the body is not PIDF.</summary>
    public static RcsCapabilities? Read(SipRequest notify)
    {
        ArgumentNullException.ThrowIfNull(notify);
        return RcsPidfDocument.TryParse(notify.Body, out var doc) ? doc!.ToCapabilities() : null;
    }

    private SipSubscribeOptions Options(SipUri peer, uint expires) => new()
    {
        Target = peer,
        Destination = _options.NextHop,
        Event = "presence",
        Expires = expires,
        Accept = [RcsPidfDocument.ContentType],
        AutoRefresh = expires != 0,
    };

    /// <summary>Stops the refresh timer (the publication is left to expire; call <see cref="UnpublishAsync"/> to remove it).</summary>
    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposed = true;
            _refresh?.Dispose();
            _refresh = null;
        }
        return ValueTask.CompletedTask;
    }
}
