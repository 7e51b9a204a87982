using RcsCore.Msrp;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>
/// An incoming 1-to-1 chat INVITE waiting for the user (GSMA RCC.07): ringing (180) until <see cref="AcceptAsync"/>
/// (200 with the SDP answer) or <see cref="DeclineAsync"/> (603 Decline, RFC 3261 §21.6.2). Read them from
/// <see cref="RcsClient.ReadInvitationsAsync"/>.
/// </summary>
public sealed class RcsChatInvitation
{
    private readonly RcsClient _client;
    private readonly SipIncomingRequest _request;
    private readonly MsrpSessionDescription _remote;
    private readonly TaskCompletionSource _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _answered;

    internal RcsChatInvitation(RcsClient client, SipIncomingRequest request, MsrpSessionDescription remote, string peer, string conversationId, string? displayName)
    {
        _client = client;
        _request = request;
        _remote = remote;
        Peer = peer;
        ConversationId = conversationId;
        DisplayName = displayName;
    }

    /// <summary>Who invites: the peer's address of record.</summary>
    public string Peer { get; }

    /// <summary>The peer's display name from From, or null.</summary>
    public string? DisplayName { get; }

    /// <summary>The Conversation-ID of the INVITE (a new one when it had none).</summary>
    public string ConversationId { get; }

    /// <summary>True once accepted, declined or cancelled by the peer.</summary>
    public bool IsAnswered => Volatile.Read(ref _answered) != 0;

    internal Task Decided => _decided.Task;

    /// <summary>Accepts: 200 with the SDP answer; the chat's session is up once the peer connects over MSRP.</summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The chat.</returns>
    /// <exception cref="InvalidOperationException">Already answered, or cancelled by the peer.</exception>
    public async Task<RcsChat> AcceptAsync(CancellationToken ct = default)
    {
        Claim();
        try
        {
            var chat = _client.AdoptInvitation(this);
            await chat.AcceptAsync(_request, _remote, ct).ConfigureAwait(false);
            return chat;
        }
        finally
        {
            _decided.TrySetResult();
        }
    }

    /// <summary>Declines with 603 Decline (RFC 3261 §21.6.2).</summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <exception cref="InvalidOperationException">Already answered, or cancelled by the peer.</exception>
    public async Task DeclineAsync(CancellationToken ct = default)
    {
        Claim();
        try
        {
            _client.DropInvitation(this);
            await _request.RejectAsync(603, "Decline", ct).ConfigureAwait(false);
        }
        finally
        {
            _decided.TrySetResult();
        }
    }

    /// <summary>The peer cancelled, or the client stopped: nothing more can be answered.</summary>
    internal void Abandon()
    {
        if (Interlocked.Exchange(ref _answered, 1) == 0)
        {
            _client.DropInvitation(this);
            _decided.TrySetResult();
        }
    }

    /// <summary>Declines with <paramref name="status"/> unless answered already (client stopping).</summary>
    internal async Task RejectQuietlyAsync(int status)
    {
        if (Interlocked.Exchange(ref _answered, 1) == 0)
        {
            await _request.RejectAsync(status).ConfigureAwait(false);
            _decided.TrySetResult();
        }
    }

    private void Claim()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            throw new InvalidOperationException("The invitation was already answered or cancelled.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"chat invitation from {Peer}";
}
