using System.Net;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

/// <summary>The SIP transports (RFC 3261 §18).</summary>
public enum SipTransportProtocol : byte
{
    /// <summary>UDP datagrams.</summary>
    Udp = 0,
    /// <summary>TCP stream.</summary>
    Tcp = 1,
    /// <summary>TLS over TCP.</summary>
    Tls = 2,
}

/// <summary>A transport plus an IP endpoint: where a message came from or goes to.</summary>
/// <param name="Protocol">The transport.</param>
/// <param name="Address">The IP address and port.</param>
public readonly record struct SipEndPoint(SipTransportProtocol Protocol, IPEndPoint Address)
{
    /// <summary>True for TCP and TLS.</summary>
    public bool IsStream => Protocol != SipTransportProtocol.Udp;

    /// <summary>The Via transport token (UDP, TCP, TLS).</summary>
    public string ViaTransport => Protocol switch
    {
        SipTransportProtocol.Tcp => "TCP",
        SipTransportProtocol.Tls => "TLS",
        _ => "UDP",
    };

    /// <inheritdoc />
    public override string ToString() => $"{ViaTransport.ToLowerInvariant()}:{Address}";
}

/// <summary>A message that arrived from the network, with its addressing.</summary>
public sealed class SipInboundMessage
{
    /// <summary>Creates an inbound message.</summary>
    public SipInboundMessage(SipMessage message, SipEndPoint remote, SipEndPoint local, long connectionId)
    {
        Message = message;
        Remote = remote;
        Local = local;
        ConnectionId = connectionId;
    }

    /// <summary>The parsed message.</summary>
    public SipMessage Message { get; }

    /// <summary>Where it came from (source IP and port: RFC 3261 §18.2.1 received/rport).</summary>
    public SipEndPoint Remote { get; }

    /// <summary>The local listener or connection end it arrived on.</summary>
    public SipEndPoint Local { get; }

    /// <summary>For stream transports the connection it arrived on (responses go back on it, RFC 3261 §18.2.2); 0 for UDP.</summary>
    public long ConnectionId { get; }
}

/// <summary>Sends messages; implemented by the transport layer, used by transactions and the stateless core.</summary>
public interface ISipMessageSender
{
    /// <summary>
    /// Sends a message to a destination. For stream transports an existing connection to the destination (or the
    /// one identified by <paramref name="connectionId"/>, RFC 3261 §18.2.2 / RFC 5923) is reused, otherwise one is
    /// opened. Throws <see cref="SipTransportException"/> when the message cannot be sent (the transaction layer
    /// reports it to the TU as a transport error, RFC 3261 §17.1.4).
    /// </summary>
    ValueTask SendAsync(SipMessage message, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default);
}

/// <summary>Receives what the transport layer reads (the transaction layer implements it).</summary>
public interface ISipInboundHandler
{
    /// <summary>Called for every valid message. Must not block; it may queue work.</summary>
    ValueTask OnMessageAsync(SipInboundMessage message, CancellationToken ct = default);
}

/// <summary>A message could not be sent (connection refused, reset, ICMP error, closed).</summary>
public sealed class SipTransportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SipTransportException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SipTransportException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public SipTransportException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Sees the wire bytes of every SIP message the transport layer receives or sends (for captures and traces):
/// datagrams as received/sent, stream messages as framed and as written (CRLF keep-alive answers included).
/// Called inline on the I/O path: implementations must be quick, thread-safe and must not throw.
/// </summary>
public interface ISipTransportObserver
{
    /// <summary>Bytes that arrived at <paramref name="local"/> from <paramref name="remote"/>.</summary>
    void OnReceived(SipEndPoint local, SipEndPoint remote, ReadOnlySpan<byte> data);

    /// <summary>Bytes sent from <paramref name="local"/> to <paramref name="remote"/>.</summary>
    void OnSent(SipEndPoint local, SipEndPoint remote, ReadOnlySpan<byte> data);
}
