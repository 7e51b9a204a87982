using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>The UAS core: request checks, dialog routing, handlers, CANCEL, BYE and the 2xx/ACK exchange.</summary>
public sealed partial class SipUserAgent
{
    private readonly ConcurrentDictionary<string, ISipRequestHandler> _handlers = new(StringComparer.Ordinal);
    private readonly List<string> _handledMethods = [];
    private readonly ConcurrentDictionary<SipServerTransaction, SipIncomingRequest> _pendingInvites = new();
    private readonly ConcurrentDictionary<SipDialogId, SipIncomingRequest> _awaitingAck = new();
    private ISipRequestHandler? _fallback;
    private string _allow = string.Empty;

    /// <summary>
    /// Registers the handler for a method (case-sensitive, RFC 3261 §7.1), replacing any earlier one. A handler for
    /// OPTIONS replaces the built-in answer; BYE, CANCEL and ACK are always handled by the core.
    /// </summary>
    public void Handle(string method, ISipRequestHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method is "ACK" or "CANCEL" or "BYE")
        {
            throw new ArgumentException($"{method} is handled by the user agent core.", nameof(method));
        }
        _handlers[method] = handler;
        lock (_handledMethods)
        {
            if (!_handledMethods.Contains(method))
            {
                _handledMethods.Add(method);
            }
        }
        RebuildAllow();
    }

    /// <summary>Registers a delegate as the handler for a method (see <see cref="Handle(string, ISipRequestHandler)"/>).</summary>
    public void Handle(string method, Func<SipIncomingRequest, CancellationToken, ValueTask<SipResponse?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Handle(method, new DelegateHandler(handler));
    }

    /// <summary>
    /// Registers the handler for methods that have none; without it they get 405 with Allow (RFC 3261 §8.2.1).
    /// Methods it accepts are not listed in Allow unless <see cref="SipUserAgentOptions.Allow"/> says so.
    /// </summary>
    public void HandleFallback(ISipRequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _fallback = handler;
    }

    /// <inheritdoc />
    async ValueTask ISipTransactionUser.OnRequestAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = transaction.Request;
        // RFC 3261 §8.2: method inspection comes after the header checks, but a CANCEL only needs its transaction.
        if (request.Method == "CANCEL")
        {
            await OnCancelAsync(transaction, ct).ConfigureAwait(false);
            return;
        }
        // RFC 3261 §8.2.1-§8.2.3: 400, 416, 420, 415.
        if (SipRequestChecks.Check(request, _checks) is { } failure)
        {
            await RejectAsync(transaction, failure, ct).ConfigureAwait(false);
            return;
        }
        // RFC 6665 §4.1.2.4: a NOTIFY for one of our subscriptions, also one that overtook the SUBSCRIBE's 2xx.
        if (request.Method == "NOTIFY" && await TryRouteNotifyAsync(transaction, request, ct).ConfigureAwait(false))
        {
            return;
        }
        SipDialog? dialog = null;
        if (request.To!.Tag is not null)
        {
            // RFC 3261 §12.2.2: a request with a To tag belongs to a dialog; unknown dialog -> 481.
            dialog = FindDialog(IncomingId(request));
            var inDialog = dialog is null
                ? new SipCheckFailure(481, SipStatus.DefaultReason(481), "no dialog matches")
                : dialog.CheckRequest(request);
            if (inDialog is not null)
            {
                await RejectAsync(transaction, inDialog, ct).ConfigureAwait(false);
                return;
            }
            if (request.Method == "INVITE" && HasPendingIncomingInvite(dialog!))
            {
                // RFC 3261 §14.2: a second INVITE before the first is answered -> 500 with Retry-After 0-10 s.
                await RejectAsync(transaction, new SipCheckFailure(500, SipStatus.DefaultReason(500), "an INVITE is pending in the dialog"),
                    RandomNumberGenerator.GetInt32(0, 11), ct).ConfigureAwait(false);
                return;
            }
            if (request.Method == "INVITE" && _outgoingReInvites.ContainsKey(dialog!.Id))
            {
                // RFC 3261 §14.2: our own re-INVITE is in progress on the dialog -> 491 (glare).
                await RejectAsync(transaction, new SipCheckFailure(491, SipStatus.DefaultReason(491), "our re-INVITE is in progress"), ct).ConfigureAwait(false);
                return;
            }
        }
        else if (request.Method is "BYE" or "UPDATE" or "PRACK" or "INFO")
        {
            // RFC 3261 §15.1.2, RFC 3311 §5.2, RFC 3262, RFC 6086 §4.2.2: only meaningful inside a dialog.
            await RejectAsync(transaction, new SipCheckFailure(481, SipStatus.DefaultReason(481), "no dialog (no To tag)"), ct).ConfigureAwait(false);
            return;
        }
        else if (request.Method == "INVITE" && !HasHeader(request, SipHeaderName.Contact))
        {
            // RFC 3261 §8.1.1.8: a dialog-creating request must have a Contact.
            await RejectAsync(transaction, new SipCheckFailure(400, "Missing Contact", "INVITE without Contact"), ct).ConfigureAwait(false);
            return;
        }

        var incoming = new SipIncomingRequest(this, transaction, dialog);
        if (request.Method == "BYE")
        {
            await OnByeAsync(incoming, dialog!, ct).ConfigureAwait(false);
            return;
        }
        if (request.Method == "INVITE")
        {
            _pendingInvites[transaction] = incoming;
        }
        if (_handlers.TryGetValue(request.Method, out var handler))
        {
            await DispatchAsync(incoming, handler, ct).ConfigureAwait(false);
        }
        else if (request.Method == "OPTIONS")
        {
            // RFC 3261 §11.2: 200 with Allow, Accept and Supported (CreateResponse adds them).
            await incoming.SendResponseAsync(incoming.CreateResponse(200).Build(), ct).ConfigureAwait(false);
        }
        else if (_fallback is { } fallback)
        {
            await DispatchAsync(incoming, fallback, ct).ConfigureAwait(false);
        }
        else
        {
            // RFC 3261 §8.2.1: a method we do not support -> 405 with Allow.
            SipUserAgentLog.RequestRejected(Logger, request.Method, transaction.Remote, 405, "no handler");
            await incoming.SendResponseAsync(incoming.CreateResponse(405).Build(), ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    ValueTask ISipTransactionUser.OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ack);
        var request = (SipRequest)ack.Message;
        var id = IncomingId(request);
        // RFC 3261 §13.3.1.4: the ACK for the 2xx ends its retransmission. ACKs for unknown dialogs are dropped (§12.2.2).
        if (_awaitingAck.TryGetValue(id, out var incoming)
            && incoming.Request.CSeq?.Number == request.CSeq?.Number
            && incoming.OnAck(request))
        {
            _awaitingAck.TryRemove(new KeyValuePair<SipDialogId, SipIncomingRequest>(id, incoming));
            SipUserAgentLog.AckReceived(Logger, id);
        }
        else
        {
            SipUserAgentLog.Ignored(Logger, "ACK", ack.Remote, "no 2xx waits for it");
        }
        return default;
    }

    private async ValueTask OnCancelAsync(SipServerTransaction cancel, CancellationToken ct)
    {
        var target = cancel.FindCancelTarget();
        var request = cancel.Request;
        if (target is null)
        {
            // RFC 3261 §9.2: no matching transaction -> 481.
            await RejectAsync(cancel, new SipCheckFailure(481, SipStatus.DefaultReason(481), "no transaction to cancel"), ct).ConfigureAwait(false);
            return;
        }
        // RFC 3261 §9.2: the CANCEL matched a transaction: answer it 200 whatever the state of the INVITE.
        var ok = SipResponseBuilder.For(request, 200);
        AddProduct(ok, isResponse: true);
        await cancel.SendResponseAsync(ok.Build(), ct).ConfigureAwait(false);
        if (_pendingInvites.TryRemove(target, out var invite))
        {
            // RFC 3261 §9.2: no final response sent yet -> 487 to the INVITE; the handler sees the cancellation.
            SipUserAgentLog.Cancelled(Logger, target.Branch);
            await invite.CancelByPeerAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask OnByeAsync(SipIncomingRequest bye, SipDialog dialog, CancellationToken ct)
    {
        // RFC 3261 §15.1.2: terminate the session and the dialog, then answer 200.
        TerminateDialog(dialog, SipDialogTerminationReason.RemoteBye);
        // RFC 3261 §15.1.2: pending requests of the dialog (an INVITE, for a BYE on an early dialog) still get a
        // response: 487.
        foreach (var pair in _pendingInvites)
        {
            if (ReferenceEquals(pair.Value.Dialog, dialog) && _pendingInvites.TryRemove(pair))
            {
                await pair.Value.CancelByPeerAsync().ConfigureAwait(false);
            }
        }
        await bye.SendResponseAsync(bye.CreateResponse(200).Build(), ct).ConfigureAwait(false);
    }

    private async ValueTask DispatchAsync(SipIncomingRequest incoming, ISipRequestHandler handler, CancellationToken ct)
    {
        ValueTask<SipResponse?> pending;
        try
        {
            pending = handler.HandleAsync(incoming, incoming.RequestAborted);
        }
        catch (Exception ex)
        {
            await FailAsync(incoming, ex, ct).ConfigureAwait(false);
            return;
        }
        if (pending.IsCompleted)
        {
            await CompleteAsync(incoming, pending, ct).ConfigureAwait(false);
        }
        else
        {
            // A handler that waits (for the user to answer a call...) must not hold up the transport's receive loop.
            _ = CompleteAsync(incoming, pending, CancellationToken.None).AsTask();
        }
    }

    private async ValueTask CompleteAsync(SipIncomingRequest incoming, ValueTask<SipResponse?> pending, CancellationToken ct)
    {
        SipResponse? response;
        try
        {
            response = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (incoming.RequestAborted.IsCancellationRequested)
        {
            // Cancelled by the peer or shutdown: the core has answered (487) or cannot.
            return;
        }
        catch (Exception ex)
        {
            await FailAsync(incoming, ex, ct).ConfigureAwait(false);
            return;
        }
        if (response is not null)
        {
            await incoming.SendResponseAsync(response, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask FailAsync(SipIncomingRequest incoming, Exception ex, CancellationToken ct)
    {
        SipUserAgentLog.HandlerFailed(Logger, incoming.Method, ex);
        if (!incoming.IsAnswered)
        {
            await incoming.SendResponseAsync(incoming.CreateResponse(500).Build(), ct).ConfigureAwait(false);
        }
    }

    private bool HasPendingIncomingInvite(SipDialog dialog)
    {
        foreach (var pair in _pendingInvites)
        {
            if (ReferenceEquals(pair.Value.Dialog, dialog))
            {
                return true;
            }
        }
        return false;
    }

    private ValueTask RejectAsync(SipServerTransaction transaction, SipCheckFailure failure, CancellationToken ct) =>
        RejectAsync(transaction, failure, null, ct);

    /// <summary>Answers a request the core refuses (checks, 481, 500 out of order, 491) with the failure's status.</summary>
    private async ValueTask RejectAsync(SipServerTransaction transaction, SipCheckFailure failure, int? retryAfter, CancellationToken ct)
    {
        var request = transaction.Request;
        SipUserAgentLog.RequestRejected(Logger, request.Method, transaction.Remote, failure.StatusCode, failure.Detail);
        var b = SipResponseBuilder.For(request, failure.StatusCode, failure.ReasonPhrase);
        AddProduct(b, isResponse: true);
        if (failure.Unsupported is { Count: > 0 } unsupported)
        {
            // RFC 3261 §8.2.2.3: 420 lists the unsupported option tags.
            b.AddHeader(SipHeaderName.Unsupported, HeaderList(unsupported));
        }
        if (retryAfter is { } seconds)
        {
            b.AddHeader(SipHeaderName.RetryAfter, seconds.ToString(CultureInfo.InvariantCulture));
        }
        if (failure.StatusCode == 415)
        {
            // RFC 3261 §8.2.3: 415 lists what is accepted.
            b.AddHeader(SipHeaderName.Accept, HeaderList(_options.Accept));
        }
        try
        {
            await transaction.SendResponseAsync(b.Build(), ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already answered.
        }
    }

    /// <summary>The headers the core adds to a response built by <see cref="SipIncomingRequest.CreateResponse"/>.</summary>
    internal void AddResponseHeaders(SipResponseBuilder b, SipIncomingRequest incoming, int status)
    {
        string method = incoming.Method;
        bool success = status is >= 200 and < 300;
        AddProduct(b, isResponse: true);
        if ((method == "INVITE" && status is > 100 and < 300) || (success && method is "UPDATE" or "SUBSCRIBE" or "REFER"))
        {
            // RFC 3261 §12.1.1: a dialog-establishing response carries the UAS's Contact; so does the 2xx to a
            // target refresh request (§12.2.2, RFC 3311 §5.2); RFC 6665 §4.2.1.1, RFC 3515 §2.4.2: 2xx to SUBSCRIBE/REFER.
            b.AddHeader(SipHeaderName.Contact, "<" + (incoming.Dialog?.LocalContact ?? ContactFor(incoming.Remote)).Text + ">");
        }
        if ((success && method is "INVITE" or "OPTIONS") || status == 405)
        {
            // RFC 3261 §8.2.1 (405), §11.2 (OPTIONS), §13.3.1.4 (2xx to INVITE SHOULD list Allow).
            b.AddHeader(SipHeaderName.Allow, _allow);
        }
        if (success && method is "INVITE" or "OPTIONS" && _options.Supported.Count > 0)
        {
            b.AddHeader(SipHeaderName.Supported, HeaderList(_options.Supported));
        }
        if ((success && method == "OPTIONS") || status == 415)
        {
            b.AddHeader(SipHeaderName.Accept, HeaderList(_options.Accept));
        }
    }

    /// <summary>A request got its final response: it can no longer be cancelled.</summary>
    internal void OnAnswered(SipIncomingRequest incoming) =>
        _pendingInvites.TryRemove(new KeyValuePair<SipServerTransaction, SipIncomingRequest>(incoming.Transaction, incoming));

    /// <summary>A 2xx to an INVITE went out: the ACK for it is matched by dialog ID and CSeq (RFC 3261 §13.3.1.4).</summary>
    internal void AwaitAck(SipIncomingRequest incoming, SipDialog dialog) => _awaitingAck[dialog.Id] = incoming;

    /// <summary>No ACK within 64*T1: end the session with a BYE (RFC 3261 §13.3.1.4).</summary>
    internal void OnAckTimeout(SipIncomingRequest incoming, SipDialog dialog)
    {
        _awaitingAck.TryRemove(new KeyValuePair<SipDialogId, SipIncomingRequest>(dialog.Id, incoming));
        SipUserAgentLog.AckTimeout(Logger, dialog.Id);
        _ = ByeInBackgroundAsync(dialog, SipDialogTerminationReason.AckTimeout);
    }

    private void AddProduct(SipMessageBuilder b, bool isResponse)
    {
        if (_options.Product is { Length: > 0 } product)
        {
            b.AddHeader(isResponse ? SipHeaderName.Server : SipHeaderName.UserAgent, product);
        }
    }

    private void RebuildAllow()
    {
        if (_options.Allow is { } configured)
        {
            _allow = HeaderList(configured);
            return;
        }
        var methods = new List<string>();
        lock (_handledMethods)
        {
            if (_handledMethods.Contains("INVITE"))
            {
                methods.Add("INVITE");
            }
            methods.AddRange(["ACK", "CANCEL", "BYE", "OPTIONS"]);
            foreach (var m in _handledMethods)
            {
                if (!methods.Contains(m))
                {
                    methods.Add(m);
                }
            }
        }
        _allow = HeaderList(methods);
    }

    private sealed class DelegateHandler(Func<SipIncomingRequest, CancellationToken, ValueTask<SipResponse?>> handler) : ISipRequestHandler
    {
        public ValueTask<SipResponse?> HandleAsync(SipIncomingRequest request, CancellationToken ct) => handler(request, ct);
    }
}
