using Microsoft.Extensions.Logging;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Transactions;

/// <summary>Transaction layer log messages; event IDs 1700–1799 (RFC 3261 §17).</summary>
internal static partial class SipTransactionLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Debug, Message = "Created {Kind} transaction {Branch} {Method}")]
    public static partial void Created(ILogger logger, SipTransactionKind kind, string branch, string method);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Debug, Message = "Transaction {Branch} {Method}: {From} -> {To}")]
    public static partial void StateChanged(ILogger logger, string branch, string method, SipTransactionState from, SipTransactionState to);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Debug, Message = "Transaction {Branch} {Method}: timer {Timer} fired, retransmitting")]
    public static partial void Retransmitting(ILogger logger, string branch, string method, char timer);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Information, Message = "Transaction {Branch} {Method}: timer {Timer} fired, timed out")]
    public static partial void TimedOut(ILogger logger, string branch, string method, char timer);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Warning, Message = "Transaction {Branch} {Method}: transport error sending to {Destination}")]
    public static partial void TransportError(ILogger logger, string branch, string method, SipEndPoint destination, Exception exception);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Debug, Message = "Transaction {Branch} {Method}: absorbed a retransmission in {State}")]
    public static partial void Absorbed(ILogger logger, string branch, string method, SipTransactionState state);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Debug, Message = "Response {Status} for {Method} from {Remote} matches no client transaction")]
    public static partial void StrayResponse(ILogger logger, int status, string? method, SipEndPoint remote);

    [LoggerMessage(EventId = 1707, Level = LogLevel.Warning, Message = "Dropped a message from {Remote}: {Reason}")]
    public static partial void Dropped(ILogger logger, SipEndPoint remote, string reason);

    [LoggerMessage(EventId = 1708, Level = LogLevel.Error, Message = "The transaction user failed in {Callback}")]
    public static partial void UserCallbackFailed(ILogger logger, string callback, Exception exception);

    [LoggerMessage(EventId = 1709, Level = LogLevel.Error, Message = "A transaction timer callback failed")]
    public static partial void TimerCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Trace, Message = "Sending to {Destination}:\n{Message}")]
    public static partial void Sending(ILogger logger, SipEndPoint destination, Messages.SipMessage message);
}
