using Microsoft.Extensions.Logging;
using RcsCore.Rcs.Imdn;
using RcsCore.Sip.Dialogs;

namespace RcsCore.Rcs;

public sealed partial class RcsClient
{
    /// <summary>Log events of the RCS client: 5400–5439.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 5400, Level = LogLevel.Information, Message = "{Identity} registered from {EndPoint}")]
        public static partial void Registered(ILogger logger, string identity, Sip.Transport.SipEndPoint? endPoint);

        [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "{Identity} deregistered")]
        public static partial void Unregistered(ILogger logger, string identity);

        [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "{Identity}: stopping did not finish cleanly")]
        public static partial void StopFailed(ILogger logger, string identity, Exception exception);

        [LoggerMessage(EventId = 5403, Level = LogLevel.Warning, Message = "{Identity}: background work failed")]
        public static partial void BackgroundFailed(ILogger logger, string identity, Exception exception);

        [LoggerMessage(EventId = 5404, Level = LogLevel.Warning, Message = "{Identity}: an event handler threw")]
        public static partial void HandlerFailed(ILogger logger, string identity, Exception exception);

        [LoggerMessage(EventId = 5405, Level = LogLevel.Debug, Message = "{Identity}: chat with {Peer} is {State}")]
        public static partial void ChatState(ILogger logger, string identity, string peer, RcsChatState state);

        [LoggerMessage(EventId = 5406, Level = LogLevel.Debug, Message = "{Identity}: chat INVITE to {Peer}, Call-ID {CallId}")]
        public static partial void Inviting(ILogger logger, string identity, string peer, string callId);

        [LoggerMessage(EventId = 5407, Level = LogLevel.Debug, Message = "{Identity}: chat INVITE from {Peer}, Call-ID {CallId} (open chat: {OpenChat})")]
        public static partial void Invited(ILogger logger, string identity, string peer, string callId, bool openChat);

        [LoggerMessage(EventId = 5408, Level = LogLevel.Information, Message = "{Identity}: chat session with {Peer} up, Call-ID {CallId} (we invited: {Outgoing})")]
        public static partial void SessionUp(ILogger logger, string identity, string peer, string callId, bool outgoing);

        [LoggerMessage(EventId = 5409, Level = LogLevel.Information, Message = "{Identity}: chat session with {Peer} ({CallId}) expired on inactivity")]
        public static partial void SessionExpired(ILogger logger, string identity, string peer, string callId);

        [LoggerMessage(EventId = 5410, Level = LogLevel.Information, Message = "{Identity}: chat session with {Peer} ended: {Reason}")]
        public static partial void SessionEndedByPeer(ILogger logger, string identity, string peer, SipDialogTerminationReason reason);

        [LoggerMessage(EventId = 5411, Level = LogLevel.Information, Message = "{Identity}: refused the INVITE of {Peer}: our INVITE wins the session race")]
        public static partial void RaceRefused(ILogger logger, string identity, string peer);

        [LoggerMessage(EventId = 5412, Level = LogLevel.Warning, Message = "{Identity}: chat session with {Peer} broken (status {Status})")]
        public static partial void SessionBroken(ILogger logger, string identity, string peer, int status);

        [LoggerMessage(EventId = 5413, Level = LogLevel.Debug, Message = "{Identity}: MSRP receive from {Peer} stopped")]
        public static partial void ReceiveStopped(ILogger logger, string identity, string peer, Exception exception);

        [LoggerMessage(EventId = 5414, Level = LogLevel.Debug, Message = "{Identity}: {Mode} message {MessageId} from {Peer}")]
        public static partial void MessageReceived(ILogger logger, string identity, string peer, RcsMessageMode mode, string messageId);

        [LoggerMessage(EventId = 5415, Level = LogLevel.Debug, Message = "{Identity}: {Status} notification from {Peer} for {MessageId}")]
        public static partial void NotificationReceived(ILogger logger, string identity, string peer, ImdnStatus status, string messageId);

        [LoggerMessage(EventId = 5416, Level = LogLevel.Warning, Message = "{Identity}: unreadable CPIM/IMDN from {Peer}: {Error}")]
        public static partial void BadCpim(ILogger logger, string identity, string peer, string error);

        [LoggerMessage(EventId = 5417, Level = LogLevel.Warning, Message = "{Identity}: notification to {Peer} failed")]
        public static partial void NotificationFailed(ILogger logger, string identity, string peer, Exception exception);

        [LoggerMessage(EventId = 5418, Level = LogLevel.Debug, Message = "{Identity}: pager-mode message to {Peer}, {Bytes} bytes: {Status}")]
        public static partial void PagerSent(ILogger logger, string identity, string peer, int bytes, int status);

        [LoggerMessage(EventId = 5419, Level = LogLevel.Debug, Message = "{Identity}: large message to {Peer}, {Bytes} bytes")]
        public static partial void LargeSent(ILogger logger, string identity, string peer, int bytes);

        [LoggerMessage(EventId = 5420, Level = LogLevel.Warning, Message = "{Identity}: large message from {Peer} not received")]
        public static partial void LargeReceiveFailed(ILogger logger, string identity, string peer, Exception exception);
    }
}
