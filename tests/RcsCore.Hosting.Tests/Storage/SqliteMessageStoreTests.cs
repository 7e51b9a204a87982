using Microsoft.Data.Sqlite;
using RcsCore.Hosting.Storage;
using RcsCore.Rcs.MessageCentre;
using Xunit;

namespace RcsCore.Hosting.Tests.Storage;

/// <summary>The message centre's queue and history in the embedded store.</summary>
public sealed class SqliteMessageStoreTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static StoredMessage Message(string sender, string recipient, int n, TimeSpan? expiresIn = null) => new()
    {
        Sender = sender,
        Recipient = recipient,
        From = $"\"A\" <{sender}>;tag=t{n}",
        To = $"<{recipient}>",
        AssertedIdentity = n % 2 == 0 ? $"<{sender}>" : null,
        Headers = n % 3 == 0 ? "Contribution-ID: abc\r\nX-Extra: 1" : null,
        ContentType = "message/cpim",
        Body = n == 0 ? Array.Empty<byte>() : [(byte)n, 0, 255, (byte)'\r', (byte)'\n'],
        ImdnMessageId = "id" + n,
        DispositionNotification = n % 2 == 1 ? "positive-delivery" : null,
        ReceivedAt = s_t0.AddSeconds(n),
        ExpiresAt = s_t0.AddSeconds(n) + (expiresIn ?? TimeSpan.FromDays(7)),
    };

    [Fact]
    public async Task QueueHistoryAndExpiryRoundTripAndSurviveAReopen()
    {
        using var dir = new TempDirectory();
        long a0, a1, b2, a3;
        using (var db = RcsDatabase.Open(dir.Path))
        {
            await using var store = SqliteMessageStore.Open(db);
            a0 = await store.EnqueueAsync(Message("sip:a@x", "sip:b@x", 0));
            a1 = await store.EnqueueAsync(Message("sip:a@x", "sip:b@x", 1, TimeSpan.FromSeconds(10)));
            b2 = await store.RecordDeliveredAsync(Message("sip:b@x", "sip:a@x", 2) with { CompletedAt = s_t0.AddSeconds(30) });
            a3 = await store.EnqueueAsync(Message("sip:a@x", "sip:c@x", 3));
            Assert.True(a0 < a1 && a1 < b2 && b2 < a3);
            Assert.True(await store.CompleteAsync(a0, MessageState.Delivered, s_t0.AddMinutes(1)));
            Assert.False(await store.CompleteAsync(a0, MessageState.Failed, s_t0.AddMinutes(2)));
        }

        // What a new process finds (kill -9 keeps what was committed; a clean close too).
        using var reopened = RcsDatabase.Open(dir.Path);
        Assert.Equal(RcsDatabase.CurrentSchemaVersion, reopened.SchemaVersion);
        await using var again = SqliteMessageStore.Open(reopened);
        Assert.Equal(["sip:b@x", "sip:c@x"], (await again.GetPendingRecipientsAsync()).Order());
        var pending = Assert.Single(await again.GetPendingAsync("sip:b@x", 10));
        var expected = Message("sip:a@x", "sip:b@x", 1, TimeSpan.FromSeconds(10)) with { Id = a1 };
        Assert.Equal(expected with { Body = default }, pending with { Body = default });
        Assert.Equal(expected.Body.ToArray(), pending.Body.ToArray());

        Assert.Equal([a1], (await again.GetExpiredAsync(s_t0.AddSeconds(11), 10)).Select(m => m.Id));
        Assert.Empty(await again.GetExpiredAsync(s_t0.AddSeconds(10), 10));

        var conversation = await again.GetConversationAsync("sip:b@x", "sip:a@x");
        Assert.Equal([a0, a1, b2], conversation.Select(m => m.Id));
        Assert.Equal([MessageState.Delivered, MessageState.Pending, MessageState.Delivered], conversation.Select(m => m.State));
        Assert.Equal(s_t0.AddMinutes(1), conversation[0].CompletedAt);
        Assert.Empty(conversation[0].Body.ToArray());
        Assert.Equal(s_t0.AddSeconds(30), conversation[2].CompletedAt);
        Assert.Equal("Contribution-ID: abc\r\nX-Extra: 1", (await again.GetConversationAsync("sip:a@x", "sip:c@x")).Single().Headers);
        Assert.Equal([b2], (await again.GetConversationAsync("sip:a@x", "sip:b@x", new ConversationQuery { AfterId = a0, Since = s_t0.AddSeconds(2) })).Select(m => m.Id));
        Assert.Equal([a0], (await again.GetConversationAsync("sip:a@x", "sip:b@x", new ConversationQuery { Limit = 1 })).Select(m => m.Id));
    }

    [Fact]
    public async Task ConcurrentWritesAreAllCommittedWithDistinctIds()
    {
        using var dir = new TempDirectory();
        using var db = RcsDatabase.Open(dir.Path);
        await using (var store = SqliteMessageStore.Open(db))
        {
            var writes = Enumerable.Range(1, 300).Select(i => Task.Run(async () => await store.EnqueueAsync(Message("sip:s" + (i % 7) + "@x", "sip:r@x", i)))).ToArray();
            var ids = await Task.WhenAll(writes);
            Assert.Equal(300, ids.Distinct().Count());
            Assert.Equal(300, (await store.GetPendingAsync("sip:r@x", 1000)).Count);
        }
        // The write connection fsyncs every commit.
        using var check = new SqliteConnection($"Data Source={db.Path}");
        check.Open();
        using var cmd = check.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM messages WHERE state = 0";
        Assert.Equal(300L, (long)cmd.ExecuteScalar()!);
    }

    [Fact]
    public async Task AVersionOneFileIsMigrated()
    {
        using var dir = new TempDirectory();
        // A file as the previous build left it: schema version 1, no messages table.
        using (var c = new SqliteConnection($"Data Source={Path.Combine(dir.Path, RcsDatabase.FileName)};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1); CREATE TABLE bindings (aor TEXT)";
            cmd.ExecuteNonQuery();
        }
        using var db = RcsDatabase.Open(dir.Path);
        Assert.Equal(2, db.SchemaVersion);
        await using var store = SqliteMessageStore.Open(db);
        Assert.True(await store.EnqueueAsync(Message("sip:a@x", "sip:b@x", 1)) > 0);
    }
}
