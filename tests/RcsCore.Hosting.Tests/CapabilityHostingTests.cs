using System.Net;
using RcsCore.Ims.Client;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>
/// The message centre answering OPTIONS capability queries (GSMA RCC.07 §2.6.1.1) over real UDP/TCP loopback sockets,
/// with users registered by RcsCore's own IMS registration client (Digest) carrying RCS feature tags.
/// </summary>
public sealed class CapabilityHostingTests
{
    private const string Domain = "example.test";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(15);
    private static readonly RcsCapabilities s_phone = RcsCapabilities.FromServices([RcsService.Chat, RcsService.FileTransferHttp, RcsService.IpVoiceCall]);
    private static readonly RcsCapabilities s_tablet = RcsCapabilities.FromServices([RcsService.Chat, RcsService.IpVideoCall, RcsService.ChatbotSession], botVersions: [1, 2]);
    private static readonly RcsCapabilities s_alice = RcsCapabilities.FromServices([RcsService.Chat, RcsService.StandaloneMessaging]);

    private static async Task<SipServer> StartServerAsync(SipTransportProtocol protocol, bool forward = false)
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "pw" });
        }
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            Subscribers = subscribers,
            Timers = LoopbackUserAgent.FastTimers,
            ForwardOptionsToDevices = forward,
        });
        await server.StartAsync();
        return server;
    }

    private static async Task<ImsRegistrationClient> RegisterAsync(LoopbackUserAgent device, SipEndPoint server, string user, RcsCapabilities caps, string instance)
    {
        var client = new ImsRegistrationClient(device.Ua, new ImsRegistrationOptions
        {
            Registrar = SipUri.Parse($"sip:{Domain}"),
            NextHop = server,
            PublicIdentity = new SipNameAddress(SipUri.Parse($"sip:{user}@{Domain}")),
            PrivateIdentity = $"{user}@{Domain}",
            Credentials = ImsCredentials.FromPassword(user + "pw"),
            InstanceId = instance,
            FeatureTags = caps.ToImsFeatureTags(),
            SubscribeToRegEvent = false,
            ContactUri = device.Uri(user),
        });
        var registration = await client.RegisterAsync().AsTask().WaitAsync(s_wait);
        Assert.Equal(ImsRegistrationState.Registered, registration.State);
        return client;
    }

    private static RcsCapabilityClient Client(LoopbackUserAgent ua, SipEndPoint server) =>
        new(ua.Ua, new RcsCapabilityOptions { Own = s_alice, NextHop = server });

    private static SipUri User(string user, SipTransportProtocol protocol) =>
        SipUri.Parse($"sip:{user}@{Domain}" + (protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : string.Empty));

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task RegisteredUserIsAnsweredFromTheUnionOfItsContactsOthersGet480Or404(SipTransportProtocol protocol)
    {
        await using var server = await StartServerAsync(protocol);
        var serverEp = server.LocalEndPoints[0];
        await using var phone = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var tablet = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        int devicesAsked = 0;
        phone.Ua.Handle("OPTIONS", (r, _) => { Interlocked.Increment(ref devicesAsked); return ValueTask.FromResult<SipResponse?>(r.CreateResponse(500).Build()); });
        tablet.Ua.Handle("OPTIONS", (r, _) => { Interlocked.Increment(ref devicesAsked); return ValueTask.FromResult<SipResponse?>(r.CreateResponse(500).Build()); });
        await using var bobPhone = await RegisterAsync(phone, serverEp, "bob", s_phone, "<urn:uuid:00000000-0000-0000-0000-0000000000a1>");
        await using var bobTablet = await RegisterAsync(tablet, serverEp, "bob", s_tablet, "<urn:uuid:00000000-0000-0000-0000-0000000000a2>");
        Assert.Equal(2, (await server.Locations.LookupAsync($"sip:bob@{Domain}")).Count);

        using var caps = Client(alice, serverEp);
        var bob = await caps.GetCapabilitiesAsync(User("bob", protocol)).WaitAsync(s_wait);
        Assert.Equal(RcsCapabilityStatus.Rcs, bob.Status);
        Assert.Equal(
            [RcsService.Chat, RcsService.FileTransferHttp, RcsService.ChatbotSession, RcsService.IpVoiceCall, RcsService.IpVideoCall],
            bob.Capabilities.Services);
        Assert.Equal([1, 2], bob.Capabilities.BotVersions);
        Assert.Equal(0, devicesAsked); // answered by the message centre

        // A known subscriber without registration: 480 (offline); an unknown user: 404 (not RCS).
        var carol = await caps.GetCapabilitiesAsync(User("carol", protocol)).WaitAsync(s_wait);
        Assert.Equal((RcsCapabilityStatus.Offline, 480), (carol.Status, carol.StatusCode));
        Assert.True(carol.Capabilities.IsEmpty);
        var nobody = await caps.GetCapabilitiesAsync(User("nobody", protocol)).WaitAsync(s_wait);
        Assert.Equal((RcsCapabilityStatus.NotRcs, 404), (nobody.Status, nobody.StatusCode));

        // After deregistration bob is offline; his last known capabilities stay in the client's cache entry.
        await bobPhone.UnregisterAsync().AsTask().WaitAsync(s_wait);
        await bobTablet.UnregisterAsync().AsTask().WaitAsync(s_wait);
        var offline = await caps.RefreshAsync(User("bob", protocol)).WaitAsync(s_wait);
        Assert.Equal((RcsCapabilityStatus.Offline, 480), (offline.Status, offline.StatusCode));
        Assert.Contains(RcsService.IpVideoCall, offline.Capabilities.Services);
    }

    [Fact]
    public async Task AnswerFollowsCallerPreferencesOverTheContacts()
    {
        const SipTransportProtocol protocol = SipTransportProtocol.Udp;
        await using var server = await StartServerAsync(protocol);
        var serverEp = server.LocalEndPoints[0];
        await using var phone = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var tablet = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        await using var r1 = await RegisterAsync(phone, serverEp, "bob", s_phone, "<urn:uuid:00000000-0000-0000-0000-0000000000b1>");
        await using var r2 = await RegisterAsync(tablet, serverEp, "bob", s_tablet, "<urn:uuid:00000000-0000-0000-0000-0000000000b2>");

        async Task<SipResponse> AskAsync(string? acceptContact, string? rejectContact = null)
        {
            var b = alice.Ua.CreateRequest("OPTIONS", User("bob", protocol), serverEp);
            if (acceptContact is not null)
            {
                b.AddHeader(SipHeaderName.AcceptContact, acceptContact);
            }
            if (rejectContact is not null)
            {
                b.AddHeader(SipHeaderName.RejectContact, rejectContact);
            }
            return await alice.Ua.SendRequestAsync(b.Build(), serverEp).WaitAsync(s_wait);
        }

        static RcsCapabilities Read(SipResponse r) => RcsCapabilities.FromFeatures(SipFeatureSet.FromParameters(Assert.Single(r.Contacts).Parameters));

        // Only the tablet declares video: with require + explicit only its tags answer.
        var video = await AskAsync("*;video;require;explicit");
        Assert.Equal(200, video.StatusCode);
        Assert.Equal($"sip:bob@{Domain}", Assert.Single(video.Contacts).Uri.Text);
        Assert.Equal(s_tablet.Services, Read(video).Services);
        var accept = new List<SipCallerPreference>();
        Assert.True(SipCallerPreference.TryParseList(video.GetHeader(SipHeaderName.AcceptContact), accept));
        Assert.Equal(s_tablet.Services, RcsCapabilities.FromFeatures(Assert.Single(accept).Features).Services);

        // Rejecting the chatbot-capable contact leaves the phone.
        var noBot = await AskAsync(null, "*;+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\"");
        Assert.Equal(s_phone.Services, Read(noBot).Services);

        // Nothing matches a required service nobody has: 480.
        Assert.Equal(480, (await AskAsync("*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.gsma.sharedmap\";require;explicit")).StatusCode);
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task ForwardedToTheDeviceWhichAnswersWithItsOwnTags(SipTransportProtocol protocol)
    {
        await using var server = await StartServerAsync(protocol, forward: true);
        var serverEp = server.LocalEndPoints[0];
        await using var phone = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        using var phoneCaps = new RcsCapabilityClient(phone.Ua, new RcsCapabilityOptions { Own = s_phone, NextHop = serverEp }).Attach();
        await using var reg = await RegisterAsync(phone, serverEp, "bob", s_phone, "<urn:uuid:00000000-0000-0000-0000-0000000000c1>");

        using var caps = Client(alice, serverEp);
        var bob = await caps.GetCapabilitiesAsync(User("bob", protocol)).WaitAsync(s_wait);
        Assert.Equal(RcsCapabilityStatus.Rcs, bob.Status);
        Assert.Equal(s_phone.Services, bob.Capabilities.Services);
        // The device answered and learnt alice's tags from the forwarded OPTIONS.
        Assert.True(phoneCaps.TryGetCached(SipUri.Parse("sip:alice@127.0.0.1"), out var learnt));
        Assert.Equal(s_alice.Services, learnt!.Capabilities.Services);
    }

    [Fact]
    public async Task ProxyForksOnlyToTheContactsCallerPreferencesKeep()
    {
        const SipTransportProtocol protocol = SipTransportProtocol.Udp;
        await using var server = await StartServerAsync(protocol);
        var serverEp = server.LocalEndPoints[0];
        await using var phone = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var tablet = await LoopbackUserAgent.StartAsync("bob", protocol);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        var received = new List<string>();
        foreach (var (device, name) in new[] { (phone, "phone"), (tablet, "tablet") })
        {
            device.Ua.Handle("MESSAGE", (r, _) =>
            {
                lock (received)
                {
                    received.Add(name);
                }
                return ValueTask.FromResult<SipResponse?>(r.CreateResponse(200).Build());
            });
        }
        // The phone declares the methods it takes (no MESSAGE): the implicit preference of RFC 3841 §7.2.2 skips it.
        var phoneCaps = RcsCapabilities.FromFeatures(s_phone.Features.With("methods", "\"INVITE,OPTIONS,BYE,CANCEL,ACK\""));
        await using var r1 = await RegisterAsync(phone, serverEp, "bob", phoneCaps, "<urn:uuid:00000000-0000-0000-0000-0000000000d1>");
        await using var r2 = await RegisterAsync(tablet, serverEp, "bob", s_tablet, "<urn:uuid:00000000-0000-0000-0000-0000000000d2>");
        // Only a registered user may send in its own name (3GPP TS 24.229 §5.2.6.3.3).
        await using var r3 = await RegisterAsync(alice, serverEp, "alice", s_alice, "<urn:uuid:00000000-0000-0000-0000-0000000000d3>");

        async Task<int> SendAsync(string? acceptContact)
        {
            var b = alice.Ua.CreateRequest("MESSAGE", User("bob", protocol), serverEp);
            if (acceptContact is not null)
            {
                b.AddHeader(SipHeaderName.AcceptContact, acceptContact);
            }
            b.SetBody("hi"u8.ToArray(), "text/plain");
            return (await alice.Ua.SendRequestAsync(((SipRequestBuilder)b).Build(), serverEp).WaitAsync(s_wait)).StatusCode;
        }

        Assert.Equal(200, await SendAsync(null));
        Assert.Equal(["tablet"], received);
        received.Clear();
        // Explicit preferences replace the implicit ones: the phone's file transfer tag is required.
        Assert.Equal(200, await SendAsync("*;+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\";require;explicit"));
        Assert.Equal(["phone"], received);
        Assert.Equal(480, await SendAsync("*;+g.gsma.rcs.isbot;require;explicit"));
    }
}
