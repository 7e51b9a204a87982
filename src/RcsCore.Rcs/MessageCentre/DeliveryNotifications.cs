using RcsCore.Parsing.Cpim;
using RcsCore.Rcs.Imdn;

namespace RcsCore.Rcs.MessageCentre;

/// <summary>A notification body the message centre sends to a sender: its Content-Type and bytes.</summary>
internal sealed record DeliveryNotification(string ContentType, byte[] Body, string MessageId);

/// <summary>
/// The seam between the message centre and IMDN (RFC 5438): what a message asks for, and the notification of its
/// outcome. The message centre knows nothing of CPIM or IMDN beyond this.
/// </summary>
internal interface IDeliveryNotifications
{
    /// <summary>The IMDN Message-ID and Disposition-Notification of a message (RFC 5438 §6.2, §6.3); nulls when absent.</summary>
    (string? MessageId, string? DispositionNotification) ReadRequest(string contentType, ReadOnlySpan<byte> body);

    /// <summary>
    /// The delivery notification for <paramref name="message"/>: <c>delivered</c> when <paramref name="delivered"/>,
    /// else <c>failed</c>; null when the sender did not ask for that one (positive-delivery / negative-delivery).
    /// </summary>
    DeliveryNotification? Create(StoredMessage message, bool delivered, DateTimeOffset now);
}

/// <summary>
/// The default seam: the CPIM reader (<see cref="CpimMessage"/>, RFC 3862) for the request and the IMDN types
/// (<see cref="ImdnRequest"/>, <see cref="ImdnNotification"/>, RFC 5438) for the notification.
/// </summary>
internal sealed class ImdnDeliveryNotifications : IDeliveryNotifications
{
    private const string CpimContentType = "message/cpim";

    public static ImdnDeliveryNotifications Instance { get; } = new();

    public (string? MessageId, string? DispositionNotification) ReadRequest(string contentType, ReadOnlySpan<byte> body)
    {
        if (!ImdnCpimExtensions.MediaTypeIs(contentType, CpimContentType) || !CpimMessage.TryParse(body, out CpimMessage? message).IsSuccess)
        {
            return (null, null);
        }

        // RFC 3862 §3.3: the IMDN headers are found by namespace URI, whatever prefix the NS header binds to it.
        IReadOnlyList<string> dispositions = message!.GetHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.DispositionNotification);
        return (message.GetImdnMessageId(), dispositions.Count == 0 ? null : string.Join(", ", dispositions));
    }

    public DeliveryNotification? Create(StoredMessage message, bool delivered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        ImdnStatus status = delivered ? ImdnStatus.Delivered : ImdnStatus.Failed;
        // RFC 5438 §7.1.1.3: positive-delivery / negative-delivery ask for the success / failure notification.
        ImdnDispositions asked = ImdnHeaders.ParseDispositions(message.DispositionNotification);
        if (message.ImdnMessageId is not { } originalId || (asked & (delivered ? ImdnDispositions.PositiveDelivery : ImdnDispositions.NegativeDelivery)) == 0)
        {
            return null;
        }

        // RFC 5438 §7.2.1.1: the notification names the original message by Message-ID and DateTime, and the
        // (original) recipient; the status is delivered, or failed for a negative delivery notification (§7.2.1.2).
        ImdnDocument document;
        IReadOnlyList<string>? routes = null;
        if (ImdnCpimExtensions.MediaTypeIs(message.ContentType, CpimContentType)
            && CpimMessage.TryParse(message.Body.Span, out CpimMessage? im).IsSuccess
            && ImdnRequest.TryGet(im!, out ImdnRequest? request))
        {
            document = request!.CreateDocument(ImdnNotificationType.Delivery, status, message.ReceivedAt, message.Recipient);
            routes = request.RecordRoutes.Count == 0 ? null : request.RecordRoutes;
        }
        else
        {
            document = new ImdnDocument(originalId, message.ReceivedAt, ImdnNotificationType.Delivery, status)
            {
                RecipientUri = message.Recipient,
                OriginalRecipientUri = message.Recipient,
            };
        }

        // The notification goes from the recipient to the sender (RFC 5438 §7.2.1.1), with its own Message-ID.
        CpimMessage notification = ImdnNotification.Create(new CpimAddress(message.Recipient), new CpimAddress(message.Sender), [document], now, routes);
        return new DeliveryNotification(CpimContentType, notification.ToArray(), notification.GetImdnMessageId()!);
    }
}
