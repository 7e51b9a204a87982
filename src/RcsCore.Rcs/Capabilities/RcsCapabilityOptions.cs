using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Rcs.Capabilities;

/// <summary>
/// Configuration of an <see cref="RcsCapabilityClient"/>: the terminal's own capabilities and the cache timing of
/// GSMA RCC.07 capability discovery (configuration parameters CAPABILITY INFO EXPIRY, NON RCS CAPABILITY INFO EXPIRY,
/// SERVICE AVAILABILITY INFO EXPIRY and POLLING PERIOD, RCC.07 Annex A / RCC.71 capability discovery).
/// </summary>
public sealed class RcsCapabilityOptions
{
    /// <summary>What this terminal supports: sent in the Contact of every OPTIONS and of every 200 OK to one.</summary>
    public required RcsCapabilities Own { get; init; }

    /// <summary>Where OPTIONS requests go: the P-CSCF / outbound proxy / message centre.</summary>
    public required SipEndPoint NextHop { get; init; }

    /// <summary>Route values to preload (the Service-Route learnt at registration, RFC 3608), outermost first.</summary>
    public IReadOnlyList<string> Route { get; init; } = [];

    /// <summary>The Contact URI; null to build <c>sip:user@host:port</c> from the user agent's sent-by for <see cref="NextHop"/>.</summary>
    public SipUri? ContactUri { get; init; }

    /// <summary>How long the capabilities of an RCS peer stay valid (CAPABILITY INFO EXPIRY). Default 30 days.</summary>
    public TimeSpan CapabilityInfoExpiry { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long a peer found not to be an RCS user (404, 604) stays so (NON RCS CAPABILITY INFO EXPIRY). Default 30 days.</summary>
    public TimeSpan NonRcsCapabilityInfoExpiry { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long an "offline" outcome (480, 408) is trusted before asking again (SERVICE AVAILABILITY INFO EXPIRY). Default 60 s.</summary>
    public TimeSpan ServiceAvailabilityInfoExpiry { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Period of the background refresh of cached peers (POLLING PERIOD): entries older than this are queried again
    /// by <see cref="RcsCapabilityClient.PollAsync"/>. Zero (the default) disables polling.
    /// </summary>
    public TimeSpan PollingPeriod { get; init; } = TimeSpan.Zero;

    /// <summary>Most peers kept in the cache; the oldest entries are dropped beyond it. Default 10 000.</summary>
    public int MaxCacheEntries { get; init; } = 10_000;

    /// <summary>Also send the own tags as an <c>Accept-Contact</c> (RFC 3841 §9.2, a preference without <c>require</c>). Default true.</summary>
    public bool SendAcceptContact { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is missing or out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Own);
        ArgumentNullException.ThrowIfNull(Route);
        if (CapabilityInfoExpiry <= TimeSpan.Zero || NonRcsCapabilityInfoExpiry <= TimeSpan.Zero || ServiceAvailabilityInfoExpiry <= TimeSpan.Zero)
        {
            throw new ArgumentException("Expiry periods must be positive.", nameof(CapabilityInfoExpiry));
        }
        if (PollingPeriod < TimeSpan.Zero)
        {
            throw new ArgumentException("PollingPeriod must not be negative (zero disables polling).", nameof(PollingPeriod));
        }
        if (MaxCacheEntries < 1)
        {
            throw new ArgumentException("MaxCacheEntries must be at least 1.", nameof(MaxCacheEntries));
        }
    }
}

/// <summary>What capability discovery found out about a peer (GSMA RCC.07 §2.6.1.1).</summary>
public enum RcsCapabilityStatus : byte
{
    /// <summary>A 200 OK with RCS feature tags: the peer is an RCS user with these capabilities.</summary>
    Rcs = 0,
    /// <summary>404 / 604, or a 200 OK without any tag: the peer is not an RCS user.</summary>
    NotRcs = 1,
    /// <summary>480 / 408: the peer is (or may be) an RCS user but is not reachable now; the last known capabilities are kept.</summary>
    Offline = 2,
    /// <summary>Any other failure (403, 5xx...): nothing is learnt and nothing is cached.</summary>
    Failed = 3,
}

/// <summary>The outcome of a capability query or cache look-up.</summary>
public sealed class RcsCapabilityResult
{
    /// <summary>Creates a result.</summary>
    public RcsCapabilityResult(string peer, RcsCapabilityStatus status, RcsCapabilities capabilities, int statusCode, DateTimeOffset retrievedAt, DateTimeOffset validUntil, bool fromCache)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        ArgumentNullException.ThrowIfNull(capabilities);
        Peer = peer;
        Status = status;
        Capabilities = capabilities;
        StatusCode = statusCode;
        RetrievedAt = retrievedAt;
        ValidUntil = validUntil;
        FromCache = fromCache;
    }

    /// <summary>The peer's address of record (canonical form, the cache key).</summary>
    public string Peer { get; }

    /// <summary>What was found out.</summary>
    public RcsCapabilityStatus Status { get; }

    /// <summary>The peer's capabilities (the last known ones for <see cref="RcsCapabilityStatus.Offline"/>; none when not RCS).</summary>
    public RcsCapabilities Capabilities { get; }

    /// <summary>The SIP status of the OPTIONS exchange (0 when learnt from the peer's own OPTIONS).</summary>
    public int StatusCode { get; }

    /// <summary>When the information was obtained.</summary>
    public DateTimeOffset RetrievedAt { get; }

    /// <summary>Until when it is used without asking again.</summary>
    public DateTimeOffset ValidUntil { get; }

    /// <summary>True when the answer came from the cache without a network exchange.</summary>
    public bool FromCache { get; }

    /// <summary>A copy marked as served from the cache.</summary>
    internal RcsCapabilityResult AsCached() => FromCache ? this : new(Peer, Status, Capabilities, StatusCode, RetrievedAt, ValidUntil, fromCache: true);

    /// <inheritdoc />
    public override string ToString() => $"{Peer}: {Status} ({StatusCode}) {Capabilities}";
}
