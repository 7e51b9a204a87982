using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using Xunit;
using static RcsCore.Rcs.Tests.Client.RcsTestNetwork;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>1-to-1 chat between RcsClients through a real message centre over loopback sockets.</summary>
public sealed class RcsChatTests
{
    [Fact]
    public async Task AcceptedChatCarriesMessagesBothWaysWithDeliveredAndDisplayedNotificationsComposingAndBye()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var aliceEvents = new RcsRecorder(alice);
        var bobEvents = new RcsRecorder(bob);

        var opening = alice.OpenChatAsync(Uri("bob"));
        var invitation = await bob.NextInvitationAsync();
        Assert.Equal(Aor("alice"), invitation.Peer);
        Assert.Equal("Alice", invitation.DisplayName);
        var bobChat = await invitation.AcceptAsync().WaitAsync(Wait);
        var aliceChat = await opening.WaitAsync(Wait);
        Assert.Equal(RcsChatState.Active, aliceChat.State);
        Assert.Equal(RcsChatState.Active, bobChat.State);
        // One dialog: the same Call-ID on both sides, and one Conversation-ID for the chat (OMA CPM).
        Assert.Equal(aliceChat.Session!.Dialog.CallId, bobChat.Session!.Dialog.CallId);
        Assert.Equal(aliceChat.ConversationId, bobChat.ConversationId);

        // isComposing (RFC 3994): alice types, bob sees active.
        aliceChat.Typing();
        Assert.Equal(IsComposingState.Active, await bobEvents.NextComposingAsync());
        Assert.Equal(IsComposingState.Active, bobChat.PeerComposing);

        // alice -> bob, with the delivered notification coming back by itself.
        var sent = await aliceChat.SendMessageAsync("hello bob, ünïcode").WaitAsync(Wait);
        Assert.Equal(RcsMessageMode.Chat, sent.Mode);
        var got = await bobEvents.NextMessageAsync();
        Assert.Equal("hello bob, ünïcode", got.Text);
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.Equal(Aor("alice"), got.From);
        Assert.Same(bobChat, got.Chat);
        Assert.Equal(RcsMessageMode.Chat, got.Mode);
        Assert.StartsWith("text/plain", got.ContentType, StringComparison.Ordinal);
        Assert.Equal(ImdnDispositions.PositiveDelivery | ImdnDispositions.Display, got.RequestedNotifications);
        // The message ends the composing indication (RFC 3994 §4).
        Assert.Equal(IsComposingState.Idle, await bobEvents.NextComposingAsync());

        var delivered = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.MessageId, ImdnNotificationType.Delivery, ImdnStatus.Delivered, Aor("bob")), (delivered.MessageId, delivered.Type, delivered.Status, delivered.From));
        Assert.Same(aliceChat, delivered.Chat);

        // bob reads it: the display notification, once.
        Assert.True(await bobChat.MarkDisplayedAsync(got).WaitAsync(Wait));
        Assert.False(await bobChat.MarkDisplayedAsync(got).WaitAsync(Wait));
        var displayed = await aliceEvents.NextNotificationAsync();
        Assert.Equal((sent.MessageId, ImdnNotificationType.Display, ImdnStatus.Displayed), (displayed.MessageId, displayed.Type, displayed.Status));

        // bob -> alice on the same session.
        var back = await bobChat.SendMessageAsync("hi alice").WaitAsync(Wait);
        var reply = await aliceEvents.NextMessageAsync();
        Assert.Equal(("hi alice", back.MessageId, Aor("bob")), (reply.Text, reply.MessageId, reply.From));
        var deliveredBack = await bobEvents.NextNotificationAsync();
        Assert.Equal((back.MessageId, ImdnStatus.Delivered), (deliveredBack.MessageId, deliveredBack.Status));
        Assert.Equal(aliceChat.Session!.Dialog.CallId, bobChat.Session!.Dialog.CallId);

        // alice closes: BYE; bob's chat goes idle (RFC 3261 §15.1.2) and keeps no dialog.
        await aliceChat.CloseAsync().WaitAsync(Wait);
        Assert.Equal(RcsChatState.Closed, aliceChat.State);
        await bobEvents.WaitForStateAsync(Aor("alice"), RcsChatState.Idle);
        Assert.Null(bobChat.Session);
        Assert.Empty(bob.UserAgent.Dialogs);
        Assert.Empty(alice.UserAgent.Dialogs);
        Assert.Empty(alice.Chats);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => aliceChat.SendMessageAsync("too late"));
    }

    [Fact]
    public async Task DeclinedInvitationFailsTheOpenWith603()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");

        var opening = alice.OpenChatAsync(Uri("bob"));
        var invitation = await bob.NextInvitationAsync();
        await invitation.DeclineAsync().WaitAsync(Wait);

        var e = await Assert.ThrowsAsync<RcsException>(() => opening.WaitAsync(Wait));
        Assert.Equal(603, e.StatusCode);
        Assert.Empty(alice.Chats);
        Assert.Empty(bob.Chats);
        await Assert.ThrowsAsync<InvalidOperationException>(() => invitation.AcceptAsync());
    }

    [Fact]
    public async Task ChatWithAnOfflineUserFailsWith480AndItsMessagesGoStandaloneToTheStore()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        // bob is a subscriber with no registration: the proxy answers 480 (RFC 3261 §21.4.18).
        var e = await Assert.ThrowsAsync<RcsException>(() => alice.OpenChatAsync(Uri("bob")).WaitAsync(Wait));
        Assert.Equal(480, e.StatusCode);
        Assert.Empty(alice.Chats);
    }

    [Fact]
    public async Task IdleSessionExpiresAndTheNextMessageReestablishesIt()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice", idleTimeout: TimeSpan.FromMilliseconds(700));
        var bob = await net.ClientAsync("bob", autoAccept: true);
        var aliceEvents = new RcsRecorder(alice);
        var bobEvents = new RcsRecorder(bob);

        var aliceChat = await alice.OpenChatAsync(Uri("bob")).WaitAsync(Wait);
        await aliceChat.SendMessageAsync("one").WaitAsync(Wait);
        var first = await bobEvents.NextMessageAsync();
        var bobChat = first.Chat!;
        string firstCallId = aliceChat.Session!.Dialog.CallId;

        // No traffic: alice's inactivity timer ends the session with BYE; both chats stay open, idle.
        await aliceEvents.WaitForStateAsync(Aor("bob"), RcsChatState.Idle);
        await bobEvents.WaitForStateAsync(Aor("alice"), RcsChatState.Idle);
        Assert.Empty(alice.UserAgent.Dialogs);

        // The next message sets up a new session transparently, in the same chat and conversation.
        var again = await aliceChat.SendMessageAsync("two").WaitAsync(Wait);
        Assert.Equal(RcsMessageMode.Chat, again.Mode);
        var second = await bobEvents.NextMessageAsync();
        Assert.Equal("two", second.Text);
        Assert.Same(bobChat, second.Chat);
        Assert.NotEqual(firstCallId, aliceChat.Session!.Dialog.CallId);
        Assert.Equal(aliceChat.Session!.Dialog.CallId, bobChat.Session!.Dialog.CallId);
        Assert.Equal(aliceChat.ConversationId, bobChat.ConversationId);
    }

    [Fact]
    public async Task SessionRaceKeepsOneSessionTheOneFromTheGreaterUri()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob");
        var aliceEvents = new RcsRecorder(alice);
        var bobEvents = new RcsRecorder(bob);

        // Both open the chat at once: each sees the other's INVITE while its own is in progress.
        var chats = await Task.WhenAll(alice.OpenChatAsync(Uri("bob")), bob.OpenChatAsync(Uri("alice"))).WaitAsync(Wait);
        var (aliceChat, bobChat) = (chats[0], chats[1]);

        // One session per contact (GSMA RCC.07), the same on both sides. When the INVITEs cross (the usual case here)
        // the one from sip:bob@ (the greater URI) wins; should alice's arrive before bob opened his chat, bob takes it
        // as an invitation and accepting it is his open. Either way both sides agree.
        await RcsTestExtensions.EventuallyAsync(() => alice.UserAgent.Dialogs.Count == 1 && bob.UserAgent.Dialogs.Count == 1, "one dialog each");
        Assert.Equal(aliceChat.Session!.Dialog.CallId, bobChat.Session!.Dialog.CallId);
        Assert.Equal(aliceChat.Session.Inviter, bobChat.Session.Inviter);
        Assert.Contains(aliceChat.Session.Inviter, (string[])[Aor("alice"), Aor("bob")]);
        Assert.Single(alice.Chats);
        Assert.Single(bob.Chats);

        await aliceChat.SendMessageAsync("from alice").WaitAsync(Wait);
        await bobChat.SendMessageAsync("from bob").WaitAsync(Wait);
        Assert.Equal("from alice", (await bobEvents.NextMessageAsync()).Text);
        Assert.Equal("from bob", (await aliceEvents.NextMessageAsync()).Text);
        Assert.Equal(aliceChat.Session!.Dialog.CallId, bobChat.Session!.Dialog.CallId);
    }
}
