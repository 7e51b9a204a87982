using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Ims.Client;

/// <summary>The reg event subscription (RFC 3680, RFC 6665, 3GPP TS 24.229 §5.1.1.3, §5.1.1.7).</summary>
public sealed partial class ImsRegistrationClient
{
    private static readonly TimerCallback s_subscriptionTimerFired = static s => ((ImsRegistrationClient)s!).OnSubscriptionTimer();

    private SipDialog? _subscription;
    private bool _subscribing;
    private ITimer? _subscriptionTimer;

    /// <summary>The reg event subscription dialog while it is active, else null.</summary>
    public SipDialog? RegEventSubscription
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
    /// Handles a NOTIFY for the reg event subscription (registered with the user agent when
    /// <see cref="ImsRegistrationOptions.SubscribeToRegEvent"/> is set; a host with its own NOTIFY dispatcher calls
    /// it for NOTIFYs in <see cref="RegEventSubscription"/>). Answers 200, or 481 for another dialog (RFC 6665
    /// §4.1.3), and acts on the reginfo document: re-registers when our contact was deactivated, reports a
    /// network-initiated deregistration when it was rejected or unregistered (TS 24.229 §5.1.1.7).
    /// </summary>
    public ValueTask<SipResponse?> HandleNotifyAsync(SipIncomingRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var notify = request.Request;
        SipDialog? subscription;
        lock (_lock)
        {
            subscription = _subscription;
        }
        if (subscription is null || request.Dialog is not { } dialog || dialog.Id != subscription.Id)
        {
            // RFC 6665 §4.1.3: a NOTIFY that matches no subscription gets 481.
            return ValueTask.FromResult<SipResponse?>(request.CreateResponse(481).Build());
        }
        if (!IsRegEvent(notify.GetHeader(SipHeaderName.Event)))
        {
            // RFC 6665 §8.2.1: 489 for an event package the subscription is not for.
            return ValueTask.FromResult<SipResponse?>(request.CreateResponse(489).Build());
        }
        var subscriptionState = notify.GetHeader(SipHeaderName.SubscriptionState)?.Trim() ?? string.Empty;
        bool terminated = subscriptionState.StartsWith("terminated", StringComparison.OrdinalIgnoreCase);
        string registrationState = string.Empty, contactState = string.Empty, contactEvent = string.Empty;
        if (!notify.Body.IsEmpty && ImsRegInfo.TryParse(notify.Body, out var info) && info is not null)
        {
            foreach (var registration in info.Registrations)
            {
                if (!IsOurAor(registration.Aor))
                {
                    continue;
                }
                registrationState = registration.State;
                foreach (var contact in registration.Contacts)
                {
                    if (SipUri.TryParse(contact.Uri, out var uri) && IsOurContact(uri, Parameter(contact, "+sip.instance"), Parameter(contact, "reg-id")))
                    {
                        contactState = contact.State;
                        contactEvent = contact.Event;
                    }
                }
            }
        }
        ImsRegistrationLog.Notified(_logger, registrationState, contactState, contactEvent, subscriptionState);
        if (terminated)
        {
            // RFC 6665 §4.1.2.4: Subscription-State terminated ends the subscription (and its dialog).
            EndSubscription(subscription);
        }
        React(registrationState, contactState, contactEvent);
        return ValueTask.FromResult<SipResponse?>(request.CreateResponse(200).Build());
    }

    /// <summary>TS 24.229 §5.1.1.7: what the UE does about its registration after a reg event NOTIFY.</summary>
    private void React(string registrationState, string contactState, string contactEvent)
    {
        if (string.Equals(contactState, "terminated", StringComparison.OrdinalIgnoreCase))
        {
            switch (contactEvent.ToLowerInvariant())
            {
                case "deactivated":
                case "probation":
                case "expired":
                    // TS 24.229 §5.1.1.7: "deactivated" -> the UE starts an initial registration (RFC 3680 §5.1:
                    // deactivated/probation ask the UA to re-register; expired means it did not refresh in time).
                    ImsRegistrationLog.Reregistering(_logger, "reg event: " + contactEvent);
                    RunInBackground(c => ReregisterAsync(c, initial: true));
                    return;
                default:
                    // "rejected", "unregistered": the network removed the binding for good.
                    NetworkDeregistered(contactEvent);
                    return;
            }
        }
        if (string.Equals(registrationState, "terminated", StringComparison.OrdinalIgnoreCase) && contactState.Length == 0)
        {
            NetworkDeregistered("registration terminated");
        }
    }

    private void NetworkDeregistered(string reason)
    {
        bool wasRegistered;
        lock (_lock)
        {
            wasRegistered = _registration.State == ImsRegistrationState.Registered;
            _wanted = false;
            CancelTimer();
        }
        if (!wasRegistered)
        {
            return;
        }
        ImsRegistrationLog.NetworkDeregistered(_logger, reason);
        // TS 24.229 §5.1.1.7: all public user identities of the contact are deregistered.
        Update(r => new ImsRegistration
        {
            State = ImsRegistrationState.Unregistered,
            Error = ImsRegistrationError.DeregisteredByNetwork,
            StatusCode = r.StatusCode,
            Contact = r.Contact,
        });
    }

    /// <summary>
    /// SUBSCRIBE to the reg event of our public identity (TS 24.229 §5.1.1.3: Request-URI, From and To the IMPU,
    /// Event reg, Accept application/reginfo+xml, Expires 600 000, routed over the Service-Route).
    /// </summary>
    private async Task SubscribeAsync(CancellationToken ct)
    {
        try
        {
            var impu = _options.PublicIdentity;
            var b = _ua.CreateRequest("SUBSCRIBE", impu.Uri, _options.NextHop, to: new SipNameAddress(impu.Uri, impu.DisplayName));
            b.SetHeader(SipHeaderName.From, new SipNameAddress(impu.Uri, impu.DisplayName).WithParameter("tag", SipIds.NewTag()).ToString());
            b.SetHeader(SipHeaderName.Contact, "<" + Contact().Uri.Text + ">");
            b.AddHeader(SipHeaderName.Event, "reg");
            b.AddHeader(SipHeaderName.Accept, ImsRegInfo.MediaType);
            b.AddHeader(SipHeaderName.Expires, _options.RegEventExpires.ToString(CultureInfo.InvariantCulture));
            AddServiceRoute(b);
            var request = b.Build();
            var response = await _ua.SendRequestAsync(request, _options.NextHop, null, ct).ConfigureAwait(false);
            uint expires = response.Expires ?? _options.RegEventExpires;
            ImsRegistrationLog.Subscribed(_logger, response.StatusCode, expires);
            if (!response.IsSuccess || expires == 0 || _ua.AddDialog(request, response, _options.NextHop) is not { } dialog)
            {
                return;
            }
            lock (_lock)
            {
                if (_disposed)
                {
                    _ua.EndDialog(dialog);
                    return;
                }
                _subscription = dialog;
                ScheduleSubscriptionRefresh(expires);
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribing = false;
            }
        }
    }

    /// <summary>Refreshes the subscription in its dialog (RFC 6665 §4.1.2.2), with the same timing as registration.</summary>
    private async Task RefreshSubscriptionAsync(CancellationToken ct)
    {
        SipDialog? dialog;
        lock (_lock)
        {
            dialog = _subscription;
        }
        if (dialog is null || dialog.State == SipDialogState.Terminated)
        {
            return;
        }
        var b = dialog.CreateRequest("SUBSCRIBE");
        b.AddHeader(SipHeaderName.Event, "reg");
        b.AddHeader(SipHeaderName.Accept, ImsRegInfo.MediaType);
        b.AddHeader(SipHeaderName.Expires, _options.RegEventExpires.ToString(CultureInfo.InvariantCulture));
        var response = await dialog.SendRequestAsync(b.Build(), null, ct).ConfigureAwait(false);
        uint expires = response.Expires ?? _options.RegEventExpires;
        ImsRegistrationLog.Subscribed(_logger, response.StatusCode, expires);
        if (response.IsSuccess && expires > 0)
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    ScheduleSubscriptionRefresh(expires);
                }
            }
            return;
        }
        // RFC 6665 §4.1.2.2: a failed refresh ends the subscription; the next registration subscribes again.
        EndSubscription(dialog);
    }

    private void ScheduleSubscriptionRefresh(uint expires)
    {
        // Caller holds _lock. TS 24.229 §5.1.1.3: refreshed like the registration (600 s before, or at half).
        var due = expires > 1200 ? TimeSpan.FromSeconds(expires - 600) : TimeSpan.FromSeconds(expires / 2.0);
        _subscriptionTimer?.Dispose();
        _subscriptionTimer = _time.CreateTimer(s_subscriptionTimerFired, this, due, Timeout.InfiniteTimeSpan);
    }

    private void CancelSubscriptionTimer()
    {
        // Caller holds _lock.
        _subscriptionTimer?.Dispose();
        _subscriptionTimer = null;
    }

    private void OnSubscriptionTimer() => RunInBackground(RefreshSubscriptionAsync);

    private void EndSubscription(SipDialog dialog)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_subscription, dialog))
            {
                _subscription = null;
                CancelSubscriptionTimer();
            }
        }
        _ua.EndDialog(dialog);
    }

    private bool IsOurAor(string aor)
    {
        var impu = _options.PublicIdentity.Uri;
        return SipUri.TryParse(aor, out var uri) ? impu.Equals(uri) || string.Equals(impu.ToAddressOfRecord(), uri.ToAddressOfRecord(), StringComparison.OrdinalIgnoreCase) : false;
    }

    private static bool IsRegEvent(string? value)
    {
        // RFC 6665 §8.2.1: Event: reg, possibly with an id parameter.
        var name = value?.Split(';', 2)[0].Trim();
        return string.Equals(name, "reg", StringComparison.Ordinal);
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
