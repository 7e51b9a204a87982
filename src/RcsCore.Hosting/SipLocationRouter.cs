using RcsCore.Ims.Registration;
using System.Runtime.CompilerServices;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;

namespace RcsCore.Hosting;

/// <summary>
/// The proxy's router (RFC 3261 §16.5): the registered bindings of the Request-URI's AoR first (a public GRUU only
/// its instance, RFC 5627 §5.1), filtered and ordered by the request's caller preferences (RFC 3841 §7.2: q, then
/// Qa), with their Path preloaded (RFC 3327 §5) and, for outbound bindings, the flow they registered on (RFC 5626
/// §5.3); then the static table; otherwise 404 (RFC 3261 §16.5 / §21.4.5) or 480 when the user is known but has no
/// binding, or when caller preferences eliminated every binding.
/// </summary>
public sealed class SipLocationRouter : ISipProxyRouter
{
    private readonly SipRegistrar _registrar;
    private readonly StaticLocationRouter _static;
    private readonly IEnumerable<string> _domains;
    private readonly ISubscriberStore? _subscribers;

    // Parsed contact predicates per (interned) feature parameter text: bindings of the same device type share one.
    private static readonly ConditionalWeakTable<string, SipFeatureSet> s_features = new();

    /// <summary>Creates the router.</summary>
    /// <param name="registrar">The registrar whose location service is looked up.</param>
    /// <param name="fallback">Static routes used when the AoR has no binding.</param>
    /// <param name="domains">The domains the server serves: a request to one of the server's addresses is looked up in each.</param>
    /// <param name="subscribers">Known users (480 instead of 404 for a known user who is not registered); null for none.</param>
    public SipLocationRouter(SipRegistrar registrar, StaticLocationRouter fallback, IEnumerable<string> domains, ISubscriberStore? subscribers = null)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(domains);
        _registrar = registrar;
        _static = fallback;
        _domains = domains;
        _subscribers = subscribers;
    }

    /// <summary>The registered bindings a request for <paramref name="uri"/> goes to (empty when none).</summary>
    public async ValueTask<IReadOnlyList<SipBinding>> FindBindingsAsync(SipUri uri, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var bindings = await _registrar.LookupAsync(uri, ct).ConfigureAwait(false);
        if (bindings.Count > 0 || uri.User is null || !IsAddress(uri))
        {
            return bindings;
        }
        // A request to the server's address (sip:bob@127.0.0.1:5060) means the user in one of its domains.
        foreach (var domain in _domains)
        {
            var alias = SipUri.Create(uri.User, domain, secure: uri.Scheme == Parsing.Sip.SipUriScheme.Sips);
            bindings = await _registrar.LookupAsync(uri.GetParameter("gr") is { } gr ? SipUri.Parse(alias.Text + ";gr=" + gr) : alias, ct).ConfigureAwait(false);
            if (bindings.Count > 0)
            {
                return bindings;
            }
        }
        return bindings;
    }

    /// <inheritdoc />
    public async ValueTask<SipProxyDecision> RouteAsync(SipRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var bindings = await FindBindingsAsync(request.RequestUri, ct).ConfigureAwait(false);
        if (bindings.Count > 0)
        {
            // RFC 3841 §7.2: caller preferences (explicit, else the implicit ones of the method) choose and order the contacts.
            bindings = SipCallerPreferences.FromRequest(request).Apply(bindings, Features, static b => b.Q);
            if (bindings.Count == 0)
            {
                return SipProxyDecision.Reject(480, SipCallerPreferences.NoMatchingContactReason);
            }
            var targets = new SipProxyTarget[bindings.Count];
            for (int i = 0; i < targets.Length; i++)
            {
                var b = bindings[i];
                // RFC 5626 §5.3: an outbound binding without an edge proxy is reached on its flow.
                bool onFlow = b.IsOutbound && b.Path.Count == 0 && b.Source is not null;
                targets[i] = new SipProxyTarget(b.ParseContact(), b.Q, b.Path.Count == 0 ? null : b.Path, onFlow ? b.Source : null, onFlow ? b.ConnectionId : 0);
            }
            return SipProxyDecision.Forward(targets);
        }
        var decision = await _static.RouteAsync(request, ct).ConfigureAwait(false);
        if (decision.RejectStatus == 404 && _subscribers is not null && request.RequestUri.Scheme is Parsing.Sip.SipUriScheme.Sip or Parsing.Sip.SipUriScheme.Sips
            && await _subscribers.FindByImpuAsync(request.RequestUri.ToAddressOfRecord(), ct).ConfigureAwait(false) is not null)
        {
            // RFC 3261 §21.4.18: the user exists but is not registered now.
            return SipProxyDecision.Reject(480, "Temporarily Unavailable");
        }
        return decision;
    }

    /// <summary>True when the user has a registered binding or a static route.</summary>
    public async ValueTask<bool> ContainsAsync(SipUri uri, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return _static.Contains(uri.User) || (await FindBindingsAsync(uri, ct).ConfigureAwait(false)).Count > 0;
    }

    /// <summary>The contact predicate of a binding: its feature parameters (RFC 3841 §7.2.3), parsed once per distinct text.</summary>
    public static SipFeatureSet Features(SipBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        return binding.FeatureParameters.Length == 0
            ? SipFeatureSet.Empty
            : s_features.GetValue(binding.FeatureParameters, static text => SipFeatureSet.Parse(text));
    }

    private static bool IsAddress(SipUri uri) => System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out _);
}
