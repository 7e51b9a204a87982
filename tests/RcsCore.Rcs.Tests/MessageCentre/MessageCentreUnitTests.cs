using System.Text;
using System.Xml;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Cpim;
using RcsCore.Rcs.Imdn;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Rcs.Tests.MessageCentre;

/// <summary>The message centre's pieces without sockets: the IMDN seam, the rate limiter, the in-memory store.</summary>
public sealed class MessageCentreUnitTests
{
    private static StoredMessage Message(string sender, string recipient, byte[] body, string? id = null, string? disposition = null, DateTimeOffset? at = null) => new()
    {
        Sender = sender,
        Recipient = recipient,
        From = "<" + sender + ">;tag=1",
        To = "<" + recipient + ">",
        ContentType = "message/cpim",
        Body = body,
        ImdnMessageId = id,
        DispositionNotification = disposition,
        ReceivedAt = at ?? DateTimeOffset.UnixEpoch,
        ExpiresAt = (at ?? DateTimeOffset.UnixEpoch) + TimeSpan.FromDays(7),
    };

    [Fact]
    public void TheSeamReadsTheImdnRequestOfTheRfc5438Example()
    {
        var body = File.ReadAllBytes(RepoPaths.CorpusFile("cpim", "rfc5438-s7.1.1.3-im-request-delivery.cpim"));
        var (id, disposition) = ImdnDeliveryNotifications.Instance.ReadRequest("Message/CPIM", body);
        Assert.Equal("34jk324j", id);
        Assert.Equal("positive-delivery, negative-delivery", disposition);
        // Not CPIM: nothing asked.
        Assert.Equal((null, null), ImdnDeliveryNotifications.Instance.ReadRequest("text/plain", body));
    }

    [Fact]
    public void TheSeamHonoursAnotherNamespacePrefix()
    {
        var body = Encoding.ASCII.GetBytes("From: <im:a@x>\r\nNS: n <urn:ietf:params:imdn>\r\nn.Message-ID: abc\r\nn.Disposition-Notification: negative-delivery\r\nimdn.Message-ID: wrong\r\n\r\nContent-type: text/plain\r\n\r\nhi");
        Assert.Equal(("abc", "negative-delivery"), ImdnDeliveryNotifications.Instance.ReadRequest("message/cpim", body));
    }

    [Fact]
    public void DeliveryNotificationFollowsRfc5438Section7211()
    {
        var original = File.ReadAllBytes(RepoPaths.CorpusFile("cpim", "rfc5438-s7.1.1.3-im-request-delivery.cpim"));
        var message = Message("sip:alice@example.com", "sip:bob@example.com", original, "34jk324j", "positive-delivery, negative-delivery");
        var now = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);

        var delivered = ImdnDeliveryNotifications.Instance.Create(message, delivered: true, now)!;
        Assert.Equal("message/cpim", delivered.ContentType);
        // The notification is a CPIM message (RFC 3862) from the recipient to the sender with its own imdn.Message-ID,
        // Content-Disposition notification and no request of its own (RFC 5438 §7.2.1.1).
        Assert.True(CpimMessage.TryParse(delivered.Body, out var cpim).IsSuccess);
        Assert.Equal("sip:bob@example.com", cpim!.From!.Uri);
        Assert.Equal("sip:alice@example.com", Assert.Single(cpim.To).Uri);
        Assert.Equal(delivered.MessageId, cpim.GetImdnMessageId());
        Assert.NotEqual("34jk324j", delivered.MessageId);
        Assert.Equal(now, cpim.DateTime);
        Assert.Equal("message/imdn+xml", cpim.ContentType);
        Assert.Equal("notification", cpim.GetContentHeader("Content-Disposition"));
        Assert.Equal(cpim.Content.Length, cpim.ContentLength);
        Assert.Equal(ImdnDispositions.None, cpim.GetDispositionNotification());
        Assert.True(cpim.IsImdnNotification());
        Assert.Contains("NS: imdn <urn:ietf:params:imdn>\r\n", Split(delivered.Body).Headers, StringComparison.Ordinal);
        string xml = Encoding.UTF8.GetString(cpim.Content.Span);

        var doc = new XmlDocument();
        doc.LoadXml(xml);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("i", "urn:ietf:params:xml:ns:imdn");
        Assert.Equal("34jk324j", doc.SelectSingleNode("/i:imdn/i:message-id", ns)!.InnerText);
        // The original's DateTime header (RFC 5438 §7.2.1.1).
        Assert.Equal("2006-04-04T12:16:49-05:00", doc.SelectSingleNode("/i:imdn/i:datetime", ns)!.InnerText);
        Assert.Equal("sip:bob@example.com", doc.SelectSingleNode("/i:imdn/i:recipient-uri", ns)!.InnerText);
        // RFC 5438 §7.2.1.1: the original recipient is the IM's imdn.Original-To, else its CPIM To.
        Assert.Equal("im:bob@example.com", doc.SelectSingleNode("/i:imdn/i:original-recipient-uri", ns)!.InnerText);
        Assert.NotNull(doc.SelectSingleNode("/i:imdn/i:delivery-notification/i:status/i:delivered", ns));

        var failed = ImdnDeliveryNotifications.Instance.Create(message, delivered: false, now)!;
        doc.LoadXml(Split(failed.Body).Xml);
        Assert.NotNull(doc.SelectSingleNode("/i:imdn/i:delivery-notification/i:status/i:failed", ns));
    }

    [Theory]
    [InlineData(null, true, false)]
    [InlineData("positive-delivery", true, true)]
    [InlineData("positive-delivery", false, false)]
    [InlineData("display, negative-delivery", false, true)]
    [InlineData("Negative-Delivery", false, true)]
    [InlineData("display", true, false)]
    public void ANotificationIsMadeOnlyWhenAskedFor(string? disposition, bool delivered, bool expected)
    {
        var message = Message("sip:a@x", "sip:b@x", Encoding.ASCII.GetBytes("x"), "id1", disposition);
        Assert.Equal(expected, ImdnDeliveryNotifications.Instance.Create(message, delivered, DateTimeOffset.UnixEpoch) is not null);
        // Without a Message-ID there is nothing to name.
        Assert.Null(ImdnDeliveryNotifications.Instance.Create(message with { ImdnMessageId = null }, delivered, DateTimeOffset.UnixEpoch));
    }

    private static (string Headers, string Xml) Split(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        int xml = text.IndexOf("<?xml", StringComparison.Ordinal);
        return (text[..xml], text[xml..]);
    }

    private static MessagingRequest Request(string sender, string recipient) => new()
    {
        Sender = sender,
        Recipient = recipient,
        Source = new SipEndPoint(SipTransportProtocol.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5060)),
        Request = s_request,
    };

    private static readonly SipRequest s_request = BuildRequest();

    private static SipRequest BuildRequest()
    {
        var b = new SipRequestBuilder("MESSAGE", SipUri.Parse("sip:b@x"));
        b.AddHeader(RcsCore.Parsing.Sip.SipHeaderName.Via, "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1");
        return b.Build();
    }

    [Fact]
    public async Task RateLimiterAllowsTheBurstThenSays429UntilTheBucketRefills()
    {
        var time = new FakeTimeProvider();
        var policy = new RateLimitingMessagingPolicy(new MessagingRateLimits { SenderRate = 1, SenderBurst = 3, PairRate = 0.5, PairBurst = 2 }, time);

        Assert.True((await policy.CheckAsync(Request("a", "b"))).IsAllowed);
        Assert.True((await policy.CheckAsync(Request("a", "b"))).IsAllowed);
        var pair = await policy.CheckAsync(Request("a", "b"));
        Assert.Equal(429, pair.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), pair.RetryAfter);
        // The pair refusal did not use up a sender token: one more to someone else, then the sender limit.
        Assert.True((await policy.CheckAsync(Request("a", "c"))).IsAllowed);
        var sender = await policy.CheckAsync(Request("a", "d"));
        Assert.Equal(429, sender.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), sender.RetryAfter);
        // Others are not affected.
        Assert.True((await policy.CheckAsync(Request("z", "b"))).IsAllowed);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True((await policy.CheckAsync(Request("a", "b"))).IsAllowed);
        Assert.Equal(429, (await policy.CheckAsync(Request("a", "b"))).StatusCode);
    }

    [Fact]
    public void DenyChecksTheStatus()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MessagingDecision.Deny(202));
        Assert.Equal(403, MessagingDecision.Deny(403).StatusCode);
        Assert.False(MessagingDecision.Deny(403).IsAllowed);
        Assert.True(MessagingDecision.Allow.IsAllowed);
    }

    [Fact]
    public async Task InMemoryStoreKeepsQueueOrderExpiryAndConversations()
    {
        var store = new InMemoryMessageStore();
        var t0 = DateTimeOffset.UnixEpoch;
        long a1 = await store.EnqueueAsync(Message("sip:a@x", "sip:b@x", [1], at: t0));
        long c1 = await store.EnqueueAsync(Message("sip:c@x", "sip:b@x", [2], at: t0.AddSeconds(1)));
        long a2 = await store.RecordDeliveredAsync(Message("sip:b@x", "sip:a@x", [3], at: t0.AddSeconds(2)));
        long a3 = await store.EnqueueAsync(Message("sip:a@x", "sip:b@x", [4], at: t0.AddSeconds(3)) with { ExpiresAt = t0.AddSeconds(4) });

        Assert.Equal([a1, c1, a3], (await store.GetPendingAsync("sip:b@x", 10)).Select(m => m.Id));
        Assert.Equal([a1, c1], (await store.GetPendingAsync("sip:b@x", 2)).Select(m => m.Id));
        Assert.Equal(["sip:b@x"], await store.GetPendingRecipientsAsync());
        Assert.Equal([a3], (await store.GetExpiredAsync(t0.AddSeconds(5), 10)).Select(m => m.Id));

        Assert.True(await store.CompleteAsync(a1, MessageState.Delivered, t0.AddSeconds(6)));
        Assert.False(await store.CompleteAsync(a1, MessageState.Expired, t0.AddSeconds(7)));
        Assert.Equal([c1, a3], (await store.GetPendingAsync("sip:b@x", 10)).Select(m => m.Id));

        var conversation = await store.GetConversationAsync("sip:b@x", "sip:a@x");
        Assert.Equal([a1, a2, a3], conversation.Select(m => m.Id));
        Assert.Equal([MessageState.Delivered, MessageState.Delivered, MessageState.Pending], conversation.Select(m => m.State));
        Assert.Equal([a2], (await store.GetConversationAsync("sip:a@x", "sip:b@x", new ConversationQuery { AfterId = a1, Limit = 1 })).Select(m => m.Id));
        Assert.Equal([a3], (await store.GetConversationAsync("sip:a@x", "sip:b@x", new ConversationQuery { Since = t0.AddSeconds(3) })).Select(m => m.Id));
    }
}
