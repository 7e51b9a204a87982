namespace RcsCore.Rcs.MessageCentre;

/// <summary>
/// Where the message centre keeps messages: the store-and-forward queue (pending messages per recipient, in
/// arrival order) and the per-conversation history (every message it stored or delivered). Implementations must be
/// thread-safe. A durable implementation must have the message on stable storage when
/// <see cref="EnqueueAsync"/> completes: the centre answers 202 only then.
/// </summary>
public interface IMessageStore
{
    /// <summary>Stores a pending message durably and returns its id (ids grow with arrival order).</summary>
    ValueTask<long> EnqueueAsync(StoredMessage message, CancellationToken ct = default);

    /// <summary>Records a message that was delivered without being queued (history only); returns its id.</summary>
    ValueTask<long> RecordDeliveredAsync(StoredMessage message, CancellationToken ct = default);

    /// <summary>The oldest pending messages of a recipient, in arrival order, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<StoredMessage>> GetPendingAsync(string recipient, int limit, CancellationToken ct = default);

    /// <summary>The recipients with pending messages.</summary>
    ValueTask<IReadOnlyList<string>> GetPendingRecipientsAsync(CancellationToken ct = default);

    /// <summary>Pending messages whose expiry is at or before <paramref name="now"/>, oldest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<StoredMessage>> GetExpiredAsync(DateTimeOffset now, int limit, CancellationToken ct = default);

    /// <summary>
    /// Ends a pending message: delivered, expired or failed (it leaves the queue and stays in the history). Returns
    /// false when the message was not pending (already completed).
    /// </summary>
    ValueTask<bool> CompleteAsync(long id, MessageState state, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>
    /// The messages between two users in either direction (stored and delivered), in arrival order, from
    /// <see cref="ConversationQuery.AfterId"/> and <see cref="ConversationQuery.Since"/>, at most
    /// <see cref="ConversationQuery.Limit"/>. Page on by passing the last id as the next <see cref="ConversationQuery.AfterId"/>.
    /// </summary>
    ValueTask<IReadOnlyList<StoredMessage>> GetConversationAsync(string userA, string userB, ConversationQuery? query = null, CancellationToken ct = default);
}

/// <summary>Where a message is in its life.</summary>
public enum MessageState : byte
{
    /// <summary>Stored, waiting for the recipient.</summary>
    Pending = 0,
    /// <summary>The recipient accepted it (a 2xx).</summary>
    Delivered = 1,
    /// <summary>Dropped at its expiry before it could be delivered.</summary>
    Expired = 2,
    /// <summary>The recipient refused it for good (a 4xx/6xx other than the temporary ones).</summary>
    Failed = 3,
}

/// <summary>Paging of <see cref="IMessageStore.GetConversationAsync"/>.</summary>
public sealed class ConversationQuery
{
    /// <summary>Only messages with an id above this one (0 for the start).</summary>
    public long AfterId { get; init; }

    /// <summary>Only messages received at or after this time, or null.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>At most this many messages.</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>
/// A pager-mode message as the message centre keeps it: the end-to-end parts of the SIP MESSAGE (From, To,
/// P-Asserted-Identity, other end-to-end headers, the body exactly as received) and its bookkeeping.
/// </summary>
public sealed record StoredMessage
{
    /// <summary>The store's id (0 before it is stored).</summary>
    public long Id { get; init; }

    /// <summary>The sender's address of record.</summary>
    public required string Sender { get; init; }

    /// <summary>The recipient's address of record.</summary>
    public required string Recipient { get; init; }

    /// <summary>The From header value as received (RFC 3428 §7: kept when the message is delivered later).</summary>
    public required string From { get; init; }

    /// <summary>The To header value as received.</summary>
    public required string To { get; init; }

    /// <summary>The P-Asserted-Identity values (RFC 3325 §9.1), one per line, or null.</summary>
    public string? AssertedIdentity { get; init; }

    /// <summary>Other end-to-end headers to carry (Contribution-ID, Conversation-ID...), as <c>Name: value</c> lines joined by CRLF, or null.</summary>
    public string? Headers { get; init; }

    /// <summary>The Content-Type of the body.</summary>
    public required string ContentType { get; init; }

    /// <summary>The body exactly as received (the CPIM object for CPM, RFC 3862).</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The IMDN Message-ID of the CPIM object (RFC 5438 §6.3), or null.</summary>
    public string? ImdnMessageId { get; init; }

    /// <summary>The IMDN Disposition-Notification value (RFC 5438 §6.2), or null when none was asked for.</summary>
    public string? DispositionNotification { get; init; }

    /// <summary>When the message centre accepted it.</summary>
    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>When it is dropped if still undelivered.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Its state.</summary>
    public MessageState State { get; init; }

    /// <summary>When it was delivered, expired or failed; null while pending.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
}
