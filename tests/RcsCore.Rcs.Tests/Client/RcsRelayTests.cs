using System.Security.Cryptography;
using RcsCore.Rcs.Imdn;
using Xunit;
using static RcsCore.Rcs.Tests.Client.RcsTestNetwork;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>RcsClients whose MSRP goes through the message centre's relay (RFC 4976), not straight to each other.</summary>
public sealed class RcsRelayTests
{
    [Fact]
    public async Task ChatThroughTheMessageCentreRelayCarriesMessagesAndNotificationsBothWays()
    {
        await using var net = await StartAsync(msrpRelay: true);
        var relay = Assert.IsType<RcsCore.Msrp.Relay.MsrpRelay>(net.Server.MsrpRelay);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        // Each client authenticated once (RFC 4976 §5.1) with its registration password.
        Assert.Equal(2, relay.SessionCount);
        var aliceEvents = new RcsRecorder(alice);
        var bobEvents = new RcsRecorder(bob);

        var opening = alice.OpenChatAsync(Uri("bob"));
        var bobChat = await (await bob.NextInvitationAsync()).AcceptAsync().WaitAsync(Wait);
        var aliceChat = await opening.WaitAsync(Wait);

        // RFC 4976 §5: each side's a=path starts with its relay's Use-Path, so To-Path runs through the relay.
        foreach (var session in new[] { aliceChat.Session!.Msrp, bobChat.Session!.Msrp })
        {
            Assert.NotNull(session.Relay);
            Assert.Equal(2, session.LocalPath.Count);
            Assert.Equal(relay.LocalEndPoint.Port, session.LocalPath[0].Port);
            Assert.Equal(relay.LocalEndPoint.Port, session.RemotePath![0].Port);
        }
        // Neither client has an MSRP connection of its own to the other: the only ones go to the relay.
        Assert.Equal(2, relay.ConnectionCount);

        var sent = await aliceChat.SendMessageAsync("via the relay").WaitAsync(Wait);
        var got = await bobEvents.NextMessageAsync();
        Assert.Equal(("via the relay", sent.MessageId), (got.Text, got.MessageId));
        var delivered = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.MessageId, ImdnStatus.Delivered), (delivered.MessageId, delivered.Status));

        var back = await bobChat.SendMessageAsync("and back").WaitAsync(Wait);
        Assert.Equal(("and back", back.MessageId), ((await aliceEvents.NextMessageAsync()).Text, back.MessageId));
        Assert.True(await bobChat.MarkDisplayedAsync(got).WaitAsync(Wait));
        var displayed = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.MessageId, ImdnStatus.Displayed), (displayed.MessageId, displayed.Status));
        await aliceChat.CloseAsync().WaitAsync(Wait);
    }

    [Fact]
    public async Task LargeMessageThroughTheRelayArrivesIntact()
    {
        await using var net = await StartAsync(msrpRelay: true);
        var alice = await net.ClientAsync("alice");
        var carol = await net.ClientAsync("carol");
        var aliceEvents = new RcsRecorder(alice);

        var blob = RandomNumberGenerator.GetBytes(600_000);
        var large = await carol.SendStandaloneAsync(Uri("alice"), blob, "application/octet-stream").WaitAsync(Wait);
        Assert.Equal((RcsMessageMode.LargeMessage, 200), (large.Mode, large.StatusCode));
        var got = await aliceEvents.NextMessageAsync();
        Assert.Equal(SHA256.HashData(blob), SHA256.HashData(got.Content.Span));
        Assert.Equal(2, net.Server.MsrpRelay!.ConnectionCount);
    }

    [Fact]
    public async Task LargeMessageToAnOfflineUserIsStoredAndDeliveredThroughTheRelayWhenTheyRegister()
    {
        await using var net = await StartAsync(msrpRelay: true);
        var alice = await net.ClientAsync("alice");
        var aliceEvents = new RcsRecorder(alice);
        var bob = await net.ClientAsync("bob", start: false);
        var bobEvents = new RcsRecorder(bob);

        var blob = RandomNumberGenerator.GetBytes(300_000);
        var sent = await alice.SendStandaloneAsync(Uri("bob"), blob, "image/jpeg").WaitAsync(Wait);
        Assert.Equal(RcsMessageMode.LargeMessage, sent.Mode);
        await RcsTestExtensions.EventuallyAsync(() => net.Server.MessageCentre.PendingRecipients == 1, "bob's queue");

        await bob.StartAsync().WaitAsync(Wait);
        var got = await bobEvents.NextMessageAsync();
        Assert.Equal((sent.MessageId, Aor("alice"), "image/jpeg"), (got.MessageId, got.From, got.ContentType));
        Assert.Equal(SHA256.HashData(blob), SHA256.HashData(got.Content.Span));
        var delivered = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.MessageId, ImdnStatus.Delivered), (delivered.MessageId, delivered.Status));
        await RcsTestExtensions.EventuallyAsync(() => net.Server.MessageCentre.PendingRecipients == 0, "no pending recipients");
    }

    [Fact]
    public async Task FileTransferGoesThroughTheRelayWithItsHashesVerified()
    {
        await using var net = await StartAsync(msrpRelay: true);
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var data = RandomNumberGenerator.GetBytes(3_000_000);
        var sending = alice.SendFileAsync(Uri("bob"), new MemoryStream(data), new RcsFileInfo("video.mp4", "video/mp4", data.Length));
        var incoming = await bob.NextFileTransferAsync();
        var destination = new MemoryStream();
        var received = await incoming.AcceptAsync(destination).WaitAsync(Wait);
        var sent = await sending.WaitAsync(Wait);
        Assert.Equal((RcsFileTransferOutcome.Completed, RcsFileTransferOutcome.Completed), (sent.Outcome, received.Outcome));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(destination.ToArray()));
        // Both clients reach each other only through their relay connections.
        Assert.Equal(2, net.Server.MsrpRelay!.ConnectionCount);
    }

    [Fact]
    public async Task AWrongPasswordFailsTheStartAtTheRelay()
    {
        await using var net = await StartAsync(msrpRelay: true);
        await using var mallory = new RcsClient(new RcsClientOptions
        {
            PublicIdentity = Uri("alice"),
            Server = net.ServerEndPoint,
            Credentials = RcsCore.Ims.Client.ImsCredentials.FromPassword("not-alices"),
            Timers = Timers,
            MsrpRelay = net.Server.MsrpRelay!.Uri,
        });
        var e = await Assert.ThrowsAnyAsync<RcsCore.Msrp.MsrpException>(() => mallory.StartAsync().WaitAsync(Wait));
        Assert.Equal(403, e.StatusCode);
    }
}
