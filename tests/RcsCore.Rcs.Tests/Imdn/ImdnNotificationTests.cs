using System.Text;
using RcsCore.Parsing.Cpim;
using RcsCore.Rcs.Imdn;
using Xunit;

namespace RcsCore.Rcs.Tests.Imdn;

public class ImdnNotificationTests
{
    private static readonly CpimAddress s_alice = new("sip:alice@example.com", "Alice");
    private static readonly CpimAddress s_bob = new("sip:bob@example.com", "Bob");
    private static readonly DateTimeOffset s_sent = new(2026, 3, 1, 10, 0, 0, TimeSpan.FromHours(1));
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 9, 0, 5, TimeSpan.Zero);

    private static CpimMessage Im(ImdnDispositions dispositions)
    {
        var im = new CpimMessage { From = s_alice, To = [s_bob], DateTime = s_sent, Subject = "lunch?" };
        im.SetImdnMessageId("Msg-1");
        im.SetDispositionNotification(dispositions);
        im.SetContent("text/plain;charset=UTF-8", "Hello"u8.ToArray());
        return im;
    }

    private static CpimMessage Reparse(CpimMessage message)
    {
        CpimParseResult result = CpimMessage.TryParse(message.ToArray(), out CpimMessage? parsed);
        Assert.True(result.IsSuccess, result.ToString());
        return parsed!;
    }

    [Fact]
    public void DeliveryNotificationIsRoutedBackToTheSender()
    {
        CpimMessage im = Reparse(Im(ImdnDispositions.PositiveDelivery | ImdnDispositions.Display));
        Assert.True(ImdnRequest.TryGet(im, out ImdnRequest? request));
        Assert.Equal("positive-delivery, display", im.GetHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.DispositionNotification));

        CpimMessage notification = Reparse(request!.CreateNotification(ImdnNotificationType.Delivery, ImdnStatus.Delivered, s_now, messageId: "N-1"));

        // RFC 5438 §7.2.1.1: From is the recipient, To the IM's From; a fresh Message-ID; no request for an IMDN of the IMDN.
        Assert.Equal(s_bob, notification.From);
        Assert.Equal([s_alice], notification.To);
        Assert.True(s_now.EqualsExact(notification.DateTime!.Value));
        Assert.Equal("N-1", notification.GetImdnMessageId());
        Assert.Equal(ImdnDispositions.None, notification.GetDispositionNotification());
        Assert.Equal("notification", notification.GetContentHeader("Content-Disposition"));
        Assert.Equal(ImdnHeaders.ContentType, notification.ContentType);
        Assert.Equal(notification.Content.Length, notification.ContentLength);
        Assert.True(notification.IsImdnNotification());
        Assert.False(ImdnRequest.TryGet(notification, out _));

        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(notification, out IReadOnlyList<ImdnDocument> documents));
        ImdnDocument document = Assert.Single(documents);
        Assert.Equal(
            new ImdnDocument("Msg-1", s_sent, ImdnNotificationType.Delivery, ImdnStatus.Delivered)
            {
                RecipientUri = "sip:bob@example.com",
                OriginalRecipientUri = "sip:bob@example.com",
                Subject = "lunch?",
            },
            document);

        string expectedHeaders =
            "From: Bob <sip:bob@example.com>\r\n" +
            "To: Alice <sip:alice@example.com>\r\n" +
            "DateTime: 2026-03-01T09:00:05Z\r\n" +
            "NS: imdn <urn:ietf:params:imdn>\r\n" +
            "imdn.Message-ID: N-1\r\n" +
            "\r\n" +
            "Content-Type: message/imdn+xml\r\n" +
            "Content-Length: " + notification.Content.Length + "\r\n" +
            "Content-Disposition: notification\r\n" +
            "\r\n";
        Assert.StartsWith(expectedHeaders, Encoding.UTF8.GetString(notification.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void RecordRoutesBecomeRoutesInOrderAndOriginalToIsReported()
    {
        CpimMessage im = Im(ImdnDispositions.NegativeDelivery);
        im.AddImdnRecordRoute("<sip:far.example.net;lr>");
        im.AddImdnRecordRoute("<sip:near.example.com;lr>");
        im.SetHeader(ImdnHeaders.NamespaceUri, ImdnHeaders.OriginalTo, "<sip:bob-old@example.com>", ImdnHeaders.Prefix);
        im = Reparse(im);
        Assert.Equal(["<sip:near.example.com;lr>", "<sip:far.example.net;lr>"], im.GetImdnRecordRoutes());

        Assert.True(ImdnRequest.TryGet(im, out ImdnRequest? request));
        Assert.False(request!.Requests(ImdnNotificationType.Delivery, ImdnStatus.Delivered));
        Assert.True(request.Requests(ImdnNotificationType.Delivery, ImdnStatus.Failed));

        var bobPhone = new CpimAddress("tel:+15551234");
        CpimMessage notification = Reparse(request.CreateNotification(ImdnNotificationType.Delivery, ImdnStatus.Failed, s_now, bobPhone));
        Assert.Equal(bobPhone, notification.From);
        Assert.Equal(["<sip:near.example.com;lr>", "<sip:far.example.net;lr>"], notification.GetHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.Route));
        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(notification, out IReadOnlyList<ImdnDocument> documents));
        Assert.Equal("tel:+15551234", documents[0].RecipientUri);
        Assert.Equal("sip:bob-old@example.com", documents[0].OriginalRecipientUri);
        Assert.Equal(ImdnStatus.Failed, documents[0].Status);
    }

    [Fact]
    public void AggregatedNotificationsRoundTrip()
    {
        ImdnDocument[] documents =
        [
            new("a", s_sent, ImdnNotificationType.Delivery, ImdnStatus.Delivered) { RecipientUri = "sip:bob@example.com" },
            new("b", s_sent.AddSeconds(1), ImdnNotificationType.Display, ImdnStatus.Displayed),
            new("c", s_sent.AddSeconds(2), ImdnNotificationType.Processing, ImdnStatus.Stored) { Subject = "x" },
        ];
        CpimMessage notification = Reparse(ImdnNotification.Create(s_bob, s_alice, documents, s_now));
        Assert.StartsWith("multipart/mixed; boundary=\"imdn-", notification.ContentType, StringComparison.Ordinal);
        Assert.True(notification.IsImdnNotification());
        Assert.Equal(22, notification.GetImdnMessageId()!.Length);
        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(notification, out IReadOnlyList<ImdnDocument> read));
        Assert.Equal(documents, read);
    }

    [Fact]
    public void WritesTheAggregateBodyExactly()
    {
        var document = new ImdnDocument("a", s_sent, ImdnNotificationType.Delivery, ImdnStatus.Delivered);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        ImdnNotification.WriteAggregate(buffer, [document, document], "b1");
        string xml = Encoding.UTF8.GetString(document.ToArray());
        string part = "--b1\r\nContent-Type: message/imdn+xml\r\n\r\n" + xml + "\r\n";
        Assert.Equal(part + part + "--b1--\r\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal("multipart/mixed; boundary=\"b1\"", ImdnNotification.AggregateContentType("b1"));
        Assert.Throws<ArgumentException>(() => ImdnNotification.WriteAggregate(buffer, [document], new string('x', 71)));
        Assert.Throws<ArgumentException>(() => ImdnNotification.Create(s_bob, s_alice, [], s_now));
    }

    [Theory]
    [InlineData(null, ImdnParseError.UnsupportedContentType)]
    [InlineData("text/plain", ImdnParseError.UnsupportedContentType)]
    [InlineData("multipart/mixed", ImdnParseError.InvalidMultipart)]
    [InlineData("multipart/mixed; boundary=zz", ImdnParseError.InvalidMultipart)]
    [InlineData("Message/IMDN+XML; charset=utf-8", ImdnParseError.MalformedXml)]
    public void ReadRejectsOtherContent(string? contentType, ImdnParseError expected)
    {
        Assert.Equal(expected, ImdnNotification.TryRead(contentType, "--b\r\n\r\nx\r\n--b--"u8.ToArray(), out IReadOnlyList<ImdnDocument> documents));
        Assert.Empty(documents);
    }

    [Fact]
    public void AggregateRejectsAPartThatIsNotAnImdn()
    {
        byte[] body = Encoding.UTF8.GetBytes("--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n");
        Assert.Equal(ImdnParseError.InvalidMultipart, ImdnNotification.TryRead("multipart/mixed; boundary=b", body, out _));
        byte[] noType = Encoding.UTF8.GetBytes("--b\r\n\r\nhello\r\n--b--\r\n");
        Assert.Equal(ImdnParseError.InvalidMultipart, ImdnNotification.TryRead("multipart/mixed; boundary=b", noType, out _));
    }

    [Fact]
    public void NoRequestWithoutMessageIdDispositionOrSender()
    {
        CpimMessage im = Im(ImdnDispositions.None);
        Assert.False(ImdnRequest.TryGet(im, out _));
        im.SetDispositionNotification(ImdnDispositions.Display);
        Assert.True(ImdnRequest.TryGet(im, out _));
        im.RemoveHeaders(ImdnHeaders.NamespaceUri, ImdnHeaders.MessageId);
        Assert.False(ImdnRequest.TryGet(im, out _));
        im.SetImdnMessageId("x");
        im.From = null;
        Assert.False(ImdnRequest.TryGet(im, out _));
    }

    [Fact]
    public void NotifierIsNeededWhenTheImHasNoTo()
    {
        CpimMessage im = Im(ImdnDispositions.Display);
        im.To = [];
        im.DateTime = null;
        Assert.True(ImdnRequest.TryGet(im, out ImdnRequest? request));
        Assert.Throws<InvalidOperationException>(() => request!.CreateNotification(ImdnNotificationType.Display, ImdnStatus.Displayed, s_now));

        // Without a DateTime in the IM, the document falls back to now.
        ImdnDocument document = request!.CreateDocument(ImdnNotificationType.Display, ImdnStatus.Displayed, s_now, "sip:me@example.com");
        Assert.True(s_now.EqualsExact(document.DateTime));
        Assert.Null(document.OriginalRecipientUri);
    }
}
