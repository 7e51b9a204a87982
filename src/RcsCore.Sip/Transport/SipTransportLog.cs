using Microsoft.Extensions.Logging;

namespace RcsCore.Sip.Transport;

/// <summary>Log messages of the SIP transport layer (event IDs 2000-2099).</summary>
internal static partial class SipTransportLog
{
    [LoggerMessage(2000, LogLevel.Debug, "Malformed SIP on connection {ConnectionId} from {Remote}: {Error} (first line: {FirstLine}); answered: {Answered}; closing")]
    public static partial void MalformedStream(ILogger logger, long connectionId, SipEndPoint remote, string error, string firstLine, bool answered);

    [LoggerMessage(2001, LogLevel.Debug, "Malformed SIP datagram from {Remote}: {Error} (first line: {FirstLine}); answered: {Answered}")]
    public static partial void MalformedDatagram(ILogger logger, SipEndPoint remote, string error, string firstLine, bool answered);

    [LoggerMessage(2002, LogLevel.Information, "Refused connection from {Remote}: {Count} connections open (MaxConnections)")]
    public static partial void ConnectionRefused(ILogger logger, SipEndPoint remote, int count);

    [LoggerMessage(2003, LogLevel.Error, "Inbound handler failed for a message from {Remote}")]
    public static partial void HandlerFailed(ILogger logger, SipEndPoint remote, Exception exception);

    [LoggerMessage(2004, LogLevel.Debug, "Connection {ConnectionId} to {Remote} opened ({Direction})")]
    public static partial void ConnectionOpened(ILogger logger, long connectionId, SipEndPoint remote, string direction);

    [LoggerMessage(2005, LogLevel.Debug, "Connection {ConnectionId} to {Remote} closed: {Reason} {AbortReason}")]
    public static partial void ConnectionClosed(ILogger logger, long connectionId, SipEndPoint remote, RcsCore.Transport.TransportShutdownReason reason, string? abortReason);

    [LoggerMessage(2006, LogLevel.Debug, "Large request to {Destination} could not go over TCP ({Error}); sending it over UDP")]
    public static partial void LargeRequestFallback(ILogger logger, SipEndPoint destination, string error);

    [LoggerMessage(2007, LogLevel.Warning, "No inbound handler: dropped a message from {Remote}")]
    public static partial void NoHandler(ILogger logger, SipEndPoint remote);

    [LoggerMessage(2008, LogLevel.Debug, "Could not answer {Remote}: {Error}")]
    public static partial void AnswerFailed(ILogger logger, SipEndPoint remote, string error);

    [LoggerMessage(2011, LogLevel.Error, "Processing a datagram from {Remote} failed")]
    public static partial void DatagramFailed(ILogger logger, SipEndPoint remote, Exception exception);

    [LoggerMessage(2012, LogLevel.Error, "Processing connection {ConnectionId} to {Remote} failed; closing it")]
    public static partial void ConnectionFailed(ILogger logger, long connectionId, SipEndPoint remote, Exception exception);

    [LoggerMessage(2009, LogLevel.Trace, "Received from {Remote}:\n{Message}")]
    public static partial void Received(ILogger logger, SipEndPoint remote, string message);

    [LoggerMessage(2010, LogLevel.Trace, "Sending to {Destination}:\n{Message}")]
    public static partial void Sending(ILogger logger, SipEndPoint destination, string message);
}
