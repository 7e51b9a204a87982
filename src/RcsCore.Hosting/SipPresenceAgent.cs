using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Presence;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Hosting;

/// <summary>
/// A minimal presence agent (RFC 3856) for the server's users: PUBLISH of PIDF documents (RFC 3903) kept in memory,
/// SUBSCRIBE/NOTIFY of the <c>presence</c> event package (RFC 6665) with the current document, and anonymous fetch
/// (SUBSCRIBE with Expires: 0 gets one NOTIFY with Subscription-State terminated, RFC 6665 §4.4.3).
/// </summary>
internal sealed class SipPresenceAgent : IDisposable
{
    public const string EventPackage = "presence";

    private readonly ISipRequestSender _sender;
    private readonly TimeProvider _time;
    private readonly string? _serverName;
    private readonly Func<SipRequest, string, bool> _authorize;
    private readonly Lock _lock = new();
    // AoR → its publications by entity tag (RFC 3903 §6).
    private readonly Dictionary<string, Dictionary<string, Publication>> _publications = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SipDialogId, Watcher> _watchers = new();
    private bool _disposed;

    public SipPresenceAgent(ISipRequestSender sender, TimeProvider time, string? serverName, Func<SipRequest, string, bool>? authorize = null)
    {
        _sender = sender;
        _time = time;
        _serverName = serverName;
        // Authorisation hook (RFC 3856 §5.1.1): everyone may watch for now.
        _authorize = authorize ?? ((_, _) => true);
    }

    public TimeSpan DefaultExpires { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan MinExpires { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan MaxExpires { get; init; } = TimeSpan.FromHours(2);

    public int WatcherCount => _watchers.Count;

    /// <summary>True for a SUBSCRIBE inside a presence subscription this agent holds, or a new one with Event: presence.</summary>
    public bool IsPresenceSubscribe(SipRequest request) =>
        request.Method == "SUBSCRIBE" && (request.To?.Tag is null ? IsPresenceEvent(request) : _watchers.ContainsKey(IdOf(request)));

    /// <summary>The current PIDF document of <paramref name="aor"/> (the latest live publication); null for none.</summary>
    public byte[]? Current(string aor)
    {
        lock (_lock)
        {
            return Latest(aor)?.Body;
        }
    }

    private Publication? Latest(string aor)
    {
        Publication? best = null;
        if (_publications.TryGetValue(aor, out var byTag))
        {
            foreach (var p in byTag.Values)
            {
                if (best is null || p.Sequence > best.Sequence)
                {
                    best = p;
                }
            }
        }
        return best;
    }

    /// <summary>RFC 3903 §6: processes a PUBLISH for one of our users.</summary>
    public SipResponse Publish(SipRequest request)
    {
        if (SipRequestChecks.Check(request) is { } failure)
        {
            return Reply(request, failure.StatusCode, failure.ReasonPhrase);
        }
        // RFC 3903 §6 step 2 / RFC 6665 §8.2.2: an event package we do not know gets 489.
        if (!IsPresenceEvent(request))
        {
            return Reply(request, 489, null, b => b.AddHeader(SipHeaderName.AllowEvents, EventPackage));
        }
        uint expires = request.Expires ?? (uint)DefaultExpires.TotalSeconds;
        uint min = (uint)MinExpires.TotalSeconds;
        if (expires != 0 && expires < min)
        {
            // RFC 3903 §6 step 5: too brief gets 423 with Min-Expires.
            return Reply(request, 423, null, b => b.AddHeader(SipHeaderName.MinExpires, min.ToString(CultureInfo.InvariantCulture)));
        }
        expires = Math.Min(expires, (uint)MaxExpires.TotalSeconds);
        string aor = request.RequestUri.ToAddressOfRecord();
        string? ifMatch = request.GetHeader(SipHeaderName.SipIfMatch)?.Trim();
        byte[]? body = null;
        if (!request.Body.IsEmpty)
        {
            // RFC 3903 §6 step 4: a body of a type the package does not take gets 415.
            if (request.ContentType?.Split(';')[0].Trim() is not { } type || !type.Equals(RcsPidfDocument.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return Reply(request, 415, null, b => b.AddHeader(SipHeaderName.Accept, RcsPidfDocument.ContentType));
            }
            if (!RcsPidfDocument.TryParse(request.Body, out _))
            {
                return Reply(request, 400, "Bad PIDF");
            }
            body = request.Body.ToArray();
        }
        else if (ifMatch is null)
        {
            // RFC 3903 §6 step 4: an initial PUBLISH needs a body.
            return Reply(request, 400, "Missing Body");
        }

        string etag;
        bool changed;
        lock (_lock)
        {
            if (!_publications.TryGetValue(aor, out var byTag))
            {
                byTag = new Dictionary<string, Publication>(StringComparer.Ordinal);
            }
            Publication? pub = null;
            if (ifMatch is not null && (!byTag.TryGetValue(ifMatch, out pub)))
            {
                // RFC 3903 §6 step 3: an unknown entity tag gets 412.
                return Reply(request, 412);
            }
            var before = Latest(aor);
            if (pub is not null)
            {
                byTag.Remove(pub.ETag);
                pub.Timer?.Dispose();
            }
            if (expires == 0)
            {
                // RFC 3903 §6 step 6: Expires 0 removes the publication.
                etag = ifMatch!;
            }
            else
            {
                // RFC 3903 §6 step 7-8: a new entity tag for every successful PUBLISH; a refresh keeps the document.
                etag = NewETag();
                var next = new Publication(etag, body ?? pub!.Body, body is null && pub is not null ? pub.Sequence : NextSequence());
                next.Timer = _time.CreateTimer(static s =>
                {
                    var (agent, a, tag) = ((SipPresenceAgent, string, string))s!;
                    agent.Expire(a, tag);
                }, (this, aor, etag), TimeSpan.FromSeconds(expires), Timeout.InfiniteTimeSpan);
                byTag[etag] = next;
            }
            if (byTag.Count == 0)
            {
                _publications.Remove(aor);
            }
            else
            {
                _publications[aor] = byTag;
            }
            changed = !ReferenceEquals(before?.Body, Latest(aor)?.Body);
        }
        if (changed)
        {
            NotifyWatchers(aor);
        }
        var ok = Response(request, 200);
        ok.AddHeader(SipHeaderName.SipETag, etag);
        ok.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        return ok.Build();
    }

    private long _sequence;

    private long NextSequence() => Interlocked.Increment(ref _sequence);

    private static string NewETag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    // RFC 3903 §6: a publication not refreshed in time is removed (the state goes back to the rest).
    private void Expire(string aor, string etag)
    {
        bool changed = false;
        lock (_lock)
        {
            if (_publications.TryGetValue(aor, out var byTag) && byTag.Remove(etag, out var pub))
            {
                pub.Timer?.Dispose();
                if (byTag.Count == 0)
                {
                    _publications.Remove(aor);
                }
                changed = true;
            }
        }
        if (changed)
        {
            NotifyWatchers(aor);
        }
    }

    private void NotifyWatchers(string aor)
    {
        foreach (var pair in _watchers)
        {
            if (pair.Value.Aor == aor)
            {
                pair.Value.Enqueue(this, null);
            }
        }
    }

    /// <summary>RFC 6665 §4.2.1 / RFC 3856 §6: processes a SUBSCRIBE to the presence package.</summary>
    public async ValueTask ProcessSubscribeAsync(SipRequest request, SipEndPoint source, long connectionId, Func<SipResponse, CancellationToken, ValueTask> respond, CancellationToken ct)
    {
        var (response, watcher, fetch) = Decide(request, source, connectionId);
        await respond(response, ct).ConfigureAwait(false);
        // RFC 6665 §4.2.1.2: a NOTIFY right after the 2xx; for a fetch or unsubscribe it ends the subscription (§4.4.3).
        watcher?.Enqueue(this, fetch ? "timeout" : null);
    }

    private (SipResponse, Watcher?, bool) Decide(SipRequest request, SipEndPoint source, long connectionId)
    {
        if (SipRequestChecks.Check(request) is { } failure)
        {
            return (Reply(request, failure.StatusCode, failure.ReasonPhrase), null, false);
        }
        if (!IsPresenceEvent(request))
        {
            return (Reply(request, 489, null, b => b.AddHeader(SipHeaderName.AllowEvents, EventPackage)), null, false);
        }
        uint expires = request.Expires ?? (uint)DefaultExpires.TotalSeconds;
        uint min = (uint)MinExpires.TotalSeconds;
        if (expires != 0 && expires < min)
        {
            return (Reply(request, 423, null, b => b.AddHeader(SipHeaderName.MinExpires, min.ToString(CultureInfo.InvariantCulture))), null, false);
        }
        expires = Math.Min(expires, (uint)MaxExpires.TotalSeconds);
        if (request.To!.Tag is not null)
        {
            // RFC 6665 §4.2.1.2: a refresh (0 ends the subscription) brings a NOTIFY.
            if (!_watchers.TryGetValue(IdOf(request), out var existing))
            {
                return (Reply(request, 481), null, false);
            }
            if (existing.Dialog.CheckRequest(request) is { } inDialog)
            {
                return (Reply(request, inDialog.StatusCode, inDialog.ReasonPhrase), null, false);
            }
            existing.SetExpiry(this, expires);
            var refreshed = Response(request, 200);
            refreshed.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
            return (refreshed.Build(), existing, expires == 0);
        }
        string aor = request.RequestUri.ToAddressOfRecord();
        // RFC 3856 §6.6: the presence agent authorises the watcher (hook; all allowed by default).
        if (!_authorize(request, aor))
        {
            return (Reply(request, 403), null, false);
        }
        if (request.Contacts is not [var contact, ..] || contact.IsWildcard)
        {
            return (Reply(request, 400, "Missing Contact"), null, false);
        }
        var ok = Response(request, 200);
        ok.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        ok.AddHeader(SipHeaderName.Contact, "<" + _sender.LocalContact(source).Text + ">");
        var response = ok.Build();
        if (!SipDialog.TryCreateUas(request, response, source.Protocol == SipTransportProtocol.Tls, out var dialog))
        {
            return (Reply(request, 400), null, false);
        }
        var watcher = new Watcher(dialog, aor, source, connectionId);
        _watchers[dialog.Id] = watcher;
        watcher.SetExpiry(this, expires);
        return (response, watcher, expires == 0);
    }

    private byte[] StateOf(string aor) =>
        // RFC 3856 §6.8 / RFC 3863: with nothing published the document has no tuples.
        Current(aor) ?? new RcsPidfDocument(aor, []).Write();

    private async Task<bool> NotifyAsync(Watcher w, string? terminate)
    {
        SipRequest notify;
        try
        {
            var b = w.Dialog.CreateRequest("NOTIFY", _sender.CreateVia(w.Peer));
            b.AddHeader(SipHeaderName.Event, EventPackage);
            // RFC 6665 §4.2.2: Subscription-State with the time left, or terminated with the reason.
            b.AddHeader(SipHeaderName.SubscriptionState, terminate is null
                ? "active;expires=" + w.RemainingSeconds(_time.GetUtcNow()).ToString(CultureInfo.InvariantCulture)
                : "terminated;reason=" + terminate);
            b.SetBody(StateOf(w.Aor), RcsPidfDocument.ContentType);
            notify = ((SipRequestBuilder)b).Build();
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        try
        {
            var response = await _sender.SendAsync(notify, w.Peer, w.ConnectionId).ConfigureAwait(false);
            // RFC 6665 §4.2.2: 481, 408 or no response removes the subscription.
            return response.StatusCode is not (481 or 408 or 503);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or ArgumentException)
        {
            return false;
        }
    }

    private void Remove(Watcher w)
    {
        if (_watchers.TryRemove(new KeyValuePair<SipDialogId, Watcher>(w.Dialog.Id, w)))
        {
            w.Stop();
        }
    }

    private static bool IsPresenceEvent(SipRequest request) =>
        request.GetHeader(SipHeaderName.Event) is { } ev && string.Equals(ev.Split(';')[0].Trim(), EventPackage, StringComparison.OrdinalIgnoreCase);

    private static SipDialogId IdOf(SipRequest request) =>
        new(request.CallId ?? string.Empty, request.To?.Tag ?? string.Empty, request.From?.Tag ?? string.Empty);

    private SipResponseBuilder Response(SipRequest request, int status, string? reason = null)
    {
        var b = SipResponseBuilder.For(request, status, reason);
        if (_serverName is { } server)
        {
            b.AddHeader(SipHeaderName.Server, server);
        }
        return b;
    }

    private SipResponse Reply(SipRequest request, int status, string? reason = null, Action<SipResponseBuilder>? extra = null)
    {
        var b = Response(request, status, reason);
        extra?.Invoke(b);
        return b.Build();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var byTag in _publications.Values)
            {
                foreach (var p in byTag.Values)
                {
                    p.Timer?.Dispose();
                }
            }
            _publications.Clear();
        }
        foreach (var pair in _watchers)
        {
            pair.Value.Stop();
        }
        _watchers.Clear();
    }

    private sealed class Publication(string etag, byte[] body, long sequence)
    {
        public string ETag { get; } = etag;
        public byte[] Body { get; } = body;
        public long Sequence { get; } = sequence;
        public ITimer? Timer { get; set; }
    }

    /// <summary>One presence subscription: dialog, flow, expiry and a NOTIFY queue sent one at a time (RFC 6665 §4.2.2).</summary>
    private sealed class Watcher(SipDialog dialog, string aor, SipEndPoint peer, long connectionId)
    {
        private readonly Lock _lock = new();
        private bool _queued;
        private bool _sending;
        private bool _ended;
        private string? _terminate;
        private long _expiresTicks;
        private ITimer? _timer;

        public SipDialog Dialog { get; } = dialog;
        public string Aor { get; } = aor;
        public SipEndPoint Peer { get; } = peer;
        public long ConnectionId { get; } = connectionId;

        public uint RemainingSeconds(DateTimeOffset now)
        {
            long ticks = Volatile.Read(ref _expiresTicks) - now.UtcTicks;
            return ticks <= 0 ? 0 : (uint)((ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
        }

        public void SetExpiry(SipPresenceAgent owner, uint seconds)
        {
            Volatile.Write(ref _expiresTicks, owner._time.GetUtcNow().UtcTicks + (seconds * TimeSpan.TicksPerSecond));
            lock (_lock)
            {
                _timer?.Dispose();
                _timer = seconds == 0 ? null : owner._time.CreateTimer(static s =>
                {
                    var (w, o) = ((Watcher, SipPresenceAgent))s!;
                    w.Enqueue(o, "timeout"); // RFC 6665 §4.2.2: expiry ends the subscription with a final NOTIFY.
                }, (this, owner), TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
            }
        }

        public void Enqueue(SipPresenceAgent owner, string? terminate)
        {
            bool start;
            lock (_lock)
            {
                if (_ended)
                {
                    return;
                }
                _terminate ??= terminate;
                _queued = true;
                start = !_sending;
                _sending = true;
            }
            if (start)
            {
                _ = Task.Run(() => SendLoopAsync(owner));
            }
        }

        private async Task SendLoopAsync(SipPresenceAgent owner)
        {
            while (true)
            {
                string? terminate;
                lock (_lock)
                {
                    if (!_queued || _ended)
                    {
                        _sending = false;
                        return;
                    }
                    _queued = false;
                    terminate = _terminate;
                    if (terminate is not null)
                    {
                        _ended = true;
                    }
                }
                if (terminate is not null)
                {
                    owner.Remove(this);
                }
                bool keep;
                try
                {
                    keep = await owner.NotifyAsync(this, terminate).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    keep = false;
                }
                if (!keep || terminate is not null)
                {
                    lock (_lock)
                    {
                        _ended = true;
                        _sending = false;
                    }
                    owner.Remove(this);
                    return;
                }
            }
        }

        public void Stop()
        {
            lock (_lock)
            {
                _ended = true;
                _timer?.Dispose();
                _timer = null;
            }
        }
    }
}
