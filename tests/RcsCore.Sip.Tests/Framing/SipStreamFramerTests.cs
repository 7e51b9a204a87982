using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Framing;
using RcsCore.Sip.Messages;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Sip.Tests.Framing;

public class SipStreamFramerTests
{
    private static readonly byte[][] s_messages =
        new[] { "invite-rcs-chat.sip", "register-200ok.sip", "message-cpim.sip" }
        .Select(f => File.ReadAllBytes(Path.Combine(RepoPaths.BenchMessages, f))).ToArray();

    /// <summary>The three bench messages with keep-alives in between: CRLF CRLF before the first, CRLF between the others.</summary>
    private static readonly byte[] s_stream = [.. "\r\n\r\n"u8, .. s_messages[0], .. "\r\n"u8, .. s_messages[1], .. s_messages[2]];

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                previous.Next = this;
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
            }
        }
    }

    internal static ReadOnlySequence<byte> Split(byte[] data, IReadOnlyList<int> cuts)
    {
        var points = cuts.Where(c => c > 0 && c < data.Length).Distinct().Order().ToList();
        if (points.Count == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }
        Segment? first = null, last = null;
        int start = 0;
        foreach (int end in points.Append(data.Length))
        {
            // Copy each piece so segments are separate arrays, as from a socket.
            last = new Segment(data.AsSpan(start, end - start).ToArray(), last);
            first ??= last;
            start = end;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Feeds the stream as a pipe would: bytes arrive in the given chunks; each read sees everything not yet consumed.</summary>
    private static (List<byte[]> Messages, int KeepAlives) FeedInChunks(byte[] data, IReadOnlyList<int> arrivals, IReadOnlyList<int> segmentCuts)
    {
        var framer = new SipStreamFramer();
        var messages = new List<byte[]>();
        int keepAlives = 0;
        int consumed = 0;
        var marks = arrivals.Where(a => a > 0 && a < data.Length).Distinct().Order().Append(data.Length).ToList();
        foreach (int available in marks)
        {
            while (true)
            {
                var window = data[consumed..available];
                var cuts = segmentCuts.Select(c => c - consumed).ToList();
                var buffer = Split(window, cuts);
                long before = buffer.Length;
                var status = framer.TryRead(ref buffer, out var message, out var error, out int ka);
                Assert.NotEqual(SipFrameStatus.Error, status);
                keepAlives += ka;
                if (status == SipFrameStatus.NeedMoreData)
                {
                    Assert.Equal(before, buffer.Length); // nothing consumed
                    break;
                }
                consumed += (int)(before - buffer.Length);
                if (status == SipFrameStatus.Message)
                {
                    messages.Add(message!.ToArray());
                }
                _ = error;
            }
        }
        Assert.Equal(data.Length, consumed);
        return (messages, keepAlives);
    }

    [Fact]
    public void ReadsSeveralMessagesAndKeepAlivesFromOneBuffer()
    {
        var (messages, keepAlives) = FeedInChunks(s_stream, [], []);
        Assert.Equal(s_messages, messages);
        Assert.Equal(3, keepAlives);
    }

    [Fact]
    public void AnySingleSplitPointYieldsTheSameMessages()
    {
        for (int cut = 1; cut < s_stream.Length; cut++)
        {
            var (messages, _) = FeedInChunks(s_stream, [], [cut]);
            Assert.Equal(s_messages, messages);
        }
    }

    [Fact]
    public void ByteByByteArrivalYieldsTheSameMessages()
    {
        var arrivals = Enumerable.Range(1, s_stream.Length).ToList();
        var (messages, keepAlives) = FeedInChunks(s_stream, arrivals, []);
        Assert.Equal(s_messages, messages);
        Assert.Equal(3, keepAlives);
    }

    [Fact]
    public void EveryStrictPrefixNeedsMoreDataAndConsumesNothing()
    {
        var message = s_messages[0];
        for (int i = 1; i < message.Length; i++)
        {
            var buffer = new ReadOnlySequence<byte>(message.AsMemory(0, i));
            var status = new SipStreamFramer().TryRead(ref buffer, out var m, out _, out _);
            Assert.Equal(SipFrameStatus.NeedMoreData, status);
            Assert.Equal(i, buffer.Length);
            Assert.Null(m);
        }
    }

    [Fact]
    public void DoubleCrlfPingIsAKeepAlive()
    {
        var buffer = new ReadOnlySequence<byte>("\r\n\r\n"u8.ToArray());
        Assert.Equal(SipFrameStatus.KeepAlive, new SipStreamFramer().TryRead(ref buffer, out _, out _, out int count));
        Assert.Equal(2, count);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void GarbageIsAnErrorWithAReason()
    {
        var buffer = new ReadOnlySequence<byte>("HELLO WORLD\r\n\r\n"u8.ToArray());
        Assert.Equal(SipFrameStatus.Error, new SipStreamFramer().TryRead(ref buffer, out _, out var error, out _));
        Assert.Equal(SipParseError.InvalidStartLine, error.Error);
    }

    [Fact]
    public void MissingContentLengthOnAStreamIsAnError()
    {
        var buffer = new ReadOnlySequence<byte>("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"u8.ToArray());
        Assert.Equal(SipFrameStatus.Error, new SipStreamFramer().TryRead(ref buffer, out _, out var error, out _));
        Assert.Equal(SipParseError.MissingContentLength, error.Error);
    }

    [Fact]
    public void OversizedHeaderSectionIsAnErrorNotUnboundedBuffering()
    {
        var framer = new SipStreamFramer(new SipLimits { MaxMessageSize = 4096, MaxHeaderSectionSize = 2048 });
        var data = "OPTIONS sip:a@b SIP/2.0\r\n"u8.ToArray().Concat(Enumerable.Repeat((byte)'a', 5000)).ToArray();
        var buffer = new ReadOnlySequence<byte>(data);
        Assert.Equal(SipFrameStatus.Error, framer.TryRead(ref buffer, out _, out var error, out _));
        Assert.Equal(SipParseError.MessageTooLarge, error.Error);
    }

    [Fact]
    public void LargeBodyArrivingInPiecesIsFramedExactly()
    {
        var body = new byte[40_000];
        new Random(7).NextBytes(body);
        var b = new SipRequestBuilder("MESSAGE", SipUri.Parse("sip:bob@127.0.0.1"));
        b.AddHeader(SipHeaderName.Via, "SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK1").AddHeader(SipHeaderName.CSeq, "1 MESSAGE").SetBody(body, "application/octet-stream");
        var bytes = ((SipRequestBuilder)b).Build().ToArray();
        var arrivals = Enumerable.Range(1, bytes.Length / 997).Select(i => i * 997).ToList();
        var (messages, _) = FeedInChunks(bytes, arrivals, arrivals.Select(a => a / 2).ToList());
        Assert.True(Assert.Single(messages).AsSpan().SequenceEqual(bytes));
    }

    public static Arbitrary<int[]> Cuts() => Gen.ArrayOf(Gen.Choose(1, s_stream.Length - 1)).ToArbitrary();

    [Property(MaxTest = 300, Arbitrary = [typeof(SipStreamFramerTests)])]
    public void AnySegmentationAndArrivalOrderYieldsTheSameMessages(int[] segmentCuts, int[] arrivals)
    {
        var (messages, keepAlives) = FeedInChunks(s_stream, arrivals, segmentCuts);
        Assert.Equal(s_messages, messages);
        Assert.Equal(3, keepAlives);
    }
}
