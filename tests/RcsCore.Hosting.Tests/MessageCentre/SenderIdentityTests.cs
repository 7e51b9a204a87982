using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Transport;
using Xunit;
using static RcsCore.Hosting.Tests.MessageCentre.MessageCentreHarness;

namespace RcsCore.Hosting.Tests.MessageCentre;

/// <summary>
/// Nobody sends in another user's name (3GPP TS 24.229 §5.2.6.3.3, RFC 3325 §5): with subscribers, a MESSAGE or INVITE
/// naming one of our users in From, P-Preferred-Identity or P-Asserted-Identity must come from where that user registered.
/// </summary>
public sealed class SenderIdentityTests
{
    private const string Alice = "sip:alice@example.test";
    private const string Bob = "sip:bob@example.test";

    [Fact]
    public async Task AMessageInTheNameOfAUserWhoDidNotRegisterFromThereIs403AndNothingIsStoredOrDelivered()
    {
        await using var server = await StartServerAsync(subscribers: await SubscribersAsync());
        await using var alice = await LoopbackUserAgent.StartAsync("alice", SipTransportProtocol.Udp);
        await using var mallory = await LoopbackUserAgent.StartAsync("mallory", SipTransportProtocol.Udp);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        var bobInbox = Inbox(bob);
        await RegisterAsync(alice, server, "alice");
        await RegisterAsync(bob, server, "bob");

        // From alice, but from another socket than alice's registration.
        var spoofed = await SendAsync(mallory, server, "alice", "bob", Encoding.UTF8.GetBytes("send me your PIN"), "text/plain");
        Assert.Equal(403, spoofed.StatusCode);
        Assert.Contains("sip:alice@example.test is not registered from", spoofed.ReasonPhrase, StringComparison.Ordinal);

        // A registered user (bob) claiming alice's identity in P-Asserted-Identity or P-Preferred-Identity.
        foreach (var header in new[] { SipHeaderName.PAssertedIdentity, SipHeaderName.PPreferredIdentity })
        {
            var claimed = await SendAsync(bob, server, "bob", "carol", Encoding.UTF8.GetBytes("hi"), "text/plain", edit: b => b.AddHeader(header, "<" + Alice + ">"));
            Assert.Equal(403, claimed.StatusCode);
        }
        Assert.Empty(await server.MessageCentre.Store.GetConversationAsync(Alice, Bob));
        Assert.Empty(await server.MessageCentre.Store.GetConversationAsync(Bob, "sip:carol@example.test"));
        Assert.False(bobInbox.Reader.TryRead(out _));

        // alice herself, from her registered socket: delivered.
        Assert.Equal(200, (await SendAsync(alice, server, "alice", "bob", Encoding.UTF8.GetBytes("hello"), "text/plain")).StatusCode);
        Assert.Equal("hello", Encoding.UTF8.GetString((await bobInbox.NextAsync()).Body.Span));
    }

    [Fact]
    public async Task AnInviteInTheNameOfAnUnregisteredUserIs403()
    {
        await using var server = await StartServerAsync(subscribers: await SubscribersAsync());
        await using var mallory = await LoopbackUserAgent.StartAsync("mallory", SipTransportProtocol.Udp);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", SipTransportProtocol.Udp);
        await RegisterAsync(bob, server, "bob");
        var serverEp = server.LocalEndPoints[0];
        var b = mallory.Ua.CreateRequest("INVITE", RcsCore.Sip.Messages.SipUri.Parse(Bob), serverEp);
        b.SetHeader(SipHeaderName.From, $"<{Alice}>;tag=m1");
        var result = await mallory.Ua.InviteAsync(b.Build(), serverEp).WaitAsync(Wait);
        Assert.Equal(403, result.StatusCode);
    }

    [Fact]
    public async Task WithoutSubscribersThereIsNoCheck()
    {
        await using var server = await StartServerAsync();
        await using var mallory = await LoopbackUserAgent.StartAsync("mallory", SipTransportProtocol.Udp);
        // No subscriber store: the server does not know its users (an open test server), so it cannot check them.
        var response = await SendAsync(mallory, server, "alice", "bob", Encoding.UTF8.GetBytes("hi"), "text/plain");
        Assert.NotEqual(403, response.StatusCode);
    }
}
