namespace RcsCore.Sip.Transport;

/// <summary>Which address records a resolver asks for, and in which order it returns them.</summary>
public enum SipAddressFamilyPreference : byte
{
    /// <summary>AAAA then A: IPv6 addresses first, then IPv4.</summary>
    IPv6First = 0,
    /// <summary>A then AAAA: IPv4 addresses first, then IPv6.</summary>
    IPv4First = 1,
    /// <summary>A only.</summary>
    IPv4Only = 2,
    /// <summary>AAAA only.</summary>
    IPv6Only = 3,
}

/// <summary>Settings of <see cref="DnsSipTargetResolver"/>.</summary>
public sealed class DnsSipTargetResolverOptions
{
    /// <summary>Which of AAAA and A to look up for each host, and which come first (IPv6 first by default).</summary>
    public SipAddressFamilyPreference AddressFamilyPreference { get; init; } = SipAddressFamilyPreference.IPv6First;

    /// <summary>
    /// The longest time an answer is cached, whatever its TTL says. An answer is cached for the smallest TTL of its
    /// records, capped by this; zero turns caching off.
    /// </summary>
    public TimeSpan MaxCacheTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The longest time a negative answer (NXDOMAIN or no records of the type) is cached. Its TTL comes from the SOA
    /// record in the authority section (RFC 2308 §5); negative answers without one are not cached.
    /// </summary>
    public TimeSpan MaxNegativeCacheTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most answers (one per name and record type) held in the cache; beyond it the soonest to expire is dropped.</summary>
    public int MaxCacheEntries { get; init; } = 1024;

    /// <summary>
    /// The source of the RFC 2782 weighted selection among SRV records of one priority; <see cref="System.Random.Shared"/>
    /// when null. Pass a seeded instance for repeatable orders (calls to it are serialized).
    /// </summary>
    public Random? Random { get; init; }

    /// <summary>The clock for cache expiry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (!Enum.IsDefined(AddressFamilyPreference))
        {
            throw new ArgumentOutOfRangeException(nameof(AddressFamilyPreference), AddressFamilyPreference, "Unknown address family preference.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCacheTtl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNegativeCacheTtl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCacheEntries, 0);
    }
}
