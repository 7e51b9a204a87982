using System.Net;
using Microsoft.Extensions.Logging;

namespace RcsCore.Transport;

/// <summary>Log messages of the transport (event IDs 1000-1099).</summary>
internal static partial class TransportLog
{
    [LoggerMessage(1000, LogLevel.Debug, "Connection {ConnectionId} to {Remote} aborted: {Reason}")]
    public static partial void ConnectionAborted(ILogger logger, long connectionId, EndPoint remote, string reason);

    [LoggerMessage(1001, LogLevel.Debug, "Connection {ConnectionId} to {Remote} stopped receiving ({Reason})")]
    public static partial void ReceiveFailed(ILogger logger, long connectionId, EndPoint remote, TransportShutdownReason reason, Exception exception);

    [LoggerMessage(1002, LogLevel.Debug, "Connection {ConnectionId} to {Remote} stopped sending ({Reason})")]
    public static partial void SendFailed(ILogger logger, long connectionId, EndPoint remote, TransportShutdownReason reason, Exception exception);

    [LoggerMessage(1003, LogLevel.Debug, "Accept on {Local} failed")]
    public static partial void AcceptFailed(ILogger logger, EndPoint local, Exception exception);

    [LoggerMessage(1004, LogLevel.Debug, "TLS handshake on {Local} failed")]
    public static partial void HandshakeFailed(ILogger logger, EndPoint local, Exception exception);

    [LoggerMessage(1005, LogLevel.Warning, "UDP receive on {Local} failed")]
    public static partial void UdpReceiveFailed(ILogger logger, EndPoint local, Exception exception);
}
