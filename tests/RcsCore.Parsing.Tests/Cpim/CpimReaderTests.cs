using System.Text;
using RcsCore.Parsing.Cpim;
using Xunit;

namespace RcsCore.Parsing.Tests.Cpim;

public class CpimReaderTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static CpimParseResult Parse(string s) => CpimMessage.TryParse(B(s), out _);

    [Theory]
    [InlineData("", CpimParseError.EmptyInput, 0)]
    [InlineData("From: <im:a@b>", CpimParseError.UnterminatedHeaders, 0)]
    [InlineData("From: <im:a@b>\r\n", CpimParseError.UnterminatedHeaders, 16)]
    [InlineData("From: <im:a@b>\r\n\r\nContent-Type: text/plain\r\n", CpimParseError.UnterminatedHeaders, 44)]
    [InlineData("No colon here\r\n\r\n\r\n", CpimParseError.InvalidLine, 0)]
    [InlineData("From <im:a@b>\r\n\r\n\r\n", CpimParseError.InvalidHeaderName, 0)]
    [InlineData(" From: <im:a@b>\r\n\r\n\r\n", CpimParseError.InvalidLine, 0)]
    [InlineData("From: <im:a@b>\rTo: x\r\n\r\n\r\n", CpimParseError.InvalidLine, 0)]
    [InlineData("X: a\0b\r\n\r\n\r\n", CpimParseError.InvalidLine, 0)]
    [InlineData("a.b.c: x\r\n\r\n\r\n", CpimParseError.InvalidHeaderName, 0)]
    [InlineData(".b: x\r\n\r\n\r\n", CpimParseError.InvalidHeaderName, 0)]
    [InlineData("Fr(m: x\r\n\r\n\r\n", CpimParseError.InvalidHeaderName, 0)]
    [InlineData(": x\r\n\r\n\r\n", CpimParseError.InvalidHeaderName, 0)]
    [InlineData("Subject:;lang=fr,x y\r\n\r\n\r\n", CpimParseError.InvalidParameter, 0)]
    [InlineData("Subject:;=fr x\r\n\r\n\r\n", CpimParseError.InvalidParameter, 0)]
    [InlineData("Subject:;lang=\"fr x\r\n\r\n\r\n", CpimParseError.InvalidParameter, 0)]
    [InlineData("Subject: a\u0001b\r\n\r\n\r\n", CpimParseError.InvalidHeaderValue, 0)]
    [InlineData("Subject: a\u007Fb\r\n\r\n\r\n", CpimParseError.InvalidHeaderValue, 0)]
    [InlineData("From: im:a@b c\r\n\r\n\r\n", CpimParseError.InvalidAddress, 0)]
    [InlineData("To: Bob <im:b@c\r\n\r\n\r\n", CpimParseError.InvalidAddress, 0)]
    [InlineData("cc: \"Bob <im:b@c>\r\n\r\n\r\n", CpimParseError.InvalidAddress, 0)]
    [InlineData("DateTime: 2000-13-13T13:40:00Z\r\n\r\n\r\n", CpimParseError.InvalidDateTime, 0)]
    [InlineData("DateTime: 2000-12-13 13:40:00Z\r\n\r\n\r\n", CpimParseError.InvalidDateTime, 0)]
    [InlineData("NS: imdn urn:ietf:params:imdn\r\n\r\n\r\n", CpimParseError.InvalidNamespace, 0)]
    [InlineData("NS: im(n <urn:x>\r\n\r\n\r\n", CpimParseError.InvalidNamespace, 0)]
    [InlineData("A: b\r\n\r\nContent-Length: 1x\r\n\r\nab", CpimParseError.InvalidContentLength, 8)]
    [InlineData("A: b\r\n\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab", CpimParseError.InvalidContentLength, 27)]
    [InlineData("A: b\r\n\r\nContent-Length: 3\r\n\r\nab", CpimParseError.ContentTruncated, 29)]
    [InlineData("A: b\r\n\r\nContent-Type text/plain\r\n\r\nab", CpimParseError.InvalidLine, 8)]
    [InlineData("A: b\r\n\r\n Content-Type: text/plain\r\n\r\nab", CpimParseError.InvalidLine, 8)]
    [InlineData("A: b\r\n\r\nContent Type: text/plain\r\n\r\nab", CpimParseError.InvalidHeaderName, 8)]
    public void RejectsWithStableCodeAndOffset(string input, CpimParseError error, int offset)
    {
        CpimParseResult result = Parse(input);
        Assert.Equal(error, result.Error);
        Assert.Equal(offset, result.Offset);
        Assert.NotEmpty(result.Message);
        Assert.StartsWith(error.ToString(), result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorCodesAreStable()
    {
        Assert.Equal(0, (int)CpimParseError.None);
        Assert.Equal(9, (int)CpimParseError.UnterminatedHeaders);
        Assert.Equal(14, (int)CpimParseError.InvalidNamespace);
    }

    [Fact]
    public void AcceptsBareLfNoSpaceAfterColonAndTabsInValues()
    {
        CpimParseResult result = CpimMessage.TryParse(B("From:<im:a@b>\nSubject: a\tb\n\nContent-Type: text/plain\n\nhi"), out CpimMessage? m);
        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(new CpimAddress("im:a@b"), m!.From);
        Assert.Equal("a\tb", m.Subject);
        Assert.Equal("text/plain", m.ContentType);
        Assert.Equal("hi"u8.ToArray(), m.Content.ToArray());
    }

    [Fact]
    public void EmptySectionsAndEmptyContent()
    {
        Assert.True(CpimMessage.TryParse(B("\r\n\r\n"), out CpimMessage? m).IsSuccess);
        Assert.Empty(m!.Headers);
        Assert.Empty(m.ContentHeaders);
        Assert.True(m.Content.IsEmpty);
        Assert.Equal(B("\r\n\r\n"), m.ToArray());
    }

    [Fact]
    public void MimeHeadersFoldAndKeepTheFoldingInTheRawValue()
    {
        byte[] bytes = B("From: <im:a@b>\r\n\r\nContent-Type: multipart/mixed;\r\n\tboundary=x \r\nContent-ID : <1@x>\r\n\r\nbody");
        var reader = new CpimReader(bytes);
        Assert.True(reader.TryReadHeader(out CpimHeaderLine from));
        Assert.Equal(CpimHeaderKind.From, from.Kind);
        Assert.True(reader.TryReadHeader(out CpimHeaderLine type));
        Assert.Equal(CpimSection.ContentHeaders, type.Section);
        Assert.Equal(CpimHeaderKind.ContentType, type.Kind);
        Assert.Equal("multipart/mixed;\r\n\tboundary=x", Encoding.UTF8.GetString(type.Value));
        Assert.True(reader.TryReadHeader(out CpimHeaderLine id));
        Assert.Equal("Content-ID", Encoding.UTF8.GetString(id.Name));
        Assert.False(reader.TryReadHeader(out _));
        Assert.True(reader.IsAtContent);
        Assert.Equal("body", Encoding.UTF8.GetString(reader.Content));

        Assert.True(CpimMessage.TryParse(bytes, out CpimMessage? m).IsSuccess);
        Assert.Equal("multipart/mixed;\tboundary=x", m!.ContentType);
    }

    [Fact]
    public void ParametersAreReadIncludingQuotedStrings()
    {
        byte[] bytes = B("Subject:;lang=fr;x=\"a;b \\\" c\";flag Bonjour\r\n\r\n\r\n");
        var reader = new CpimReader(bytes);
        Assert.True(reader.TryReadHeader(out CpimHeaderLine h));
        Assert.Equal(";lang=fr;x=\"a;b \\\" c\";flag", Encoding.UTF8.GetString(h.Parameters));
        Assert.Equal("Bonjour", Encoding.UTF8.GetString(h.Value));
        Assert.True(h.TryGetParameter("LANG"u8, out ReadOnlySpan<byte> lang));
        Assert.Equal("fr", Encoding.UTF8.GetString(lang));
        Assert.True(h.TryGetParameter("x"u8, out ReadOnlySpan<byte> x));
        Assert.True(CpimText.TryUnquote(x, out string text));
        Assert.Equal("a;b \" c", text);
        Assert.True(h.TryGetParameter("flag"u8, out ReadOnlySpan<byte> flag));
        Assert.True(flag.IsEmpty);
        Assert.False(h.TryGetParameter("y"u8, out _));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\\\\b", "a\\b")]
    [InlineData("tab\\there", "tab\there")]
    [InlineData("\\b\\n\\r\\\"\\'", "\b\n\r\"'")]
    [InlineData("\\u00e9\\u6F22", "\u00e9\u6f22")]
    [InlineData("\\uD83D\\uDE00", "\U0001F600")]
    [InlineData("C:\\path\\x", "C:\\path\\x")]
    [InlineData("\\u12", "\\u12")]
    [InlineData("end\\", "end\\")]
    public void UnescapesRfc3862Section32(string wire, string text)
    {
        Assert.Equal(text, CpimText.Unescape(B(wire)));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("l1\nl2\r\t\b", "l1\\nl2\\r\\t\\b")]
    [InlineData("\u0001\u007F", "\\u0001\\u007F")]
    [InlineData("quote \" stays", "quote \" stays")]
    [InlineData("\u00e9\U0001F600", "\u00e9\U0001F600")]
    public void EscapesOnlyWhatMustBeEscaped(string text, string wire)
    {
        Assert.Equal(wire, CpimText.Escape(text));
        Assert.Equal(text, CpimText.Unescape(B(wire)));
    }

    [Fact]
    public void EscapesUnpairedSurrogatesAndQuotes()
    {
        Assert.Equal("\\uD800x", CpimText.Escape("\uD800x"));
        Assert.Equal("\"say \\\"hi\\\"\"", CpimText.Quote("say \"hi\""));
        Assert.True(CpimText.TryUnquote(B("\"say \\\"hi\\\"\""), out string text));
        Assert.Equal("say \"hi\"", text);
        Assert.False(CpimText.TryUnquote(B("\"open"), out _));
        Assert.False(CpimText.TryUnquote(B("\"a\" b"), out _));
    }

    [Theory]
    [InlineData("<im:a@b>", null, "im:a@b")]
    [InlineData("Alice <im:alice@example.com>", "Alice", "im:alice@example.com")]
    [InlineData("MR SANDERS <im:piglet@100akerwood.com>", "MR SANDERS", "im:piglet@100akerwood.com")]
    [InlineData("\"Winnie \\\"the\\\" Pooh\" <im:pooh@100akerwood.com>", "Winnie \"the\" Pooh", "im:pooh@100akerwood.com")]
    [InlineData("\"\" <sip:x@y>", "", "sip:x@y")]
    [InlineData("  Zo\u00eb  <tel:+15551234>  ", "Zo\u00eb", "tel:+15551234")]
    [InlineData("sip:bare@example.com", null, "sip:bare@example.com")]
    public void ParsesAddresses(string value, string? displayName, string uri)
    {
        Assert.True(CpimAddress.TryParse(value, out CpimAddress? address));
        Assert.Equal(displayName, address!.DisplayName);
        Assert.Equal(uri, address.Uri);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<>")]
    [InlineData("Bob <im:b@c> x")]
    [InlineData("Bob im:b@c>")]
    [InlineData("\"Bob\" im:b@c")]
    [InlineData("B\"ob <im:b@c>")]
    [InlineData("<im:b c>")]
    public void RejectsMalformedAddresses(string value)
    {
        Assert.False(CpimAddress.TryParse(value, out _));
    }

    [Theory]
    [InlineData("im:a@b", null, "<im:a@b>")]
    [InlineData("im:a@b", "Alice Liddell", "Alice Liddell <im:a@b>")]
    [InlineData("im:a@b", "Alice  Liddell", "\"Alice  Liddell\" <im:a@b>")]
    [InlineData("im:a@b", "O'Brien, Pat", "\"O'Brien, Pat\" <im:a@b>")]
    [InlineData("im:a@b", "Dr. Zo\u00eb", "Dr. Zo\u00eb <im:a@b>")]
    [InlineData("im:a@b", "", "\"\" <im:a@b>")]
    public void FormatsAddressesAsTokensOrQuotedString(string uri, string? displayName, string expected)
    {
        Assert.Equal(expected, new CpimAddress(uri, displayName).ToString());
    }

    [Theory]
    [InlineData("2000-12-13T13:40:00-08:00", 2000, 12, 13, 13, 40, 0, 0, -480)]
    [InlineData("2008-04-04T12:16:49Z", 2008, 4, 4, 12, 16, 49, 0, 0)]
    [InlineData("2008-04-04t12:16:49.5z", 2008, 4, 4, 12, 16, 49, 5_000_000, 0)]
    [InlineData("2008-04-04T12:16:49.123456789+05:30", 2008, 4, 4, 12, 16, 49, 1_234_567, 330)]
    public void ParsesRfc3339(string text, int y, int mo, int d, int h, int mi, int s, long ticks, int offsetMinutes)
    {
        Assert.True(CpimDateTime.TryParse(text, out DateTimeOffset value));
        var expected = new DateTimeOffset(new DateTime(y, mo, d, h, mi, s).AddTicks(ticks), TimeSpan.FromMinutes(offsetMinutes));
        Assert.True(expected.EqualsExact(value), value.ToString("o"));
    }

    [Theory]
    [InlineData("2008-04-04T12:16:49")]
    [InlineData("2008-04-04T12:16:60Z")]
    [InlineData("2008-02-30T12:16:49Z")]
    [InlineData("2008-04-04T12:16:49.Z")]
    [InlineData("2008-04-04T12:16:49+15:00")]
    [InlineData("2008-04-04T12:16:49+0500")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("08-04-04T12:16:49Z")]
    public void RejectsNonRfc3339(string text)
    {
        Assert.False(CpimDateTime.TryParse(text, out _));
    }

    [Fact]
    public void FormatsRfc3339()
    {
        Assert.Equal("2000-12-13T13:40:00-08:00", CpimDateTime.Format(new DateTimeOffset(2000, 12, 13, 13, 40, 0, TimeSpan.FromHours(-8))));
        Assert.Equal("2008-04-04T12:16:49.25Z", CpimDateTime.Format(new DateTimeOffset(2008, 4, 4, 12, 16, 49, 250, TimeSpan.Zero)));
    }

    [Fact]
    public void LimitsAreCheckedBeforeReading()
    {
        byte[] big = B("A: b\r\n\r\n\r\n" + new string('x', 100));
        Assert.Equal(CpimParseError.MessageTooLarge, CpimMessage.TryParse(big, new CpimLimits { MaxMessageSize = 50 }, out _).Error);

        byte[] longLine = B("Subject: " + new string('x', 100) + "\r\n\r\n\r\n");
        CpimParseResult line = CpimMessage.TryParse(longLine, new CpimLimits { MaxLineLength = 64 }, out _);
        Assert.Equal(new CpimParseResult(CpimParseError.LineTooLong, 0, ""), line);

        byte[] folded = B("A: b\r\n\r\nContent-Type: a;\r\n b;\r\n c;\r\n d;\r\n e\r\n\r\n");
        Assert.Equal(CpimParseError.LineTooLong, CpimMessage.TryParse(folded, new CpimLimits { MaxLineLength = 20 }, out _).Error);

        var many = new StringBuilder();
        for (int i = 0; i < 10; i++)
        {
            many.Append("X-").Append(i).Append(": v\r\n");
        }

        byte[] headers = B(many + "\r\n\r\n");
        Assert.Equal(new CpimParseResult(CpimParseError.TooManyHeaders, 64, ""), CpimMessage.TryParse(headers, new CpimLimits { MaxHeaderCount = 8 }, out _));
        Assert.True(CpimMessage.TryParse(headers, new CpimLimits { MaxHeaderCount = 10 }, out _).IsSuccess);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpimLimits { MaxHeaderCount = 0 });
    }

    [Fact]
    public void ReaderStopsAfterAnErrorAndKeepsIt()
    {
        var reader = new CpimReader(B("Bad line\r\nFrom: <im:a@b>\r\n\r\n\r\n"));
        Assert.False(reader.TryReadHeader(out _));
        CpimParseResult error = reader.Error;
        Assert.Equal(CpimParseError.InvalidLine, error.Error);
        Assert.False(reader.TryReadHeader(out _));
        Assert.Equal(error, reader.Error);
        Assert.False(reader.IsAtContent);
        Assert.True(reader.Content.IsEmpty);
    }

    [Fact]
    public void NonUtf8MessageHeaderIsRejectedButContentIsOpaque()
    {
        byte[] bad = [.. B("Subject: "), 0xC3, 0x28, .. B("\r\n\r\n\r\n")];
        Assert.Equal(CpimParseError.InvalidHeaderValue, CpimMessage.TryParse(bad, out _).Error);

        byte[] binary = [.. B("A: b\r\n\r\nContent-Type: application/octet-stream\r\n\r\n"), 0, 0xFF, 0x0D, 0x0A, 0x0D];
        Assert.True(CpimMessage.TryParse(binary, out CpimMessage? m).IsSuccess);
        Assert.Equal(new byte[] { 0, 0xFF, 0x0D, 0x0A, 0x0D }, m!.Content.ToArray());
        Assert.Equal(binary, m.ToArray());
    }

    [Fact]
    public void ReaderAllocatesNothing()
    {
        byte[] bytes = CpimCorpusTests.Read("rfc3862-s5.1-example.cpim");
        int Walk()
        {
            var reader = new CpimReader(bytes);
            int total = 0;
            while (reader.TryReadHeader(out CpimHeaderLine h))
            {
                total += h.Name.Length + h.Prefix.Length + h.LocalName.Length + h.Value.Length + (int)h.Kind;
                total += h.TryGetParameter("lang"u8, out ReadOnlySpan<byte> lang) ? lang.Length : 0;
            }

            return total + reader.Content.Length;
        }

        int expected = Walk();
        long sum = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sum += Walk();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100L * expected, sum);
        Assert.Equal(0, allocated);
    }
}
