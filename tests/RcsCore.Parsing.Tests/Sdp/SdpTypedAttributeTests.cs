using System.Text;
using RcsCore.Parsing.Sdp;
using Xunit;

namespace RcsCore.Parsing.Tests.Sdp;

public class SdpTypedAttributeTests
{
    [Fact]
    public void CreateMsrpBuildsAnRfc4975OfferThatRoundTrips()
    {
        var session = new SdpSession
        {
            Origin = new SdpOrigin("alice", "2890844557", "2890844559", "IN", "IP4", "alicepc.example.com"),
            SessionName = " -",
            Connection = new SdpConnection("IN", "IP4", "alicepc.example.com"),
        };
        session.Media.Add(SdpMedia.CreateMsrp(7777, "msrp://alicepc.example.com:7777/iau39soe2843z;tcp", ["text/plain"]));

        // Byte-identical to RFC 4975 §11.1, except that accept-types comes before path there too.
        Assert.Equal(SdpCorpusTests.Read("rfc4975-s11.1-offer.sdp"), session.ToArray());
    }

    [Fact]
    public void CreateMsrpPicksTlsFromMsrpsPath()
    {
        SdpMedia media = SdpMedia.CreateMsrp(0, "msrps://h:1/x;tcp", ["message/cpim"]);
        Assert.Equal("TCP/TLS/MSRP", media.Protocol);
        Assert.True(media.IsSecureMsrp);
        Assert.True(media.IsMsrp);
        Assert.Equal(["*"], media.Formats);
    }

    [Fact]
    public void BuildsAnRfc5547PushOfferThatRoundTrips()
    {
        var session = new SdpSession
        {
            Origin = new SdpOrigin("alice", "2890844526", "2890844526", "IN", "IP4", "alicepc.example.com"),
            SessionName = "",
            Connection = new SdpConnection("IN", "IP4", "alicepc.example.com"),
        };
        var media = new SdpMedia("message", 7654, "TCP/MSRP") { Information = "This is my latest picture" };
        media.Formats.Add("*");
        media.Direction = SdpDirection.SendOnly;
        media.AcceptTypes = ["message/cpim"];
        media.AcceptWrappedTypes = ["*"];
        media.Paths = ["msrp://alicepc.example.com:7654/jshA7we;tcp"];
        media.FileSelector = new SdpFileSelector(
            "My cool picture.jpg",
            "image/jpeg",
            4092,
            SdpFileHash.FromBytes("sha-1", Convert.FromHexString("72245FE8653DDAF371362F86D471913EE4A2CE2E")));
        media.FileTransferId = "Q6LMoGymJdh0IKIgD6wD0jkcfgva4xvE";
        media.FileDisposition = "render";
        media.FileDate = SdpFileDate.FromDates(new DateTimeOffset(2006, 5, 15, 15, 1, 31, TimeSpan.FromHours(3)));
        media.FileIcon = "cid:id2@alicepc.example.com";
        session.Media.Add(media);

        Assert.Equal(
            Encoding.UTF8.GetString(SdpCorpusTests.Read("rfc5547-s9.1-offer.sdp")),
            Encoding.UTF8.GetString(session.ToArray()));
    }

    [Fact]
    public void SettersReplaceInPlaceAndNullRemoves()
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("a", null));
        media.Attributes.Add(new SdpAttribute("max-size", "1"));
        media.Attributes.Add(new SdpAttribute("b", null));
        media.Attributes.Add(new SdpAttribute("max-size", "2"));

        Assert.Equal(1L, media.MaxSize);
        media.MaxSize = 300;
        Assert.Equal(
            [new SdpAttribute("a", null), new SdpAttribute("max-size", "300"), new SdpAttribute("b", null)],
            media.Attributes);

        media.MaxSize = null;
        Assert.Equal([new SdpAttribute("a", null), new SdpAttribute("b", null)], media.Attributes);

        media.Paths = [];
        media.FileSelector = null;
        Assert.Equal(2, media.Attributes.Count);
    }

    [Fact]
    public void DirectionFallsBackToSessionThenSendRecv()
    {
        var session = new SdpSession { Origin = new SdpOrigin("-", "1", "1", "IN", "IP4", "h") };
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        Assert.Equal(SdpDirection.SendRecv, media.Direction);

        session.Media.Add(media);
        session.Direction = SdpDirection.Inactive;
        Assert.Equal(SdpDirection.Inactive, media.Direction);

        media.Direction = SdpDirection.RecvOnly;
        Assert.Equal(SdpDirection.RecvOnly, media.Direction);
        Assert.Equal([new SdpAttribute("recvonly", null)], media.Attributes);

        media.Direction = SdpDirection.SendOnly;
        Assert.Equal([new SdpAttribute("sendonly", null)], media.Attributes);

        session.Media.Remove(media);
        media.Attributes.Clear();
        Assert.Equal(SdpDirection.SendRecv, media.Direction);

        session.Direction = null;
        Assert.Empty(session.Attributes);
    }

    [Theory]
    [InlineData("active", SdpSetup.Active)]
    [InlineData("passive", SdpSetup.Passive)]
    [InlineData("actpass", SdpSetup.ActPass)]
    [InlineData("holdconn", SdpSetup.HoldConn)]
    [InlineData("ACTPASS", SdpSetup.ActPass)]
    [InlineData(" passive", SdpSetup.Passive)]
    [InlineData("other", null)]
    public void Setup(string value, SdpSetup? expected)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("setup", value));
        Assert.Equal(expected, media.Setup);

        media.Setup = SdpSetup.Passive;
        Assert.Equal([new SdpAttribute("setup", "passive")], media.Attributes);
    }

    [Theory]
    [InlineData("name:\"a b.txt\"", "a b.txt", null, null)]
    [InlineData("name:\"100%25 \\\"x%22.txt\"", null, null, null)]
    [InlineData("name:\"100%25 %22x%22.txt\"", "100% \"x\".txt", null, null)]
    [InlineData("name:\"caf%C3%A9\" size:0", "caf\u00e9", null, 0L)]
    [InlineData("name:\"r\u00e9sum\u00e9.pdf\"", "r\u00e9sum\u00e9.pdf", null, null)]
    [InlineData("type:text/plain;charset=\"utf-8\" size:12", null, "text/plain;charset=\"utf-8\"", 12L)]
    [InlineData("  size:7   unknown:x  ", null, null, 7L)]
    [InlineData("size:7 size:8", null, null, 7L)]
    public void FileSelectorParts(string value, string? name, string? type, long? size)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-selector", value));
        SdpFileSelector? selector = media.FileSelector;
        if (value.Contains("\\\"", StringComparison.Ordinal))
        {
            // A raw quote inside the name is not allowed (RFC 5547 §6 percent-encodes it).
            Assert.Null(selector);
            return;
        }

        Assert.NotNull(selector);
        Assert.Equal(name, selector.Name);
        Assert.Equal(type, selector.Type);
        Assert.Equal(size, selector.Size);
    }

    [Theory]
    [InlineData("name:\"\"")]
    [InlineData("name:x.txt")]
    [InlineData("name:\"unterminated")]
    [InlineData("size:-1")]
    [InlineData("size:99999999999999999999")]
    [InlineData("type:nosubtype")]
    [InlineData("hash:sha-1")]
    [InlineData("hash:sha-1:7")]
    [InlineData("hash:sha-1:72-24")]
    [InlineData("hash::72:24")]
    [InlineData("hash:sha-1:72:2G")]
    public void MalformedFileSelectorIsNull(string value)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-selector", value));
        Assert.Null(media.FileSelector);
    }

    [Fact]
    public void FileSelectorNameIsPercentEncodedOnWrite()
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        var selector = new SdpFileSelector("50% \"off\"\r\n.txt", null, 10, null);
        media.FileSelector = selector;
        Assert.Equal("name:\"50%25 %22off%22%0D%0A.txt\" size:10", media.FindAttribute("file-selector")!.Value);
        Assert.Equal(selector, media.FileSelector);

        media.FileSelector = new SdpFileSelector(null, null, null, null);
        Assert.Equal(new SdpAttribute("file-selector", null), Assert.Single(media.Attributes));
    }

    [Fact]
    public void FileHashBytes()
    {
        SdpFileHash hash = SdpFileHash.FromBytes("sha-256", [0x00, 0xAB, 0xFF]);
        Assert.Equal("00:AB:FF", hash.Value);
        Assert.Equal([0x00, 0xAB, 0xFF], hash.GetBytes());
        Assert.Empty(new SdpFileHash("sha-1", "zz").GetBytes());
        Assert.Equal([0xab], new SdpFileHash("sha-1", "ab").GetBytes());
    }

    [Theory]
    [InlineData("1-*", 1L, null)]
    [InlineData("1-4092", 1L, 4092L)]
    [InlineData(" 10-20", 10L, 20L)]
    public void FileRange(string value, long start, long? stop)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-range", value));
        Assert.Equal(new SdpFileRange(start, stop), media.FileRange);

        media.FileRange = new SdpFileRange(start, stop);
        Assert.Equal(new SdpFileRange(start, stop), media.FileRange);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("-5")]
    [InlineData("a-b")]
    [InlineData("1-")]
    [InlineData("1-**")]
    public void MalformedFileRangeIsNull(string value)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-range", value));
        Assert.Null(media.FileRange);
    }

    [Fact]
    public void FileRangeFormat()
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP") { FileRange = new SdpFileRange(5, null) };
        Assert.Equal("5-*", media.FindAttribute("file-range")!.Value);
    }

    [Theory]
    [InlineData("Mon, 15 May 2006 15:01:31 +0300", 2006, 5, 15, 15, 1, 31, 180)]
    [InlineData("15 May 2006 15:01 -0000", 2006, 5, 15, 15, 1, 0, 0)]
    [InlineData("Tue, 1 Jan 2030 00:00:60 GMT", 2030, 1, 1, 0, 0, 59, 0)]
    [InlineData("Sun, 21 May 06 13:02:15 PDT", 2006, 5, 21, 13, 2, 15, -420)]
    [InlineData("  Thu,  29 Feb 2024  23:59:59  -1130 ", 2024, 2, 29, 23, 59, 59, -690)]
    public void FileDateParsesRfc5322Dates(string text, int y, int mo, int d, int h, int mi, int s, int offsetMinutes)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-date", "modification:\"" + text + "\""));
        SdpFileDate date = media.FileDate!;
        Assert.Null(date.Creation);
        Assert.Equal(text, date.Modification);
        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.FromMinutes(offsetMinutes)), date.ModificationDate);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Mon, 30 Feb 2006 15:01:31 +0300")]
    [InlineData("Mon, 15 Foo 2006 15:01:31 +0300")]
    [InlineData("Xyz, 15 May 2006 15:01:31 +0300")]
    [InlineData("15 May 2006 24:00:00 +0300")]
    [InlineData("15 May 2006 15:01:31 +1500")]
    [InlineData("15 May 2006 15:01:31 +03:00")]
    [InlineData("15 May 2006 15:01:31")]
    [InlineData("15 May 9999 23:59:59 -1400")]
    [InlineData("15 May 1800 15:01:31 +0000")]
    [InlineData("2006-05-15T15:01:31Z")]
    public void FileDateKeepsTextButNoDateWhenInvalid(string text)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-date", "read:\"" + text + "\""));
        SdpFileDate date = media.FileDate!;
        Assert.Equal(text, date.Read);
        Assert.Null(date.ReadDate);
    }

    [Fact]
    public void FileDateWithAllThreeRoundTrips()
    {
        var creation = new DateTimeOffset(2006, 5, 15, 15, 1, 31, TimeSpan.FromHours(3));
        var modification = new DateTimeOffset(2024, 12, 1, 8, 0, 5, TimeSpan.FromMinutes(-330));
        var read = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var media = new SdpMedia("message", 9, "TCP/MSRP") { FileDate = SdpFileDate.FromDates(creation, modification, read) };
        Assert.Equal(
            "creation:\"Mon, 15 May 2006 15:01:31 +0300\" modification:\"Sun, 1 Dec 2024 08:00:05 -0530\" read:\"Thu, 2 Jan 2025 03:04:05 +0000\"",
            media.FindAttribute("file-date")!.Value);
        SdpFileDate date = media.FileDate!;
        Assert.Equal(creation, date.CreationDate);
        Assert.Equal(modification, date.ModificationDate);
        Assert.Equal(read, date.ReadDate);
        Assert.Equal(creation.Offset, date.CreationDate!.Value.Offset);
    }

    [Theory]
    [InlineData("creation:Mon")]
    [InlineData("creation:\"a\"b\"")]
    [InlineData("unknown:\"x\"")]
    public void MalformedFileDateIsNull(string value)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        media.Attributes.Add(new SdpAttribute("file-date", value));
        Assert.Null(media.FileDate);
    }

    [Fact]
    public void WriterRejectsValuesThatWouldBreakLines()
    {
        var session = new SdpSession { Origin = new SdpOrigin("-", "1", "1", "IN", "IP4", "h"), SessionName = "a\r\nm=audio 1 RTP/AVP 0" };
        Assert.Throws<InvalidOperationException>(() => session.ToArray());

        session = new SdpSession { Origin = new SdpOrigin("a b", "1", "1", "IN", "IP4", "h") };
        Assert.Throws<InvalidOperationException>(() => session.ToArray());

        session = new SdpSession { Origin = new SdpOrigin("-", "1", "1", "IN", "IP4", "h") };
        session.Attributes.Add(new SdpAttribute("bad name", null));
        Assert.Throws<InvalidOperationException>(() => session.ToArray());
    }
}
