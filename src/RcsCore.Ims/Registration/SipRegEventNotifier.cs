using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Ims.Registration;

/// <summary>Settings of a <see cref="SipRegEventNotifier"/>.</summary>
public sealed class SipRegEventOptions
{
    /// <summary>The subscription duration when SUBSCRIBE has no Expires (RFC 3680 §4.4: 3761 s).</summary>
    public TimeSpan DefaultExpires { get; init; } = TimeSpan.FromSeconds(3761);

    /// <summary>The shortest non-zero duration accepted; shorter gets 423 (RFC 6665 §4.2.1.1).</summary>
    public TimeSpan MinExpires { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest duration granted (RFC 6665 §4.2.1.1: the notifier may shorten it).</summary>
    public TimeSpan MaxExpires { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// Whether the subscriber (the SUBSCRIBE) may watch the AoR (RFC 3680 §4.6); null allows the user itself: a From
    /// AoR that is the watched AoR or another IMPU of the same subscriber.
    /// </summary>
    public Func<SipRequest, string, bool>? Authorize { get; init; }

    /// <summary>The Server header of responses; null for none.</summary>
    public string? ServerName { get; init; } = "RcsCore";
}

/// <summary>
/// The notifier of the registration event package (RFC 3680) over RFC 6665: SUBSCRIBE with <c>Event: reg</c> to an AoR
/// gets 200 and at once a NOTIFY with the full <c>application/reginfo+xml</c> state; every later change of the AoR's
/// bindings (<see cref="SipLocationService.BindingsChanged"/>) brings another NOTIFY with the version incremented;
/// refreshes, unsubscription (Expires: 0) and expiry follow RFC 6665 §4.2; a network-initiated deregistration
/// (<see cref="SipRegistrar.DeregisterAsync"/>) is notified with registration state terminated, contacts
/// deactivated, and ends the subscription (reason=deactivated, 3GPP TS 24.229 §5.4.2.1.2). The subscription dialog
/// is a <see cref="SipDialog"/> (RFC 6665 §4.4: Call-ID, tags, CSeq, route set, remote target). NOTIFYs of one
/// subscription are sent one at a time (RFC 6665 §4.2.2); a 481, 408 or no answer removes the subscription.
/// </summary>
public sealed partial class SipRegEventNotifier : ISipRequestHandler, IAsyncDisposable
{
    private readonly SipLocationService _locations;
    private readonly SipRegistrar _registrar;
    private readonly ISipRequestSender _sender;
    private readonly ISubscriberStore? _subscribers;
    private readonly SipRegEventOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SipDialogId, Subscription> _subscriptions = new();
    // Per AoR (copy on write): a binding change finds its watchers without scanning every subscription.
    private readonly ConcurrentDictionary<string, Subscription[]> _byAor = new(StringComparer.Ordinal);
    private readonly Lock _indexLock = new();
    private bool _disposed;

    /// <summary>Creates the notifier and starts following the registrar's location service.</summary>
    public SipRegEventNotifier(SipRegistrar registrar, ISipRequestSender sender, ISubscriberStore? subscribers = null, SipRegEventOptions? options = null,
        ILogger<SipRegEventNotifier>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        ArgumentNullException.ThrowIfNull(sender);
        _registrar = registrar;
        _locations = registrar.Locations;
        _sender = sender;
        _subscribers = subscribers;
        _options = options ?? new SipRegEventOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _locations.BindingsChanged += OnBindingsChanged;
    }

    /// <summary>Number of live subscriptions.</summary>
    public int Count => _subscriptions.Count;

    /// <summary>True for a SUBSCRIBE to the reg package, or one inside a reg subscription this notifier holds.</summary>
    public bool IsRegEventSubscribe(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method != "SUBSCRIBE")
        {
            return false;
        }
        return request.To?.Tag is null ? IsRegEvent(request) : _subscriptions.ContainsKey(IdOf(request));
    }

    /// <inheritdoc />
    async ValueTask<SipResponse?> ISipRequestHandler.HandleAsync(SipIncomingRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await ProcessAsync(request.Request, request.Remote, request.Transaction.Inbound.ConnectionId,
            async (r, c) => await request.SendResponseAsync(r, c).ConfigureAwait(false), ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Processes a SUBSCRIBE (RFC 6665 §4.2.1, RFC 3680 §4): sends the response through <paramref name="respond"/>,
    /// then (for an accepted subscription) starts the NOTIFY that follows it.
    /// </summary>
    public async ValueTask ProcessAsync(SipRequest request, SipEndPoint source, long connectionId, Func<SipResponse, CancellationToken, ValueTask> respond, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(respond);
        var (response, subscription) = await DecideAsync(request, source, connectionId, ct).ConfigureAwait(false);
        await respond(response, ct).ConfigureAwait(false);
        if (subscription is not null)
        {
            // RFC 6665 §4.2.1.2: a NOTIFY right after the 2xx, with the full state (RFC 3680 §5.1 version 0 first).
            subscription.Enqueue([], this);
        }
    }

    private async ValueTask<(SipResponse, Subscription?)> DecideAsync(SipRequest request, SipEndPoint source, long connectionId, CancellationToken ct)
    {
        if (request.Method != "SUBSCRIBE")
        {
            return (Reply(request, 405, null, b => b.AddHeader(SipHeaderName.Allow, "SUBSCRIBE")), null);
        }
        if (SipRequestChecks.Check(request) is { } failure)
        {
            return (Reply(request, failure.StatusCode, failure.ReasonPhrase), null);
        }
        // RFC 6665 §4.2.1.1: an unknown package gets 489 with the packages we know.
        if (!IsRegEvent(request))
        {
            return (Reply(request, 489, null, b => b.AddHeader(SipHeaderName.AllowEvents, "reg")), null);
        }
        if (!TryExpires(request, out uint expires, out var tooBrief))
        {
            return (tooBrief!, null);
        }
        if (request.To!.Tag is not null)
        {
            return (Refresh(request, expires), null);
        }
        // RFC 3680 §4.6: the Request-URI is the AoR whose registrations are watched.
        var target = request.RequestUri;
        if (!_registrar.IsLocalDomain(target))
        {
            return (Reply(request, 404), null);
        }
        string aor = target.ToAddressOfRecord();
        SipSubscriber? owner = null;
        if (_subscribers is not null)
        {
            owner = await _subscribers.FindByImpuAsync(aor, ct).ConfigureAwait(false);
            if (owner is null)
            {
                return (Reply(request, 404), null);
            }
        }
        // RFC 3680 §4.6: only authorised watchers.
        if (!(_options.Authorize?.Invoke(request, aor) ?? IsSelf(request, aor, owner)))
        {
            return (Reply(request, 403), null);
        }
        // RFC 3680 §4.5: the package body is application/reginfo+xml; an Accept without it gets 406.
        if (request.GetHeader(SipHeaderName.Accept) is { } accept && !AcceptsRegInfo(accept))
        {
            return (Reply(request, 406, null, b => b.AddHeader(SipHeaderName.Accept, SipRegInfo.ContentType)), null);
        }
        if (request.Contacts is not [var contact, ..] || contact.IsWildcard)
        {
            // RFC 6665 §4.1.2.1 / RFC 3261 §8.1.1.8: a dialog-creating request needs a Contact.
            return (Reply(request, 400, "Missing Contact"), null);
        }
        var ok = Response(request, 200);
        ok.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        ok.AddHeader(SipHeaderName.Contact, "<" + _sender.LocalContact(source).Text + ">");
        var response = ok.Build();
        if (!SipDialog.TryCreateUas(request, response, source.Protocol == SipTransportProtocol.Tls, out var dialog))
        {
            return (Reply(request, 400), null);
        }
        var subscription = new Subscription(dialog, aor, source, connectionId, EventOf(request));
        _subscriptions[dialog.Id] = subscription;
        lock (_indexLock)
        {
            _byAor[aor] = _byAor.TryGetValue(aor, out var watchers) ? [.. watchers, subscription] : [subscription];
        }
        subscription.SetExpiry(expires, this);
        Log.Subscribed(_logger, aor, dialog.CallId, expires);
        return (response, subscription);
    }

    // RFC 6665 §4.2.1.2: a refresh inside the dialog resets the expiry (0 ends it) and brings a NOTIFY.
    private SipResponse Refresh(SipRequest request, uint expires)
    {
        if (!_subscriptions.TryGetValue(IdOf(request), out var subscription))
        {
            return Reply(request, 481);
        }
        if (subscription.Dialog.CheckRequest(request) is { } inDialog)
        {
            return Reply(request, inDialog.StatusCode, inDialog.ReasonPhrase);
        }
        var ok = Response(request, 200);
        ok.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        if (subscription.Dialog.LocalContact is { } contact)
        {
            ok.AddHeader(SipHeaderName.Contact, "<" + contact.Text + ">");
        }
        subscription.SetExpiry(expires, this);
        subscription.Enqueue([], this);
        return ok.Build();
    }

    private bool TryExpires(SipRequest request, out uint expires, out SipResponse? tooBrief)
    {
        tooBrief = null;
        expires = request.Expires ?? (uint)_options.DefaultExpires.TotalSeconds;
        uint min = (uint)_options.MinExpires.TotalSeconds;
        if (expires != 0 && expires < min)
        {
            // RFC 6665 §4.2.1.1: 423 with Min-Expires.
            tooBrief = Reply(request, 423, null, b => b.AddHeader(SipHeaderName.MinExpires, min.ToString(CultureInfo.InvariantCulture)));
            return false;
        }
        expires = Math.Min(expires, (uint)_options.MaxExpires.TotalSeconds);
        return true;
    }

    private static bool IsRegEvent(SipRequest request) =>
        request.GetHeader(SipHeaderName.Event) is { } ev && string.Equals(ev.Split(';')[0].Trim(), "reg", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Event value to echo: <c>reg</c>, with the SUBSCRIBE's id parameter when it had one (RFC 6665 §8.2.1).</summary>
    private static string EventOf(SipRequest request)
    {
        string? id = null;
        foreach (var part in (request.GetHeader(SipHeaderName.Event) ?? string.Empty).Split(';').AsSpan(1))
        {
            var p = part.Split('=', 2);
            if (p.Length == 2 && p[0].Trim().Equals("id", StringComparison.OrdinalIgnoreCase))
            {
                id = p[1].Trim();
            }
        }
        return id is null ? "reg" : "reg;id=" + id;
    }

    private static bool AcceptsRegInfo(string accept)
    {
        foreach (var part in accept.Split(','))
        {
            var type = part.Split(';')[0].Trim();
            if (type.Length == 0 || type is "*/*" or "application/*" || string.Equals(type, SipRegInfo.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsSelf(SipRequest request, string aor, SipSubscriber? owner)
    {
        string? watcher = request.From?.Uri.ToAddressOfRecord();
        return watcher is not null && (string.Equals(watcher, aor, StringComparison.Ordinal) || owner?.HasImpu(watcher) == true);
    }

    private static SipDialogId IdOf(SipRequest request) =>
        new(request.CallId ?? string.Empty, request.To?.Tag ?? string.Empty, request.From?.Tag ?? string.Empty);

    private void OnBindingsChanged(object? sender, SipBindingsChangedEventArgs e)
    {
        if (_byAor.TryGetValue(e.AddressOfRecord, out var watchers))
        {
            foreach (var s in watchers)
            {
                s.Enqueue(e.Changes, this);
            }
        }
    }

    private SipResponseBuilder Response(SipRequest request, int status, string? reason = null)
    {
        var b = SipResponseBuilder.For(request, status, reason);
        if (_options.ServerName is { } server)
        {
            b.AddHeader(SipHeaderName.Server, server);
        }
        return b;
    }

    private SipResponse Reply(SipRequest request, int status, string? reason = null, Action<SipResponseBuilder>? extra = null)
    {
        var b = Response(request, status, reason);
        extra?.Invoke(b);
        Log.Refused(_logger, status, request.RequestUriText);
        return b.Build();
    }

    /// <summary>Builds and sends one NOTIFY of a subscription; false when the subscription must end.</summary>
    private async Task<bool> NotifyAsync(Subscription s, IReadOnlyList<SipBindingChange> changes, string? terminateReason)
    {
        var current = await _locations.LookupAsync(s.Aor).ConfigureAwait(false);
        var now = _locations.TimeProvider.GetUtcNow();
        uint version = s.NextVersion();
        string body = SipRegInfo.Write(s.Aor, version, current, changes, now);
        SipRequest notify;
        try
        {
            var b = s.Dialog.CreateRequest("NOTIFY", _sender.CreateVia(s.Peer));
            // RFC 6665 §8.2.1 / §4.2.2: Event and Subscription-State (with the time left, or why it ended).
            // RFC 6665 §8.2.1: the NOTIFY's Event is the SUBSCRIBE's, id parameter included, so the subscriber can match it.
            b.AddHeader(SipHeaderName.Event, s.Event);
            b.AddHeader(SipHeaderName.SubscriptionState, terminateReason is null
                ? "active;expires=" + s.RemainingSeconds(now).ToString(CultureInfo.InvariantCulture)
                : "terminated;reason=" + terminateReason);
            b.SetBody(Encoding.UTF8.GetBytes(body), SipRegInfo.ContentType);
            notify = ((SipRequestBuilder)b).Build();
        }
        catch (InvalidOperationException)
        {
            return false; // dialog terminated
        }
        Log.Notifying(_logger, s.Aor, version, terminateReason ?? "active");
        SipResponse response;
        try
        {
            response = await _sender.SendAsync(notify, s.Peer, s.ConnectionId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or ArgumentException)
        {
            return false;
        }
        // RFC 6665 §4.2.2: 481, 408 or no response removes the subscription (503 stands for a transport failure).
        return response.StatusCode is not (481 or 408 or 503);
    }

    private void Remove(Subscription s, string why)
    {
        if (_subscriptions.TryRemove(new KeyValuePair<SipDialogId, Subscription>(s.Dialog.Id, s)))
        {
            lock (_indexLock)
            {
                if (_byAor.TryGetValue(s.Aor, out var watchers))
                {
                    var rest = Array.FindAll(watchers, w => !ReferenceEquals(w, s));
                    if (rest.Length == 0)
                    {
                        _byAor.TryRemove(s.Aor, out _);
                    }
                    else
                    {
                        _byAor[s.Aor] = rest;
                    }
                }
            }
            s.Stop();
            Log.Ended(_logger, s.Aor, why);
        }
    }

    /// <summary>Stops following the location service and the subscription timers (no final NOTIFYs are sent).</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _locations.BindingsChanged -= OnBindingsChanged;
            foreach (var pair in _subscriptions)
            {
                pair.Value.Stop();
            }
            _subscriptions.Clear();
            _byAor.Clear();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>One reg subscription: its dialog, flow, expiry, version counter and NOTIFY queue.</summary>
    private sealed class Subscription(SipDialog dialog, string aor, SipEndPoint peer, long connectionId, string @event)
    {
        private readonly Lock _lock = new();
        private readonly List<SipBindingChange> _pending = [];
        private bool _queued;
        private bool _sending;
        private bool _ended;
        private string? _terminate;
        private uint _version;
        private long _expiresTicks;
        private ITimer? _timer;

        public SipDialog Dialog { get; } = dialog;
        public string Aor { get; } = aor;
        public SipEndPoint Peer { get; } = peer;
        public long ConnectionId { get; } = connectionId;
        public string Event { get; } = @event;

        public uint NextVersion()
        {
            lock (_lock)
            {
                return _version++;
            }
        }

        public uint RemainingSeconds(DateTimeOffset now)
        {
            long ticks = Volatile.Read(ref _expiresTicks) - now.UtcTicks;
            return ticks <= 0 ? 0 : (uint)((ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
        }

        public void SetExpiry(uint seconds, SipRegEventNotifier owner)
        {
            var time = owner._locations.TimeProvider;
            Volatile.Write(ref _expiresTicks, time.GetUtcNow().UtcTicks + seconds * TimeSpan.TicksPerSecond);
            lock (_lock)
            {
                _timer?.Dispose();
                _timer = null;
                if (seconds == 0)
                {
                    // RFC 6665 §4.2.1.4 (unsubscribe or fetch): the NOTIFY ends the subscription.
                    _terminate ??= "timeout";
                }
                else
                {
                    _timer = time.CreateTimer(static s =>
                    {
                        var (sub, notifier) = ((Subscription, SipRegEventNotifier))s!;
                        sub.Terminate("timeout", notifier);
                    }, (this, owner), TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
                }
            }
        }

        /// <summary>RFC 6665 §4.2.2: the subscription ended on our side: a last NOTIFY with Subscription-State terminated.</summary>
        public void Terminate(string reason, SipRegEventNotifier owner)
        {
            lock (_lock)
            {
                _terminate ??= reason;
            }
            Enqueue([], owner);
        }

        public void Enqueue(IReadOnlyList<SipBindingChange> changes, SipRegEventNotifier owner)
        {
            bool start;
            lock (_lock)
            {
                if (_ended)
                {
                    return;
                }
                _pending.AddRange(changes);
                foreach (var c in changes)
                {
                    if (c.Event == SipBindingEvent.Deactivated)
                    {
                        // 3GPP TS 24.229 §5.4.2.1.2: network-initiated deregistration ends the subscription too.
                        _terminate ??= "deactivated";
                    }
                }
                _queued = true;
                start = !_sending;
                _sending = true;
            }
            if (start)
            {
                // Off the caller's thread: BindingsChanged runs while the AoR is locked.
                _ = Task.Run(() => SendLoopAsync(owner));
            }
        }

        private async Task SendLoopAsync(SipRegEventNotifier owner)
        {
            while (true)
            {
                SipBindingChange[] changes;
                string? terminate;
                lock (_lock)
                {
                    if (!_queued || _ended)
                    {
                        _sending = false;
                        return;
                    }
                    _queued = false;
                    changes = [.. _pending];
                    _pending.Clear();
                    terminate = _terminate;
                    if (terminate is not null)
                    {
                        _ended = true;
                    }
                }
                if (terminate is not null)
                {
                    // Gone from the table before its last NOTIFY leaves: later requests in the dialog get 481.
                    owner.Remove(this, terminate);
                }
                bool keep;
                try
                {
                    keep = await owner.NotifyAsync(this, changes, terminate).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.NotifyFailed(owner._logger, Aor, ex);
                    keep = false;
                }
                if (!keep || terminate is not null)
                {
                    lock (_lock)
                    {
                        _ended = true;
                        _sending = false;
                    }
                    owner.Remove(this, terminate ?? "NOTIFY failed");
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 4140, Level = LogLevel.Debug, Message = "reg subscription to {Aor} (Call-ID {CallId}) for {Expires} s")]
        public static partial void Subscribed(ILogger logger, string aor, string callId, uint expires);

        [LoggerMessage(EventId = 4141, Level = LogLevel.Debug, Message = "SUBSCRIBE refused with {Status} for {Uri}")]
        public static partial void Refused(ILogger logger, int status, string uri);

        [LoggerMessage(EventId = 4142, Level = LogLevel.Debug, Message = "NOTIFY reg for {Aor} version {Version} ({State})")]
        public static partial void Notifying(ILogger logger, string aor, uint version, string state);

        [LoggerMessage(EventId = 4143, Level = LogLevel.Debug, Message = "reg subscription to {Aor} ended: {Reason}")]
        public static partial void Ended(ILogger logger, string aor, string reason);

        [LoggerMessage(EventId = 4144, Level = LogLevel.Warning, Message = "NOTIFY for {Aor} failed")]
        public static partial void NotifyFailed(ILogger logger, string aor, Exception exception);
    }
}
