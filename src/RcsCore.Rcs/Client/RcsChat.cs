using System.Text;
using RcsCore.Msrp;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>
/// A 1-to-1 chat with one peer (OMA CPM, GSMA RCC.07): one conversation that keeps its Conversation-ID and holds at
/// most one chat session (INVITE + MSRP) at a time. Messages are CPIM (RFC 3862) with IMDN requests (RFC 5438); the
/// session ends on inactivity and is re-established by the next message; isComposing (RFC 3994) flows while it is up.
/// Get one from <see cref="RcsClient.OpenChatAsync"/> or <see cref="RcsChatInvitation.AcceptAsync"/>. Thread-safe.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "CloseAsync releases them; a chat lives as long as its client.")]
public sealed class RcsChat
{
    /// <summary>
    /// How long after our own INVITE won a session race an INVITE from the lesser peer is still taken for that race
    /// (and refused) rather than for a re-establishment (which replaces the session).
    /// </summary>
    internal static readonly TimeSpan SessionRaceWindow = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly IsComposingSender _composer;
    private readonly IsComposingReceiver _receiver;
    private readonly ITimer _idleTimer;
    private RcsChatSession? _session;
    private Attempt? _attempt;
    private RcsChatState _state;
    private DateTimeOffset _lastActivity;

    internal RcsChat(RcsClient client, string peer, string conversationId, RcsChatState state)
    {
        Client = client;
        Peer = peer;
        ConversationId = conversationId;
        _state = state;
        var time = client.Options.TimeProvider;
        _composer = new IsComposingSender(document => client.Track(SendComposingAsync(document)), time, client.Options.Composing);
        _receiver = new IsComposingReceiver(time, client.Options.Composing);
        _receiver.StateChanged += (_, composing) => client.RaiseComposing(this, composing);
        _idleTimer = time.CreateTimer(static s => ((RcsChat)s!).OnIdleTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The peer's address of record, e.g. <c>sip:bob@example.com</c>.</summary>
    public string Peer { get; }

    /// <summary>The Conversation-ID every session of this chat carries (OMA CPM Conversation Functions).</summary>
    public string ConversationId { get; }

    /// <summary>The current state.</summary>
    public RcsChatState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The peer's composing state (RFC 3994), as last indicated.</summary>
    public IsComposingState PeerComposing => _receiver.State;

    /// <summary>This side's composing state (RFC 3994).</summary>
    public IsComposingState Composing => _composer.State;

    /// <summary>The Call-ID of the current session's dialog, or null when there is no session.</summary>
    public string? SessionCallId => Session?.Dialog.CallId;

    internal RcsClient Client { get; }

    /// <summary>The current session, or null.</summary>
    internal RcsChatSession? Session
    {
        get
        {
            lock (_gate)
            {
                return _session;
            }
        }
    }

    /// <summary>
    /// Sends a text message (CPIM <c>text/plain</c> with imdn.Message-ID and Disposition-Notification
    /// positive-delivery, display; RFC 5438) over the session, establishing one first when there is none. When the
    /// peer cannot be reached now (480/404/408 to the INVITE) the message goes standalone in pager mode instead, so the
    /// message centre can store it (202).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The Message-ID and how the message went.</returns>
    /// <exception cref="RcsException">The message could not be sent.</exception>
    /// <exception cref="InvalidOperationException">The chat is closed.</exception>
    public async Task<RcsSendResult> SendMessageAsync(string text, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cpim = Client.CreateCpim(Peer, "text/plain;charset=UTF-8", Encoding.UTF8.GetBytes(text),
            ImdnDispositions.PositiveDelivery | ImdnDispositions.Display, out string messageId);
        byte[] body = cpim.ToArray();
        // RFC 3994 §4: sending the message returns the composer to idle; the message itself tells the peer.
        _composer.MessageSent();
        int status = 0;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            RcsChatSession session;
            try
            {
                session = await EnsureSessionAsync(ct).ConfigureAwait(false);
            }
            catch (RcsException e) when (e.StatusCode is 480 or 404 or 408 && body.Length <= Client.Options.PagerModeMaxBytes)
            {
                // The peer is not reachable for a session now: the message goes standalone (pager mode), which the
                // message centre stores and forwards when the peer registers (RFC 3428 §7: 202).
                int pager = await Client.SendPagerAsync(Peer, body, ConversationId, ct).ConfigureAwait(false);
                if (pager is < 200 or >= 300)
                {
                    throw new RcsException(pager, $"The message to {Peer} was refused ({pager}).");
                }
                return new RcsSendResult(messageId, RcsMessageMode.Pager, pager);
            }
            MsrpSendResult result;
            try
            {
                result = await session.Msrp.SendAsync(body, CpimContentType, ct: ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or MsrpException or ObjectDisposedException or InvalidOperationException)
            {
                result = new MsrpSendResult(string.Empty, MsrpSendOutcome.Failed, MsrpStatus.RequestTimeout, 0, e.Message);
            }
            if (result.IsSuccess)
            {
                Touch();
                return new RcsSendResult(messageId, RcsMessageMode.Chat, 200);
            }
            // The session is broken (connection lost, 481): drop it and try once more on a new one.
            status = result.StatusCode;
            Client.LogSessionBroken(Peer, status);
            await EndSessionAsync(session, sendBye: true).ConfigureAwait(false);
        }
        throw new RcsException(status, $"The message to {Peer} could not be sent ({status}).");
    }

    /// <summary>The user is typing: sends <c>active</c> when the state changes and refreshes it (RFC 3994 §4); only while a session is up.</summary>
    public void Typing() => _composer.Typing();

    /// <summary>Sends the display notification of <paramref name="message"/> when its sender asked for one (RFC 5438 §7.2.1.1).</summary>
    /// <param name="message">A message received in this chat.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>True when a notification was sent.</returns>
    public Task<bool> MarkDisplayedAsync(RcsMessage message, CancellationToken ct = default) => Client.MarkDisplayedAsync(message, ct);

    /// <summary>Closes the chat: BYE for the session (RFC 3261 §15.1.1); the chat cannot be used afterwards.</summary>
    /// <param name="ct">Cancels the wait for the BYE.</param>
    public async Task CloseAsync(CancellationToken ct = default)
    {
        RcsChatSession? session;
        Attempt? attempt;
        RcsChatState previous;
        lock (_gate)
        {
            previous = _state;
            if (previous == RcsChatState.Closed)
            {
                return;
            }
            _state = RcsChatState.Closed;
            session = _session;
            _session = null;
            attempt = _attempt;
            _attempt = null;
        }
        Client.Forget(this);
        _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _composer.Dispose();
        _receiver.Dispose();
        if (attempt is not null)
        {
            attempt.Superseded = true;
            attempt.Cancel();
        }
        Client.RaiseChatState(this, previous, RcsChatState.Closed);
        if (session is not null)
        {
            await session.EndAsync(sendBye: true).WaitAsync(ct).ConfigureAwait(false);
        }
        await _idleTimer.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override string ToString() => $"chat with {Peer} ({State})";

    /// <summary>The current session, or a new one: one INVITE at a time, shared by every caller.</summary>
    internal async Task<RcsChatSession> EnsureSessionAsync(CancellationToken ct)
    {
        Attempt? start = null;
        Task<RcsChatSession> pending;
        RcsChatState previous = RcsChatState.Idle;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == RcsChatState.Closed, this);
            if (_session is { IsAlive: true } live)
            {
                return live;
            }
            if (_attempt is null)
            {
                start = _attempt = new Attempt();
                SetStateLocked(RcsChatState.Connecting, out previous);
            }
            pending = _attempt.Completion.Task;
        }
        if (start is not null)
        {
            Client.RaiseChatState(this, previous, RcsChatState.Connecting);
            Client.Track(ConnectAsync(start));
        }
        return await pending.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Sends the INVITE of <paramref name="attempt"/> and installs its session (RFC 3261 §13.2, RFC 4975 §5.4).</summary>
    private async Task ConnectAsync(Attempt attempt)
    {
        try
        {
            var session = await Client.InviteChatAsync(this, attempt).ConfigureAwait(false);
            bool install;
            lock (_gate)
            {
                install = !attempt.Superseded && _state != RcsChatState.Closed;
                if (ReferenceEquals(_attempt, attempt))
                {
                    _attempt = null;
                }
            }
            if (session is null)
            {
                // The INVITE lost a session race: the peer's session is the one (or the chat closed meanwhile).
                attempt.Completion.TrySetResult(await WaitForRaceWinnerAsync().ConfigureAwait(false));
                return;
            }
            if (!install)
            {
                // RCC.07: one session per contact; ours lost the race after all (or the chat closed): release it.
                await session.EndAsync(sendBye: true).ConfigureAwait(false);
                attempt.Completion.TrySetResult(await WaitForRaceWinnerAsync().ConfigureAwait(false));
                return;
            }
            Install(session);
            attempt.Completion.TrySetResult(session);
        }
        catch (Exception e)
        {
            bool idle;
            lock (_gate)
            {
                if (ReferenceEquals(_attempt, attempt))
                {
                    _attempt = null;
                }
                idle = _session is null && SetStateLocked(RcsChatState.Idle, out _);
            }
            if (idle)
            {
                Client.RaiseChatState(this, RcsChatState.Connecting, RcsChatState.Idle);
            }
            attempt.Completion.TrySetException(e);
        }
    }

    /// <summary>After losing a race: the session the peer's INVITE set up, waiting briefly for it to arrive.</summary>
    private async Task<RcsChatSession> WaitForRaceWinnerAsync()
    {
        var time = Client.Options.TimeProvider;
        var deadline = time.GetUtcNow() + SessionRaceWindow;
        while (true)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_state == RcsChatState.Closed, this);
                if (_session is { IsAlive: true } live)
                {
                    return live;
                }
            }
            if (time.GetUtcNow() >= deadline)
            {
                throw new RcsException(486, $"The session with {Peer} was lost in a session race.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), time).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An INVITE from the peer for this open chat. GSMA RCC.07 keeps one 1-to-1 session per contact: a new INVITE
    /// replaces the current session (the peer re-established it), except in a session race, where both sides INVITE
    /// at once: then the INVITE from the lexically greater address of record wins on both sides (ordinal comparison,
    /// which each side computes alike), and the other INVITE is refused with 486.
    /// </summary>
    internal async ValueTask OnIncomingInviteAsync(SipIncomingRequest incoming, MsrpSessionDescription remote, CancellationToken ct)
    {
        bool peerWins = string.CompareOrdinal(Peer, Client.Identity) > 0;
        bool accept;
        Attempt? superseded = null;
        lock (_gate)
        {
            if (_attempt is { } attempt)
            {
                // Session race: our INVITE is in progress too.
                accept = peerWins;
                if (accept)
                {
                    attempt.Superseded = true;
                    superseded = attempt;
                }
            }
            else if (_session is { IsAlive: true, IsOutgoing: true } ours && !peerWins
                && Client.Options.TimeProvider.GetUtcNow() - ours.EstablishedAt < SessionRaceWindow)
            {
                // Our INVITE won a race whose other INVITE arrives only now: refuse it as the peer expects.
                accept = false;
            }
            else
            {
                accept = true;
            }
        }
        if (!accept)
        {
            Client.LogRaceRefused(Peer);
            await incoming.RejectAsync(486, "Busy Here (session race)", ct).ConfigureAwait(false);
            return;
        }
        superseded?.Cancel();
        await AcceptAsync(incoming, remote, ct).ConfigureAwait(false);
    }

    /// <summary>Answers an INVITE for this chat with 200 and our SDP, and makes its session the current one.</summary>
    internal async ValueTask AcceptAsync(SipIncomingRequest incoming, MsrpSessionDescription remote, CancellationToken ct)
    {
        var session = await Client.AnswerChatAsync(this, incoming, remote, ct).ConfigureAwait(false);
        if (session is not null)
        {
            Install(session);
        }
    }

    /// <summary>Makes <paramref name="session"/> the current one: the old one (if any) is released with BYE.</summary>
    private void Install(RcsChatSession session)
    {
        RcsChatSession? old;
        RcsChatState previous;
        bool closed;
        lock (_gate)
        {
            closed = _state == RcsChatState.Closed;
            old = closed ? null : _session;
            if (!closed)
            {
                _session = session;
                _lastActivity = Client.Options.TimeProvider.GetUtcNow();
                SetStateLocked(RcsChatState.Active, out previous);
            }
            else
            {
                previous = RcsChatState.Closed;
            }
        }
        if (closed)
        {
            Client.Track(session.EndAsync(sendBye: true));
            return;
        }
        Client.LogSessionUp(Peer, session.Dialog.CallId, session.IsOutgoing);
        Client.Track(session.ReceiveLoopAsync(Client.Options.MaxMessageBytes));
        _idleTimer.Change(Client.Options.ChatSessionIdleTimeout, Timeout.InfiniteTimeSpan);
        if (old is not null && !ReferenceEquals(old, session))
        {
            // RCC.07: one session per contact; the replaced one is released.
            Client.Track(old.EndAsync(sendBye: true));
        }
        if (previous != RcsChatState.Active)
        {
            Client.RaiseChatState(this, previous, RcsChatState.Active);
        }
    }

    /// <summary>The session ended (BYE either way, failure): the chat goes idle unless another session replaced it.</summary>
    internal async Task EndSessionAsync(RcsChatSession session, bool sendBye)
    {
        bool idle = false;
        lock (_gate)
        {
            if (ReferenceEquals(_session, session))
            {
                _session = null;
                idle = _attempt is null && SetStateLocked(RcsChatState.Idle, out _);
            }
        }
        if (idle)
        {
            _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Client.RaiseChatState(this, RcsChatState.Active, RcsChatState.Idle);
        }
        await session.EndAsync(sendBye).ConfigureAwait(false);
    }

    /// <summary>An MSRP message arrived on <paramref name="session"/>.</summary>
    internal async Task OnMsrpMessageAsync(RcsChatSession session, string? contentType, byte[] body)
    {
        Touch();
        await Client.OnPayloadAsync(contentType, body, Peer, RcsMessageMode.Chat, this).ConfigureAwait(false);
    }

    /// <summary>A composing indication from the peer (RFC 3994 §5).</summary>
    internal void OnComposing(IsComposingDocument document) => _receiver.Receive(document);

    /// <summary>A message from the peer: the receiver's composing state goes idle (RFC 3994 §4).</summary>
    internal void OnMessage() => _receiver.MessageReceived();

    private void Touch()
    {
        lock (_gate)
        {
            _lastActivity = Client.Options.TimeProvider.GetUtcNow();
        }
    }

    /// <summary>Ends the session after <see cref="RcsClientOptions.ChatSessionIdleTimeout"/> without messages either way.</summary>
    private void OnIdleTimer()
    {
        RcsChatSession? expired = null;
        lock (_gate)
        {
            if (_session is null || _state == RcsChatState.Closed)
            {
                return;
            }
            var idle = Client.Options.TimeProvider.GetUtcNow() - _lastActivity;
            var timeout = Client.Options.ChatSessionIdleTimeout;
            if (idle < timeout)
            {
                _idleTimer.Change(timeout - idle, Timeout.InfiniteTimeSpan);
                return;
            }
            expired = _session;
        }
        Client.LogSessionExpired(Peer, expired.Dialog.CallId);
        Client.Track(EndSessionAsync(expired, sendBye: true));
    }

    /// <summary>Sends an isComposing document wrapped in CPIM over the session (RFC 3994 §3.3); dropped when there is none.</summary>
    private async Task SendComposingAsync(IsComposingDocument document)
    {
        var session = Session;
        if (session is not { IsAlive: true })
        {
            return;
        }
        var cpim = Client.CreateCpim(Peer, IsComposingDocument.MediaType, document.ToArray(), ImdnDispositions.None, out _);
        try
        {
            await session.Msrp.SendAsync(cpim.ToArray(), CpimContentType).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or MsrpException or ObjectDisposedException or InvalidOperationException)
        {
            Client.LogSessionBroken(Peer, 0);
        }
    }

    private bool SetStateLocked(RcsChatState state, out RcsChatState previous)
    {
        previous = _state;
        if (_state == state || _state == RcsChatState.Closed)
        {
            return false;
        }
        _state = state;
        return true;
    }

    internal const string CpimContentType = "message/cpim";

    /// <summary>One outgoing INVITE for the chat, shared by every sender waiting for a session.</summary>
    internal sealed class Attempt
    {
        private readonly Lock _gate = new();
        private SipOutgoingInvite? _invite;
        private bool _cancelled;

        public TaskCompletionSource<RcsChatSession> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The peer's INVITE won a race (or the chat closed): this attempt's session must not be kept.</summary>
        public volatile bool Superseded;

        public void Started(SipOutgoingInvite invite)
        {
            bool cancel;
            lock (_gate)
            {
                _invite = invite;
                cancel = _cancelled;
            }
            if (cancel)
            {
                _ = invite.CancelAsync();
            }
        }

        public void Cancel()
        {
            SipOutgoingInvite? invite;
            lock (_gate)
            {
                _cancelled = true;
                invite = _invite;
            }
            // RFC 3261 §9.1: CANCEL once a provisional response came; a 2xx that still arrives is released with BYE.
            _ = invite?.CancelAsync();
        }
    }
}
