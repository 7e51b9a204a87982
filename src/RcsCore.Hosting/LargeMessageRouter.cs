using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;

namespace RcsCore.Hosting;

/// <summary>
/// The proxy's router: the location service's decision, except that a large-message INVITE for a user with no contact
/// goes to the message centre's depot (<see cref="Rcs.MessageCentre.MessageCentre.RouteLargeMessage"/>).
/// </summary>
internal sealed class LargeMessageRouter(ISipProxyRouter inner, Func<Rcs.MessageCentre.MessageCentre?> centre) : ISipProxyRouter
{
    public async ValueTask<SipProxyDecision> RouteAsync(SipRequest request, CancellationToken ct = default)
    {
        var decision = await inner.RouteAsync(request, ct).ConfigureAwait(false);
        return centre() is { } c ? c.RouteLargeMessage(request, decision) : decision;
    }
}
