using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml;

namespace RcsCore.Rcs;

/// <summary>Safe reading and exact writing of the small XML documents RCS carries (IMDN, isComposing, file-info, PIDF).</summary>
internal static class RcsXml
{
    /// <summary>
    /// A reader that refuses DTDs (no entity expansion, no external resources: <see cref="DtdProcessing.Prohibit"/>,
    /// no resolver) and stops after <paramref name="maxCharacters"/> characters.
    /// </summary>
    public static XmlReader CreateReader(ReadOnlyMemory<byte> document, int maxCharacters)
    {
        Stream stream = MemoryMarshal.TryGetArray(document, out ArraySegment<byte> segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(document.ToArray(), writable: false);
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxCharacters,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            CloseInput = true,
        };
        return XmlReader.Create(stream, settings);
    }

    /// <summary>Reads one document element; <paramref name="value"/> is null unless it succeeded.</summary>
    public delegate TResult DocumentReader<T, TResult>(XmlReader reader, out T? value)
        where T : class;

    /// <summary>
    /// The frame of the RCS document parsers (IMDN, isComposing, file-info): a safe reader (<see cref="CreateReader"/>),
    /// the document's own <paramref name="read"/>, then the rest read to its end so trailing garbage is reported; an
    /// <see cref="XmlException"/> becomes <paramref name="malformed"/>'s result, never an exception (errors as values).
    /// </summary>
    public static TResult Parse<T, TResult>(ReadOnlyMemory<byte> xml, int maxCharacters, DocumentReader<T, TResult> read, Func<TResult, bool> succeeded,
        Func<XmlException, TResult> malformed, out T? value)
        where T : class
    {
        value = null;
        try
        {
            using XmlReader reader = CreateReader(xml, maxCharacters);
            TResult result = read(reader, out value);
            if (succeeded(result))
            {
                ReadToEnd(reader);
            }
            else
            {
                value = null;
            }

            return result;
        }
        catch (XmlException e)
        {
            value = null;
            return malformed(e);
        }
    }

    /// <summary>Reads the remaining nodes so that trailing garbage (a second root, bad bytes) is reported too.</summary>
    public static void ReadToEnd(XmlReader reader)
    {
        while (reader.Read())
        {
        }
    }

    /// <summary>Skips whitespace to the next element or end element of the current parent; false at its end.</summary>
    public static bool NextChild(XmlReader reader)
    {
        while (true)
        {
            XmlNodeType type = reader.MoveToContent();
            switch (type)
            {
                case XmlNodeType.Element:
                    return true;
                case XmlNodeType.EndElement:
                case XmlNodeType.None:
                    return false;
                default:
                    // Text between elements: not part of these vocabularies; skip it.
                    reader.Skip();
                    break;
            }
        }
    }

    public static void Raw(IBufferWriter<byte> output, string ascii)
    {
        int n = Encoding.UTF8.GetByteCount(ascii);
        Encoding.UTF8.GetBytes(ascii, output.GetSpan(n));
        output.Advance(n);
    }

    /// <summary>
    /// Writes <c>&lt;name&gt;text&lt;/name&gt;</c> with XML escaping; CR is written as a character reference so that it
    /// survives end-of-line normalisation (XML 1.0 §2.11).
    /// </summary>
    /// <exception cref="ArgumentException">The text holds a character XML 1.0 does not allow (§2.2).</exception>
    public static void Element(IBufferWriter<byte> output, string indent, string name, string text)
    {
        var sb = new StringBuilder(indent.Length + (2 * name.Length) + text.Length + 8);
        sb.Append(indent).Append('<').Append(name).Append('>');
        AppendEscaped(sb, text);
        sb.Append("</").Append(name).Append(">\r\n");
        Raw(output, sb.ToString());
    }

    /// <summary>
    /// Appends <c> name="value"</c> with XML escaping; TAB, LF and CR become character references so that attribute
    /// value normalisation (XML 1.0 §3.3.3) gives them back.
    /// </summary>
    /// <exception cref="ArgumentException">The value holds a character XML 1.0 does not allow (§2.2).</exception>
    public static StringBuilder Attribute(StringBuilder sb, string name, string value)
    {
        sb.Append(' ').Append(name).Append("=\"");
        AppendEscaped(sb, value, attribute: true);
        return sb.Append('"');
    }

    /// <summary>Appends element text with XML escaping.</summary>
    /// <exception cref="ArgumentException">The text holds a character XML 1.0 does not allow (§2.2).</exception>
    public static StringBuilder Text(StringBuilder sb, string text)
    {
        AppendEscaped(sb, text);
        return sb;
    }

    private static void AppendEscaped(StringBuilder sb, string text, bool attribute = false)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '\r':
                    sb.Append("&#xD;");
                    break;
                case '"' when attribute:
                    sb.Append("&quot;");
                    break;
                case '\t' when attribute:
                    sb.Append("&#x9;");
                    break;
                case '\n' when attribute:
                    sb.Append("&#xA;");
                    break;
                case '\t':
                case '\n':
                    sb.Append(c);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if (c < 0x20 || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
                    {
                        // XML 1.0 §2.2: Char excludes other controls, lone surrogates, U+FFFE and U+FFFF.
                        throw new ArgumentException("The text holds a character XML 1.0 does not allow.", nameof(text));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }
    }
}
