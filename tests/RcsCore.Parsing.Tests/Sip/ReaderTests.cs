using System.Text;
using RcsCore.Parsing.Sip;
using Xunit;

namespace RcsCore.Parsing.Tests.Sip;

public class ReaderTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private const string Invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n" +
        "Content-Type: text/plain\r\n" +
        "Content-Length: 5\r\n" +
        "\r\n" +
        "hello";

    [Fact]
    public void ReadsStartLineHeadersAndBody()
    {
        var bytes = B(Invite);
        var reader = new SipReader(bytes);
        Assert.True(reader.ReadStartLine(out var sl));
        Assert.Equal(SipStartLineKind.Request, sl.Kind);
        Assert.True(sl.Method.SequenceEqual("INVITE"u8));
        Assert.True(sl.RequestUri.SequenceEqual("sip:bob@biloxi.example.com"u8));
        var names = new List<SipHeaderName>();
        while (reader.ReadHeader(out var h))
        {
            names.Add(h.Name);
        }
        Assert.True(reader.IsAtBody);
        Assert.Equal(SipParseError.None, reader.Error.Error);
        Assert.Equal(9, names.Count);
        Assert.Equal(SipHeaderName.Via, names[0]);
        Assert.Equal(SipHeaderName.ContentLength, names[^1]);
        Assert.True(reader.RemainingBytes.SequenceEqual("hello"u8));
    }

    [Fact]
    public void UnfoldsAndTrimsHeaderValues()
    {
        var bytes = B("OPTIONS sip:a@b SIP/2.0\r\nSubject :  first\r\n  second \r\nX-Y:\r\n\r\n");
        var reader = new SipReader(bytes);
        Assert.True(reader.ReadStartLine(out _));
        Assert.True(reader.ReadHeader(out var h));
        Assert.Equal(SipHeaderName.Subject, h.Name);
        Assert.Equal("first\r\n  second", Encoding.ASCII.GetString(h.Value));
        Assert.True(reader.ReadHeader(out var empty));
        Assert.True(empty.Value.IsEmpty);
        Assert.False(reader.ReadHeader(out _));
        Assert.True(reader.IsAtBody);
    }

    [Theory]
    [InlineData("v", SipHeaderName.Via)]
    [InlineData("V", SipHeaderName.Via)]
    [InlineData("i", SipHeaderName.CallId)]
    [InlineData("m", SipHeaderName.Contact)]
    [InlineData("l", SipHeaderName.ContentLength)]
    [InlineData("c", SipHeaderName.ContentType)]
    [InlineData("f", SipHeaderName.From)]
    [InlineData("t", SipHeaderName.To)]
    [InlineData("k", SipHeaderName.Supported)]
    [InlineData("a", SipHeaderName.AcceptContact)]
    [InlineData("CALL-id", SipHeaderName.CallId)]
    [InlineData("p-asserted-identity", SipHeaderName.PAssertedIdentity)]
    [InlineData("Contribution-ID", SipHeaderName.ContributionId)]
    [InlineData("C%6Fntact", SipHeaderName.Unknown)]
    [InlineData("X-Custom", SipHeaderName.Unknown)]
    public void LooksUpHeaderNames(string name, SipHeaderName expected)
    {
        Assert.Equal(expected, SipHeaderNames.Lookup(Encoding.ASCII.GetBytes(name)));
        Assert.Equal(expected, SipHeaderNames.Lookup(name));
    }

    [Fact]
    public void CanonicalNamesRoundTrip()
    {
        foreach (SipHeaderName id in Enum.GetValues<SipHeaderName>())
        {
            if (id == SipHeaderName.Unknown)
            {
                continue;
            }
            Assert.Equal(id, SipHeaderNames.Lookup(SipHeaderNames.GetName(id)));
        }
    }

    [Theory]
    [InlineData("SIP/2.0 200 OK\r\n\r\n", 200, "OK")]
    [InlineData("SIP/2.0 180 \r\n\r\n", 180, "")]
    [InlineData("SIP/2.0 486\r\n\r\n", 486, "")]
    [InlineData("sip/2.0 603 Decline now\r\n\r\n", 603, "Decline now")]
    public void ReadsStatusLines(string text, int code, string reason)
    {
        var reader = new SipReader(B(text));
        Assert.True(reader.ReadStartLine(out var sl));
        Assert.Equal(SipStartLineKind.Response, sl.Kind);
        Assert.Equal(code, sl.StatusCode);
        Assert.Equal(reason, Encoding.UTF8.GetString(sl.ReasonPhrase));
    }

    [Theory]
    [InlineData("SIP/2.0 99 Low\r\n\r\n", SipParseError.InvalidStatusCode)]
    [InlineData("SIP/2.0 700 High\r\n\r\n", SipParseError.InvalidStatusCode)]
    [InlineData("SIP/2.0 20 OK\r\n\r\n", SipParseError.InvalidStatusCode)]
    [InlineData("SIP/3.0 200 OK\r\n\r\n", SipParseError.UnsupportedVersion)]
    [InlineData("SIP/2.0 200 O\u0001K\r\n\r\n", SipParseError.InvalidReasonPhrase)]
    [InlineData("INVITE sip:a@b SIP/2.0 \r\n\r\n", SipParseError.InvalidVersion)]
    [InlineData("INVITE  sip:a@b SIP/2.0\r\n\r\n", SipParseError.InvalidRequestUri)]
    [InlineData("INVITE sip:a@b\r\n\r\n", SipParseError.InvalidStartLine)]
    [InlineData("INV@TE sip:a@b SIP/2.0\r\n\r\n", SipParseError.InvalidMethod)]
    [InlineData("INVITE <sip:a@b> SIP/2.0\r\n\r\n", SipParseError.InvalidRequestUri)]
    [InlineData("INVITE sip:a@b HTTP/1.1\r\n\r\n", SipParseError.InvalidVersion)]
    [InlineData("INVITE sip:a@b SIP/2.0\rX: y\r\n\r\n", SipParseError.InvalidLineEnding)]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nNoColon\r\n\r\n", SipParseError.MissingHeaderColon)]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", SipParseError.InvalidHeaderName)]
    [InlineData("INVITE sip:a@b SIP/2.0\r\n folded: x\r\n\r\n", SipParseError.InvalidHeaderName)]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n", SipParseError.InvalidLineEnding)]
    [InlineData("INVITE sip:a@b SIP/2.0\r\nX: y\r\n", SipParseError.MissingEndOfHeaders)]
    public void RejectsMalformedLines(string text, SipParseError expected)
    {
        var reader = new SipReader(B(text));
        bool ok = reader.ReadStartLine(out _);
        while (ok && reader.ReadHeader(out _))
        {
        }
        Assert.False(reader.IsAtBody);
        Assert.Equal(expected, reader.Error.Error);
    }

    [Fact]
    public void SkipsAndCountsLeadingCrlf()
    {
        var reader = new SipReader(B("\r\n\r\n\nOPTIONS sip:a@b SIP/2.0\r\n\r\n"));
        Assert.True(reader.ReadStartLine(out var sl));
        Assert.Equal(3, reader.LeadingCrlfCount);
        Assert.Equal(5, sl.LineOffset);
    }

    [Fact]
    public void AcceptsBareLineFeeds()
    {
        var result = SipMessageParser.Parse(B("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"), SipFraming.Stream, out var info);
        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(3, info.HeaderCount);
    }

    [Fact]
    public void EnforcesHeaderCountLimit()
    {
        var sb = new StringBuilder("OPTIONS sip:a@b SIP/2.0\r\n");
        for (int i = 0; i < 20; i++)
        {
            sb.Append("X-H: ").Append(i).Append("\r\n");
        }
        sb.Append("\r\n");
        var limits = new SipLimits { MaxHeaderCount = 10 };
        var result = SipMessageParser.Parse(B(sb.ToString()), SipFraming.Datagram, limits, out _);
        Assert.Equal(SipParseError.TooManyHeaders, result.Error);
    }

    [Fact]
    public void EnforcesHeaderLineLimitEvenAcrossFolds()
    {
        var sb = new StringBuilder("OPTIONS sip:a@b SIP/2.0\r\nSubject: x");
        for (int i = 0; i < 100; i++)
        {
            sb.Append("\r\n ").Append(new string('y', 50));
        }
        sb.Append("\r\n\r\n");
        var limits = new SipLimits { MaxHeaderLineLength = 1024 };
        var result = SipMessageParser.Parse(B(sb.ToString()), SipFraming.Datagram, limits, out _);
        Assert.Equal(SipParseError.HeaderLineTooLong, result.Error);
    }

    [Fact]
    public void EnforcesMessageSizeLimits()
    {
        var big = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 100000\r\n\r\n" + new string('x', 100000);
        Assert.Equal(SipParseError.MessageTooLarge, SipMessageParser.Parse(B(big), SipFraming.Datagram, out _).Error);
        Assert.Equal(SipParseError.MessageTooLarge, SipMessageParser.Parse(B(big), SipFraming.Stream, out _).Error);
        // A stream that never ends its header section is cut off at the header limit, not buffered forever.
        var endless = "OPTIONS sip:a@b SIP/2.0\r\n" + string.Concat(Enumerable.Repeat("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 1000));
        Assert.Equal(SipParseError.MessageTooLarge, SipMessageParser.Parse(B(endless), SipFraming.Stream, out _).Error);
    }

    [Fact]
    public void StreamFramingNeedsContentLengthAndWaitsForBody()
    {
        var noCl = B("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n");
        Assert.Equal(SipParseError.MissingContentLength, SipMessageParser.Parse(noCl, SipFraming.Stream, out _).Error);
        Assert.True(SipMessageParser.Parse(noCl, SipFraming.Datagram, out var d).IsSuccess);
        Assert.Equal(0, d.BodyLength);

        var partial = B(Invite[..^2]);
        Assert.Equal(SipParseError.Incomplete, SipMessageParser.Parse(partial, SipFraming.Stream, out _).Error);
        Assert.Equal(SipParseError.ContentLengthExceedsBody, SipMessageParser.Parse(partial, SipFraming.Datagram, out _).Error);
    }

    [Fact]
    public void DatagramIgnoresTrailingBytesAfterContentLength()
    {
        var bytes = B(Invite + "GARBAGE");
        var result = SipMessageParser.Parse(bytes, SipFraming.Datagram, out var info);
        Assert.True(result.IsSuccess);
        Assert.Equal(5, info.BodyLength);
        Assert.Equal(7, info.TrailingBytes);
    }

    [Fact]
    public void ErrorMessageSaysWhatAndWhere()
    {
        var bytes = B("OPTIONS sip:a@b SIP/2.0\r\nMax-Forwards: 256\r\n\r\n");
        var result = SipMessageParser.Parse(bytes, SipFraming.Datagram, out _);
        Assert.Equal(SipParseError.InvalidMaxForwards, result.Error);
        Assert.Equal(39, result.Offset);
        Assert.Contains("Max-Forwards", result.Message, StringComparison.Ordinal);
        Assert.Contains("byte 39", result.Message, StringComparison.Ordinal);
        Assert.Equal("invalid-max-forwards", SipParseErrors.Code(result.Error));
    }

    [Fact]
    public void ErrorCodesAreStable()
    {
        // Codes are printed by rcs parse and stored in corpora: renumbering breaks users.
        Assert.Equal(7, (int)SipParseError.InvalidRequestUri);
        Assert.Equal(23, (int)SipParseError.CSeqMethodMismatch);
        Assert.Equal(33, (int)SipParseError.InvalidMultipart);
        foreach (SipParseError e in Enum.GetValues<SipParseError>())
        {
            Assert.NotEqual("unknown", SipParseErrors.Code(e));
        }
    }
}
