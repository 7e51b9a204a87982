using System.Buffers;
using System.Globalization;
using System.Xml;
using RcsCore.Parsing.Cpim;

namespace RcsCore.Rcs.Composing;

/// <summary>Whether the other party is composing a message (RFC 3994).</summary>
public enum IsComposingState
{
    /// <summary><c>idle</c>: not composing.</summary>
    Idle = 0,

    /// <summary><c>active</c>: composing now.</summary>
    Active = 1,
}

/// <summary>Why an <c>application/im-iscomposing+xml</c> document was rejected. The numeric values are stable.</summary>
public enum IsComposingParseError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The document is larger than the size bound.</summary>
    TooLarge = 1,

    /// <summary>Not well-formed XML, or it has a DTD (prohibited).</summary>
    MalformedXml = 2,

    /// <summary>The root element is not <c>isComposing</c> in <c>urn:ietf:params:xml:ns:im-iscomposing</c>.</summary>
    NotIsComposing = 3,

    /// <summary>No <c>state</c>, or neither <c>active</c> nor <c>idle</c>.</summary>
    InvalidState = 4,

    /// <summary><c>lastactive</c> is not an RFC 3339 date-time.</summary>
    InvalidLastActive = 5,

    /// <summary><c>refresh</c> is not a positive number of seconds.</summary>
    InvalidRefresh = 6,

    /// <summary>An element appears twice.</summary>
    DuplicateElement = 7,
}

/// <summary>
/// An <c>application/im-iscomposing+xml</c> document (RFC 3994; example in §5): the composing state, when the composer was last
/// active, what kind of content is being composed, and how long an active state lasts without a refresh.
/// </summary>
public sealed class IsComposingDocument : IEquatable<IsComposingDocument>
{
    /// <summary>The media type of the document (RFC 3994).</summary>
    public const string MediaType = "application/im-iscomposing+xml";

    /// <summary>The XML namespace (RFC 3994).</summary>
    public const string XmlNamespace = "urn:ietf:params:xml:ns:im-iscomposing";

    /// <summary>The default bound on a document's size: 16 KiB.</summary>
    public const int DefaultMaxSize = 16 * 1024;

    /// <summary>Creates a document.</summary>
    /// <param name="state">Active or idle.</param>
    public IsComposingDocument(IsComposingState state)
    {
        State = state;
    }

    /// <summary>The <c>state</c>.</summary>
    public IsComposingState State { get; }

    /// <summary>The <c>lastactive</c> time (meaningful in idle documents), or null.</summary>
    public DateTimeOffset? LastActive { get; init; }

    /// <summary>The <c>contenttype</c> being composed, e.g. <c>text/plain</c>, or null.</summary>
    public string? ContentType { get; init; }

    /// <summary>The <c>refresh</c> interval in seconds (meaningful in active documents), or null.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public int? Refresh
    {
        get;
        init
        {
            if (value is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The refresh interval must be positive (RFC 3994).");
            }

            field = value;
        }
    }

    /// <summary>Parses a document. Never throws on bad input; DTDs are prohibited and nothing external is resolved.</summary>
    /// <param name="xml">The document bytes.</param>
    /// <param name="document">The document, or null on error.</param>
    /// <param name="maxSize">The largest document accepted, in bytes.</param>
    /// <returns><see cref="IsComposingParseError.None"/> or why it was rejected.</returns>
    /// <remarks>Elements from other namespaces and unknown elements are skipped; values are trimmed.</remarks>
    public static IsComposingParseError TryParse(ReadOnlyMemory<byte> xml, out IsComposingDocument? document, int maxSize = DefaultMaxSize)
    {
        document = null;
        if (xml.Length > maxSize)
        {
            return IsComposingParseError.TooLarge;
        }

        return RcsXml.Parse(xml, maxSize, static (XmlReader reader, out IsComposingDocument? value) => Read(reader, out value),
            static error => error == IsComposingParseError.None, static _ => IsComposingParseError.MalformedXml, out document);
    }

    /// <summary>Writes the document: an XML declaration, then one element per line, CRLF line ends.</summary>
    /// <param name="output">The destination.</param>
    /// <exception cref="ArgumentException">The content type holds a character XML 1.0 does not allow.</exception>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        RcsXml.Raw(output, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\r\n");
        RcsXml.Element(output, "  ", "state", State == IsComposingState.Active ? "active" : "idle");
        if (LastActive is { } lastActive)
        {
            RcsXml.Element(output, "  ", "lastactive", CpimDateTime.Format(lastActive));
        }

        if (ContentType is not null)
        {
            RcsXml.Element(output, "  ", "contenttype", ContentType);
        }

        if (Refresh is { } refresh)
        {
            RcsXml.Element(output, "  ", "refresh", refresh.ToString(CultureInfo.InvariantCulture));
        }

        RcsXml.Raw(output, "</isComposing>\r\n");
    }

    /// <summary>Writes the document into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc/>
    public bool Equals(IsComposingDocument? other) =>
        other is not null
        && State == other.State
        && Nullable.Equals(Refresh, other.Refresh)
        && string.Equals(ContentType, other.ContentType, StringComparison.Ordinal)
        && LastActive.HasValue == other.LastActive.HasValue
        && (LastActive is not { } a || a.EqualsExact(other.LastActive!.Value));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as IsComposingDocument);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(State, Refresh, ContentType, LastActive);

    /// <summary>For diagnostics.</summary>
    /// <returns>The state and refresh.</returns>
    public override string ToString() => Refresh is { } r ? string.Concat(State.ToString(), " refresh ", r.ToString(CultureInfo.InvariantCulture)) : State.ToString();

    private static IsComposingParseError Read(XmlReader reader, out IsComposingDocument? document)
    {
        document = null;
        if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "isComposing" || reader.NamespaceURI != XmlNamespace)
        {
            return IsComposingParseError.NotIsComposing;
        }

        string? state = null;
        string? lastActive = null;
        string? contentType = null;
        string? refresh = null;
        if (reader.IsEmptyElement)
        {
            reader.Read();
        }
        else
        {
            reader.Read();
            while (RcsXml.NextChild(reader))
            {
                if (reader.NamespaceURI != XmlNamespace)
                {
                    reader.Skip();
                    continue;
                }

                bool duplicate = reader.LocalName switch
                {
                    "state" => Leaf(reader, ref state),
                    "lastactive" => Leaf(reader, ref lastActive),
                    "contenttype" => Leaf(reader, ref contentType),
                    "refresh" => Leaf(reader, ref refresh),
                    _ => Skip(reader),
                };
                if (duplicate)
                {
                    return IsComposingParseError.DuplicateElement;
                }
            }

            reader.ReadEndElement();
        }

        IsComposingState parsedState;
        if (string.Equals(state, "active", StringComparison.OrdinalIgnoreCase))
        {
            parsedState = IsComposingState.Active;
        }
        else if (string.Equals(state, "idle", StringComparison.OrdinalIgnoreCase))
        {
            parsedState = IsComposingState.Idle;
        }
        else
        {
            return IsComposingParseError.InvalidState;
        }

        DateTimeOffset? when = null;
        if (lastActive is not null)
        {
            if (!CpimDateTime.TryParse(lastActive, out DateTimeOffset value))
            {
                return IsComposingParseError.InvalidLastActive;
            }

            when = value;
        }

        int? seconds = null;
        if (refresh is not null)
        {
            if (!int.TryParse(refresh, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
            {
                return IsComposingParseError.InvalidRefresh;
            }

            seconds = value;
        }

        document = new IsComposingDocument(parsedState)
        {
            LastActive = when,
            ContentType = contentType,
            Refresh = seconds,
        };
        return IsComposingParseError.None;
    }

    private static bool Skip(XmlReader reader)
    {
        reader.Skip();
        return false;
    }

    private static bool Leaf(XmlReader reader, ref string? value)
    {
        if (value is not null)
        {
            return true;
        }

        value = reader.ReadElementContentAsString().Trim();
        return false;
    }
}
