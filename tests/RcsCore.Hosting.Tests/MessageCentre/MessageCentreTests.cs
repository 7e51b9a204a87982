using System.Text;
using RcsCore.Hosting.Storage;
using RcsCore.Hosting.Tests.Storage;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;
using static RcsCore.Hosting.Tests.MessageCentre.MessageCentreHarness;

namespace RcsCore.Hosting.Tests.MessageCentre;

/// <summary>The message centre in a SipServer on real UDP sockets: pager mode online and store-and-forward.</summary>
public sealed class MessageCentreTests
{
    private const string Alice = "sip:alice@example.test";
    private const string Bob = "sip:bob@example.test";

    [Fact]
    public async Task OnlineRecipientGetsTheMessageAtOnceWithItsBodyIntact()
    {
        await using var server = await StartServerAsync(subscribers: await SubscribersAsync());
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        var bobInbox = Inbox(bob);
        await RegisterAsync(bob, server, "bob");
        await RegisterAsync(alice, server, "alice");

        var body = CpimTestMessages.Message(Alice, Bob, "m-online-1", "hello bob");
        var response = await SendAsync(alice, server, "alice", "bob", body);

        Assert.Equal(200, response.StatusCode);
        var got = await bobInbox.NextAsync();
        Assert.Equal(body, got.Body.ToArray());
        Assert.Equal(CpimTestMessages.ContentType, got.ContentType);
        Assert.Equal(2, got.Vias.Count); // proxied (RFC 3261 §16.6), not re-originated
        await EventuallyAsync(async () => (await server.MessageCentre.Store.GetConversationAsync(Alice, Bob)).Count == 1, "the history entry");
        var entry = Assert.Single(await server.MessageCentre.Store.GetConversationAsync(Bob, Alice));
        Assert.Equal(MessageState.Delivered, entry.State);
        Assert.Equal("m-online-1", entry.ImdnMessageId);
        Assert.Equal(0, server.MessageCentre.PendingRecipients);
    }

    [Fact]
    public async Task OfflineRecipientGets202ThenTheMessagesInOrderOnRegisterAndTheSenderADeliveryNotification()
    {
        await using var server = await StartServerAsync(subscribers: await SubscribersAsync());
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        var aliceInbox = Inbox(alice);
        await RegisterAsync(alice, server, "alice");

        var bodies = new List<byte[]>();
        for (int i = 1; i <= 3; i++)
        {
            var body = CpimTestMessages.Message(Alice, Bob, "m-offline-" + i, "message " + i, disposition: i == 2 ? null : "positive-delivery, negative-delivery");
            bodies.Add(body);
            // The P-CSCF's asserted identity travels with the stored message (RFC 3325 §9.1).
            var response = await SendAsync(alice, server, "alice", "bob", body, edit: b => b.AddHeader(SipHeaderName.PAssertedIdentity, "\"Alice\" <sip:alice@example.test>"));
            // RFC 3428 §7: accepted for later delivery.
            Assert.Equal(202, response.StatusCode);
        }
        var pending = await server.MessageCentre.Store.GetConversationAsync(Alice, Bob);
        Assert.Equal(3, pending.Count);
        Assert.All(pending, m => Assert.Equal(MessageState.Pending, m.State));

        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        var bobInbox = Inbox(bob);
        await RegisterAsync(bob, server, "bob");

        for (int i = 0; i < 3; i++)
        {
            var got = await bobInbox.NextAsync();
            Assert.Equal(bodies[i], got.Body.ToArray());
            Assert.Equal(CpimTestMessages.ContentType, got.ContentType);
            // RFC 3428: the original sender, not the centre.
            Assert.Equal("Alice", got.From!.DisplayName);
            Assert.Equal(Alice, got.From.Uri.Text);
            Assert.Equal("\"Alice\" <sip:alice@example.test>", got.GetHeader(SipHeaderName.PAssertedIdentity));
            Assert.Equal(Bob, got.To!.Uri.Text);
        }

        // Messages 1 and 3 asked for positive-delivery: two delivery notifications, in order, from bob.
        foreach (var id in (string[])["m-offline-1", "m-offline-3"])
        {
            var notification = await aliceInbox.NextAsync();
            Assert.Equal(CpimTestMessages.ContentType, notification.ContentType);
            var imdn = CpimTestMessages.ReadImdn(notification.Body.Span);
            Assert.Equal(id, imdn.MessageId);
            Assert.Equal("delivered", imdn.Status);
            // RFC 5438 §7.2.1.1: the IM's DateTime (an RFC 3339 instant; the fraction may be written or not).
            Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), DateTimeOffset.Parse(imdn.DateTime, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Bob, imdn.RecipientUri);
            Assert.Contains("Content-Disposition: notification", imdn.CpimHeaders, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Content-type: message/imdn+xml", imdn.CpimHeaders, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(Bob, notification.From!.Uri.Text);
        }

        await EventuallyAsync(async () => (await server.MessageCentre.Store.GetConversationAsync(Alice, Bob)).Count(m => m.State == MessageState.Delivered) == 5, "5 delivered");
        var history = await server.MessageCentre.Store.GetConversationAsync(Alice, Bob);
        Assert.Equal(["m-offline-1", "m-offline-2", "m-offline-3"], history.Where(m => m.Sender == Alice).Select(m => m.ImdnMessageId));
        Assert.Equal(2, history.Count(m => m.Sender == Bob));
        // Paging: two at a time.
        var first = await server.MessageCentre.Store.GetConversationAsync(Alice, Bob, new ConversationQuery { Limit = 2 });
        var second = await server.MessageCentre.Store.GetConversationAsync(Alice, Bob, new ConversationQuery { Limit = 2, AfterId = first[^1].Id });
        Assert.Equal(history.Take(4).Select(m => m.Id), first.Concat(second).Select(m => m.Id));
        Assert.Equal(0, aliceInbox.Reader.Count);
    }

    [Fact]
    public async Task ExpiredMessageIsDroppedWithAFailureNotification()
    {
        var options = new MessageCentreOptions { MessageExpiry = TimeSpan.FromMilliseconds(600), ExpirySweepInterval = TimeSpan.FromMilliseconds(100) };
        await using var server = await StartServerAsync(options, await SubscribersAsync());
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        var aliceInbox = Inbox(alice);
        await RegisterAsync(alice, server, "alice");

        Assert.Equal(202, (await SendAsync(alice, server, "alice", "bob", CpimTestMessages.Message(Alice, Bob, "m-expire", "too late"))).StatusCode);

        // RFC 5438 §7.2.1.2: negative-delivery was asked for: a "failed" notification.
        var notification = await aliceInbox.NextAsync();
        var imdn = CpimTestMessages.ReadImdn(notification.Body.Span);
        Assert.Equal("m-expire", imdn.MessageId);
        Assert.Equal("failed", imdn.Status);
        var history = await server.MessageCentre.Store.GetConversationAsync(Alice, Bob);
        Assert.Equal(MessageState.Expired, history.Single(m => m.ImdnMessageId == "m-expire").State);

        // bob registers later: nothing is delivered.
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        var bobInbox = Inbox(bob);
        await RegisterAsync(bob, server, "bob");
        await server.MessageCentre.DeliverPendingAsync(Bob).WaitAsync(Wait);
        Assert.Equal(0, bobInbox.Reader.Count);
    }

    [Fact]
    public async Task PolicyRefusalIs403AndRateLimitIs429WithRetryAfter()
    {
        var policy = new DenyPolicy("sip:carol@example.test");
        await using var server = await StartServerAsync(subscribers: await SubscribersAsync(), policy: policy);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await RegisterAsync(alice, server, "alice");

        var refused = await SendAsync(alice, server, "alice", "carol", Encoding.UTF8.GetBytes("spam"), "text/plain");
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("Forbidden: carol does not take messages from alice", refused.ReasonPhrase);
        Assert.Empty(await server.MessageCentre.Store.GetConversationAsync(Alice, "sip:carol@example.test"));

        // bob is offline: the policy passes, the message is stored.
        Assert.Equal(202, (await SendAsync(alice, server, "alice", "bob", Encoding.UTF8.GetBytes("hi"), "text/plain")).StatusCode);
        Assert.Equal(2, policy.Asked);

        var limited = new RateLimitingMessagingPolicy(new MessagingRateLimits { PairRate = 0.01, PairBurst = 2 });
        await using var server2 = await StartServerAsync(subscribers: await SubscribersAsync(), policy: limited);
        await RegisterAsync(alice, server2, "alice");
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(202, (await SendAsync(alice, server2, "alice", "bob", Encoding.UTF8.GetBytes("hi " + i), "text/plain")).StatusCode);
        }
        var tooMany = await SendAsync(alice, server2, "alice", "bob", Encoding.UTF8.GetBytes("hi 3"), "text/plain");
        // RFC 6585 §4.
        Assert.Equal(429, tooMany.StatusCode);
        Assert.True(int.Parse(tooMany.GetHeader(SipHeaderName.RetryAfter)!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        // Another pair is not limited.
        Assert.Equal(202, (await SendAsync(alice, server2, "alice", "carol", Encoding.UTF8.GetBytes("hi"), "text/plain")).StatusCode);
    }

    [Fact]
    public async Task OversizedContentIs413AndUnknownUserIs404()
    {
        await using var server = await StartServerAsync(subscribers: await SubscribersAsync());
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await RegisterAsync(alice, server, "alice");

        // Exactly 1300 bytes is pager mode; one more is not (RFC 3428 §8).
        Assert.Equal(202, (await SendAsync(alice, server, "alice", "bob", new byte[1300], "application/octet-stream")).StatusCode);
        var tooLarge = await SendAsync(alice, server, "alice", "bob", new byte[1301], "application/octet-stream");
        Assert.Equal(413, tooLarge.StatusCode);
        Assert.Contains("1300 bytes", tooLarge.ReasonPhrase, StringComparison.Ordinal);

        Assert.Equal(404, (await SendAsync(alice, server, "alice", "nobody", Encoding.UTF8.GetBytes("?"), "text/plain")).StatusCode);
        Assert.Single(await server.MessageCentre.Store.GetConversationAsync(Alice, Bob));
    }

    [Fact]
    public async Task ContactThatDoesNotAnswerMakesTheCentreStoreAndDeliverLater()
    {
        var options = new MessageCentreOptions { ForwardTimeout = TimeSpan.FromMilliseconds(700), RetryInitialDelay = TimeSpan.FromMilliseconds(200) };
        await using var server = await StartServerAsync(options, await SubscribersAsync());
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await RegisterAsync(alice, server, "alice");

        // bob registers, then his phone goes silent without deregistering (the socket drops everything).
        var silent = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        await RegisterAsync(silent, server, "bob");
        silent.Sender.Drop = (_, _) => true;
        var silentInbox = Inbox(silent);

        var body = CpimTestMessages.Message(Alice, Bob, "m-silent", "are you there?");
        Assert.Equal(202, (await SendAsync(alice, server, "alice", "bob", body)).StatusCode);
        await silent.DisposeAsync();

        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        var bobInbox = Inbox(bob);
        await RegisterAsync(bob, server, "bob");
        var got = await bobInbox.NextAsync();
        Assert.Equal(body, got.Body.ToArray());
        await EventuallyAsync(async () => (await server.MessageCentre.Store.GetConversationAsync(Alice, Bob)).Any(m => m.State == MessageState.Delivered), "delivered");
    }

    [Fact]
    public async Task StoredMessagesSurviveARestartOnTheSameDataDirectory()
    {
        using var dir = new TempDirectory();
        using (var db = RcsDatabase.Open(dir.Path))
        {
            var store = new SqliteSubscriberStore(db);
            foreach (var user in (string[])["alice", "bob"])
            {
                await store.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "pw" });
            }
        }
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        var aliceInbox = Inbox(alice);
        var body = CpimTestMessages.Message(Alice, Bob, "m-restart", "kept across a restart");
        var server = await StartServerAsync(dataDirectory: dir.Path);
        try
        {
            await RegisterAsync(alice, server, "alice");
            Assert.Equal(202, (await SendAsync(alice, server, "alice", "bob", body)).StatusCode);
        }
        finally
        {
            await server.DisposeAsync();
        }

        await using var restarted = await StartServerAsync(dataDirectory: dir.Path);
        Assert.Equal(1, restarted.MessageCentre.PendingRecipients);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        var bobInbox = Inbox(bob);
        await RegisterAsync(bob, restarted, "bob");
        Assert.Equal(body, (await bobInbox.NextAsync()).Body.ToArray());
        // alice's binding survived the restart too: her delivery notification reaches her.
        Assert.Equal("m-restart", CpimTestMessages.ReadImdn((await aliceInbox.NextAsync()).Body.Span).MessageId);
        var history = await restarted.MessageCentre.Store.GetConversationAsync(Alice, Bob);
        Assert.Equal(MessageState.Delivered, history.Single(m => m.ImdnMessageId == "m-restart").State);
    }

    private sealed class DenyPolicy(string blockedRecipient) : IMessagingPolicy
    {
        private int _asked;

        public int Asked => _asked;

        public ValueTask<MessagingDecision> CheckAsync(MessagingRequest request, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _asked);
            return ValueTask.FromResult(request.Recipient == blockedRecipient
                ? MessagingDecision.Deny(403, $"Forbidden: carol does not take messages from {SipUri.Parse(request.Sender).User}")
                : MessagingDecision.Allow);
        }
    }
}
