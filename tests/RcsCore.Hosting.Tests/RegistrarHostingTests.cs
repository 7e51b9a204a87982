using System.Net;
using System.Text;
using System.Xml;
using RcsCore.Hosting.Storage;
using RcsCore.Hosting.Tests.Storage;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>The server with its registrar on real sockets: REGISTER with Digest/AKA over UDP and TCP, routing to bindings, reg event, restart.</summary>
public sealed class RegistrarHostingTests
{
    private const string Domain = "example.test";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static async Task<SipServer> StartServerAsync(string? dataDirectory, SipTransportProtocol protocol = SipTransportProtocol.Udp, ISubscriberStore? subscribers = null)
    {
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            DataDirectory = dataDirectory,
            Subscribers = subscribers,
            ServiceRoute = ["<sip:orig@scscf.example.test;lr>"],
            Timers = LoopbackUserAgent.FastTimers,
        });
        await server.StartAsync();
        return server;
    }

    private static SipRequest Register(LoopbackUserAgent ua, SipEndPoint server, string user, uint cseq, string? authorization = null, uint expires = 600)
    {
        var aor = new SipNameAddress(SipUri.Parse($"sip:{user}@{Domain}"));
        var b = ua.Ua.CreateRequest("REGISTER", SipUri.Parse($"sip:{Domain}"), server, aor, "reg-" + user + "-" + ua.Local.Address.Port, cseq);
        b.AddHeader(SipHeaderName.Contact, $"<{ua.Uri(user).Text}>");
        b.AddHeader(SipHeaderName.Expires, expires.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (authorization is not null)
        {
            b.AddHeader(SipHeaderName.Authorization, authorization);
        }
        return b.Build();
    }

    private static SipDigestChallenge Challenge(SipResponse response)
    {
        Assert.Equal(401, response.StatusCode);
        Assert.True(SipDigestChallenge.TryParse(response.GetHeader(SipHeaderName.WwwAuthenticate)!, out var c).IsSuccess);
        return c!;
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task DigestRegisterThenCallsAreRoutedToTheBindingAndSurviveARestart(SipTransportProtocol protocol)
    {
        using var dir = new TempDirectory();
        using (var db = RcsDatabase.Open(dir.Path))
        {
            // What `rcs user add sip:bob@example.test --password bobpw` writes.
            await new SqliteSubscriberStore(db).SaveAsync(new SipSubscriber { Impi = "bob@example.test", Impus = ["sip:bob@example.test"], Password = "bobpw" });
        }
        await using var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", protocol);
        var messages = new List<string>();
        bob.Ua.Handle("MESSAGE", (req, _) =>
        {
            lock (messages)
            {
                messages.Add(Encoding.UTF8.GetString(req.Request.Body.Span));
            }
            return ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build());
        });

        var server = await StartServerAsync(dir.Path, protocol);
        try
        {
            var serverEp = server.LocalEndPoints[0];
            var challenge = Challenge(await bob.Ua.SendRequestAsync(Register(bob, serverEp, "bob", 1), serverEp).WaitAsync(s_wait));
            Assert.Equal(Domain, challenge.Realm);
            Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateCredentials(challenge, "bob@example.test", "bobpw", "REGISTER", $"sip:{Domain}", default, out var credentials));
            var ok = await bob.Ua.SendRequestAsync(Register(bob, serverEp, "bob", 2, credentials!.ToString()), serverEp).WaitAsync(s_wait);
            Assert.Equal(200, ok.StatusCode);
            Assert.Equal(bob.Uri("bob").Text, Assert.Single(ok.Contacts).Uri.Text);
            Assert.Equal("<sip:orig@scscf.example.test;lr>", ok.GetHeader(SipHeaderName.ServiceRoute));
            Assert.Equal("<sip:bob@example.test>", ok.GetHeader(SipHeaderName.PAssociatedUri));

            // The proxy routes a MESSAGE for the AoR to the registered contact.
            await SendMessageAsync(alice, serverEp, "bob", "hello bob");
            Assert.Equal(["hello bob"], messages);
            // An unknown user is 404 (a known user without binding: stored, 202, see below).
            Assert.Equal(404, (await SendMessageAsync(alice, serverEp, "nobody", "?", expectOk: false)).StatusCode);
        }
        finally
        {
            await server.DisposeAsync();
        }

        // Restart on the same data directory: the binding is still there.
        await using var restarted = await StartServerAsync(dir.Path, protocol);
        Assert.Single(await restarted.Locations.LookupAsync("sip:bob@example.test"));
        await SendMessageAsync(alice, restarted.LocalEndPoints[0], "bob", "after restart");
        Assert.Equal(["hello bob", "after restart"], messages);

        // Deregistration (expires 0) makes the known user unavailable: the message centre stores the MESSAGE and
        // answers 202 (RFC 3428 §7).
        await restarted.Registrar.DeregisterAsync("sip:bob@example.test");
        Assert.Equal(202, (await SendMessageAsync(alice, restarted.LocalEndPoints[0], "bob", "?", expectOk: false)).StatusCode);
        Assert.Equal(1, restarted.MessageCentre.PendingRecipients);
    }

    private static async Task<SipResponse> SendMessageAsync(LoopbackUserAgent from, SipEndPoint server, string user, string text, bool expectOk = true)
    {
        var target = SipUri.Parse($"sip:{user}@{Domain}" + (server.Protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : ""));
        var b = from.Ua.CreateRequest("MESSAGE", target, server);
        b.SetBody(Encoding.UTF8.GetBytes(text), "text/plain");
        var response = await from.Ua.SendRequestAsync(((SipRequestBuilder)b).Build(), server).WaitAsync(s_wait);
        if (expectOk)
        {
            Assert.Equal(200, response.StatusCode);
        }
        return response;
    }

    [Fact]
    public async Task AkaRegisterOverUdpWithResynchronisation()
    {
        var k = Convert.FromHexString("465b5ce8b199b49faa5f0a2ee238a6bc");
        var opc = Convert.FromHexString("cd63cb71954a9f4e48a5994e37a02baf");
        var subscribers = new InMemorySubscriberStore();
        await subscribers.SaveAsync(new SipSubscriber { Impi = "carol@example.test", Impus = ["sip:carol@example.test"], Aka = new SipAkaSubscription(k, opc) });
        await using var server = await StartServerAsync(null, subscribers: subscribers);
        await using var carol = await LoopbackUserAgent.StartAsync("carol", SipTransportProtocol.Udp);
        using var usim = new ImsAkaClient(k, opc, new ImsAkaSequenceWindow(highestAccepted: (500UL << 5) | 1));
        var client = new SipDigestClient();
        var serverEp = server.LocalEndPoints[0];
        const string initial = "Digest username=\"carol@example.test\", realm=\"example.test\", nonce=\"\", uri=\"sip:example.test\", response=\"\"";

        var first = Challenge(await carol.Ua.SendRequestAsync(Register(carol, serverEp, "carol", 1, initial), serverEp).WaitAsync(s_wait));
        Assert.Equal(SipDigestAlgorithm.AkaV1Md5, first.Algorithm);
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(first, "carol@example.test", usim, "REGISTER", $"sip:{Domain}", default, out var aka, out var resync));
        Assert.Equal(ImsAkaOutcome.SynchronisationFailure, aka!.Outcome);
        var second = Challenge(await carol.Ua.SendRequestAsync(Register(carol, serverEp, "carol", 2, resync!.ToString()), serverEp).WaitAsync(s_wait));
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(second, "carol@example.test", usim, "REGISTER", $"sip:{Domain}", default, out aka, out var answer));
        Assert.Equal(ImsAkaOutcome.Success, aka!.Outcome);
        Assert.Equal(200, (await carol.Ua.SendRequestAsync(Register(carol, serverEp, "carol", 3, answer!.ToString()), serverEp).WaitAsync(s_wait)).StatusCode);
        Assert.True((await subscribers.FindByImpiAsync("carol@example.test"))!.Aka!.Sequence > 500);
    }

    [Fact]
    public async Task RegEventSubscribeOverUdpGetsNotifies()
    {
        await using var server = await StartServerAsync(null);
        await using var dave = await LoopbackUserAgent.StartAsync("dave", SipTransportProtocol.Udp);
        // The watcher: SipUserAgent keeps no subscription dialogs (it would answer the NOTIFY 481), so a raw
        // transaction user plays the subscriber (RFC 6665 §4.1).
        await using var watcher = await NotifySink.StartAsync();
        var serverEp = server.LocalEndPoints[0];

        // Open registration (no subscribers): any AoR of the domain.
        Assert.Equal(200, (await dave.Ua.SendRequestAsync(Register(dave, serverEp, "dave", 1), serverEp).WaitAsync(s_wait)).StatusCode);

        var aor = SipUri.Parse($"sip:dave@{Domain}");
        var subscribe = new SipRequestBuilder("SUBSCRIBE", aor);
        subscribe.AddHeader(SipHeaderName.Via, $"SIP/2.0/UDP {watcher.Local.Address};branch={SipIds.NewBranch()};rport");
        subscribe.AddHeader(SipHeaderName.MaxForwards, "70");
        // The watcher is the user itself (RFC 3680 §6): From is the AoR.
        subscribe.AddHeader(SipHeaderName.From, $"<sip:dave@{Domain}>;tag=dave-watch");
        subscribe.AddHeader(SipHeaderName.To, $"<sip:dave@{Domain}>");
        subscribe.AddHeader(SipHeaderName.CallId, "watch-1");
        subscribe.AddHeader(SipHeaderName.CSeq, "1 SUBSCRIBE");
        subscribe.AddHeader(SipHeaderName.Contact, $"<sip:dave@{watcher.Local.Address}>");
        subscribe.AddHeader(SipHeaderName.Event, "reg");
        subscribe.AddHeader(SipHeaderName.Expires, "600");
        subscribe.AddHeader(SipHeaderName.Accept, SipRegInfo.ContentType);
        var ok = await watcher.Transactions.SendRequestAsync(subscribe.Build(), serverEp).WaitAsync(s_wait);
        Assert.Equal(200, ok.StatusCode);

        var first = await watcher.Notifies.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
        Assert.Equal(ok.To!.Tag, first.From!.Tag);
        var doc = Parse(first);
        Assert.Equal("0", doc.DocumentElement!.GetAttribute("version"));
        Assert.Equal("active", ((XmlElement)doc.DocumentElement.FirstChild!).GetAttribute("state"));

        // A network-initiated deregistration: NOTIFY with deactivated, subscription terminated.
        await server.Registrar.DeregisterAsync($"sip:dave@{Domain}");
        var last = await watcher.Notifies.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
        Assert.Equal("terminated;reason=deactivated", last.GetHeader(SipHeaderName.SubscriptionState));
        Assert.Contains("event=\"deactivated\"", Encoding.UTF8.GetString(last.Body.Span), StringComparison.Ordinal);
        Assert.Equal(2u, last.CSeq!.Value.Number);
        Assert.Equal(0, server.RegEvents.Count);
    }

    /// <summary>A bare transaction user on UDP that answers NOTIFY with 200 and records it.</summary>
    private sealed class NotifySink : ISipTransactionUser, IAsyncDisposable
    {
        private readonly SipTransportLayer _transport;

        private NotifySink()
        {
            _transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))] });
            Transactions = new SipTransactionLayer(_transport, this, LoopbackUserAgent.FastTimers);
            _transport.Handler = Transactions;
        }

        public SipTransactionLayer Transactions { get; }
        public System.Threading.Channels.Channel<SipRequest> Notifies { get; } = System.Threading.Channels.Channel.CreateUnbounded<SipRequest>();
        public SipEndPoint Local => _transport.LocalEndPoints[0];

        public static async Task<NotifySink> StartAsync()
        {
            var sink = new NotifySink();
            await sink._transport.StartAsync();
            return sink;
        }

        public async ValueTask OnRequestAsync(SipServerTransaction transaction, CancellationToken ct)
        {
            Notifies.Writer.TryWrite(transaction.Request);
            await transaction.SendResponseAsync(SipResponseBuilder.For(transaction.Request, transaction.Method == "NOTIFY" ? 200 : 405).Build(), ct);
        }

        public ValueTask OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct) => default;

        public ValueTask OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct) => default;

        public void OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception)
        {
        }

        public async ValueTask DisposeAsync()
        {
            Transactions.Dispose();
            await _transport.DisposeAsync();
        }
    }

    private static XmlDocument Parse(SipRequest notify)
    {
        Assert.Equal(SipRegInfo.ContentType, notify.ContentType);
        var doc = new XmlDocument();
        doc.LoadXml(Encoding.UTF8.GetString(notify.Body.Span));
        return doc;
    }
}
