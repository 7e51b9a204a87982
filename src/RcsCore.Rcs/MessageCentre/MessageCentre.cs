using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Rcs.MessageCentre;

/// <summary>
/// The CPM participating function for pager-mode messages (OMA CPM; GSMA RCS standalone messaging). The host hands
/// it every out-of-dialog MESSAGE (RFC 3428) for a user of its domains. It refuses content over the pager-mode limit
/// (413), unknown users (404) and what the <see cref="IMessagingPolicy"/> refuses (403, 429...); otherwise it forwards
/// to the registered contacts through the proxy core and relays the final response. When the recipient is not
/// registered, or no contact takes the message (408/480/503, or nothing within
/// <see cref="MessageCentreOptions.ForwardTimeout"/>), it stores the message durably and only then answers 202
/// Accepted (RFC 3428 §7). Stored messages go out in order when the recipient registers (and on retries with
/// backoff) as MESSAGE requests from the centre with the original From, P-Asserted-Identity and body; the sender gets
/// a delivery notification when it asked for one (RFC 5438), and a failure notification when a message expires.
/// </summary>
public sealed partial class MessageCentre : IAsyncDisposable
{
    // Headers that belong to a hop or a transaction, not to the message: not carried into a later delivery.
    private static readonly HashSet<SipHeaderName> s_hopHeaders =
    [
        SipHeaderName.Via, SipHeaderName.Route, SipHeaderName.RecordRoute, SipHeaderName.MaxForwards, SipHeaderName.From,
        SipHeaderName.To, SipHeaderName.CallId, SipHeaderName.CSeq, SipHeaderName.Contact, SipHeaderName.ContentLength,
        SipHeaderName.ContentType, SipHeaderName.PAssertedIdentity, SipHeaderName.PPreferredIdentity, SipHeaderName.Authorization,
        SipHeaderName.ProxyAuthorization, SipHeaderName.ProxyRequire, SipHeaderName.Path, SipHeaderName.SecurityClient,
        SipHeaderName.SecurityVerify, SipHeaderName.PChargingVector, SipHeaderName.PAccessNetworkInfo, SipHeaderName.PVisitedNetworkId,
    ];

    private readonly MessageCentreOptions _options;
    private readonly IMessageStore _store;
    private readonly IMessageRecipientDirectory _directory;
    private readonly ISipProxyRouter _router;
    private readonly SipProxyCore _proxy;
    private readonly ISipRequestSender _sender;
    private readonly ISipTargetResolver _resolver;
    private readonly IMessagingPolicy? _policy;
    private readonly IDeliveryNotifications _notifications;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the centre; call <see cref="StartAsync"/> to resume delivery of stored messages.</summary>
    /// <param name="options">Limits and timers.</param>
    /// <param name="store">The queue and history (durable for a real deployment).</param>
    /// <param name="directory">Who is served here.</param>
    /// <param name="router">Where a user's requests go (the location service, RFC 3261 §16.5).</param>
    /// <param name="proxy">Forwards MESSAGE requests for online recipients (RFC 3261 §16).</param>
    /// <param name="sender">Sends the centre's own requests (deliveries from the store, notifications).</param>
    /// <param name="resolver">Resolves next hops of the centre's own requests (RFC 3263).</param>
    /// <param name="policy">Who may message whom; null allows everything.</param>
    /// <param name="timeProvider">Clock and timers; the system clock when null.</param>
    /// <param name="logger">Logging; none when null.</param>
    public MessageCentre(MessageCentreOptions options, IMessageStore store, IMessageRecipientDirectory directory, ISipProxyRouter router, SipProxyCore proxy,
        ISipRequestSender sender, ISipTargetResolver resolver, IMessagingPolicy? policy = null, TimeProvider? timeProvider = null, ILogger<MessageCentre>? logger = null)
        : this(options, store, directory, router, proxy, sender, resolver, policy, ImdnDeliveryNotifications.Instance, timeProvider, logger)
    {
    }

    internal MessageCentre(MessageCentreOptions options, IMessageStore store, IMessageRecipientDirectory directory, ISipProxyRouter router, SipProxyCore proxy,
        ISipRequestSender sender, ISipTargetResolver resolver, IMessagingPolicy? policy, IDeliveryNotifications notifications, TimeProvider? timeProvider, ILogger<MessageCentre>? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(resolver);
        options.Validate();
        _options = options;
        _store = store;
        _directory = directory;
        _router = router;
        _proxy = proxy;
        _sender = sender;
        _resolver = resolver;
        _policy = policy;
        _notifications = notifications;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _concurrency = new SemaphoreSlim(options.MaxConcurrentDeliveries, options.MaxConcurrentDeliveries);
    }

    /// <summary>The queue and history (for the per-conversation history API).</summary>
    public IMessageStore Store => _store;

    /// <summary>The settings.</summary>
    public MessageCentreOptions Options => _options;

    /// <summary>Handles a MESSAGE outside a dialog for a user of the host's domains: answers it (or lets the proxy answer) exactly once.</summary>
    public async ValueTask ProcessAsync(SipServerTransaction transaction, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = transaction.Request;

        // RFC 3261 §16.3: the checks a proxy makes before anything else.
        var failure = SipRequestChecks.Check(request, new SipRequestCheckOptions { IsProxy = true });
        if (failure is null && request.MaxForwards == 0)
        {
            failure = new SipCheckFailure(483, "Too Many Hops", "Max-Forwards is 0");
        }
        if (failure is not null)
        {
            var reject = SipResponseBuilder.For(request, failure.StatusCode, failure.ReasonPhrase);
            if (failure.Unsupported is { Count: > 0 } tags)
            {
                reject.AddHeader(SipHeaderName.Unsupported, string.Join(", ", tags));
            }
            await transaction.SendResponseAsync(reject.Build(), ct).ConfigureAwait(false);
            return;
        }

        // RFC 3428 §8: pager mode stays within 1300 bytes; bigger content is refused with 413 (RFC 3261 §21.4.11) so
        // the sender switches to large-message mode (MSRP).
        if (request.Body.Length > _options.MaxPagerContentBytes)
        {
            await ReplyAsync(transaction, 413, string.Create(CultureInfo.InvariantCulture,
                $"Request Entity Too Large: pager-mode content is limited to {_options.MaxPagerContentBytes} bytes"), null, ct).ConfigureAwait(false);
            return;
        }

        var recipient = await _directory.FindUserAsync(request.RequestUri, ct).ConfigureAwait(false);
        if (recipient is null)
        {
            // RFC 3261 §21.4.5: no such user here.
            await ReplyAsync(transaction, 404, null, null, ct).ConfigureAwait(false);
            return;
        }
        string sender = await CanonicalAsync(SenderOf(request), ct).ConfigureAwait(false);
        if (_policy is not null)
        {
            var decision = await _policy.CheckAsync(new MessagingRequest
            {
                Sender = sender,
                Recipient = recipient,
                ContentType = request.ContentType,
                Body = request.Body,
                Source = transaction.Remote,
                Request = request,
            }, ct).ConfigureAwait(false);
            if (!decision.IsAllowed)
            {
                Log.Refused(_logger, sender, recipient, decision.StatusCode);
                await ReplyAsync(transaction, decision.StatusCode, decision.Reason, decision.RetryAfter, ct).ConfigureAwait(false);
                return;
            }
        }

        var message = Capture(request, sender, recipient);
        if (HasQueue(recipient))
        {
            // Older messages wait for this recipient: the new one queues behind them, so delivery stays in order.
            if (await StoreAndAcceptAsync(transaction, message, ct).ConfigureAwait(false))
            {
                _ = Kick(recipient);
            }
            return;
        }
        var route = await _router.RouteAsync(request, ct).ConfigureAwait(false);
        if (route.Targets.Count == 0 && route.RejectReason == SipCallerPreferences.NoMatchingContactReason)
        {
            // RFC 3841 §7.2.4: registered, but the caller preferences rule out every contact; storing would not help.
            await ReplyAsync(transaction, route.RejectStatus, route.RejectReason, null, ct).ConfigureAwait(false);
            return;
        }
        if (route.Targets.Count == 0)
        {
            // A user of ours with no contact now (not registered): store and forward when they register.
            if (await StoreAndAcceptAsync(transaction, message, ct).ConfigureAwait(false))
            {
                _ = Kick(recipient);
            }
            return;
        }
        var exchange = new Exchange(this, transaction, message);
        exchange.StartTimer();
        await _proxy.ProcessRequestAsync(transaction, exchange.FilterAsync, ct).ConfigureAwait(false);
    }

    /// <summary>Stores the message durably, then answers 202 (RFC 3428 §7); answers 500 when the store fails. True when stored.</summary>
    private async ValueTask<bool> StoreAndAcceptAsync(SipServerTransaction transaction, StoredMessage message, CancellationToken ct)
    {
        long id;
        try
        {
            id = await _store.EnqueueAsync(message, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StoreFailed(_logger, message.Recipient, e);
            await ReplyAsync(transaction, 500, "Server Internal Error: message could not be stored", null, ct).ConfigureAwait(false);
            return false;
        }
        Log.Stored(_logger, id, message.Sender, message.Recipient);
        TrackQueue(message.Recipient);
        // RFC 3428 §7: 202 tells the sender the message was accepted for later delivery (store and forward).
        await transaction.SendResponseAsync(Response(transaction.Request, 202, null).Build(), ct).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<long> EnqueueQuietlyAsync(StoredMessage message)
    {
        long id = await _store.EnqueueAsync(message, CancellationToken.None).ConfigureAwait(false);
        Log.Stored(_logger, id, message.Sender, message.Recipient);
        return id;
    }

    private static SipResponseBuilder Response(SipRequest request, int status, string? reason) => SipResponseBuilder.For(request, status, reason);

    private static async ValueTask ReplyAsync(SipServerTransaction transaction, int status, string? reason, TimeSpan? retryAfter, CancellationToken ct)
    {
        var b = Response(transaction.Request, status, reason);
        if (retryAfter is { } after)
        {
            // RFC 3261 §20.33 (RFC 6585 §4 for 429): when to try again, in seconds.
            b.AddHeader(SipHeaderName.RetryAfter, ((long)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        }
        await transaction.SendResponseAsync(b.Build(), ct).ConfigureAwait(false);
    }

    /// <summary>A user of ours by the AoR the location service keys (sip:alice@127.0.0.1:5060 → sip:alice@example.test); others as they are.</summary>
    private async ValueTask<string> CanonicalAsync(string aor, CancellationToken ct) =>
        SipUri.TryParse(aor, out var uri) && await _directory.FindUserAsync(uri, ct).ConfigureAwait(false) is { } user ? user : aor;

    /// <summary>The sender's AoR: the asserted identity of a trusted network (RFC 3325 §9.1), a SIP one first, else From.</summary>
    private static string SenderOf(SipRequest request)
    {
        SipUri? asserted = null;
        foreach (var pai in request.GetNameAddresses(SipHeaderName.PAssertedIdentity))
        {
            if (pai.Uri.Scheme is SipUriScheme.Sip or SipUriScheme.Sips)
            {
                asserted = pai.Uri;
                break;
            }
            asserted ??= pai.Uri;
        }
        return (asserted ?? request.From?.Uri)?.ToAddressOfRecord() ?? "anonymous";
    }

    private StoredMessage Capture(SipRequest request, string sender, string recipient) =>
        Capture(request, sender, recipient, request.ContentType ?? "text/plain", request.Body.ToArray(), static id => !s_hopHeaders.Contains(id));

    /// <summary>
    /// The stored form of a message: the request's From, To and P-Asserted-Identity, the headers <paramref name="keep"/>
    /// selects (end-to-end ones, RFC 3428 §7), the content and its IMDN request (RFC 5438 §6), and the expiry.
    /// </summary>
    private StoredMessage Capture(SipRequest request, string sender, string recipient, string contentType, byte[] body, Func<SipHeaderName, bool> keep)
    {
        var now = _time.GetUtcNow();
        var (imdnId, disposition) = _notifications.ReadRequest(contentType, body);
        StringBuilder? headers = null;
        for (int i = 0; i < request.HeaderCount; i++)
        {
            if (!keep(request.GetHeaderId(i)))
            {
                continue;
            }
            headers ??= new StringBuilder();
            if (headers.Length > 0)
            {
                headers.Append("\r\n");
            }
            headers.Append(request.GetHeaderName(i)).Append(": ").Append(request.GetHeaderValue(i));
        }
        var asserted = request.GetHeaders(SipHeaderName.PAssertedIdentity);
        return new StoredMessage
        {
            Sender = sender,
            Recipient = recipient,
            From = request.GetHeader(SipHeaderName.From)!,
            To = request.GetHeader(SipHeaderName.To)!,
            AssertedIdentity = asserted.Count == 0 ? null : string.Join("\r\n", asserted),
            Headers = headers?.ToString(),
            ContentType = contentType,
            Body = body,
            ImdnMessageId = imdnId,
            DispositionNotification = disposition,
            ReceivedAt = now,
            ExpiresAt = now + _options.MessageExpiry,
        };
    }

    /// <summary>One MESSAGE being forwarded to online contacts: the proxy's final response, or the forward timeout, decides.</summary>
    private sealed class Exchange
    {
        private const int Forwarding = 0, TimedOut = 1, Answered = 2;
        private readonly MessageCentre _owner;
        private readonly SipServerTransaction _transaction;
        private readonly StoredMessage _message;
        private readonly Lock _gate = new();
        private int _state;
        private ITimer? _timer;
        private Task<long>? _stored;

        public Exchange(MessageCentre owner, SipServerTransaction transaction, StoredMessage message)
        {
            _owner = owner;
            _transaction = transaction;
            _message = message;
        }

        public void StartTimer()
        {
            lock (_gate)
            {
                _timer = _owner._time.CreateTimer(static s => ((Exchange)s!).OnTimeout(), this, _owner._options.ForwardTimeout, Timeout.InfiniteTimeSpan);
            }
        }

        private void OnTimeout()
        {
            var stored = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_state != Forwarding)
                {
                    return;
                }
                _state = TimedOut;
                _stored = stored.Task;
            }
            _ = _owner.Track(StoreOnTimeoutAsync(stored));
        }

        private async Task StoreOnTimeoutAsync(TaskCompletionSource<long> stored)
        {
            // No contact answered in time: store, then 202; a late 2xx marks the stored copy delivered.
            long id;
            try
            {
                id = await _owner.EnqueueQuietlyAsync(_message).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                stored.TrySetException(e);
                Log.StoreFailed(_owner._logger, _message.Recipient, e);
                await _transaction.SendResponseAsync(Response(_transaction.Request, 500, "Server Internal Error: message could not be stored").Build()).ConfigureAwait(false);
                return;
            }
            stored.TrySetResult(id);
            _owner.TrackQueue(_message.Recipient);
            await _transaction.SendResponseAsync(Response(_transaction.Request, 202, null).Build()).ConfigureAwait(false);
            _owner.ScheduleRetry(_message.Recipient);
        }

        public async ValueTask<SipResponse?> FilterAsync(SipResponse response, int branchStatus, CancellationToken ct)
        {
            Task<long>? stored;
            lock (_gate)
            {
                _timer?.Dispose();
                stored = _stored;
                if (_state == Forwarding)
                {
                    _state = Answered;
                }
            }
            var now = _owner._time.GetUtcNow();
            if (stored is not null)
            {
                // Answered 202 already. A late 2xx: the stored copy is delivered (if its delivery has not begun).
                if (response.IsSuccess)
                {
                    await ((Task)stored).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (!stored.IsCompletedSuccessfully)
                    {
                        return null;
                    }
                    long id = stored.Result;
                    if (await _owner._store.CompleteAsync(id, MessageState.Delivered, now, ct).ConfigureAwait(false))
                    {
                        await _owner.NotifyAsync(_message with { Id = id }, delivered: true).ConfigureAwait(false);
                    }
                }
                return null;
            }
            if (response.IsSuccess)
            {
                Log.DeliveredDirectly(_owner._logger, _message.Sender, _message.Recipient, response.StatusCode);
                _ = _owner.Track(_owner.RecordDirectAsync(_message with { State = MessageState.Delivered, CompletedAt = now }));
                return response;
            }
            if (branchStatus is 408 or 480 or 503 && response.ReasonPhrase != SipCallerPreferences.NoMatchingContactReason)
            {
                // Not registered (the router's 480), or no contact answered / reachable: store and forward later.
                if (await _owner.StoreAndAcceptAsync(_transaction, _message, ct).ConfigureAwait(false))
                {
                    if (branchStatus == 480)
                    {
                        _ = _owner.Kick(_message.Recipient);
                    }
                    else
                    {
                        _owner.ScheduleRetry(_message.Recipient);
                    }
                }
                return null;
            }
            return response;
        }
    }

    private async Task RecordDirectAsync(StoredMessage message)
    {
        await _store.RecordDeliveredAsync(message, CancellationToken.None).ConfigureAwait(false);
        if (_options.NotifyDirectDelivery)
        {
            await NotifyAsync(message, delivered: true).ConfigureAwait(false);
        }
    }
}
