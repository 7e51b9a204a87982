using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>
/// A subscription of this UA to an event package (RFC 6665 §4.1): the subscriber side of SUBSCRIBE/NOTIFY, for any
/// package. Created by <see cref="SipUserAgent.CreateSubscription"/> (attach handlers, then <see cref="StartAsync"/>)
/// or <see cref="SipUserAgent.SubscribeAsync"/>. The state machine is Idle → Subscribing → Pending/Active →
/// Terminated: the SUBSCRIBE's 2xx or a NOTIFY that matches it (Call-ID, From tag, Event with id), whichever comes
/// first, creates the dialog (RFC 6665 §4.1.2.4: a NOTIFY may overtake the 2xx); each NOTIFY moves the state to its
/// Subscription-State and is answered 200; Timer N (64*T1) ends a subscription no NOTIFY arrived for; refreshes go
/// out before expiry; <see cref="UnsubscribeAsync"/> sends Expires: 0 and waits for the final NOTIFY. A forked
/// SUBSCRIBE may create more subscriptions (<see cref="Forked"/>, RFC 6665 §4.5.2). Thread-safe; events are raised
/// on the thread that received the message, after the NOTIFY has been answered.
/// </summary>
public sealed class SipSubscription : IAsyncDisposable
{
    private static readonly Action<object?> s_timerN = static s => ((SipSubscription)s!).OnTimerN();

    private readonly SipUserAgent _ua;
    private readonly SipSubscribeOptions _options;
    private readonly SipSubscription? _parent;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<bool> _established = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SipSubscriptionTermination> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _ended = new();
    private readonly List<SipSubscription> _forks = [];
    private SipSubscriptionState _state;
    private SipDialog? _dialog;
    private SipRequest? _request;
    private SipResponse? _response;
    private DateTimeOffset? _expiresAt;
    private bool _notified;
    private bool _unsubscribing;
    private SipNotifyEventArgs? _lastNotify;
    private SipSubscriptionTermination? _termination;
    private ITimer? _refreshTimer;
    private ITimer? _expiryTimer;
    private SipTimerHandle? _timerN;
    private uint _requested;

    internal SipSubscription(SipUserAgent ua, SipSubscribeOptions options, SipSubscription? parent = null)
    {
        _ua = ua;
        _options = options;
        _parent = parent;
        _requested = options.Expires;
    }

    /// <summary>The configuration.</summary>
    public SipSubscribeOptions Options => _options;

    /// <summary>The event package.</summary>
    public string Event => _options.Event;

    /// <summary>The Event id parameter, or null.</summary>
    public string? EventId => _options.EventId;

    /// <summary>The current state (a snapshot).</summary>
    public SipSubscriptionState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The subscription's dialog once a 2xx or a NOTIFY created it; null before (and for a fetch that ended at once).</summary>
    public SipDialog? Dialog
    {
        get
        {
            lock (_lock)
            {
                return _dialog;
            }
        }
    }

    /// <summary>The SUBSCRIBE that created the subscription (the last one sent, after a 423 retry).</summary>
    public SipRequest? Request
    {
        get
        {
            lock (_lock)
            {
                return _request;
            }
        }
    }

    /// <summary>The final response to the initial SUBSCRIBE, or null while none has come (a NOTIFY may come first).</summary>
    public SipResponse? Response
    {
        get
        {
            lock (_lock)
            {
                return _response;
            }
        }
    }

    /// <summary>When the subscription ends unless refreshed: from the 2xx Expires or the last NOTIFY's expires parameter.</summary>
    public DateTimeOffset? ExpiresAt
    {
        get
        {
            lock (_lock)
            {
                return _expiresAt;
            }
        }
    }

    /// <summary>The last NOTIFY received (also one that came before a handler was attached).</summary>
    public SipNotifyEventArgs? LastNotify
    {
        get
        {
            lock (_lock)
            {
                return _lastNotify;
            }
        }
    }

    /// <summary>Why the subscription ended; null while it lives.</summary>
    public SipSubscriptionTermination? Termination
    {
        get
        {
            lock (_lock)
            {
                return _termination;
            }
        }
    }

    /// <summary>Completes with the termination when the subscription ends.</summary>
    public Task<SipSubscriptionTermination> Completion => _completion.Task;

    /// <summary>Cancelled when the subscription ends.</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>True for a subscription a forked SUBSCRIBE created besides the one subscribed (RFC 6665 §4.5.2).</summary>
    public bool IsFork => _parent is not null;

    /// <summary>Raised for every NOTIFY of the subscription, after it has been answered 200 and applied.</summary>
    public event EventHandler<SipNotifyEventArgs>? NotifyReceived;

    /// <summary>Raised once when the subscription ends, for whatever reason.</summary>
    public event EventHandler<SipSubscriptionTerminatedEventArgs>? Terminated;

    /// <summary>
    /// Raised when a NOTIFY from another fork of the SUBSCRIBE (another From tag, RFC 6665 §4.5.2) or a 2xx from
    /// another fork created a second subscription; raised before that NOTIFY is delivered, so handlers can be attached.
    /// Without a handler the extra subscription is ended with an unsubscription, as RFC 6665 §4.5.2 allows.
    /// </summary>
    public event EventHandler<SipSubscriptionForkedEventArgs>? Forked;

    /// <summary>
    /// Sends the SUBSCRIBE (RFC 6665 §4.1.2.1) and waits until the subscription is accepted (a 2xx, or a NOTIFY that
    /// overtook it, RFC 6665 §4.1.2.4) or has failed. True when accepted; false when it failed (see
    /// <see cref="Termination"/>). Cancelling <paramref name="ct"/> before acceptance abandons the subscription
    /// (later NOTIFYs get 481, which ends it at the notifier, RFC 6665 §4.2.2).
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public async Task<bool> StartAsync(CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (_state != SipSubscriptionState.Idle || _parent is not null)
            {
                throw new InvalidOperationException("The subscription was already started.");
            }
            _state = SipSubscriptionState.Subscribing;
            _request = _ua.BuildSubscribe(_options, _requested, null);
        }
        _ua.AddPendingSubscription(this);
        try
        {
            // RFC 6665 §4.1.2.4: Timer N (64*T1) runs from the SUBSCRIBE; without a NOTIFY by then the subscription failed.
            var handle = _ua.Wheel.Schedule(_ua.Timers.Timeout64T1, s_timerN, this);
            lock (_lock)
            {
                _timerN = handle;
            }
        }
        catch (ObjectDisposedException)
        {
            Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Shutdown));
            return false;
        }
        Send(_request, retried: false);
        try
        {
            return await _established.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (!_established.Task.IsCompleted || !_established.Task.Result)
            {
                Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Cancelled));
            }
            throw;
        }
    }

    /// <summary>
    /// Refreshes the subscription in its dialog (RFC 6665 §4.1.2.2) and returns the response. A 2xx resets the expiry;
    /// a 423 is retried once with Min-Expires; 404, 405, 410, 416, 480–485, 489, 501 and 604 end the subscription
    /// (RFC 6665 §4.1.2.2), as 481 and 408 end its dialog (RFC 3261 §12.2.1.2); other failures leave it until expiry.
    /// </summary>
    /// <param name="expires">The duration to ask for; the configured one when null.</param>
    /// <param name="ct">Stops the wait.</param>
    /// <exception cref="InvalidOperationException">No dialog yet, or the subscription has ended.</exception>
    public async Task<SipResponse> RefreshAsync(uint? expires = null, CancellationToken ct = default)
    {
        SipDialog dialog;
        lock (_lock)
        {
            if (_state == SipSubscriptionState.Terminated || _dialog is null)
            {
                throw new InvalidOperationException(_state == SipSubscriptionState.Terminated ? "The subscription has ended." : "The subscription has no dialog yet.");
            }
            dialog = _dialog;
            if (expires is { } e && e > 0)
            {
                _requested = e;
            }
        }
        uint asked = expires ?? _requested;
        var response = await dialog.SendRequestAsync(BuildInDialog(dialog, asked), null, ct).ConfigureAwait(false);
        if (response.StatusCode == 423 && MinExpires(response) is { } min && min > asked)
        {
            // RFC 6665 §4.1.2.2 (via §4.1.2.1): 423 Interval Too Brief names the shortest duration accepted.
            lock (_lock)
            {
                _requested = min;
            }
            asked = min;
            response = await dialog.SendRequestAsync(BuildInDialog(dialog, asked), null, ct).ConfigureAwait(false);
        }
        if (response.IsSuccess)
        {
            // RFC 6665 §4.1.2.1: the 2xx Expires is the duration granted (it may be shorter than asked).
            uint granted = response.Expires ?? asked;
            if (granted > 0)
            {
                SetExpiry(granted, scheduleRefresh: asked > 0);
            }
            return response;
        }
        if (response.StatusCode is 404 or 405 or 410 or 416 or (>= 480 and <= 485) or 489 or 501 or 604)
        {
            // RFC 6665 §4.1.2.2: these end the subscription.
            Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Failed, statusCode: response.StatusCode));
            return response;
        }
        // RFC 6665 §4.1.2.2: other failures leave the subscription until it expires; try again halfway there.
        RetryRefreshLater();
        return response;
    }

    /// <summary>
    /// Unsubscribes (RFC 6665 §4.1.2.3): a SUBSCRIBE with Expires: 0 in the dialog, then a wait of up to 64*T1 for
    /// the NOTIFY with Subscription-State terminated; the subscription is terminated when this returns. A subscription
    /// still waiting for its 2xx or first NOTIFY is unsubscribed once either arrives (or Timer N fires).
    /// </summary>
    public async Task UnsubscribeAsync(CancellationToken ct = default)
    {
        SipDialog? dialog;
        lock (_lock)
        {
            if (_state == SipSubscriptionState.Terminated)
            {
                return;
            }
            if (_state == SipSubscriptionState.Idle)
            {
                dialog = null;
            }
            else
            {
                _unsubscribing = true;
                _refreshTimer?.Dispose();
                _refreshTimer = null;
                dialog = _dialog;
            }
        }
        if (dialog is null && State == SipSubscriptionState.Subscribing)
        {
            // Not accepted yet: wait for the 2xx, the first NOTIFY or Timer N.
            await _established.Task.WaitAsync(ct).ConfigureAwait(false);
            dialog = Dialog;
        }
        if (dialog is null || State == SipSubscriptionState.Terminated)
        {
            Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Unsubscribed));
            return;
        }
        SipResponse? response = null;
        try
        {
            response = await dialog.SendRequestAsync(BuildInDialog(dialog, 0), null, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The dialog ended meanwhile.
        }
        if (response is { IsSuccess: true })
        {
            // RFC 6665 §4.1.2.3: the notifier confirms with a NOTIFY whose Subscription-State is terminated.
            try
            {
                await Task.WhenAny(_completion.Task, Task.Delay(_ua.Timers.Timeout64T1, _ua.Time, ct)).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
            }
        }
        ct.ThrowIfCancellationRequested();
        Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Unsubscribed));
    }

    /// <summary>Unsubscribes (see <see cref="UnsubscribeAsync"/>) unless the subscription has already ended.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Shutdown));
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Event} subscription {State}" + (Dialog is { } d ? " " + d.Id : string.Empty);

    // ---- core side ----

    internal (string CallId, string LocalTag) Key
    {
        get
        {
            var r = _request!;
            return (r.CallId!, r.From!.Tag!);
        }
    }

    internal bool MatchesEvent(SipEventHeader header) => header.Matches(_options.Event, _options.EventId);

    private void Send(SipRequest request, bool retried) =>
        _ = ProcessInitialResponseAsync(_ua.Transactions.SendRequestAsync(request, _options.Destination), request, retried);

    private async Task ProcessInitialResponseAsync(Task<SipResponse> pending, SipRequest request, bool retried)
    {
        SipResponse response;
        try
        {
            response = await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or ArgumentException or SipTransportException)
        {
            SipUserAgentLog.SendFailed(_ua.Logger, "SUBSCRIBE", _options.Destination, ex);
            FailIfNotAccepted(503);
            return;
        }
        lock (_lock)
        {
            _response = response;
        }
        if (response.StatusCode == 423 && !retried && MinExpires(response) is { } min && min > _requested)
        {
            // RFC 6665 §4.1.2.1: retry with at least Min-Expires (same Call-ID and From tag, CSeq one higher).
            SipRequest retry;
            lock (_lock)
            {
                if (_state == SipSubscriptionState.Terminated || _dialog is not null)
                {
                    return;
                }
                _requested = min;
                retry = _ua.BuildSubscribe(_options, min, request);
                _request = retry;
            }
            Send(retry, retried: true);
            return;
        }
        if (response.IsSuccess)
        {
            _ua.OnSubscribeAccepted(this, request, response);
            return;
        }
        FailIfNotAccepted(response.StatusCode);
    }

    private void FailIfNotAccepted(int status)
    {
        // RFC 6665 §4.1.2.1: a failure response means no subscription, unless a NOTIFY already created one (a fork
        // accepted it while another refused).
        bool notified;
        lock (_lock)
        {
            notified = _notified;
        }
        if (!notified)
        {
            Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Failed, statusCode: status));
        }
    }

    /// <summary>Binds a dialog to this subscription if it has none; false when it has one (then the dialog is a fork's).</summary>
    internal bool TryBind(SipDialog dialog)
    {
        lock (_lock)
        {
            if (_dialog is not null || _state == SipSubscriptionState.Terminated)
            {
                return false;
            }
            _dialog = dialog;
            return true;
        }
    }

    /// <summary>A subscription for another fork's dialog, with this one's request and handlers.</summary>
    internal SipSubscription CreateFork(SipDialog dialog)
    {
        var fork = new SipSubscription(_ua, _options, this)
        {
            _state = SipSubscriptionState.Subscribing,
            _dialog = dialog,
            _requested = _requested,
        };
        lock (_lock)
        {
            fork._request = _request;
            fork._response = _response;
            fork.NotifyReceived = NotifyReceived;
            fork.Terminated = Terminated;
            _forks.Add(fork);
        }
        return fork;
    }

    /// <summary>Tells the handlers about a fork; without handlers the fork is unsubscribed (RFC 6665 §4.5.2).</summary>
    internal void AnnounceFork(SipSubscription fork)
    {
        var handler = Forked;
        if (handler is null)
        {
            _ = fork.UnsubscribeInBackgroundAsync();
            return;
        }
        try
        {
            handler(this, new SipSubscriptionForkedEventArgs(fork));
        }
        catch (Exception ex)
        {
            SipUserAgentLog.EventHandlerFailed(_ua.Logger, ex);
        }
    }

    /// <summary>The 2xx to the initial SUBSCRIBE arrived: the expiry it grants applies unless a NOTIFY already set one.</summary>
    internal void OnAccepted(SipResponse response)
    {
        uint granted = response.Expires ?? _requested;
        bool apply;
        lock (_lock)
        {
            _response ??= response;
            apply = !_notified && _state != SipSubscriptionState.Terminated;
        }
        if (apply && granted > 0)
        {
            SetExpiry(granted, scheduleRefresh: true);
        }
        _established.TrySetResult(true);
    }

    /// <summary>
    /// A NOTIFY of this subscription (RFC 6665 §4.1.2.4): answers 200, applies its Subscription-State (pending or
    /// active with expires; terminated ends the subscription), and raises <see cref="NotifyReceived"/>.
    /// </summary>
    internal async ValueTask OnNotifyAsync(SipServerTransaction transaction, SipRequest notify, SipSubscriptionStateHeader header, SipDialog? dialog, CancellationToken ct)
    {
        // RFC 6665 §4.1.3 / RFC 3261 §12.2.2: NOTIFY is a target refresh request; its Contact is the new remote target.
        dialog?.RefreshRemoteTarget(notify);
        var args = new SipNotifyEventArgs(this, notify, header);
        bool terminated = header.State == SipSubscriptionState.Terminated;
        lock (_lock)
        {
            _notified = true;
            _lastNotify = args;
            if (_state != SipSubscriptionState.Terminated && !terminated)
            {
                _state = header.State;
            }
        }
        if (!terminated && header.Expires is { } expires)
        {
            // RFC 6665 §4.1.2.4: the expires parameter gives the time left; the refresh follows it.
            SetExpiry(expires, scheduleRefresh: true);
        }
        var incoming = new SipIncomingRequest(_ua, transaction, dialog);
        await incoming.SendResponseAsync(incoming.CreateResponse(200).Build(), ct).ConfigureAwait(false);
        _established.TrySetResult(true);
        try
        {
            NotifyReceived?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            SipUserAgentLog.EventHandlerFailed(_ua.Logger, ex);
        }
        if (terminated)
        {
            // RFC 6665 §4.1.2.4, §4.4.1: Subscription-State terminated ends the subscription and its dialog usage.
            Terminate(new SipSubscriptionTermination(header.Reason, header.RetryAfter is { } r ? TimeSpan.FromSeconds(r) : null, byNotifier: true));
        }
    }

    /// <summary>The dialog under the subscription ended (481/408 to a refresh, user agent shutdown, dialog ended).</summary>
    internal void OnDialogEnded(SipDialogTerminationReason reason) =>
        Terminate(new SipSubscriptionTermination(reason == SipDialogTerminationReason.RequestFailed ? SipSubscriptionTermination.Failed : SipSubscriptionTermination.Shutdown));

    /// <summary>Ends the subscription once: stops timers, forgets it, ends its dialog, raises <see cref="Terminated"/>.</summary>
    internal void Terminate(SipSubscriptionTermination termination)
    {
        SipDialog? dialog;
        SipTimerHandle? timerN;
        lock (_lock)
        {
            if (_state == SipSubscriptionState.Terminated)
            {
                return;
            }
            _state = SipSubscriptionState.Terminated;
            _termination = termination;
            _refreshTimer?.Dispose();
            _refreshTimer = null;
            _expiryTimer?.Dispose();
            _expiryTimer = null;
            timerN = _timerN;
            _timerN = null;
            dialog = _dialog;
        }
        timerN?.Cancel();
        _established.TrySetResult(false);
        _ua.ForgetSubscription(this, dialog);
        if (dialog is not null)
        {
            _ua.EndSubscriptionDialog(dialog);
        }
        SipUserAgentLog.SubscriptionTerminated(_ua.Logger, _options.Event, termination.Reason, termination.StatusCode, termination.ByNotifier);
        _completion.TrySetResult(termination);
        try
        {
            _ended.Cancel();
        }
        catch (AggregateException ex)
        {
            SipUserAgentLog.EventHandlerFailed(_ua.Logger, ex);
        }
        try
        {
            Terminated?.Invoke(this, new SipSubscriptionTerminatedEventArgs(this, termination));
        }
        catch (Exception ex)
        {
            SipUserAgentLog.EventHandlerFailed(_ua.Logger, ex);
        }
    }

    /// <summary>Timer N fired (RFC 6665 §4.1.2.4): every subscription of the SUBSCRIBE that got no NOTIFY has failed.</summary>
    private void OnTimerN()
    {
        SipSubscription[] all;
        lock (_lock)
        {
            _timerN = null;
            all = [this, .. _forks];
        }
        _ua.RemovePendingSubscription(this);
        foreach (var s in all)
        {
            bool notified;
            lock (s._lock)
            {
                notified = s._notified;
            }
            if (!notified)
            {
                s.Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.TimerN));
            }
        }
    }

    private void SetExpiry(uint seconds, bool scheduleRefresh)
    {
        var granted = TimeSpan.FromSeconds(seconds);
        var time = _ua.Time;
        lock (_lock)
        {
            if (_state == SipSubscriptionState.Terminated)
            {
                return;
            }
            _expiresAt = time.GetUtcNow() + granted;
            _expiryTimer?.Dispose();
            // RFC 6665 §4.1.2.2: without a refresh the subscription ends when its duration runs out.
            _expiryTimer = time.CreateTimer(static s => ((SipSubscription)s!).Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Expired)),
                this, granted, Timeout.InfiniteTimeSpan);
            if (scheduleRefresh && _options.AutoRefresh && !_unsubscribing)
            {
                var due = _options.RefreshDelay(granted);
                _refreshTimer?.Dispose();
                _refreshTimer = time.CreateTimer(static s => _ = ((SipSubscription)s!).RefreshInBackgroundAsync(), this,
                    due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void RetryRefreshLater()
    {
        var time = _ua.Time;
        lock (_lock)
        {
            if (_state == SipSubscriptionState.Terminated || !_options.AutoRefresh || _unsubscribing || _expiresAt is not { } at)
            {
                return;
            }
            var left = at - time.GetUtcNow();
            if (left < TimeSpan.FromSeconds(2))
            {
                return;
            }
            _refreshTimer?.Dispose();
            _refreshTimer = time.CreateTimer(static s => _ = ((SipSubscription)s!).RefreshInBackgroundAsync(), this, left / 2, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await RefreshAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or ArgumentException or SipTransportException)
        {
            SipUserAgentLog.SendFailed(_ua.Logger, "SUBSCRIBE", _options.Destination, ex);
        }
    }

    private async Task UnsubscribeInBackgroundAsync()
    {
        try
        {
            await UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Shutdown));
        }
    }

    private SipRequest BuildInDialog(SipDialog dialog, uint expires)
    {
        var b = dialog.CreateRequest("SUBSCRIBE");
        SipUserAgent.AddSubscribeHeaders(b, _options, expires);
        return b.Build();
    }

    private static uint? MinExpires(SipResponse response) =>
        uint.TryParse(response.GetHeader(SipHeaderName.MinExpires)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint m) ? m : null;
}
