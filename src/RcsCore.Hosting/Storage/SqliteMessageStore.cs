using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using RcsCore.Rcs.MessageCentre;

namespace RcsCore.Hosting.Storage;

/// <summary>
/// The message centre's queue and history in the embedded store (the <c>messages</c> table of
/// <c>&lt;data&gt;/rcscore.db</c>). Writes go through one writer on a connection of their own with
/// <c>synchronous=FULL</c>: a write completes only after its transaction is committed and fsync'd, so a 202 sent
/// after <see cref="EnqueueAsync"/> survives <c>kill -9</c> and a power loss. Writes that arrive while one commits are
/// committed together (group commit). Reads use the database's shared connection (WAL: they never wait for the fsync).
/// </summary>
public sealed class SqliteMessageStore : IMessageStore, IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const string Columns = "id, sender, recipient, state, received_at, expires_at, completed_at, from_header, to_header, asserted_identity, headers, content_type, body, imdn_message_id, disposition";

    private readonly RcsDatabase _db;
    private readonly SqliteConnection _writeConnection;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _complete;
    private readonly Task _writer;

    private SqliteMessageStore(RcsDatabase db, SqliteConnection writeConnection)
    {
        _db = db;
        _writeConnection = writeConnection;
        _insert = writeConnection.CreateCommand();
        _insert.CommandText = """
            INSERT INTO messages (sender, recipient, conversation, state, received_at, expires_at, completed_at, from_header, to_header,
                asserted_identity, headers, content_type, body, imdn_message_id, disposition)
            VALUES ($sender, $recipient, $conversation, $state, $received, $expires, $completed, $from, $to, $pai, $headers, $type, $body, $imdnId, $disposition)
            RETURNING id
            """;
        foreach (var name in (string[])["$sender", "$recipient", "$conversation", "$state", "$received", "$expires", "$completed", "$from", "$to", "$pai", "$headers", "$type", "$body", "$imdnId", "$disposition"])
        {
            _insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        _complete = writeConnection.CreateCommand();
        _complete.CommandText = "UPDATE messages SET state = $state, completed_at = $at WHERE id = $id AND state = 0";
        _complete.Parameters.Add(new SqliteParameter { ParameterName = "$state" });
        _complete.Parameters.Add(new SqliteParameter { ParameterName = "$at" });
        _complete.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Opens the store on the embedded database (its own fsync'ing write connection).</summary>
    public static SqliteMessageStore Open(RcsDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new SqliteMessageStore(database, database.OpenConnection(fullSync: true));
    }

    /// <inheritdoc />
    public ValueTask<long> EnqueueAsync(StoredMessage message, CancellationToken ct = default) => WriteAsync(new Insert(message, MessageState.Pending));

    /// <inheritdoc />
    public ValueTask<long> RecordDeliveredAsync(StoredMessage message, CancellationToken ct = default) => WriteAsync(new Insert(message, MessageState.Delivered));

    /// <inheritdoc />
    public async ValueTask<bool> CompleteAsync(long id, MessageState state, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfEqual((int)state, (int)MessageState.Pending, nameof(state));
        return await WriteAsync(new Complete(id, state, at)).ConfigureAwait(false) == 1;
    }

    private ValueTask<long> WriteAsync(Write write)
    {
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(write), this);
        return new ValueTask<long>(write.Done.Task);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Write>(MaxBatch);
        var results = new long[MaxBatch];
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var w))
            {
                batch.Add(w);
            }
            try
            {
                // One transaction, one fsync, for everything that queued while the previous commit ran.
                using (var tx = _writeConnection.BeginTransaction(deferred: false))
                {
                    _insert.Transaction = tx;
                    _complete.Transaction = tx;
                    for (int i = 0; i < batch.Count; i++)
                    {
                        results[i] = batch[i].Apply(this);
                    }
                    tx.Commit();
                }
                for (int i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
            {
                foreach (var w in batch)
                {
                    w.Done.TrySetException(e);
                }
            }
        }
    }

    private abstract class Write
    {
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public abstract long Apply(SqliteMessageStore store);
    }

    private sealed class Insert(StoredMessage m, MessageState state) : Write
    {
        public override long Apply(SqliteMessageStore store)
        {
            var p = store._insert.Parameters;
            p[0].Value = m.Sender;
            p[1].Value = m.Recipient;
            p[2].Value = ConversationKey(m.Sender, m.Recipient);
            p[3].Value = (int)state;
            p[4].Value = m.ReceivedAt.UtcTicks;
            p[5].Value = m.ExpiresAt.UtcTicks;
            p[6].Value = state == MessageState.Pending ? DBNull.Value : (m.CompletedAt ?? m.ReceivedAt).UtcTicks;
            p[7].Value = m.From;
            p[8].Value = m.To;
            p[9].Value = (object?)m.AssertedIdentity ?? DBNull.Value;
            p[10].Value = (object?)m.Headers ?? DBNull.Value;
            p[11].Value = m.ContentType;
            p[12].Value = m.Body.ToArray();
            p[13].Value = (object?)m.ImdnMessageId ?? DBNull.Value;
            p[14].Value = (object?)m.DispositionNotification ?? DBNull.Value;
            return (long)store._insert.ExecuteScalar()!;
        }
    }

    private sealed class Complete(long id, MessageState state, DateTimeOffset at) : Write
    {
        public override long Apply(SqliteMessageStore store)
        {
            var p = store._complete.Parameters;
            p[0].Value = (int)state;
            p[1].Value = at.UtcTicks;
            p[2].Value = id;
            return store._complete.ExecuteNonQuery();
        }
    }

    private static string ConversationKey(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? a + "\n" + b : b + "\n" + a;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetPendingAsync(string recipient, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return Query($"SELECT {Columns} FROM messages WHERE recipient = $a AND state = 0 ORDER BY id LIMIT $limit", recipient, null, limit);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct = default) =>
        Query($"SELECT {Columns} FROM messages WHERE state = 0 AND expires_at <= $a ORDER BY id LIMIT $limit", now.UtcTicks, null, limit);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetConversationAsync(string userA, string userB, ConversationQuery? query = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userA);
        ArgumentNullException.ThrowIfNull(userB);
        query ??= new ConversationQuery();
        return Query($"SELECT {Columns} FROM messages WHERE conversation = $a AND id > $b AND received_at >= $since ORDER BY id LIMIT $limit",
            ConversationKey(userA, userB), query.AfterId, query.Limit, query.Since?.UtcTicks ?? 0);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetPendingRecipientsAsync(CancellationToken ct = default)
    {
        var list = new List<string>();
        lock (_db.Gate)
        {
            using var cmd = _db.Connection.CreateCommand();
            cmd.CommandText = "SELECT DISTINCT recipient FROM messages WHERE state = 0";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                list.Add(r.GetString(0));
            }
        }
        return ValueTask.FromResult<IReadOnlyList<string>>(list);
    }

    private ValueTask<IReadOnlyList<StoredMessage>> Query(string sql, object a, object? b, int limit, long since = 0)
    {
        var list = new List<StoredMessage>();
        lock (_db.Gate)
        {
            using var cmd = _db.Connection.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$a", a);
            if (b is not null)
            {
                cmd.Parameters.AddWithValue("$b", b);
            }
            if (sql.Contains("$since", StringComparison.Ordinal))
            {
                cmd.Parameters.AddWithValue("$since", since);
            }
            cmd.Parameters.AddWithValue("$limit", limit);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                list.Add(new StoredMessage
                {
                    Id = r.GetInt64(0),
                    Sender = r.GetString(1),
                    Recipient = r.GetString(2),
                    State = (MessageState)r.GetInt32(3),
                    ReceivedAt = new DateTimeOffset(r.GetInt64(4), TimeSpan.Zero),
                    ExpiresAt = new DateTimeOffset(r.GetInt64(5), TimeSpan.Zero),
                    CompletedAt = r.IsDBNull(6) ? null : new DateTimeOffset(r.GetInt64(6), TimeSpan.Zero),
                    From = r.GetString(7),
                    To = r.GetString(8),
                    AssertedIdentity = r.IsDBNull(9) ? null : r.GetString(9),
                    Headers = r.IsDBNull(10) ? null : r.GetString(10),
                    ContentType = r.GetString(11),
                    Body = r.IsDBNull(12) ? Array.Empty<byte>() : (byte[])r.GetValue(12),
                    ImdnMessageId = r.IsDBNull(13) ? null : r.GetString(13),
                    DispositionNotification = r.IsDBNull(14) ? null : r.GetString(14),
                });
            }
        }
        return ValueTask.FromResult<IReadOnlyList<StoredMessage>>(list);
    }

    /// <summary>Commits what is queued, then closes the write connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_writes.Writer.TryComplete())
        {
            await _writer.ConfigureAwait(false);
            _insert.Dispose();
            _complete.Dispose();
            _writeConnection.Dispose();
        }
    }
}
