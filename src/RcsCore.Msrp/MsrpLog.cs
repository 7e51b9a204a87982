using Microsoft.Extensions.Logging;

namespace RcsCore.Msrp;

/// <summary>MSRP session layer log messages; event IDs 2100–2199 (RFC 4975).</summary>
internal static partial class MsrpLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "MSRP connection {Connection} opened")]
    public static partial void ConnectionOpened(ILogger logger, string connection);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "MSRP connection {Connection} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string connection, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "MSRP connection {Connection}: invalid data ({Error}); closing")]
    public static partial void InvalidData(ILogger logger, string connection, string error);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Debug, Message = "MSRP connection {Connection}: {Method} {Tid} rejected with {Status}")]
    public static partial void Rejected(ILogger logger, string connection, string method, string tid, int status);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "MSRP connection {Connection}: response {Status} for unknown transaction {Tid} ignored")]
    public static partial void StrayResponse(ILogger logger, string connection, int status, string tid);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "MSRP transaction {Tid} timed out")]
    public static partial void TransactionTimedOut(ILogger logger, string tid);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Debug, Message = "MSRP session {Session} bound to connection {Connection}")]
    public static partial void SessionBound(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri session, string connection);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Debug, Message = "MSRP message {MessageId} in session {Session}: {Outcome}")]
    public static partial void MessageEnded(ILogger logger, string messageId, RcsCore.Parsing.Msrp.MsrpUri session, MsrpReceiveOutcome outcome);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "MSRP connection {Connection}: the receive loop failed")]
    public static partial void ReceiveFailed(ILogger logger, string connection, Exception exception);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Warning, Message = "MSRP connection {Connection}: the send loop failed")]
    public static partial void SendFailed(ILogger logger, string connection, Exception exception);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Debug, Message = "MSRP relay {Relay}: AUTH {Status}, Use-Path {UsePath}, expires {Expires}s")]
    public static partial void Authenticated(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri relay, int status, string? usePath, long expires);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "MSRP relay {Relay}: re-AUTH failed")]
    public static partial void ReauthFailed(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri relay, Exception exception);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Trace, Message = "MSRP connection {Connection} received request {Tid} {Method}")]
    public static partial void ReceivedRequest(ILogger logger, string connection, string tid, string method);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Trace, Message = "MSRP connection {Connection} received response {Tid} {Status}")]
    public static partial void ReceivedResponse(ILogger logger, string connection, string tid, int status);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Warning, Message = "MSRP session {Session}: the TLS certificate on connection {Connection} does not match the peer's a=fingerprint; refused with 403")]
    public static partial void FingerprintMismatch(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri session, string connection);
}
