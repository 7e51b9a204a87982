using System.Net;
using Xunit;

namespace RcsCore.Pcap.Tests.Decoding;

public class LinkAndIpTests
{
    private static (List<PcapMessage> Messages, PcapMessageReader Reader) Read(CaptureBuilder b)
    {
        var reader = new PcapMessageReader(new MemoryStream(b.ToPcapng()));
        var list = reader.ReadMessages().ToList();
        return (list, reader);
    }

    [Theory]
    [InlineData(PcapLinkType.Ethernet, false)]
    [InlineData(PcapLinkType.Ethernet, true)]
    [InlineData(PcapLinkType.LinuxSll, false)]
    [InlineData(PcapLinkType.LinuxSll2, true)]
    [InlineData(PcapLinkType.Null, false)]
    [InlineData(PcapLinkType.Null, true)]
    [InlineData(PcapLinkType.Loop, true)]
    [InlineData(PcapLinkType.Raw, false)]
    [InlineData(PcapLinkType.Raw, true)]
    public void EveryLinkTypeAndIpVersion(PcapLinkType link, bool v6)
    {
        var (src, dst) = v6 ? (Frames.A6, Frames.B6) : (Frames.A, Frames.B);
        var b = new CaptureBuilder(link);
        b.Add(Frames.Udp(src, dst, Frames.Options(), link));
        var (messages, reader) = Read(b);
        var m = Assert.Single(messages);
        Assert.Equal(src, m.Source);
        Assert.Equal(dst, m.Destination);
        Assert.Equal("OPTIONS", m.Label);
        Assert.Empty(reader.Issues);
    }

    [Theory]
    [InlineData(PcapLinkType.Ipv4, false)]
    [InlineData(PcapLinkType.Ipv6, true)]
    public void RawIpv4AndIpv6LinkTypes(PcapLinkType link, bool v6)
    {
        var (src, dst) = v6 ? (Frames.A6, Frames.B6) : (Frames.A, Frames.B);
        var b = new CaptureBuilder(link);
        b.Add(Frames.Udp(src, dst, Frames.Options(), PcapLinkType.Raw));
        var (messages, _) = Read(b);
        Assert.Equal(src, Assert.Single(messages).Source);
    }

    [Theory]
    [InlineData((ushort)0x8100)]
    [InlineData((ushort)0x88A8, (ushort)0x8100)]
    [InlineData((ushort)0x9100, (ushort)0x8100)]
    public void VlanTagsAreSkipped(params ushort[] tpids)
    {
        var b = new CaptureBuilder();
        b.Add(Frames.WithVlans(Frames.Udp(Frames.A, Frames.B, Frames.Options()), tpids));
        var (messages, reader) = Read(b);
        Assert.Equal("OPTIONS", Assert.Single(messages).Label);
        Assert.Empty(reader.Issues);
    }

    [Fact]
    public void SipIsFoundOnAnyPortByContent()
    {
        var b = new CaptureBuilder();
        var p1 = new IPEndPoint(IPAddress.Parse("10.1.1.1"), 40000);
        var p2 = new IPEndPoint(IPAddress.Parse("10.1.1.2"), 7777);
        b.Add(Frames.Udp(p1, p2, Frames.Options()));
        b.Add(Frames.Udp(p1, p2, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        b.Add(Frames.Udp(p1, p2, new byte[] { 0, 1, 0, 8, 0x21, 0x12, 0xA4, 0x42 })); // a STUN header
        b.Add(Frames.Udp(p1, p2, "\r\n\r\n"));
        var (messages, reader) = Read(b);
        Assert.Equal(7777, Assert.Single(messages).Destination.Port);
        Assert.Equal(1, reader.Statistics.KeepAlives);
    }

    [Fact]
    public void Ipv4FragmentsOutOfOrderAreReassembled()
    {
        var body = new string('x', 3000);
        var full = Frames.Udp(Frames.A, Frames.B, Frames.Message(body, transport: "UDP"));
        var frags = Frames.FragmentV4(full, 1200);
        Assert.Equal(3, frags.Count);
        var b = new CaptureBuilder();
        b.Add(frags[2]).Add(frags[0]).Add(frags[1]);
        var (messages, reader) = Read(b);
        var m = Assert.Single(messages);
        Assert.Null(m.ParseError);
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(m.Sip!.Body.Span));
        Assert.Equal(3, m.PacketNumber);
        Assert.Equal(1, reader.Statistics.IpDatagramsReassembled);
        Assert.Empty(reader.Issues);
    }

    [Fact]
    public void Ipv6FragmentsBehindAnExtensionHeaderAreReassembled()
    {
        var body = new string('y', 2500);
        var full = Frames.Udp(Frames.A6, Frames.B6, Frames.Message(body, transport: "UDP"));
        var frags = Frames.FragmentV6(full, 1000);
        var b = new CaptureBuilder();
        b.Add(frags[1]).Add(frags[2]).Add(frags[0]);
        var (messages, reader) = Read(b);
        var m = Assert.Single(messages);
        Assert.Equal(body, System.Text.Encoding.UTF8.GetString(m.Sip!.Body.Span));
        Assert.Equal(Frames.A6, m.Source);
        Assert.Empty(reader.Issues);
    }

    [Fact]
    public void MissingFragmentsAreReportedNotGuessed()
    {
        var full = Frames.Udp(Frames.A, Frames.B, Frames.Message(new string('z', 3000), transport: "UDP"));
        var frags = Frames.FragmentV4(full, 1200);
        var b = new CaptureBuilder();
        b.Add(frags[0]).Add(frags[2]);
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options()));
        var (messages, reader) = Read(b);
        Assert.Equal("OPTIONS", Assert.Single(messages).Label);
        var issue = Assert.Single(reader.Issues);
        Assert.Equal(PcapIssueKind.FragmentsIncomplete, issue.Kind);
        Assert.Equal(1, issue.PacketNumber);
    }

    [Fact]
    public void FragmentsOutsideTheWindowAreDropped()
    {
        var full = Frames.Udp(Frames.A, Frames.B, Frames.Message(new string('z', 3000), transport: "UDP"));
        var frags = Frames.FragmentV4(full, 1200);
        var b = new CaptureBuilder();
        b.Add(frags[0]).Add(frags[1]);
        for (int i = 0; i < 200; i++)
        {
            b.Add(Frames.Udp(Frames.A, Frames.B, "noise"));
        }
        b.Add(frags[2]);
        var reader = new PcapMessageReader(new MemoryStream(b.ToPcap()), new PcapReadOptions { FragmentWindowPackets = 100 });
        Assert.Empty(reader.ReadMessages());
        Assert.Contains(reader.Issues, i => i.Kind == PcapIssueKind.FragmentsIncomplete && i.Description.Contains("within 100 packets", StringComparison.Ordinal));
    }

    [Fact]
    public void MalformedHeadersAreReportedPerPacket()
    {
        var good = Frames.Udp(Frames.A, Frames.B, Frames.Options());
        var badIhl = (byte[])good.Clone();
        badIhl[14] = 0x43; // IHL 3 words
        var b = new CaptureBuilder();
        b.Add(badIhl).Add(good[..20]).Add(good);
        var (messages, reader) = Read(b);
        Assert.Single(messages);
        Assert.Equal(2, reader.Statistics.MalformedPackets);
        Assert.Equal([1L, 2L], reader.Issues.Select(i => i.PacketNumber));
    }

    [Fact]
    public void UdpParseErrorsCarryThePacketNumber()
    {
        var b = new CaptureBuilder();
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options()));
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options().Replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE", StringComparison.Ordinal)));
        var (messages, reader) = Read(b);
        Assert.Equal(2, messages.Count);
        Assert.Null(messages[0].ParseError);
        Assert.Contains("CSeq", messages[1].ParseError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, messages[1].PacketNumber);
        Assert.Equal(1, reader.Statistics.ParseErrors);
    }
}
