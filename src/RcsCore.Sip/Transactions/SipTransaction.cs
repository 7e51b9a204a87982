using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Transactions;

/// <summary>The four transaction state machines of RFC 3261 §17.</summary>
public enum SipTransactionKind : byte
{
    /// <summary>INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4).</summary>
    InviteClient = 0,
    /// <summary>Non-INVITE client transaction (RFC 3261 §17.1.2).</summary>
    NonInviteClient = 1,
    /// <summary>INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §8.7).</summary>
    InviteServer = 2,
    /// <summary>Non-INVITE server transaction (RFC 3261 §17.2.2).</summary>
    NonInviteServer = 3,
}

/// <summary>
/// Transaction states (RFC 3261 §17 figures 5–8, RFC 6026 §7). Each machine uses a subset: INVITE client
/// Calling/Proceeding/Completed/Accepted/Terminated; non-INVITE client Trying/Proceeding/Completed/Terminated;
/// INVITE server Proceeding/Completed/Confirmed/Accepted/Terminated; non-INVITE server
/// Trying/Proceeding/Completed/Terminated.
/// </summary>
public enum SipTransactionState : byte
{
    /// <summary>INVITE client: request sent, no response yet.</summary>
    Calling = 0,
    /// <summary>Non-INVITE: request sent (client) or received (server), no response yet.</summary>
    Trying = 1,
    /// <summary>A provisional response was received (client) or the request is being processed (server).</summary>
    Proceeding = 2,
    /// <summary>A final (for INVITE: non-2xx) response was received or sent; absorbing retransmissions.</summary>
    Completed = 3,
    /// <summary>INVITE server: the ACK for a non-2xx response arrived (Timer I running).</summary>
    Confirmed = 4,
    /// <summary>INVITE: a 2xx was received or sent (RFC 6026 §7; Timer M or L running).</summary>
    Accepted = 5,
    /// <summary>Finished; removed from the transaction table.</summary>
    Terminated = 6,
}

/// <summary>Why a transaction ended without completing normally.</summary>
public enum SipTransactionFailure : byte
{
    /// <summary>No failure.</summary>
    None = 0,
    /// <summary>Timer B, F or H fired (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1).</summary>
    Timeout = 1,
    /// <summary>The transport could not send (RFC 3261 §17.1.4, §17.2.4).</summary>
    TransportError = 2,
}

/// <summary>
/// A SIP transaction (RFC 3261 §17): a request and its responses, with the retransmission and absorption rules of
/// its state machine. Created and owned by a <see cref="SipTransactionLayer"/>.
/// </summary>
public abstract class SipTransaction
{
    private volatile SipTransactionState _state;

    private protected SipTransaction(SipTransactionLayer layer, SipRequest request, SipTransactionKey key, bool reliable, SipTransactionState initial)
    {
        Layer = layer;
        Request = request;
        Key = key;
        IsReliable = reliable;
        _state = initial;
        Branch = request.TopVia?.Branch ?? string.Empty;
    }

    /// <summary>The request that created the transaction.</summary>
    public SipRequest Request { get; }

    /// <summary>The method of <see cref="Request"/>.</summary>
    public string Method => Request.Method;

    /// <summary>The branch of the request's top Via (empty for an RFC 2543 request without one).</summary>
    public string Branch { get; }

    /// <summary>Which state machine this is.</summary>
    public abstract SipTransactionKind Kind { get; }

    /// <summary>The current state (a snapshot; it may change concurrently).</summary>
    public SipTransactionState State => _state;

    /// <summary>True when the transport is reliable (TCP, TLS): no retransmissions, zero wait timers (§17.1.1.2).</summary>
    public bool IsReliable { get; }

    /// <summary>Why the transaction failed, or <see cref="SipTransactionFailure.None"/>.</summary>
    public SipTransactionFailure Failure { get; private protected set; }

    internal SipTransactionKey Key { get; }

    internal SipTransactionLayer Layer { get; }

    /// <summary>Guards the state and timers. Never held while awaiting or while calling the TU.</summary>
    private protected Lock SyncRoot { get; } = new();

    private protected SipTimerOptions Timers => Layer.Options;

    /// <summary>Changes state; on Terminated cancels the timers and leaves the table. Call under <see cref="SyncRoot"/>.</summary>
    private protected void SetState(SipTransactionState state)
    {
        var old = _state;
        if (old == state)
        {
            return;
        }
        _state = state;
        SipTransactionLog.StateChanged(Layer.Logger, Branch, Method, old, state);
        if (state == SipTransactionState.Terminated)
        {
            CancelTimers();
            Layer.Remove(this);
        }
    }

    /// <summary>Cancels every pending timer of the machine. Called under <see cref="SyncRoot"/>.</summary>
    private protected abstract void CancelTimers();

    /// <summary>Schedules a timer on the layer's wheel with this transaction as the callback state.</summary>
    private protected SipTimerHandle Schedule(TimeSpan delay, Action<object?> callback) => Layer.Wheel.Schedule(delay, callback, this);

    /// <summary>Sends without waiting (retransmissions, ACK, 100 Trying); failures come back to <see cref="OnTransportError"/>.</summary>
    private protected void SendInBackground(SipMessage message, SipEndPoint destination, long connectionId) =>
        Layer.SendInBackground(this, message, destination, connectionId);

    /// <summary>
    /// The transport could not send (RFC 3261 §17.1.4, §17.2.4): terminate and inform the TU, once.
    /// </summary>
    internal void OnTransportError(SipTransportException error, SipEndPoint destination)
    {
        SipTransactionLog.TransportError(Layer.Logger, Branch, Method, destination, error);
        lock (SyncRoot)
        {
            // Report every transport failure once, including one for the last message of a transaction that
            // terminated as it sent it (Timer D/I/J/K = 0 on reliable transports).
            if (Failure != SipTransactionFailure.None)
            {
                return;
            }
            Failure = SipTransactionFailure.TransportError;
            SetState(SipTransactionState.Terminated);
        }
        OnFailed(SipTransactionFailure.TransportError, error);
    }

    /// <summary>Reports a failure after the transaction has terminated (outside the lock).</summary>
    private protected virtual void OnFailed(SipTransactionFailure failure, SipTransportException? error) =>
        Layer.NotifyFailed(this, failure, error);

    /// <inheritdoc />
    public override string ToString() => $"{Kind} {Branch} {Method} {State}";
}
