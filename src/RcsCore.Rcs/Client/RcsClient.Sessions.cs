using RcsCore.Msrp;
using RcsCore.Parsing.Sdp;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>Sessions: chat INVITEs both ways and large-message mode (INVITE, one MSRP message, BYE).</summary>
public sealed partial class RcsClient
{
    /// <summary>How long the receiver of a large message waits for it, and then for the sender's BYE.</summary>
    private static readonly TimeSpan s_largeMessageWait = TimeSpan.FromSeconds(30);

    private MsrpSessionOptions ChatMsrpOptions => new()
    {
        // GSMA RCC.07 1-to-1 chat: CPIM (RFC 3862) carrying text, IMDNs and isComposing; isComposing also bare.
        AcceptTypes = [CpimContentType, IsComposingDocument.MediaType],
        AcceptWrappedTypes = ["text/plain", ImdnHeaders.ContentType, IsComposingDocument.MediaType],
        MaxSize = _options.MaxMessageBytes,
    };

    private MsrpSessionOptions LargeMsrpOptions => new()
    {
        // OMA CPM large-message mode: one CPIM message of any wrapped type.
        AcceptTypes = [CpimContentType],
        AcceptWrappedTypes = ["*"],
        MaxSize = _options.MaxMessageBytes,
    };

    /// <summary>
    /// An INVITE: large-message mode when it asks for the CPM large-message service (P-Asserted-Service or
    /// P-Preferred-Service, RFC 6050; or the Accept-Contact feature tag, RFC 3841), otherwise a 1-to-1 chat.
    /// </summary>
    private async ValueTask<SipResponse?> OnInviteAsync(SipIncomingRequest incoming, CancellationToken ct)
    {
        var request = incoming.Request;
        if (incoming.Dialog is not null)
        {
            // A re-INVITE: this client never changes a session's media; refusing it keeps the session (RFC 3261 §14.2).
            return incoming.CreateResponse(488).Build();
        }
        if (CpmServices.RequestsService(request, CpmServices.FileTransferIcsi))
        {
            if (_msrp is null || _stopping.IsCancellationRequested)
            {
                return incoming.CreateResponse(480).Build();
            }
            // OMA CPM file transfer: an RFC 5547 offer (RcsClient.Files.cs).
            await OnFileInviteAsync(incoming, SenderOf(request), ct).ConfigureAwait(false);
            return null;
        }
        if (!RcsSdp.TryRead(request.Body, out var remote))
        {
            // RFC 3261 §21.4.26: no MSRP media we can use.
            return incoming.CreateResponse(488).Build();
        }
        if (_msrp is null || _stopping.IsCancellationRequested)
        {
            return incoming.CreateResponse(480).Build();
        }
        string peer = SenderOf(request);
        if (CpmServices.RequestsService(request, CpmServices.LargeMessageIcsi))
        {
            await ReceiveLargeAsync(incoming, remote!, peer, ct).ConfigureAwait(false);
            return null;
        }
        string conversationId = request.GetHeader(SipHeaderName.ConversationId)?.Trim() is { Length: > 0 } id ? id : RcsHeaders.NewConversationId();
        RcsChat? chat;
        RcsChatInvitation? invitation = null;
        RcsChatInvitation? replaced = null;
        lock (_lock)
        {
            if (!_chats.TryGetValue(peer, out chat))
            {
                if (_options.AcceptChatsAutomatically)
                {
                    chat = new RcsChat(this, peer, conversationId, RcsChatState.Idle);
                    _chats[peer] = chat;
                }
                else
                {
                    invitation = new RcsChatInvitation(this, incoming, remote!, peer, conversationId, request.From?.DisplayName);
                    _invitations.TryGetValue(peer, out replaced);
                    _invitations[peer] = invitation;
                }
            }
        }
        if (chat is not null)
        {
            Log.Invited(_logger, Identity, peer, request.CallId ?? "?", true);
            // An open chat needs no new answer from the user: the peer re-establishes or races (RcsChat).
            await chat.OnIncomingInviteAsync(incoming, remote!, ct).ConfigureAwait(false);
            return null;
        }
        Log.Invited(_logger, Identity, peer, request.CallId ?? "?", false);
        if (replaced is not null)
        {
            // A newer invitation from the same peer supersedes the unanswered one.
            await replaced.RejectQuietlyAsync(486).ConfigureAwait(false);
        }
        // RFC 3261 §13.3.1.1: ringing while the user decides.
        await incoming.SendProvisionalAsync(180, ct: ct).ConfigureAwait(false);
        _invitationQueue.Writer.TryWrite(invitation!);
        Raise(InvitationReceived, invitation!);
        try
        {
            await invitation!.Decided.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // RFC 3261 §9.2: the peer cancelled (the core answered 487), or the client stops.
            invitation!.Abandon();
        }
        return null;
    }

    /// <summary>
    /// Sends the INVITE of a chat session and sets the session up (RFC 3261 §13.2, RFC 4975 §5.4, RFC 6135):
    /// null when the INVITE lost a session race (its 486, or a 2xx after the peer's INVITE won: released with BYE).
    /// </summary>
    internal async Task<RcsChatSession?> InviteChatAsync(RcsChat chat, RcsChat.Attempt attempt)
    {
        var msrp = CreateMsrpSession(ChatMsrpOptions);
        try
        {
            var invite = CreateInvite(chat.Peer, CpmServices.SessionIcsi, chat.ConversationId,
                RcsSdp.Create(MsrpHost, msrp.LocalDescription, SdpSetup.ActPass));
            Log.Inviting(_logger, Identity, chat.Peer, invite.CallId ?? "?");
            var outgoing = _ua.Invite(invite, _options.Server);
            attempt.Started(outgoing);
            var result = await outgoing.Completion.ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                await msrp.DisposeAsync().ConfigureAwait(false);
                if (attempt.Superseded || result.StatusCode == 486)
                {
                    return null;
                }
                throw new RcsException(result.StatusCode, $"The chat INVITE to {chat.Peer} failed: {result.StatusCode} {result.Response.ReasonPhrase}.");
            }
            var dialog = result.Dialog!;
            if (attempt.Superseded)
            {
                await ReleaseAsync(dialog, msrp).ConfigureAwait(false);
                return null;
            }
            if (!RcsSdp.TryRead(result.Response.Body, out var remote))
            {
                await ReleaseAsync(dialog, msrp).ConfigureAwait(false);
                throw new RcsException(488, $"The answer of {chat.Peer} has no usable MSRP media.");
            }
            try
            {
                // RFC 6135 §4.2: the answer's a=setup says who connects; as offerer we usually are active.
                await msrp.StartAsync(remote!, MsrpSessionDescription.IsActiveRole(isOfferer: true, remote!.Setup), _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or MsrpException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                await ReleaseAsync(dialog, msrp).ConfigureAwait(false);
                throw new RcsException(503, $"The MSRP connection to {chat.Peer} failed: {e.Message}");
            }
            var session = new RcsChatSession(chat, dialog, msrp, isOutgoing: true, Identity, _options.TimeProvider.GetUtcNow());
            _dialogs[dialog.Id] = session;
            if (dialog.State == Sip.Dialogs.SipDialogState.Terminated)
            {
                _dialogs.TryRemove(dialog.Id, out _);
                await session.EndAsync(sendBye: false).ConfigureAwait(false);
                throw new RcsException(481, $"The session with {chat.Peer} ended at once.");
            }
            return session;
        }
        catch
        {
            await msrp.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Answers a chat INVITE with 200 and an MSRP SDP answer (RFC 3264 §6, RFC 4975 §8, RFC 6135); null when it was cancelled first.</summary>
    internal async Task<RcsChatSession?> AnswerChatAsync(RcsChat chat, SipIncomingRequest incoming, MsrpSessionDescription remote, CancellationToken ct)
    {
        var msrp = CreateMsrpSession(ChatMsrpOptions);
        try
        {
            // RFC 6135 §4.2: to an actpass offer we answer passive, so the offerer connects (RFC 4975 §5.4 otherwise).
            bool active = MsrpSessionDescription.IsActiveRole(isOfferer: false, remote.Setup);
            await msrp.StartAsync(remote, active, ct).ConfigureAwait(false);
            var answer = RcsSdp.Create(MsrpHost, msrp.LocalDescription, active ? SdpSetup.Active : SdpSetup.Passive);
            if (!await incoming.AcceptAsync(answer, RcsSdp.ContentType, ct).ConfigureAwait(false) || incoming.Dialog is not { } dialog)
            {
                await msrp.DisposeAsync().ConfigureAwait(false);
                return null;
            }
            var session = new RcsChatSession(chat, dialog, msrp, isOutgoing: false, chat.Peer, _options.TimeProvider.GetUtcNow());
            _dialogs[dialog.Id] = session;
            return session;
        }
        catch
        {
            await msrp.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Large-message mode (OMA CPM): INVITE with the large-message ICSI and an MSRP offer, the CPIM message in one
    /// MSRP SEND, then BYE (RFC 3261 §15.1.1).
    /// </summary>
    private async Task<RcsSendResult> SendLargeAsync(string peer, byte[] cpim, string messageId, string conversationId, CancellationToken ct)
    {
        var msrp = CreateMsrpSession(LargeMsrpOptions);
        try
        {
            var invite = CreateInvite(peer, CpmServices.LargeMessageIcsi, conversationId,
                RcsSdp.Create(MsrpHost, msrp.LocalDescription, SdpSetup.ActPass));
            var result = await _ua.InviteAsync(invite, _options.Server, null, ct).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                // An offline recipient's message centre answers itself (deferred large message); 480/404 come from elsewhere.
                throw new RcsException(result.StatusCode, $"The large-message INVITE to {peer} failed: {result.StatusCode} {result.Response.ReasonPhrase}.");
            }
            var dialog = result.Dialog!;
            try
            {
                if (!RcsSdp.TryRead(result.Response.Body, out var remote))
                {
                    throw new RcsException(488, $"The answer of {peer} has no usable MSRP media.");
                }
                await msrp.StartAsync(remote!, MsrpSessionDescription.IsActiveRole(isOfferer: true, remote!.Setup), ct).ConfigureAwait(false);
                // RFC 4975 §7.1.2: sent means the recipient (or the centre's depot, once stored) sent its success REPORT;
                // chunk responses alone are hop by hop through a relay (RFC 4976 §6.4).
                var sent = await msrp.SendAsync(cpim, CpimContentType, MsrpReportPolicy.Full, ct: ct).ConfigureAwait(false);
                if (!sent.IsSuccess)
                {
                    throw new RcsException(sent.StatusCode, $"The large message to {peer} was refused: {sent.StatusCode} {sent.Reason}.");
                }
                Log.LargeSent(_logger, Identity, peer, cpim.Length);
                return new RcsSendResult(messageId, RcsMessageMode.LargeMessage, 200);
            }
            finally
            {
                await ByeQuietlyAsync(dialog).ConfigureAwait(false);
            }
        }
        finally
        {
            await msrp.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Receives a large message: 200 with an MSRP answer, the one message, then the sender's BYE (or ours after a wait).</summary>
    private async Task ReceiveLargeAsync(SipIncomingRequest incoming, MsrpSessionDescription remote, string peer, CancellationToken ct)
    {
        var msrp = CreateMsrpSession(LargeMsrpOptions);
        try
        {
            bool active = MsrpSessionDescription.IsActiveRole(isOfferer: false, remote.Setup);
            await msrp.StartAsync(remote, active, ct).ConfigureAwait(false);
            var answer = RcsSdp.Create(MsrpHost, msrp.LocalDescription, active ? SdpSetup.Active : SdpSetup.Passive);
            if (!await incoming.AcceptAsync(answer, RcsSdp.ContentType, ct).ConfigureAwait(false) || incoming.Dialog is not { } dialog)
            {
                return;
            }
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _dialogs[dialog.Id] = ended;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            wait.CancelAfter(s_largeMessageWait);
            try
            {
                var message = await msrp.ReceiveAsync(wait.Token).ConfigureAwait(false);
                var body = await message.ReadAllBytesAsync(_options.MaxMessageBytes, wait.Token).ConfigureAwait(false);
                await OnPayloadAsync(message.ContentType, body, peer, RcsMessageMode.LargeMessage, null).ConfigureAwait(false);
                // OMA CPM large-message mode: the sender closes the session after its message.
                await ended.Task.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or MsrpMessageAbortedException or IOException)
            {
                Log.LargeReceiveFailed(_logger, Identity, peer, e);
                await ByeQuietlyAsync(dialog).ConfigureAwait(false);
            }
            finally
            {
                _dialogs.TryRemove(dialog.Id, out _);
            }
        }
        finally
        {
            await msrp.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A CPM INVITE (GSMA RCC.07, OMA CPM): P-Preferred-Service with the ICSI (RFC 6050), Accept-Contact with its
    /// feature tag (RFC 3841), the same tag on our Contact (RFC 3840 §9), Contribution-ID (new) and Conversation-ID,
    /// the registration's Service-Route (RFC 3608 §6) and the SDP offer.
    /// </summary>
    private SipRequest CreateInvite(string peer, string icsi, string conversationId, byte[] sdp, string contentType = RcsSdp.ContentType)
    {
        var target = SipUri.Parse(peer);
        var server = _options.Server;
        var b = _ua.CreateRequest("INVITE", target, server, new SipNameAddress(target));
        var sentBy = _ua.Options.SentBy(server);
        var contact = SipUri.Create(_options.PublicIdentity.User, sentBy.Host, sentBy.Port, transport: server.Protocol == SipTransportProtocol.Tcp ? "tcp" : null);
        b.SetHeader(SipHeaderName.Contact, "<" + contact.Text + ">;" + CpmServices.IcsiFeatureTag(icsi));
        b.AddHeader(SipHeaderName.PPreferredService, icsi);
        b.AddHeader(SipHeaderName.AcceptContact, CpmServices.AcceptContact(icsi));
        b.AddHeader(SipHeaderName.ContributionId, RcsHeaders.NewContributionId());
        b.AddHeader(SipHeaderName.ConversationId, conversationId);
        _registration.AddServiceRoute(b);
        b.SetBody(sdp, contentType);
        return b.Build();
    }

    private static async Task ReleaseAsync(Sip.Dialogs.SipDialog dialog, MsrpSession msrp)
    {
        await ByeQuietlyAsync(dialog).ConfigureAwait(false);
        await msrp.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task ByeQuietlyAsync(Sip.Dialogs.SipDialog dialog)
    {
        if (dialog.State == Sip.Dialogs.SipDialogState.Terminated)
        {
            return;
        }
        try
        {
            await dialog.ByeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or OperationCanceledException or ObjectDisposedException)
        {
            // Ended meanwhile, or the user agent stopped.
        }
    }
}
