using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Ims.Client;

/// <summary>The reg event subscription (RFC 3680, RFC 6665, 3GPP TS 24.229 §5.1.1.3, §5.1.1.7).</summary>
public sealed partial class ImsRegistrationClient
{
    private static readonly TimerCallback s_resubscribeTimerFired = static s => ((ImsRegistrationClient)s!).OnResubscribeTimer();

    private SipSubscription? _subscription;
    private bool _subscribing;
    private ITimer? _resubscribeTimer;
    // RFC 3680 §5.2: the version of the last reginfo document applied in the current subscription; -1 before the first.
    private long _regInfoVersion = -1;

    /// <summary>The reg event subscription while it lives (RFC 3680), else null.</summary>
    public SipSubscription? RegEventSubscription
    {
        get
        {
            lock (_lock)
            {
                return _subscription;
            }
        }
    }

    /// <summary>
    /// SUBSCRIBE to the reg event of our public identity (TS 24.229 §5.1.1.3: Request-URI, From and To the IMPU,
    /// Event reg, Accept application/reginfo+xml, Expires 600 000, routed over the Service-Route), through the user
    /// agent's subscription support (RFC 6665): a NOTIFY that overtakes the 200 is accepted, the subscription is
    /// refreshed 600 s before expiry (or at half when shorter, TS 24.229 §5.1.1.3), and Timer N ends it when no
    /// NOTIFY comes.
    /// </summary>
    private async Task SubscribeAsync(CancellationToken ct)
    {
        try
        {
            var impu = new SipNameAddress(_options.PublicIdentity.Uri, _options.PublicIdentity.DisplayName);
            var subscription = _ua.CreateSubscription(new SipSubscribeOptions
            {
                Target = impu.Uri,
                Destination = _options.NextHop,
                Event = "reg",
                Expires = _options.RegEventExpires,
                Accept = [ImsRegInfo.MediaType],
                From = impu,
                To = impu,
                // RFC 3608 §6: requests with the registered identity follow the Service-Route.
                Route = Registration.ServiceRoute,
                Contact = Contact().Uri,
            });
            subscription.NotifyReceived += OnRegEventNotify;
            subscription.Terminated += OnRegEventTerminated;
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                _subscription = subscription;
                _regInfoVersion = -1;
            }
            // Not cancelled by DisposeAsync: an abandoned SUBSCRIBE could not be unsubscribed. Timer N bounds the wait.
            bool accepted = await subscription.StartAsync(CancellationToken.None).ConfigureAwait(false);
            var granted = subscription.ExpiresAt is { } at ? (uint)Math.Max(0, (at - _time.GetUtcNow()).TotalSeconds) : 0u;
            ImsRegistrationLog.Subscribed(_logger, subscription.Response?.StatusCode ?? (accepted ? 200 : 0), granted);
        }
        finally
        {
            lock (_lock)
            {
                _subscribing = false;
            }
        }
    }

    /// <summary>
    /// A reg event NOTIFY (already answered 200 by the user agent): applies the reginfo document in version order
    /// (RFC 3680 §5.2) and acts on what it says about our contact (TS 24.229 §5.1.1.7).
    /// </summary>
    private void OnRegEventNotify(object? sender, SipNotifyEventArgs e)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(e.Subscription, _subscription))
            {
                // A fork the user agent unsubscribes (RFC 6665 §4.5.2), or a subscription that has been replaced.
                return;
            }
        }
        string registrationState = string.Empty, contactState = string.Empty, contactEvent = string.Empty;
        uint? retryAfter = null;
        if (e.Body.IsEmpty || !ImsRegInfo.TryParse(e.Body, out var info) || info is null)
        {
            ImsRegistrationLog.Notified(_logger, -1, registrationState, contactState, contactEvent, e.State);
            return;
        }
        bool gap = false;
        lock (_lock)
        {
            long last = _regInfoVersion;
            if (last >= 0 && info.Version <= last)
            {
                // RFC 3680 §5.2: a document not newer than the last one is a duplicate or out of order: discard it.
                ImsRegistrationLog.RegInfoDiscarded(_logger, info.Version, last);
                return;
            }
            if (!info.IsFull && last >= 0 && info.Version > last + 1)
            {
                // RFC 3680 §5.2: a partial document after a gap cannot be applied; a refresh brings full state.
                gap = true;
            }
            else
            {
                _regInfoVersion = info.Version;
            }
        }
        if (gap)
        {
            ImsRegistrationLog.RegInfoDiscarded(_logger, info.Version, -1);
            RunInBackground(async c => await e.Subscription.RefreshAsync(ct: c).ConfigureAwait(false));
            return;
        }
        bool ourAorListed = false;
        foreach (var registration in info.Registrations)
        {
            if (!IsOurAor(registration.Aor))
            {
                continue;
            }
            ourAorListed = true;
            registrationState = registration.State;
            foreach (var contact in registration.Contacts)
            {
                if (SipUri.TryParse(contact.Uri, out var uri) && IsOurContact(uri, Parameter(contact, "+sip.instance"), Parameter(contact, "reg-id")))
                {
                    contactState = contact.State;
                    contactEvent = contact.Event;
                    retryAfter = contact.RetryAfter;
                }
            }
        }
        ImsRegistrationLog.Notified(_logger, info.Version, registrationState, contactState, contactEvent, e.State);
        React(ourAorListed, info.IsFull, registrationState, contactState, contactEvent, retryAfter);
    }

    /// <summary>TS 24.229 §5.1.1.7 and RFC 3680 §5.1: what the UE does about its registration after a reg event NOTIFY.</summary>
    private void React(bool ourAorListed, bool full, string registrationState, string contactState, string contactEvent, uint? retryAfter)
    {
        if (string.Equals(contactState, "terminated", StringComparison.OrdinalIgnoreCase))
        {
            switch (contactEvent.ToLowerInvariant())
            {
                case "deactivated":
                case "expired":
                    // TS 24.229 §5.1.1.7: "deactivated" -> the UE removes the registration details and starts an
                    // initial registration (RFC 3680 §5.1: the UA should re-register). "expired": our refresh was
                    // late; registering from scratch is the only way back.
                    NetworkDeregistered(contactEvent, reregisterAfter: TimeSpan.Zero);
                    return;
                case "probation":
                    // RFC 3680 §5.1: removed for now; re-register after retry-after seconds.
                    NetworkDeregistered(contactEvent, reregisterAfter: TimeSpan.FromSeconds(retryAfter ?? 0));
                    return;
                default:
                    // "rejected" (TS 24.229 §5.1.1.7: do not re-register; release the identity's dialogs) and
                    // "unregistered" (RFC 3680 §5.1: removed by a REGISTER, ours or a third party's): stop.
                    NetworkDeregistered(contactEvent, reregisterAfter: null);
                    return;
            }
        }
        if (ourAorListed && contactState.Length == 0
            && (string.Equals(registrationState, "terminated", StringComparison.OrdinalIgnoreCase) || (full && !string.Equals(registrationState, "active", StringComparison.OrdinalIgnoreCase))))
        {
            // RFC 3680 §5.1: registration terminated (or, in full state, not active) with no contact of ours left.
            NetworkDeregistered("registration " + registrationState, reregisterAfter: null);
        }
    }

    /// <summary>
    /// TS 24.229 §5.1.1.7: the network removed our binding. The registration becomes Unregistered with
    /// <see cref="ImsRegistrationError.DeregisteredByNetwork"/>; with <paramref name="reregisterAfter"/> an initial
    /// registration (fresh authentication) follows after that delay, otherwise registration stops being wanted.
    /// </summary>
    private void NetworkDeregistered(string reason, TimeSpan? reregisterAfter)
    {
        bool wasRegistered;
        DateTimeOffset? next = null;
        lock (_lock)
        {
            wasRegistered = _registration.State == ImsRegistrationState.Registered;
            if (!wasRegistered || _disposed)
            {
                return;
            }
            CancelTimer();
            if (reregisterAfter is { } delay && _wanted)
            {
                next = _time.GetUtcNow() + delay;
                _initialNext = true;
                if (delay > TimeSpan.Zero)
                {
                    ScheduleTimer(delay);
                }
            }
            else
            {
                _wanted = false;
            }
        }
        ImsRegistrationLog.NetworkDeregistered(_logger, reason);
        Update(r => new ImsRegistration
        {
            State = ImsRegistrationState.Unregistered,
            Error = ImsRegistrationError.DeregisteredByNetwork,
            StatusCode = r.StatusCode,
            Contact = r.Contact,
            NextAttemptAt = next,
        });
        if (next is not null && reregisterAfter == TimeSpan.Zero)
        {
            ImsRegistrationLog.Reregistering(_logger, "reg event: " + reason);
            RunInBackground(c => ReregisterAsync(c));
        }
    }

    /// <summary>
    /// The subscription ended. RFC 6665 §4.1.3: subscribe again at once after deactivated, timeout, an expiry or
    /// Timer N, after retry-after for probation and giveup, never after rejected, noresource, invariant or a refusal;
    /// only while registered (a re-registration subscribes anew, TS 24.229 §5.1.1.3).
    /// </summary>
    private void OnRegEventTerminated(object? sender, SipSubscriptionTerminatedEventArgs e)
    {
        TimeSpan? delay = null;
        lock (_lock)
        {
            if (!ReferenceEquals(e.Subscription, _subscription))
            {
                return;
            }
            _subscription = null;
            var t = e.Termination;
            if (!_disposed && _wanted && t.MayResubscribe && _registration.State == ImsRegistrationState.Registered)
            {
                delay = t.RetryAfter ?? TimeSpan.Zero;
            }
        }
        if (delay is { } d)
        {
            if (d <= TimeSpan.Zero)
            {
                EnsureSubscribed();
            }
            else
            {
                lock (_lock)
                {
                    _resubscribeTimer?.Dispose();
                    _resubscribeTimer = _time.CreateTimer(s_resubscribeTimerFired, this, d, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    private void OnResubscribeTimer() => EnsureSubscribed();

    /// <summary>Subscribes unless a subscription lives or is being made; only while registered.</summary>
    private void EnsureSubscribed()
    {
        lock (_lock)
        {
            if (!_options.SubscribeToRegEvent || _subscription is not null || _subscribing || _disposed
                || _registration.State != ImsRegistrationState.Registered)
            {
                return;
            }
            _subscribing = true;
        }
        RunInBackground(SubscribeAsync);
    }

    /// <summary>Ends the subscription with an unsubscription (RFC 6665 §4.1.2.3); returns when it has ended.</summary>
    private async Task UnsubscribeRegEventAsync()
    {
        SipSubscription? subscription;
        lock (_lock)
        {
            subscription = _subscription;
            _subscription = null;
            _resubscribeTimer?.Dispose();
            _resubscribeTimer = null;
        }
        if (subscription is not null)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }

    private bool IsOurAor(string aor)
    {
        var impu = _options.PublicIdentity.Uri;
        return SipUri.TryParse(aor, out var uri) && (impu.Equals(uri) || string.Equals(impu.ToAddressOfRecord(), uri.ToAddressOfRecord(), StringComparison.OrdinalIgnoreCase));
    }

    private static string? Parameter(ImsRegInfoContact contact, string name)
    {
        foreach (var p in contact.UnknownParameters)
        {
            if (string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value;
            }
        }
        return null;
    }
}
