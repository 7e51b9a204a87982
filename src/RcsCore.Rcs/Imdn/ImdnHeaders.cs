using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RcsCore.Rcs.Imdn;

/// <summary>
/// Names and values of RFC 5438 (IMDN): the CPIM header namespace and headers, the content type and disposition of a
/// notification, Message-ID generation and the Disposition-Notification list.
/// </summary>
public static class ImdnHeaders
{
    /// <summary>The CPIM header namespace of IMDN (RFC 5438): <c>NS: imdn &lt;urn:ietf:params:imdn&gt;</c>.</summary>
    public const string NamespaceUri = "urn:ietf:params:imdn";

    /// <summary>The prefix RFC 5438 uses for <see cref="NamespaceUri"/>.</summary>
    public const string Prefix = "imdn";

    /// <summary><c>imdn.Message-ID</c>: identifies the IM for its notifications (RFC 5438).</summary>
    public const string MessageId = "Message-ID";

    /// <summary><c>imdn.Disposition-Notification</c>: the notifications the sender asks for (RFC 5438).</summary>
    public const string DispositionNotification = "Disposition-Notification";

    /// <summary><c>imdn.IMDN-Record-Route</c>: where notifications should go, recorded by intermediaries (RFC 5438).</summary>
    public const string RecordRoute = "IMDN-Record-Route";

    /// <summary><c>imdn.IMDN-Route</c>: the route a notification takes, copied from IMDN-Record-Route (RFC 5438).</summary>
    public const string Route = "IMDN-Route";

    /// <summary><c>imdn.Original-To</c>: the IM's first recipient, kept when an intermediary retargets it (RFC 5438).</summary>
    public const string OriginalTo = "Original-To";

    /// <summary>The XML namespace of the notification document (RFC 5438).</summary>
    public const string XmlNamespace = "urn:ietf:params:xml:ns:imdn";

    /// <summary>The content type of a notification document (RFC 5438).</summary>
    public const string ContentType = "message/imdn+xml";

    /// <summary>The Content-Disposition of every notification (RFC 5438 §7.2.1.1).</summary>
    public const string NotificationDisposition = "notification";

    /// <summary>
    /// A new Message-ID: 128 random bits in base64url (22 characters, all RFC 3862 TOKENCHARs). RFC 5438 asks for a
    /// value unique to the sender that others cannot guess.
    /// </summary>
    /// <returns>The identifier.</returns>
    public static string NewMessageId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Parses a Disposition-Notification value (RFC 5438): a comma-separated list of
    /// <c>positive-delivery</c>, <c>negative-delivery</c>, <c>processing</c>, <c>display</c>, ASCII case-insensitive.
    /// Unknown values are ignored, as the list is extensible.
    /// </summary>
    /// <param name="value">The header value, or null.</param>
    /// <returns>The requested notifications.</returns>
    public static ImdnDispositions ParseDispositions(string? value)
    {
        ImdnDispositions result = ImdnDispositions.None;
        if (value is null)
        {
            return result;
        }

        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            result |= part.ToUpperInvariant() switch
            {
                "POSITIVE-DELIVERY" => ImdnDispositions.PositiveDelivery,
                "NEGATIVE-DELIVERY" => ImdnDispositions.NegativeDelivery,
                "PROCESSING" => ImdnDispositions.Processing,
                "DISPLAY" => ImdnDispositions.Display,
                _ => ImdnDispositions.None,
            };
        }

        return result;
    }

    /// <summary>Formats a Disposition-Notification value in the order positive-delivery, negative-delivery, processing, display.</summary>
    /// <param name="dispositions">The requested notifications.</param>
    /// <returns>The value, e.g. <c>positive-delivery, display</c>; empty for none.</returns>
    public static string FormatDispositions(ImdnDispositions dispositions)
    {
        var sb = new StringBuilder();
        Append(sb, dispositions, ImdnDispositions.PositiveDelivery, "positive-delivery");
        Append(sb, dispositions, ImdnDispositions.NegativeDelivery, "negative-delivery");
        Append(sb, dispositions, ImdnDispositions.Processing, "processing");
        Append(sb, dispositions, ImdnDispositions.Display, "display");
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, ImdnDispositions all, ImdnDispositions one, string name)
    {
        if ((all & one) == 0)
        {
            return;
        }

        if (sb.Length > 0)
        {
            sb.Append(", ");
        }

        sb.Append(name);
    }
}
