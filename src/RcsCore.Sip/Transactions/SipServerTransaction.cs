using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Transactions;

/// <summary>
/// A server transaction (RFC 3261 §17.2): the TU answers the request through <see cref="SendResponseAsync"/>; the
/// transaction absorbs request retransmissions, resends the last response and, for INVITE, retransmits a non-2xx
/// final response until the ACK arrives. Responses go to the source of the request, on its connection for stream
/// transports (RFC 3261 §18.2.2 with RFC 3581 symmetric response routing).
/// </summary>
public abstract class SipServerTransaction : SipTransaction
{
    private SipResponse? _lastResponse;

    private protected SipServerTransaction(SipTransactionLayer layer, SipInboundMessage inbound, SipRequest request, SipTransactionKey key, SipTransactionState initial)
        : base(layer, request, key, inbound.Remote.IsStream, initial)
    {
        Inbound = inbound;
    }

    /// <summary>The request with its addressing, as it arrived.</summary>
    public SipInboundMessage Inbound { get; }

    /// <summary>Where responses are sent: the source of the request.</summary>
    public SipEndPoint Remote => Inbound.Remote;

    /// <summary>The last response sent (by the TU or the layer's automatic 100 Trying), or null.</summary>
    public SipResponse? LastResponse
    {
        get
        {
            lock (SyncRoot)
            {
                return _lastResponse;
            }
        }
    }

    /// <summary>The last response, for use under <see cref="SipTransaction.SyncRoot"/>.</summary>
    private protected SipResponse? Last
    {
        get => _lastResponse;
        set => _lastResponse = value;
    }

    /// <summary>
    /// Sends a response built for <see cref="SipTransaction.Request"/> (<see cref="SipResponseBuilder.For"/>) and
    /// advances the state machine. Returns false when the transaction has already terminated (a race with Timer H
    /// or a transport error) or when the transport failed; a transport failure is also reported through
    /// <see cref="ISipTransactionUser.OnTransactionFailed"/> and terminates the transaction (RFC 3261 §17.2.4).
    /// Throws <see cref="InvalidOperationException"/> when the state machine does not allow the response (a second
    /// final response; only 2xx may follow a 2xx to an INVITE, RFC 6026 §8.7).
    /// </summary>
    public ValueTask<bool> SendResponseAsync(SipResponse response, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.CSeq is { } cseq && !string.Equals(cseq.Method, Method, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The response is for {cseq.Method}, the transaction for {Method}.", nameof(response));
        }
        bool send;
        lock (SyncRoot)
        {
            send = Accept(response);
        }
        return send ? Layer.SendAsync(this, response, Remote, Inbound.ConnectionId, ct) : new ValueTask<bool>(false);
    }

    /// <summary>Looks up the INVITE server transaction this CANCEL targets (RFC 3261 §9.2); null when none or not a CANCEL.</summary>
    public SipServerTransaction? FindCancelTarget() => Method == "CANCEL" ? Layer.FindInviteServerTransaction(Request) : null;

    /// <summary>
    /// Applies a response from the TU to the state machine under the lock; false when the transaction has
    /// terminated. Throws for responses the state does not allow.
    /// </summary>
    private protected abstract bool Accept(SipResponse response);

    /// <summary>Starts the timers once the transaction is in the table.</summary>
    internal abstract void Start();

    /// <summary>A retransmission of the request arrived (RFC 3261 §17.2.1, §17.2.2).</summary>
    internal abstract void OnRetransmission(SipInboundMessage inbound);

    /// <summary>Resends the last response to the request's source.</summary>
    private protected void Resend(SipResponse response) => SendInBackground(response, Remote, Inbound.ConnectionId);

    private protected static InvalidOperationException NotAllowed(SipResponse response, SipTransactionState state) =>
        new($"A {response.StatusCode} response cannot be sent in state {state}.");
}

/// <summary>The INVITE server transaction (RFC 3261 §17.2.1 with RFC 6026 §8.7: Accepted state and Timer L).</summary>
internal sealed class SipInviteServerTransaction : SipServerTransaction
{
    private static readonly Action<object?> s_trying = static s => ((SipInviteServerTransaction)s!).OnTryingTimer();
    private static readonly Action<object?> s_timerG = static s => ((SipInviteServerTransaction)s!).OnTimerG();
    private static readonly Action<object?> s_timerH = static s => ((SipInviteServerTransaction)s!).OnTimerH();
    private static readonly Action<object?> s_timerIOrL = static s => ((SipInviteServerTransaction)s!).OnTimerIOrL();

    private SipTimerHandle? _tryingTimer;
    private SipTimerHandle? _timerG;
    private SipTimerHandle? _timerH;
    private SipTimerHandle? _timerIOrL;
    private TimeSpan _intervalG;

    public SipInviteServerTransaction(SipTransactionLayer layer, SipInboundMessage inbound, SipRequest request, SipTransactionKey key)
        : base(layer, inbound, request, key, SipTransactionState.Proceeding)
    {
    }

    public override SipTransactionKind Kind => SipTransactionKind.InviteServer;

    internal override void Start()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.2.1: send 100 Trying unless the TU answers within 200 ms.
            if (State == SipTransactionState.Proceeding && Last is null)
            {
                _tryingTimer = Schedule(Timers.TryingDelay, s_trying);
            }
        }
    }

    private void OnTryingTimer()
    {
        SipResponse trying;
        lock (SyncRoot)
        {
            if (State != SipTransactionState.Proceeding || Last is not null)
            {
                return;
            }
            // RFC 3261 §8.2.6.1: 100 Trying copies Timestamp and carries no To tag.
            trying = SipTransactionMessages.BuildLocalResponse(Request, 100);
            Last = trying;
        }
        Resend(trying);
    }

    private protected override bool Accept(SipResponse response)
    {
        switch (State)
        {
            case SipTransactionState.Proceeding:
                CancelTrying();
                Last = response;
                if (response.IsProvisional)
                {
                    // RFC 3261 §17.2.1: 1xx from the TU is sent and remembered for INVITE retransmissions.
                }
                else if (response.IsSuccess)
                {
                    // RFC 6026 §8.7: 2xx -> Accepted, Timer L = 64*T1; 2xx retransmissions are the TU's job (§13.3.1.4).
                    SetState(SipTransactionState.Accepted);
                    _timerIOrL = Schedule(Timers.Timeout64T1, s_timerIOrL);
                }
                else
                {
                    // RFC 3261 §17.2.1: 300-699 -> Completed; Timer G = T1 (unreliable only), Timer H = 64*T1.
                    SetState(SipTransactionState.Completed);
                    if (!IsReliable)
                    {
                        _intervalG = Timers.T1;
                        _timerG = Schedule(_intervalG, s_timerG);
                    }
                    _timerH = Schedule(Timers.Timeout64T1, s_timerH);
                }
                return true;
            case SipTransactionState.Accepted:
                // RFC 6026 §8.7: 2xx from the TU in Accepted are passed to the transport (the TU retransmits them).
                if (!response.IsSuccess)
                {
                    throw NotAllowed(response, State);
                }
                Last = response;
                return true;
            case SipTransactionState.Terminated:
                return false;
            default:
                throw NotAllowed(response, State);
        }
    }

    private void OnTimerG()
    {
        SipResponse? response;
        lock (SyncRoot)
        {
            // RFC 3261 §17.2.1: retransmit the final response, G = min(2G, T2), until ACK or Timer H.
            if (State != SipTransactionState.Completed)
            {
                return;
            }
            _intervalG = _intervalG * 2 < Timers.T2 ? _intervalG * 2 : Timers.T2;
            _timerG = Schedule(_intervalG, s_timerG);
            response = Last;
        }
        if (response is not null)
        {
            SipTransactionLog.Retransmitting(Layer.Logger, Branch, Method, 'G');
            Resend(response);
        }
    }

    private void OnTimerH()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.2.1: Timer H in Completed: the ACK never came -> Terminated, tell the TU.
            if (State != SipTransactionState.Completed)
            {
                return;
            }
            Failure = SipTransactionFailure.Timeout;
            SetState(SipTransactionState.Terminated);
        }
        SipTransactionLog.TimedOut(Layer.Logger, Branch, Method, 'H');
        OnFailed(SipTransactionFailure.Timeout, null);
    }

    private void OnTimerIOrL()
    {
        lock (SyncRoot)
        {
            // RFC 3261 §17.2.1 Timer I (Confirmed), RFC 6026 §8.7 Timer L (Accepted): -> Terminated.
            if (State is SipTransactionState.Confirmed or SipTransactionState.Accepted)
            {
                SetState(SipTransactionState.Terminated);
            }
        }
    }

    internal override void OnRetransmission(SipInboundMessage inbound)
    {
        SipResponse? resend = null;
        lock (SyncRoot)
        {
            switch (State)
            {
                case SipTransactionState.Proceeding:
                    // RFC 3261 §17.2.1: resend the most recent provisional response (if any yet).
                case SipTransactionState.Completed:
                    // RFC 3261 §17.2.1: resend the final response.
                    resend = Last;
                    break;
                default:
                    // RFC 6026 §8.7: absorbed in Accepted (and in Confirmed).
                    break;
            }
        }
        SipTransactionLog.Absorbed(Layer.Logger, Branch, Method, State);
        if (resend is not null)
        {
            Resend(resend);
        }
    }

    /// <summary>
    /// An ACK matched (RFC 3261 §17.2.3). True when it is for this transaction: for an RFC 2543 key the ACK's To tag
    /// must equal the tag of our response.
    /// </summary>
    internal bool AckMatches(SipRequest ack)
    {
        if (!Key.IsRfc2543)
        {
            return true;
        }
        lock (SyncRoot)
        {
            return Last is not null && string.Equals(Last.To?.Tag, ack.To?.Tag, StringComparison.Ordinal);
        }
    }

    /// <summary>Handles an ACK; true when it must be passed to the TU (RFC 6026 §8.7: ACK in Accepted).</summary>
    internal bool OnAck()
    {
        lock (SyncRoot)
        {
            switch (State)
            {
                case SipTransactionState.Completed:
                    // RFC 3261 §17.2.1: ACK -> Confirmed; Timer I = T4 (unreliable) or 0 (reliable).
                    _timerG?.Cancel();
                    _timerH?.Cancel();
                    _timerG = _timerH = null;
                    SetState(SipTransactionState.Confirmed);
                    if (IsReliable || Timers.T4 <= TimeSpan.Zero)
                    {
                        SetState(SipTransactionState.Terminated);
                    }
                    else
                    {
                        _timerIOrL = Schedule(Timers.T4, s_timerIOrL);
                    }
                    return false;
                case SipTransactionState.Accepted:
                    return true;
                default:
                    // Confirmed: ACK retransmissions are absorbed.
                    SipTransactionLog.Absorbed(Layer.Logger, Branch, Method, State);
                    return false;
            }
        }
    }

    private void CancelTrying()
    {
        _tryingTimer?.Cancel();
        _tryingTimer = null;
    }

    private protected override void CancelTimers()
    {
        CancelTrying();
        _timerG?.Cancel();
        _timerH?.Cancel();
        _timerIOrL?.Cancel();
        _timerG = _timerH = _timerIOrL = null;
    }
}

/// <summary>The non-INVITE server transaction (RFC 3261 §17.2.2).</summary>
internal sealed class SipNonInviteServerTransaction : SipServerTransaction
{
    private static readonly Action<object?> s_timerJ = static s => ((SipNonInviteServerTransaction)s!).OnTimerJ();

    private SipTimerHandle? _timerJ;

    public SipNonInviteServerTransaction(SipTransactionLayer layer, SipInboundMessage inbound, SipRequest request, SipTransactionKey key)
        : base(layer, inbound, request, key, SipTransactionState.Trying)
    {
    }

    public override SipTransactionKind Kind => SipTransactionKind.NonInviteServer;

    internal override void Start()
    {
        // RFC 3261 §17.2.2: Trying; no timers until the final response.
    }

    private protected override bool Accept(SipResponse response)
    {
        switch (State)
        {
            case SipTransactionState.Trying:
            case SipTransactionState.Proceeding:
                Last = response;
                if (response.IsProvisional)
                {
                    SetState(SipTransactionState.Proceeding);
                }
                else
                {
                    // RFC 3261 §17.2.2: final -> Completed; Timer J = 64*T1 (unreliable) or 0 (reliable).
                    SetState(SipTransactionState.Completed);
                    if (IsReliable)
                    {
                        SetState(SipTransactionState.Terminated);
                    }
                    else
                    {
                        _timerJ = Schedule(Timers.Timeout64T1, s_timerJ);
                    }
                }
                return true;
            case SipTransactionState.Terminated:
                return false;
            default:
                throw NotAllowed(response, State);
        }
    }

    private void OnTimerJ()
    {
        lock (SyncRoot)
        {
            if (State == SipTransactionState.Completed)
            {
                SetState(SipTransactionState.Terminated);
            }
        }
    }

    internal override void OnRetransmission(SipInboundMessage inbound)
    {
        SipResponse? resend = null;
        lock (SyncRoot)
        {
            // RFC 3261 §17.2.2: Trying discards retransmissions; Proceeding and Completed resend the last response.
            if (State is SipTransactionState.Proceeding or SipTransactionState.Completed)
            {
                resend = Last;
            }
        }
        SipTransactionLog.Absorbed(Layer.Logger, Branch, Method, State);
        if (resend is not null)
        {
            Resend(resend);
        }
    }

    private protected override void CancelTimers()
    {
        _timerJ?.Cancel();
        _timerJ = null;
    }
}
