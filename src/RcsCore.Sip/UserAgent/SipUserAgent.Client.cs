using System.Collections.Concurrent;
using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>The UAC core: new requests, INVITEs and their ACKs, forks, and requests inside dialogs.</summary>
public sealed partial class SipUserAgent
{
    private static readonly Action<object?> s_inviteExpired = static s => ((InviteExpiry)s!).Fire();

    private readonly ConcurrentDictionary<string, SipOutgoingInvite> _outgoingInvites = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SipDialogId, SipRequest> _outgoingReInvites = new();

    /// <summary>
    /// Starts a request outside a dialog (RFC 3261 §8.1.1): a Via for <paramref name="destination"/> with a new
    /// branch, Max-Forwards 70, To, From with a new tag, Call-ID, CSeq, and for INVITE, SUBSCRIBE and REFER a
    /// Contact (§8.1.1.8); an INVITE also lists Allow and Supported; User-Agent when configured. Add a body and
    /// other headers (Route for a preloaded route set, §8.1.2), build it, and send it with
    /// <see cref="SendRequestAsync"/> or <see cref="InviteAsync"/> to the same destination.
    /// </summary>
    /// <param name="method">The method.</param>
    /// <param name="requestUri">The Request-URI.</param>
    /// <param name="destination">Where it will be sent (for the Via and Contact).</param>
    /// <param name="to">The To; the Request-URI when null (§8.1.1.2).</param>
    /// <param name="callId">The Call-ID; a new one when null (a REGISTER reuses its Call-ID, §10.2).</param>
    /// <param name="sequence">The CSeq number (§8.1.1.5).</param>
    public SipRequestBuilder CreateRequest(string method, SipUri requestUri, SipEndPoint destination, SipNameAddress? to = null, string? callId = null, uint sequence = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        var via = CreateVia(destination);
        var b = new SipRequestBuilder(method, requestUri);
        b.AddHeader(SipHeaderName.Via, via.ToString());
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        // RFC 3261 §8.1.1.3: the From tag is new for every request outside a dialog.
        b.AddHeader(SipHeaderName.From, _options.LocalIdentity.WithParameter("tag", SipIds.NewTag()).ToString());
        b.AddHeader(SipHeaderName.To, (to ?? new SipNameAddress(requestUri)).ToString());
        b.AddHeader(SipHeaderName.CallId, callId ?? SipIds.NewCallId(via.Host));
        b.AddHeader(SipHeaderName.CSeq, string.Create(CultureInfo.InvariantCulture, $"{sequence} {method}"));
        if (method is "INVITE" or "SUBSCRIBE" or "REFER")
        {
            b.AddHeader(SipHeaderName.Contact, "<" + ContactFor(destination).Text + ">");
        }
        if (method == "INVITE")
        {
            b.AddHeader(SipHeaderName.Allow, _allow);
            if (_options.Supported.Count > 0)
            {
                b.AddHeader(SipHeaderName.Supported, HeaderList(_options.Supported));
            }
        }
        AddProduct(b, isResponse: false);
        return b;
    }

    /// <summary>
    /// Sends a request other than INVITE and ACK in a new client transaction and returns its final response
    /// (a synthesized 408 on timeout, 503 on a transport error, RFC 3261 §8.1.3.1). Provisional responses go to
    /// <paramref name="provisional"/>. Cancelling <paramref name="ct"/> only stops the wait. Works outside dialogs;
    /// inside one use <see cref="SipDialog.SendRequestAsync(SipRequest, IProgress{SipResponse}?, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An INVITE (use <see cref="InviteAsync"/>) or ACK, or no RFC 3261 branch.</exception>
    public Task<SipResponse> SendRequestAsync(SipRequest request, SipEndPoint destination, IProgress<SipResponse>? provisional = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method is "INVITE" or "ACK")
        {
            throw new ArgumentException($"Send an INVITE with Invite/InviteAsync; the core sends ACKs (RFC 3261 §13.2.2.4).", nameof(request));
        }
        return Transactions.SendRequestAsync(request, destination, provisional, ct);
    }

    /// <summary>
    /// Sends an INVITE outside a dialog (RFC 3261 §13.2.1) and returns a handle that tracks its dialogs, can cancel
    /// it and completes with the final response. Every 2xx is ACKed by the core (§13.2.2.4).
    /// </summary>
    /// <exception cref="ArgumentException">Not an INVITE, or it has a To tag (re-INVITEs go through the dialog).</exception>
    public SipOutgoingInvite Invite(SipRequest invite, SipEndPoint destination, IProgress<SipResponse>? provisional = null)
    {
        ArgumentNullException.ThrowIfNull(invite);
        if (invite.Method != "INVITE" || invite.To?.Tag is not null)
        {
            throw new ArgumentException("Expected an INVITE outside a dialog (no To tag); send a re-INVITE through its dialog.", nameof(invite));
        }
        string branch = invite.TopVia?.Branch ?? throw new ArgumentException("The INVITE needs a top Via with a branch.", nameof(invite));
        var outgoing = new SipOutgoingInvite(this, invite, destination, provisional);
        if (!_outgoingInvites.TryAdd(branch, outgoing))
        {
            throw new ArgumentException($"An INVITE with branch {branch} is already in progress.", nameof(invite));
        }
        try
        {
            outgoing.Start();
        }
        catch
        {
            _outgoingInvites.TryRemove(branch, out _);
            throw;
        }
        return outgoing;
    }

    /// <summary>
    /// Sends an INVITE outside a dialog and waits for its outcome (see <see cref="Invite"/>). Cancelling
    /// <paramref name="ct"/> cancels the INVITE with a CANCEL (RFC 3261 §9.1: once a provisional response has
    /// arrived) rather than abandoning it, so the result is still returned, usually a 487.
    /// </summary>
    public async Task<SipInviteResult> InviteAsync(SipRequest invite, SipEndPoint destination, IProgress<SipResponse>? provisional = null, CancellationToken ct = default)
    {
        var outgoing = Invite(invite, destination, provisional);
        using var registration = ct.CanBeCanceled
            ? ct.Register(static s => _ = ((SipOutgoingInvite)s!).CancelAsync(), outgoing)
            : default;
        return await outgoing.Completion.ConfigureAwait(false);
    }

    /// <inheritdoc />
    async ValueTask ISipTransactionUser.OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Message is not SipResponse { IsSuccess: true } ok || !IsInviteResponse(ok))
        {
            SipUserAgentLog.Ignored(Logger, "response", response.Remote, "no transaction matches");
            return;
        }
        // RFC 3261 §13.2.2.4 / RFC 6026 §8.4: a retransmitted 2xx or one from another fork: the TU ACKs it.
        if (ok.TopVia?.Branch is { } branch && _outgoingInvites.TryGetValue(branch, out var outgoing))
        {
            // The first 2xx decides which dialog is kept; it completed the transaction before any stray arrived.
            var final = transaction is not null
                ? await transaction.FinalResponse.ConfigureAwait(false)
                : (await outgoing.Completion.ConfigureAwait(false)).Response;
            outgoing.Handle2xx(ok, final, fromStray: true);
            return;
        }
        // A 2xx to a re-INVITE, or after the INVITE was forgotten: resend the dialog's ACK when it is for that INVITE.
        if (FindDialog(ResponseId(ok)) is { } dialog && dialog.LastAck is { } ack && ack.CSeq?.Number == ok.CSeq?.Number)
        {
            SipUserAgentLog.AckResent(Logger, dialog.Id);
            await SendDirectAsync(ack, NextHop(dialog)).ConfigureAwait(false);
            return;
        }
        SipUserAgentLog.Ignored(Logger, "2xx", response.Remote, "no INVITE or dialog matches");
    }

    Task<SipResponse> ISipDialogUser.SendInDialogAsync(SipDialog dialog, SipRequest request, IProgress<SipResponse>? provisional, CancellationToken ct)
    {
        if (request.Method is "ACK" or "CANCEL")
        {
            throw new ArgumentException("The core sends ACKs (RFC 3261 §13.2.2.4); a CANCEL is for a pending INVITE (§9.1).", nameof(request));
        }
        // The exchange runs to the end (a 2xx to a re-INVITE is ACKed) even when the caller stops waiting.
        var task = SendInDialogCoreAsync(dialog, request, provisional);
        return ct.CanBeCanceled ? task.WaitAsync(ct) : task;
    }

    private async Task<SipResponse> SendInDialogCoreAsync(SipDialog dialog, SipRequest request, IProgress<SipResponse>? provisional)
    {
        bool isInvite = request.Method == "INVITE";
        if (isInvite)
        {
            // RFC 3261 §14.2: while it is in progress a re-INVITE from the peer gets 491.
            _outgoingReInvites[dialog.Id] = request;
        }
        SipResponse response;
        try
        {
            response = await Transactions.SendRequestAsync(request, NextHop(dialog), provisional).ConfigureAwait(false);
        }
        finally
        {
            if (isInvite)
            {
                _outgoingReInvites.TryRemove(new KeyValuePair<SipDialogId, SipRequest>(dialog.Id, request));
            }
        }
        if (response.IsSuccess && request.Method is "INVITE" or "UPDATE")
        {
            // RFC 3261 §12.2.1.2: a 2xx to a target refresh request replaces the remote target.
            dialog.RefreshRemoteTarget(response);
        }
        if (response.IsSuccess && request.Method == "INVITE" && dialog.State != SipDialogState.Terminated)
        {
            SendAckFor2xx(dialog);
        }
        if (response.StatusCode is 481 or 408)
        {
            // RFC 3261 §12.2.1.2: 481 or 408 (also a timeout) to an in-dialog request ends the dialog.
            TerminateDialog(dialog, SipDialogTerminationReason.RequestFailed);
        }
        return response;
    }

    Task<SipResponse> ISipDialogUser.ByeAsync(SipDialog dialog, SipDialogTerminationReason reason, CancellationToken ct) => ByeCoreAsync(dialog, reason, ct);

    private async Task<SipResponse> ByeCoreAsync(SipDialog dialog, SipDialogTerminationReason reason, CancellationToken ct)
    {
        if (_awaitingAck.TryGetValue(dialog.Id, out var incoming))
        {
            // RFC 3261 §15: the callee must not send BYE before the ACK for its 2xx or the ACK timeout.
            await incoming.WaitForAckAsync(ct).ConfigureAwait(false);
        }
        var bye = dialog.CreateRequest("BYE").Build();
        var destination = NextHop(dialog);
        // RFC 3261 §15.1.1: the session and dialog end as the BYE is passed to the transaction.
        TerminateDialog(dialog, reason);
        return await Transactions.SendRequestAsync(bye, destination, null, ct).ConfigureAwait(false);
    }

    /// <summary>Sends a BYE nobody waits for (fork release, ACK timeout); failures are logged.</summary>
    internal async Task ByeInBackgroundAsync(SipDialog dialog, SipDialogTerminationReason reason)
    {
        try
        {
            await ByeCoreAsync(dialog, reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or OperationCanceledException)
        {
            // The dialog ended meanwhile, or the layer was disposed.
            SipUserAgentLog.SendFailed(Logger, "BYE", dialog.Peer, ex);
            TerminateDialog(dialog, reason);
        }
    }

    /// <summary>Builds, records and sends the ACK for the dialog's last INVITE (RFC 3261 §13.2.2.4).</summary>
    internal void SendAckFor2xx(SipDialog dialog)
    {
        SipRequest ack;
        try
        {
            ack = dialog.CreateRequest("ACK").Build();
        }
        catch (InvalidOperationException ex)
        {
            SipUserAgentLog.SendFailed(Logger, "ACK", dialog.Peer, ex);
            return;
        }
        dialog.LastAck = ack;
        _ = SendDirectAsync(ack, NextHop(dialog)).AsTask();
    }

    /// <summary>Resends the dialog's last ACK for a retransmitted 2xx (RFC 3261 §13.2.2.4).</summary>
    internal void ResendAck(SipDialog dialog)
    {
        if (dialog.LastAck is { } ack)
        {
            SipUserAgentLog.AckResent(Logger, dialog.Id);
            _ = SendDirectAsync(ack, NextHop(dialog)).AsTask();
        }
    }

    /// <summary>
    /// The INVITE has its final response. For 64*T1 (Timer M, RFC 6026 §8.4) 2xx from other forks are still
    /// ACKed; then the INVITE is forgotten and its early dialogs that never got a 2xx end (RFC 3261 §13.2.2.4).
    /// </summary>
    internal void OnInviteCompleted(SipOutgoingInvite invite, bool success)
    {
        string branch = invite.Request.TopVia!.Branch!;
        if (!success)
        {
            _outgoingInvites.TryRemove(new KeyValuePair<string, SipOutgoingInvite>(branch, invite));
            return;
        }
        try
        {
            Wheel.Schedule(Timers.Timeout64T1, s_inviteExpired, new InviteExpiry(this, branch, invite));
        }
        catch (ObjectDisposedException)
        {
            _outgoingInvites.TryRemove(new KeyValuePair<string, SipOutgoingInvite>(branch, invite));
        }
    }

    private sealed class InviteExpiry(SipUserAgent ua, string branch, SipOutgoingInvite invite)
    {
        public void Fire()
        {
            ua._outgoingInvites.TryRemove(new KeyValuePair<string, SipOutgoingInvite>(branch, invite));
            invite.ExpireEarlyDialogs();
        }
    }
}
