using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace RcsCore.Rcs.Tests.FileTransfer;

/// <summary>The GSMA RCC.07 FT via HTTP file-info and file-resume-info documents.</summary>
public class FileInfoDocumentTests
{
    // Shaped like the RCC.07 FT via HTTP example: a thumbnail and a rendered picture, with until validity.
    private const string SpecExample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <file xmlns="urn:gsma:params:xml:ns:rcs:rcs:fthttp" xmlns:e="urn:gsma:params:xml:ns:rcs:rcs:up:fthttpext">
          <file-info type="thumbnail">
            <file-size>7427</file-size>
            <content-type>image/jpeg</content-type>
            <data url="https://ftcontentserver.rcs.mnc001.mcc001.pub.3gppnetwork.org/download?id=001" until="2026-08-06T19:12:27Z"/>
          </file-info>
          <file-info type="file" file-disposition="render">
            <file-size>183524</file-size>
            <file-name>IMG_0001.jpg</file-name>
            <content-type>image/jpeg</content-type>
            <data url="https://ftcontentserver.rcs.mnc001.mcc001.pub.3gppnetwork.org/download?id=002" until="2026-08-06T19:12:27Z"/>
            <e:branded-url>https://example.com/brand</e:branded-url>
          </file-info>
        </file>
        """;

    private static readonly Uri s_url = new("http://127.0.0.1:8080/files/abc");

    [Fact]
    public void ParsesTheSpecShapedExample()
    {
        FileInfoParseResult result = FileInfoDocument.TryParse(Encoding.UTF8.GetBytes(SpecExample), out FileInfoDocument? doc);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(183524, doc!.File.Size);
        Assert.Equal("IMG_0001.jpg", doc.File.FileName);
        Assert.Equal("image/jpeg", doc.File.ContentType);
        Assert.Equal(FileDisposition.Render, doc.File.Disposition);
        Assert.Equal(new Uri("https://ftcontentserver.rcs.mnc001.mcc001.pub.3gppnetwork.org/download?id=002"), doc.File.Url);
        Assert.Equal(new DateTimeOffset(2026, 8, 6, 19, 12, 27, TimeSpan.Zero), doc.File.Until);
        Assert.NotNull(doc.Thumbnail);
        Assert.Equal(7427, doc.Thumbnail!.Size);
        Assert.Null(doc.Thumbnail.FileName);
    }

    [Fact]
    public void RoundTripsWithThumbnailAndPlayingLength()
    {
        var doc = new FileInfoDocument(
            new FileInfoEntry(42, "audio/mp4", s_url, new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero))
            {
                FileName = "a \"quoted\" <&> name.m4a",
                Disposition = FileDisposition.Attachment,
                PlayingLengthSeconds = 12,
            },
            new FileInfoEntry(7, "image/png", new Uri("http://127.0.0.1:8080/files/t?x=1&y=2"), DateTimeOffset.UnixEpoch));
        byte[] bytes = doc.ToArray();
        Assert.True(FileInfoDocument.TryParse(bytes, out FileInfoDocument? parsed).IsSuccess);
        Assert.Equal(doc, parsed);
        Assert.Equal(bytes, parsed!.ToArray());
        Assert.Contains("am:playing-length", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public void ResumeInfoRoundTripsAndParsesWithoutNamespace()
    {
        var info = new FileResumeInfo(0, 1023, new Uri("http://127.0.0.1:8080/upload/xyz"));
        Assert.True(FileResumeInfo.TryParse(info.ToArray(), out FileResumeInfo? parsed).IsSuccess);
        Assert.Equal(info, parsed);
        Assert.Equal(1024, parsed!.ReceivedLength);
        byte[] bare = Encoding.UTF8.GetBytes("<file-resume-info><file-range start=\"0\" end=\"-1\"/><data url=\"https://cs.example/u/1\"/></file-resume-info>");
        Assert.True(FileResumeInfo.TryParse(bare, out parsed).IsSuccess);
        Assert.Equal(0, parsed!.ReceivedLength);
    }

    [Theory]
    [InlineData("<data until=\"2026-08-06T19:12:27Z\"/>", FileInfoParseError.MissingUrl)]
    [InlineData("<data url=\"\" until=\"2026-08-06T19:12:27Z\"/>", FileInfoParseError.MissingUrl)]
    [InlineData("<data url=\"ftp://x/y\" until=\"2026-08-06T19:12:27Z\"/>", FileInfoParseError.InvalidUrl)]
    [InlineData("<data url=\"/relative\" until=\"2026-08-06T19:12:27Z\"/>", FileInfoParseError.InvalidUrl)]
    [InlineData("<data url=\"http://x/y\"/>", FileInfoParseError.InvalidUntil)]
    [InlineData("<data url=\"http://x/y\" until=\"tomorrow\"/>", FileInfoParseError.InvalidUntil)]
    [InlineData("", FileInfoParseError.MissingUrl)]
    public void RejectsBadData(string data, FileInfoParseError expected) =>
        AssertRejected(FileDoc("<file-size>10</file-size><content-type>text/plain</content-type>" + data), expected);

    [Theory]
    [InlineData("<file-size>-1</file-size>")]
    [InlineData("<file-size>ten</file-size>")]
    [InlineData("<file-size>99999999999999999999</file-size>")]
    [InlineData("")]
    public void RejectsBadSize(string size) =>
        AssertRejected(FileDoc(size + "<content-type>text/plain</content-type><data url=\"http://x/y\" until=\"2026-08-06T19:12:27Z\"/>"), FileInfoParseError.InvalidSize);

    [Fact]
    public void RejectsOtherShapes()
    {
        const string Entry = "<file-size>1</file-size><content-type>a/b</content-type><data url=\"http://x/y\" until=\"2026-08-06T19:12:27Z\"/>";
        AssertRejected("<file xmlns=\"urn:example:other\"><file-info type=\"file\">" + Entry + "</file-info></file>", FileInfoParseError.NotFileInfo);
        AssertRejected("<file><file-info type=\"file\">" + Entry + "</file-info></file>", FileInfoParseError.NotFileInfo);
        AssertRejected("<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\"><file-info type=\"thumbnail\">" + Entry + "</file-info></file>", FileInfoParseError.MissingFile);
        AssertRejected("<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\"><file-info type=\"file\">" + Entry + "</file-info><file-info type=\"file\">" + Entry + "</file-info></file>", FileInfoParseError.DuplicateElement);
        AssertRejected(FileDoc(Entry, "file-disposition=\"inline\""), FileInfoParseError.InvalidDisposition);
        AssertRejected(FileDoc("<file-size>1</file-size><data url=\"http://x/y\" until=\"2026-08-06T19:12:27Z\"/>"), FileInfoParseError.MissingContentType);
        AssertRejected(FileDoc(Entry + "<playing-length>x</playing-length>"), FileInfoParseError.InvalidPlayingLength);
        AssertRejected(FileDoc(Entry) + "<file/>", FileInfoParseError.MalformedXml);
        AssertRejected(FileDoc(Entry)[..40], FileInfoParseError.MalformedXml);
    }

    [Fact]
    public void RejectsDtdsAndOversizedDocuments()
    {
        const string Entry = "<file-size>1</file-size><content-type>&x;</content-type><data url=\"http://x/y\" until=\"2026-08-06T19:12:27Z\"/>";
        string dtd = "<?xml version=\"1.0\"?><!DOCTYPE file [<!ENTITY x \"lol\">]>" + FileDoc(Entry);
        AssertRejected(dtd, FileInfoParseError.DtdProhibited);
        Assert.Equal(FileInfoParseError.DtdProhibited, FileResumeInfo.TryParse(Encoding.UTF8.GetBytes("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><file-resume-info/>"), out _).Error);
        byte[] big = new byte[FileInfoDocument.DefaultMaxSize + 1];
        Assert.Equal(FileInfoParseError.TooLarge, FileInfoDocument.TryParse(big, out _).Error);
    }

    [Fact]
    public void RejectsBadResumeInfo()
    {
        static FileInfoParseError Parse(string s) => FileResumeInfo.TryParse(Encoding.UTF8.GetBytes(s), out _).Error;
        Assert.Equal(FileInfoParseError.InvalidRange, Parse("<file-resume-info><data url=\"http://x/y\"/></file-resume-info>"));
        Assert.Equal(FileInfoParseError.InvalidRange, Parse("<file-resume-info><file-range start=\"10\" end=\"5\"/><data url=\"http://x/y\"/></file-resume-info>"));
        Assert.Equal(FileInfoParseError.MissingUrl, Parse("<file-resume-info><file-range start=\"0\" end=\"5\"/></file-resume-info>"));
        Assert.Equal(FileInfoParseError.NotFileInfo, Parse("<file-resume-info xmlns=\"urn:other\"/>"));
    }

    [Property(MaxTest = 300)]
    public Property ParseOfWriteIsIdentity() => Prop.ForAll(Arb.From(Documents), doc =>
    {
        byte[] bytes = doc.ToArray();
        Assert.True(FileInfoDocument.TryParse(bytes, out FileInfoDocument? parsed).IsSuccess);
        Assert.Equal(doc, parsed);
        Assert.Equal(bytes, parsed!.ToArray());
    });

    [Property(MaxTest = 500)]
    public void NeverThrowsOnArbitraryBytes(byte[] bytes)
    {
        FileInfoParseResult result = FileInfoDocument.TryParse(bytes, out FileInfoDocument? doc);
        Assert.Equal(result.IsSuccess, doc is not null);
        Assert.Equal(result.IsSuccess, result.Message is null);
        FileInfoParseResult resume = FileResumeInfo.TryParse(bytes, out FileResumeInfo? info);
        Assert.Equal(resume.IsSuccess, info is not null);
    }

    [Property(MaxTest = 300)]
    public Property NeverThrowsOnMutatedDocuments()
    {
        byte[] seed = Encoding.UTF8.GetBytes(SpecExample);
        Gen<byte[]> mutated =
            from edits in Gen.NonEmptyListOf(Gen.Zip(Gen.Choose(0, seed.Length - 1), Gen.Elements((byte)'<', (byte)'>', (byte)'"', (byte)'&', (byte)'-', (byte)'x', (byte)0, (byte)0xFF, (byte)'1')))
            select Mutate(seed, edits);
        return Prop.ForAll(Arb.From(mutated), bytes =>
        {
            if (FileInfoDocument.TryParse(bytes, out FileInfoDocument? doc).IsSuccess)
            {
                Assert.True(FileInfoDocument.TryParse(doc!.ToArray(), out FileInfoDocument? again).IsSuccess);
                Assert.Equal(doc, again);
            }
        });
    }

    private static byte[] Mutate(byte[] seed, IEnumerable<(int Position, byte Value)> edits)
    {
        byte[] copy = (byte[])seed.Clone();
        foreach ((int position, byte value) in edits)
        {
            copy[position] = value;
        }

        return copy;
    }

    private static Gen<FileInfoEntry> Entry(bool isFile) =>
        from size in Gen.Choose(0, int.MaxValue).Select(i => (long)i * 3)
        from type in Gen.Elements("image/jpeg", "video/mp4", "application/pdf", "text/plain; charset=utf-8")
        from path in Gen.Elements("files/a", "files/b%20c", "d?id=1&x=2", "x/\u00e9")
        from scheme in Gen.Elements("http", "https")
        from until in RcsArbitraries.Date
        from name in RcsArbitraries.Text
        from disposition in Gen.Elements<FileDisposition?>(null, FileDisposition.Render, FileDisposition.Attachment)
        from seconds in Gen.Elements<int?>(null, 0, 59, int.MaxValue)
        select new FileInfoEntry(size, type, new Uri(scheme + "://cs.example.com:8080/" + path), until)
        {
            FileName = isFile && name.Length > 0 ? name : null,
            Disposition = isFile ? disposition : null,
            PlayingLengthSeconds = seconds,
        };

    private static Gen<FileInfoDocument> Documents =>
        from file in Entry(true)
        from hasThumbnail in Gen.Elements(true, false)
        from thumbnail in Entry(false)
        select new FileInfoDocument(file, hasThumbnail ? thumbnail : null);

    private static string FileDoc(string entry, string attributes = "") =>
        "<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\"><file-info type=\"file\" " + attributes + ">" + entry + "</file-info></file>";

    private static void AssertRejected(string xml, FileInfoParseError expected)
    {
        FileInfoParseResult result = FileInfoDocument.TryParse(Encoding.UTF8.GetBytes(xml), out FileInfoDocument? doc);
        Assert.Equal(expected, result.Error);
        Assert.False(string.IsNullOrEmpty(result.Message));
        Assert.Null(doc);
    }
}
