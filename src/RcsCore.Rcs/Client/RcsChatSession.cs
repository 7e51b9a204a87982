using RcsCore.Msrp;
using RcsCore.Sip.Dialogs;

namespace RcsCore.Rcs;

/// <summary>
/// One established chat session: the SIP dialog of its INVITE and the MSRP session it negotiated (RFC 4975 §4).
/// A <see cref="RcsChat"/> holds at most one at a time; a new one replaces it, and inactivity ends it.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The token source has no timer; EndAsync cancels it.")]
internal sealed class RcsChatSession
{
    private readonly CancellationTokenSource _stop = new();
    private int _ended;

    public RcsChatSession(RcsChat chat, SipDialog dialog, MsrpSession msrp, bool isOutgoing, string inviter, DateTimeOffset establishedAt)
    {
        Chat = chat;
        Dialog = dialog;
        Msrp = msrp;
        IsOutgoing = isOutgoing;
        Inviter = inviter;
        EstablishedAt = establishedAt;
    }

    public RcsChat Chat { get; }

    public SipDialog Dialog { get; }

    public MsrpSession Msrp { get; }

    /// <summary>True when this side sent the INVITE.</summary>
    public bool IsOutgoing { get; }

    /// <summary>The address of record that sent the INVITE (the tie-break of a session race).</summary>
    public string Inviter { get; }

    public DateTimeOffset EstablishedAt { get; }

    public bool IsAlive => Volatile.Read(ref _ended) == 0 && Dialog.State != SipDialogState.Terminated;

    /// <summary>Reads incoming MSRP messages until the session ends, handing each complete body to the chat.</summary>
    public async Task ReceiveLoopAsync(int maxBytes)
    {
        try
        {
            await foreach (var message in Msrp.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                byte[] body;
                try
                {
                    body = await message.ReadAllBytesAsync(maxBytes, _stop.Token).ConfigureAwait(false);
                }
                catch (MsrpMessageAbortedException)
                {
                    // RFC 4975 §7.1.1: an aborted or failed message is not delivered.
                    continue;
                }
                await Chat.OnMsrpMessageAsync(this, message.ContentType, body).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or MsrpException)
        {
            Chat.Client.LogReceiveStopped(Chat.Peer, e);
        }
    }

    /// <summary>Ends the session once: BYE when <paramref name="sendBye"/> and the dialog is still up, then the MSRP session goes.</summary>
    public async Task EndAsync(bool sendBye)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (sendBye && Dialog.State != SipDialogState.Terminated)
        {
            try
            {
                // RFC 3261 §15.1.1: the session ends as the BYE is sent; its response is not needed.
                await Dialog.ByeAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or OperationCanceledException or ObjectDisposedException)
            {
                // The dialog ended meanwhile, or the user agent stopped.
            }
        }
        await Msrp.DisposeAsync().ConfigureAwait(false);
    }

    public override string ToString() => $"chat session {Dialog.CallId} with {Chat.Peer} ({(IsOutgoing ? "outgoing" : "incoming")})";
}
