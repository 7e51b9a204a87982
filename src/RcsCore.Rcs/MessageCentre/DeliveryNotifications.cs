using System.Globalization;
using System.Security;
using System.Text;

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
/// The default seam: a minimal reading of the CPIM message headers (RFC 3862 §3) and a minimal
/// <c>message/imdn+xml</c> delivery notification (RFC 5438 §7.2.1.1).
/// TODO(merge): switch to the CPIM reader/writer (RcsCore.Parsing.Cpim) and the IMDN types (RcsCore.Rcs.Imdn).
/// </summary>
internal sealed class MinimalImdnNotifications : IDeliveryNotifications
{
    private const string ImdnNamespace = "urn:ietf:params:imdn";

    public static MinimalImdnNotifications Instance { get; } = new();

    public (string? MessageId, string? DispositionNotification) ReadRequest(string contentType, ReadOnlySpan<byte> body)
    {
        if (!contentType.StartsWith("message/cpim", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null);
        }
        var headers = CpimHeaders(body);
        // RFC 3862 §3.3 / RFC 5438 §5: IMDN headers carry the prefix the NS header gives urn:ietf:params:imdn.
        string prefix = "imdn.";
        foreach (var (name, value) in headers)
        {
            if (name.Equals("NS", StringComparison.OrdinalIgnoreCase) && value.EndsWith("<" + ImdnNamespace + ">", StringComparison.Ordinal))
            {
                prefix = value[..value.IndexOf('<', StringComparison.Ordinal)].Trim() + ".";
            }
        }
        string? id = null, disposition = null;
        foreach (var (name, value) in headers)
        {
            if (name.Equals(prefix + "Message-ID", StringComparison.Ordinal))
            {
                id = value;
            }
            else if (name.Equals(prefix + "Disposition-Notification", StringComparison.Ordinal))
            {
                disposition = value;
            }
        }
        return (id, disposition);
    }

    public DeliveryNotification? Create(StoredMessage message, bool delivered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        // RFC 5438 §7.1.1.3: positive-delivery / negative-delivery ask for the success / failure notification.
        if (message.ImdnMessageId is not { } originalId || !Asks(message.DispositionNotification, delivered ? "positive-delivery" : "negative-delivery"))
        {
            return null;
        }
        string? dateTime = null;
        foreach (var (name, value) in CpimHeaders(message.Body.Span))
        {
            if (name.Equals("DateTime", StringComparison.OrdinalIgnoreCase))
            {
                dateTime = value;
            }
        }
        string id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        // RFC 5438 §7.2.1.1: the notification names the original message by Message-ID and DateTime, and the
        // (original) recipient; the status is delivered, or failed for a negative delivery notification (§7.2.1.2).
        string xml = string.Concat(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n<message-id>",
            SecurityElement.Escape(originalId),
            "</message-id>\r\n<datetime>",
            SecurityElement.Escape(dateTime ?? message.ReceivedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            "</datetime>\r\n<recipient-uri>", SecurityElement.Escape(message.Recipient),
            "</recipient-uri>\r\n<original-recipient-uri>", SecurityElement.Escape(message.Recipient),
            "</original-recipient-uri>\r\n<delivery-notification><status>", delivered ? "<delivered/>" : "<failed/>",
            "</status></delivery-notification>\r\n</imdn>\r\n");
        byte[] content = Encoding.UTF8.GetBytes(xml);
        // RFC 3862 §3: message headers, blank line, then the encapsulated MIME object; RFC 5438 §7.2.1.1 headers.
        string cpim = string.Concat(
            "From: <", message.Recipient, ">\r\nTo: <", message.Sender, ">\r\nNS: imdn <", ImdnNamespace, ">\r\nimdn.Message-ID: ", id,
            "\r\nDateTime: ", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            "\r\n\r\nContent-type: message/imdn+xml\r\nContent-Disposition: notification\r\nContent-length: ",
            content.Length.ToString(CultureInfo.InvariantCulture), "\r\n\r\n");
        byte[] body = [.. Encoding.UTF8.GetBytes(cpim), .. content];
        return new DeliveryNotification("message/cpim", body, id);
    }

    private static bool Asks(string? disposition, string token)
    {
        if (disposition is null)
        {
            return false;
        }
        foreach (var part in disposition.Split(','))
        {
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The CPIM message headers: the lines before the first empty line (RFC 3862 §3).</summary>
    private static List<(string Name, string Value)> CpimHeaders(ReadOnlySpan<byte> body)
    {
        var headers = new List<(string, string)>();
        while (body.Length > 0)
        {
            int end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? default : body[(end + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            if (line.Length == 0)
            {
                break;
            }
            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                headers.Add((Encoding.UTF8.GetString(line[..colon]).Trim(), Encoding.UTF8.GetString(line[(colon + 1)..]).Trim()));
            }
        }
        return headers;
    }
}
