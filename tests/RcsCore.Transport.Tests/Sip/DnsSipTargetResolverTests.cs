using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Transport.Tests.Sip;

public sealed class DnsSipTargetResolverTests : IAsyncDisposable
{
    private const SipTransportProtocol Udp = SipTransportProtocol.Udp;
    private const SipTransportProtocol Tcp = SipTransportProtocol.Tcp;
    private const SipTransportProtocol Tls = SipTransportProtocol.Tls;

    private readonly TestDnsServer _dns = new();

    public ValueTask DisposeAsync() => _dns.DisposeAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SipEndPoint Ep(SipTransportProtocol p, string ip, int port) => new(p, new IPEndPoint(IPAddress.Parse(ip), port));

    private DnsSipTargetResolver Resolver(DnsSipTargetResolverOptions? options = null, ILogger? logger = null, TimeSpan? timeout = null) =>
        new(_dns.CreateClient(timeout), options, logger);

    private static async Task<IReadOnlyList<SipEndPoint>> Resolve(ISipTargetResolver resolver, string uri) =>
        await resolver.ResolveAsync(SipUri.Parse(uri), Ct);

    /// <summary>example.com: NAPTR for TCP (order 10), UDP (20), TLS (30), plus records a SIP client must skip.</summary>
    private void ExampleZone()
    {
        _dns.Naptr("example.com", 10, 10, "s", "SIP+D2T", "_sip._tcp.example.com")
            .Naptr("example.com", 20, 10, "s", "SIP+D2U", "_sip._udp.example.com")
            .Naptr("example.com", 30, 10, "S", "SIPS+D2T", "_sips._tcp.example.com")
            .Naptr("example.com", 5, 10, "s", "SIP+D2S", "_sip._sctp.example.com") // SCTP: not supported
            .Naptr("example.com", 6, 10, "a", "SIP+D2U", "sip9.example.com") // flag "a": not for RFC 3263
            .Naptr("example.com", 7, 10, "s", "SIP+D2W", "_sip._ws.example.com") // WebSocket: not supported
            .Srv("_sip._tcp.example.com", 0, 0, 5060, "sip1.example.com")
            .Srv("_sip._udp.example.com", 0, 0, 5060, "sip1.example.com")
            .Srv("_sips._tcp.example.com", 0, 0, 5061, "sip1.example.com")
            .Srv("_sip._sctp.example.com", 0, 0, 5060, "sip1.example.com")
            .A("sip1.example.com", "192.0.2.1")
            .Aaaa("sip1.example.com", "2001:db8::1")
            .A("sip9.example.com", "192.0.2.9");
    }

    private void PlainZone() => _dns.A("plain.example", "192.0.2.30").Aaaa("plain.example", "2001:db8::30");

    [Fact]
    public async Task Naptr_order_puts_tcp_before_udp_before_tls_and_skips_unsupported_services()
    {
        ExampleZone();
        var result = await Resolve(Resolver(), "sip:alice@example.com");
        Assert.Equal(
            [
                Ep(Tcp, "2001:db8::1", 5060), Ep(Tcp, "192.0.2.1", 5060),
                Ep(Udp, "2001:db8::1", 5060), Ep(Udp, "192.0.2.1", 5060),
                Ep(Tls, "2001:db8::1", 5061), Ep(Tls, "192.0.2.1", 5061),
            ],
            result);
        Assert.Equal(("example.com", TestDnsServer.TypeNaptr), _dns.Queries[0]);
        Assert.DoesNotContain(_dns.Queries, q => q.Name is "_sip._sctp.example.com" or "sip9.example.com" or "_sip._ws.example.com");
    }

    [Fact]
    public async Task Naptr_preference_orders_records_of_equal_order()
    {
        _dns.Naptr("pref.example", 10, 20, "s", "SIP+D2T", "_sip._tcp.pref.example")
            .Naptr("pref.example", 10, 10, "s", "SIP+D2U", "_sip._udp.pref.example")
            .Srv("_sip._tcp.pref.example", 0, 0, 5062, "h.pref.example")
            .Srv("_sip._udp.pref.example", 0, 0, 5063, "h.pref.example")
            .A("h.pref.example", "192.0.2.40");
        var result = await Resolve(Resolver(), "sip:pref.example");
        Assert.Equal([Ep(Udp, "192.0.2.40", 5063), Ep(Tcp, "192.0.2.40", 5062)], result);
    }

    [Fact]
    public async Task Sips_uri_follows_only_SIPS_D2T()
    {
        ExampleZone();
        var result = await Resolve(Resolver(), "sips:alice@example.com");
        Assert.Equal([Ep(Tls, "2001:db8::1", 5061), Ep(Tls, "192.0.2.1", 5061)], result);
        Assert.DoesNotContain(_dns.Queries, q => q.Name is "_sip._tcp.example.com" or "_sip._udp.example.com");
    }

    [Fact]
    public async Task Sips_uri_without_SIPS_naptr_or_srv_uses_tls_on_5061()
    {
        _dns.Naptr("nosips.example", 10, 10, "s", "SIP+D2U", "_sip._udp.nosips.example")
            .Srv("_sip._udp.nosips.example", 0, 0, 5060, "nosips.example")
            .A("nosips.example", "192.0.2.50");
        var result = await Resolve(Resolver(new() { AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only }), "sips:nosips.example");
        Assert.Equal([Ep(Tls, "192.0.2.50", 5061)], result);
        Assert.Contains(("_sips._tcp.nosips.example", TestDnsServer.TypeSrv), _dns.Queries);
        Assert.DoesNotContain(_dns.Queries, q => q.Name.StartsWith("_sip.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_naptr_srv_is_queried_for_each_transport()
    {
        _dns.Srv("_sip._udp.srv.example", 0, 0, 5070, "host.srv.example")
            .Srv("_sip._tcp.srv.example", 0, 0, 5071, "host.srv.example")
            .A("host.srv.example", "192.0.2.20");
        var result = await Resolve(Resolver(new() { AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only }), "sip:srv.example");
        // RFC 3263 §4.1: _sips._tcp, then _sip._tcp, then _sip._udp.
        Assert.Equal([Ep(Tcp, "192.0.2.20", 5071), Ep(Udp, "192.0.2.20", 5070)], result);
        Assert.Equal(
            [
                ("srv.example", TestDnsServer.TypeNaptr),
                ("_sips._tcp.srv.example", TestDnsServer.TypeSrv),
                ("_sip._tcp.srv.example", TestDnsServer.TypeSrv),
                ("host.srv.example", TestDnsServer.TypeA),
                ("_sip._udp.srv.example", TestDnsServer.TypeSrv),
            ],
            _dns.Queries);
    }

    [Fact]
    public async Task Without_srv_a_and_aaaa_give_the_default_port()
    {
        PlainZone();
        Assert.Equal([Ep(Udp, "2001:db8::30", 5060), Ep(Udp, "192.0.2.30", 5060)], await Resolve(Resolver(), "sip:plain.example"));
        Assert.Equal([Ep(Tls, "2001:db8::30", 5061), Ep(Tls, "192.0.2.30", 5061)], await Resolve(Resolver(), "sips:plain.example"));
        var v4First = Resolver(new() { AddressFamilyPreference = SipAddressFamilyPreference.IPv4First });
        Assert.Equal([Ep(Udp, "192.0.2.30", 5060), Ep(Udp, "2001:db8::30", 5060)], await Resolve(v4First, "sip:plain.example"));
        var v6Only = Resolver(new() { AddressFamilyPreference = SipAddressFamilyPreference.IPv6Only });
        Assert.Equal([Ep(Udp, "2001:db8::30", 5060)], await Resolve(v6Only, "sip:plain.example"));
    }

    [Fact]
    public async Task Explicit_port_skips_naptr_and_srv()
    {
        ExampleZone();
        _dns.A("example.com", "192.0.2.2");
        Assert.Equal([Ep(Udp, "192.0.2.2", 5080)], await Resolve(Resolver(), "sip:example.com:5080"));
        Assert.Equal([Ep(Tcp, "192.0.2.2", 5080)], await Resolve(Resolver(), "sip:example.com:5080;transport=tcp"));
        Assert.Equal([Ep(Tls, "192.0.2.2", 5081)], await Resolve(Resolver(), "sips:example.com:5081"));
        Assert.All(_dns.Queries, q => Assert.True(q.Type is TestDnsServer.TypeA or TestDnsServer.TypeAaaa, $"{q.Name} type {q.Type}"));
    }

    [Fact]
    public async Task Explicit_transport_queries_only_its_srv()
    {
        ExampleZone();
        Assert.Equal([Ep(Tcp, "2001:db8::1", 5060), Ep(Tcp, "192.0.2.1", 5060)], await Resolve(Resolver(), "sip:example.com;transport=tcp"));
        Assert.Equal([Ep(Tls, "2001:db8::1", 5061), Ep(Tls, "192.0.2.1", 5061)], await Resolve(Resolver(), "sips:example.com;transport=tcp"));
        Assert.DoesNotContain(_dns.Queries, q => q.Type == TestDnsServer.TypeNaptr);
        Assert.Equal(["_sip._tcp.example.com", "_sips._tcp.example.com"], _dns.Queries.Where(q => q.Type == TestDnsServer.TypeSrv).Select(q => q.Name));

        // No SRV for the transport: A/AAAA at its default port.
        PlainZone();
        Assert.Equal([Ep(Tcp, "2001:db8::30", 5060), Ep(Tcp, "192.0.2.30", 5060)], await Resolve(Resolver(), "sip:plain.example;transport=tcp"));
        Assert.Equal([Ep(Tls, "2001:db8::30", 5061), Ep(Tls, "192.0.2.30", 5061)], await Resolve(Resolver(), "sip:plain.example;transport=tls"));
    }

    [Theory]
    [InlineData("sip:192.0.2.1", SipTransportProtocol.Udp, "192.0.2.1", 5060)]
    [InlineData("sip:bob@192.0.2.1:5080;transport=tcp", SipTransportProtocol.Tcp, "192.0.2.1", 5080)]
    [InlineData("sips:192.0.2.1", SipTransportProtocol.Tls, "192.0.2.1", 5061)]
    [InlineData("sip:[2001:db8::5]", SipTransportProtocol.Udp, "2001:db8::5", 5060)]
    [InlineData("sips:[2001:db8::5]:5071", SipTransportProtocol.Tls, "2001:db8::5", 5071)]
    [InlineData("sip:bob@example.com;maddr=192.0.2.99", SipTransportProtocol.Udp, "192.0.2.99", 5060)]
    public async Task Numeric_targets_never_touch_dns(string uri, SipTransportProtocol protocol, string ip, int port)
    {
        var resolver = Resolver();
        var pending = resolver.ResolveAsync(SipUri.Parse(uri), Ct);
        Assert.True(pending.IsCompletedSuccessfully);
        Assert.Equal([Ep(protocol, ip, port)], await pending);
        Assert.Equal(0, _dns.QueryCount);
    }

    [Fact]
    public async Task Maddr_name_is_resolved_instead_of_the_host()
    {
        ExampleZone();
        PlainZone();
        var result = await Resolve(Resolver(), "sip:bob@example.com;maddr=plain.example");
        Assert.Equal([Ep(Udp, "2001:db8::30", 5060), Ep(Udp, "192.0.2.30", 5060)], result);
        Assert.DoesNotContain(_dns.Queries, q => q.Name.EndsWith("example.com", StringComparison.Ordinal));
    }

    /// <summary>w.example: priority 5 (weight 0), priority 10 (weights 10/20/70), priority 20.</summary>
    private void WeightedZone()
    {
        _dns.Srv("_sip._udp.w.example", 20, 0, 5060, "t4.w.example")
            .Srv("_sip._udp.w.example", 10, 10, 5060, "t1.w.example")
            .Srv("_sip._udp.w.example", 10, 20, 5060, "t2.w.example")
            .Srv("_sip._udp.w.example", 10, 70, 5060, "t3.w.example")
            .Srv("_sip._udp.w.example", 5, 0, 5060, "t0.w.example");
        for (int i = 0; i <= 4; i++)
        {
            _dns.A($"t{i}.w.example", $"192.0.2.{100 + i}");
        }
    }

    private static int[] Targets(IReadOnlyList<SipEndPoint> endPoints) =>
        [.. endPoints.Select(e => e.Address.Address.GetAddressBytes()[3] - 100)];

    private DnsSipTargetResolver WeightedResolver(Random random) =>
        Resolver(new() { AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only, Random = random });

    [Fact]
    public async Task Srv_priority_then_weighted_selection_follows_rfc_2782()
    {
        WeightedZone();
        // Priority 5 (sum 0 → 0); priority 10: sum 100, 50 picks t3 (running 10, 30, 100); then sum 30, 11 picks t2
        // (running 10, 30); then t1; priority 20: t4.
        var scripted = new ScriptedRandom(0, 50, 11, 0, 0);
        var order = Targets(await Resolve(WeightedResolver(scripted), "sip:w.example;transport=udp"));
        Assert.Equal([0, 3, 2, 1, 4], order);
        Assert.Equal([1, 101, 31, 11, 1], scripted.MaxValues);
        // 0 picks the first record whose running sum reaches it: the list order within a priority.
        order = Targets(await Resolve(WeightedResolver(new ScriptedRandom(0, 0, 0, 0, 0)), "sip:w.example;transport=udp"));
        Assert.Equal([0, 1, 2, 3, 4], order);
        // 10 still picks t1 (running 10); then of t2/t3 (sum 90), 21 passes t2 (running 20) and picks t3.
        scripted = new ScriptedRandom(0, 10, 21, 0, 0);
        order = Targets(await Resolve(WeightedResolver(scripted), "sip:w.example;transport=udp"));
        Assert.Equal([0, 1, 3, 2, 4], order);
        Assert.Equal([1, 101, 91, 21, 1], scripted.MaxValues);
    }

    [Fact]
    public async Task Srv_order_is_repeatable_with_a_seeded_random_and_follows_the_weights()
    {
        WeightedZone();
        var a = await Resolve(WeightedResolver(new Random(1234)), "sip:w.example;transport=udp");
        var b = await Resolve(WeightedResolver(new Random(1234)), "sip:w.example;transport=udp");
        Assert.Equal(a, b);

        var resolver = WeightedResolver(new Random(42));
        var firstOfPriority10 = new int[5];
        const int Rounds = 2000;
        for (int i = 0; i < Rounds; i++)
        {
            var order = Targets(await Resolve(resolver, "sip:w.example;transport=udp"));
            Assert.Equal(0, order[0]);
            Assert.Equal(4, order[4]);
            Assert.Equal([1, 2, 3], order[1..4].Order());
            firstOfPriority10[order[1]]++;
        }
        // Weights 10/20/70 out of 100 (the draw is over 0..100 inclusive, so t1 gets 11/101).
        Assert.InRange(firstOfPriority10[1], Rounds * 0.07, Rounds * 0.15);
        Assert.InRange(firstOfPriority10[2], Rounds * 0.15, Rounds * 0.25);
        Assert.InRange(firstOfPriority10[3], Rounds * 0.62, Rounds * 0.76);
        Assert.Equal(18, _dns.QueryCount); // SRV + 5 A for a, for b, and once for the loop: the rest came from its cache.
    }

    [Fact]
    public async Task Srv_target_dot_means_no_service_and_no_address_fallback()
    {
        _dns.Srv("_sip._udp.dot.example", 0, 0, 0, ".").A("dot.example", "192.0.2.60");
        Assert.Empty(await Resolve(Resolver(), "sip:dot.example;transport=udp"));
        Assert.DoesNotContain(_dns.Queries, q => q.Type == TestDnsServer.TypeA);
    }

    [Fact]
    public async Task Answers_are_cached_for_the_smallest_ttl_of_the_set()
    {
        var clock = new FakeTimeProvider();
        _dns.A("ttl.example", "192.0.2.70", ttl: 100).A("ttl.example", "192.0.2.71", ttl: 20).Aaaa("ttl.example", "2001:db8::70", ttl: 60);
        var resolver = Resolver(new() { TimeProvider = clock });
        const string Uri = "sip:ttl.example:5060";
        var expected = new[] { Ep(Udp, "2001:db8::70", 5060), Ep(Udp, "192.0.2.70", 5060), Ep(Udp, "192.0.2.71", 5060) };

        Assert.Equal(expected, await Resolve(resolver, Uri));
        Assert.Equal(2, _dns.QueryCount);
        Assert.Equal(expected, await Resolve(resolver, Uri));
        Assert.Equal(2, _dns.QueryCount); // cache hit: no second query

        clock.Advance(TimeSpan.FromSeconds(19));
        await Resolve(resolver, Uri);
        Assert.Equal(2, _dns.QueryCount);

        clock.Advance(TimeSpan.FromSeconds(2)); // t=21: the A set (min TTL 20) expired, AAAA (60) not
        Assert.Equal(expected, await Resolve(resolver, Uri));
        Assert.Equal([("ttl.example", TestDnsServer.TypeA)], _dns.Queries.Skip(2));

        clock.Advance(TimeSpan.FromSeconds(40)); // t=61: both expired
        await Resolve(resolver, Uri);
        Assert.Equal(5, _dns.QueryCount);
    }

    [Fact]
    public async Task Cache_ttl_is_capped_by_the_option()
    {
        var clock = new FakeTimeProvider();
        _dns.A("long.example", "192.0.2.80", ttl: 86400);
        var resolver = Resolver(new() { TimeProvider = clock, MaxCacheTtl = TimeSpan.FromSeconds(5), AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only });
        await Resolve(resolver, "sip:long.example:5060");
        clock.Advance(TimeSpan.FromSeconds(4));
        await Resolve(resolver, "sip:long.example:5060");
        Assert.Equal(1, _dns.QueryCount);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([Ep(Udp, "192.0.2.80", 5060)], await Resolve(resolver, "sip:long.example:5060"));
        Assert.Equal(2, _dns.QueryCount);

        var uncached = Resolver(new() { TimeProvider = clock, MaxCacheTtl = TimeSpan.Zero, AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only });
        await Resolve(uncached, "sip:long.example:5060");
        await Resolve(uncached, "sip:long.example:5060");
        Assert.Equal(4, _dns.QueryCount);
        Assert.Equal(0, uncached.CacheCount);
    }

    [Fact]
    public async Task Negative_answers_are_cached_only_with_an_soa()
    {
        var clock = new FakeTimeProvider();
        var resolver = Resolver(new() { TimeProvider = clock });
        await Resolve(resolver, "sip:missing.example");
        await Resolve(resolver, "sip:missing.example");
        Assert.Equal(2, _dns.QueryCount); // RFC 2308 §5: no SOA, no negative caching

        _dns.NegativeTtl = 10;
        resolver.ClearCache();
        _dns.ClearQueries();
        await Resolve(resolver, "sip:missing.example");
        clock.Advance(TimeSpan.FromSeconds(9));
        await Resolve(resolver, "sip:missing.example");
        Assert.Equal(1, _dns.QueryCount);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Resolve(resolver, "sip:missing.example");
        Assert.Equal(2, _dns.QueryCount);

        // NODATA is negative too: plain.example's NAPTR and SRV answers are cached, its addresses for their TTL.
        PlainZone();
        _dns.ClearQueries();
        await Resolve(resolver, "sip:plain.example");
        Assert.Equal(6, _dns.QueryCount); // NAPTR, 3 × SRV, AAAA, A
        await Resolve(resolver, "sip:plain.example");
        Assert.Equal(6, _dns.QueryCount);
    }

    [Fact]
    public async Task Cache_holds_at_most_max_entries()
    {
        _dns.A("a.example", "192.0.2.1").A("b.example", "192.0.2.2");
        var options = new DnsSipTargetResolverOptions { MaxCacheEntries = 1, AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only };
        var small = Resolver(options);
        await Resolve(small, "sip:a.example:5060");
        await Resolve(small, "sip:b.example:5060");
        await Resolve(small, "sip:a.example:5060");
        Assert.Equal(3, _dns.QueryCount);
        Assert.Equal(1, small.CacheCount);

        _dns.ClearQueries();
        var large = Resolver(new() { AddressFamilyPreference = SipAddressFamilyPreference.IPv4Only });
        await Resolve(large, "sip:a.example:5060");
        await Resolve(large, "sip:b.example:5060");
        await Resolve(large, "sip:a.example:5060");
        Assert.Equal(2, _dns.QueryCount);
    }

    [Fact]
    public async Task Nxdomain_gives_an_empty_list_after_one_query()
    {
        var log = new RecordingLogger();
        Assert.Empty(await Resolve(Resolver(logger: log), "sip:bob@missing.example"));
        // RFC 8020 §2: nothing exists below a name that does not exist.
        Assert.Equal([("missing.example", TestDnsServer.TypeNaptr)], _dns.Queries);
        Assert.Contains(log.Entries, e => e.Id == 2101 && e.Message.Contains("NXDOMAIN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nxdomain_thrown_by_the_client_is_an_answer_too()
    {
        PlainZone();
        var client = new LookupClient(new LookupClientOptions(new NameServer(_dns.EndPoint)) { UseCache = false, Retries = 0, ThrowDnsErrors = true });
        var resolver = new DnsSipTargetResolver(client);
        Assert.Empty(await Resolve(resolver, "sip:missing.example"));
        Assert.Equal([Ep(Udp, "2001:db8::30", 5060), Ep(Udp, "192.0.2.30", 5060)], await Resolve(resolver, "sip:plain.example"));
    }

    [Fact]
    public async Task Timeout_gives_an_empty_list_and_a_warning()
    {
        _dns.Silent = true;
        PlainZone();
        var log = new RecordingLogger();
        var resolver = Resolver(logger: log, timeout: TimeSpan.FromMilliseconds(200));
        var started = DateTime.UtcNow;
        Assert.Empty(await Resolve(resolver, "sip:plain.example"));
        // The first timeout ends the resolution: one query, not five.
        Assert.Equal(1, _dns.QueryCount);
        Assert.True(DateTime.UtcNow - started < TestNet.Timeout);
        Assert.Contains(log.Entries, e => e.Id == 2102 && e.Level == LogLevel.Warning);

        // With an explicit port both address queries go out at once and both time out.
        Assert.Empty(await Resolve(resolver, "sip:plain.example:5060"));
    }

    [Fact]
    public async Task Unreachable_server_gives_an_empty_list()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var client = new LookupClient(new LookupClientOptions(new NameServer(IPAddress.Loopback, port)) { UseCache = false, Retries = 0, Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Empty(await Resolve(new DnsSipTargetResolver(client), "sip:plain.example"));
    }

    [Fact]
    public async Task Cancellation_is_not_swallowed()
    {
        _dns.Silent = true;
        var resolver = Resolver(timeout: TimeSpan.FromSeconds(30));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var pending = resolver.ResolveAsync(SipUri.Parse("sip:plain.example"), cts.Token).AsTask();
        cts.CancelAfter(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TestNet.Timeout, Ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await resolver.ResolveAsync(SipUri.Parse("sip:192.0.2.1"), cts.Token));
    }

    [Theory]
    [InlineData("tel:+15551234567")]
    [InlineData("sips:example.com;transport=udp")]
    [InlineData("sip:example.com;transport=sctp")]
    public async Task Unusable_uris_give_an_empty_list_without_dns(string uri)
    {
        ExampleZone();
        Assert.Empty(await Resolve(Resolver(), uri));
        Assert.Equal(0, _dns.QueryCount);
    }

    [Fact]
    public async Task Composite_asks_the_static_table_first_then_dns()
    {
        PlainZone();
        var table = new StaticSipTargetResolver(new Dictionary<string, IReadOnlyList<SipEndPoint>>
        {
            ["proxy.example"] = [Ep(Tcp, "192.0.2.200", 5060)],
        });
        var composite = new CompositeSipTargetResolver(table, Resolver());
        Assert.Equal([Ep(Tcp, "192.0.2.200", 5060)], await Resolve(composite, "sip:proxy.example"));
        Assert.Equal(0, _dns.QueryCount);
        Assert.Equal([Ep(Udp, "2001:db8::30", 5060), Ep(Udp, "192.0.2.30", 5060)], await Resolve(composite, "sip:plain.example"));
        Assert.Empty(await Resolve(composite, "sip:missing.example"));
        Assert.Equal(2, composite.Resolvers.Count);
    }

    [Fact]
    public void Options_are_validated()
    {
        var client = _dns.CreateClient();
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsSipTargetResolver(client, new() { MaxCacheEntries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsSipTargetResolver(client, new() { MaxCacheTtl = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsSipTargetResolver(client, new() { AddressFamilyPreference = (SipAddressFamilyPreference)9 }));
        Assert.Throws<ArgumentNullException>(() => new DnsSipTargetResolver(null!));
    }

    /// <summary>Returns the scripted values from <see cref="Next(int)"/> and records each bound asked for.</summary>
    private sealed class ScriptedRandom(params int[] values) : Random
    {
        private int _next;

        public List<int> MaxValues { get; } = [];

        public override int Next(int maxValue)
        {
            MaxValues.Add(maxValue);
            int v = values[_next++];
            Assert.InRange(v, 0, maxValue - 1);
            return v;
        }
    }

    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<(int Id, LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
