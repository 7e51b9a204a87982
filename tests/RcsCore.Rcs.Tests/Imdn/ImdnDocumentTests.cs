using System.Text;
using RcsCore.Rcs.Imdn;
using Xunit;

namespace RcsCore.Rcs.Tests.Imdn;

public class ImdnDocumentTests
{
    private const string Head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">";
    private const string Ids = "<message-id>m1</message-id><datetime>2026-01-02T03:04:05Z</datetime>";

    private static ImdnParseError Parse(string xml, out ImdnDocument? document) => ImdnDocument.TryParse(Encoding.UTF8.GetBytes(xml), out document);

    [Fact]
    public void WritesExactBytes()
    {
        var document = new ImdnDocument("34jk324j", new DateTimeOffset(2008, 4, 4, 12, 16, 49, TimeSpan.FromHours(-5)), ImdnNotificationType.Display, ImdnStatus.Displayed)
        {
            RecipientUri = "sip:+15551234@example.com",
            OriginalRecipientUri = "tel:+15551234",
            Subject = "a < b & c > d\r\n",
        };
        string expected =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" +
            "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\r\n" +
            "  <message-id>34jk324j</message-id>\r\n" +
            "  <datetime>2008-04-04T12:16:49-05:00</datetime>\r\n" +
            "  <recipient-uri>sip:+15551234@example.com</recipient-uri>\r\n" +
            "  <original-recipient-uri>tel:+15551234</original-recipient-uri>\r\n" +
            "  <subject>a &lt; b &amp; c &gt; d&#xD;\n</subject>\r\n" +
            "  <display-notification><status><displayed/></status></display-notification>\r\n" +
            "</imdn>\r\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(document.ToArray()));
        Assert.Equal(ImdnParseError.None, ImdnDocument.TryParse(document.ToArray(), out ImdnDocument? parsed));
        Assert.Equal(document, parsed);
    }

    [Theory]
    [InlineData(ImdnNotificationType.Delivery, ImdnStatus.Delivered, true)]
    [InlineData(ImdnNotificationType.Delivery, ImdnStatus.Failed, true)]
    [InlineData(ImdnNotificationType.Delivery, ImdnStatus.Forbidden, true)]
    [InlineData(ImdnNotificationType.Delivery, ImdnStatus.Error, true)]
    [InlineData(ImdnNotificationType.Delivery, ImdnStatus.Displayed, false)]
    [InlineData(ImdnNotificationType.Delivery, ImdnStatus.Stored, false)]
    [InlineData(ImdnNotificationType.Display, ImdnStatus.Displayed, true)]
    [InlineData(ImdnNotificationType.Display, ImdnStatus.Forbidden, true)]
    [InlineData(ImdnNotificationType.Display, ImdnStatus.Error, true)]
    [InlineData(ImdnNotificationType.Display, ImdnStatus.Delivered, false)]
    [InlineData(ImdnNotificationType.Processing, ImdnStatus.Processed, true)]
    [InlineData(ImdnNotificationType.Processing, ImdnStatus.Stored, true)]
    [InlineData(ImdnNotificationType.Processing, ImdnStatus.Forbidden, true)]
    [InlineData(ImdnNotificationType.Processing, ImdnStatus.Error, true)]
    [InlineData(ImdnNotificationType.Processing, ImdnStatus.Failed, false)]
    public void StatusesPerType(ImdnNotificationType type, ImdnStatus status, bool allowed)
    {
        Assert.Equal(allowed, ImdnDocument.IsAllowed(type, status));
        string element = type switch
        {
            ImdnNotificationType.Delivery => "delivery-notification",
            ImdnNotificationType.Display => "display-notification",
            _ => "processing-notification",
        };
        string xml = $"{Head}{Ids}<{element}><status><{status.ToString().ToLowerInvariant()}/></status></{element}></imdn>";
        ImdnParseError error = Parse(xml, out ImdnDocument? document);
        if (allowed)
        {
            Assert.Equal(ImdnParseError.None, error);
            Assert.Equal(type, document!.Type);
            Assert.Equal(status, document.Status);
        }
        else
        {
            Assert.Equal(ImdnParseError.InvalidStatus, error);
            Assert.Throws<ArgumentException>(() => new ImdnDocument("m", DateTimeOffset.UnixEpoch, type, status));
        }
    }

    [Theory]
    [InlineData("<imdn xmlns=\"urn:other\"/>", ImdnParseError.NotImdn)]
    [InlineData("<isComposing xmlns=\"urn:ietf:params:xml:ns:imdn\"/>", ImdnParseError.NotImdn)]
    [InlineData("<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"/>", ImdnParseError.MissingMessageId)]
    [InlineData(Head + "<message-id> </message-id><datetime>2026-01-02T03:04:05Z</datetime></imdn>", ImdnParseError.MissingMessageId)]
    [InlineData(Head + "<message-id>m</message-id><delivery-notification><status><delivered/></status></delivery-notification></imdn>", ImdnParseError.InvalidDateTime)]
    [InlineData(Head + "<message-id>m</message-id><datetime>yesterday</datetime></imdn>", ImdnParseError.InvalidDateTime)]
    [InlineData(Head + Ids + "</imdn>", ImdnParseError.MissingNotification)]
    [InlineData(Head + Ids + "<delivery-notification/></imdn>", ImdnParseError.InvalidStatus)]
    [InlineData(Head + Ids + "<delivery-notification><status/></delivery-notification></imdn>", ImdnParseError.InvalidStatus)]
    [InlineData(Head + Ids + "<delivery-notification><status><delivered/><failed/></status></delivery-notification></imdn>", ImdnParseError.InvalidStatus)]
    [InlineData(Head + Ids + "<delivery-notification><status><bogus/></status></delivery-notification></imdn>", ImdnParseError.InvalidStatus)]
    [InlineData(Head + Ids + "<message-id>m2</message-id><delivery-notification><status><delivered/></status></delivery-notification></imdn>", ImdnParseError.DuplicateElement)]
    [InlineData(Head + Ids + "<delivery-notification><status><delivered/></status></delivery-notification><display-notification><status><displayed/></status></display-notification></imdn>", ImdnParseError.DuplicateElement)]
    [InlineData(Head + Ids + "<delivery-notification><status><delivered/></status></delivery-notification>", ImdnParseError.MalformedXml)]
    [InlineData(Head + Ids + "<delivery-notification><status><delivered/></status></delivery-notification></imdn><imdn/>", ImdnParseError.MalformedXml)]
    [InlineData(Head + "<message-id>a<b/></message-id></imdn>", ImdnParseError.MalformedXml)]
    [InlineData("", ImdnParseError.MalformedXml)]
    [InlineData("not xml", ImdnParseError.MalformedXml)]
    public void RejectsWithStableCodes(string xml, ImdnParseError expected)
    {
        Assert.Equal(expected, Parse(xml, out ImdnDocument? document));
        Assert.Null(document);
    }

    [Fact]
    public void DtdsAreProhibitedSoEntityBombsAndExternalEntitiesNeverExpand()
    {
        string bomb =
            "<?xml version=\"1.0\"?><!DOCTYPE imdn [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">" +
            "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>" +
            "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>&c;</message-id></imdn>";
        Assert.Equal(ImdnParseError.MalformedXml, Parse(bomb, out _));

        string external =
            "<?xml version=\"1.0\"?><!DOCTYPE imdn [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" +
            "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>&x;</message-id></imdn>";
        Assert.Equal(ImdnParseError.MalformedXml, Parse(external, out _));
    }

    [Fact]
    public void SizeIsBoundedBeforeReading()
    {
        byte[] big = Encoding.UTF8.GetBytes(Head + Ids + "<subject>" + new string('x', 70_000) + "</subject><delivery-notification><status><delivered/></status></delivery-notification></imdn>");
        Assert.Equal(ImdnParseError.TooLarge, ImdnDocument.TryParse(big, out _));
        Assert.Equal(ImdnParseError.None, ImdnDocument.TryParse(big, out ImdnDocument? document, maxSize: 100_000));
        Assert.Equal(70_000, document!.Subject!.Length);
    }

    [Fact]
    public void ExtensionsCommentsAndWhitespaceAreSkipped()
    {
        string xml =
            "<?xml version=\"1.0\"?>\n<!-- c --><imdn xmlns=\"urn:ietf:params:xml:ns:imdn\" xmlns:x=\"urn:x\">\n" +
            "  <x:ext a=\"1\"><x:deep/></x:ext>\n  <message-id>\n m1 \n</message-id>\n<future-element>ignored</future-element>" +
            "  <datetime> 2026-01-02T03:04:05Z </datetime><subject>  spaced  </subject>\n" +
            "  <delivery-notification><x:why>later</x:why><status><x:code>42</x:code><failed/></status></delivery-notification>\n" +
            "</imdn>\n<!-- trailing -->";
        Assert.Equal(ImdnParseError.None, Parse(xml, out ImdnDocument? document));
        Assert.Equal("m1", document!.MessageId);
        Assert.Equal("  spaced  ", document.Subject);
        Assert.Equal(ImdnStatus.Failed, document.Status);
        Assert.True(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).EqualsExact(document.DateTime));
    }

    [Fact]
    public void WriterRejectsCharactersXmlCannotHold()
    {
        var document = new ImdnDocument("m", DateTimeOffset.UnixEpoch, ImdnNotificationType.Delivery, ImdnStatus.Delivered) { Subject = "bell\u0007" };
        Assert.Throws<ArgumentException>(() => document.ToArray());
        Assert.Throws<ArgumentException>(() => new ImdnDocument(" ", DateTimeOffset.UnixEpoch, ImdnNotificationType.Delivery, ImdnStatus.Delivered));
    }

    [Theory]
    [InlineData("positive-delivery, negative-delivery", ImdnDispositions.PositiveDelivery | ImdnDispositions.NegativeDelivery)]
    [InlineData("Display", ImdnDispositions.Display)]
    [InlineData(" processing ,display,future-thing,, ", ImdnDispositions.Processing | ImdnDispositions.Display)]
    [InlineData("", ImdnDispositions.None)]
    [InlineData(null, ImdnDispositions.None)]
    public void ParsesDispositionNotification(string? value, ImdnDispositions expected)
    {
        Assert.Equal(expected, ImdnHeaders.ParseDispositions(value));
    }

    [Fact]
    public void FormatsDispositionNotificationAndGeneratesTokenMessageIds()
    {
        Assert.Equal("positive-delivery, negative-delivery, processing, display", ImdnHeaders.FormatDispositions(
            ImdnDispositions.Display | ImdnDispositions.Processing | ImdnDispositions.NegativeDelivery | ImdnDispositions.PositiveDelivery));
        Assert.Equal(string.Empty, ImdnHeaders.FormatDispositions(ImdnDispositions.None));

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 1000; i++)
        {
            string id = ImdnHeaders.NewMessageId();
            Assert.Equal(22, id.Length);
            Assert.All(id, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
            Assert.True(ids.Add(id));
        }
    }
}
