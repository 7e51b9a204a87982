using Microsoft.Extensions.Logging;

namespace RcsCore.Msrp.Relay;

/// <summary>MSRP relay log messages; event IDs 2200–2299 (RFC 4976).</summary>
internal static partial class MsrpRelayLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "MSRP relay listening as {Uri}")]
    public static partial void Started(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri uri);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Debug, Message = "MSRP relay connection {Connection} opened")]
    public static partial void ConnectionOpened(ILogger logger, string connection);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Debug, Message = "MSRP relay connection {Connection} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string connection, string reason);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "MSRP relay connection {Connection}: invalid data ({Error}); closing")]
    public static partial void InvalidData(ILogger logger, string connection, string error);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Debug, Message = "MSRP relay: AUTH from {From} challenged ({Detail})")]
    public static partial void AuthChallenged(ILogger logger, string? from, string detail);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Information, Message = "MSRP relay: AUTH of {User} from {From} refused with {Status} ({Detail})")]
    public static partial void AuthRefused(ILogger logger, string? user, string? from, int status, string detail);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Information, Message = "MSRP relay: {User} authenticated, Use-Path {UsePath} for {Expires}s")]
    public static partial void BindingCreated(ILogger logger, string user, string usePath, long expires);

    [LoggerMessage(EventId = 2207, Level = LogLevel.Debug, Message = "MSRP relay: {User} refreshed Use-Path {UsePath} for {Expires}s")]
    public static partial void BindingRefreshed(ILogger logger, string user, string usePath, long expires);

    [LoggerMessage(EventId = 2208, Level = LogLevel.Debug, Message = "MSRP relay: Use-Path session {SessionId} removed: {Reason}")]
    public static partial void BindingRemoved(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 2209, Level = LogLevel.Debug, Message = "MSRP relay connection {Connection}: {Method} {Tid} rejected with {Status} ({Reason})")]
    public static partial void Rejected(ILogger logger, string connection, string method, string tid, int status, string reason);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Trace, Message = "MSRP relay: {Method} {Tid} forwarded as {NewTid} to {Target}")]
    public static partial void Forwarding(ILogger logger, string method, string tid, string newTid, string target);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Information, Message = "MSRP relay: forwarding {Method} {Tid} to {Target} failed: {Reason}")]
    public static partial void ForwardFailed(ILogger logger, string method, string tid, string target, string reason);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Debug, Message = "MSRP relay connection {Connection}: response {Status} for unknown transaction {Tid} ignored")]
    public static partial void StrayResponse(ILogger logger, string connection, int status, string tid);

    [LoggerMessage(EventId = 2213, Level = LogLevel.Information, Message = "MSRP relay: forwarded transaction {Tid} got no response ({Reason})")]
    public static partial void TransactionFailed(ILogger logger, string tid, string reason);

    [LoggerMessage(EventId = 2214, Level = LogLevel.Debug, Message = "MSRP relay: failure REPORT {Status} for message {MessageId} sent towards {ToPath}")]
    public static partial void FailureReportSent(ILogger logger, int status, string? messageId, string toPath);

    [LoggerMessage(EventId = 2215, Level = LogLevel.Warning, Message = "MSRP relay connection {Connection}: the receive loop failed")]
    public static partial void ReceiveFailed(ILogger logger, string connection, Exception exception);

    [LoggerMessage(EventId = 2216, Level = LogLevel.Warning, Message = "MSRP relay connection {Connection}: {Count} responses queued and not read; closing")]
    public static partial void ControlOverflow(ILogger logger, string connection, int count);

    [LoggerMessage(EventId = 2217, Level = LogLevel.Information, Message = "MSRP relay: cannot connect to {Target}")]
    public static partial void ConnectFailed(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri target, Exception exception);

    [LoggerMessage(EventId = 2218, Level = LogLevel.Debug, Message = "MSRP relay: chunk {Tid} to {Target} interrupted after {Bytes} bytes ({Reason})")]
    public static partial void ChunkInterrupted(ILogger logger, string tid, string target, long bytes, string reason);
}
