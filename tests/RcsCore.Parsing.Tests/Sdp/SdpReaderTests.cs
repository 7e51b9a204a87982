using System.Text;
using RcsCore.Parsing.Sdp;
using Xunit;

namespace RcsCore.Parsing.Tests.Sdp;

public class SdpReaderTests
{
    [Fact]
    public void ReadsCrlfLinesWithOffsets()
    {
        byte[] input = "v=0\r\ns=x y\r\na=path:msrp://h\r\n"u8.ToArray();
        var reader = new SdpReader(input);

        Assert.True(reader.TryReadLine(out char type, out ReadOnlySpan<byte> value, out int offset));
        Assert.Equal('v', type);
        Assert.True(value.SequenceEqual("0"u8));
        Assert.Equal(0, offset);

        Assert.True(reader.TryReadLine(out type, out value, out offset));
        Assert.Equal('s', type);
        Assert.True(value.SequenceEqual("x y"u8));
        Assert.Equal(5, offset);

        Assert.True(reader.TryReadLine(out type, out value, out offset));
        Assert.Equal('a', type);
        Assert.True(value.SequenceEqual("path:msrp://h"u8));
        Assert.Equal(12, offset);

        Assert.False(reader.TryReadLine(out _, out _, out _));
        Assert.True(reader.Error.IsSuccess);
        Assert.Equal(3, reader.LineCount);
        Assert.Equal(input.Length, reader.Position);
    }

    [Theory]
    [InlineData("v=0\no=a\ns=\n")]
    [InlineData("v=0\r\no=a\ns=\r\n")]
    [InlineData("v=0\r\no=a\r\ns=")]
    [InlineData("v=0\r\no=a\r\ns=\r\n\r\n")]
    [InlineData("v=0\no=a\ns=\n\n\n")]
    public void AcceptsBareLfMissingFinalTerminatorAndTrailingBlankLines(string text)
    {
        var reader = new SdpReader(Encoding.ASCII.GetBytes(text));
        var types = new StringBuilder();
        while (reader.TryReadLine(out char type, out _, out _))
        {
            types.Append(type);
        }

        Assert.True(reader.Error.IsSuccess, reader.Error.ToString());
        Assert.Equal("vos", types.ToString());
    }

    [Theory]
    [InlineData("v =0\r\n", 0)]
    [InlineData(" v=0\r\n", 0)]
    [InlineData("V=0\r\n", 0)]
    [InlineData("1=0\r\n", 0)]
    [InlineData("v\r\n", 0)]
    [InlineData("v=0\r\n\r\no=x\r\n", 5)]
    [InlineData("v=0\r\nab=c\r\n", 5)]
    [InlineData("v=0\r\ns=a\rb\r\n", 5)]
    [InlineData("v=0\r\ns=a\0b\r\n", 5)]
    [InlineData("v=0\r\ns=a\r", 5)]
    public void RejectsMalformedLines(string text, int offset)
    {
        var reader = new SdpReader(Encoding.ASCII.GetBytes(text));
        while (reader.TryReadLine(out _, out _, out _))
        {
        }

        Assert.Equal(SdpParseError.InvalidLine, reader.Error.Error);
        Assert.Equal(offset, reader.Error.Offset);

        // The error is sticky.
        Assert.False(reader.TryReadLine(out _, out _, out _));
        Assert.Equal(SdpParseError.InvalidLine, reader.Error.Error);
    }

    [Fact]
    public void LineLengthLimitIsCheckedWithoutScanningTheRest()
    {
        var limits = new SdpLimits { MaxLineLength = 10 };
        byte[] exact = "s=12345678\r\n"u8.ToArray();
        var ok = new SdpReader(exact, limits);
        Assert.True(ok.TryReadLine(out _, out _, out _));

        byte[] longLine = new byte[1_000_000];
        longLine.AsSpan().Fill((byte)'x');
        "s="u8.CopyTo(longLine);
        var reader = new SdpReader(longLine, limits);
        Assert.False(reader.TryReadLine(out _, out _, out _));
        Assert.Equal(SdpParseError.LineTooLong, reader.Error.Error);

        var unterminated = new SdpReader("s=123456789"u8, limits);
        Assert.False(unterminated.TryReadLine(out _, out _, out _));
        Assert.Equal(SdpParseError.LineTooLong, unterminated.Error.Error);
    }

    [Fact]
    public void LineCountLimit()
    {
        var reader = new SdpReader("a=1\r\na=2\r\na=3\r\n"u8, new SdpLimits { MaxLines = 2 });
        Assert.True(reader.TryReadLine(out _, out _, out _));
        Assert.True(reader.TryReadLine(out _, out _, out _));
        Assert.False(reader.TryReadLine(out _, out _, out int offset));
        Assert.Equal(SdpParseError.TooManyLines, reader.Error.Error);
        Assert.Equal(10, offset);
        Assert.Equal(10, reader.Error.Offset);
    }

    [Fact]
    public void LimitsAreValidatedAndLargeOnesDoNotOverflow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SdpLimits { MaxLines = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SdpLimits { MaxLineLength = 1 });

        var huge = new SdpLimits { MaxLines = int.MaxValue, MaxLineLength = int.MaxValue };
        var reader = new SdpReader("v=0\r\ns=x"u8, huge);
        Assert.True(reader.TryReadLine(out _, out _, out _));
        Assert.True(reader.TryReadLine(out _, out _, out _));
        Assert.False(reader.TryReadLine(out _, out _, out _));
        Assert.True(reader.Error.IsSuccess);
        Assert.Equal(1024, SdpLimits.Default.MaxLines);
        Assert.Equal(4096, SdpLimits.Default.MaxLineLength);
    }

    [Fact]
    public void EmptyInputYieldsNothing()
    {
        var reader = new SdpReader(ReadOnlySpan<byte>.Empty);
        Assert.False(reader.TryReadLine(out _, out _, out _));
        Assert.True(reader.Error.IsSuccess);
    }

    [Fact]
    public void ReadingAllocatesNothing()
    {
        byte[] input = SdpCorpusTests.Read("rfc5547-s9.1-offer.sdp");
        int lines = CountLines(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        lines += CountLines(input);
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.Equal(32, lines);
    }

    private static int CountLines(byte[] input)
    {
        var reader = new SdpReader(input);
        int lines = 0;
        while (reader.TryReadLine(out _, out _, out _))
        {
            lines++;
        }

        return lines;
    }
}
