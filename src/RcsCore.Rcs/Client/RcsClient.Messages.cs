using System.Text;
using RcsCore.Parsing.Cpim;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>Messages: CPIM and IMDN, pager mode both ways, standalone sending, notifications.</summary>
public sealed partial class RcsClient
{
    internal const string CpimContentType = "message/cpim";

    private readonly HashSet<(string MessageId, ImdnStatus Status)> _seenNotifications = [];
    private readonly Queue<(string MessageId, ImdnStatus Status)> _seenOrder = new();

    /// <summary>
    /// Sends a standalone message (OMA CPM): CPIM with imdn.Message-ID and Disposition-Notification positive-delivery,
    /// negative-delivery, display (RFC 5438). Up to <see cref="RcsClientOptions.PagerModeMaxBytes"/> of CPIM it goes in
    /// pager mode, one SIP MESSAGE with the CPM msg ICSI (RFC 3428; the message centre may store it: 202); bigger, or
    /// when the path refuses it with 413, in large-message mode: an INVITE with the largemsg ICSI, one MSRP message, BYE.
    /// </summary>
    /// <param name="peer">The recipient.</param>
    /// <param name="content">The content.</param>
    /// <param name="contentType">Its media type, e.g. <c>text/plain;charset=UTF-8</c>.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The Message-ID, the mode and the status (202 when stored for later delivery).</returns>
    /// <exception cref="RcsException">Refused, e.g. 480 for a large message to an offline recipient (only pager mode is stored).</exception>
    public async Task<RcsSendResult> SendStandaloneAsync(SipUri peer, ReadOnlyMemory<byte> content, string contentType, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _ = Msrp; // started
        string to = peer.ToAddressOfRecord();
        var cpim = CreateCpim(to, contentType, content,
            ImdnDispositions.PositiveDelivery | ImdnDispositions.NegativeDelivery | ImdnDispositions.Display, out string messageId).ToArray();
        string conversationId = FindChat(peer)?.ConversationId ?? RcsHeaders.NewConversationId();
        if (cpim.Length <= _options.PagerModeMaxBytes)
        {
            int status = await SendPagerAsync(to, cpim, conversationId, ct).ConfigureAwait(false);
            if (status is >= 200 and < 300)
            {
                Log.PagerSent(_logger, Identity, to, cpim.Length, status);
                return new RcsSendResult(messageId, RcsMessageMode.Pager, status);
            }
            if (status != 413)
            {
                throw new RcsException(status, $"The message to {to} was refused ({status}).");
            }
            // RFC 3428 §8: too large for pager mode on this path: large-message mode instead.
        }
        return await SendLargeAsync(to, cpim, messageId, conversationId, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the display notification of a received message when its sender asked for one (RFC 5438 §7.2.1.1): in its
    /// chat session while one is up, otherwise in pager mode. Each message is marked once.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>True when a notification was sent.</returns>
    public async Task<bool> MarkDisplayedAsync(RcsMessage message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Request is not { } request || !request.Requests(ImdnNotificationType.Display, ImdnStatus.Displayed) || !message.TryMarkDisplayed())
        {
            return false;
        }
        await SendNotificationAsync(message, ImdnNotificationType.Display, ImdnStatus.Displayed, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>A CPIM message from us (RFC 3862): From, To, DateTime, a new imdn.Message-ID and the requested notifications.</summary>
    internal CpimMessage CreateCpim(string to, string contentType, ReadOnlyMemory<byte> content, ImdnDispositions dispositions, out string messageId)
    {
        var message = new CpimMessage
        {
            From = new CpimAddress(Identity, _options.DisplayName),
            To = [new CpimAddress(to)],
            DateTime = _options.TimeProvider.GetUtcNow(),
        };
        messageId = ImdnHeaders.NewMessageId();
        message.SetImdnMessageId(messageId);
        message.SetDispositionNotification(dispositions);
        message.SetContent(contentType, content, includeContentLength: true);
        return message;
    }

    /// <summary>
    /// Pager mode (RFC 3428, OMA CPM): a MESSAGE with the CPIM body, P-Preferred-Service and Accept-Contact for the CPM
    /// msg ICSI, Contribution-ID and Conversation-ID. Returns the final status (202: stored by the message centre).
    /// </summary>
    internal async Task<int> SendPagerAsync(string to, byte[] cpim, string conversationId, CancellationToken ct)
    {
        var target = SipUri.Parse(to);
        var b = _ua.CreateRequest("MESSAGE", target, _options.Server, new SipNameAddress(target));
        b.AddHeader(SipHeaderName.PPreferredService, CpmServices.MessageIcsi);
        b.AddHeader(SipHeaderName.AcceptContact, CpmServices.AcceptContact(CpmServices.MessageIcsi));
        b.AddHeader(SipHeaderName.ContributionId, RcsHeaders.NewContributionId());
        b.AddHeader(SipHeaderName.ConversationId, conversationId);
        _registration.AddServiceRoute(b);
        b.SetBody(cpim, CpimContentType);
        var response = await _ua.SendRequestAsync(b.Build(), _options.Server, null, ct).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>A pager-mode MESSAGE (RFC 3428 §7): 200 at once (it reached the user agent), then the content is handled.</summary>
    private async ValueTask<SipResponse?> OnMessageAsync(SipIncomingRequest incoming, CancellationToken ct)
    {
        var request = incoming.Request;
        string sender = SenderOf(request);
        string? contentType = request.ContentType;
        byte[] body = request.Body.ToArray();
        await incoming.SendResponseAsync(incoming.CreateResponse(200).Build(), ct).ConfigureAwait(false);
        Track(OnPayloadAsync(contentType, body, sender, RcsMessageMode.Pager, null));
        return null;
    }

    /// <summary>
    /// Handles a received body: CPIM (RFC 3862) carrying an IMDN (RFC 5438 §7.2.1.1), an isComposing document (RFC
    /// 3994 §3.3) or a message; or a bare isComposing or IMDN document. A message raises <see cref="MessageReceived"/>
    /// and gets its delivered notification when the sender asked (positive-delivery).
    /// </summary>
    internal async Task OnPayloadAsync(string? contentType, byte[] body, string sender, RcsMessageMode mode, RcsChat? chat)
    {
        chat ??= FindChatByKey(sender);
        if (contentType is null)
        {
            return;
        }
        if (ImdnCpimExtensions.MediaTypeIs(contentType, IsComposingDocument.MediaType))
        {
            OnComposingPayload(chat, body);
            return;
        }
        if (ImdnCpimExtensions.MediaTypeIs(contentType, ImdnHeaders.ContentType))
        {
            OnNotificationPayload(contentType, body, sender, chat);
            return;
        }
        if (!ImdnCpimExtensions.MediaTypeIs(contentType, CpimContentType))
        {
            // Not CPIM: a bare message, with no notifications to give.
            Deliver(new RcsMessage("local-" + ImdnHeaders.NewMessageId(), sender, Identity, contentType, body, mode, null, _options.TimeProvider.GetUtcNow()), chat);
            return;
        }
        var parse = CpimMessage.TryParse(body, out var parsed);
        if (!parse.IsSuccess || parsed is not { } cpim)
        {
            Log.BadCpim(_logger, Identity, sender, parse.Error.ToString());
            return;
        }
        if (cpim.IsImdnNotification())
        {
            OnNotificationPayload(cpim.ContentType, cpim.Content.ToArray(), cpim.From?.Uri ?? sender, chat);
            return;
        }
        if (cpim.ContentType is { } inner && ImdnCpimExtensions.MediaTypeIs(inner, IsComposingDocument.MediaType))
        {
            OnComposingPayload(chat, cpim.Content.ToArray());
            return;
        }
        ImdnRequest.TryGet(cpim, out var request);
        var message = new RcsMessage(cpim.GetImdnMessageId() ?? "local-" + ImdnHeaders.NewMessageId(), sender, Identity, cpim.ContentType, cpim.Content,
            mode, cpim.DateTime, _options.TimeProvider.GetUtcNow())
        {
            Request = request,
        };
        if (cpim.ContentType is { } type && ImdnCpimExtensions.MediaTypeIs(type, CpmServices.FileTransferHttpContentType))
        {
            // GSMA RCC.07 FT via HTTP: the message announces a file on the content server.
            message.Chat = mode == RcsMessageMode.Chat ? chat : null;
            chat?.OnMessage();
            if (!OnFileInfoMessage(message, sender))
            {
                return;
            }
        }
        else
        {
            Deliver(message, mode == RcsMessageMode.Chat ? chat : null);
            chat?.OnMessage();
        }
        if (request is not null && request.Requests(ImdnNotificationType.Delivery, ImdnStatus.Delivered))
        {
            // RFC 5438 §7.2.1.1: the recipient's user agent answers positive-delivery once the message is delivered to it.
            try
            {
                await SendNotificationAsync(message, ImdnNotificationType.Delivery, ImdnStatus.Delivered, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RcsException or OperationCanceledException or InvalidOperationException or IOException)
            {
                Log.NotificationFailed(_logger, Identity, message.From, e);
            }
        }
    }

    private void Deliver(RcsMessage message, RcsChat? chat)
    {
        message.Chat = chat;
        Log.MessageReceived(_logger, Identity, message.From, message.Mode, message.MessageId);
        Raise(MessageReceived, new RcsMessageReceivedEventArgs(message));
    }

    private static void OnComposingPayload(RcsChat? chat, byte[] body)
    {
        if (chat is not null && IsComposingDocument.TryParse(body, out var document) == IsComposingParseError.None)
        {
            chat.OnComposing(document!);
        }
    }

    /// <summary>Raises <see cref="NotificationReceived"/> for each document, once per message and status (the recipient and the message centre may both notify).</summary>
    private void OnNotificationPayload(string? contentType, byte[] content, string from, RcsChat? chat)
    {
        var error = ImdnNotification.TryRead(contentType, content, out var documents);
        if (error != ImdnParseError.None)
        {
            Log.BadCpim(_logger, Identity, from, error.ToString());
            return;
        }
        string notifier = SipUri.TryParse(from, out var uri) ? uri.ToAddressOfRecord() : from;
        chat ??= FindChatByKey(notifier);
        foreach (var document in documents)
        {
            lock (_seenNotifications)
            {
                if (!_seenNotifications.Add((document.MessageId, document.Status)))
                {
                    continue;
                }
                _seenOrder.Enqueue((document.MessageId, document.Status));
                if (_seenOrder.Count > 10_000)
                {
                    _seenNotifications.Remove(_seenOrder.Dequeue());
                }
            }
            Log.NotificationReceived(_logger, Identity, notifier, document.Status, document.MessageId);
            Raise(NotificationReceived, new RcsNotificationEventArgs(document.MessageId, document.Type, document.Status, notifier, chat));
        }
    }

    /// <summary>
    /// Sends a notification about <paramref name="message"/> to its sender (RFC 5438 §7.2.1.1): over the chat session
    /// while it is up (GSMA RCC.07), otherwise in pager mode.
    /// </summary>
    private async Task SendNotificationAsync(RcsMessage message, ImdnNotificationType type, ImdnStatus status, CancellationToken ct)
    {
        var request = message.Request!;
        var notification = request.CreateNotification(type, status, _options.TimeProvider.GetUtcNow(), new CpimAddress(Identity, _options.DisplayName));
        // The IMDN goes to the sender we know from SIP (the CPIM From of what we received may be anonymised).
        notification.To = [new CpimAddress(message.From)];
        byte[] body = notification.ToArray();
        if (message.Mode == RcsMessageMode.Chat && message.Chat?.Session is { IsAlive: true } session)
        {
            try
            {
                var sent = await session.Msrp.SendAsync(body, CpimContentType, ct: ct).ConfigureAwait(false);
                if (sent.IsSuccess)
                {
                    return;
                }
            }
            catch (Exception e) when (e is IOException or RcsCore.Msrp.MsrpException or ObjectDisposedException or InvalidOperationException)
            {
                LogSessionBroken(message.From, 0);
            }
        }
        int code = await SendPagerAsync(message.From, body, message.Chat?.ConversationId ?? RcsHeaders.NewConversationId(), ct).ConfigureAwait(false);
        if (code is < 200 or >= 300)
        {
            throw new RcsException(code, $"The {type} notification to {message.From} was refused ({code}).");
        }
    }

    private RcsChat? FindChatByKey(string peer)
    {
        lock (_lock)
        {
            return _chats.GetValueOrDefault(peer);
        }
    }
}
