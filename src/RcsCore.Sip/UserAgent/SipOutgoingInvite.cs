using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>
/// An INVITE sent outside a dialog by <see cref="SipUserAgent.Invite"/> (RFC 3261 §13.2): tracks the early
/// dialogs its provisional responses create (one per fork, §12.1.2), ACKs every 2xx (§13.2.2.4), releases the
/// dialogs of extra 2xx from other forks with a BYE, and can be cancelled (§9.1).
/// </summary>
public sealed class SipOutgoingInvite
{
    private readonly SipUserAgent _ua;
    private readonly IProgress<SipResponse>? _provisional;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SipDialog> _dialogs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _confirmed = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<SipInviteResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly Action<object?> s_cancelTimeout = static s => ((SipOutgoingInvite)s!).OnCancelTimeout();

    private SipClientTransaction? _transaction;
    private InviteState _state;
    private TaskCompletionSource<SipResponse?>? _cancel;
    private bool _cancelSent;

    /// <summary>The UAC side of the INVITE (RFC 3261 §13.2.2 on top of the §17.1.1 transaction).</summary>
    private enum InviteState : byte
    {
        /// <summary>Sent; no provisional response yet, so a CANCEL must wait (§9.1).</summary>
        Calling,
        /// <summary>A provisional response arrived.</summary>
        Proceeding,
        /// <summary>The final response arrived.</summary>
        Completed,
    }

    internal SipOutgoingInvite(SipUserAgent ua, SipRequest request, SipEndPoint destination, IProgress<SipResponse>? provisional)
    {
        _ua = ua;
        Request = request;
        Destination = destination;
        _provisional = provisional;
    }

    /// <summary>The INVITE.</summary>
    public SipRequest Request { get; }

    /// <summary>Where it was sent.</summary>
    public SipEndPoint Destination { get; }

    /// <summary>Completes with the final response and, for a 2xx, the confirmed and ACKed dialog. Never faults.</summary>
    public Task<SipInviteResult> Completion => _completion.Task;

    /// <summary>The dialogs created so far (early ones from 1xx with To tags, one per fork; confirmed ones from 2xx).</summary>
    public IReadOnlyList<SipDialog> Dialogs
    {
        get
        {
            lock (_gate)
            {
                return [.. _dialogs.Values];
            }
        }
    }

    /// <summary>
    /// Cancels the INVITE (RFC 3261 §9.1). The CANCEL is sent once a provisional response has arrived (at once if
    /// one has); before that it waits. Completes with the CANCEL's final response, or null when no CANCEL was sent
    /// because the INVITE got its final response first. The INVITE itself then usually ends with 487
    /// (<see cref="Completion"/>).
    /// </summary>
    public Task<SipResponse?> CancelAsync(CancellationToken ct = default)
    {
        bool sendNow = false;
        Task<SipResponse?> task;
        lock (_gate)
        {
            switch (_state)
            {
                case InviteState.Completed:
                    return Task.FromResult<SipResponse?>(null);
                case InviteState.Calling:
                    // RFC 3261 §9.1: no provisional response yet: the CANCEL must wait for one.
                    _cancel ??= new TaskCompletionSource<SipResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
                    break;
                case InviteState.Proceeding:
                    _cancel ??= new TaskCompletionSource<SipResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
                    sendNow = !_cancelSent;
                    _cancelSent = true;
                    break;
            }
            task = _cancel!.Task;
        }
        if (sendNow)
        {
            _ = SendCancelAsync();
        }
        return ct.CanBeCanceled ? task.WaitAsync(ct) : task;
    }

    /// <summary>Starts the client transaction and the wait for its final response.</summary>
    internal void Start()
    {
        var tx = _ua.Transactions.StartClientTransaction(Request, Destination, new ProvisionalSink(this));
        lock (_gate)
        {
            _transaction = tx;
        }
        _ = RunAsync(tx);
    }

    private async Task RunAsync(SipClientTransaction tx)
    {
        SipResponse final;
        try
        {
            final = await tx.FinalResponse.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The transaction layer was disposed.
            _completion.TrySetCanceled();
            return;
        }
        bool abandoned;
        lock (_gate)
        {
            abandoned = _state == InviteState.Completed;
        }
        if (abandoned)
        {
            // RFC 3261 §9.1: the INVITE was given up 64*T1 after the CANCEL. A 2xx that still comes is ACKed (§13.2.2.4)
            // and its dialog ended, since the caller already has its result.
            if (final.IsSuccess && Handle2xx(final, final, fromStray: false) is { } late)
            {
                _ = _ua.ByeInBackgroundAsync(late, SipDialogTerminationReason.Cancelled);
            }
            return;
        }
        SipDialog? dialog = final.IsSuccess ? Handle2xx(final, final, fromStray: false) : null;
        List<SipDialog> ended = [];
        TaskCompletionSource<SipResponse?>? unsentCancel = null;
        bool cancelled;
        lock (_gate)
        {
            _state = InviteState.Completed;
            cancelled = _cancel is not null;
            if (!_cancelSent)
            {
                unsentCancel = _cancel;
            }
            if (!final.IsSuccess)
            {
                // RFC 3261 §12.3: a non-2xx final response ends every early dialog of the request.
                ended.AddRange(_dialogs.Values);
            }
        }
        unsentCancel?.TrySetResult(null);
        foreach (var d in ended)
        {
            _ua.TerminateDialog(d, cancelled && final.StatusCode == 487 ? SipDialogTerminationReason.Cancelled : SipDialogTerminationReason.Rejected);
        }
        // RFC 3261 §13.2.2.4 / RFC 6026 §8.4: 2xx from other forks may come for 64*T1 (Timer M); keep answering them.
        _ua.OnInviteCompleted(this, final.IsSuccess);
        _completion.TrySetResult(new SipInviteResult(final, dialog));
    }

    /// <summary>After 64*T1: early dialogs that never got a 2xx end (RFC 3261 §13.2.2.4).</summary>
    internal void ExpireEarlyDialogs()
    {
        List<SipDialog> early = [];
        lock (_gate)
        {
            foreach (var d in _dialogs.Values)
            {
                if (d.State == SipDialogState.Early)
                {
                    early.Add(d);
                }
            }
        }
        foreach (var d in early)
        {
            _ua.TerminateDialog(d, SipDialogTerminationReason.EarlyDialogExpired);
        }
    }

    /// <summary>
    /// 64*T1 after the CANCEL and still no final response (RFC 3261 §9.1): the INVITE counts as cancelled; its early
    /// dialogs end and <see cref="Completion"/> gets a locally generated 487.
    /// </summary>
    private void OnCancelTimeout()
    {
        List<SipDialog> ended;
        lock (_gate)
        {
            if (_state == InviteState.Completed)
            {
                return;
            }
            _state = InviteState.Completed;
            ended = [.. _dialogs.Values];
        }
        foreach (var d in ended)
        {
            _ua.TerminateDialog(d, SipDialogTerminationReason.Cancelled);
        }
        _ua.OnInviteCompleted(this, success: false);
        _completion.TrySetResult(new SipInviteResult(SipResponseBuilder.For(Request, 487).Build(), null));
    }

    private void OnProvisional(SipResponse response)
    {
        SipDialog? created = null;
        bool sendCancel = false;
        lock (_gate)
        {
            if (_state == InviteState.Completed)
            {
                return;
            }
            _state = InviteState.Proceeding;
            // RFC 3261 §12.1.2 / §13.2.2.1: a 101-199 with a To tag creates an early dialog, one per tag (fork).
            if (response.StatusCode > 100 && response.To?.Tag is { Length: > 0 } tag && !_dialogs.ContainsKey(tag))
            {
                if (SipDialog.TryCreateUac(Request, response, Destination.Protocol == SipTransportProtocol.Tls, out created))
                {
                    _dialogs.Add(tag, created);
                }
            }
            // RFC 3261 §9.1: a CANCEL requested before any provisional response goes now.
            if (_cancel is not null && !_cancelSent)
            {
                _cancelSent = true;
                sendCancel = true;
            }
        }
        if (created is not null)
        {
            _ua.RegisterDialog(created, Destination);
        }
        if (_provisional is not null)
        {
            try
            {
                _provisional.Report(response);
            }
            catch (Exception ex)
            {
                // The user's progress callback must not stop the CANCEL or the early dialog bookkeeping.
                SipUserAgentLog.HandlerFailed(_ua.Logger, "provisional response", ex);
            }
        }
        if (sendCancel)
        {
            _ = SendCancelAsync();
        }
    }

    private async Task SendCancelAsync()
    {
        SipClientTransaction? tx;
        TaskCompletionSource<SipResponse?> done;
        lock (_gate)
        {
            tx = _transaction;
            done = _cancel!;
        }
        if (tx is null)
        {
            // A provisional response raced Start(): wait for the transaction to be recorded.
            await Task.Yield();
            lock (_gate)
            {
                tx = _transaction;
            }
            if (tx is null)
            {
                done.TrySetResult(null);
                return;
            }
        }
        try
        {
            // RFC 3261 §9.1: without a final response to the INVITE 64*T1 after the CANCEL, consider it cancelled.
            _ua.Wheel.Schedule(_ua.Timers.Timeout64T1, s_cancelTimeout, this);
            // RFC 3261 §9.1: the CANCEL has the INVITE's Request-URI, Call-ID, From, To, CSeq number, top Via and Route.
            var response = await _ua.Transactions.SendRequestAsync(tx.CreateCancel(), Destination).ConfigureAwait(false);
            done.TrySetResult(response);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            SipUserAgentLog.SendFailed(_ua.Logger, "CANCEL", Destination, ex);
            done.TrySetResult(null);
        }
    }

    /// <summary>
    /// A 2xx to the INVITE (RFC 3261 §13.2.2.4), the first one or a retransmission or another fork's: confirms or
    /// creates the dialog for its To tag and ACKs it; a retransmission gets the same ACK again; a 2xx with a To tag
    /// other than the final response's is a fork this UA does not keep, so it is ACKed and released with a BYE.
    /// </summary>
    internal SipDialog? Handle2xx(SipResponse response, SipResponse final, bool fromStray)
    {
        if (response.To?.Tag is not { Length: > 0 } tag)
        {
            SipUserAgentLog.DialogNotCreated(_ua.Logger, response.StatusCode, "INVITE", "no To tag");
            return null;
        }
        SipDialog? dialog;
        bool isNew = false;
        bool confirmedNow = false;
        lock (_gate)
        {
            if (_confirmed.Contains(tag))
            {
                dialog = _dialogs[tag];
            }
            else
            {
                if (_dialogs.TryGetValue(tag, out dialog))
                {
                    // RFC 3261 §13.2.2.4: the early dialog becomes confirmed; route set recomputed from the 2xx.
                    dialog.Confirm(response);
                }
                else if (SipDialog.TryCreateUac(Request, response, Destination.Protocol == SipTransportProtocol.Tls, out dialog))
                {
                    _dialogs.Add(tag, dialog);
                    isNew = true;
                }
                else
                {
                    return null;
                }
                _confirmed.Add(tag);
                confirmedNow = true;
            }
        }
        if (isNew)
        {
            _ua.RegisterDialog(dialog, Destination);
        }
        if (confirmedNow)
        {
            SipUserAgentLog.DialogConfirmed(_ua.Logger, dialog.Id);
            bool isFork = !string.Equals(tag, final.To?.Tag, StringComparison.Ordinal);
            _ua.SendAckFor2xx(dialog);
            if (isFork)
            {
                // RFC 3261 §13.2.2.4: ACK every 2xx; a dialog the UA does not want is ended with a BYE.
                SipUserAgentLog.ForkReleased(_ua.Logger, dialog.Id);
                _ = _ua.ByeInBackgroundAsync(dialog, SipDialogTerminationReason.ForkReleased);
            }
        }
        else if (fromStray)
        {
            // RFC 3261 §13.2.2.4: a retransmitted 2xx gets the ACK again.
            _ua.ResendAck(dialog);
        }
        return dialog;
    }

    /// <summary>Receives the transaction's provisional responses on the receiving thread.</summary>
    private sealed class ProvisionalSink(SipOutgoingInvite owner) : IProgress<SipResponse>
    {
        public void Report(SipResponse value) => owner.OnProvisional(value);
    }

    /// <inheritdoc />
    public override string ToString() => $"INVITE {Request.RequestUri} ({_state})";
}
