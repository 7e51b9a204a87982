using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Transactions;

/// <summary>
/// The transaction user (TU, RFC 3261 §17): the UA core, proxy core or dialog layer above the transaction layer.
/// The layer calls it for what no transaction absorbs. Calls may be concurrent; implementations should return
/// promptly (answer a request later through its transaction) because inbound processing awaits them.
/// </summary>
public interface ISipTransactionUser
{
    /// <summary>
    /// A new request (not ACK) created a server transaction. Answer with
    /// <see cref="SipServerTransaction.SendResponseAsync"/>. An INVITE left unanswered for 200 ms gets a 100 Trying
    /// from the layer (RFC 3261 §17.2.1). A CANCEL is a transaction of its own; find what it cancels with
    /// <see cref="SipServerTransaction.FindCancelTarget"/> (§9.2). If this throws, the layer answers 500.
    /// </summary>
    ValueTask OnRequestAsync(SipServerTransaction transaction, CancellationToken ct);

    /// <summary>
    /// An ACK that no server transaction absorbed: the ACK for a 2xx (RFC 3261 §17.2.3: it has its own branch, so
    /// <paramref name="transaction"/> is null) or an ACK that matched an INVITE server transaction in the Accepted
    /// state (RFC 6026 §8.7, then <paramref name="transaction"/> is that transaction).
    /// </summary>
    ValueTask OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct);

    /// <summary>
    /// A response that no client transaction consumed. <paramref name="transaction"/> is null when nothing matched
    /// (RFC 3261 §17.1.3: a proxy forwards it statelessly, §16.7; a UA may resend the ACK for a late 2xx
    /// retransmission). It is the INVITE client transaction in the Accepted state for a retransmitted 2xx or a 2xx
    /// from another fork (RFC 6026 §8.4): the TU sends (or resends) the ACK for it.
    /// </summary>
    ValueTask OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct);

    /// <summary>
    /// A transaction failed: a timeout (Timer B, F or H) or a transport error (RFC 3261 §17.1.4, §17.2.4), after which
    /// it is terminated. For client transactions <see cref="SipClientTransaction.FinalResponse"/> has already
    /// completed with a synthesized 408 or 503 when no final response had arrived. Called once per transaction, on a
    /// timer or I/O thread: do not block.
    /// </summary>
    void OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception);
}
