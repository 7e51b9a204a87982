using Microsoft.Extensions.Logging;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>User agent core and dialog log messages; event IDs 1800–1899 (RFC 3261 §8, §12–§15).</summary>
internal static partial class SipUserAgentLog
{
    [LoggerMessage(EventId = 1800, Level = LogLevel.Debug, Message = "Dialog {Id} created as {Role} in state {State}")]
    public static partial void DialogCreated(ILogger logger, SipDialogId id, SipDialogRole role, SipDialogState state);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Debug, Message = "Dialog {Id} confirmed")]
    public static partial void DialogConfirmed(ILogger logger, SipDialogId id);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Debug, Message = "Dialog {Id} terminated: {Reason}")]
    public static partial void DialogTerminated(ILogger logger, SipDialogId id, SipDialogTerminationReason reason);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Debug, Message = "Rejected {Method} from {Remote} with {Status}: {Detail}")]
    public static partial void RequestRejected(ILogger logger, string method, SipEndPoint remote, int status, string detail);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Error, Message = "The {Method} handler failed")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 1805, Level = LogLevel.Warning, Message = "A {Status} response to {Method} was not sent: the request is already answered")]
    public static partial void ResponseIgnored(ILogger logger, int status, string method);

    [LoggerMessage(EventId = 1806, Level = LogLevel.Debug, Message = "Dialog {Id}: retransmitting the 2xx, no ACK yet")]
    public static partial void Retransmitting2xx(ILogger logger, SipDialogId id);

    [LoggerMessage(EventId = 1807, Level = LogLevel.Warning, Message = "Dialog {Id}: no ACK for the 2xx within 64*T1, ending the session")]
    public static partial void AckTimeout(ILogger logger, SipDialogId id);

    [LoggerMessage(EventId = 1808, Level = LogLevel.Debug, Message = "Ignored {What} from {Remote}: {Reason}")]
    public static partial void Ignored(ILogger logger, string what, SipEndPoint remote, string reason);

    [LoggerMessage(EventId = 1809, Level = LogLevel.Information, Message = "Dialog {Id}: a 2xx from another fork, ACKing and releasing it with BYE")]
    public static partial void ForkReleased(ILogger logger, SipDialogId id);

    [LoggerMessage(EventId = 1810, Level = LogLevel.Warning, Message = "Could not send {Method} to {Destination}")]
    public static partial void SendFailed(ILogger logger, string method, SipEndPoint destination, Exception exception);

    [LoggerMessage(EventId = 1811, Level = LogLevel.Error, Message = "A DialogTerminated event handler failed")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1812, Level = LogLevel.Debug, Message = "CANCEL for INVITE {Branch}: answering 487")]
    public static partial void Cancelled(ILogger logger, string branch);

    [LoggerMessage(EventId = 1813, Level = LogLevel.Debug, Message = "Dialog {Id}: ACK received")]
    public static partial void AckReceived(ILogger logger, SipDialogId id);

    [LoggerMessage(EventId = 1814, Level = LogLevel.Debug, Message = "Resending the ACK for a retransmitted 2xx in dialog {Id}")]
    public static partial void AckResent(ILogger logger, SipDialogId id);

    [LoggerMessage(EventId = 1815, Level = LogLevel.Warning, Message = "Could not create a dialog from a {Status} to {Method}: {Reason}")]
    public static partial void DialogNotCreated(ILogger logger, int status, string method, string reason);

    [LoggerMessage(EventId = 1816, Level = LogLevel.Debug, Message = "{Event} subscription terminated: reason {Reason}, status {Status}, by the notifier: {ByNotifier}")]
    public static partial void SubscriptionTerminated(ILogger logger, string @event, string? reason, int status, bool byNotifier);
}
