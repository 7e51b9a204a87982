using System.Security.Cryptography;
using RcsCore.Parsing.Cpim;
using RcsCore.Rcs.Imdn;
using Xunit;

namespace RcsCore.Rcs.Tests.Imdn;

/// <summary>The IMDN files of ../shared/corpus/cpim: the documents alone and the bodies of the notification messages.</summary>
public class ImdnCorpusTests
{
    private static readonly DateTimeOffset s_imDateTime = new(2008, 4, 4, 12, 16, 49, TimeSpan.FromHours(-5));

    [Fact]
    public void EveryXmlFileOfTheManifestIsCoveredHereOrInIsComposingTests()
    {
        var xml = Corpus.Manifest().Where(r => r.File.EndsWith(".xml", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            ["rfc3994-s5-active.xml", "rfc5438-s7.2.1.1-delivery.xml", "rfc5438-s8.1-processing.xml"],
            xml.Select(r => r.File).Order(StringComparer.Ordinal));
        foreach ((string file, string @class, string sha256) in xml)
        {
            Assert.Equal("valid", @class);
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(Corpus.Read(file))));
        }
    }

    [Fact]
    public void DeliveryDocument()
    {
        Assert.Equal(ImdnParseError.None, ImdnDocument.TryParse(Corpus.Read("rfc5438-s7.2.1.1-delivery.xml"), out ImdnDocument? document));
        Assert.Equal(
            new ImdnDocument("34jk324j", s_imDateTime, ImdnNotificationType.Delivery, ImdnStatus.Delivered)
            {
                RecipientUri = "im:bob@example.com",
                OriginalRecipientUri = "im:bob@example.com",
            },
            document);
        Assert.Null(document!.Subject);
    }

    [Fact]
    public void ProcessingDocument()
    {
        Assert.Equal(ImdnParseError.None, ImdnDocument.TryParse(Corpus.Read("rfc5438-s8.1-processing.xml"), out ImdnDocument? document));
        Assert.Equal(
            new ImdnDocument("34jk324j", s_imDateTime, ImdnNotificationType.Processing, ImdnStatus.Processed)
            {
                RecipientUri = "im:bob@example.com",
                OriginalRecipientUri = "im:bob@example.com",
            },
            document);
    }

    [Theory]
    [InlineData("rfc5438-s7.2.1.1-delivery-notification.cpim", "rfc5438-s7.2.1.1-delivery.xml")]
    [InlineData("rfc5438-s8.1-processing-notification.cpim", "rfc5438-s8.1-processing.xml")]
    public void NotificationBodiesAreTheDocumentFiles(string cpimFile, string xmlFile)
    {
        byte[] cpim = Corpus.Read(cpimFile);

        // The CPIM framing is invalid as published (Content-length: ...), the body is the document file byte for byte.
        Assert.Equal(CpimParseError.InvalidContentLength, CpimMessage.TryParse(cpim, out _).Error);
        byte[] body = Corpus.BodyAfterPlaceholder(cpim);
        Assert.Equal(Corpus.Read(xmlFile), body);
        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(Corpus.HeaderValue(cpim, "Content-type"), body, out IReadOnlyList<ImdnDocument> documents));
        Assert.Single(documents);
        Assert.Equal("34jk324j", documents[0].MessageId);
    }

    [Fact]
    public void AggregatedNotificationWithoutTheClosingDashes()
    {
        byte[] cpim = Corpus.Read("rfc5438-s8.3-aggregated-notification.cpim");
        string contentType = Corpus.HeaderValue(cpim, "Content-type");
        Assert.Equal("multipart/mixed; boundary=\"imdn-boundary\"", contentType);
        byte[] body = Corpus.BodyAfterPlaceholder(cpim);

        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(contentType, body, out IReadOnlyList<ImdnDocument> documents));
        Assert.Equal(
            [
                new ImdnDocument("34jk324j", s_imDateTime, ImdnNotificationType.Delivery, ImdnStatus.Delivered)
                {
                    RecipientUri = "im:bob@example.com",
                    OriginalRecipientUri = "im:bob@example.com",
                },
                new ImdnDocument("34jk324j", s_imDateTime, ImdnNotificationType.Display, ImdnStatus.Displayed)
                {
                    RecipientUri = "im:bob@example.com",
                    OriginalRecipientUri = "im:bob@example.com",
                },
            ],
            documents);

        // With the closing delimiter RFC 2046 requires it reads the same; with a part cut off it does not.
        byte[] closed = [.. body[..^2], .. "--\r\n"u8];
        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(contentType, closed, out IReadOnlyList<ImdnDocument> again));
        Assert.Equal(documents, again);
        Assert.Equal(ImdnParseError.InvalidMultipart, ImdnNotification.TryRead(contentType, body[..^40], out IReadOnlyList<ImdnDocument> cut));
        Assert.Empty(cut);
    }

    [Fact]
    public void ImRequestingDeliveryGivesARequest()
    {
        Assert.True(CpimMessage.TryParse(Corpus.Read("rfc5438-s7.1.1.3-im-request-delivery.cpim"), out CpimMessage? im).IsSuccess);
        Assert.NotNull(im);
        Assert.Equal("34jk324j", im!.GetImdnMessageId());
        Assert.Equal(ImdnDispositions.PositiveDelivery | ImdnDispositions.NegativeDelivery, im.GetDispositionNotification());
        Assert.False(im.IsImdnNotification());

        Assert.True(ImdnRequest.TryGet(im, out ImdnRequest? request));
        Assert.Equal("34jk324j", request!.MessageId);
        Assert.Equal(new CpimAddress("im:alice@example.com", "Alice"), request.Sender);
        Assert.Equal(new CpimAddress("im:bob@example.com", "Bob"), request.Recipient);
        Assert.True(new DateTimeOffset(2006, 4, 4, 12, 16, 49, TimeSpan.FromHours(-5)).EqualsExact(request.DateTime!.Value));
        Assert.True(request.Requests(ImdnNotificationType.Delivery, ImdnStatus.Delivered));
        Assert.True(request.Requests(ImdnNotificationType.Delivery, ImdnStatus.Failed));
        Assert.False(request.Requests(ImdnNotificationType.Display, ImdnStatus.Displayed));
        Assert.False(request.Requests(ImdnNotificationType.Processing, ImdnStatus.Processed));
    }
}
