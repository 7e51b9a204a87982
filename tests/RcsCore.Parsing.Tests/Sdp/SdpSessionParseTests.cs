using System.Text;
using RcsCore.Parsing.Sdp;
using Xunit;

namespace RcsCore.Parsing.Tests.Sdp;

public class SdpSessionParseTests
{
    private const string Head = "v=0\r\no=- 1 2 IN IP4 h\r\ns=-\r\n";

    [Theory]
    [InlineData("", SdpParseError.EmptyInput)]
    [InlineData("\r\n\r\n", SdpParseError.EmptyInput)]
    [InlineData("o=- 1 2 IN IP4 h\r\n", SdpParseError.MissingVersion)]
    [InlineData("v=1\r\n", SdpParseError.UnsupportedVersion)]
    [InlineData("v=00\r\n", SdpParseError.UnsupportedVersion)]
    [InlineData("v=0\r\n", SdpParseError.MissingOrigin)]
    [InlineData("v=0\r\ns=-\r\n", SdpParseError.MissingOrigin)]
    [InlineData("v=0\r\no=- 1 2 IN IP4\r\n", SdpParseError.InvalidOrigin)]
    [InlineData("v=0\r\no=- 1 2 IN IP4 h x\r\n", SdpParseError.InvalidOrigin)]
    [InlineData("v=0\r\no=-  1 2 IN IP4 h\r\n", SdpParseError.InvalidOrigin)]
    [InlineData("v=0\r\no=- x 2 IN IP4 h\r\n", SdpParseError.InvalidOrigin)]
    [InlineData("v=0\r\no= - 1 2 IN IP4 h\r\n", SdpParseError.InvalidOrigin)]
    [InlineData("v=0\r\no=- 1 2 IN IP4 h\r\n", SdpParseError.MissingSessionName)]
    [InlineData("v=0\r\no=- 1 2 IN IP4 h\r\nt=0 0\r\n", SdpParseError.MissingSessionName)]
    [InlineData(Head, SdpParseError.MissingTiming)]
    [InlineData(Head + "c=IN IP4 h\r\na=x\r\n", SdpParseError.MissingTiming)]
    [InlineData(Head + "m=message 9 TCP/MSRP *\r\nt=0 0\r\n", SdpParseError.MissingTiming)]
    [InlineData(Head + "t=0\r\n", SdpParseError.InvalidTiming)]
    [InlineData(Head + "t=0 x\r\n", SdpParseError.InvalidTiming)]
    [InlineData(Head + "t=0 99999999999999999999999\r\n", SdpParseError.InvalidTiming)]
    [InlineData(Head + "r=7d 1h 0 25h\r\nt=0 0\r\n", SdpParseError.InvalidTiming)]
    [InlineData(Head + "c=IN IP4\r\nt=0 0\r\n", SdpParseError.InvalidConnection)]
    [InlineData(Head + "c=IN IP4 h\r\nc=IN IP4 h\r\nt=0 0\r\n", SdpParseError.InvalidConnection)]
    [InlineData(Head + "b=AS\r\nt=0 0\r\n", SdpParseError.InvalidBandwidth)]
    [InlineData(Head + "b=:64\r\nt=0 0\r\n", SdpParseError.InvalidBandwidth)]
    [InlineData(Head + "b=AS:x\r\nt=0 0\r\n", SdpParseError.InvalidBandwidth)]
    [InlineData(Head + "t=0 0\r\na=\r\n", SdpParseError.InvalidAttribute)]
    [InlineData(Head + "t=0 0\r\na=:x\r\n", SdpParseError.InvalidAttribute)]
    [InlineData(Head + "t=0 0\r\na= path:x\r\n", SdpParseError.InvalidAttribute)]
    [InlineData(Head + "t=0 0\r\nm=message 9 TCP/MSRP\r\n", SdpParseError.InvalidMedia)]
    [InlineData(Head + "t=0 0\r\nm=message 9 TCP/MSRP \r\n", SdpParseError.InvalidMedia)]
    [InlineData(Head + "t=0 0\r\nm=message 65536 TCP/MSRP *\r\n", SdpParseError.InvalidMedia)]
    [InlineData(Head + "t=0 0\r\nm=message -1 TCP/MSRP *\r\n", SdpParseError.InvalidMedia)]
    [InlineData(Head + "t=0 0\r\nm=message 9/ TCP/MSRP *\r\n", SdpParseError.InvalidMedia)]
    [InlineData(Head + "t=0 0\r\nm=message  9 TCP/MSRP *\r\n", SdpParseError.InvalidMedia)]
    [InlineData(Head + "t=0 0\r\nm=message 9 TCP/MSRP *\r\nc=IN\r\n", SdpParseError.InvalidConnection)]
    [InlineData(Head + "t=0 0\r\nm=message 9 TCP/MSRP *\r\nt=0 0\r\n", SdpParseError.UnexpectedLine)]
    [InlineData(Head + "t=0 0\r\nm=message 9 TCP/MSRP *\r\ni=a\r\ni=b\r\n", SdpParseError.UnexpectedLine)]
    [InlineData(Head + "i=a\r\ni=b\r\nt=0 0\r\n", SdpParseError.UnexpectedLine)]
    [InlineData(Head + "s=again\r\nt=0 0\r\n", SdpParseError.UnexpectedLine)]
    [InlineData(Head + "t=0 0\r\nx=unknown\r\n", SdpParseError.UnknownLineType)]
    [InlineData(Head + "t=0 0\r\nm=message 9 TCP/MSRP *\r\ny=1\r\n", SdpParseError.UnknownLineType)]
    [InlineData(Head + "t=0 0\r\nA=1\r\n", SdpParseError.InvalidLine)]
    public void RejectsWithErrorCode(string text, SdpParseError expected)
    {
        SdpAssert.Fails(Encoding.UTF8.GetBytes(text), expected);
    }

    [Fact]
    public void ErrorOffsetPointsAtTheOffendingLine()
    {
        string text = Head + "t=0 0\r\nm=message 9 TCP/MSRP *\r\nb=AS\r\n";
        SdpParseResult result = SdpAssert.Fails(Encoding.UTF8.GetBytes(text), SdpParseError.InvalidBandwidth);
        Assert.Equal(text.IndexOf("b=AS", StringComparison.Ordinal), result.Offset);
        Assert.StartsWith("InvalidBandwidth at ", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void LimitsAreApplied()
    {
        byte[] sdp = SdpCorpusTests.Read("rfc5547-s9.1-offer.sdp");
        SdpParseResult lines = SdpSession.TryParse(sdp, new SdpLimits { MaxLines = 5 }, out SdpSession? session);
        Assert.Equal(SdpParseError.TooManyLines, lines.Error);
        Assert.Null(session);

        SdpParseResult length = SdpSession.TryParse(sdp, new SdpLimits { MaxLineLength = 64 }, out session);
        Assert.Equal(SdpParseError.LineTooLong, length.Error);
        Assert.Null(session);
    }

    [Fact]
    public void ParsesEveryLineType()
    {
        string text =
            "v=0\r\n" +
            "o=jdoe 3724394400 3724394405 IN IP6 2001:db8::1\r\n" +
            "s=Session \u00e9\u6f22\r\n" +
            "i=Info\r\n" +
            "u=http://www.example.com/seminars/sdp.pdf\r\n" +
            "e=j.doe@example.com (Jane Doe)\r\n" +
            "e=x@example.com\r\n" +
            "p=+1 617 555-6011\r\n" +
            "c=IN IP4 233.252.0.1/127/3\r\n" +
            "b=CT:128\r\n" +
            "t=2873397496 2873404696\r\n" +
            "r=604800 3600 0 90000\r\n" +
            "r=7d 1h 0 25h\r\n" +
            "t=0 0\r\n" +
            "z=2882844526 -1h 2898848070 0\r\n" +
            "k=prompt\r\n" +
            "a=recvonly\r\n" +
            "a=tool:x:y\r\n" +
            "a=empty:\r\n" +
            "m=audio 49170/2 RTP/AVP 0 8\r\n" +
            "i=Voice\r\n" +
            "c=IN IP4 233.252.0.1/127\r\n" +
            "c=IN IP4 233.252.0.2/127\r\n" +
            "b=AS:64\r\n" +
            "k=clear:abc\r\n" +
            "a=rtpmap:0 PCMU/8000\r\n" +
            "m=message 7777 TCP/TLS/MSRP *\r\n" +
            "a=path:msrps://h:7777/x;tcp\r\n";
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        SdpSession session = SdpAssert.Parses(bytes);

        Assert.Equal(new SdpOrigin("jdoe", "3724394400", "3724394405", "IN", "IP6", "2001:db8::1"), session.Origin);
        Assert.Equal("Session \u00e9\u6f22", session.SessionName);
        Assert.Equal("Info", session.Information);
        Assert.Equal("http://www.example.com/seminars/sdp.pdf", session.Uri);
        Assert.Equal(["j.doe@example.com (Jane Doe)", "x@example.com"], session.Emails);
        Assert.Equal(["+1 617 555-6011"], session.Phones);
        Assert.Equal(new SdpConnection("IN", "IP4", "233.252.0.1/127/3"), session.Connection);
        Assert.Equal([new SdpBandwidth("CT", 128)], session.Bandwidths);
        Assert.Equal(2, session.Timings.Count);
        Assert.Equal(2873397496UL, session.Timings[0].Start);
        Assert.Equal(2873404696UL, session.Timings[0].Stop);
        Assert.Equal(["604800 3600 0 90000", "7d 1h 0 25h"], session.Timings[0].Repeats);
        Assert.Empty(session.Timings[1].Repeats);
        Assert.Equal("2882844526 -1h 2898848070 0", session.TimeZones);
        Assert.Equal("prompt", session.Key);
        Assert.Equal([new SdpAttribute("recvonly", null), new SdpAttribute("tool", "x:y"), new SdpAttribute("empty", "")], session.Attributes);
        Assert.Equal(SdpDirection.RecvOnly, session.Direction);

        Assert.Equal(2, session.Media.Count);
        SdpMedia audio = session.Media[0];
        Assert.Equal("audio", audio.MediaType);
        Assert.Equal(49170, audio.Port);
        Assert.Equal(2, audio.PortCount);
        Assert.Equal(["0", "8"], audio.Formats);
        Assert.Equal("Voice", audio.Information);
        Assert.Equal(2, audio.Connections.Count);
        Assert.Equal([new SdpBandwidth("AS", 64)], audio.Bandwidths);
        Assert.Equal("clear:abc", audio.Key);
        Assert.False(audio.IsMsrp);

        // RFC 8866 §6.7: no media-level direction, so the session-level one applies.
        Assert.Equal(SdpDirection.RecvOnly, audio.Direction);

        SdpMedia msrp = session.Media[1];
        Assert.True(msrp.IsSecureMsrp);
        Assert.Empty(msrp.Connections);

        // This input is in canonical order, so writing reproduces it.
        Assert.Equal(text, Encoding.UTF8.GetString(session.ToArray()));
    }

    [Fact]
    public void ToleratesOptionalSessionLinesOutOfOrderAndWritesThemInRfcOrder()
    {
        string text = Head + "a=x\r\nt=0 0\r\nc=IN IP4 h\r\nb=AS:1\r\ni=late\r\n";
        SdpSession session = SdpAssert.Parses(Encoding.UTF8.GetBytes(text));
        Assert.Equal("late", session.Information);
        Assert.Equal(
            Head + "i=late\r\nc=IN IP4 h\r\nb=AS:1\r\nt=0 0\r\na=x\r\n",
            Encoding.UTF8.GetString(session.ToArray()));
    }

    [Fact]
    public void AcceptsBareLfLineEnds()
    {
        byte[] crlf = SdpCorpusTests.Read("rfc5547-s9.1-offer.sdp");
        byte[] lf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(crlf).Replace("\r\n", "\n", StringComparison.Ordinal));
        SdpAssert.Equal(SdpAssert.Parses(crlf), SdpAssert.Parses(lf));

        // Writing always uses CRLF.
        Assert.Equal(crlf, SdpAssert.Parses(lf).ToArray());
    }
}
