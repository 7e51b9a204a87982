using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Transport;

/// <summary>Settings of <see cref="SipTransportLayer"/>.</summary>
public sealed class SipTransportOptions
{
    /// <summary>Where to listen: one entry per transport and address (port 0 picks a free port).</summary>
    public IList<SipEndPoint> ListenEndPoints { get; init; } = [];

    /// <summary>The server certificate (with private key) for TLS listeners.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>Require a client certificate on accepted TLS connections (mutual TLS).</summary>
    public bool TlsClientCertificateRequired { get; init; }

    /// <summary>Client certificates offered when opening TLS connections, or null.</summary>
    public X509CertificateCollection? TlsClientCertificates { get; init; }

    /// <summary>
    /// Validates the peer certificate: the server's when this layer opens a TLS connection, the client's when it
    /// accepts one with <see cref="TlsClientCertificateRequired"/>. Null uses the platform's validation.
    /// </summary>
    public RemoteCertificateValidationCallback? TlsRemoteCertificateValidation { get; init; }

    /// <summary>The name the server certificate must match on outgoing TLS connections; null uses the address.</summary>
    public string? TlsTargetHost { get; init; }

    /// <summary>Parser limits for every message received.</summary>
    public SipLimits Limits { get; init; } = SipLimits.Default;

    /// <summary>Optional observer of every message received and sent (for example a pcapng recorder); null for none.</summary>
    public ISipTransportObserver? Observer { get; init; }

    /// <summary>
    /// Stream connections with no traffic (messages or CRLF keep-alives) for this long are closed. Two minutes
    /// by default: RFC 5626 §4.4.1 clients ping every 95-120 s, RFC 5923 §11 lets either side close idle connections.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Most stream connections open at once (accepted plus opened); beyond it accepts are refused.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// Received-but-unparsed bytes per connection before reading pauses. Raised to at least
    /// <see cref="SipLimits.MaxMessageSize"/> plus 4 KiB so one whole message always fits.
    /// </summary>
    public long MaxConnectionReceiveBuffer { get; init; } = 256 * 1024;

    /// <summary>Queued-but-unsent bytes per connection before <see cref="SipTransportLayer.SendAsync"/> waits.</summary>
    public long MaxConnectionSendBuffer { get; init; } = 256 * 1024;

    /// <summary>SO_SNDBUF for stream sockets, or null for the OS default.</summary>
    public int? SocketSendBufferSize { get; init; }

    /// <summary>SO_RCVBUF for stream sockets (listeners pass it to accepted sockets), or null for the OS default.</summary>
    public int? SocketReceiveBufferSize { get; init; }

    /// <summary>How long opening a connection (TLS handshake included) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one send may wait for room in a connection's send buffer. When it expires the peer is not reading:
    /// the connection is aborted and the send fails with <see cref="SipTransportException"/>.
    /// </summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an accepted TLS handshake may take.</summary>
    public TimeSpan TlsHandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// RFC 3261 §18.1.1: a request larger than <see cref="LargeRequestThreshold"/> bound for UDP goes over TCP
    /// instead (the top Via transport is rewritten). Responses are never switched.
    /// </summary>
    public bool UseTcpForLargeRequests { get; init; } = true;

    /// <summary>The size above which a UDP request is sent over TCP: path MTU minus 200 (1300 for an unknown MTU).</summary>
    public int LargeRequestThreshold { get; init; } = 1300;

    /// <summary>
    /// RFC 3261 §18.2.1 / RFC 3581 §4: on every request received, add <c>received</c> to the top Via when the
    /// sent-by host is not the source address (always when <c>rport</c> is present) and fill in <c>rport</c>, so
    /// responses built with <c>SipResponseBuilder.For</c> carry them.
    /// </summary>
    public bool StampReceived { get; init; } = true;

    /// <summary>
    /// RFC 5923: when a request received on a connection has <c>;alias</c> in its top Via and a numeric sent-by equal
    /// to the source address, requests to that sent-by address and port reuse the connection.
    /// </summary>
    public bool AcceptAliases { get; init; } = true;

    /// <summary>Time source for timeouts and idle tracking.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoints);
        ArgumentNullException.ThrowIfNull(Limits);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionSendBuffer, 2);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SendTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TlsHandshakeTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(LargeRequestThreshold, 1);
        foreach (var ep in ListenEndPoints)
        {
            if (ep.Address is null)
            {
                throw new ArgumentException("A listen endpoint has no address.", nameof(ListenEndPoints));
            }
            if (ep.Protocol == SipTransportProtocol.Tls && TlsCertificate is null)
            {
                throw new ArgumentException("A TLS listen endpoint needs TlsCertificate.", nameof(TlsCertificate));
            }
        }
    }
}
