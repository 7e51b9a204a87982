using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Transactions;

/// <summary>
/// A client transaction (RFC 3261 §17.1): sends a request, retransmits it on unreliable transports, and completes
/// <see cref="FinalResponse"/> with the first final response. Provisional responses go to the
/// <see cref="IProgress{T}"/> given at creation. On Timer B/F the final response is a synthesized 408 and on a
/// transport error a synthesized 503 (RFC 3261 §8.1.3.1); <see cref="SipTransaction.Failure"/> tells them apart
/// from a 408/503 that came from the network.
/// </summary>
public abstract class SipClientTransaction : SipTransaction
{
    private readonly TaskCompletionSource<SipResponse> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IProgress<SipResponse>? _provisional;

    private protected SipClientTransaction(SipTransactionLayer layer, SipRequest request, SipTransactionKey key, SipEndPoint destination, long connectionId, IProgress<SipResponse>? provisional, SipTransactionState initial)
        : base(layer, request, key, destination.IsStream, initial)
    {
        Destination = destination;
        ConnectionId = connectionId;
        _provisional = provisional;
    }

    /// <summary>Where the request is sent.</summary>
    public SipEndPoint Destination { get; }

    /// <summary>The stream connection to use, or 0 to let the transport choose (RFC 3261 §18.1.1).</summary>
    public long ConnectionId { get; }

    /// <summary>Completes with the first final response (received or synthesized); never faults.</summary>
    public Task<SipResponse> FinalResponse => _final.Task;

    /// <summary>
    /// Builds the CANCEL for this INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To and CSeq number, the
    /// top Via of the request (so it carries the same branch), its Route headers, method CANCEL. Send it with
    /// <see cref="SipTransactionLayer.SendRequestAsync"/> once a provisional response has arrived (§9.1).
    /// </summary>
    public SipRequest CreateCancel()
    {
        if (Kind != SipTransactionKind.InviteClient)
        {
            throw new InvalidOperationException("Only an INVITE can be cancelled (RFC 3261 §9.1).");
        }
        return SipTransactionMessages.BuildCancel(Request);
    }

    /// <summary>Sends the request and starts the timers.</summary>
    internal abstract void Start();

    /// <summary>A response matched this transaction (RFC 3261 §17.1.3).</summary>
    internal abstract ValueTask OnResponseAsync(SipInboundMessage inbound, SipResponse response, CancellationToken ct);

    /// <summary>Delivers a provisional response to the TU (outside the lock).</summary>
    private protected void ReportProvisional(SipResponse response)
    {
        if (_provisional is null)
        {
            return;
        }
        try
        {
            _provisional.Report(response);
        }
        catch (Exception ex)
        {
            SipTransactionLog.UserCallbackFailed(Layer.Logger, nameof(IProgress<SipResponse>.Report), ex);
        }
    }

    /// <summary>Delivers the final response to the TU (outside the lock).</summary>
    private protected void CompleteWith(SipResponse response) => _final.TrySetResult(response);

    /// <summary>Notifies the TU, then completes with a synthesized 408 (timeout) or 503 (transport error) (RFC 3261 §8.1.3.1).</summary>
    private protected override void OnFailed(SipTransactionFailure failure, SipTransportException? error)
    {
        // The TU hears of the failure before anyone awaiting FinalResponse resumes.
        base.OnFailed(failure, error);
        if (!_final.Task.IsCompleted)
        {
            int status = failure == SipTransactionFailure.Timeout ? 408 : 503;
            CompleteWith(SipTransactionMessages.BuildLocalResponse(Request, status));
        }
    }

    /// <summary>Called when the layer is disposed: stops waiting.</summary>
    internal void Abandon() => _final.TrySetCanceled();
}

/// <summary>The INVITE client transaction (RFC 3261 §17.1.1 with RFC 6026 §8.4: Accepted state and Timer M).</summary>
internal sealed class SipInviteClientTransaction : SipClientTransaction
{
    private static readonly Action<object?> s_timerA = static s => ((SipInviteClientTransaction)s!).OnTimerA();
    private static readonly Action<object?> s_timerB = static s => ((SipInviteClientTransaction)s!).OnTimerB();
    private static readonly Action<object?> s_timerD = static s => ((SipInviteClientTransaction)s!).OnTimerDOrM();

    private SipTimerHandle? _timerA;
    private SipTimerHandle? _timerB;
    private SipTimerHandle? _timerDOrM;
    private TimeSpan _intervalA;
    private SipRequest? _ack;

    public SipInviteClientTransaction(SipTransactionLayer layer, SipRequest request, SipTransactionKey key, SipEndPoint destination, long connectionId, IProgress<SipResponse>? provisional)
        : base(layer, request, key, destination, connectionId, provisional, SipTransactionState.Calling)
    {
    }

    public override SipTransactionKind Kind => SipTransactionKind.InviteClient;

    internal override void Start()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.1.1.2: Calling. Timer A = T1 only on unreliable transports; Timer B = 64*T1 always.
            if (!IsReliable)
            {
                _intervalA = Timers.T1;
                _timerA = Schedule(_intervalA, s_timerA);
            }
            _timerB = Schedule(Timers.Timeout64T1, s_timerB);
        }
        SendInBackground(Request, Destination, ConnectionId);
    }

    private void OnTimerA()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.1.1.2: retransmit and double A (no T2 cap for INVITE requests), only in Calling.
            if (State != SipTransactionState.Calling)
            {
                return;
            }
            _intervalA *= 2;
            _timerA = Schedule(_intervalA, s_timerA);
        }
        SipTransactionLog.Retransmitting(Layer.Logger, Branch, Method, 'A');
        SendInBackground(Request, Destination, ConnectionId);
    }

    private void OnTimerB()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.1.1.2: Timer B fires in Calling -> Terminated, inform the TU (a 408, §8.1.3.1).
            if (State != SipTransactionState.Calling)
            {
                return;
            }
            Failure = SipTransactionFailure.Timeout;
            SetState(SipTransactionState.Terminated);
        }
        SipTransactionLog.TimedOut(Layer.Logger, Branch, Method, 'B');
        OnFailed(SipTransactionFailure.Timeout, null);
    }

    private void OnTimerDOrM()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.1.1.2 Timer D (Completed), RFC 6026 §8.4 Timer M (Accepted): -> Terminated.
            if (State is SipTransactionState.Completed or SipTransactionState.Accepted)
            {
                SetState(SipTransactionState.Terminated);
            }
        }
    }

    internal override ValueTask OnResponseAsync(SipInboundMessage inbound, SipResponse response, CancellationToken ct)
    {
        SipRequest? ack = null;
        bool provisional = false, final = false, passToUser = false;
        lock (SyncRoot)
        {
            switch (State)
            {
                case SipTransactionState.Calling:
                case SipTransactionState.Proceeding:
                    if (response.IsProvisional)
                    {
                        // RFC 3261 §17.1.1.2: 1xx -> Proceeding; no more retransmissions, Timer B only guards Calling.
                        CancelRetransmitAndTimeout();
                        SetState(SipTransactionState.Proceeding);
                        provisional = true;
                    }
                    else if (response.IsSuccess)
                    {
                        // RFC 6026 §8.4: 2xx -> Accepted, Timer M = 64*T1; the TU sends the ACK (§13.2.2.4).
                        CancelRetransmitAndTimeout();
                        SetState(SipTransactionState.Accepted);
                        _timerDOrM = Schedule(Timers.Timeout64T1, s_timerD);
                        final = true;
                    }
                    else
                    {
                        // RFC 3261 §17.1.1.2: 300-699 -> ACK (§17.1.1.3), Completed, Timer D (32 s UDP, 0 TCP).
                        CancelRetransmitAndTimeout();
                        _ack = SipTransactionMessages.BuildAckForFailure(Request, response);
                        ack = _ack;
                        SetState(SipTransactionState.Completed);
                        EnterWait(IsReliable ? TimeSpan.Zero : Timers.TimerD);
                        final = true;
                    }
                    break;
                case SipTransactionState.Completed:
                    // RFC 3261 §17.1.1.2: a retransmitted final response -> resend the ACK, not passed up.
                    if (!response.IsProvisional && !response.IsSuccess)
                    {
                        ack = _ack;
                        SipTransactionLog.Absorbed(Layer.Logger, Branch, Method, State);
                    }
                    break;
                case SipTransactionState.Accepted:
                    // RFC 6026 §8.4: further 2xx (retransmissions or other forks) go to the TU, which ACKs them.
                    passToUser = response.IsSuccess;
                    break;
                default:
                    break;
            }
        }
        if (ack is not null)
        {
            SendInBackground(ack, Destination, ConnectionId);
        }
        if (provisional)
        {
            ReportProvisional(response);
        }
        if (final)
        {
            CompleteWith(response);
        }
        return passToUser ? Layer.PassResponseToUserAsync(inbound, this, ct) : default;
    }

    private void EnterWait(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            SetState(SipTransactionState.Terminated);
        }
        else
        {
            _timerDOrM = Schedule(delay, s_timerD);
        }
    }

    private void CancelRetransmitAndTimeout()
    {
        _timerA?.Cancel();
        _timerB?.Cancel();
        _timerA = _timerB = null;
    }

    private protected override void CancelTimers()
    {
        CancelRetransmitAndTimeout();
        _timerDOrM?.Cancel();
        _timerDOrM = null;
    }
}

/// <summary>The non-INVITE client transaction (RFC 3261 §17.1.2).</summary>
internal sealed class SipNonInviteClientTransaction : SipClientTransaction
{
    private static readonly Action<object?> s_timerE = static s => ((SipNonInviteClientTransaction)s!).OnTimerE();
    private static readonly Action<object?> s_timerF = static s => ((SipNonInviteClientTransaction)s!).OnTimerF();
    private static readonly Action<object?> s_timerK = static s => ((SipNonInviteClientTransaction)s!).OnTimerK();

    private SipTimerHandle? _timerE;
    private SipTimerHandle? _timerF;
    private SipTimerHandle? _timerK;
    private TimeSpan _intervalE;

    public SipNonInviteClientTransaction(SipTransactionLayer layer, SipRequest request, SipTransactionKey key, SipEndPoint destination, long connectionId, IProgress<SipResponse>? provisional)
        : base(layer, request, key, destination, connectionId, provisional, SipTransactionState.Trying)
    {
    }

    public override SipTransactionKind Kind => SipTransactionKind.NonInviteClient;

    internal override void Start()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.1.2.2: Trying. Timer E = T1 on unreliable transports; Timer F = 64*T1 always.
            if (!IsReliable)
            {
                _intervalE = Timers.T1;
                _timerE = Schedule(_intervalE, s_timerE);
            }
            _timerF = Schedule(Timers.Timeout64T1, s_timerF);
        }
        SendInBackground(Request, Destination, ConnectionId);
    }

    private void OnTimerE()
    {
        lock (SyncRoot)
        {
            switch (State)
            {
                case SipTransactionState.Trying:
                    // RFC 3261 §17.1.2.2: in Trying, E doubles up to T2.
                    _intervalE = _intervalE * 2 < Timers.T2 ? _intervalE * 2 : Timers.T2;
                    break;
                case SipTransactionState.Proceeding:
                    // RFC 3261 §17.1.2.2: in Proceeding, E is reset to T2.
                    _intervalE = Timers.T2;
                    break;
                default:
                    return;
            }
            _timerE = Schedule(_intervalE, s_timerE);
        }
        SipTransactionLog.Retransmitting(Layer.Logger, Branch, Method, 'E');
        SendInBackground(Request, Destination, ConnectionId);
    }

    private void OnTimerF()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.1.2.2: Timer F in Trying or Proceeding -> Terminated, inform the TU (408, §8.1.3.1).
            if (State is not (SipTransactionState.Trying or SipTransactionState.Proceeding))
            {
                return;
            }
            Failure = SipTransactionFailure.Timeout;
            SetState(SipTransactionState.Terminated);
        }
        SipTransactionLog.TimedOut(Layer.Logger, Branch, Method, 'F');
        OnFailed(SipTransactionFailure.Timeout, null);
    }

    private void OnTimerK()
    {
        lock (SyncRoot)
        {
            if (State == SipTransactionState.Completed)
            {
                SetState(SipTransactionState.Terminated);
            }
        }
    }

    internal override ValueTask OnResponseAsync(SipInboundMessage inbound, SipResponse response, CancellationToken ct)
    {
        bool provisional = false, final = false;
        lock (SyncRoot)
        {
            switch (State)
            {
                case SipTransactionState.Trying:
                case SipTransactionState.Proceeding:
                    if (response.IsProvisional)
                    {
                        // RFC 3261 §17.1.2.2: 1xx -> Proceeding (E keeps running, at T2 from its next firing).
                        SetState(SipTransactionState.Proceeding);
                        provisional = true;
                    }
                    else
                    {
                        // RFC 3261 §17.1.2.2: final -> Completed, Timer K = T4 (UDP) or 0 (TCP).
                        _timerE?.Cancel();
                        _timerF?.Cancel();
                        _timerE = _timerF = null;
                        SetState(SipTransactionState.Completed);
                        if (IsReliable || Timers.T4 <= TimeSpan.Zero)
                        {
                            SetState(SipTransactionState.Terminated);
                        }
                        else
                        {
                            _timerK = Schedule(Timers.T4, s_timerK);
                        }
                        final = true;
                    }
                    break;
                case SipTransactionState.Completed:
                    // RFC 3261 §17.1.2.2: response retransmissions are absorbed in Completed.
                    SipTransactionLog.Absorbed(Layer.Logger, Branch, Method, State);
                    break;
                default:
                    break;
            }
        }
        if (provisional)
        {
            ReportProvisional(response);
        }
        if (final)
        {
            CompleteWith(response);
        }
        return default;
    }

    private protected override void CancelTimers()
    {
        _timerE?.Cancel();
        _timerF?.Cancel();
        _timerK?.Cancel();
        _timerE = _timerF = _timerK = null;
    }
}
