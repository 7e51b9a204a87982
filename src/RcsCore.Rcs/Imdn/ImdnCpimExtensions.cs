using RcsCore.Parsing.Cpim;

namespace RcsCore.Rcs.Imdn;

/// <summary>The RFC 5438 CPIM headers on a <see cref="CpimMessage"/>, declaring <c>NS: imdn &lt;urn:ietf:params:imdn&gt;</c> as needed.</summary>
public static class ImdnCpimExtensions
{
    /// <summary>The imdn.Message-ID, or null.</summary>
    /// <param name="message">The CPIM message.</param>
    /// <returns>The identifier.</returns>
    public static string? GetImdnMessageId(this CpimMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.GetHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.MessageId)?.Trim();
    }

    /// <summary>Sets imdn.Message-ID.</summary>
    /// <param name="message">The CPIM message.</param>
    /// <param name="messageId">The identifier, e.g. from <see cref="ImdnHeaders.NewMessageId"/>.</param>
    public static void SetImdnMessageId(this CpimMessage message, string messageId)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        message.SetHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.MessageId, messageId, ImdnHeaders.Prefix);
    }

    /// <summary>The notifications requested by every imdn.Disposition-Notification header.</summary>
    /// <param name="message">The CPIM message.</param>
    /// <returns>The requested notifications; <see cref="ImdnDispositions.None"/> when none.</returns>
    public static ImdnDispositions GetDispositionNotification(this CpimMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ImdnDispositions result = ImdnDispositions.None;
        foreach (string value in message.GetHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.DispositionNotification))
        {
            result |= ImdnHeaders.ParseDispositions(value);
        }

        return result;
    }

    /// <summary>Sets imdn.Disposition-Notification; <see cref="ImdnDispositions.None"/> removes it.</summary>
    /// <param name="message">The CPIM message.</param>
    /// <param name="dispositions">The notifications to request.</param>
    public static void SetDispositionNotification(this CpimMessage message, ImdnDispositions dispositions)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (dispositions == ImdnDispositions.None)
        {
            message.RemoveHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.DispositionNotification);
            return;
        }

        message.SetHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.DispositionNotification, ImdnHeaders.FormatDispositions(dispositions), ImdnHeaders.Prefix);
    }

    /// <summary>The imdn.IMDN-Record-Route values in order (RFC 5438).</summary>
    /// <param name="message">The CPIM message.</param>
    /// <returns>The values as written, e.g. <c>&lt;sip:im.example.com;lr&gt;</c>.</returns>
    public static IReadOnlyList<string> GetImdnRecordRoutes(this CpimMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.GetHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.RecordRoute);
    }

    /// <summary>
    /// Adds an imdn.IMDN-Record-Route, as an intermediary that wants the notifications to pass through it does
    /// (RFC 5438); it goes before the existing ones, as each intermediary records itself on top.
    /// </summary>
    /// <param name="message">The CPIM message.</param>
    /// <param name="route">The value, e.g. <c>&lt;sip:im.example.com;lr&gt;</c>.</param>
    public static void AddImdnRecordRoute(this CpimMessage message, string route)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrWhiteSpace(route);
        IReadOnlyList<string> existing = message.GetImdnRecordRoutes();
        message.RemoveHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.RecordRoute);
        message.AddHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.RecordRoute, route, ImdnHeaders.Prefix);
        foreach (string value in existing)
        {
            message.AddHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.RecordRoute, value, ImdnHeaders.Prefix);
        }
    }

    /// <summary>
    /// True when the message is a notification: Content-Disposition <c>notification</c> (RFC 5438 §7.2.1.1) or a
    /// <c>message/imdn+xml</c> content. Such a message must never itself be answered with an IMDN.
    /// </summary>
    /// <param name="message">The CPIM message.</param>
    /// <returns>True for an IMDN.</returns>
    public static bool IsImdnNotification(this CpimMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string? disposition = message.GetContentHeader("Content-Disposition");
        if (disposition is not null && MediaTypeIs(disposition, ImdnHeaders.NotificationDisposition))
        {
            return true;
        }

        return message.ContentType is { } type && MediaTypeIs(type, ImdnHeaders.ContentType);
    }

    /// <summary>True when a Content-Type (or Content-Disposition) value names <paramref name="expected"/>, parameters ignored.</summary>
    internal static bool MediaTypeIs(string value, string expected)
    {
        ReadOnlySpan<char> head = value.AsSpan();
        int semicolon = head.IndexOf(';');
        if (semicolon >= 0)
        {
            head = head[..semicolon];
        }

        return head.Trim().Equals(expected, StringComparison.OrdinalIgnoreCase);
    }
}
