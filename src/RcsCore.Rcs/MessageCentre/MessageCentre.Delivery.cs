using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;
using RcsCore.Sip.Transport;

namespace RcsCore.Rcs.MessageCentre;

public sealed partial class MessageCentre
{
    private const int BatchSize = 32;

    private readonly ConcurrentDictionary<string, RecipientQueue> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private readonly SemaphoreSlim _concurrency;
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _expiryTimer;
    private int _sweeping;
    private int _disposed;

    /// <summary>Resumes delivery of the stored messages (each recipient's queue is tried once) and starts the expiry sweep.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        var recipients = await _store.GetPendingRecipientsAsync(ct).ConfigureAwait(false);
        Log.Started(_logger, recipients.Count);
        foreach (var r in recipients)
        {
            _ = Kick(r);
        }
        _expiryTimer ??= _time.CreateTimer(static s => ((MessageCentre)s!).OnExpiryTimer(), this, _options.ExpirySweepInterval, _options.ExpirySweepInterval);
        OnExpiryTimer();
    }

    /// <summary>
    /// The location service's change event (<see cref="SipLocationService.BindingsChanged"/>): a new or refreshed
    /// binding of a user with stored messages starts their delivery. Never blocks.
    /// </summary>
    public void OnBindingsChanged(object? sender, SipBindingsChangedEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Current.Count == 0 || !_queues.ContainsKey(e.AddressOfRecord))
        {
            return;
        }
        foreach (var change in e.Changes)
        {
            if (!change.IsRemoval)
            {
                _ = Kick(e.AddressOfRecord);
                return;
            }
        }
    }

    /// <summary>Delivers the stored messages of <paramref name="recipient"/> now; completes when that delivery pass ends.</summary>
    public Task DeliverPendingAsync(string recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return Kick(recipient);
    }

    /// <summary>Number of recipients with stored messages the centre is tracking.</summary>
    public int PendingRecipients => _queues.Count;

    private bool HasQueue(string recipient) => _queues.ContainsKey(recipient);

    /// <summary>
    /// Tracks a recipient's queue once a message for it is stored and before the 202 goes out, so a MESSAGE that
    /// follows the 202 queues behind it (order) and <see cref="PendingRecipients"/> already counts it; the caller's
    /// Kick or ScheduleRetry then runs it.
    /// </summary>
    private void TrackQueue(string recipient) => _queues.GetOrAdd(recipient, static r => new RecipientQueue(r));

    /// <summary>Asks for a delivery pass of a recipient's queue; one pass runs at a time per recipient (order).</summary>
    private Task Kick(string recipient)
    {
        while (true)
        {
            var queue = _queues.GetOrAdd(recipient, static r => new RecipientQueue(r));
            lock (queue.Gate)
            {
                if (queue.Removed)
                {
                    continue;
                }
                queue.Requested++;
                if (!queue.Running)
                {
                    queue.Running = true;
                    queue.Current = Track(Task.Run(() => RunQueueAsync(queue)));
                }
                return queue.Current!;
            }
        }
    }

    private async Task RunQueueAsync(RecipientQueue queue)
    {
        while (true)
        {
            int seen;
            lock (queue.Gate)
            {
                seen = queue.Requested;
            }
            bool empty = false;
            try
            {
                empty = await DrainAsync(queue).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                Log.DeliveryError(_logger, queue.Recipient, e);
                ScheduleRetry(queue.Recipient);
            }
            lock (queue.Gate)
            {
                if (seen != queue.Requested && !_stopping.IsCancellationRequested)
                {
                    continue;
                }
                queue.Running = false;
                if (empty && queue.Retry is null)
                {
                    // Nothing is stored for this recipient any more: forget the queue (a new message makes a new one).
                    queue.Removed = true;
                    _queues.TryRemove(new KeyValuePair<string, RecipientQueue>(queue.Recipient, queue));
                }
                return;
            }
        }
    }

    /// <summary>Delivers a recipient's stored messages in order until the queue is empty (true) or delivery must wait (false).</summary>
    private async Task<bool> DrainAsync(RecipientQueue queue)
    {
        var ct = _stopping.Token;
        await _concurrency.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var batch = await _store.GetPendingAsync(queue.Recipient, BatchSize, ct).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    return true;
                }
                foreach (var message in batch)
                {
                    ct.ThrowIfCancellationRequested();
                    if (message.ExpiresAt <= _time.GetUtcNow())
                    {
                        await ExpireAsync(message).ConfigureAwait(false);
                        continue;
                    }
                    var (outcome, status) = await DeliverAsync(message, ct).ConfigureAwait(false);
                    switch (outcome)
                    {
                        case DeliveryOutcome.Delivered:
                            lock (queue.Gate)
                            {
                                queue.Failures = 0;
                            }
                            Log.Delivered(_logger, message.Id, message.Recipient, status);
                            if (await _store.CompleteAsync(message.Id, MessageState.Delivered, _time.GetUtcNow(), ct).ConfigureAwait(false))
                            {
                                await NotifyAsync(message, delivered: true).ConfigureAwait(false);
                            }
                            break;
                        case DeliveryOutcome.Refused:
                            Log.DeliveryRefused(_logger, message.Id, message.Recipient, status);
                            if (await _store.CompleteAsync(message.Id, MessageState.Failed, _time.GetUtcNow(), ct).ConfigureAwait(false))
                            {
                                await NotifyAsync(message, delivered: false).ConfigureAwait(false);
                            }
                            break;
                        case DeliveryOutcome.Unreachable:
                            // Not registered: the next registration starts the queue again.
                            return false;
                        default:
                            Log.DeliveryDeferred(_logger, message.Id, message.Recipient, status);
                            ScheduleRetry(queue.Recipient);
                            return false;
                    }
                }
            }
        }
        finally
        {
            _concurrency.Release();
        }
    }

    private enum DeliveryOutcome
    {
        Delivered,
        Refused,
        Unreachable,
        Retry,
    }

    /// <summary>
    /// Sends a stored message to the recipient's contacts, one after another in q order (RFC 3261 §16.6), as a new
    /// MESSAGE from the centre with the original From, To, P-Asserted-Identity, end-to-end headers and body (RFC 3428 §4).
    /// </summary>
    private async Task<(DeliveryOutcome Outcome, int Status)> DeliverAsync(StoredMessage message, CancellationToken ct)
    {
        var aor = SipUri.Parse(message.Recipient);
        if (await _directory.FindUserAsync(aor, ct).ConfigureAwait(false) is null)
        {
            // The user is gone (removed from the subscribers): the message cannot be delivered.
            return (DeliveryOutcome.Refused, 404);
        }
        var decision = await _router.RouteAsync(Build(message, aor, [], null), ct).ConfigureAwait(false);
        if (decision.Targets.Count == 0)
        {
            return (decision.RejectStatus is 404 or 480 ? DeliveryOutcome.Unreachable : DeliveryOutcome.Retry, decision.RejectStatus);
        }
        if (message.Body.Length > _options.MaxPagerContentBytes)
        {
            if (_depot is not { } depot)
            {
                // Only the depot stores messages this big; it is not up yet (the host starts it after its listeners).
                return (DeliveryOutcome.Retry, 503);
            }
            // OMA CPM: a stored large message goes out in large-message mode (INVITE + MSRP), through the proxy.
            int status = await depot.DeliverAsync(message, ct).ConfigureAwait(false);
            return status switch
            {
                >= 200 and < 300 => (DeliveryOutcome.Delivered, status),
                404 or 480 => (DeliveryOutcome.Unreachable, status),
                408 or 486 or 487 or (>= 500 and < 600) => (DeliveryOutcome.Retry, status),
                _ => (DeliveryOutcome.Refused, status),
            };
        }
        bool temporary = false;
        int last = 0;
        foreach (var target in decision.Targets.OrderByDescending(t => t.Q))
        {
            var route = target.Path ?? [];
            SipEndPoint destination;
            if (target.Destination is { } fixedHop)
            {
                destination = fixedHop;
            }
            else
            {
                var nextHop = route.Count > 0 && SipNameAddress.TryParse(route[0], out var first) ? first.Uri : target.Uri;
                var resolved = await _resolver.ResolveAsync(nextHop, ct).ConfigureAwait(false);
                if (resolved.Count == 0)
                {
                    temporary = true;
                    last = 404;
                    continue;
                }
                destination = resolved[0];
            }
            SipResponse response;
            try
            {
                var request = Build(message, target.Uri, route, _sender.CreateVia(destination));
                response = await _sender.SendAsync(request, destination, target.ConnectionId, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                Log.DeliveryError(_logger, message.Recipient, e);
                temporary = true;
                continue;
            }
            last = response.StatusCode;
            if (response.IsSuccess)
            {
                return (DeliveryOutcome.Delivered, last);
            }
            // Timeouts, unavailability, busy and server errors are worth another try later; other refusals are final.
            temporary |= last is 408 or 480 or 486 or (>= 500 and < 600);
        }
        return (temporary ? DeliveryOutcome.Retry : DeliveryOutcome.Refused, last);
    }

    private static SipRequest Build(StoredMessage message, SipUri requestUri, IReadOnlyList<string> route, SipViaHeader? via)
    {
        var b = new SipRequestBuilder("MESSAGE", requestUri);
        b.AddHeader(SipHeaderName.Via, via?.ToString() ?? "SIP/2.0/UDP message-centre.invalid;branch=z9hG4bKprobe");
        foreach (var r in route)
        {
            b.AddHeader(SipHeaderName.Route, r);
        }
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        b.AddHeader(SipHeaderName.From, message.From);
        b.AddHeader(SipHeaderName.To, message.To);
        b.AddHeader(SipHeaderName.CallId, SipIds.NewCallId("rcs-mc"));
        b.AddHeader(SipHeaderName.CSeq, "1 MESSAGE");
        // RFC 3325 §9.1: the identity the network asserted when it accepted the message travels on.
        foreach (var line in Lines(message.AssertedIdentity))
        {
            b.AddHeader(SipHeaderName.PAssertedIdentity, line);
        }
        foreach (var line in Lines(message.Headers))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                b.AddHeader(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }
        b.SetBody(message.Body, message.ContentType);
        return b.Build();
    }

    private static string[] Lines(string? text) => text is null ? [] : text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Tries the recipient's queue again after a backoff that doubles per failure (bounded).</summary>
    private void ScheduleRetry(string recipient)
    {
        while (true)
        {
            var queue = _queues.GetOrAdd(recipient, static r => new RecipientQueue(r));
            lock (queue.Gate)
            {
                if (queue.Removed)
                {
                    continue;
                }
                if (_stopping.IsCancellationRequested || queue.Retry is not null)
                {
                    return;
                }
                queue.Failures++;
                double factor = Math.Pow(2, Math.Min(queue.Failures - 1, 30));
                var delay = TimeSpan.FromTicks((long)Math.Min(_options.RetryMaxDelay.Ticks, _options.RetryInitialDelay.Ticks * factor));
                Log.RetryScheduled(_logger, recipient, delay);
                queue.Retry = _time.CreateTimer(static s =>
                {
                    var (centre, q) = ((MessageCentre, RecipientQueue))s!;
                    lock (q.Gate)
                    {
                        q.Retry?.Dispose();
                        q.Retry = null;
                    }
                    _ = centre.Kick(q.Recipient);
                }, (this, queue), delay, Timeout.InfiniteTimeSpan);
                return;
            }
        }
    }

    private void OnExpiryTimer()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 0)
        {
            _ = Track(SweepAsync());
        }
    }

    /// <summary>Drops every pending message past its expiry, with a failure notification when the sender asked for one.</summary>
    private async Task SweepAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var expired = await _store.GetExpiredAsync(_time.GetUtcNow(), BatchSize, _stopping.Token).ConfigureAwait(false);
                foreach (var m in expired)
                {
                    await ExpireAsync(m).ConfigureAwait(false);
                }
                if (expired.Count < BatchSize)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.DeliveryError(_logger, "(expiry)", e);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private async Task ExpireAsync(StoredMessage message)
    {
        if (await _store.CompleteAsync(message.Id, MessageState.Expired, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false))
        {
            Log.Expired(_logger, message.Id, message.Recipient);
            // RFC 5438 §7.2.1.2: a negative delivery notification (failed) when the message cannot be delivered.
            await NotifyAsync(message, delivered: false).ConfigureAwait(false);
        }
    }

    /// <summary>Queues the delivery notification of <paramref name="message"/> for its sender when asked for (RFC 5438 §7.2.1).</summary>
    private async Task NotifyAsync(StoredMessage message, bool delivered)
    {
        var now = _time.GetUtcNow();
        if (_notifications.Create(message, delivered, now) is not { } notification)
        {
            return;
        }
        if (!SipUri.TryParse(message.Sender, out var senderUri) || await _directory.FindUserAsync(senderUri, CancellationToken.None).ConfigureAwait(false) is null)
        {
            // Only users served here get notifications from the centre (routing to other domains is not done here).
            Log.NotNotified(_logger, message.Sender);
            return;
        }
        // The notification is a message from the recipient to the sender (RFC 5438 §7.2.1.1): stored like any other,
        // so it reaches a sender who is offline now, in order with the recipient's other messages.
        var imdn = new StoredMessage
        {
            Sender = message.Recipient,
            Recipient = message.Sender,
            From = "<" + message.Recipient + ">;tag=" + SipIds.NewTag(),
            To = "<" + message.Sender + ">",
            ContentType = notification.ContentType,
            Body = notification.Body,
            ImdnMessageId = notification.MessageId,
            ReceivedAt = now,
            ExpiresAt = now + _options.MessageExpiry,
        };
        await EnqueueQuietlyAsync(imdn).ConfigureAwait(false);
        _ = Kick(imdn.Recipient);
    }

    /// <summary>Keeps a background task to wait for at shutdown; logs its failure.</summary>
    private Task Track(Task task)
    {
        if (task.IsCompleted)
        {
            Observe(task);
            return task;
        }
        _background.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, s) =>
        {
            var centre = (MessageCentre)s!;
            centre._background.TryRemove(t, out _);
            centre.Observe(t);
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    private void Observe(Task t)
    {
        if (t.IsFaulted && t.Exception!.GetBaseException() is not (OperationCanceledException or ObjectDisposedException))
        {
            Log.DeliveryError(_logger, "(background)", t.Exception.GetBaseException());
        }
    }

    /// <summary>Stops delivering (stored messages stay stored) and waits for work in progress.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _expiryTimer?.Dispose();
        if (_depot is not null)
        {
            await _depot.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var q in _queues.Values)
        {
            lock (q.Gate)
            {
                q.Retry?.Dispose();
                q.Retry = null;
            }
        }
        var pending = _background.Keys.ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        catch (TimeoutException)
        {
        }
        _stopping.Dispose();
    }

    private sealed class RecipientQueue(string recipient)
    {
        public string Recipient { get; } = recipient;
        public Lock Gate { get; } = new();
        public int Requested;
        public bool Running;
        public bool Removed;
        public int Failures;
        public ITimer? Retry;
        public Task? Current;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5100, Level = LogLevel.Debug, Message = "stored message {Id} from {Sender} for {Recipient}")]
        public static partial void Stored(ILogger logger, long id, string sender, string recipient);

        [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "delivered stored message {Id} to {Recipient} ({Status})")]
        public static partial void Delivered(ILogger logger, long id, string recipient, int status);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "stored message {Id} for {Recipient} refused with {Status}")]
        public static partial void DeliveryRefused(ILogger logger, long id, string recipient, int status);

        [LoggerMessage(EventId = 5103, Level = LogLevel.Debug, Message = "stored message {Id} for {Recipient} not delivered now ({Status}); will retry")]
        public static partial void DeliveryDeferred(ILogger logger, long id, string recipient, int status);

        [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "stored message {Id} for {Recipient} expired")]
        public static partial void Expired(ILogger logger, long id, string recipient);

        [LoggerMessage(EventId = 5105, Level = LogLevel.Debug, Message = "retrying delivery to {Recipient} in {Delay}")]
        public static partial void RetryScheduled(ILogger logger, string recipient, TimeSpan delay);

        [LoggerMessage(EventId = 5106, Level = LogLevel.Error, Message = "could not store a message for {Recipient}")]
        public static partial void StoreFailed(ILogger logger, string recipient, Exception exception);

        [LoggerMessage(EventId = 5107, Level = LogLevel.Warning, Message = "delivery to {Recipient} failed")]
        public static partial void DeliveryError(ILogger logger, string recipient, Exception exception);

        [LoggerMessage(EventId = 5108, Level = LogLevel.Debug, Message = "MESSAGE from {Sender} to {Recipient} refused by policy: {Status}")]
        public static partial void Refused(ILogger logger, string sender, string recipient, int status);

        [LoggerMessage(EventId = 5109, Level = LogLevel.Debug, Message = "MESSAGE from {Sender} delivered to {Recipient} at once ({Status})")]
        public static partial void DeliveredDirectly(ILogger logger, string sender, string recipient, int status);

        [LoggerMessage(EventId = 5111, Level = LogLevel.Debug, Message = "no delivery notification for {Sender}: not a user of this server")]
        public static partial void NotNotified(ILogger logger, string sender);

        [LoggerMessage(EventId = 5112, Level = LogLevel.Debug, Message = "large message from {Sender} for {Recipient} stored ({Bytes} bytes)")]
        public static partial void LargeStored(ILogger logger, string sender, string recipient, int bytes);

        [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "message centre started: {Count} recipients with stored messages")]
        public static partial void Started(ILogger logger, int count);
    }
}
