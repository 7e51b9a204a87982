using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Proxy;

/// <summary>One place a proxied request is sent to (RFC 3261 §16.5): a target URI, optionally a known next hop.</summary>
/// <param name="Uri">The new Request-URI (e.g. a registered contact).</param>
/// <param name="Q">Preference (RFC 3261 §16.6 / RFC 3841): higher first; equal values fork in parallel.</param>
/// <param name="Path">Route values to preload before the target (RFC 3327 §5: the Path recorded at registration), outermost first.</param>
/// <param name="Destination">A fixed next hop (e.g. the flow a registration came on, RFC 5626); resolved from Route/Request-URI when null.</param>
/// <param name="ConnectionId">The connection to reuse for a stream destination, or 0.</param>
public sealed record SipProxyTarget(SipUri Uri, double Q = 1.0, IReadOnlyList<string>? Path = null, SipEndPoint? Destination = null, long ConnectionId = 0);

/// <summary>What the router decided for a request addressed to a domain this proxy is responsible for.</summary>
public sealed class SipProxyDecision
{
    private SipProxyDecision(IReadOnlyList<SipProxyTarget> targets, int rejectStatus, string? rejectReason, bool sequential)
    {
        Targets = targets;
        RejectStatus = rejectStatus;
        RejectReason = rejectReason;
        Sequential = sequential;
    }

    /// <summary>The targets (empty when rejected).</summary>
    public IReadOnlyList<SipProxyTarget> Targets { get; }

    /// <summary>The status to answer with when there is no target (0 when forwarding).</summary>
    public int RejectStatus { get; }

    /// <summary>Optional reason phrase for the rejection.</summary>
    public string? RejectReason { get; }

    /// <summary>True to try targets one after another in q order (RFC 3261 §16.6, sequential search); false to fork in parallel per q group.</summary>
    public bool Sequential { get; }

    /// <summary>Forward to these targets.</summary>
    public static SipProxyDecision Forward(IReadOnlyList<SipProxyTarget> targets, bool sequential = false)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return targets.Count == 0 ? Reject(480) : new SipProxyDecision(targets, 0, null, sequential);
    }

    /// <summary>Answer the request with a status (404 unknown user, 480 not reachable, 403 refused by policy...).</summary>
    public static SipProxyDecision Reject(int status, string? reason = null) => new([], status, reason, false);
}

/// <summary>
/// Sees the final response of a proxied request before it goes upstream (a message centre answers 202 and stores a
/// MESSAGE nobody took, RFC 3428 §7). Called once per request, for the first final response: a 2xx, the best
/// non-2xx after every branch ended (RFC 3261 §16.7), or the router's rejection.
/// </summary>
/// <param name="response">The response the proxy would send upstream (its own top Via already removed).</param>
/// <param name="branchStatus">
/// The status behind it: the best branch's status before the §16.7 step 6 conversion of 503 to 500, 408 when no
/// branch answered, or the router's rejection status.
/// </param>
/// <param name="ct">Cancellation.</param>
/// <returns>The response to send instead (or <paramref name="response"/> itself); null when the caller has answered the request.</returns>
public delegate ValueTask<SipResponse?> SipProxyFinalResponseFilter(SipResponse response, int branchStatus, CancellationToken ct);

/// <summary>Chooses targets for requests to the proxy's own domains (the location service, RFC 3261 §16.5, §10.3).</summary>
public interface ISipProxyRouter
{
    /// <summary>Decides where a request for one of our domains goes; called once per new request.</summary>
    ValueTask<SipProxyDecision> RouteAsync(SipRequest request, CancellationToken ct = default);
}

/// <summary>Proxy behaviour.</summary>
public sealed class SipProxyOptions
{
    /// <summary>Domains (hosts) this proxy is responsible for: requests whose Request-URI host is one of them go to the router (§16.5).</summary>
    public ISet<string> Domains { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Insert Record-Route so in-dialog requests traverse this proxy (§16.6 step 4). On by default.</summary>
    public bool RecordRoute { get; init; } = true;

    /// <summary>Max-Forwards to insert when a request has none (§16.6 step 3).</summary>
    public int DefaultMaxForwards { get; init; } = 70;

    /// <summary>
    /// The local endpoint used for a transport: its address goes into Via sent-by and Record-Route. The host wires it
    /// to <see cref="SipTransportLayer.GetLocalEndPoint"/>.
    /// </summary>
    public required Func<SipTransportProtocol, SipEndPoint?> LocalEndPoint { get; init; }
}
