using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Capabilities;
using RcsCore.Rcs.Presence;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>Presence-based capability discovery against the message centre's presence agent over real UDP sockets (RFC 3856, RFC 3903).</summary>
public sealed class PresenceHostingTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static async Task<SipServer> StartServerAsync(TimeProvider? time = null)
    {
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "example.test" },
            Timers = LoopbackUserAgent.FastTimers,
            TimeProvider = time ?? TimeProvider.System,
        }, LoopbackUserAgent.s_logs);
        await server.StartAsync();
        return server;
    }

    private static RcsPresenceClient Client(LoopbackUserAgent ua, SipServer server, TimeProvider? time = null, uint expires = 3600) =>
        new(ua.Ua, new RcsPresenceClientOptions { NextHop = server.LocalEndPoints[0], PublishExpires = expires, PublicIdentity = new SipNameAddress(SipUri.Parse("sip:" + ua.Ua.Options.LocalIdentity.Uri.User + "@example.test")) }, time);

    private static readonly RcsCapabilities s_alice = RcsCapabilities.FromServices([RcsService.Chat, RcsService.FileTransferHttp, RcsService.GeolocationPush]);

    [Fact]
    public async Task PublishThenFetchReturnsThePublishedServices()
    {
        await using var server = await StartServerAsync();
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        await using var aliceClient = Client(alice, server);
        await using var bobClient = Client(bob, server);
        using var cts = new CancellationTokenSource(s_wait);

        var published = await aliceClient.PublishCapabilitiesAsync(s_alice, cts.Token);
        Assert.Equal(200, published.StatusCode);
        Assert.NotNull(aliceClient.ETag);

        var fetched = await bobClient.FetchCapabilitiesAsync(SipUri.Parse("sip:alice@example.test"), cts.Token);
        Assert.NotNull(fetched);
        Assert.Equal(s_alice.Services.Select(s => s.Name).Order(), fetched.Services.Select(s => s.Name).Order());
        // RFC 6665 §4.4.3: a fetch leaves no subscription behind.
        Assert.Equal(0, server.Presence.WatcherCount);

        var nobody = await aliceClient.FetchCapabilitiesAsync(SipUri.Parse("sip:carol@example.test"), cts.Token);
        Assert.NotNull(nobody);
        Assert.True(nobody.IsEmpty);
    }

    [Fact]
    public async Task SubscriberIsNotifiedOfEveryPublishedChange()
    {
        await using var server = await StartServerAsync();
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        await using var aliceClient = Client(alice, server);
        await using var bobClient = Client(bob, server);
        using var cts = new CancellationTokenSource(s_wait);
        var notified = new System.Collections.Concurrent.ConcurrentQueue<RcsCapabilities?>();
        var signal = new SemaphoreSlim(0);

        var subscription = await bobClient.SubscribeAsync(SipUri.Parse("sip:alice@example.test"), cts.Token);
        subscription.NotifyReceived += (_, e) =>
        {
            notified.Enqueue(RcsPresenceClient.Read(e.Request));
            signal.Release();
        };
        // RFC 6665 §4.1.2.1: the subscription turns active with the first NOTIFY, which may arrive after the 200.
        while (subscription.State == SipSubscriptionState.Subscribing)
        {
            await Task.Delay(10, cts.Token);
        }
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        Assert.Equal(1, server.Presence.WatcherCount);

        async Task<RcsCapabilities> NextAsync(Func<RcsCapabilities, bool> match)
        {
            while (true)
            {
                await signal.WaitAsync(cts.Token);
                while (notified.TryDequeue(out var c))
                {
                    if (c is not null && match(c))
                    {
                        return c;
                    }
                }
            }
        }

        await aliceClient.PublishCapabilitiesAsync(s_alice, cts.Token);
        var first = await NextAsync(c => c.Supports(RcsService.Chat));
        Assert.True(first.Supports(RcsService.FileTransferHttp));

        // RFC 3903 §4.3: a modifying PUBLISH (SIP-If-Match with a body) changes the state and brings a NOTIFY.
        string? tag = aliceClient.ETag;
        await aliceClient.PublishCapabilitiesAsync(RcsCapabilities.FromServices([RcsService.IpVoiceCall]), cts.Token);
        Assert.NotEqual(tag, aliceClient.ETag);
        var second = await NextAsync(c => c.Supports(RcsService.IpVoiceCall));
        Assert.False(second.Supports(RcsService.Chat));

        await subscription.UnsubscribeAsync(cts.Token);
        while (server.Presence.WatcherCount != 0)
        {
            await Task.Delay(10, cts.Token);
        }
    }

    [Fact]
    public async Task RefreshUsesTheEntityTagAndUnknownTagsGet412()
    {
        await using var server = await StartServerAsync();
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await using var aliceClient = Client(alice, server);
        using var cts = new CancellationTokenSource(s_wait);

        await aliceClient.PublishCapabilitiesAsync(s_alice, cts.Token);
        string first = aliceClient.ETag!;
        var refreshed = await aliceClient.RefreshAsync(cts.Token);
        Assert.Equal(200, refreshed.StatusCode);
        // RFC 3903 §6 step 8: every refresh gets a new entity tag; the document stays.
        Assert.NotEqual(first, aliceClient.ETag);
        Assert.Equal(s_alice.Services.Count, RcsPidfDocument.TryParse(server.Presence.Current("sip:alice@example.test"), out var doc) ? doc!.ToCapabilities().Services.Count : -1);

        // The old tag is gone: 412 (RFC 3903 §6 step 3).
        var stale = await SendPublishAsync(alice, server, first, null, "presence", cts.Token);
        Assert.Equal(412, stale.StatusCode);
    }

    [Fact]
    public async Task UnknownEventPackageGets489()
    {
        await using var server = await StartServerAsync();
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        using var cts = new CancellationTokenSource(s_wait);
        var body = RcsPidfDocument.FromCapabilities("sip:alice@example.test", s_alice).Write();
        var response = await SendPublishAsync(alice, server, null, body, "dialog", cts.Token);
        Assert.Equal(489, response.StatusCode);
        Assert.Equal("presence", response.GetHeader(SipHeaderName.AllowEvents));
    }

    [Fact]
    public async Task PublicationExpiresAndWatchersSeeItGo()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(time);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await using var aliceClient = Client(alice, server, expires: 60);
        using var cts = new CancellationTokenSource(s_wait);

        await aliceClient.DisposeAsync(); // no refreshes: let it lapse
        var response = await SendPublishAsync(alice, server, null, RcsPidfDocument.FromCapabilities("sip:alice@example.test", s_alice).Write(), "presence", cts.Token, expires: 60);
        Assert.Equal(200, response.StatusCode);
        Assert.NotNull(server.Presence.Current("sip:alice@example.test"));
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(server.Presence.Current("sip:alice@example.test"));
        // RFC 3903 §6: the expired entity tag is unknown now.
        var late = await SendPublishAsync(alice, server, response.GetHeader(SipHeaderName.SipETag), null, "presence", cts.Token, expires: 60);
        Assert.Equal(412, late.StatusCode);
    }

    private static Task<SipResponse> SendPublishAsync(LoopbackUserAgent ua, SipServer server, string? ifMatch, byte[]? body, string @event, CancellationToken ct, uint expires = 3600)
    {
        var self = new SipNameAddress(SipUri.Parse("sip:" + ua.Ua.Options.LocalIdentity.Uri.User + "@example.test"));
        var b = ua.Ua.CreateRequest("PUBLISH", self.Uri, server.LocalEndPoints[0], self);
        b.AddHeader(SipHeaderName.Event, @event);
        b.AddHeader(SipHeaderName.Expires, expires.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (ifMatch is not null)
        {
            b.AddHeader(SipHeaderName.SipIfMatch, ifMatch);
        }
        if (body is not null)
        {
            b.SetBody(body, RcsPidfDocument.ContentType);
        }
        return ua.Ua.SendRequestAsync(b.Build(), server.LocalEndPoints[0], null, ct);
    }
}
