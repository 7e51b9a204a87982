using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Rcs.Tests.Capabilities;

/// <summary>
/// OPTIONS capability discovery between two terminals over real UDP loopback sockets: the exchange, the cache and its
/// RCS expiry rules on a fake clock, 404/480 outcomes, polling, and the exchange on first contact both ways.
/// </summary>
public sealed class RcsCapabilityClientTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly RcsCapabilities s_alice = RcsCapabilities.FromServices([RcsService.Chat, RcsService.FileTransferHttp, RcsService.GeolocationPush]);
    private static readonly RcsCapabilities s_bob = RcsCapabilities.FromServices([RcsService.Chat, RcsService.StandaloneMessaging, RcsService.IpVideoCall, RcsService.ChatbotSession], botVersions: [1, 2]);

    private static SipUri BobUri => SipUri.Parse("sip:bob@example.test");

    private static RcsCapabilityOptions Options(RcsCapabilities own, LoopbackTerminal peer, TimeSpan? polling = null) => new()
    {
        Own = own,
        NextHop = peer.Local,
        CapabilityInfoExpiry = TimeSpan.FromDays(1),
        NonRcsCapabilityInfoExpiry = TimeSpan.FromDays(2),
        ServiceAvailabilityInfoExpiry = TimeSpan.FromMinutes(1),
        PollingPeriod = polling ?? TimeSpan.Zero,
    };

    [Fact]
    public async Task FirstContactExchangesBothWaysThenTheCacheAnswers()
    {
        await using var alice = await LoopbackTerminal.StartAsync("alice");
        await using var bob = await LoopbackTerminal.StartAsync("bob");
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var bobCaps = new RcsCapabilityClient(bob.Ua, Options(s_bob, alice), clock).Attach();
        using var aliceCaps = new RcsCapabilityClient(alice.Ua, Options(s_alice, bob), clock).Attach();
        int optionsSeenByBob = 0;
        var seen = new List<SipRequest>();
        bob.Ua.Handle("OPTIONS", async (req, ct) =>
        {
            Interlocked.Increment(ref optionsSeenByBob);
            lock (seen)
            {
                seen.Add(req.Request);
            }
            return await bobCaps.HandleAsync(req, ct);
        });

        var result = await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait);
        Assert.Equal(RcsCapabilityStatus.Rcs, result.Status);
        Assert.Equal(200, result.StatusCode);
        Assert.False(result.FromCache);
        Assert.Equal([RcsService.Chat, RcsService.StandaloneMessaging, RcsService.ChatbotSession, RcsService.IpVoiceCall, RcsService.IpVideoCall], result.Capabilities.Services);
        Assert.Equal([1, 2], result.Capabilities.BotVersions);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromDays(1), result.ValidUntil);

        // The request carried alice's tags in Contact and Accept-Contact (RCC.07 §2.6.1.1, RFC 3841 §9.2).
        var request = Assert.Single(seen);
        Assert.Equal(s_alice.ToString(), SipFeatureSet.FromParameters(Assert.Single(request.Contacts).Parameters).ToString());
        Assert.Equal("*" + s_alice, request.GetHeader(SipHeaderName.AcceptContact));
        // Bob learnt alice's capabilities from that OPTIONS: the first contact exchanged both ways.
        Assert.True(bobCaps.TryGetCached(SipUri.Parse("sip:alice@example.test"), out var learnt));
        Assert.Equal([RcsService.Chat, RcsService.FileTransferHttp, RcsService.GeolocationPush], learnt!.Capabilities.Services);

        // Within the validity: from the cache, no new OPTIONS.
        clock.Advance(TimeSpan.FromHours(23));
        var cached = await aliceCaps.GetCapabilitiesAsync(SipUri.Parse("sip:bob@EXAMPLE.test")).WaitAsync(s_wait);
        Assert.True(cached.FromCache);
        Assert.Equal(1, optionsSeenByBob);

        // CAPABILITY INFO EXPIRY passed: asked again.
        clock.Advance(TimeSpan.FromHours(2));
        var fresh = await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait);
        Assert.False(fresh.FromCache);
        Assert.Equal(2, optionsSeenByBob);
    }

    [Fact]
    public async Task NotFoundIsNotRcsAndTemporarilyUnavailableIsOfflineWithTheLastKnownCapabilities()
    {
        await using var alice = await LoopbackTerminal.StartAsync("alice");
        await using var bob = await LoopbackTerminal.StartAsync("bob");
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var bobCaps = new RcsCapabilityClient(bob.Ua, Options(s_bob, alice), clock);
        using var aliceCaps = new RcsCapabilityClient(alice.Ua, Options(s_alice, bob), clock);
        int answer = 200, asked = 0;
        bob.Ua.Handle("OPTIONS", async (req, ct) =>
        {
            Interlocked.Increment(ref asked);
            return answer == 200 ? await bobCaps.HandleAsync(req, ct) : req.CreateResponse(answer).Build();
        });
        var updates = new List<RcsCapabilityStatus>();
        aliceCaps.Updated += (_, r) =>
        {
            lock (updates)
            {
                updates.Add(r.Status);
            }
        };

        Assert.Equal(RcsCapabilityStatus.Rcs, (await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait)).Status);

        // 480: offline, the capabilities learnt before are kept; SERVICE AVAILABILITY INFO EXPIRY applies.
        answer = 480;
        var offline = await aliceCaps.RefreshAsync(BobUri).WaitAsync(s_wait);
        Assert.Equal(RcsCapabilityStatus.Offline, offline.Status);
        Assert.Equal(480, offline.StatusCode);
        Assert.Contains(RcsService.Chat, offline.Capabilities.Services);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(1), offline.ValidUntil);
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True((await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait)).FromCache);
        Assert.Equal(2, asked);

        // 404: not an RCS user, cached for NON RCS CAPABILITY INFO EXPIRY.
        answer = 404;
        clock.Advance(TimeSpan.FromSeconds(2));
        var notRcs = await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait);
        Assert.Equal(3, asked);
        Assert.Equal(RcsCapabilityStatus.NotRcs, notRcs.Status);
        Assert.True(notRcs.Capabilities.IsEmpty);
        clock.Advance(TimeSpan.FromDays(1.9));
        Assert.Equal(RcsCapabilityStatus.NotRcs, (await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait)).Status);
        Assert.Equal(3, asked);

        // A 403 teaches nothing: not cached, the NotRcs entry stays.
        answer = 403;
        var failed = await aliceCaps.RefreshAsync(BobUri).WaitAsync(s_wait);
        Assert.Equal(RcsCapabilityStatus.Failed, failed.Status);
        Assert.True(aliceCaps.TryGetCached(BobUri, out var still));
        Assert.Equal(RcsCapabilityStatus.NotRcs, still!.Status);

        // After 404, a 480 has nothing to keep.
        answer = 480;
        Assert.True((await aliceCaps.RefreshAsync(BobUri).WaitAsync(s_wait)).Capabilities.IsEmpty);
        Assert.Equal([RcsCapabilityStatus.Rcs, RcsCapabilityStatus.Offline, RcsCapabilityStatus.NotRcs, RcsCapabilityStatus.Offline], updates);
    }

    [Fact]
    public async Task PlainSipPeerWithoutTagsIsNotRcs()
    {
        await using var alice = await LoopbackTerminal.StartAsync("alice");
        await using var bob = await LoopbackTerminal.StartAsync("bob"); // the UA's built-in OPTIONS answer: no Contact tags
        using var aliceCaps = new RcsCapabilityClient(alice.Ua, Options(s_alice, bob));
        var result = await aliceCaps.GetCapabilitiesAsync(BobUri).WaitAsync(s_wait);
        Assert.Equal(RcsCapabilityStatus.NotRcs, result.Status);
        Assert.Equal(200, result.StatusCode);
    }

    [Fact]
    public async Task ConcurrentLookupsShareOneExchangeAndPollingRefreshesOldEntries()
    {
        await using var alice = await LoopbackTerminal.StartAsync("alice");
        await using var bob = await LoopbackTerminal.StartAsync("bob");
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var bobCaps = new RcsCapabilityClient(bob.Ua, Options(s_bob, alice), clock);
        using var aliceCaps = new RcsCapabilityClient(alice.Ua, Options(s_alice, bob, polling: TimeSpan.FromHours(6)), clock);
        int asked = 0;
        bob.Ua.Handle("OPTIONS", async (req, ct) =>
        {
            Interlocked.Increment(ref asked);
            return await bobCaps.HandleAsync(req, ct);
        });

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => aliceCaps.GetCapabilitiesAsync(BobUri))).WaitAsync(s_wait);
        Assert.All(results, r => Assert.Equal(RcsCapabilityStatus.Rcs, r.Status));
        Assert.Equal(1, asked);

        Assert.Equal(0, await aliceCaps.PollAsync().WaitAsync(s_wait)); // too recent
        clock.Advance(TimeSpan.FromHours(6));
        Assert.Equal(1, await aliceCaps.PollAsync().WaitAsync(s_wait));
        Assert.Equal(2, asked);
        Assert.True(aliceCaps.TryGetCached(BobUri, out var polled));
        Assert.Equal(clock.GetUtcNow(), polled!.RetrievedAt);
        Assert.True(aliceCaps.Invalidate(BobUri));
        Assert.Equal(0, aliceCaps.CachedCount);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var ep = new RcsCore.Sip.Transport.SipEndPoint(RcsCore.Sip.Transport.SipTransportProtocol.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5060));
        Assert.Throws<ArgumentException>(() => new RcsCapabilityOptions { Own = s_alice, NextHop = ep, CapabilityInfoExpiry = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentException>(() => new RcsCapabilityOptions { Own = s_alice, NextHop = ep, PollingPeriod = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Throws<ArgumentException>(() => new RcsCapabilityOptions { Own = s_alice, NextHop = ep, MaxCacheEntries = 0 }.Validate());
    }
}
