using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml;
using RcsCore.Parsing.Cpim;

namespace RcsCore.Rcs;

/// <summary>Why a file transfer over HTTP document was rejected. The values are stable.</summary>
public enum FileInfoParseError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The document is larger than the bound.</summary>
    TooLarge = 1,
    /// <summary>Not well-formed XML (or trailing garbage after the root).</summary>
    MalformedXml = 2,
    /// <summary>The document has a DTD; DTDs are refused (no entity expansion, no external resources).</summary>
    DtdProhibited = 3,
    /// <summary>The root is not <c>file</c> (or <c>file-resume-info</c>) of the <c>fthttp</c> namespace.</summary>
    NotFileInfo = 4,
    /// <summary>No <c>file-info type="file"</c> element.</summary>
    MissingFile = 5,
    /// <summary>An element that may appear once appears twice.</summary>
    DuplicateElement = 6,
    /// <summary>No <c>data</c> element or no <c>url</c> attribute.</summary>
    MissingUrl = 7,
    /// <summary>The <c>url</c> is not an absolute http or https URI.</summary>
    InvalidUrl = 8,
    /// <summary>The <c>file-size</c> is missing, not a decimal integer, or negative.</summary>
    InvalidSize = 9,
    /// <summary>The <c>until</c> attribute is missing or not an RFC 3339 date-time.</summary>
    InvalidUntil = 10,
    /// <summary>The <c>content-type</c> is missing or empty.</summary>
    MissingContentType = 11,
    /// <summary>The <c>file-disposition</c> is neither <c>render</c> nor <c>attachment</c>.</summary>
    InvalidDisposition = 12,
    /// <summary>The <c>file-range</c> is missing or its start and end are not a valid range.</summary>
    InvalidRange = 13,
    /// <summary>The <c>playing-length</c> is not a non-negative number of seconds.</summary>
    InvalidPlayingLength = 14,
}

/// <summary>The outcome of parsing a file transfer over HTTP document: a stable code and a human-readable reason.</summary>
/// <param name="Error">The code; <see cref="FileInfoParseError.None"/> on success.</param>
/// <param name="Message">Why, for logs and error reports; null on success.</param>
public readonly record struct FileInfoParseResult(FileInfoParseError Error, string? Message)
{
    /// <summary>Success.</summary>
    public static FileInfoParseResult Success => default;

    /// <summary>True when the document was accepted.</summary>
    public bool IsSuccess => Error == FileInfoParseError.None;

    /// <summary>For diagnostics: <c>Error: Message</c>.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => IsSuccess ? "None" : string.Concat(Error.ToString(), ": ", Message);

    internal static FileInfoParseResult Fail(FileInfoParseError error, string message) => new(error, message);
}

/// <summary>How the receiver should present the file (GSMA RCC.07 FT via HTTP, <c>file-disposition</c>).</summary>
public enum FileDisposition : byte
{
    /// <summary><c>attachment</c>: offer the file for saving.</summary>
    Attachment = 0,
    /// <summary><c>render</c>: show the file inline (e.g. a picture in the conversation).</summary>
    Render = 1,
}

/// <summary>
/// One <c>file-info</c> element of a file-info document: the file or its thumbnail on the content server, with its size,
/// content type, download URL and the time until which that URL is valid.
/// </summary>
/// <param name="Size">The <c>file-size</c> in bytes.</param>
/// <param name="ContentType">The <c>content-type</c>, e.g. <c>image/jpeg</c>.</param>
/// <param name="Url">The <c>data url</c>: an absolute http or https URI to download from.</param>
/// <param name="Until">The <c>data until</c>: the content server deletes the file after this time.</param>
public sealed record FileInfoEntry(long Size, string ContentType, Uri Url, DateTimeOffset Until)
{
    /// <summary>The <c>file-name</c> (files only; thumbnails have none), or null.</summary>
    public string? FileName { get; init; }

    /// <summary>The <c>file-disposition</c> attribute (files only), or null when absent.</summary>
    public FileDisposition? Disposition { get; init; }

    /// <summary>The audio message <c>am:playing-length</c> in seconds (GSMA RCC.07 audio messaging), or null.</summary>
    public int? PlayingLengthSeconds { get; init; }
}

/// <summary>
/// The <c>application/vnd.gsma.rcs-ft-http+xml</c> file-info document (GSMA RCC.07 FT via HTTP): the sender uploads the
/// file to the content server, gets this document back and sends it to the recipient in a chat or standalone message;
/// the recipient downloads from the URLs in it.
/// </summary>
/// <example>
/// <code>
/// &lt;file xmlns="urn:gsma:params:xml:ns:rcs:rcs:fthttp"&gt;
///   &lt;file-info type="thumbnail"&gt;&lt;file-size&gt;7427&lt;/file-size&gt;&lt;content-type&gt;image/jpeg&lt;/content-type&gt;
///     &lt;data url="https://cs.example.com/t/1" until="2026-08-06T19:12:27Z"/&gt;&lt;/file-info&gt;
///   &lt;file-info type="file" file-disposition="render"&gt;&lt;file-size&gt;183524&lt;/file-size&gt;
///     &lt;file-name&gt;photo.jpg&lt;/file-name&gt;&lt;content-type&gt;image/jpeg&lt;/content-type&gt;
///     &lt;data url="https://cs.example.com/f/1" until="2026-08-06T19:12:27Z"/&gt;&lt;/file-info&gt;
/// &lt;/file&gt;
/// </code>
/// </example>
public sealed record FileInfoDocument
{
    /// <summary>The default bound on a document's size, in bytes and characters: 64 KiB.</summary>
    public const int DefaultMaxSize = 64 * 1024;

    /// <summary>The audio message namespace of <c>playing-length</c> (GSMA RCC.07 audio messaging).</summary>
    public const string AudioMessageXmlNamespace = "urn:gsma:params:xml:ns:rcs:rcs:rram";

    /// <summary>Creates a document.</summary>
    /// <param name="file">The file.</param>
    /// <param name="thumbnail">Its thumbnail, or null.</param>
    public FileInfoDocument(FileInfoEntry file, FileInfoEntry? thumbnail = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        File = file;
        Thumbnail = thumbnail;
    }

    /// <summary>The <c>file-info type="file"</c>.</summary>
    public FileInfoEntry File { get; }

    /// <summary>The <c>file-info type="thumbnail"</c>, or null.</summary>
    public FileInfoEntry? Thumbnail { get; }

    /// <summary>
    /// Parses a document. Never throws on bad input: DTDs are refused, nothing external is resolved and the reader
    /// stops after <paramref name="maxSize"/> characters.
    /// </summary>
    /// <param name="xml">The document bytes (UTF-8, or as its declaration says).</param>
    /// <param name="document">The document, or null on error.</param>
    /// <param name="maxSize">The largest document accepted, in bytes.</param>
    /// <returns>Success or why it was rejected.</returns>
    /// <remarks>Elements of other namespaces (e.g. branded URLs) and unknown <c>file-info</c> types are skipped.</remarks>
    public static FileInfoParseResult TryParse(ReadOnlyMemory<byte> xml, out FileInfoDocument? document, int maxSize = DefaultMaxSize)
    {
        return Parse(xml, maxSize, static (XmlReader reader, out FileInfoDocument? value) => Read(reader, out value), out document);
    }

    /// <summary>The size and DTD guards, then the shared document frame (<see cref="RcsXml.Parse"/>).</summary>
    internal static FileInfoParseResult Parse<T>(ReadOnlyMemory<byte> xml, int maxSize, RcsXml.DocumentReader<T, FileInfoParseResult> read, out T? value)
        where T : class
    {
        value = null;
        FileInfoParseResult result = Guard(xml, maxSize);
        return result.IsSuccess
            ? RcsXml.Parse(xml, maxSize, read, static r => r.IsSuccess, static e => FileInfoParseResult.Fail(FileInfoParseError.MalformedXml, e.Message), out value)
            : result;
    }

    /// <summary>Writes the document: an XML declaration, then one element per line, CRLF line ends.</summary>
    /// <param name="output">The destination.</param>
    /// <exception cref="ArgumentException">A value holds a character XML 1.0 does not allow.</exception>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sb = new StringBuilder(512);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<file xmlns=\"").Append(CpmServices.FileTransferHttpXmlNamespace).Append("\">\r\n");
        if (Thumbnail is not null)
        {
            WriteEntry(sb, Thumbnail, "thumbnail");
        }

        WriteEntry(sb, File, "file");
        sb.Append("</file>\r\n");
        RcsXml.Raw(output, sb.ToString());
    }

    /// <summary>Writes the document into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    internal static FileInfoParseResult Guard(ReadOnlyMemory<byte> xml, int maxSize)
    {
        if (xml.Length > maxSize)
        {
            return FileInfoParseResult.Fail(FileInfoParseError.TooLarge, $"the document is larger than {maxSize} bytes");
        }

        // The reader prohibits DTDs anyway (XmlException); this gives the refusal its own code.
        if (xml.Span.IndexOf("<!DOCTYPE"u8) >= 0)
        {
            return FileInfoParseResult.Fail(FileInfoParseError.DtdProhibited, "DTDs are not allowed");
        }

        return FileInfoParseResult.Success;
    }

    private static void WriteEntry(StringBuilder sb, FileInfoEntry entry, string type)
    {
        sb.Append("  <file-info");
        RcsXml.Attribute(sb, "type", type);
        if (entry.Disposition is { } disposition)
        {
            RcsXml.Attribute(sb, "file-disposition", disposition == FileDisposition.Render ? "render" : "attachment");
        }

        sb.Append(">\r\n    <file-size>").Append(entry.Size.ToString(CultureInfo.InvariantCulture)).Append("</file-size>\r\n");
        if (entry.FileName is not null)
        {
            RcsXml.Text(sb.Append("    <file-name>"), entry.FileName).Append("</file-name>\r\n");
        }

        RcsXml.Text(sb.Append("    <content-type>"), entry.ContentType).Append("</content-type>\r\n");
        sb.Append("    <data");
        RcsXml.Attribute(sb, "url", entry.Url.AbsoluteUri);
        RcsXml.Attribute(sb, "until", CpimDateTime.Format(entry.Until));
        sb.Append("/>\r\n");
        if (entry.PlayingLengthSeconds is { } seconds)
        {
            sb.Append("    <am:playing-length xmlns:am=\"").Append(AudioMessageXmlNamespace).Append("\">")
                .Append(seconds.ToString(CultureInfo.InvariantCulture)).Append("</am:playing-length>\r\n");
        }

        sb.Append("  </file-info>\r\n");
    }

    private static FileInfoParseResult Read(XmlReader reader, out FileInfoDocument? document)
    {
        document = null;
        if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "file" || reader.NamespaceURI != CpmServices.FileTransferHttpXmlNamespace)
        {
            return FileInfoParseResult.Fail(FileInfoParseError.NotFileInfo, "the root is not <file> of " + CpmServices.FileTransferHttpXmlNamespace);
        }

        FileInfoEntry? file = null;
        FileInfoEntry? thumbnail = null;
        if (reader.IsEmptyElement)
        {
            reader.Read();
        }
        else
        {
            reader.Read();
            while (RcsXml.NextChild(reader))
            {
                if (reader.NamespaceURI != CpmServices.FileTransferHttpXmlNamespace || reader.LocalName != "file-info")
                {
                    reader.Skip();
                    continue;
                }

                string? type = reader.GetAttribute("type");
                bool isFile = type == "file";
                if (!isFile && type != "thumbnail")
                {
                    // Unknown file-info types are extensions: skipped.
                    reader.Skip();
                    continue;
                }

                if (isFile ? file is not null : thumbnail is not null)
                {
                    return FileInfoParseResult.Fail(FileInfoParseError.DuplicateElement, $"two file-info elements of type {type}");
                }

                FileInfoParseResult error = ReadEntry(reader, isFile, out FileInfoEntry? entry);
                if (!error.IsSuccess)
                {
                    return error;
                }

                if (isFile)
                {
                    file = entry;
                }
                else
                {
                    thumbnail = entry;
                }
            }

            reader.ReadEndElement();
        }

        if (file is null)
        {
            return FileInfoParseResult.Fail(FileInfoParseError.MissingFile, "no file-info of type file");
        }

        document = new FileInfoDocument(file, thumbnail);
        return FileInfoParseResult.Success;
    }

    private static FileInfoParseResult ReadEntry(XmlReader reader, bool isFile, out FileInfoEntry? entry)
    {
        entry = null;
        FileDisposition? disposition = null;
        if (isFile && reader.GetAttribute("file-disposition") is { } d)
        {
            disposition = d.Trim() switch
            {
                "render" => FileDisposition.Render,
                "attachment" => FileDisposition.Attachment,
                _ => null,
            };
            if (disposition is null)
            {
                return FileInfoParseResult.Fail(FileInfoParseError.InvalidDisposition, "file-disposition is neither render nor attachment");
            }
        }

        string? size = null;
        string? name = null;
        string? contentType = null;
        string? url = null;
        string? until = null;
        string? playingLength = null;
        bool data = false;
        if (reader.IsEmptyElement)
        {
            reader.Read();
        }
        else
        {
            reader.Read();
            while (RcsXml.NextChild(reader))
            {
                string local = reader.LocalName;
                bool ours = reader.NamespaceURI == CpmServices.FileTransferHttpXmlNamespace;
                FileInfoParseResult error = FileInfoParseResult.Success;
                if (ours && local == "file-size")
                {
                    error = Leaf(reader, ref size);
                }
                else if (ours && local == "file-name")
                {
                    error = Leaf(reader, ref name);
                }
                else if (ours && local == "content-type")
                {
                    error = Leaf(reader, ref contentType);
                }
                else if (ours && local == "data")
                {
                    if (data)
                    {
                        return FileInfoParseResult.Fail(FileInfoParseError.DuplicateElement, "two data elements");
                    }

                    data = true;
                    url = reader.GetAttribute("url");
                    until = reader.GetAttribute("until");
                    reader.Skip();
                }
                else if (local == "playing-length" && (ours || reader.NamespaceURI == AudioMessageXmlNamespace))
                {
                    error = Leaf(reader, ref playingLength);
                }
                else
                {
                    reader.Skip();
                }

                if (!error.IsSuccess)
                {
                    return error;
                }
            }

            reader.ReadEndElement();
        }

        if (size is null || !long.TryParse(size.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
        {
            return FileInfoParseResult.Fail(FileInfoParseError.InvalidSize, "file-size is missing or not a non-negative integer");
        }

        if (string.IsNullOrWhiteSpace(contentType))
        {
            return FileInfoParseResult.Fail(FileInfoParseError.MissingContentType, "content-type is missing");
        }

        FileInfoParseResult urlResult = ParseUrl(url, out Uri? uri);
        if (!urlResult.IsSuccess)
        {
            return urlResult;
        }

        if (until is null || !CpimDateTime.TryParse(until, out DateTimeOffset validUntil))
        {
            return FileInfoParseResult.Fail(FileInfoParseError.InvalidUntil, "data until is missing or not an RFC 3339 date-time");
        }

        int? seconds = null;
        if (playingLength is not null)
        {
            if (!int.TryParse(playingLength.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int s))
            {
                return FileInfoParseResult.Fail(FileInfoParseError.InvalidPlayingLength, "playing-length is not a number of seconds");
            }

            seconds = s;
        }

        entry = new FileInfoEntry(bytes, contentType.Trim(), uri!, validUntil)
        {
            FileName = isFile ? name : null,
            Disposition = disposition,
            PlayingLengthSeconds = seconds,
        };
        return FileInfoParseResult.Success;
    }

    internal static FileInfoParseResult ParseUrl(string? url, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return FileInfoParseResult.Fail(FileInfoParseError.MissingUrl, "data url is missing");
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            uri = null;
            return FileInfoParseResult.Fail(FileInfoParseError.InvalidUrl, "data url is not an absolute http or https URI");
        }

        return FileInfoParseResult.Success;
    }

    private static FileInfoParseResult Leaf(XmlReader reader, ref string? value)
    {
        if (value is not null)
        {
            return FileInfoParseResult.Fail(FileInfoParseError.DuplicateElement, "two " + reader.LocalName + " elements");
        }

        value = reader.ReadElementContentAsString();
        return FileInfoParseResult.Success;
    }
}

/// <summary>
/// The <c>file-resume-info</c> document a content server returns for an interrupted upload (GSMA RCC.07 FT via HTTP,
/// upload resume): the byte range it has received and the URL to PUT the rest to.
/// </summary>
/// <param name="Start">The first byte received (<c>file-range start</c>), normally 0.</param>
/// <param name="End">The last byte received (<c>file-range end</c>, inclusive); <c>Start - 1</c> when nothing was received.</param>
/// <param name="Url">The <c>data url</c> the client PUTs the remaining bytes to.</param>
public sealed record FileResumeInfo(long Start, long End, Uri Url)
{
    /// <summary>How many bytes the server has: <c>End - Start + 1</c>.</summary>
    public long ReceivedLength => End - Start + 1;

    /// <summary>Parses a document. Never throws on bad input (as <see cref="FileInfoDocument.TryParse"/>).</summary>
    /// <param name="xml">The document bytes.</param>
    /// <param name="info">The info, or null on error.</param>
    /// <param name="maxSize">The largest document accepted, in bytes.</param>
    /// <returns>Success or why it was rejected.</returns>
    /// <remarks>The root may be in the <c>fthttp</c> namespace or in none (servers differ).</remarks>
    public static FileInfoParseResult TryParse(ReadOnlyMemory<byte> xml, out FileResumeInfo? info, int maxSize = FileInfoDocument.DefaultMaxSize)
    {
        return FileInfoDocument.Parse(xml, maxSize, static (XmlReader reader, out FileResumeInfo? value) => Read(reader, out value), out info);
    }

    /// <summary>Writes the document.</summary>
    /// <param name="output">The destination.</param>
    public void WriteTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sb = new StringBuilder(256);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<file-resume-info xmlns=\"").Append(CpmServices.FileTransferHttpXmlNamespace).Append("\">\r\n  <file-range");
        RcsXml.Attribute(sb, "start", Start.ToString(CultureInfo.InvariantCulture));
        RcsXml.Attribute(sb, "end", End.ToString(CultureInfo.InvariantCulture));
        sb.Append("/>\r\n  <data");
        RcsXml.Attribute(sb, "url", Url.AbsoluteUri);
        sb.Append("/>\r\n</file-resume-info>\r\n");
        RcsXml.Raw(output, sb.ToString());
    }

    /// <summary>Writes the document into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static FileInfoParseResult Read(XmlReader reader, out FileResumeInfo? info)
    {
        info = null;
        string ns = CpmServices.FileTransferHttpXmlNamespace;
        if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "file-resume-info" || (reader.NamespaceURI.Length != 0 && reader.NamespaceURI != ns))
        {
            return FileInfoParseResult.Fail(FileInfoParseError.NotFileInfo, "the root is not <file-resume-info>");
        }

        string rootNs = reader.NamespaceURI;
        string? start = null;
        string? end = null;
        string? url = null;
        bool range = false;
        bool data = false;
        if (reader.IsEmptyElement)
        {
            reader.Read();
        }
        else
        {
            reader.Read();
            while (RcsXml.NextChild(reader))
            {
                if (reader.NamespaceURI == rootNs && reader.LocalName == "file-range")
                {
                    if (range)
                    {
                        return FileInfoParseResult.Fail(FileInfoParseError.DuplicateElement, "two file-range elements");
                    }

                    range = true;
                    start = reader.GetAttribute("start");
                    end = reader.GetAttribute("end");
                }
                else if (reader.NamespaceURI == rootNs && reader.LocalName == "data")
                {
                    if (data)
                    {
                        return FileInfoParseResult.Fail(FileInfoParseError.DuplicateElement, "two data elements");
                    }

                    data = true;
                    url = reader.GetAttribute("url");
                }

                reader.Skip();
            }

            reader.ReadEndElement();
        }

        if (start is null || end is null
            || !long.TryParse(start.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long first)
            || !long.TryParse(end.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long last)
            || last < first - 1)
        {
            return FileInfoParseResult.Fail(FileInfoParseError.InvalidRange, "file-range start and end are missing or not a range");
        }

        FileInfoParseResult urlResult = FileInfoDocument.ParseUrl(url, out Uri? uri);
        if (!urlResult.IsSuccess)
        {
            return urlResult;
        }

        info = new FileResumeInfo(first, last, uri!);
        return FileInfoParseResult.Success;
    }
}
