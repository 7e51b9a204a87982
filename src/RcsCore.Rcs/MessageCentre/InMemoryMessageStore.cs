namespace RcsCore.Rcs.MessageCentre;

/// <summary>An <see cref="IMessageStore"/> in memory (tests, or a server without a data directory): nothing survives the process.</summary>
public sealed class InMemoryMessageStore : IMessageStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, StoredMessage> _all = [];
    private readonly Dictionary<string, SortedSet<long>> _pending = new(StringComparer.Ordinal);
    private long _nextId;

    /// <summary>Number of messages kept (pending and history).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<long> EnqueueAsync(StoredMessage message, CancellationToken ct = default) => ValueTask.FromResult(Add(message, MessageState.Pending));

    /// <inheritdoc />
    public ValueTask<long> RecordDeliveredAsync(StoredMessage message, CancellationToken ct = default) => ValueTask.FromResult(Add(message, MessageState.Delivered));

    private long Add(StoredMessage message, MessageState state)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            long id = ++_nextId;
            _all[id] = message with { Id = id, State = state, CompletedAt = state == MessageState.Pending ? null : message.CompletedAt ?? message.ReceivedAt };
            if (state == MessageState.Pending)
            {
                if (!_pending.TryGetValue(message.Recipient, out var ids))
                {
                    _pending[message.Recipient] = ids = [];
                }
                ids.Add(id);
            }
            return id;
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetPendingAsync(string recipient, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        lock (_gate)
        {
            if (!_pending.TryGetValue(recipient, out var ids))
            {
                return ValueTask.FromResult<IReadOnlyList<StoredMessage>>([]);
            }
            return ValueTask.FromResult<IReadOnlyList<StoredMessage>>([.. ids.Take(limit).Select(id => _all[id])]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> GetPendingRecipientsAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<string>>([.. _pending.Keys]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<StoredMessage>>([.. _pending.Values.SelectMany(ids => ids).Order().Select(id => _all[id]).Where(m => m.ExpiresAt <= now).Take(limit)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(long id, MessageState state, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfEqual((int)state, (int)MessageState.Pending, nameof(state));
        lock (_gate)
        {
            if (!_all.TryGetValue(id, out var m) || m.State != MessageState.Pending)
            {
                return ValueTask.FromResult(false);
            }
            _all[id] = m with { State = state, CompletedAt = at };
            var ids = _pending[m.Recipient];
            ids.Remove(id);
            if (ids.Count == 0)
            {
                _pending.Remove(m.Recipient);
            }
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredMessage>> GetConversationAsync(string userA, string userB, ConversationQuery? query = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userA);
        ArgumentNullException.ThrowIfNull(userB);
        query ??= new ConversationQuery();
        lock (_gate)
        {
            var list = new List<StoredMessage>();
            foreach (var (id, m) in _all)
            {
                if (list.Count >= query.Limit)
                {
                    break;
                }
                if (id > query.AfterId && (query.Since is not { } since || m.ReceivedAt >= since) && IsBetween(m, userA, userB))
                {
                    list.Add(m);
                }
            }
            return ValueTask.FromResult<IReadOnlyList<StoredMessage>>(list);
        }
    }

    private static bool IsBetween(StoredMessage m, string a, string b) =>
        (string.Equals(m.Sender, a, StringComparison.Ordinal) && string.Equals(m.Recipient, b, StringComparison.Ordinal))
        || (string.Equals(m.Sender, b, StringComparison.Ordinal) && string.Equals(m.Recipient, a, StringComparison.Ordinal));
}
