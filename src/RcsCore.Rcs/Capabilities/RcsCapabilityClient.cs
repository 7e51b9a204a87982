using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs.Capabilities;

/// <summary>
/// OPTIONS-based capability discovery of a terminal (GSMA RCC.07 §2.6.1.1, RFC 3840 §6): asks a peer with an OPTIONS
/// carrying the own feature tags in Contact (and Accept-Contact), reads the peer's tags from the 200 OK Contact, and
/// caches the outcome per peer with the RCS expiry rules: RCS capabilities for CAPABILITY INFO EXPIRY, "not RCS"
/// (404/604) for NON RCS CAPABILITY INFO EXPIRY, "offline" (480/408, last known capabilities kept) for SERVICE
/// AVAILABILITY INFO EXPIRY. Also the OPTIONS handler of the terminal's <see cref="SipUserAgent"/>: it answers with
/// the own tags and learns the asking peer's from its Contact, so the first contact exchanges capabilities both ways.
/// Time comes from the injected <see cref="TimeProvider"/>. Thread-safe; concurrent queries for a peer share one exchange.
/// </summary>
public sealed partial class RcsCapabilityClient : ISipRequestHandler, IDisposable
{
    private readonly SipUserAgent _ua;
    private readonly RcsCapabilityOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RcsCapabilityResult> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<RcsCapabilityResult>> _inFlight = new(StringComparer.Ordinal);
    private ITimer? _pollTimer;
    private int _polling;

    /// <summary>Creates the client on a user agent (register it for OPTIONS with <c>ua.Handle("OPTIONS", client)</c>, or use <see cref="Attach"/>).</summary>
    public RcsCapabilityClient(SipUserAgent ua, RcsCapabilityOptions options, TimeProvider? timeProvider = null, ILogger<RcsCapabilityClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(ua);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ua = ua;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The configuration.</summary>
    public RcsCapabilityOptions Options => _options;

    /// <summary>Raised when what is known of a peer changes (a query, or the peer's own OPTIONS).</summary>
    public event EventHandler<RcsCapabilityResult>? Updated;

    /// <summary>Number of peers in the cache.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>Makes the client the OPTIONS handler of its user agent (RFC 3261 §11.2 answers then carry the own tags).</summary>
    public RcsCapabilityClient Attach()
    {
        _ua.Handle("OPTIONS", this);
        return this;
    }

    /// <summary>
    /// The capabilities of <paramref name="peer"/>: from the cache while valid, otherwise by an OPTIONS exchange
    /// (the first contact with a peer always exchanges). Never throws for network outcomes: a timeout is
    /// <see cref="RcsCapabilityStatus.Offline"/> (408), a transport error <see cref="RcsCapabilityStatus.Failed"/>.
    /// </summary>
    public Task<RcsCapabilityResult> GetCapabilitiesAsync(SipUri peer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        string key = peer.ToAddressOfRecord();
        if (_cache.TryGetValue(key, out var cached) && cached.ValidUntil > _time.GetUtcNow())
        {
            Log.CacheHit(_logger, key, cached.Status);
            return Task.FromResult(cached.AsCached());
        }
        return QueryShared(peer, key, ct);
    }

    /// <summary>Asks <paramref name="peer"/> now, whatever the cache holds, and updates the cache.</summary>
    public Task<RcsCapabilityResult> RefreshAsync(SipUri peer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return QueryShared(peer, peer.ToAddressOfRecord(), ct);
    }

    /// <summary>What the cache holds for <paramref name="peer"/> (valid or not), without any exchange.</summary>
    public bool TryGetCached(SipUri peer, out RcsCapabilityResult? result)
    {
        ArgumentNullException.ThrowIfNull(peer);
        bool found = _cache.TryGetValue(peer.ToAddressOfRecord(), out var r);
        result = found ? r!.AsCached() : null;
        return found;
    }

    /// <summary>Forgets a peer.</summary>
    public bool Invalidate(SipUri peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return _cache.TryRemove(peer.ToAddressOfRecord(), out _);
    }

    /// <summary>
    /// One polling round (POLLING PERIOD): queries again every cached peer whose information is at least
    /// <see cref="RcsCapabilityOptions.PollingPeriod"/> old, one after the other. Returns how many were queried;
    /// 0 when polling is disabled or a round is already running.
    /// </summary>
    public async Task<int> PollAsync(CancellationToken ct = default)
    {
        if (_options.PollingPeriod <= TimeSpan.Zero || Interlocked.Exchange(ref _polling, 1) == 1)
        {
            return 0;
        }
        try
        {
            var now = _time.GetUtcNow();
            int count = 0;
            foreach (var entry in _cache.Values.ToArray())
            {
                ct.ThrowIfCancellationRequested();
                if (now - entry.RetrievedAt >= _options.PollingPeriod && SipUri.TryParse(entry.Peer, out var uri))
                {
                    await QueryShared(uri, entry.Peer, ct).ConfigureAwait(false);
                    count++;
                }
            }
            Log.Polled(_logger, count);
            return count;
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }

    /// <summary>Starts polling every <see cref="RcsCapabilityOptions.PollingPeriod"/> on the client's clock (no-op when disabled).</summary>
    public void StartPolling()
    {
        if (_options.PollingPeriod <= TimeSpan.Zero || _pollTimer is not null)
        {
            return;
        }
        _pollTimer = _time.CreateTimer(static s => _ = ((RcsCapabilityClient)s!).PollInBackgroundAsync(), this, _options.PollingPeriod, _options.PollingPeriod);
    }

    private async Task PollInBackgroundAsync()
    {
        try
        {
            await PollAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            Log.PollFailed(_logger, e);
        }
    }

    private Task<RcsCapabilityResult> QueryShared(SipUri peer, string key, CancellationToken ct)
    {
        // Concurrent look-ups of one peer share the exchange; the exchange itself is not cancelled by one caller.
        var task = _inFlight.GetOrAdd(key, k => QueryAsync(peer, k));
        return ct.CanBeCanceled ? task.WaitAsync(ct) : task;
    }

    private async Task<RcsCapabilityResult> QueryAsync(SipUri peer, string key)
    {
        try
        {
            await Task.Yield();
            var request = BuildOptions(peer);
            SipResponse response;
            try
            {
                response = await _ua.SendRequestAsync(request, _options.NextHop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or ObjectDisposedException or SipTransportException)
            {
                Log.QueryFailed(_logger, key, e);
                return Store(key, RcsCapabilityStatus.Failed, RcsCapabilities.None, 503);
            }
            return FromResponse(key, response);
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    private SipRequest BuildOptions(SipUri peer)
    {
        var b = _ua.CreateRequest("OPTIONS", peer, _options.NextHop);
        for (int i = 0; i < _options.Route.Count; i++)
        {
            b.AddHeader(SipHeaderName.Route, _options.Route[i]);
        }
        // GSMA RCC.07 §2.6.1.1: the OPTIONS carries the sender's own feature tags in its Contact (RFC 3840 §6).
        b.AddHeader(SipHeaderName.Contact, "<" + OwnContact().Text + ">" + _options.Own.Features);
        if (_options.SendAcceptContact && !_options.Own.IsEmpty)
        {
            // RFC 3841 §9.2: a preference for contacts with the same services (no require: nothing is excluded).
            b.AddHeader(SipHeaderName.AcceptContact, "*" + _options.Own.Features);
        }
        b.AddHeader(SipHeaderName.Accept, "application/sdp");
        return b.Build();
    }

    private SipUri OwnContact()
    {
        if (_options.ContactUri is { } configured)
        {
            return configured;
        }
        var sentBy = _ua.Options.SentBy(_options.NextHop);
        string? transport = _options.NextHop.Protocol switch
        {
            SipTransportProtocol.Tcp => "tcp",
            SipTransportProtocol.Tls => "tls",
            _ => null,
        };
        return SipUri.Create(_ua.Options.LocalIdentity.Uri.User, sentBy.Host, sentBy.Port, transport: transport);
    }

    private RcsCapabilityResult FromResponse(string key, SipResponse response)
    {
        int status = response.StatusCode;
        switch (status)
        {
            case >= 200 and < 300:
                {
                    // RFC 3840 §6: the 2xx Contact carries the callee's feature tags (several contacts: their union).
                    var features = SipFeatureSet.Union(response.Contacts.Select(c => SipFeatureSet.FromParameters(c.Parameters)));
                    var caps = RcsCapabilities.FromFeatures(features);
                    return Store(key, caps.IsEmpty ? RcsCapabilityStatus.NotRcs : RcsCapabilityStatus.Rcs, caps, status);
                }
            case 404 or 604:
                // GSMA RCC.07 §2.6.1.1: the user does not exist as an RCS user.
                return Store(key, RcsCapabilityStatus.NotRcs, RcsCapabilities.None, status);
            case 480 or 408:
                {
                    // GSMA RCC.07 §2.6.1.1: temporarily not reachable (offline): keep what was known.
                    var last = _cache.TryGetValue(key, out var previous) && previous.Status is RcsCapabilityStatus.Rcs or RcsCapabilityStatus.Offline
                        ? previous.Capabilities
                        : RcsCapabilities.None;
                    return Store(key, RcsCapabilityStatus.Offline, last, status);
                }
            default:
                Log.Unexpected(_logger, key, status);
                return new RcsCapabilityResult(key, RcsCapabilityStatus.Failed, RcsCapabilities.None, status, _time.GetUtcNow(), _time.GetUtcNow(), fromCache: false);
        }
    }

    private RcsCapabilityResult Store(string key, RcsCapabilityStatus status, RcsCapabilities caps, int statusCode)
    {
        var now = _time.GetUtcNow();
        if (status == RcsCapabilityStatus.Failed)
        {
            return new RcsCapabilityResult(key, status, caps, statusCode, now, now, fromCache: false);
        }
        var validity = status switch
        {
            RcsCapabilityStatus.Rcs => _options.CapabilityInfoExpiry,
            RcsCapabilityStatus.NotRcs => _options.NonRcsCapabilityInfoExpiry,
            _ => _options.ServiceAvailabilityInfoExpiry,
        };
        var result = new RcsCapabilityResult(key, status, caps, statusCode, now, now + validity, fromCache: false);
        _cache[key] = result;
        Trim();
        Log.Learnt(_logger, key, status, statusCode, caps.Services.Count);
        try
        {
            Updated?.Invoke(this, result);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.HandlerFailed(_logger, e);
        }
        return result;
    }

    private void Trim()
    {
        int excess = _cache.Count - _options.MaxCacheEntries;
        if (excess <= 0)
        {
            return;
        }
        foreach (var old in _cache.Values.OrderBy(r => r.RetrievedAt).Take(excess).ToArray())
        {
            _cache.TryRemove(new KeyValuePair<string, RcsCapabilityResult>(old.Peer, old));
        }
    }

    /// <summary>
    /// Answers an OPTIONS (RFC 3261 §11.2) with the own feature tags in the 200 OK Contact (RFC 3840 §6, GSMA RCC.07
    /// §2.6.1.1) and records the sender's tags from its Contact (the exchange on first contact works both ways).
    /// </summary>
    public ValueTask<SipResponse?> HandleAsync(SipIncomingRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Request.From?.Uri is { } from && request.Request.Contacts is { Count: > 0 } contacts)
        {
            var caps = RcsCapabilities.FromFeatures(SipFeatureSet.Union(contacts.Select(c => SipFeatureSet.FromParameters(c.Parameters))));
            if (!caps.IsEmpty)
            {
                Store(from.ToAddressOfRecord(), RcsCapabilityStatus.Rcs, caps, 0);
            }
        }
        var response = request.CreateResponse(200);
        response.AddHeader(SipHeaderName.Contact, "<" + (_options.ContactUri ?? ContactFor(request.Remote)).Text + ">" + _options.Own.Features);
        return ValueTask.FromResult<SipResponse?>(response.Build());
    }

    private SipUri ContactFor(SipEndPoint remote)
    {
        var sentBy = _ua.Options.SentBy(remote);
        string? transport = remote.Protocol switch
        {
            SipTransportProtocol.Tcp => "tcp",
            SipTransportProtocol.Tls => "tls",
            _ => null,
        };
        return SipUri.Create(_ua.Options.LocalIdentity.Uri.User, sentBy.Host, sentBy.Port, transport: transport);
    }

    /// <summary>Stops polling.</summary>
    public void Dispose()
    {
        _pollTimer?.Dispose();
        _pollTimer = null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "Capabilities of {Peer}: {Status} ({StatusCode}), {Services} known services")]
        public static partial void Learnt(ILogger logger, string peer, RcsCapabilityStatus status, int statusCode, int services);

        [LoggerMessage(EventId = 5101, Level = LogLevel.Trace, Message = "Capabilities of {Peer} from the cache: {Status}")]
        public static partial void CacheHit(ILogger logger, string peer, RcsCapabilityStatus status);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Capability query of {Peer} failed")]
        public static partial void QueryFailed(ILogger logger, string peer, Exception exception);

        [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Capability query of {Peer} answered {StatusCode}: not cached")]
        public static partial void Unexpected(ILogger logger, string peer, int statusCode);

        [LoggerMessage(EventId = 5104, Level = LogLevel.Debug, Message = "Capability polling round: {Count} peers queried")]
        public static partial void Polled(ILogger logger, int count);

        [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Capability polling round failed")]
        public static partial void PollFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "A capability Updated handler threw")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);
    }
}
