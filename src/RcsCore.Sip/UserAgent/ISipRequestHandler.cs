using RcsCore.Sip.Messages;

namespace RcsCore.Sip.UserAgent;

/// <summary>
/// Handles requests of one method for a <see cref="SipUserAgent"/> (register it with
/// <see cref="SipUserAgent.Handle(string, ISipRequestHandler)"/>).
/// </summary>
public interface ISipRequestHandler
{
    /// <summary>
    /// Handles a request. Return the final response to send, or null when the handler answers (now or later)
    /// through <paramref name="request"/> (<see cref="SipIncomingRequest.AcceptAsync"/>,
    /// <see cref="SipIncomingRequest.RejectAsync"/>, <see cref="SipIncomingRequest.SendResponseAsync"/>): every
    /// request must eventually get a final response. <paramref name="ct"/> is cancelled when the request is
    /// cancelled (CANCEL, or a BYE for its early dialog) or the user agent stops. If the handler throws, a 500 is sent.
    /// A handler that completes asynchronously runs on after the user agent has returned to the transport.
    /// </summary>
    ValueTask<SipResponse?> HandleAsync(SipIncomingRequest request, CancellationToken ct);
}
