using System.Net;
using System.Text;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Pcap.Tests.Writing;

/// <summary>The pcapng writer and recorder: our reader and tshark both decode what they write, with nothing malformed.</summary>
public sealed class PcapWriterTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rcs-pcap-writer");

    public void Dispose() => _dir.Delete(true);

    private static readonly IPEndPoint A4 = new(IPAddress.Loopback, 5070);
    private static readonly IPEndPoint B4 = new(IPAddress.Loopback, 5080);
    private static readonly IPEndPoint A6 = new(IPAddress.IPv6Loopback, 5070);
    private static readonly IPEndPoint B6 = new(IPAddress.IPv6Loopback, 5080);

    public static TheoryData<PcapLinkType, bool> LinkTypes() => new()
    {
        { PcapLinkType.Ethernet, false }, { PcapLinkType.Ethernet, true }, { PcapLinkType.Raw, false }, { PcapLinkType.Raw, true },
        { PcapLinkType.Null, false }, { PcapLinkType.Loop, true }, { PcapLinkType.LinuxSll, false }, { PcapLinkType.LinuxSll2, true },
    };

    [Theory]
    [MemberData(nameof(LinkTypes))]
    public void RecordedUdpAndTcpDecodeInTsharkAndBack(PcapLinkType link, bool v6)
    {
        var (a, b) = v6 ? (A6, B6) : (A4, B4);
        var file = Path.Combine(_dir.FullName, $"rec-{link}-{v6}.pcapng");
        var big = Frames.Message(new string('b', 70_000 - 600), "big@x"); // spans several TCP segments
        using (var rec = new PcapTrafficRecorder(file, link))
        {
            rec.RecordUdp(a, b, Encoding.UTF8.GetBytes(Frames.Options()));
            rec.RecordUdp(b, a, Encoding.UTF8.GetBytes(Frames.Ok()));
            rec.RecordTcp(a, b, Encoding.UTF8.GetBytes(Frames.Message("hello", "t1@x")));
            rec.RecordTcp(b, a, Encoding.UTF8.GetBytes(Frames.Ok("z9hG4bK-mt1", "t1@x", "MESSAGE")));
            rec.RecordTcp(a, b, Encoding.UTF8.GetBytes(big));
        }
        var messages = PcapReplay.ReadMessages(file, new PcapReadOptions { SipLimits = RcsCore.Parsing.Sip.SipLimits.Default with { MaxMessageSize = 128 * 1024 } }).ToList();
        Assert.Equal(["OPTIONS", "200", "MESSAGE", "200", "MESSAGE"], messages.Select(m => m.Label));
        Assert.All(messages, m => Assert.Null(m.ParseError));
        Assert.Equal(a, messages[0].Source);
        Assert.Equal(big, Encoding.UTF8.GetString(messages[4].Data.Span));

        var tshark = TShark.SipPackets(file);
        Assert.Equal(5, tshark.Count);
        Assert.Equal(["OPTIONS", "200", "MESSAGE", "200", "MESSAGE"], tshark.Values.Select(l => string.Join(',', l)));
        Assert.Empty(TShark.Malformed(file));
        // tshark checks nothing it is not asked to: have it verify our IP/UDP/TCP checksums too.
        var bad = TShark.Run("-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-Y", "ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\"", "-T", "fields", "-e", "frame.number");
        Assert.Empty(bad);
    }

    [Fact]
    public void MsrpChatIsFoundByTsharkAndByUsThroughTheSdp()
    {
        var file = Path.Combine(_dir.FullName, "msrp.pcapng");
        var alice = new IPEndPoint(IPAddress.Loopback, 5070);
        var bob = new IPEndPoint(IPAddress.Loopback, 5080);
        var aliceMsrp = new IPEndPoint(IPAddress.Loopback, 40001);
        var bobMsrp = new IPEndPoint(IPAddress.Loopback, 7654);
        string Sdp(int port, string id) => $"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=message {port} TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://127.0.0.1:{port}/{id};tcp\r\n";
        string invite = $"INVITE sip:bob@127.0.0.1:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-c1\r\nMax-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: chat@x\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\nContent-Length: {Sdp(40001, "a1").Length}\r\n\r\n{Sdp(40001, "a1")}";
        string ok = $"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-c1\r\nFrom: <sip:alice@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>;tag=b\r\nCall-ID: chat@x\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:5080>\r\nContent-Type: application/sdp\r\nContent-Length: {Sdp(7654, "b1").Length}\r\n\r\n{Sdp(7654, "b1")}";
        string send = "MSRP t1abc SEND\r\nTo-Path: msrp://127.0.0.1:7654/b1;tcp\r\nFrom-Path: msrp://127.0.0.1:40001/a1;tcp\r\nMessage-ID: m1\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------t1abc$\r\n";
        string resp = "MSRP t1abc 200 OK\r\nTo-Path: msrp://127.0.0.1:40001/a1;tcp\r\nFrom-Path: msrp://127.0.0.1:7654/b1;tcp\r\n-------t1abc$\r\n";
        using (var rec = new PcapTrafficRecorder(file))
        {
            rec.RecordUdp(alice, bob, Encoding.UTF8.GetBytes(invite));
            rec.RecordUdp(bob, alice, Encoding.UTF8.GetBytes(ok));
            rec.RecordTcp(aliceMsrp, bobMsrp, Encoding.UTF8.GetBytes(send));
            rec.RecordTcp(bobMsrp, aliceMsrp, Encoding.UTF8.GetBytes(resp));
        }
        var messages = PcapReplay.ReadMessages(file).ToList();
        Assert.Equal(["INVITE", "200", "MSRP SEND", "MSRP 200"], messages.Select(m => m.Label));
        Assert.All(messages.Skip(2), m => Assert.Equal("chat@x", m.MsrpDialogCallId));
        var dialogs = PcapReplay.ReadDialogs(file);
        Assert.Equal(4, Assert.Single(dialogs).Messages.Count);
        // tshark sets up the MSRP conversation from the same SDP and decodes both messages.
        var msrp = TShark.Run("-r", file, "-Y", "msrp", "-T", "fields", "-e", "msrp.method", "-e", "msrp.status.code");
        Assert.Equal(["SEND", "200"], msrp.Select(l => l.Trim()));
        Assert.Empty(TShark.Malformed(file));
    }

    [Fact]
    public void WriterOutputStartsWithASectionHeaderAndDeclaresTheInterface()
    {
        var ms = new MemoryStream();
        using (var w = new PcapngWriter(ms, leaveOpen: true))
        {
            Assert.Equal(0, w.AddInterface(PcapLinkType.Raw, 65535, "lo"));
            w.WritePacket(0, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567), Frames.Udp(A4, B4, Frames.Options(), PcapLinkType.Raw));
            Assert.Throws<ArgumentOutOfRangeException>(() => w.WritePacket(1, DateTimeOffset.UtcNow, [1, 2, 3]));
        }
        var bytes = ms.ToArray();
        Assert.Equal(0x0A0D0D0Au, BitConverter.ToUInt32(bytes, 0));
        ms.Position = 0;
        using var reader = new PcapMessageReader(ms);
        var m = Assert.Single(reader.ReadMessages());
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567), m.Timestamp);
    }
}
