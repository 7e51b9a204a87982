using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Ims.Registration;

/// <summary>
/// How a component of this layer sends requests of its own (the NOTIFYs of the reg event package) through the host's
/// transaction layer: the host knows its listeners (for Via and Contact) and owns the client transactions.
/// </summary>
public interface ISipRequestSender
{
    /// <summary>A Via for a request to <paramref name="destination"/>: this host's sent-by, a new RFC 3261 branch (§8.1.1.7), rport.</summary>
    SipViaHeader CreateVia(SipEndPoint destination);

    /// <summary>This host's Contact URI for messages exchanged with <paramref name="destination"/> (RFC 3261 §8.1.1.8).</summary>
    SipUri LocalContact(SipEndPoint destination);

    /// <summary>
    /// Sends a request in a new client transaction and returns its final response (a synthesized 408 on timeout, 503
    /// on a transport error, RFC 3261 §8.1.3.1). <paramref name="connectionId"/> names the flow to reuse, or 0.
    /// </summary>
    Task<SipResponse> SendAsync(SipRequest request, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default);
}
