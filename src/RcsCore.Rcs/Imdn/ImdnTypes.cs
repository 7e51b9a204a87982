namespace RcsCore.Rcs.Imdn;

/// <summary>The notifications an IM asks for in imdn.Disposition-Notification (RFC 5438).</summary>
[Flags]
public enum ImdnDispositions
{
    /// <summary>No notification requested.</summary>
    None = 0,

    /// <summary><c>positive-delivery</c>: a <c>delivered</c> notification.</summary>
    PositiveDelivery = 1,

    /// <summary><c>negative-delivery</c>: a <c>failed</c> (or forbidden / error) delivery notification.</summary>
    NegativeDelivery = 2,

    /// <summary><c>processing</c>: processing notifications from intermediaries (RFC 5438 §8.1).</summary>
    Processing = 4,

    /// <summary><c>display</c>: a <c>displayed</c> notification once the user has seen the message.</summary>
    Display = 8,
}

/// <summary>The kind of a notification document (RFC 5438): which element it carries.</summary>
public enum ImdnNotificationType
{
    /// <summary><c>&lt;delivery-notification&gt;</c>.</summary>
    Delivery = 0,

    /// <summary><c>&lt;display-notification&gt;</c>.</summary>
    Display = 1,

    /// <summary><c>&lt;processing-notification&gt;</c>.</summary>
    Processing = 2,
}

/// <summary>The status inside a notification (RFC 5438); which values a type allows is in <see cref="ImdnDocument.IsAllowed"/>.</summary>
public enum ImdnStatus
{
    /// <summary><c>&lt;delivered/&gt;</c> (delivery).</summary>
    Delivered = 0,

    /// <summary><c>&lt;failed/&gt;</c> (delivery).</summary>
    Failed = 1,

    /// <summary><c>&lt;forbidden/&gt;</c> (any type): policy forbids the notification's disclosure.</summary>
    Forbidden = 2,

    /// <summary><c>&lt;error/&gt;</c> (any type).</summary>
    Error = 3,

    /// <summary><c>&lt;displayed/&gt;</c> (display).</summary>
    Displayed = 4,

    /// <summary><c>&lt;processed/&gt;</c> (processing).</summary>
    Processed = 5,

    /// <summary><c>&lt;stored/&gt;</c> (processing): kept by a store-and-forward server.</summary>
    Stored = 6,
}

/// <summary>Why a notification document or an IMDN payload was rejected. The numeric values are stable.</summary>
public enum ImdnParseError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The document is larger than the size bound.</summary>
    TooLarge = 1,

    /// <summary>Not well-formed XML, or it has a DTD (prohibited).</summary>
    MalformedXml = 2,

    /// <summary>The root element is not <c>imdn</c> in <c>urn:ietf:params:xml:ns:imdn</c>.</summary>
    NotImdn = 3,

    /// <summary>No or an empty <c>message-id</c> element.</summary>
    MissingMessageId = 4,

    /// <summary>No <c>datetime</c> element, or not an RFC 3339 date-time.</summary>
    InvalidDateTime = 5,

    /// <summary>No delivery-, display- or processing-notification element.</summary>
    MissingNotification = 6,

    /// <summary>The notification has no status, or a status its type does not allow.</summary>
    InvalidStatus = 7,

    /// <summary>An element that may appear once appears twice, or two notification elements.</summary>
    DuplicateElement = 8,

    /// <summary>The content type is neither <c>message/imdn+xml</c> nor <c>multipart/mixed</c> (RFC 5438 §8.3).</summary>
    UnsupportedContentType = 9,

    /// <summary>A multipart/mixed aggregate is malformed, or one of its parts is not <c>message/imdn+xml</c>.</summary>
    InvalidMultipart = 10,
}
