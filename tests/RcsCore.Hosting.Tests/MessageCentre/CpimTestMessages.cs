using System.Text;
using System.Xml;

namespace RcsCore.Hosting.Tests.MessageCentre;

/// <summary>
/// Hand-built CPIM (RFC 3862 §3) with IMDN headers (RFC 5438 §7.1.1.3) for the tests, and a reader of the delivery
/// notifications that come back (RFC 5438 §7.2.1.1). Test-only: the stack's CPIM/IMDN code lives elsewhere.
/// </summary>
internal static class CpimTestMessages
{
    public const string ContentType = "message/cpim";

    /// <summary>A CPIM message: message headers, blank line, the encapsulated text/plain MIME object.</summary>
    public static byte[] Message(string from, string to, string messageId, string text, string? disposition = "positive-delivery, negative-delivery")
    {
        var content = Encoding.UTF8.GetBytes(text);
        var headers = new StringBuilder()
            .Append("From: <").Append(from).Append(">\r\n")
            .Append("To: <").Append(to).Append(">\r\n")
            .Append("NS: imdn <urn:ietf:params:imdn>\r\n")
            .Append("imdn.Message-ID: ").Append(messageId).Append("\r\n")
            .Append("DateTime: 2026-01-02T03:04:05.000Z\r\n");
        if (disposition is not null)
        {
            headers.Append("imdn.Disposition-Notification: ").Append(disposition).Append("\r\n");
        }
        headers.Append("\r\nContent-type: text/plain;charset=UTF-8\r\nContent-length: ").Append(content.Length).Append("\r\n\r\n");
        return [.. Encoding.UTF8.GetBytes(headers.ToString()), .. content];
    }

    /// <summary>A delivery notification as read from a MESSAGE body.</summary>
    public sealed record Imdn(string MessageId, string Status, string DateTime, string RecipientUri, string CpimHeaders);

    /// <summary>Reads the CPIM-wrapped message/imdn+xml body of a notification.</summary>
    public static Imdn ReadImdn(ReadOnlySpan<byte> body)
    {
        string text = Encoding.UTF8.GetString(body);
        int xmlStart = text.IndexOf("<?xml", StringComparison.Ordinal);
        if (xmlStart < 0)
        {
            throw new FormatException("no XML in the notification:\n" + text);
        }
        var doc = new XmlDocument();
        doc.LoadXml(text[xmlStart..]);
        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("i", "urn:ietf:params:xml:ns:imdn");
        string Value(string path) => doc.SelectSingleNode(path, ns)?.InnerText ?? throw new FormatException($"{path} missing:\n{text}");
        var status = doc.SelectSingleNode("/i:imdn/i:delivery-notification/i:status/*", ns) ?? throw new FormatException("no status:\n" + text);
        return new Imdn(Value("/i:imdn/i:message-id"), status.LocalName, Value("/i:imdn/i:datetime"), Value("/i:imdn/i:recipient-uri"), text[..xmlStart]);
    }
}
