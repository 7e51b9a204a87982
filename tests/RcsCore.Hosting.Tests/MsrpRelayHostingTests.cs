using System.Net;
using System.Security.Cryptography;
using RcsCore.Hosting;
using RcsCore.Ims.Registration;
using RcsCore.Msrp;
using RcsCore.Msrp.Relay;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>The message centre's MSRP relay (RFC 4976) started by <see cref="SipServer"/>: AUTH against the subscriber store, then relaying.</summary>
public sealed class MsrpRelayHostingTests
{
    private const string Domain = "relay.test";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private static async Task<SipServer> StartServerAsync()
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (var user in new[] { "alice", "bob" })
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "pw" });
        }
        // An AKA-only subscriber has no Digest credential, so the relay must refuse it.
        await subscribers.SaveAsync(new SipSubscriber { Impi = $"carol@{Domain}", Impus = [$"sip:carol@{Domain}"], Aka = new SipAkaSubscription(new byte[16], new byte[16]) });
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            Subscribers = subscribers,
            MsrpRelay = new MsrpRelayOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Realm = Domain },
        });
        await server.StartAsync();
        return server;
    }

    private static CancellationToken Bounded()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(s_wait);
        return cts.Token;
    }

    [Fact]
    public async Task SubscribersAuthWithTheirDigestPasswordsAndExchangeMessagesThroughTheRelay()
    {
        await using var server = await StartServerAsync();
        var relay = Assert.IsType<MsrpRelay>(server.MsrpRelay);
        await using var ea = MsrpEndpoint.Start(new MsrpEndpointOptions());
        await using var eb = MsrpEndpoint.Start(new MsrpEndpointOptions());
        var ct = Bounded();
        // The user name may be the private identity or the public one (RFC 4976 §6.3 leaves it to the relay).
        var ra = await ea.AuthenticateAsync(relay.Uri, new MsrpPasswordCredentials($"alice@{Domain}", "alicepw"), ct: ct);
        var rb = await eb.AuthenticateAsync(relay.Uri, new MsrpPasswordCredentials($"sip:bob@{Domain}", "bobpw"), ct: ct);
        Assert.Equal(2, relay.SessionCount);

        var a = ea.CreateSession(relay: ra);
        var b = eb.CreateSession(relay: rb);
        await b.StartAsync(a.LocalDescription, active: false, ct);
        await a.StartAsync(b.LocalDescription, active: true, ct);
        await b.WhenBound.WaitAsync(ct);

        var content = RandomNumberGenerator.GetBytes(300_000);
        var send = a.SendAsync(content, "application/octet-stream", MsrpReportPolicy.Full, ct: ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        var received = await message.ReadAllBytesAsync(ct: ct);
        Assert.Equal(MsrpSendOutcome.Delivered, (await send).Outcome);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(received));
    }

    [Theory]
    [InlineData("alice@relay.test", "wrong")]
    [InlineData("mallory@relay.test", "x")]
    [InlineData("carol@relay.test", "")]
    public async Task WrongPasswordsUnknownUsersAndAkaOnlySubscribersAreRefused(string user, string password)
    {
        await using var server = await StartServerAsync();
        await using var endpoint = MsrpEndpoint.Start(new MsrpEndpointOptions());
        var e = await Assert.ThrowsAnyAsync<MsrpException>(() => endpoint.AuthenticateAsync(server.MsrpRelay!.Uri, new MsrpPasswordCredentials(user, password), ct: Bounded()).AsTask());
        Assert.Equal(403, e.StatusCode);
        Assert.Equal(0, server.MsrpRelay!.SessionCount);
    }

    [Fact]
    public async Task NoRelayUnlessConfigured()
    {
        await using var server = new SipServer(new SipServerOptions { Listen = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))] });
        await server.StartAsync();
        Assert.Null(server.MsrpRelay);
    }
}
