using RcsCore.Parsing.Cpim;

namespace RcsCore.Rcs.Imdn;

/// <summary>
/// What a received IM asks for (RFC 5438): its imdn.Message-ID, the requested notifications and what a notification
/// about it must carry. Create one with <see cref="TryGet"/>, then answer with <see cref="CreateNotification"/>.
/// </summary>
public sealed class ImdnRequest
{
    private ImdnRequest(
        string messageId,
        ImdnDispositions dispositions,
        CpimAddress sender,
        CpimAddress? recipient,
        string? originalTo,
        DateTimeOffset? dateTime,
        string? subject,
        IReadOnlyList<string> recordRoutes)
    {
        MessageId = messageId;
        Dispositions = dispositions;
        Sender = sender;
        Recipient = recipient;
        OriginalTo = originalTo;
        DateTime = dateTime;
        Subject = subject;
        RecordRoutes = recordRoutes;
    }

    /// <summary>The IM's imdn.Message-ID.</summary>
    public string MessageId { get; }

    /// <summary>The notifications requested.</summary>
    public ImdnDispositions Dispositions { get; }

    /// <summary>The IM's From: where notifications go.</summary>
    public CpimAddress Sender { get; }

    /// <summary>The IM's first To, or null.</summary>
    public CpimAddress? Recipient { get; }

    /// <summary>The IM's imdn.Original-To value, or null.</summary>
    public string? OriginalTo { get; }

    /// <summary>The IM's DateTime, or null when it has none.</summary>
    public DateTimeOffset? DateTime { get; }

    /// <summary>The IM's Subject, or null.</summary>
    public string? Subject { get; }

    /// <summary>The IM's imdn.IMDN-Record-Route values in order; notifications carry them as imdn.IMDN-Route.</summary>
    public IReadOnlyList<string> RecordRoutes { get; }

    /// <summary>
    /// Reads the request of an IM: true when it has an imdn.Message-ID, a From and asks for at least one notification,
    /// and is not itself a notification.
    /// </summary>
    /// <param name="message">The received IM.</param>
    /// <param name="request">The request, or null.</param>
    /// <returns>True when a notification may be sent.</returns>
    public static bool TryGet(CpimMessage message, out ImdnRequest? request)
    {
        ArgumentNullException.ThrowIfNull(message);
        request = null;
        string? messageId = message.GetImdnMessageId();
        ImdnDispositions dispositions = message.GetDispositionNotification();
        CpimAddress? sender = message.From;
        if (string.IsNullOrEmpty(messageId) || dispositions == ImdnDispositions.None || sender is null || message.IsImdnNotification())
        {
            return false;
        }

        IReadOnlyList<CpimAddress> to = message.To;
        request = new ImdnRequest(
            messageId,
            dispositions,
            sender,
            to.Count > 0 ? to[0] : null,
            message.GetHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.OriginalTo),
            message.DateTime,
            message.Subject,
            message.GetImdnRecordRoutes());
        return true;
    }

    /// <summary>
    /// True when the IM asked for this notification: delivered needs positive-delivery, the other delivery statuses
    /// negative-delivery, display notifications display, processing notifications processing (RFC 5438).
    /// </summary>
    /// <param name="type">The notification type.</param>
    /// <param name="status">The status.</param>
    /// <returns>True when it was requested.</returns>
    public bool Requests(ImdnNotificationType type, ImdnStatus status) => type switch
    {
        ImdnNotificationType.Delivery => (Dispositions & (status == ImdnStatus.Delivered ? ImdnDispositions.PositiveDelivery : ImdnDispositions.NegativeDelivery)) != 0,
        ImdnNotificationType.Display => (Dispositions & ImdnDispositions.Display) != 0,
        ImdnNotificationType.Processing => (Dispositions & ImdnDispositions.Processing) != 0,
        _ => false,
    };

    /// <summary>
    /// The document about this IM: its Message-ID and DateTime (or <paramref name="now"/> when it had none), the
    /// notifier as recipient-uri, the original recipient (imdn.Original-To, else the IM's To), and its Subject.
    /// </summary>
    /// <param name="type">The notification type.</param>
    /// <param name="status">The status.</param>
    /// <param name="now">Used as datetime only when the IM had no DateTime.</param>
    /// <param name="recipientUri">Who reports; null for the IM's To.</param>
    /// <returns>The document.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "As written.")]
    public ImdnDocument CreateDocument(ImdnNotificationType type, ImdnStatus status, DateTimeOffset now, string? recipientUri = null) =>
        new(MessageId, DateTime ?? now, type, status)
        {
            RecipientUri = recipientUri ?? Recipient?.Uri,
            OriginalRecipientUri = OriginalTo is { } original && CpimAddress.TryParse(original, out CpimAddress? address) ? address!.Uri : Recipient?.Uri,
            Subject = Subject,
        };

    /// <summary>
    /// The IMDN answering this IM, routed back to its sender (RFC 5438 §7.2.1.1): From the notifier, To the IM's
    /// From, a new imdn.Message-ID, the IM's IMDN-Record-Route as IMDN-Route, the document as content.
    /// </summary>
    /// <param name="type">The notification type.</param>
    /// <param name="status">The status.</param>
    /// <param name="now">The notification's DateTime.</param>
    /// <param name="notifier">Who reports; null for the IM's To.</param>
    /// <param name="messageId">The notification's own imdn.Message-ID; null for a new one.</param>
    /// <returns>The CPIM message to send.</returns>
    /// <exception cref="InvalidOperationException">No notifier given and the IM had no To.</exception>
    public CpimMessage CreateNotification(ImdnNotificationType type, ImdnStatus status, DateTimeOffset now, CpimAddress? notifier = null, string? messageId = null)
    {
        CpimAddress from = notifier ?? Recipient ?? throw new InvalidOperationException("The IM has no To; pass the notifier.");
        ImdnDocument document = CreateDocument(type, status, now, from.Uri);
        return ImdnNotification.Create(from, Sender, [document], now, RecordRoutes, messageId);
    }
}
