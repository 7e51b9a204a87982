using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;

namespace RcsCore.Hosting;

/// <summary>
/// The message centre's answer to OPTIONS capability queries for its users (GSMA RCC.07 §2.6.1.1, RFC 3840 §6): for
/// a registered user, a 200 OK whose Contact carries the union of the feature tags of the user's registered
/// contacts (those the caller preferences keep, RFC 3841 §7.2) — or nothing, so the proxy forwards to the devices,
/// when <see cref="SipServerOptions.ForwardOptionsToDevices"/> is set; for a known subscriber without registration
/// 480, and for an unknown user of a served domain 404, both without tags, so the client falls back (non-RCS /
/// offline).
/// </summary>
internal sealed class SipCapabilityResponder
{
    private readonly SipLocationRouter _router;
    private readonly StaticLocationRouter _static;
    private readonly ISubscriberStore? _subscribers;
    private readonly SipServerOptions _options;

    public SipCapabilityResponder(SipLocationRouter router, StaticLocationRouter staticRoutes, ISubscriberStore? subscribers, SipServerOptions options)
    {
        _router = router;
        _static = staticRoutes;
        _subscribers = subscribers;
        _options = options;
    }

    /// <summary>
    /// The response to an OPTIONS for <c>user@</c> one of the server's domains, or null when the request is not for
    /// this responder (checks failed, in a dialog, forwarded to devices, a static route, or an unknown user at the
    /// server's own address, which the server answers about itself).
    /// </summary>
    public async ValueTask<SipResponseBuilder?> TryAnswerAsync(SipRequest request, CancellationToken ct)
    {
        var uri = request.RequestUri;
        if (request.Method != "OPTIONS" || uri.User is null || request.To?.Tag is not null || SipRequestChecks.Check(request) is not null)
        {
            return null;
        }
        var bindings = await _router.FindBindingsAsync(uri, ct).ConfigureAwait(false);
        if (bindings.Count > 0)
        {
            if (_options.ForwardOptionsToDevices)
            {
                return null; // the proxy forks to the contacts the caller preferences choose
            }
            // RFC 3841 §7.2: the contacts the request's caller preferences keep answer for the user.
            var kept = SipCallerPreferences.FromRequest(request).Apply(bindings, SipLocationRouter.Features, static b => b.Q);
            if (kept.Count == 0)
            {
                return SipResponseBuilder.For(request, 480, "Temporarily Unavailable");
            }
            var features = SipFeatureSet.Union(kept.Select(SipLocationRouter.Features));
            var ok = SipResponseBuilder.For(request, 200);
            // RFC 3840 §6 / GSMA RCC.07 §2.6.1.1: the 200 OK Contact carries the feature tags; the same tags as an
            // Accept-Contact value for clients that read them there.
            ok.AddHeader(SipHeaderName.Contact, "<" + bindings[0].AddressOfRecord + ">" + features);
            if (!features.IsEmpty)
            {
                ok.AddHeader(SipHeaderName.AcceptContact, "*" + features);
            }
            ok.AddHeader(SipHeaderName.Allow, string.Join(", ", SipServer.AllowedMethods));
            ok.AddHeader(SipHeaderName.Accept, "application/sdp, message/cpim, text/plain, application/im-iscomposing+xml");
            return ok;
        }
        if (_static.Contains(uri.User))
        {
            return null; // a statically routed user: the proxy forwards
        }
        if (uri.Scheme is SipUriScheme.Sip or SipUriScheme.Sips && _subscribers is not null
            && await _subscribers.FindByImpuAsync(uri.ToAddressOfRecord(), ct).ConfigureAwait(false) is not null)
        {
            // GSMA RCC.07 §2.6.1.1: an RCS user who is not registered: temporarily unavailable, no tags.
            return SipResponseBuilder.For(request, 480, "Temporarily Unavailable");
        }
        if (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
        {
            return null; // user@server-address: the server answers about itself (RFC 3261 §11.2)
        }
        // RFC 3261 §21.4.5 / GSMA RCC.07 §2.6.1.1: no such user: 404, the client treats the peer as non-RCS.
        return SipResponseBuilder.For(request, 404);
    }
}
