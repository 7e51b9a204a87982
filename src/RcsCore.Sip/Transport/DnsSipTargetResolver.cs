using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

/// <summary>
/// RFC 3263 §4 with DNS: NAPTR picks the transport, SRV the hosts and ports, A/AAAA the addresses. The result is the
/// ordered list of endpoints to try (RFC 3263 §4.3): every usable NAPTR service in order and preference, each SRV
/// target in RFC 2782 order, and for each target its addresses in <see cref="DnsSipTargetResolverOptions.AddressFamilyPreference"/>
/// order. Answers are cached per name and type for their TTL. DNS failures never throw: the list is empty and the
/// failure is logged, so the transaction layer answers 503 (RFC 3261 §8.1.3.1).
/// </summary>
public sealed class DnsSipTargetResolver : ISipTargetResolver
{
    private readonly ILookupClient _dns;
    private readonly DnsSipTargetResolverOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _randomLock = new();
    private readonly Lock _cacheLock = new();
    private readonly Dictionary<(string Name, QueryType Type), CacheEntry> _cache = [];

    /// <summary>Creates a resolver that asks <paramref name="lookupClient"/>.</summary>
    /// <param name="lookupClient">The DNS client (its name servers, timeout and retries).</param>
    /// <param name="options">Address family preference, cache limits, random source and clock; defaults when null.</param>
    /// <param name="logger">Receives failures and, at Debug/Trace, each answer; nothing when null.</param>
    public DnsSipTargetResolver(ILookupClient lookupClient, DnsSipTargetResolverOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(lookupClient);
        options ??= new DnsSipTargetResolverOptions();
        options.Validate();
        _dns = lookupClient;
        _options = options;
        _time = options.TimeProvider;
        _random = options.Random ?? Random.Shared;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The number of answers in the cache, expired ones included until they are replaced or evicted.</summary>
    public int CacheCount
    {
        get
        {
            lock (_cacheLock)
            {
                return _cache.Count;
            }
        }
    }

    /// <summary>Drops every cached answer.</summary>
    public void ClearCache()
    {
        lock (_cacheLock)
        {
            _cache.Clear();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Numeric targets complete synchronously without DNS. Throws <see cref="OperationCanceledException"/> only when
    /// <paramref name="ct"/> is cancelled; DNS errors and timeouts give an empty list.
    /// </remarks>
    public ValueTask<IReadOnlyList<SipEndPoint>> ResolveAsync(SipUri uri, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ct.ThrowIfCancellationRequested();
        if (!SipTargetSelection.TryRead(uri, out bool secure, out var transport, out string target))
        {
            return ValueTask.FromResult<IReadOnlyList<SipEndPoint>>([]);
        }
        if (SipResponseRouting.ParseNumericHost(target) is { } ip)
        {
            // RFC 3263 §4.1: a numeric TARGET needs no NAPTR: UDP for sip, TCP (TLS) for sips. §4.2: no SRV either.
            var protocol = transport ?? SipTargetSelection.DefaultTransport(secure);
            int port = uri.Port > 0 ? uri.Port : SipResponseRouting.DefaultPort(protocol);
            return ValueTask.FromResult<IReadOnlyList<SipEndPoint>>([new SipEndPoint(protocol, new IPEndPoint(ip, port))]);
        }
        if (target[0] == '[')
        {
            // A bracketed reference that is not an IPv6 address is no name either.
            return ValueTask.FromResult<IReadOnlyList<SipEndPoint>>([]);
        }
        return new ValueTask<IReadOnlyList<SipEndPoint>>(ResolveNameAsync(uri, ToFqdn(target), secure, transport, uri.Port, ct));
    }

    private async Task<IReadOnlyList<SipEndPoint>> ResolveNameAsync(SipUri uri, string host, bool secure, SipTransportProtocol? transport, int port, CancellationToken ct)
    {
        var result = new Results();
        try
        {
            if (port > 0)
            {
                // RFC 3263 §4.1: a name with an explicit port needs no NAPTR: UDP for sip, TCP (TLS) for sips.
                // RFC 3263 §4.2: an explicit port means A/AAAA only, at that port.
                await AddAddressesAsync(result, host, transport ?? SipTargetSelection.DefaultTransport(secure), port, ct).ConfigureAwait(false);
            }
            else if (transport is { } known)
            {
                // RFC 3263 §4.2: the transport is known but not the port: SRV for that transport.
                bool anySrv = await AddServiceAsync(result, ServiceName(known) + host, known, ct).ConfigureAwait(false);
                if (!anySrv)
                {
                    // RFC 3263 §4.2: no SRV records: A/AAAA at the transport's default port.
                    await AddAddressesAsync(result, host, known, SipResponseRouting.DefaultPort(known), ct).ConfigureAwait(false);
                }
            }
            else
            {
                // RFC 3263 §4.1: no transport, no port, a name: NAPTR for the domain.
                var naptr = await QueryAsync(host, QueryType.NAPTR, ct).ConfigureAwait(false);
                if (naptr.Code == DnsResponseCode.NotExistentDomain)
                {
                    // RFC 8020 §2: nothing exists under a name that does not exist: no SRV or A/AAAA to find.
                    DnsSipTargetResolverLog.NotResolved(_logger, uri.Text, "NXDOMAIN");
                    return [];
                }
                bool anySrv = false;
                var services = SelectNaptr(naptr.Records, secure);
                foreach (var (name, protocol) in services)
                {
                    // RFC 3263 §4.1: the replacement of an "s" NAPTR is the SRV name for that transport. When it has
                    // no SRV records the next NAPTR is tried; every usable one is kept, in order, for failover (§4.3).
                    anySrv |= await AddServiceAsync(result, name, protocol, ct).ConfigureAwait(false);
                }
                if (services.Count == 0)
                {
                    // RFC 3263 §4.1: no NAPTR records: an SRV query for each transport the client supports, TLS first;
                    // a SIPS URI uses "_sips" only. A SIP URI also tries "_sips._tcp", as it keeps SIPS+D2T NAPTRs.
                    anySrv |= await AddServiceAsync(result, "_sips._tcp." + host, SipTransportProtocol.Tls, ct).ConfigureAwait(false);
                    if (!secure)
                    {
                        anySrv |= await AddServiceAsync(result, "_sip._tcp." + host, SipTransportProtocol.Tcp, ct).ConfigureAwait(false);
                        anySrv |= await AddServiceAsync(result, "_sip._udp." + host, SipTransportProtocol.Udp, ct).ConfigureAwait(false);
                    }
                }
                if (!anySrv)
                {
                    // RFC 3263 §4.2: no SRV records: A/AAAA of the domain with UDP (sip) or TLS (sips) at the default port.
                    var protocol = SipTargetSelection.DefaultTransport(secure);
                    await AddAddressesAsync(result, host, protocol, SipResponseRouting.DefaultPort(protocol), ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ct.IsCancellationRequested)
        {
            // DnsClient reports a cancelled query as DnsResponseException; the caller's cancellation is not a DNS failure.
            throw new OperationCanceledException("Resolving " + uri.Text + " was cancelled.", ex, ct);
        }
        catch (Exception ex)
        {
            // Timeouts and unreachable servers end the resolution: the next query would wait as long. The caller
            // reports 503 (RFC 3261 §8.1.3.1).
            DnsSipTargetResolverLog.Failed(_logger, uri.Text, ex);
            return [];
        }
        if (result.List.Count == 0)
        {
            DnsSipTargetResolverLog.NotResolved(_logger, uri.Text, "no usable records");
            return [];
        }
        DnsSipTargetResolverLog.Resolved(_logger, uri.Text, result.List.Count, result.List[0]);
        return result.List;
    }

    /// <summary>RFC 3263 §4.2: the SRV service and protocol labels for a transport.</summary>
    private static string ServiceName(SipTransportProtocol protocol) => protocol switch
    {
        SipTransportProtocol.Tls => "_sips._tcp.",
        SipTransportProtocol.Tcp => "_sip._tcp.",
        _ => "_sip._udp.",
    };

    /// <summary>RFC 3263 §4.1: the NAPTR records a client may follow, in order then preference (RFC 3403 §4.1).</summary>
    private static List<(string Name, SipTransportProtocol Protocol)> SelectNaptr(DnsResourceRecord[] records, bool secure)
    {
        var usable = new List<(NAPtrRecord Record, SipTransportProtocol Protocol, int Index)>();
        for (int i = 0; i < records.Length; i++)
        {
            if (records[i] is not NAPtrRecord naptr)
            {
                continue;
            }
            // RFC 3263 §4.1: the "s" flag: the replacement is an SRV name. Other flags are not for SIP.
            if (!string.Equals(naptr.Flags, "s", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            SipTransportProtocol? protocol = naptr.Services?.ToUpperInvariant() switch
            {
                "SIP+D2U" => SipTransportProtocol.Udp,
                "SIP+D2T" => SipTransportProtocol.Tcp,
                "SIPS+D2T" => SipTransportProtocol.Tls,
                // RFC 3263 §4.1: services for transports the client lacks (D2S, D2W...) are discarded.
                _ => null,
            };
            // RFC 3263 §4.1: a SIPS URI discards services that are not SIPS; a SIP URI keeps SIPS+D2T (TLS is supported).
            if (protocol is not { } p || (secure && p != SipTransportProtocol.Tls))
            {
                continue;
            }
            string? replacement = naptr.Replacement?.Value;
            if (string.IsNullOrEmpty(replacement) || replacement == ".")
            {
                continue;
            }
            usable.Add((naptr, p, i));
        }
        // RFC 3403 §4.1: lower Order first, then lower Preference; ties keep the answer's order.
        usable.Sort(static (a, b) =>
        {
            int c = a.Record.Order.CompareTo(b.Record.Order);
            if (c == 0)
            {
                c = a.Record.Preference.CompareTo(b.Record.Preference);
            }
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });
        var selected = new List<(string, SipTransportProtocol)>(usable.Count);
        foreach (var u in usable)
        {
            selected.Add((ToFqdn(u.Record.Replacement.Value), u.Protocol));
        }
        return selected;
    }

    /// <summary>
    /// Looks up the SRV records of <paramref name="name"/> and adds each target's addresses in RFC 2782 order.
    /// Returns whether SRV records exist (a lone "." target included: the service is decidedly not offered).
    /// </summary>
    private async ValueTask<bool> AddServiceAsync(Results result, string name, SipTransportProtocol protocol, CancellationToken ct)
    {
        var answer = await QueryAsync(name, QueryType.SRV, ct).ConfigureAwait(false);
        var srv = new List<SrvRecord>(answer.Records.Length);
        foreach (var r in answer.Records)
        {
            if (r is SrvRecord s)
            {
                srv.Add(s);
            }
        }
        if (srv.Count == 0)
        {
            return false;
        }
        // RFC 2782: a single record with target "." means the service is decidedly not available at this domain.
        if (srv.Count == 1 && IsRoot(srv[0].Target.Value))
        {
            return true;
        }
        foreach (var s in OrderSrv(srv))
        {
            if (IsRoot(s.Target.Value))
            {
                continue;
            }
            // RFC 3263 §4.2: each SRV target's A/AAAA records, at the SRV port.
            await AddAddressesAsync(result, ToFqdn(s.Target.Value), protocol, s.Port, ct).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// RFC 2782 "Usage rules": ascending priority; within one priority, weighted random selection, repeated until
    /// every record is placed.
    /// </summary>
    private List<SrvRecord> OrderSrv(List<SrvRecord> records)
    {
        // Stable by priority: List.Sort is not, so the original index breaks ties.
        var indexed = new List<(SrvRecord Record, int Index)>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            indexed.Add((records[i], i));
        }
        indexed.Sort(static (a, b) =>
        {
            int c = a.Record.Priority.CompareTo(b.Record.Priority);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        });
        var ordered = new List<SrvRecord>(records.Count);
        var pending = new List<SrvRecord>();
        int start = 0;
        while (start < indexed.Count)
        {
            int end = start;
            while (end < indexed.Count && indexed[end].Record.Priority == indexed[start].Record.Priority)
            {
                end++;
            }
            // RFC 2782: records of weight 0 go at the beginning of the list, the others in any order.
            pending.Clear();
            for (int i = start; i < end; i++)
            {
                if (indexed[i].Record.Weight == 0)
                {
                    pending.Add(indexed[i].Record);
                }
            }
            for (int i = start; i < end; i++)
            {
                if (indexed[i].Record.Weight != 0)
                {
                    pending.Add(indexed[i].Record);
                }
            }
            while (pending.Count > 0)
            {
                int sum = 0;
                foreach (var p in pending)
                {
                    sum += p.Weight;
                }
                // RFC 2782: a uniform random number between 0 and the sum (inclusive) picks the first record whose
                // running sum is greater than or equal to it.
                int pick = NextRandom(sum + 1);
                int running = 0;
                int chosen = pending.Count - 1;
                for (int i = 0; i < pending.Count; i++)
                {
                    running += pending[i].Weight;
                    if (running >= pick)
                    {
                        chosen = i;
                        break;
                    }
                }
                ordered.Add(pending[chosen]);
                pending.RemoveAt(chosen);
            }
            start = end;
        }
        return ordered;
    }

    private int NextRandom(int maxExclusive)
    {
        lock (_randomLock)
        {
            return _random.Next(maxExclusive);
        }
    }

    /// <summary>Adds the addresses of <paramref name="host"/> in the preferred family order.</summary>
    private async ValueTask AddAddressesAsync(Results result, string host, SipTransportProtocol protocol, int port, CancellationToken ct)
    {
        var (first, second) = _options.AddressFamilyPreference switch
        {
            SipAddressFamilyPreference.IPv4First => (QueryType.A, QueryType.AAAA),
            SipAddressFamilyPreference.IPv4Only => (QueryType.A, (QueryType?)null),
            SipAddressFamilyPreference.IPv6Only => (QueryType.AAAA, (QueryType?)null),
            _ => (QueryType.AAAA, QueryType.A),
        };
        if (second is not { } other)
        {
            AddAddresses(result, await QueryAsync(host, first, ct).ConfigureAwait(false), protocol, port);
            return;
        }
        // Both families are asked at once (WhenAll observes both failures); answers are added in preference order.
        var firstTask = QueryAsync(host, first, ct).AsTask();
        var secondTask = QueryAsync(host, other, ct).AsTask();
        await Task.WhenAll(firstTask, secondTask).ConfigureAwait(false);
        AddAddresses(result, await firstTask.ConfigureAwait(false), protocol, port);
        AddAddresses(result, await secondTask.ConfigureAwait(false), protocol, port);
    }

    private static void AddAddresses(Results result, DnsAnswer answer, SipTransportProtocol protocol, int port)
    {
        foreach (var r in answer.Records)
        {
            if (r is AddressRecord a)
            {
                result.Add(new SipEndPoint(protocol, new IPEndPoint(a.Address, port)));
            }
        }
    }

    /// <summary>One DNS question, answered from the cache when an unexpired answer is there.</summary>
    private async ValueTask<DnsAnswer> QueryAsync(string name, QueryType type, CancellationToken ct)
    {
        var key = (name, type);
        var now = _time.GetUtcNow();
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(key, out var cached))
            {
                if (cached.Expires > now)
                {
                    DnsSipTargetResolverLog.CacheHit(_logger, type, name, cached.Answer.Records.Length);
                    return cached.Answer;
                }
                _cache.Remove(key);
            }
        }

        IDnsQueryResponse? response = null;
        DnsResponseCode code;
        try
        {
            response = await _dns.QueryAsync(name, type, QueryClass.IN, ct).ConfigureAwait(false);
            code = (DnsResponseCode)response.Header.ResponseCode;
        }
        catch (DnsResponseException ex) when (ex.Code is not (DnsResponseCode.ConnectionTimeout or DnsResponseCode.Unassigned) && (int)ex.Code < 4096)
        {
            // With ThrowDnsErrors a DNS error code arrives as an exception; it is an answer all the same.
            code = ex.Code;
        }

        DnsAnswer answer;
        TimeSpan ttl;
        switch (code)
        {
            case DnsResponseCode.NoError:
                var records = new List<DnsResourceRecord>();
                int minTtl = int.MaxValue;
                foreach (var r in response!.Answers)
                {
                    // CNAMEs are followed by the server; only records of the asked type are kept.
                    if ((int)r.RecordType == (int)type)
                    {
                        records.Add(r);
                        minTtl = Math.Min(minTtl, r.TimeToLive);
                    }
                }
                if (records.Count > 0)
                {
                    answer = new DnsAnswer([.. records], code);
                    // Cache for the smallest TTL of the set, capped by the option.
                    ttl = Min(TimeSpan.FromSeconds(Math.Max(0, minTtl)), _options.MaxCacheTtl);
                }
                else
                {
                    // NODATA: the name exists without records of this type (RFC 2308 §2.2).
                    answer = new DnsAnswer([], code);
                    ttl = NegativeTtl(response);
                }
                break;
            case DnsResponseCode.NotExistentDomain:
                answer = new DnsAnswer([], code);
                ttl = NegativeTtl(response);
                break;
            default:
                // SERVFAIL, REFUSED, NOTIMP...: no records from this question; not cached (RFC 2308 §7.1 allows
                // 5 minutes, but a retry is cheaper than a stale failure).
                DnsSipTargetResolverLog.ErrorAnswer(_logger, type, name, code);
                return new DnsAnswer([], code);
        }
        DnsSipTargetResolverLog.Answer(_logger, type, name, code, answer.Records.Length, ttl);
        if (ttl > TimeSpan.Zero && _options.MaxCacheEntries > 0)
        {
            Store(key, new CacheEntry(answer, now + ttl));
        }
        return answer;
    }

    /// <summary>RFC 2308 §5: a negative answer lives for the smaller of the SOA's TTL and MINIMUM; without SOA, not at all.</summary>
    private TimeSpan NegativeTtl(IDnsQueryResponse? response)
    {
        if (response is null)
        {
            return TimeSpan.Zero;
        }
        foreach (var r in response.Authorities)
        {
            if (r is SoaRecord soa)
            {
                long seconds = Math.Min((long)Math.Max(0, soa.TimeToLive), soa.Minimum);
                return Min(TimeSpan.FromSeconds(seconds), _options.MaxNegativeCacheTtl);
            }
        }
        return TimeSpan.Zero;
    }

    private void Store((string, QueryType) key, CacheEntry entry)
    {
        lock (_cacheLock)
        {
            if (!_cache.ContainsKey(key) && _cache.Count >= _options.MaxCacheEntries)
            {
                // Full: drop what has expired; if nothing has, the entry that expires soonest.
                var now = _time.GetUtcNow();
                (string, QueryType)? soonest = null;
                var soonestExpiry = DateTimeOffset.MaxValue;
                foreach (var (k, v) in _cache)
                {
                    if (v.Expires <= now)
                    {
                        _cache.Remove(k);
                    }
                    else if (v.Expires < soonestExpiry)
                    {
                        soonestExpiry = v.Expires;
                        soonest = k;
                    }
                }
                if (_cache.Count >= _options.MaxCacheEntries && soonest is { } evict)
                {
                    _cache.Remove(evict);
                }
            }
            _cache[key] = entry;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static bool IsRoot(string? name) => string.IsNullOrEmpty(name) || name == ".";

    /// <summary>Lower case with a trailing dot, so no search suffix applies and cache keys match.</summary>
    private static string ToFqdn(string name)
    {
        string lower = name.ToLowerInvariant();
        return lower.EndsWith('.') ? lower : lower + ".";
    }

    private readonly record struct DnsAnswer(DnsResourceRecord[] Records, DnsResponseCode Code);

    private sealed record CacheEntry(DnsAnswer Answer, DateTimeOffset Expires);

    /// <summary>The endpoints found so far, in order, without duplicates.</summary>
    private sealed class Results
    {
        private readonly HashSet<SipEndPoint> _seen = [];

        public List<SipEndPoint> List { get; } = [];

        public void Add(SipEndPoint endPoint)
        {
            if (_seen.Add(endPoint))
            {
                List.Add(endPoint);
            }
        }
    }
}
