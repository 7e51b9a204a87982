using System.Buffers;
using System.Text;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>Framing rules of RFC 4975 §7.1 / §9 beyond the corpus, checked on the span parser and the frame reader alike.</summary>
public class MsrpParserTests
{
    private const string Paths = "To-Path: msrp://b.example.com:8888/9di4eae923wzd;tcp\r\nFrom-Path: msrp://a.example.com:7777/iau39soe2843z;tcp\r\n";

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Send(string tid, string body, string flag = "$", string extra = "") =>
        B($"MSRP {tid} SEND\r\n{Paths}Message-ID: m1\r\n{extra}Content-Type: text/plain\r\n\r\n{body}\r\n-------{tid}{flag}\r\n");

    /// <summary>Parses with both readers (all at once, and one byte per arrival) and checks they agree.</summary>
    private static (MsrpParseResult Result, MsrpMessageInfo Info, string Body) Both(byte[] data, MsrpLimits? limits = null)
    {
        var result = MsrpMessageParser.Parse(data, limits ?? MsrpLimits.Default, out var info);
        var (_, whole) = MsrpTestDriver.ParseWhole(data, limits);
        foreach (var arrivals in new[] { Array.Empty<int>(), Enumerable.Range(1, data.Length).ToArray() })
        {
            var run = MsrpTestDriver.Drive(data, arrivals, limits);
            if (result.IsSuccess)
            {
                Assert.False(run.Failed, run.Error.Message);
                MsrpTestDriver.AssertSame(whole!, run.Messages[0], "frame reader");
            }
            else if (result.Error != MsrpParseError.Incomplete)
            {
                Assert.True(run.Failed);
                Assert.Equal(result, run.Error);
            }
        }
        string body = result.IsSuccess ? Encoding.UTF8.GetString(data, info.BodyOffset, info.BodyLength) : "";
        return (result, info, body);
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("")]
    [InlineData("line1\r\nline2")]
    [InlineData("-------abcd1234$")]          // another transaction's end-line is data
    [InlineData("\r\n-------tid12345+")]        // a longer id that starts with this one is data
    [InlineData("\r\n-------tid1234\r\n")]      // the id without a flag is data
    [InlineData("\r\n-------tid1234")]          // the body may end with the id without a flag
    [InlineData("\r\n------tid1234$\r\n")]      // six dashes are data
    [InlineData("\r\r\n\r\n-------")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    public void BodyEndsOnlyAtItsOwnEndLine(string body)
    {
        var (r, info, parsed) = Both(Send("tid1234", body));
        Assert.True(r.IsSuccess, r.Message);
        Assert.Equal(body, parsed);
        Assert.True(info.HasBody);
        Assert.Equal(MsrpContinuation.Complete, info.Continuation);
    }

    [Theory]
    [InlineData("$", MsrpContinuation.Complete)]
    [InlineData("+", MsrpContinuation.More)]
    [InlineData("#", MsrpContinuation.Aborted)]
    public void ContinuationFlags(string flag, MsrpContinuation expected)
    {
        var (r, info, _) = Both(Send("tid1234", "x", flag));
        Assert.True(r.IsSuccess, r.Message);
        Assert.Equal(expected, info.Continuation);
    }

    [Fact]
    public void EndLineWithFlagButNoCrlfIsInvalid()
    {
        // RFC 4975 §7.1: "-------tid" + flag never appears in a body, so this is a broken end-line.
        var data = B($"MSRP tid1234 SEND\r\n{Paths}Content-Type: text/plain\r\n\r\nab\r\n-------tid1234$x\r\n-------tid1234$\r\n");
        var (r, _, _) = Both(data);
        Assert.Equal(MsrpParseError.InvalidEndLine, r.Error);
        Assert.Equal(data.AsSpan().IndexOf("ab\r\n"u8) + 2, r.Offset);
    }

    [Fact]
    public void EndLineRightAfterTheBlankLineIsAnEmptyBody()
    {
        var data = B($"MSRP tid1234 SEND\r\n{Paths}Content-Type: text/plain\r\n\r\n-------tid1234$\r\n");
        var (r, info, body) = Both(data);
        Assert.True(r.IsSuccess, r.Message);
        Assert.True(info.HasBody);
        Assert.Equal("", body);
        Assert.Equal(data.Length, info.MessageLength);
    }

    [Fact]
    public void MessageWithoutBodyHasTheEndLineAfterTheHeaders()
    {
        var data = B($"MSRP tid1234 SEND\r\n{Paths}Message-ID: m1\r\nByte-Range: 1-0/0\r\n-------tid1234$\r\n");
        var (r, info, _) = Both(data);
        Assert.True(r.IsSuccess, r.Message);
        Assert.False(info.HasBody);
        Assert.Equal(new MsrpByteRange(1, 0, 0), info.ByteRange);
        Assert.Equal(data.Length, info.MessageLength);
    }

    [Theory]
    [InlineData("-------other12$\r\n")]
    [InlineData("-------tid1234\r\n")]
    [InlineData("-------tid1234$x\r\n")]
    [InlineData("-------tid1234$$\r\n")]
    public void EndLineOfAMessageWithoutBodyMustMatch(string endLine)
    {
        var (r, _, _) = Both(B($"MSRP tid1234 200 OK\r\n{Paths}{endLine}"));
        Assert.Equal(MsrpParseError.InvalidEndLine, r.Error);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n", MsrpParseError.InvalidStartLine)]
    [InlineData("msrp tid1234 SEND\r\n", MsrpParseError.InvalidStartLine)]
    [InlineData("MSRP tid1234 send\r\n", MsrpParseError.InvalidMethod)]
    [InlineData("MSRP tid1234 SE-ND\r\n", MsrpParseError.InvalidMethod)]
    [InlineData("MSRP tid1234\r\n", MsrpParseError.InvalidStartLine)]
    [InlineData("MSRP  SEND\r\n", MsrpParseError.InvalidTransactionId)]
    [InlineData("MSRP -tid SEND\r\n", MsrpParseError.InvalidTransactionId)]
    [InlineData("MSRP t_d SEND\r\n", MsrpParseError.InvalidTransactionId)]
    [InlineData("MSRP abcdefghijabcdefghijabcdefghijabc SEND\r\n", MsrpParseError.InvalidTransactionId)]
    [InlineData("MSRP tid1234 2000\r\n", MsrpParseError.InvalidStatusCode)]
    [InlineData("MSRP tid1234 200OK\r\n", MsrpParseError.InvalidStatusCode)]
    [InlineData("MSRP tid1234 200 O\u0001K\r\n", MsrpParseError.InvalidComment)]
    [InlineData("MSRP tid1234 SEND\n", MsrpParseError.InvalidLineEnding)]
    public void BadStartLines(string startLine, MsrpParseError expected)
    {
        var (r, _, _) = Both(B($"{startLine}{Paths}-------tid1234$\r\n"));
        Assert.Equal(expected, r.Error);
    }

    [Fact]
    public void GarbageIsRejectedAtOnceNotAwaited()
    {
        // The first bytes already show this is not MSRP: no need to wait for a line end.
        Assert.Equal(MsrpParseError.InvalidStartLine, MsrpMessageParser.Parse("GET"u8, out _).Error);
        Assert.Equal(MsrpParseError.Incomplete, MsrpMessageParser.Parse("MSR"u8, out _).Error);
        var reader = new MsrpFrameReader(null);
        var seq = new ReadOnlySequence<byte>("GE"u8.ToArray());
        Assert.Equal(OperationStatus.InvalidData, reader.TryRead(ref seq, out _));
    }

    [Theory]
    [InlineData("From-Path: msrp://a.example.com:7777/x;tcp\r\n", MsrpParseError.MissingToPath)]
    [InlineData("To-Path: msrp://a.example.com:7777/x;tcp\r\n", MsrpParseError.MissingFromPath)]
    [InlineData(Paths + "To-Path: msrp://c.example.com/y;tcp\r\n", MsrpParseError.DuplicateHeader)]
    [InlineData(Paths + "Byte-Range: 1-2/1\r\n", MsrpParseError.InvalidByteRange)]
    [InlineData(Paths + "Byte-Range: 0-2/5\r\n", MsrpParseError.InvalidByteRange)]
    [InlineData(Paths + "Byte-Range: 1-*\r\n", MsrpParseError.InvalidByteRange)]
    [InlineData(Paths + "Success-Report: partial\r\n", MsrpParseError.InvalidReportValue)]
    [InlineData(Paths + "Failure-Report: maybe\r\n", MsrpParseError.InvalidReportValue)]
    [InlineData(Paths + "Status: 000 20\r\n", MsrpParseError.InvalidStatus)]
    [InlineData(Paths + "Status: 0 200 OK\r\n", MsrpParseError.InvalidStatus)]
    [InlineData(Paths + "Message-ID: -abc\r\n", MsrpParseError.InvalidMessageId)]
    [InlineData(Paths + "Expires: 99999999999\r\n", MsrpParseError.InvalidExpires)]
    [InlineData(Paths + "Min-Expires: -1\r\n", MsrpParseError.InvalidExpires)]
    [InlineData(Paths + "Use-Path: http://relay.example.com\r\n", MsrpParseError.InvalidUri)]
    [InlineData("To-Path: msrp://b.example.com/x\r\nFrom-Path: msrp://a.example.com/y;tcp\r\n", MsrpParseError.InvalidUri)]
    [InlineData(Paths + "Content-Type: text\r\n", MsrpParseError.InvalidContentType)]
    [InlineData(Paths + "Authorization:\r\n", MsrpParseError.InvalidHeaderValue)]
    [InlineData(Paths + "1Bad: x\r\n", MsrpParseError.InvalidHeaderName)]
    [InlineData(Paths + "No-Colon x\r\n", MsrpParseError.MissingHeaderColon)]
    [InlineData(Paths + " Folded: x\r\n", MsrpParseError.InvalidHeaderName)]
    [InlineData(Paths + "Bare: a\rb\r\n", MsrpParseError.InvalidLineEnding)]
    [InlineData(Paths + "Ctl: a\u0001b\r\n", MsrpParseError.InvalidHeaderValue)]
    [InlineData(Paths + "Lf: a\n", MsrpParseError.InvalidLineEnding)]
    public void BadHeaders(string headers, MsrpParseError expected)
    {
        var (r, _, _) = Both(B($"MSRP tid1234 SEND\r\n{headers}-------tid1234$\r\n"));
        Assert.Equal(expected, r.Error);
    }

    [Fact]
    public void ResponsesCarryNoBodyAndRequestBodiesNeedAContentType()
    {
        Assert.Equal(MsrpParseError.ResponseWithBody, Both(B($"MSRP tid1234 200 OK\r\n{Paths}\r\nx\r\n-------tid1234$\r\n")).Result.Error);
        Assert.Equal(MsrpParseError.MissingContentType, Both(B($"MSRP tid1234 SEND\r\n{Paths}\r\nx\r\n-------tid1234$\r\n")).Result.Error);
    }

    [Fact]
    public void KnownHeadersAreMatchedCaseInsensitivelyAndUnknownOnesKeptRaw()
    {
        var data = B($"MSRP tid1234 SEND\r\nto-path: msrp://b.example.com/x;tcp\r\nFROM-PATH: msrp://a.example.com/y;tcp\r\nX-Ext: some value \r\nContent-Type: text/plain\r\n\r\nhi\r\n-------tid1234$\r\n");
        var (r, _, _) = Both(data);
        Assert.True(r.IsSuccess, r.Message);
        var reader = new MsrpReader(data);
        Assert.True(reader.ReadStartLine(out var start));
        Assert.Equal("tid1234"u8, start.TransactionId);
        Assert.Equal(MsrpMethod.Send, start.Method);
        var names = new List<MsrpHeaderName>();
        while (reader.ReadHeader(out var h))
        {
            names.Add(h.Name);
            if (h.Name == MsrpHeaderName.Unknown)
            {
                Assert.Equal("X-Ext"u8, h.RawName);
                Assert.Equal("some value"u8, h.Value);
                Assert.Equal("some value"u8, data.AsSpan(h.ValueOffset, h.Value.Length));
            }
        }
        Assert.True(reader.IsAtBody);
        Assert.Equal([MsrpHeaderName.ToPath, MsrpHeaderName.FromPath, MsrpHeaderName.Unknown, MsrpHeaderName.ContentType], names);
    }

    [Fact]
    public void EveryKnownHeaderNameRoundTrips()
    {
        foreach (var id in Enum.GetValues<MsrpHeaderName>().Where(n => n != MsrpHeaderName.Unknown))
        {
            Assert.Equal(id, MsrpHeaderNames.Lookup(MsrpHeaderNames.GetNameBytes(id)));
            Assert.Equal(id, MsrpHeaderNames.Lookup(Encoding.ASCII.GetBytes(MsrpHeaderNames.GetName(id).ToUpperInvariant())));
        }
        Assert.Equal(MsrpHeaderName.Unknown, MsrpHeaderNames.Lookup("To-Pat"u8));
        Assert.Equal(MsrpHeaderName.Unknown, MsrpHeaderNames.Lookup(""u8));
        Assert.Equal(MsrpHeaderName.Unknown, MsrpHeaderNames.Lookup(new byte[100]));
    }

    [Fact]
    public void LimitsAreErrorsNotReasonsToWait()
    {
        var small = new MsrpLimits { MaxHeaderCount = 3, MaxHeaderLineLength = 100, MaxStartLineLength = 40, MaxHeaderSectionSize = 400, MaxBodySize = 10 };
        Assert.Equal(MsrpParseError.TooManyHeaders, Both(B($"MSRP t1 SEND\r\n{Paths}A: 1\r\nB: 2\r\n-------t1$\r\n"), small).Result.Error);
        Assert.Equal(MsrpParseError.HeaderLineTooLong, Both(B($"MSRP t1 SEND\r\n{Paths}A: {new string('x', 200)}"), small).Result.Error);
        Assert.Equal(MsrpParseError.StartLineTooLong, Both(B($"MSRP t1 {new string('A', 50)}"), small).Result.Error);
        Assert.Equal(MsrpParseError.HeaderSectionTooLarge, Both(B($"MSRP t1 SEND\r\n{Paths}A: {new string('x', 90)}\r\nB: {new string('x', 90)}\r\nC: {new string('x', 90)}"), small with { MaxHeaderCount = 10 }).Result.Error);
        Assert.Equal(MsrpParseError.BodyTooLarge, Both(Send("t1", "01234567890"), small with { MaxHeaderCount = 10 }).Result.Error);
        Assert.True(Both(Send("t1", "0123456789"), small with { MaxHeaderCount = 10 }).Result.IsSuccess);
        Assert.Equal(MsrpParseError.BodyTooLarge, Both(B($"MSRP t1 SEND\r\n{Paths}Content-Type: a/b\r\n\r\n{new string('x', 100)}"), small with { MaxHeaderCount = 10 }).Result.Error);
        Assert.Equal(413, new MsrpParseResult(MsrpParseError.BodyTooLarge, 0).SuggestedStatusCode);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsrpFrameReader(new MsrpLimits { MaxTransactionIdLength = 65 }));
    }

    [Fact]
    public void SeveralMessagesInOneStream()
    {
        var a = Send("tidA1", "first");
        var b = B($"MSRP tidA1 200 OK\r\n{Paths}-------tidA1$\r\n");
        var c = Send("tidC3", "third\r\n-------tidA1$\r\n", "+");
        byte[] stream = [.. a, .. b, .. c];
        foreach (var arrivals in new[] { Array.Empty<int>(), Enumerable.Range(1, stream.Length).ToArray(), [a.Length - 3, a.Length + 5] })
        {
            var run = MsrpTestDriver.Drive(stream, arrivals);
            Assert.False(run.Failed, run.Error.Message);
            Assert.Equal(3, run.Messages.Count);
            Assert.Equal("first", Encoding.UTF8.GetString(run.Messages[0].Body.ToArray()));
            Assert.Equal(200, run.Messages[1].StatusCode);
            Assert.False(run.Messages[1].HasBody);
            Assert.Equal("third\r\n-------tidA1$\r\n", Encoding.UTF8.GetString(run.Messages[2].Body.ToArray()));
            Assert.Equal(MsrpContinuation.More, run.Messages[2].Continuation);
            Assert.Equal(stream.Length, run.Consumed);
            Assert.False(run.InMessageAtEnd);
        }
    }

    [Fact]
    public void FailedReaderStaysFailedUntilReset()
    {
        var reader = new MsrpFrameReader(null);
        var bad = new ReadOnlySequence<byte>(B("MSRP t1 send\r\n-------t1$\r\n"));
        Assert.Equal(OperationStatus.InvalidData, reader.TryRead(ref bad, out _));
        Assert.Equal(MsrpParseError.InvalidMethod, reader.Error.Error);
        var good = new ReadOnlySequence<byte>(Send("t1", "x"));
        Assert.Equal(OperationStatus.InvalidData, reader.TryRead(ref good, out _));
        reader.Reset();
        Assert.Equal(OperationStatus.Done, reader.TryRead(ref good, out var head));
        Assert.Equal(MsrpFrameKind.Head, head.Kind);
        Assert.Equal("t1"u8, reader.TransactionId);
    }

    [Fact]
    public void SequenceReaderOverloadAdvancesTheReader()
    {
        var data = Send("t1", "body");
        var frames = new MsrpFrameReader(null);
        var reader = new SequenceReader<byte>(MsrpTestDriver.Split(data, 7, 30, data.Length - 4));
        var kinds = new List<MsrpFrameKind>();
        while (frames.TryRead(ref reader, out var frame) == OperationStatus.Done)
        {
            kinds.Add(frame.Kind);
        }
        Assert.True(reader.End);
        Assert.Equal(MsrpFrameKind.Head, kinds[0]);
        Assert.Equal(MsrpFrameKind.End, kinds[^1]);
    }

    [Theory]
    [InlineData("1-25/25", 1, 25, 25)]
    [InlineData("1-*/8", 1, -1, 8)]
    [InlineData("1-*/*", 1, -1, -1)]
    [InlineData("2049-4385/4385", 2049, 4385, 4385)]
    [InlineData("1-0/0", 1, 0, 0)]
    [InlineData("5-9/*", 5, 9, -1)]
    public void ByteRanges(string text, long start, long end, long total)
    {
        Assert.True(MsrpByteRange.TryParse(B(text), out var r));
        Assert.Equal(new MsrpByteRange(start, end, total), r);
        Assert.Equal(text, r.ToString());
        Span<byte> buf = stackalloc byte[64];
        Assert.True(r.TryFormat(buf, out int n));
        Assert.Equal(text, Encoding.ASCII.GetString(buf[..n]));
        Assert.False(r.TryFormat(buf[..(n - 1)], out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1-2")]
    [InlineData("-2/3")]
    [InlineData("a-2/3")]
    [InlineData("3-1/3")]
    [InlineData("1-4/3")]
    [InlineData("1-2/")]
    [InlineData("1-**/3")]
    [InlineData("1 -2/3")]
    [InlineData("99999999999999999999-1/*")]
    public void BadByteRanges(string text) => Assert.False(MsrpByteRange.TryParse(B(text), out _));

    [Fact]
    public void StatusReportsAndExpires()
    {
        Assert.True(MsrpValueParsers.TryParseStatus("000 200 OK"u8, out int ns, out int code, out var comment));
        Assert.Equal((0, 200), (ns, code));
        Assert.Equal("OK"u8, comment);
        Assert.True(MsrpValueParsers.TryParseStatus("000 408"u8, out _, out code, out comment));
        Assert.Equal(408, code);
        Assert.True(comment.IsEmpty);
        Assert.False(MsrpValueParsers.TryParseStatus("000 408x"u8, out _, out _, out _));
        Assert.True(MsrpValueParsers.TryParseReport("Partial"u8, true, out var mode));
        Assert.Equal(MsrpReportMode.Partial, mode);
        Assert.False(MsrpValueParsers.TryParseReport("partial"u8, false, out _));
        Assert.True(MsrpValueParsers.TryParseExpires("4294967295"u8, out long s));
        Assert.Equal(uint.MaxValue, s);
        Assert.False(MsrpValueParsers.TryParseExpires("4294967296"u8, out _));
        Assert.True(MsrpValueParsers.IsIdent("a786hjs2"u8, strict: true));
        Assert.False(MsrpValueParsers.IsIdent("abc"u8, strict: true));
        Assert.True(MsrpValueParsers.IsIdent("abc"u8));
    }
}
