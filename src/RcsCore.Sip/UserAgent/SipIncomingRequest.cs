using System.Diagnostics.CodeAnalysis;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>
/// A request received by a <see cref="SipUserAgent"/> and handed to an <see cref="ISipRequestHandler"/>: the
/// request, its server transaction, its dialog, and the ways to answer it. Responses sent through it keep the UA
/// core's state right: the To tag is the same in every response (RFC 3261 §12.1.1), a 1xx/2xx to an INVITE creates
/// the dialog, and a 2xx to an INVITE is retransmitted until the ACK arrives (§13.3.1.4). Only the first final
/// response is sent; later ones return false.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The CancellationTokenSource has no timer and no linked registrations, so it holds nothing to release; disposing it would race with handlers still using the token.")]
public sealed class SipIncomingRequest
{
    private static readonly Action<object?> s_retransmit2xx = static s => ((SipIncomingRequest)s!).OnRetransmitTimer();
    private static readonly Action<object?> s_ackTimeout = static s => ((SipIncomingRequest)s!).OnAckTimer();

    private readonly SipUserAgent _ua;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _aborted = new();
    private readonly string _localTag;
    private readonly TaskCompletionSource<SipRequest?> _ack = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AnswerState _state;
    private SipDialog? _dialog;
    private SipResponse? _final2xx;
    private SipTimerHandle? _retransmitTimer;
    private SipTimerHandle? _ackTimer;
    private TimeSpan _interval;

    /// <summary>Where the request is in its answer: an explicit machine per RFC 3261 §13.3.1 / §13.3.1.4.</summary>
    private enum AnswerState : byte
    {
        /// <summary>No response sent by the core yet.</summary>
        Received,
        /// <summary>A provisional response was sent.</summary>
        Proceeding,
        /// <summary>A final response was sent (for an INVITE, a non-2xx; or the 2xx wait ended).</summary>
        Answered,
        /// <summary>A 2xx to an INVITE was sent: retransmitting it until the ACK (§13.3.1.4).</summary>
        AwaitingAck,
        /// <summary>The ACK for the 2xx arrived.</summary>
        Acknowledged,
        /// <summary>No ACK within 64*T1 (§13.3.1.4).</summary>
        AckTimedOut,
    }

    internal SipIncomingRequest(SipUserAgent ua, SipServerTransaction transaction, SipDialog? dialog)
    {
        _ua = ua;
        Transaction = transaction;
        Request = transaction.Request;
        _dialog = dialog;
        // RFC 3261 §12.1.1: one To tag for every response to a request outside a dialog.
        _localTag = dialog?.LocalTag ?? SipIds.NewTag();
        IsInitialInvite = Request.Method == "INVITE" && dialog is null;
        if (Request.Method != "INVITE")
        {
            _ack.TrySetResult(null);
        }
    }

    /// <summary>The request.</summary>
    public SipRequest Request { get; }

    /// <summary>The method of <see cref="Request"/>.</summary>
    public string Method => Request.Method;

    /// <summary>The server transaction (RFC 3261 §17.2) the request created.</summary>
    public SipServerTransaction Transaction { get; }

    /// <summary>Where the request came from (responses go back there, RFC 3261 §18.2.2).</summary>
    public SipEndPoint Remote => Transaction.Remote;

    /// <summary>
    /// The dialog: the one an in-dialog request belongs to, or for an initial INVITE the dialog created by the
    /// first 1xx/2xx with a To tag sent through this object (null before).
    /// </summary>
    public SipDialog? Dialog
    {
        get
        {
            lock (_gate)
            {
                return _dialog;
            }
        }
    }

    /// <summary>True once a final response has been sent.</summary>
    public bool IsAnswered
    {
        get
        {
            lock (_gate)
            {
                return _state is not (AnswerState.Received or AnswerState.Proceeding);
            }
        }
    }

    /// <summary>Cancelled when the request is cancelled (CANCEL, or a BYE for its early dialog) or the user agent stops.</summary>
    public CancellationToken RequestAborted => _aborted.Token;

    /// <summary>True for an INVITE outside any dialog (it creates one).</summary>
    internal bool IsInitialInvite { get; }

    /// <summary>
    /// Starts a response (RFC 3261 §8.2.6) with the headers the core adds: the To tag of this request's dialog,
    /// Server, Contact for a 101–299 to an INVITE (§12.1.1), Allow and Supported for a 2xx to INVITE or OPTIONS and
    /// Allow for a 405 (§8.2.1), Accept for a 2xx to OPTIONS and a 415 (§11.2, §8.2.3).
    /// </summary>
    public SipResponseBuilder CreateResponse(int statusCode, string? reasonPhrase = null)
    {
        var b = SipResponseBuilder.For(Request, statusCode, reasonPhrase, statusCode == 100 ? null : _localTag);
        _ua.AddResponseHeaders(b, this, statusCode);
        return b;
    }

    /// <summary>Sends a provisional response (101–199 with a To tag create the early dialog of an INVITE, RFC 3261 §12.1.1).</summary>
    public ValueTask<bool> SendProvisionalAsync(int statusCode = 180, string? reasonPhrase = null, CancellationToken ct = default)
    {
        if (statusCode is < 100 or > 199)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A provisional status is 100-199.");
        }
        return SendResponseAsync(CreateResponse(statusCode, reasonPhrase).Build(), ct);
    }

    /// <summary>Answers 200 OK with an optional body (for an INVITE, the SDP answer or offer).</summary>
    public ValueTask<bool> AcceptAsync(ReadOnlyMemory<byte> body = default, string? contentType = null, CancellationToken ct = default)
    {
        var b = CreateResponse(200);
        if (!body.IsEmpty)
        {
            ArgumentException.ThrowIfNullOrEmpty(contentType);
            b.SetBody(body, contentType);
        }
        return SendResponseAsync(b.Build(), ct);
    }

    /// <summary>Answers with a final failure status (300–699).</summary>
    public ValueTask<bool> RejectAsync(int statusCode, string? reasonPhrase = null, CancellationToken ct = default)
    {
        if (statusCode is < 300 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A rejection is 300-699.");
        }
        return SendResponseAsync(CreateResponse(statusCode, reasonPhrase).Build(), ct);
    }

    /// <summary>
    /// Sends a response built for this request (best from <see cref="CreateResponse"/>). Returns false when a final
    /// response was already sent (nothing is sent then), when the transaction has ended, or when the transport
    /// failed (also reported through the transaction layer).
    /// </summary>
    public async ValueTask<bool> SendResponseAsync(SipResponse response, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!Apply(response, SipDialogTerminationReason.Rejected))
        {
            SipUserAgentLog.ResponseIgnored(_ua.Logger, response.StatusCode, Method);
            return false;
        }
        return await SendAsync(response, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// For an INVITE answered with a 2xx: completes with the ACK (RFC 3261 §13.3.1.4), or with null when none came
    /// within 64*T1 or the dialog ended first. For other requests and other answers it completes with null at once
    /// when there is nothing to wait for.
    /// </summary>
    public Task<SipRequest?> WaitForAckAsync(CancellationToken ct = default) => ct.CanBeCanceled ? _ack.Task.WaitAsync(ct) : _ack.Task;

    /// <summary>
    /// Applies a response to the answer state machine before it is sent; false when it must not be sent. Creates
    /// or ends the INVITE's dialog and starts the 2xx retransmission (RFC 3261 §13.3.1.4).
    /// </summary>
    private bool Apply(SipResponse response, SipDialogTerminationReason failureReason)
    {
        int status = response.StatusCode;
        bool isInvite = Method == "INVITE";
        bool finished = false;
        bool awaitAck = false;
        SipDialog? endEarly = null;
        lock (_gate)
        {
            switch (_state)
            {
                case AnswerState.Received:
                case AnswerState.Proceeding:
                    if (status is >= 200 and < 300 && !IsInitialInvite && _dialog is not null && Method is "INVITE" or "UPDATE" or "SUBSCRIBE" or "NOTIFY")
                    {
                        // RFC 3261 §12.2.2: a target refresh request replaces the remote target with its Contact;
                        // applied as it succeeds, so a rejected refresh changes nothing (as RFC 6141 clarifies).
                        // RFC 6665 §4.1.2.2, §4.2.2: SUBSCRIBE and NOTIFY are target refresh requests too.
                        _dialog.RefreshRemoteTarget(Request);
                    }
                    if (status < 200)
                    {
                        _state = AnswerState.Proceeding;
                        if (IsInitialInvite && status > 100)
                        {
                            // RFC 3261 §12.1.1: a 101-199 with a To tag creates an early dialog.
                            EnsureDialog(response);
                        }
                    }
                    else if (isInvite && status < 300)
                    {
                        // RFC 3261 §13.3.1.4: the 2xx is retransmitted by the core until the ACK arrives.
                        _state = AnswerState.AwaitingAck;
                        if (IsInitialInvite)
                        {
                            EnsureDialog(response);
                        }
                        _final2xx = response;
                        finished = true;
                        awaitAck = _dialog is not null;
                    }
                    else
                    {
                        _state = AnswerState.Answered;
                        finished = true;
                        if (status is >= 200 and < 300 && _dialog is null && Method is "SUBSCRIBE" or "REFER")
                        {
                            // RFC 6665 §4.2.1, RFC 3515 §2.4.4: the notifier's 2xx creates the dialog (RFC 3261
                            // §12.1.1), so refreshes and unsubscriptions in it reach the SUBSCRIBE handler with
                            // Dialog set and NOTIFYs can be sent through it.
                            EnsureDialog(response);
                        }
                        if (IsInitialInvite && _dialog is not null)
                        {
                            // RFC 3261 §12.3: a non-2xx final response ends the early dialog.
                            endEarly = _dialog;
                        }
                    }
                    break;
                default:
                    return false;
            }
        }
        if (finished)
        {
            _ua.OnAnswered(this);
        }
        if (awaitAck)
        {
            StartAckWait();
        }
        else if (finished)
        {
            _ack.TrySetResult(null);
        }
        if (endEarly is not null)
        {
            _ua.TerminateDialog(endEarly, failureReason);
        }
        return true;
    }

    /// <summary>Creates (or confirms) the UAS dialog of the initial INVITE. Called under the lock.</summary>
    private void EnsureDialog(SipResponse response)
    {
        string? tag = response.To?.Tag;
        if (_dialog is not null && string.Equals(_dialog.LocalTag, tag, StringComparison.Ordinal))
        {
            if (response.IsSuccess && _dialog.Confirm(null))
            {
                SipUserAgentLog.DialogConfirmed(_ua.Logger, _dialog.Id);
            }
            return;
        }
        if (!SipDialog.TryCreateUas(Request, response, Remote.Protocol == SipTransportProtocol.Tls, out var dialog))
        {
            SipUserAgentLog.DialogNotCreated(_ua.Logger, response.StatusCode, Method, "no To tag in the response or no Contact in the request");
            return;
        }
        _dialog = dialog;
        _ua.RegisterDialog(dialog, Remote);
    }

    private async ValueTask<bool> SendAsync(SipResponse response, CancellationToken ct)
    {
        try
        {
            return await Transaction.SendResponseAsync(response, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The transaction layer refused the response in its state (e.g. it already sent a final one).
            return false;
        }
    }

    /// <summary>
    /// The peer cancelled the request (CANCEL, RFC 3261 §9.2, or a BYE for its early dialog, §15.1.2): answer 487
    /// when no final response was sent, and cancel <see cref="RequestAborted"/>.
    /// </summary>
    internal async ValueTask CancelByPeerAsync()
    {
        var response = CreateResponse(487).Build();
        bool send = Apply(response, SipDialogTerminationReason.Cancelled);
        Abort();
        if (send)
        {
            await SendAsync(response, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Cancels <see cref="RequestAborted"/> (peer cancel, transport failure, shutdown).</summary>
    internal void Abort()
    {
        try
        {
            _aborted.Cancel();
        }
        catch (AggregateException ex)
        {
            SipUserAgentLog.HandlerFailed(_ua.Logger, Method, ex);
        }
    }

    /// <summary>Starts the 2xx retransmission (T1 doubling up to T2) and the 64*T1 ACK timeout (RFC 3261 §13.3.1.4).</summary>
    private void StartAckWait()
    {
        var timers = _ua.Timers;
        bool waiting;
        lock (_gate)
        {
            waiting = _state == AnswerState.AwaitingAck;
            if (waiting)
            {
                _interval = timers.T1;
                try
                {
                    _retransmitTimer = _ua.Wheel.Schedule(_interval, s_retransmit2xx, this);
                    _ackTimer = _ua.Wheel.Schedule(timers.Timeout64T1, s_ackTimeout, this);
                }
                catch (ObjectDisposedException)
                {
                    // The user agent stopped: nothing will retransmit or wait.
                    _state = AnswerState.Answered;
                    CancelTimers();
                    waiting = false;
                }
            }
        }
        if (!waiting)
        {
            _ack.TrySetResult(null);
            return;
        }
        _ua.AwaitAck(this, _dialog!);
    }

    private void OnRetransmitTimer()
    {
        SipResponse? response;
        SipDialog? dialog;
        lock (_gate)
        {
            if (_state != AnswerState.AwaitingAck)
            {
                return;
            }
            // RFC 3261 §13.3.1.4: the interval starts at T1 and doubles until it reaches T2.
            var t2 = _ua.Timers.T2;
            _interval = _interval * 2 < t2 ? _interval * 2 : t2;
            _retransmitTimer = _ua.Wheel.Schedule(_interval, s_retransmit2xx, this);
            response = _final2xx;
            dialog = _dialog;
        }
        if (response is not null && dialog is not null)
        {
            SipUserAgentLog.Retransmitting2xx(_ua.Logger, dialog.Id);
            _ = RetransmitAsync(response);
        }
    }

    private async Task RetransmitAsync(SipResponse response)
    {
        // RFC 6026 §8.7: a 2xx from the TU in Accepted goes to the transport; after Timer L send it directly.
        if (!await SendAsync(response, CancellationToken.None).ConfigureAwait(false))
        {
            await _ua.SendDirectAsync(response, Remote, Transaction.Inbound.ConnectionId).ConfigureAwait(false);
        }
    }

    private void OnAckTimer()
    {
        SipDialog? dialog;
        lock (_gate)
        {
            if (_state != AnswerState.AwaitingAck)
            {
                return;
            }
            // RFC 3261 §13.3.1.4: no ACK after 64*T1: the dialog stays confirmed but the session ends with a BYE.
            _state = AnswerState.AckTimedOut;
            CancelTimers();
            dialog = _dialog;
        }
        _ack.TrySetResult(null);
        if (dialog is not null)
        {
            _ua.OnAckTimeout(this, dialog);
        }
    }

    /// <summary>The ACK for the 2xx arrived; false when none was awaited (a retransmitted ACK).</summary>
    internal bool OnAck(SipRequest ack)
    {
        lock (_gate)
        {
            if (_state != AnswerState.AwaitingAck)
            {
                return false;
            }
            _state = AnswerState.Acknowledged;
            CancelTimers();
        }
        _ack.TrySetResult(ack);
        return true;
    }

    /// <summary>The dialog ended before the ACK (a BYE crossed it, shutdown): stop retransmitting the 2xx.</summary>
    internal void StopWaitingForAck()
    {
        lock (_gate)
        {
            if (_state != AnswerState.AwaitingAck)
            {
                return;
            }
            _state = AnswerState.Answered;
            CancelTimers();
        }
        _ack.TrySetResult(null);
    }

    private void CancelTimers()
    {
        _retransmitTimer?.Cancel();
        _ackTimer?.Cancel();
        _retransmitTimer = _ackTimer = null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Method} from {Remote} ({_state})";
}
