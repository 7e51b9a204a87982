using System.Buffers;
using System.Xml;
using RcsCore.Parsing.Cpim;

namespace RcsCore.Rcs.Imdn;

/// <summary>
/// A <c>message/imdn+xml</c> notification document (RFC 5438): which message it is about, when that message was sent,
/// who reports, and one delivery, display or processing status.
/// </summary>
public sealed class ImdnDocument : IEquatable<ImdnDocument>
{
    /// <summary>The default bound on a document's size, in bytes and characters: 64 KiB.</summary>
    public const int DefaultMaxSize = 64 * 1024;

    /// <summary>Creates a document.</summary>
    /// <param name="messageId">The imdn.Message-ID of the IM this notification is about.</param>
    /// <param name="dateTime">The DateTime of that IM.</param>
    /// <param name="type">Delivery, display or processing.</param>
    /// <param name="status">A status <paramref name="type"/> allows (<see cref="IsAllowed"/>).</param>
    /// <exception cref="ArgumentException">The Message-ID is empty or the status does not fit the type.</exception>
    public ImdnDocument(string messageId, DateTimeOffset dateTime, ImdnNotificationType type, ImdnStatus status)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        if (!IsAllowed(type, status))
        {
            throw new ArgumentException($"A {type} notification cannot have status {status} (RFC 5438).", nameof(status));
        }

        MessageId = messageId;
        DateTime = dateTime;
        Type = type;
        Status = status;
    }

    /// <summary>The <c>message-id</c>: the imdn.Message-ID of the IM.</summary>
    public string MessageId { get; }

    /// <summary>The <c>datetime</c>: the DateTime header of the IM.</summary>
    public DateTimeOffset DateTime { get; }

    /// <summary>The notification element.</summary>
    public ImdnNotificationType Type { get; }

    /// <summary>The status inside it.</summary>
    public ImdnStatus Status { get; }

    /// <summary>The <c>recipient-uri</c>: who reports (the IM's recipient), or null.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "As written (sip:, tel:, im:).")]
    public string? RecipientUri { get; init; }

    /// <summary>The <c>original-recipient-uri</c>: the IM's original recipient (imdn.Original-To or To), or null.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "As written.")]
    public string? OriginalRecipientUri { get; init; }

    /// <summary>The <c>subject</c>: the IM's Subject, or null.</summary>
    public string? Subject { get; init; }

    /// <summary>
    /// RFC 5438 statuses per type: delivery: delivered, failed, forbidden, error; display: displayed, forbidden, error;
    /// processing: processed, stored, forbidden, error.
    /// </summary>
    /// <param name="type">The notification type.</param>
    /// <param name="status">The status.</param>
    /// <returns>True when the combination is valid.</returns>
    public static bool IsAllowed(ImdnNotificationType type, ImdnStatus status) => status switch
    {
        ImdnStatus.Forbidden or ImdnStatus.Error => type is ImdnNotificationType.Delivery or ImdnNotificationType.Display or ImdnNotificationType.Processing,
        ImdnStatus.Delivered or ImdnStatus.Failed => type == ImdnNotificationType.Delivery,
        ImdnStatus.Displayed => type == ImdnNotificationType.Display,
        ImdnStatus.Processed or ImdnStatus.Stored => type == ImdnNotificationType.Processing,
        _ => false,
    };

    /// <summary>
    /// Parses a document. Never throws on bad input: the XML reader prohibits DTDs, resolves nothing external and stops
    /// after <paramref name="maxSize"/> characters.
    /// </summary>
    /// <param name="xml">The document bytes (UTF-8, or as its declaration says).</param>
    /// <param name="document">The document, or null on error.</param>
    /// <param name="maxSize">The largest document accepted, in bytes.</param>
    /// <returns><see cref="ImdnParseError.None"/> or why it was rejected.</returns>
    /// <remarks>
    /// Elements from other namespaces (extensions) and unknown IMDN elements are skipped; values of message-id,
    /// datetime and the URIs are trimmed; the subject is kept as is.
    /// </remarks>
    public static ImdnParseError TryParse(ReadOnlyMemory<byte> xml, out ImdnDocument? document, int maxSize = DefaultMaxSize)
    {
        document = null;
        if (xml.Length > maxSize)
        {
            return ImdnParseError.TooLarge;
        }

        return RcsXml.Parse(xml, maxSize, static (XmlReader reader, out ImdnDocument? value) => Read(reader, out value),
            static error => error == ImdnParseError.None, static _ => ImdnParseError.MalformedXml, out document);
    }

    /// <summary>Writes the document: an XML declaration, then one element per line, CRLF line ends.</summary>
    /// <param name="output">The destination.</param>
    /// <exception cref="ArgumentException">A value holds a character XML 1.0 does not allow.</exception>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        RcsXml.Raw(output, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n");
        RcsXml.Element(output, "  ", "message-id", MessageId);
        RcsXml.Element(output, "  ", "datetime", CpimDateTime.Format(DateTime));
        if (RecipientUri is not null)
        {
            RcsXml.Element(output, "  ", "recipient-uri", RecipientUri);
        }

        if (OriginalRecipientUri is not null)
        {
            RcsXml.Element(output, "  ", "original-recipient-uri", OriginalRecipientUri);
        }

        if (Subject is not null)
        {
            RcsXml.Element(output, "  ", "subject", Subject);
        }

        string element = ElementName(Type);
        RcsXml.Raw(output, string.Concat("  <", element, "><status><", StatusName(Status), "/></status></", element, ">\r\n</imdn>\r\n"));
    }

    /// <summary>Writes the document into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc/>
    public bool Equals(ImdnDocument? other) =>
        other is not null
        && string.Equals(MessageId, other.MessageId, StringComparison.Ordinal)
        && DateTime.EqualsExact(other.DateTime)
        && Type == other.Type
        && Status == other.Status
        && string.Equals(RecipientUri, other.RecipientUri, StringComparison.Ordinal)
        && string.Equals(OriginalRecipientUri, other.OriginalRecipientUri, StringComparison.Ordinal)
        && string.Equals(Subject, other.Subject, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ImdnDocument);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(MessageId), DateTime, Type, Status);

    /// <summary>For diagnostics: <c>Type/Status for MessageId</c>.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => string.Concat(Type.ToString(), "/", Status.ToString(), " for ", MessageId);

    private static string ElementName(ImdnNotificationType type) => type switch
    {
        ImdnNotificationType.Display => "display-notification",
        ImdnNotificationType.Processing => "processing-notification",
        _ => "delivery-notification",
    };

    private static string StatusName(ImdnStatus status) => status switch
    {
        ImdnStatus.Delivered => "delivered",
        ImdnStatus.Failed => "failed",
        ImdnStatus.Forbidden => "forbidden",
        ImdnStatus.Displayed => "displayed",
        ImdnStatus.Processed => "processed",
        ImdnStatus.Stored => "stored",
        _ => "error",
    };

    private static bool TryStatus(string name, out ImdnStatus status)
    {
        status = name switch
        {
            "delivered" => ImdnStatus.Delivered,
            "failed" => ImdnStatus.Failed,
            "forbidden" => ImdnStatus.Forbidden,
            "error" => ImdnStatus.Error,
            "displayed" => ImdnStatus.Displayed,
            "processed" => ImdnStatus.Processed,
            "stored" => ImdnStatus.Stored,
            _ => (ImdnStatus)(-1),
        };
        return (int)status >= 0;
    }

    private static ImdnParseError Read(XmlReader reader, out ImdnDocument? document)
    {
        document = null;
        if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "imdn" || reader.NamespaceURI != ImdnHeaders.XmlNamespace)
        {
            return ImdnParseError.NotImdn;
        }

        string? messageId = null;
        string? dateTime = null;
        string? recipient = null;
        string? original = null;
        string? subject = null;
        ImdnNotificationType? type = null;
        ImdnStatus status = default;
        if (reader.IsEmptyElement)
        {
            reader.Read();
        }
        else
        {
            reader.Read();
            while (RcsXml.NextChild(reader))
            {
                if (reader.NamespaceURI != ImdnHeaders.XmlNamespace)
                {
                    // RFC 5438 schema: <xs:any namespace="##other"> extensions are allowed and ignored here.
                    reader.Skip();
                    continue;
                }

                ImdnParseError error = reader.LocalName switch
                {
                    "message-id" => Leaf(reader, ref messageId, trim: true),
                    "datetime" => Leaf(reader, ref dateTime, trim: true),
                    "recipient-uri" => Leaf(reader, ref recipient, trim: true),
                    "original-recipient-uri" => Leaf(reader, ref original, trim: true),
                    "subject" => Leaf(reader, ref subject, trim: false),
                    "delivery-notification" => Notification(reader, ImdnNotificationType.Delivery, ref type, ref status),
                    "display-notification" => Notification(reader, ImdnNotificationType.Display, ref type, ref status),
                    "processing-notification" => Notification(reader, ImdnNotificationType.Processing, ref type, ref status),
                    _ => Skip(reader),
                };
                if (error != ImdnParseError.None)
                {
                    return error;
                }
            }

            reader.ReadEndElement();
        }

        if (string.IsNullOrEmpty(messageId))
        {
            return ImdnParseError.MissingMessageId;
        }

        if (dateTime is null || !CpimDateTime.TryParse(dateTime, out DateTimeOffset when))
        {
            return ImdnParseError.InvalidDateTime;
        }

        if (type is null)
        {
            return ImdnParseError.MissingNotification;
        }

        document = new ImdnDocument(messageId, when, type.Value, status)
        {
            RecipientUri = recipient,
            OriginalRecipientUri = original,
            Subject = subject,
        };
        return ImdnParseError.None;
    }

    private static ImdnParseError Skip(XmlReader reader)
    {
        reader.Skip();
        return ImdnParseError.None;
    }

    private static ImdnParseError Leaf(XmlReader reader, ref string? value, bool trim)
    {
        if (value is not null)
        {
            return ImdnParseError.DuplicateElement;
        }

        string text = reader.ReadElementContentAsString();
        value = trim ? text.Trim() : text;
        return ImdnParseError.None;
    }

    private static ImdnParseError Notification(XmlReader reader, ImdnNotificationType type, ref ImdnNotificationType? seen, ref ImdnStatus status)
    {
        if (seen is not null)
        {
            return ImdnParseError.DuplicateElement;
        }

        seen = type;
        bool found = false;
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return ImdnParseError.InvalidStatus;
        }

        reader.Read();
        while (RcsXml.NextChild(reader))
        {
            if (reader.NamespaceURI != ImdnHeaders.XmlNamespace || reader.LocalName != "status")
            {
                reader.Skip();
                continue;
            }

            if (found || reader.IsEmptyElement)
            {
                return ImdnParseError.InvalidStatus;
            }

            reader.Read();
            while (RcsXml.NextChild(reader))
            {
                if (reader.NamespaceURI == ImdnHeaders.XmlNamespace)
                {
                    // Exactly one status element of the IMDN namespace, and one the type allows.
                    if (found || !TryStatus(reader.LocalName, out status) || !IsAllowed(type, status))
                    {
                        return ImdnParseError.InvalidStatus;
                    }

                    found = true;
                }

                reader.Skip();
            }

            reader.ReadEndElement();
        }

        reader.ReadEndElement();
        return found ? ImdnParseError.None : ImdnParseError.InvalidStatus;
    }
}
