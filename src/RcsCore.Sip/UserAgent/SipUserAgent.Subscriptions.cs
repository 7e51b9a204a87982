using System.Collections.Concurrent;
using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>Subscriptions (RFC 6665) and other dialogs created by non-INVITE requests (REFER, RFC 3515).</summary>
public sealed partial class SipUserAgent
{
    // Initial SUBSCRIBEs a NOTIFY may still match (RFC 6665 §4.1.2.4), by Call-ID and our From tag, until Timer N.
    private readonly ConcurrentDictionary<(string CallId, string LocalTag), SipSubscription> _pendingSubscriptions = new();
    // The subscription that uses each dialog (one usage per dialog).
    private readonly ConcurrentDictionary<SipDialogId, SipSubscription> _subscriptionDialogs = new();
    // Serialises dialog creation between a NOTIFY and the 2xx of the same SUBSCRIBE.
    private readonly Lock _subscribeGate = new();

    /// <summary>
    /// Creates a subscription to an event package (RFC 6665 §4.1) without sending anything: attach
    /// <see cref="SipSubscription.NotifyReceived"/> and the other events, then call <see cref="SipSubscription.StartAsync"/>.
    /// NOTIFYs that match it reach it directly; they never go to a NOTIFY handler registered with <see cref="Handle(string, ISipRequestHandler)"/>.
    /// </summary>
    public SipSubscription CreateSubscription(SipSubscribeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SipSubscription(this, options);
    }

    /// <summary>
    /// Subscribes (see <see cref="CreateSubscription"/> and <see cref="SipSubscription.StartAsync"/>) and returns the
    /// subscription once accepted or failed (then <see cref="SipSubscription.State"/> is Terminated). A NOTIFY that
    /// arrived before this returned is in <see cref="SipSubscription.LastNotify"/>.
    /// </summary>
    public async Task<SipSubscription> SubscribeAsync(SipSubscribeOptions options, CancellationToken ct = default)
    {
        var subscription = CreateSubscription(options);
        await subscription.StartAsync(ct).ConfigureAwait(false);
        return subscription;
    }

    /// <summary>The subscriptions that live and have a dialog (a snapshot).</summary>
    public IReadOnlyCollection<SipSubscription> Subscriptions => [.. _subscriptionDialogs.Values];

    /// <summary>
    /// Creates the UAC dialog that a 2xx to a REFER (or a SUBSCRIBE not made with <see cref="SubscribeAsync"/>) sent with
    /// <see cref="SendRequestAsync"/> creates (RFC 6665 §4.1.2.1, RFC 3261 §12.1.2) and keeps it, so that NOTIFYs in
    /// it reach the NOTIFY handler with <see cref="SipIncomingRequest.Dialog"/> set instead of getting 481 (RFC 3261
    /// §12.2.2). Returns the dialog already kept for the same ID, or null when the response cannot create one.
    /// </summary>
    /// <param name="request">The SUBSCRIBE or REFER this UA sent.</param>
    /// <param name="response">Its 2xx response.</param>
    /// <param name="peer">Where the request went: in-dialog requests use this flow unless a next-hop resolver is configured.</param>
    public SipDialog? AddDialog(SipRequest request, SipResponse response, SipEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (request.Method is not ("SUBSCRIBE" or "REFER") || !response.IsSuccess
            || !SipDialog.TryCreateUac(request, response, peer.Protocol == SipTransportProtocol.Tls, out var dialog))
        {
            return null;
        }
        if (FindDialog(dialog.Id) is { } existing)
        {
            return existing;
        }
        RegisterDialog(dialog, peer);
        return dialog;
    }

    /// <summary>
    /// Ends a dialog without sending anything and forgets it: a subscription that terminated (RFC 6665 §4.1.2.4,
    /// §4.4.1). For INVITE dialogs use <see cref="SipDialog.ByeAsync"/>.
    /// </summary>
    public void EndDialog(SipDialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        TerminateDialog(dialog, SipDialogTerminationReason.Ended);
    }

    /// <summary>
    /// Builds an initial SUBSCRIBE (RFC 6665 §4.1.2.1): Event with its id, Expires, Accept, the preloaded Route, and
    /// Contact. A retry after 423 (<paramref name="previous"/>) keeps Call-ID, From tag and To, with CSeq one higher.
    /// </summary>
    internal SipRequest BuildSubscribe(SipSubscribeOptions options, uint expires, SipRequest? previous)
    {
        var destination = options.Destination;
        SipRequestBuilder b;
        if (previous is null)
        {
            b = CreateRequest("SUBSCRIBE", options.Target, destination, options.To);
            if (options.From is { } from)
            {
                // RFC 3261 §8.1.1.3: a new tag for a request outside a dialog.
                b.SetHeader(SipHeaderName.From, from.WithParameter("tag", SipIds.NewTag()).ToString());
            }
        }
        else
        {
            b = CreateRequest("SUBSCRIBE", options.Target, destination, previous.To, previous.CallId, previous.CSeq!.Value.Number + 1);
            b.SetHeader(SipHeaderName.From, previous.From!.ToString());
        }
        if (options.Contact is { } contact)
        {
            b.SetHeader(SipHeaderName.Contact, "<" + contact.Text + ">");
        }
        foreach (var route in options.Route)
        {
            b.AddHeader(SipHeaderName.Route, route.ToString());
        }
        AddSubscribeHeaders(b, options, expires);
        return b.Build();
    }

    /// <summary>Event (RFC 6665 §8.2.1), Expires (§4.1.2.1), Accept, and the caller's own headers.</summary>
    internal static void AddSubscribeHeaders(SipRequestBuilder b, SipSubscribeOptions options, uint expires)
    {
        b.AddHeader(SipHeaderName.Event, SipEventHeader.Format(options.Event, options.EventId));
        b.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        if (options.Accept.Count > 0)
        {
            b.AddHeader(SipHeaderName.Accept, HeaderList(options.Accept));
        }
        options.Customize?.Invoke(b);
    }

    internal void AddPendingSubscription(SipSubscription subscription) => _pendingSubscriptions[subscription.Key] = subscription;

    internal void RemovePendingSubscription(SipSubscription subscription) =>
        _pendingSubscriptions.TryRemove(new KeyValuePair<(string, string), SipSubscription>(subscription.Key, subscription));

    /// <summary>A subscription ended: it no longer matches NOTIFYs.</summary>
    internal void ForgetSubscription(SipSubscription subscription, SipDialog? dialog)
    {
        if (!subscription.IsFork && subscription.Request is not null)
        {
            RemovePendingSubscription(subscription);
        }
        if (dialog is not null)
        {
            _subscriptionDialogs.TryRemove(new KeyValuePair<SipDialogId, SipSubscription>(dialog.Id, subscription));
        }
    }

    /// <summary>Ends the dialog of a terminated subscription (RFC 6665 §4.4.1: its only usage is gone).</summary>
    internal void EndSubscriptionDialog(SipDialog dialog) => TerminateDialog(dialog, SipDialogTerminationReason.Ended);

    /// <summary>
    /// The 2xx to an initial SUBSCRIBE (RFC 6665 §4.1.2.1): creates the dialog as RFC 3261 §12.1.2 does, unless a
    /// NOTIFY already created it (RFC 6665 §4.1.2.4). A 2xx from a fork other than the subscription's dialog creates
    /// another subscription that waits for its NOTIFY under the same Timer N (RFC 6665 §4.5.2).
    /// </summary>
    internal void OnSubscribeAccepted(SipSubscription subscription, SipRequest request, SipResponse response)
    {
        SipSubscription? fork = null;
        SipSubscription target = subscription;
        if (response.To?.Tag is { Length: > 0 } remoteTag && request.From?.Tag is { } localTag && request.CallId is { } callId)
        {
            var id = new SipDialogId(callId, localTag, remoteTag);
            lock (_subscribeGate)
            {
                if (_subscriptionDialogs.TryGetValue(id, out var existing))
                {
                    // The NOTIFY came first and made the dialog (for this subscription or a fork of it).
                    target = existing;
                }
                else if (subscription.State != SipSubscriptionState.Terminated
                    && SipDialog.TryCreateUac(request, response, subscription.Options.Destination.Protocol == SipTransportProtocol.Tls, out var dialog))
                {
                    RegisterDialog(dialog, subscription.Options.Destination);
                    if (!subscription.TryBind(dialog))
                    {
                        fork = target = subscription.CreateFork(dialog);
                    }
                    _subscriptionDialogs[dialog.Id] = target;
                }
            }
        }
        if (fork is not null)
        {
            subscription.AnnounceFork(fork);
        }
        target.OnAccepted(response);
        if (!ReferenceEquals(target, subscription))
        {
            subscription.OnAccepted(response);
        }
    }

    /// <summary>
    /// Routes a NOTIFY to its subscription (RFC 6665 §4.1.2.4): by dialog, or, when no dialog matches, by the
    /// outstanding SUBSCRIBE with the NOTIFY's Call-ID and To tag and the same Event (type and id, §8.2.1), which
    /// then creates the dialog, also before the SUBSCRIBE's 2xx and for a new fork. False when the NOTIFY is for no
    /// subscription of ours (other NOTIFYs go to the NOTIFY handler or get 481 as before).
    /// </summary>
    private async ValueTask<bool> TryRouteNotifyAsync(SipServerTransaction transaction, SipRequest notify, CancellationToken ct)
    {
        if (notify.To?.Tag is not { } toTag || notify.CallId is not { } callId)
        {
            return false;
        }
        var id = IncomingId(notify);
        SipSubscription? subscription;
        SipDialog? dialog = null;
        SipSubscription? fork = null;
        SipSubscription? parent = null;
        if (!_subscriptionDialogs.TryGetValue(id, out subscription) && !_pendingSubscriptions.TryGetValue((callId, toTag), out parent))
        {
            return false;
        }
        // RFC 6665 §8.2.1: the Event header (event-type and id) must be the subscription's; else no subscription matches.
        if (!SipEventHeader.TryParse(notify.GetHeader(SipHeaderName.Event), out var ev) || !(subscription ?? parent)!.MatchesEvent(ev))
        {
            await RejectAsync(transaction, new SipCheckFailure(481, SipStatus.DefaultReason(481), "no subscription for this Event"), ct).ConfigureAwait(false);
            return true;
        }
        // RFC 6665 §8.2.3: a NOTIFY must carry Subscription-State.
        if (!SipSubscriptionStateHeader.TryParse(notify.GetHeader(SipHeaderName.SubscriptionState), out var state))
        {
            await RejectAsync(transaction, new SipCheckFailure(400, "Missing Subscription-State", "NOTIFY without Subscription-State"), ct).ConfigureAwait(false);
            return true;
        }
        if (subscription is not null)
        {
            dialog = FindDialog(id);
            var failure = dialog is null ? new SipCheckFailure(481, SipStatus.DefaultReason(481), "the dialog ended") : dialog.CheckRequest(notify);
            if (failure is not null)
            {
                await RejectAsync(transaction, failure, ct).ConfigureAwait(false);
                return true;
            }
        }
        else
        {
            lock (_subscribeGate)
            {
                if (_subscriptionDialogs.TryGetValue(id, out subscription))
                {
                    // Another NOTIFY (or the 2xx) created the dialog meanwhile.
                    dialog = FindDialog(id);
                }
                else if (state.State == SipSubscriptionState.Terminated)
                {
                    // RFC 6665 §4.4.1: a NOTIFY with Subscription-State terminated creates no dialog. It ends the
                    // subscription when it is the first answer (a fetch, or a refusal); from another fork it is only answered.
                    subscription = parent!.Dialog is null ? parent : null;
                }
                else if (SipDialog.TryCreateSubscriber(parent!.Request!, notify, transaction.Remote.Protocol == SipTransportProtocol.Tls, out dialog))
                {
                    RegisterDialog(dialog, parent.Options.Destination);
                    if (parent.TryBind(dialog))
                    {
                        subscription = parent;
                    }
                    else
                    {
                        subscription = fork = parent.CreateFork(dialog);
                    }
                    _subscriptionDialogs[dialog.Id] = subscription;
                }
                else
                {
                    // RFC 3261 §8.1.1.8 / RFC 6665 §4.4.1: the NOTIFY that creates a dialog needs a Contact.
                    dialog = null;
                    subscription = null;
                }
            }
            if (subscription is null)
            {
                var failure = state.State == SipSubscriptionState.Terminated
                    ? null
                    : new SipCheckFailure(400, "Missing Contact", "NOTIFY without Contact cannot create the subscription dialog");
                if (failure is null)
                {
                    var incoming = new SipIncomingRequest(this, transaction, null);
                    await incoming.SendResponseAsync(incoming.CreateResponse(200).Build(), ct).ConfigureAwait(false);
                }
                else
                {
                    await RejectAsync(transaction, failure, ct).ConfigureAwait(false);
                }
                return true;
            }
        }
        if (fork is not null)
        {
            parent!.AnnounceFork(fork);
        }
        await subscription.OnNotifyAsync(transaction, notify, state, dialog, ct).ConfigureAwait(false);
        return true;
    }
}
