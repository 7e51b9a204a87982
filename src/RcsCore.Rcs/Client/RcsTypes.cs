using System.Text;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;

namespace RcsCore.Rcs;

/// <summary>How a message travels (OMA CPM, GSMA RCC.07).</summary>
public enum RcsMessageMode
{
    /// <summary>Inside a 1-to-1 chat session, over MSRP.</summary>
    Chat = 0,

    /// <summary>Standalone, pager mode: one SIP MESSAGE (RFC 3428), at most 1300 bytes.</summary>
    Pager = 1,

    /// <summary>Standalone, large-message mode: an INVITE, one MSRP message, BYE (RFC 4975).</summary>
    LargeMessage = 2,
}

/// <summary>Where an <see cref="RcsChat"/> stands.</summary>
public enum RcsChatState
{
    /// <summary>An INVITE for the session is in progress.</summary>
    Connecting = 0,

    /// <summary>The session is up: messages go over MSRP.</summary>
    Active = 1,

    /// <summary>No session now (expired on inactivity, or ended by the peer); the next message re-establishes one.</summary>
    Idle = 2,

    /// <summary>Closed by this side (<see cref="RcsChat.CloseAsync"/>) or by the client stopping; no longer usable.</summary>
    Closed = 3,
}

/// <summary>A message received by an <see cref="RcsClient"/>: in a chat or standalone.</summary>
public sealed class RcsMessage
{
    internal RcsMessage(string messageId, string from, string to, string? contentType, ReadOnlyMemory<byte> content, RcsMessageMode mode, DateTimeOffset? sentAt, DateTimeOffset receivedAt)
    {
        MessageId = messageId;
        From = from;
        To = to;
        ContentType = contentType;
        Content = content;
        Mode = mode;
        SentAt = sentAt;
        ReceivedAt = receivedAt;
    }

    /// <summary>The imdn.Message-ID (RFC 5438), or a local identifier when the sender gave none.</summary>
    public string MessageId { get; }

    /// <summary>The sender's address of record, e.g. <c>sip:alice@example.com</c>.</summary>
    public string From { get; }

    /// <summary>The recipient's address of record.</summary>
    public string To { get; }

    /// <summary>The Content-Type of the content (the type inside CPIM), e.g. <c>text/plain;charset=UTF-8</c>.</summary>
    public string? ContentType { get; }

    /// <summary>The content bytes.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>The content as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Content.Span);

    /// <summary>How it came.</summary>
    public RcsMessageMode Mode { get; }

    /// <summary>The CPIM DateTime (RFC 3862 §4.4), or null.</summary>
    public DateTimeOffset? SentAt { get; }

    /// <summary>When this client received it.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The chat it came in, or null for a standalone message.</summary>
    public RcsChat? Chat { get; internal set; }

    /// <summary>The notifications the sender asked for (RFC 5438 imdn.Disposition-Notification).</summary>
    public ImdnDispositions RequestedNotifications => Request?.Dispositions ?? ImdnDispositions.None;

    internal ImdnRequest? Request { get; init; }

    private int _displayed;

    /// <summary>True the first time: a display notification goes out once per message.</summary>
    internal bool TryMarkDisplayed() => Interlocked.Exchange(ref _displayed, 1) == 0;

    /// <inheritdoc />
    public override string ToString() => $"{Mode} message {MessageId} from {From}";
}

/// <summary>The outcome of sending a message.</summary>
/// <param name="MessageId">The imdn.Message-ID given to the message; delivery and display notifications name it.</param>
/// <param name="Mode">How it was sent.</param>
/// <param name="StatusCode">200 when the recipient took it; 202 when the message centre stored it for later (RFC 3428 §7).</param>
public sealed record RcsSendResult(string MessageId, RcsMessageMode Mode, int StatusCode)
{
    /// <summary>True when the message centre accepted it for later delivery (202) rather than the recipient taking it now.</summary>
    public bool IsStored => StatusCode == 202;
}

/// <summary>A message arrived.</summary>
public sealed class RcsMessageReceivedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="message">The message.</param>
    public RcsMessageReceivedEventArgs(RcsMessage message) => Message = message;

    /// <summary>The message.</summary>
    public RcsMessage Message { get; }
}

/// <summary>A delivery or display notification (RFC 5438) about a message this client sent.</summary>
public sealed class RcsNotificationEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="messageId">The Message-ID of the message the notification is about.</param>
    /// <param name="type">Delivery, display or processing.</param>
    /// <param name="status">delivered, displayed, failed...</param>
    /// <param name="from">Who sent the notification (the recipient, or the message centre for it).</param>
    /// <param name="chat">The chat it came in, or null.</param>
    public RcsNotificationEventArgs(string messageId, ImdnNotificationType type, ImdnStatus status, string from, RcsChat? chat)
    {
        MessageId = messageId;
        Type = type;
        Status = status;
        From = from;
        Chat = chat;
    }

    /// <summary>The Message-ID of the message the notification is about.</summary>
    public string MessageId { get; }

    /// <summary>Delivery, display or processing.</summary>
    public ImdnNotificationType Type { get; }

    /// <summary>The status.</summary>
    public ImdnStatus Status { get; }

    /// <summary>Who sent the notification (address of record).</summary>
    public string From { get; }

    /// <summary>The chat it came in, or null.</summary>
    public RcsChat? Chat { get; }
}

/// <summary>The peer of a chat started or stopped composing (RFC 3994).</summary>
public sealed class RcsComposingEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="chat">The chat.</param>
    /// <param name="state">The peer's new state.</param>
    public RcsComposingEventArgs(RcsChat chat, IsComposingState state)
    {
        Chat = chat;
        State = state;
    }

    /// <summary>The chat.</summary>
    public RcsChat Chat { get; }

    /// <summary>The peer's new state.</summary>
    public IsComposingState State { get; }
}

/// <summary>A chat's state changed.</summary>
public sealed class RcsChatStateEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="chat">The chat.</param>
    /// <param name="previous">The state before.</param>
    /// <param name="current">The state now.</param>
    public RcsChatStateEventArgs(RcsChat chat, RcsChatState previous, RcsChatState current)
    {
        Chat = chat;
        Previous = previous;
        Current = current;
    }

    /// <summary>The chat.</summary>
    public RcsChat Chat { get; }

    /// <summary>The state before.</summary>
    public RcsChatState Previous { get; }

    /// <summary>The state now.</summary>
    public RcsChatState Current { get; }
}

/// <summary>An RCS operation failed with a SIP or MSRP status (e.g. 603 when a chat is declined, 480 when the peer is offline).</summary>
public sealed class RcsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RcsException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public RcsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="inner">The cause.</param>
    public RcsException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception with a status.</summary>
    /// <param name="statusCode">The SIP or MSRP status.</param>
    /// <param name="message">The message.</param>
    public RcsException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    /// <summary>The SIP or MSRP status, or 0.</summary>
    public int StatusCode { get; }
}
