using System.Security.Cryptography;
using System.Text;
using RcsCore.Rcs.Imdn;
using RcsCore.Rcs.MessageCentre;
using Xunit;
using static RcsCore.Rcs.Tests.Client.RcsTestNetwork;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>Standalone messaging (OMA CPM): pager mode and large-message mode by size, and store-and-forward.</summary>
public sealed class RcsStandaloneTests
{
    [Fact]
    public async Task SmallMessageGoesInPagerModeAndALargeOneInLargeMessageModeWithTheirContentIntact()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var carol = await net.ClientAsync("carol");
        var aliceEvents = new RcsRecorder(alice);
        var carolEvents = new RcsRecorder(carol);

        var small = await carol.SendStandaloneAsync(Uri("alice"), Encoding.UTF8.GetBytes("pager hello"), "text/plain;charset=UTF-8").WaitAsync(Wait);
        Assert.Equal((RcsMessageMode.Pager, 200, false), (small.Mode, small.StatusCode, small.IsStored));
        var got = await aliceEvents.NextMessageAsync();
        Assert.Equal(("pager hello", RcsMessageMode.Pager, small.MessageId, Aor("carol")), (got.Text, got.Mode, got.MessageId, got.From));
        Assert.Null(got.Chat);
        Assert.Equal(ImdnDispositions.PositiveDelivery | ImdnDispositions.NegativeDelivery | ImdnDispositions.Display, got.RequestedNotifications);
        var delivered = await carolEvents.NextNotificationAsync();
        Assert.Equal((small.MessageId, ImdnStatus.Delivered, Aor("alice")), (delivered.MessageId, delivered.Status, delivered.From));

        // 5000 random bytes: the CPIM is over 1300 bytes (RFC 3428 §8), so INVITE + MSRP + BYE.
        var blob = RandomNumberGenerator.GetBytes(5000);
        var large = await carol.SendStandaloneAsync(Uri("alice"), blob, "application/octet-stream").WaitAsync(Wait);
        Assert.Equal((RcsMessageMode.LargeMessage, 200), (large.Mode, large.StatusCode));
        var gotLarge = await aliceEvents.NextMessageAsync();
        Assert.Equal((RcsMessageMode.LargeMessage, large.MessageId, "application/octet-stream"), (gotLarge.Mode, gotLarge.MessageId, gotLarge.ContentType));
        Assert.Equal(blob, gotLarge.Content.ToArray());
        var deliveredLarge = await carolEvents.NextNotificationAsync();
        Assert.Equal((large.MessageId, ImdnStatus.Delivered), (deliveredLarge.MessageId, deliveredLarge.Status));

        // The display notification of a standalone message goes in pager mode.
        Assert.True(await alice.MarkDisplayedAsync(gotLarge).WaitAsync(Wait));
        var displayed = await carolEvents.NextNotificationAsync();
        Assert.Equal((large.MessageId, ImdnStatus.Displayed), (displayed.MessageId, displayed.Status));

        // The session of the large message is gone on both sides (BYE), and no chat was opened.
        await RcsTestExtensions.EventuallyAsync(() => alice.UserAgent.Dialogs.Count == 0 && carol.UserAgent.Dialogs.Count == 0, "no dialogs");
        Assert.Empty(alice.Chats);
        Assert.Empty(carol.Chats);

        // Just under and just over the pager-mode bound (the DateTime fraction and Content-Length digits vary by a few bytes).
        var probe = alice.CreateCpim(Aor("carol"), "text/plain", Array.Empty<byte>(), ImdnDispositions.PositiveDelivery | ImdnDispositions.NegativeDelivery | ImdnDispositions.Display, out _).ToArray().Length;
        int room = alice.Options.PagerModeMaxBytes - probe;
        var fits = await alice.SendStandaloneAsync(Uri("carol"), new byte[room - 15], "text/plain").WaitAsync(Wait);
        var over = await alice.SendStandaloneAsync(Uri("carol"), new byte[room + 10], "text/plain").WaitAsync(Wait);
        Assert.Equal(RcsMessageMode.Pager, fits.Mode);
        Assert.Equal(RcsMessageMode.LargeMessage, over.Mode);
        Assert.Equal(room - 15, (await carolEvents.NextMessageAsync()).Content.Length);
        Assert.Equal(room + 10, (await carolEvents.NextMessageAsync()).Content.Length);
    }

    [Fact]
    public async Task PagerMessagesToAnOfflineUserAreStoredThenDeliveredOnRegisterWithTheDeliveryNotificationsBack()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var aliceEvents = new RcsRecorder(alice);
        var bob = await net.ClientAsync("bob");
        var bobEvents = new RcsRecorder(bob);
        await bob.StopAsync().WaitAsync(Wait);

        // RFC 3428 §7: 202, stored by the message centre.
        var first = await alice.SendStandaloneAsync(Uri("bob"), Encoding.UTF8.GetBytes("while you were out 1"), "text/plain;charset=UTF-8").WaitAsync(Wait);
        var second = await alice.SendStandaloneAsync(Uri("bob"), Encoding.UTF8.GetBytes("while you were out 2"), "text/plain;charset=UTF-8").WaitAsync(Wait);
        Assert.True(first.IsStored);
        Assert.True(second.IsStored);
        Assert.Equal(2, (await net.Server.MessageCentre.Store.GetConversationAsync(Aor("alice"), Aor("bob"))).Count(m => m.State == MessageState.Pending));

        // A large message is stored too (OMA CPM deferred large message): the centre's depot answers the INVITE
        // and takes the MSRP message.
        var blob = RandomNumberGenerator.GetBytes(4000);
        var third = await alice.SendStandaloneAsync(Uri("bob"), blob, "application/octet-stream").WaitAsync(Wait);
        Assert.Equal((RcsMessageMode.LargeMessage, 200), (third.Mode, third.StatusCode));
        await RcsTestExtensions.EventuallyAsync(() => net.Server.MessageCentre.Store.GetConversationAsync(Aor("alice"), Aor("bob")).AsTask().Result.Count(m => m.State == MessageState.Pending) == 3, "three pending");

        // bob comes back: all three arrive in order (the large one in large-message mode), and alice hears they were
        // delivered (once each, though bob and the centre both say so).
        await bob.StartAsync().WaitAsync(Wait);
        var m1 = await bobEvents.NextMessageAsync();
        var m2 = await bobEvents.NextMessageAsync();
        var m3 = await bobEvents.NextMessageAsync();
        Assert.Equal(("while you were out 1", first.MessageId, Aor("alice"), RcsMessageMode.Pager), (m1.Text, m1.MessageId, m1.From, m1.Mode));
        Assert.Equal(("while you were out 2", second.MessageId), (m2.Text, m2.MessageId));
        Assert.Equal((third.MessageId, Aor("alice"), RcsMessageMode.LargeMessage, "application/octet-stream"), (m3.MessageId, m3.From, m3.Mode, m3.ContentType));
        Assert.Equal(blob, m3.Content.ToArray());
        var notified = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            var n = await aliceEvents.NextNotificationAsync();
            Assert.Equal(ImdnStatus.Delivered, n.Status);
            notified.Add(n.MessageId);
        }
        Assert.Equal(new HashSet<string> { first.MessageId, second.MessageId, third.MessageId }, notified);
        await Task.Delay(300);
        Assert.False(aliceEvents.Notifications.Reader.TryRead(out _));
        await RcsTestExtensions.EventuallyAsync(() => net.Server.MessageCentre.PendingRecipients == 0, "no pending recipients");
    }

    [Fact]
    public async Task ChatMessageToAnOfflineUserFallsBackToPagerModeAndIsStored()
    {
        await using var net = await StartAsync();
        var alice = await net.ClientAsync("alice");
        var bob = await net.ClientAsync("bob", autoAccept: true);
        var bobEvents = new RcsRecorder(bob);
        var aliceChat = await alice.OpenChatAsync(Uri("bob")).WaitAsync(Wait);
        await bob.StopAsync().WaitAsync(Wait);

        // The session is gone (bob closed it going offline); the next message cannot set one up (480) and goes
        // standalone to the store.
        var sent = await aliceChat.SendMessageAsync("are you there?").WaitAsync(Wait);
        Assert.Equal((RcsMessageMode.Pager, 202), (sent.Mode, sent.StatusCode));
        Assert.Equal(RcsChatState.Idle, aliceChat.State);

        await bob.StartAsync().WaitAsync(Wait);
        var got = await bobEvents.NextMessageAsync();
        Assert.Equal(("are you there?", sent.MessageId), (got.Text, got.MessageId));
    }
}

/// <summary>Stored messages that outlive their expiry: the sender hears they failed (RFC 5438 §7.2.1.1 negative delivery).</summary>
public sealed class RcsExpiryTests
{
    [Fact]
    public async Task StoredPagerAndLargeMessagesThatExpireComeBackToTheSenderAsFailedAndAreNeverDelivered()
    {
        await using var net = await StartAsync(new MessageCentreOptions { MessageExpiry = TimeSpan.FromMilliseconds(400), ExpirySweepInterval = TimeSpan.FromMilliseconds(100) });
        var alice = await net.ClientAsync("alice");
        var aliceEvents = new RcsRecorder(alice);
        var bob = await net.ClientAsync("bob", start: false);
        var bobEvents = new RcsRecorder(bob);

        var pager = await alice.SendStandaloneAsync(Uri("bob"), Encoding.UTF8.GetBytes("short-lived"), "text/plain;charset=UTF-8").WaitAsync(Wait);
        Assert.True(pager.IsStored);
        var large = await alice.SendStandaloneAsync(Uri("bob"), RandomNumberGenerator.GetBytes(5000), "application/octet-stream").WaitAsync(Wait);
        Assert.Equal(RcsMessageMode.LargeMessage, large.Mode);

        var failed = new HashSet<string>();
        for (int i = 0; i < 2; i++)
        {
            var n = await aliceEvents.NextNotificationAsync();
            Assert.Equal((ImdnNotificationType.Delivery, ImdnStatus.Failed), (n.Type, n.Status));
            failed.Add(n.MessageId);
        }
        Assert.Equal(new HashSet<string> { pager.MessageId, large.MessageId }, failed);
        // alice's two messages expired (the history also holds the failure notifications sent on bob's behalf).
        var history = await net.Server.MessageCentre.Store.GetConversationAsync(Aor("alice"), Aor("bob"));
        Assert.Equal([MessageState.Expired, MessageState.Expired], history.Where(m => m.Sender == Aor("alice")).Select(m => m.State));

        // bob registers afterwards: nothing is delivered.
        await bob.StartAsync().WaitAsync(Wait);
        await Task.Delay(500);
        Assert.False(bobEvents.Messages.Reader.TryRead(out _));
    }
}

/// <summary>A deferred large message counts as sent only once the message centre has it on disk (RFC 4975 §7.1.2 success REPORT held until stored).</summary>
public sealed class RcsDeferredLargeMessageTests
{
    [Fact]
    public async Task WhenTheCentreCannotStoreALargeMessageTheSenderIsToldItFailed()
    {
        var store = new LargeRefusingStore();
        await using var net = await StartAsync(messageStore: store);
        var alice = await net.ClientAsync("alice");
        await net.ClientAsync("bob", start: false);

        // The depot answers the INVITE and takes the MSRP message, but its store refuses it: the failure REPORT
        // (403) reaches alice instead of the success REPORT, so her send fails rather than reporting success.
        var e = await Assert.ThrowsAsync<RcsException>(() => alice.SendStandaloneAsync(Uri("bob"), RandomNumberGenerator.GetBytes(5000), "application/octet-stream").WaitAsync(Wait));
        Assert.Equal(403, e.StatusCode);
        Assert.Equal(1, Volatile.Read(ref store.Refused));
        Assert.Equal(0, net.Server.MessageCentre.PendingRecipients);

        // Pager mode still stores (202).
        Assert.True((await alice.SendStandaloneAsync(Uri("bob"), Encoding.UTF8.GetBytes("small"), "text/plain").WaitAsync(Wait)).IsStored);
    }

    /// <summary>The in-memory store, except that it fails to store anything bigger than pager mode.</summary>
    private sealed class LargeRefusingStore : IMessageStore
    {
        private readonly InMemoryMessageStore _inner = new();
        public int Refused;

        public ValueTask<long> EnqueueAsync(StoredMessage message, CancellationToken ct = default)
        {
            if (message.Body.Length > 1300)
            {
                Interlocked.Increment(ref Refused);
                throw new IOException("disk full");
            }
            return _inner.EnqueueAsync(message, ct);
        }

        public ValueTask<long> RecordDeliveredAsync(StoredMessage message, CancellationToken ct = default) => _inner.RecordDeliveredAsync(message, ct);

        public ValueTask<IReadOnlyList<StoredMessage>> GetPendingAsync(string recipient, int limit, CancellationToken ct = default) => _inner.GetPendingAsync(recipient, limit, ct);

        public ValueTask<IReadOnlyList<string>> GetPendingRecipientsAsync(CancellationToken ct = default) => _inner.GetPendingRecipientsAsync(ct);

        public ValueTask<IReadOnlyList<StoredMessage>> GetExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct = default) => _inner.GetExpiredAsync(now, limit, ct);

        public ValueTask<bool> CompleteAsync(long id, MessageState state, DateTimeOffset at, CancellationToken ct = default) => _inner.CompleteAsync(id, state, at, ct);

        public ValueTask<IReadOnlyList<StoredMessage>> GetConversationAsync(string userA, string userB, ConversationQuery? query = null, CancellationToken ct = default) =>
            _inner.GetConversationAsync(userA, userB, query, ct);
    }
}
