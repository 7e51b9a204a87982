using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Cpim;
using RcsCore.Parsing.Sip;

namespace RcsCore.Rcs.Imdn;

/// <summary>
/// Builds and reads IMDN messages: a CPIM message whose content is one <c>message/imdn+xml</c> document, or several
/// aggregated in a <c>multipart/mixed</c> body (RFC 5438 §8.3).
/// </summary>
public static class ImdnNotification
{
    /// <summary>
    /// Builds the CPIM message carrying <paramref name="documents"/>: From the notifier, To the IM's sender, DateTime
    /// now, a new imdn.Message-ID, imdn.IMDN-Route headers when the IM recorded a route, Content-Disposition
    /// <c>notification</c>, and no Disposition-Notification (an IMDN never asks for one; RFC 5438 §7.2.1.1).
    /// </summary>
    /// <param name="from">The notifier: the IM's recipient (or the intermediary, for processing notifications).</param>
    /// <param name="to">The IM's sender.</param>
    /// <param name="documents">One document, or several to aggregate (RFC 5438 §8.3).</param>
    /// <param name="now">The DateTime of the notification.</param>
    /// <param name="routes">The IM's imdn.IMDN-Record-Route values in order, copied as imdn.IMDN-Route; or null.</param>
    /// <param name="messageId">The notification's own imdn.Message-ID, or null for a new one.</param>
    /// <returns>The message; write it with <see cref="CpimMessage.WriteTo"/>.</returns>
    public static CpimMessage Create(
        CpimAddress from,
        CpimAddress to,
        IReadOnlyList<ImdnDocument> documents,
        DateTimeOffset now,
        IReadOnlyList<string>? routes = null,
        string? messageId = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0)
        {
            throw new ArgumentException("At least one document is needed.", nameof(documents));
        }

        var message = new CpimMessage { From = from, To = [to], DateTime = now };
        message.SetImdnMessageId(messageId ?? ImdnHeaders.NewMessageId());
        if (routes is not null)
        {
            foreach (string route in routes)
            {
                message.AddHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.Route, route, ImdnHeaders.Prefix);
            }
        }

        if (documents.Count == 1)
        {
            message.SetContent(ImdnHeaders.ContentType, documents[0].ToArray(), includeContentLength: true);
        }
        else
        {
            string boundary = NewBoundary();
            var body = new ArrayBufferWriter<byte>(1024 * documents.Count);
            WriteAggregate(body, documents, boundary);
            message.SetContent(AggregateContentType(boundary), body.WrittenMemory.ToArray(), includeContentLength: true);
        }

        message.SetContentHeader("Content-Disposition", ImdnHeaders.NotificationDisposition);
        return message;
    }

    /// <summary>
    /// Reads the documents of a received IMDN: <c>message/imdn+xml</c> content, or a <c>multipart/mixed</c> aggregate
    /// of them. Never throws on bad input.
    /// </summary>
    /// <param name="message">The CPIM message.</param>
    /// <param name="documents">The documents in order; empty on error.</param>
    /// <returns><see cref="ImdnParseError.None"/> or the first error.</returns>
    public static ImdnParseError TryRead(CpimMessage message, out IReadOnlyList<ImdnDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(message);
        return TryRead(message.ContentType, message.Content, out documents);
    }

    /// <summary>Reads IMDN documents from content of the given type. Never throws on bad input.</summary>
    /// <param name="contentType">The Content-Type of the content.</param>
    /// <param name="content">The content.</param>
    /// <param name="documents">The documents in order; empty on error.</param>
    /// <param name="maxDocumentSize">The size bound for each document.</param>
    /// <returns><see cref="ImdnParseError.None"/> or the first error.</returns>
    /// <remarks>
    /// A multipart body whose last delimiter lacks the closing <c>--</c> is accepted when nothing but whitespace follows
    /// it, as RFC 5438 §8.3 prints its example that way.
    /// </remarks>
    public static ImdnParseError TryRead(string? contentType, ReadOnlyMemory<byte> content, out IReadOnlyList<ImdnDocument> documents, int maxDocumentSize = ImdnDocument.DefaultMaxSize)
    {
        documents = [];
        if (contentType is null)
        {
            return ImdnParseError.UnsupportedContentType;
        }

        if (ImdnCpimExtensions.MediaTypeIs(contentType, ImdnHeaders.ContentType))
        {
            ImdnParseError error = ImdnDocument.TryParse(content, out ImdnDocument? document, maxDocumentSize);
            if (error == ImdnParseError.None)
            {
                documents = [document!];
            }

            return error;
        }

        if (!ImdnCpimExtensions.MediaTypeIs(contentType, "multipart/mixed"))
        {
            return ImdnParseError.UnsupportedContentType;
        }

        return ReadAggregate(Encoding.UTF8.GetBytes(contentType), content, maxDocumentSize, out documents);
    }

    /// <summary>The Content-Type of an aggregate: <c>multipart/mixed; boundary="..."</c>.</summary>
    /// <param name="boundary">The boundary.</param>
    /// <returns>The value.</returns>
    public static string AggregateContentType(string boundary)
    {
        ArgumentNullException.ThrowIfNull(boundary);
        return "multipart/mixed; boundary=\"" + boundary + "\"";
    }

    /// <summary>A new boundary: <c>imdn-</c> and 24 random hex digits, which no XML document here can contain by chance.</summary>
    /// <returns>The boundary.</returns>
    public static string NewBoundary() => "imdn-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>
    /// Writes documents as a <c>multipart/mixed</c> body (RFC 2046 §5.1.1, RFC 5438 §8.3): each part has
    /// <c>Content-Type: message/imdn+xml</c>, and the body ends with the close delimiter.
    /// </summary>
    /// <param name="output">The destination.</param>
    /// <param name="documents">The documents.</param>
    /// <param name="boundary">The boundary (1 to 70 characters, RFC 2046 §5.1.1).</param>
    public static void WriteAggregate(IBufferWriter<byte> output, IReadOnlyList<ImdnDocument> documents, string boundary)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(boundary);
        if (boundary.Length is 0 or > 70 || boundary.Contains('"', StringComparison.Ordinal) || boundary.Any(char.IsControl))
        {
            throw new ArgumentException("The boundary must be 1 to 70 characters without quotes or controls (RFC 2046 §5.1.1).", nameof(boundary));
        }

        foreach (ImdnDocument document in documents)
        {
            RcsXml.Raw(output, "--" + boundary + "\r\nContent-Type: " + ImdnHeaders.ContentType + "\r\n\r\n");
            document.WriteTo(output);

            // RFC 2046 §5.1.1: the CRLF before each delimiter belongs to the delimiter.
            RcsXml.Raw(output, "\r\n");
        }

        RcsXml.Raw(output, "--" + boundary + "--\r\n");
    }

    private static ImdnParseError ReadAggregate(byte[] contentType, ReadOnlyMemory<byte> content, int maxDocumentSize, out IReadOnlyList<ImdnDocument> documents)
    {
        documents = [];
        if (!SipMultipartReader.TryGetBoundary(contentType, out ReadOnlySpan<byte> boundary))
        {
            return ImdnParseError.InvalidMultipart;
        }

        var list = new List<ImdnDocument>();
        ReadOnlySpan<byte> body = content.Span;
        var reader = new SipMultipartReader(body, boundary);
        while (reader.ReadPart(out ReadOnlySpan<byte> headers, out ReadOnlySpan<byte> part))
        {
            if (!PartIsImdn(headers))
            {
                return ImdnParseError.InvalidMultipart;
            }

            ImdnParseError error = ImdnDocument.TryParse(part.ToArray(), out ImdnDocument? document, maxDocumentSize);
            if (error != ImdnParseError.None)
            {
                return error;
            }

            list.Add(document!);
        }

        if (reader.Error != SipParseError.None && !(list.Count > 0 && EndsWithOpenDelimiter(body, boundary)))
        {
            return ImdnParseError.InvalidMultipart;
        }

        if (list.Count == 0)
        {
            return ImdnParseError.InvalidMultipart;
        }

        documents = list;
        return ImdnParseError.None;
    }

    // RFC 5438 §8.3 as published ends with "--imdn-boundary" and no closing "--".
    private static bool EndsWithOpenDelimiter(ReadOnlySpan<byte> body, ReadOnlySpan<byte> boundary)
    {
        ReadOnlySpan<byte> trimmed = body.TrimEnd(" \t\r\n"u8);
        return trimmed.EndsWith(boundary)
            && trimmed.Length >= boundary.Length + 2
            && trimmed[..^boundary.Length].EndsWith("--"u8)
            && (trimmed.Length == boundary.Length + 2 || trimmed[^(boundary.Length + 3)] == (byte)'\n');
    }

    private static bool PartIsImdn(ReadOnlySpan<byte> headers)
    {
        // A part without Content-Type would be text/plain (RFC 2046 §5.1); each aggregated part must be an IMDN.
        while (!headers.IsEmpty)
        {
            int lf = headers.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lf < 0 ? headers : headers[..lf];
            headers = lf < 0 ? default : headers[(lf + 1)..];
            line = line.TrimEnd("\r"u8);
            int colon = line.IndexOf((byte)':');
            if (colon > 0 && Ascii.EqualsIgnoreCase(line[..colon].Trim(" \t"u8), "Content-Type"u8))
            {
                return ImdnCpimExtensions.MediaTypeIs(Encoding.UTF8.GetString(line[(colon + 1)..]), ImdnHeaders.ContentType);
            }
        }

        return false;
    }
}
