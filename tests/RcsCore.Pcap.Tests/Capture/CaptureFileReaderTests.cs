using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Pcap.Tests.Capture;

public class CaptureFileReaderTests
{
    private static CaptureBuilder TwoMessages(PcapLinkType link = PcapLinkType.Ethernet, byte res = 6)
    {
        var b = new CaptureBuilder(link, res);
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options(), link));
        b.Add(Frames.Udp(Frames.B, Frames.A, Frames.Ok(), link));
        return b;
    }

    private static (List<PcapMessage> Messages, PcapMessageReader Reader) Read(byte[] file, PcapReadOptions? options = null)
    {
        var reader = new PcapMessageReader(new MemoryStream(file), options);
        var list = reader.ReadMessages().ToList();
        reader.Dispose();
        return (list, reader);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ClassicPcapInBothByteOrdersAndResolutions(bool bigEndian, bool nanos)
    {
        var b = TwoMessages();
        var (messages, reader) = Read(b.ToPcap(bigEndian, nanos));
        Assert.Equal(2, messages.Count);
        Assert.Equal("OPTIONS", messages[0].Label);
        Assert.Equal("200", messages[1].Label);
        Assert.Equal(1, messages[0].PacketNumber);
        Assert.Equal(2, messages[1].PacketNumber);
        // µs files keep microseconds, ns files keep the 100 ns ticks exactly.
        long expected = b.Packets[1].Ticks;
        long actual = messages[1].Timestamp.UtcTicks - DateTime.UnixEpoch.Ticks;
        Assert.Equal(nanos ? expected : expected / 10 * 10, actual);
        Assert.Equal(Frames.A, messages[0].Source);
        Assert.Equal(Frames.B, messages[0].Destination);
        Assert.Equal(2, reader.Statistics.Packets);
        Assert.Empty(reader.Issues);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PcapngWithTwoInterfacesTwoSectionsAndSimplePackets(bool bigEndian)
    {
        var b = new CaptureBuilder(PcapLinkType.Ethernet, 9);
        b.Interfaces.Add((PcapLinkType.Raw, 0x80 | 20)); // 2^-20 s units
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options("z9hG4bK-e1")), 0);
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options("z9hG4bK-r1"), PcapLinkType.Raw), 1);
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options("z9hG4bK-s1")), 0, simple: true);
        b.Add(Frames.Udp(Frames.B, Frames.A, Frames.Ok("z9hG4bK-r1"), PcapLinkType.Raw), 1);
        var (messages, reader) = Read(b.ToPcapng(bigEndian, sectionBreakBefore: 3, unknownBlock: true));
        Assert.Empty(reader.Issues);
        Assert.Equal(["z9hG4bK-e1", "z9hG4bK-r1", "z9hG4bK-s1", "z9hG4bK-r1"], messages.Select(m => m.Sip!.TopVia!.Branch));
        Assert.Equal(b.Packets[0].Ticks, messages[0].Timestamp.UtcTicks - DateTime.UnixEpoch.Ticks);
        // 2^-20 s resolution is within one unit (~0.95 µs) of the original.
        Assert.InRange(messages[1].Timestamp.UtcTicks - DateTime.UnixEpoch.Ticks - b.Packets[1].Ticks, -10, 0);
        Assert.Equal(4, reader.Statistics.Packets);
    }

    [Fact]
    public void NotACaptureIsAClearError()
    {
        var ex = Assert.Throws<InvalidDataException>(() => new PcapMessageReader(new MemoryStream("hello world, not a capture"u8.ToArray())).ReadMessages());
        Assert.Contains("offset 0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedTailIsReportedWithItsOffsetAndEarlierPacketsRead(bool pcapng)
    {
        var b = TwoMessages();
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options("z9hG4bK-3")));
        var full = pcapng ? b.ToPcapng() : b.ToPcap();
        var cut = full[..(full.Length - 30)];
        var (messages, reader) = Read(cut);
        Assert.Equal(2, messages.Count);
        var issue = Assert.Single(reader.Issues);
        Assert.Equal(PcapIssueKind.TruncatedFile, issue.Kind);
        long lastRecord = full.Length - (pcapng ? 12 + 20 + ((b.Packets[2].Frame.Length + 3) & ~3) : 16 + b.Packets[2].Frame.Length);
        Assert.Equal(lastRecord, issue.FileOffset);
        Assert.Equal(3, issue.PacketNumber);
    }

    [Fact]
    public void CorruptPcapRecordIsSkippedAndReadingResumes()
    {
        var b = new CaptureBuilder();
        for (int i = 0; i < 4; i++)
        {
            b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options($"z9hG4bK-{i}")));
        }
        var file = b.ToPcap();
        // Corrupt the captured length of the second record (after the 24-byte header and the first record).
        int second = 24 + 16 + b.Packets[0].Frame.Length;
        BitConverter.GetBytes(0x7FFFFFF0u).CopyTo(file, second + 8);
        var (messages, reader) = Read(file);
        Assert.Equal(["z9hG4bK-0", "z9hG4bK-2", "z9hG4bK-3"], messages.Select(m => m.Sip!.TopVia!.Branch));
        Assert.Contains(reader.Issues, i => i.Kind == PcapIssueKind.CorruptRecord && i.FileOffset == second);
        Assert.Contains(reader.Issues, i => i.Kind == PcapIssueKind.CorruptRecord && i.Description.Contains("resynchronised", StringComparison.Ordinal));
    }

    [Fact]
    public void CorruptPcapngBlockIsSkippedAndReadingResumes()
    {
        var b = new CaptureBuilder();
        for (int i = 0; i < 4; i++)
        {
            b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options($"z9hG4bK-{i}")));
        }
        var file = b.ToPcapng();
        int shbLen = BitConverter.ToInt32(file, 4);
        int idbLen = BitConverter.ToInt32(file, shbLen + 4);
        int first = shbLen + idbLen;
        int second = first + BitConverter.ToInt32(file, first + 4);
        file[second + 4] ^= 0x40; // the second EPB's leading length no longer matches its trailer
        var (messages, reader) = Read(file);
        Assert.Equal(["z9hG4bK-0", "z9hG4bK-2", "z9hG4bK-3"], messages.Select(m => m.Sip!.TopVia!.Branch));
        Assert.Contains(reader.Issues, i => i.Kind == PcapIssueKind.CorruptRecord && i.FileOffset == second);
    }

    [Fact]
    public void NonSeekableStreamsAreRead()
    {
        var file = TwoMessages().ToPcapng();
        using var reader = new PcapMessageReader(new ForwardOnlyStream(file));
        Assert.Equal(2, reader.ReadMessages().Count());
        Assert.Equal(-1, reader.Length);
    }

    [Fact]
    public void PacketWithUnknownInterfaceIsReported()
    {
        var b = TwoMessages();
        b.Packets[1] = (3, b.Packets[1].Ticks, b.Packets[1].Frame, false);
        var (messages, reader) = Read(b.ToPcapng());
        Assert.Single(messages);
        Assert.Equal(PcapIssueKind.UnknownInterface, Assert.Single(reader.Issues).Kind);
    }

    [Fact]
    public void MessagesParseIntoTheStackModel()
    {
        var (messages, _) = Read(TwoMessages().ToPcap());
        var request = Assert.IsType<SipRequest>(messages[0].Sip);
        Assert.Equal("call-1@test", request.CallId);
        Assert.Equal(PcapTransport.Udp, messages[0].Transport);
        Assert.Equal(PcapProtocol.Sip, messages[0].Protocol);
        Assert.True(messages[0].Data.Span.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(Frames.Options())));
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _pos;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, 7), data.Length - _pos); // dribble to exercise refills
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
