using System.Net;
using System.Text;
using RcsCore.Pcap.Writing;
using Xunit;

namespace RcsCore.Pcap.Tests.Decoding;

public class TcpReassemblyTests
{
    private const uint Isn = 1000;

    private static (List<PcapMessage> Messages, PcapMessageReader Reader) Read(CaptureBuilder b, PcapReadOptions? options = null)
    {
        var reader = new PcapMessageReader(new MemoryStream(b.ToPcapng()), options);
        var list = reader.ReadMessages().ToList();
        return (list, reader);
    }

    /// <summary>Cuts <paramref name="text"/> into segments at the given offsets, returning (seq, part).</summary>
    private static List<(uint Seq, string Part)> Cut(string text, uint seq, params int[] at)
    {
        var list = new List<(uint, string)>();
        int prev = 0;
        foreach (int a in at.Append(text.Length))
        {
            list.Add((seq + (uint)Encoding.UTF8.GetByteCount(text[..prev]), text[prev..a]));
            prev = a;
        }
        return list;
    }

    private static CaptureBuilder Handshake(IPEndPoint c, IPEndPoint s)
    {
        var b = new CaptureBuilder();
        b.Add(Frames.Tcp(c, s, Isn - 1, "", TcpFlags.Syn));
        b.Add(Frames.Tcp(s, c, 9000, "", TcpFlags.Syn | TcpFlags.Ack));
        return b;
    }

    [Fact]
    public void OutOfOrderSegmentsAndRetransmissionsGiveEachMessageOnce()
    {
        var m1 = Frames.Message("hello over tcp", "c1@x");
        var m2 = Frames.Message("second", "c2@x");
        var stream = m1 + m2;
        var segs = Cut(stream, Isn, 40, 100, m1.Length + 10);
        var b = Handshake(Frames.A, Frames.B);
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[0].Seq, segs[0].Part)); // 3
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[2].Seq, segs[2].Part)); // 4: out of order
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[0].Seq, segs[0].Part)); // 5: retransmission
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[1].Seq, segs[1].Part)); // 6: fills the hole -> m1 complete
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[3].Seq, segs[3].Part)); // 7: m2 complete
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[3].Seq, segs[3].Part)); // 8: retransmission
        var (messages, reader) = Read(b);
        Assert.Equal(["c1@x", "c2@x"], messages.Select(m => m.Sip!.CallId));
        Assert.Equal(6, messages[0].PacketNumber);
        Assert.Equal(3, messages[0].FirstPacketNumber);
        Assert.Equal(7, messages[1].PacketNumber);
        Assert.Equal(4, messages[1].FirstPacketNumber);
        Assert.All(messages, m => Assert.Equal(PcapTransport.Tcp, m.Transport));
        Assert.Equal(1, messages[0].ConnectionId);
        Assert.True(reader.Statistics.TcpRetransmissions >= 2);
        Assert.Empty(reader.Issues);
    }

    [Fact]
    public void SeveralMessagesInOneSegmentWithKeepAlives()
    {
        var stream = "\r\n\r\n" + Frames.Message("a", "k1@x") + "\r\n\r\n" + Frames.Message("b", "k2@x");
        var b = Handshake(Frames.A, Frames.B);
        b.Add(Frames.Tcp(Frames.A, Frames.B, Isn, stream));
        var (messages, reader) = Read(b);
        Assert.True(2 == messages.Count, string.Join("\n", messages) + string.Join("\n", reader.Issues));
        Assert.All(messages, m => Assert.Equal(3, m.PacketNumber));
        Assert.Equal(2, reader.Statistics.KeepAlives);
    }

    [Fact]
    public void AGapIsReportedAndTheStreamResumesAtTheNextMessage()
    {
        var m1 = Frames.Message("first message body", "g1@x");
        var m2 = Frames.Message("second message body", "g2@x");
        var m3 = Frames.Message("third", "g3@x");
        var stream = m1 + m2 + m3;
        // Lose the middle of m1; keep its end, and m2, m3 whole.
        var segs = Cut(stream, Isn, 50, 120, m1.Length, m1.Length + m2.Length);
        var b = Handshake(Frames.A, Frames.B);
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[0].Seq, segs[0].Part));
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[2].Seq, segs[2].Part));
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[3].Seq, segs[3].Part));
        b.Add(Frames.Tcp(Frames.A, Frames.B, segs[4].Seq, segs[4].Part, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin));
        var (messages, reader) = Read(b);
        Assert.True(messages.All(m => m.Sip is not null), string.Join("\n", messages) + string.Join("\n", reader.Issues));
        // At FIN the hole is final: m1 is lost (never guessed), m2 and m3 are read.
        Assert.Equal(["g2@x", "g3@x"], messages.Select(m => m.Sip!.CallId));
        var gap = Assert.Single(reader.Issues, i => i.Kind == PcapIssueKind.TcpGap);
        Assert.Contains("70 bytes never captured", gap.Description, StringComparison.Ordinal);
        Assert.Contains(reader.Issues, i => i.Kind == PcapIssueKind.StreamResync);
        Assert.Equal(1, reader.Statistics.TcpGaps);
        Assert.Equal(70, reader.Statistics.TcpGapBytes);
    }

    [Fact]
    public void AGapIsDeclaredWhenTheOutOfOrderWindowFills()
    {
        var b = Handshake(Frames.A, Frames.B);
        var m = Frames.Message("x", "w@x");
        uint seq = Isn + 500; // the first 500 bytes never arrive
        for (int i = 0; i < 5; i++)
        {
            b.Add(Frames.Tcp(Frames.A, Frames.B, seq, m));
            seq += (uint)m.Length;
        }
        var (messages, reader) = Read(b, new PcapReadOptions { MaxTcpOutOfOrderSegments = 2 });
        Assert.Equal(5, messages.Count);
        Assert.Equal(3 + 2, messages[0].PacketNumber); // the third buffered segment overflowed the window
        Assert.Equal(PcapIssueKind.TcpGap, reader.Issues[0].Kind);
    }

    [Fact]
    public void ACaptureStartingMidStreamSkipsToTheFirstStartLine()
    {
        var m1 = Frames.Message("partial", "p1@x");
        var m2 = Frames.Message("whole", "p2@x");
        var b = new CaptureBuilder();
        b.Add(Frames.Tcp(Frames.A, Frames.B, 777, m1[30..] + m2));
        var (messages, reader) = Read(b);
        Assert.True(messages.All(m => m.Sip is not null), string.Join("\n", messages) + string.Join("\n", reader.Issues));
        Assert.Equal("p2@x", Assert.Single(messages).Sip!.CallId);
        Assert.Equal(PcapIssueKind.StreamResync, Assert.Single(reader.Issues).Kind);
    }

    [Fact]
    public void NonSipTcpIsIgnoredWithoutErrors()
    {
        var b = Handshake(Frames.A, new IPEndPoint(Frames.B.Address, 80));
        b.Add(Frames.Tcp(Frames.A, new IPEndPoint(Frames.B.Address, 80), Isn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        var (messages, reader) = Read(b);
        Assert.Empty(messages);
        Assert.Empty(reader.Issues);
    }

    [Fact]
    public void ABadMessageIsAParseErrorAndTheNextOneIsStillRead()
    {
        var bad = Frames.Message("oops", "bad@x").Replace("CSeq: 1 MESSAGE", "CSeq: x MESSAGE", StringComparison.Ordinal);
        var good = Frames.Message("fine", "good@x");
        var b = Handshake(Frames.A, Frames.B);
        b.Add(Frames.Tcp(Frames.A, Frames.B, Isn, bad + good));
        var (messages, reader) = Read(b);
        Assert.True(2 == messages.Count && messages[1].Sip is not null, string.Join("\n", messages) + string.Join("\n", reader.Issues));
        Assert.NotNull(messages[0].ParseError);
        Assert.Equal("good@x", messages[1].Sip!.CallId);
        Assert.Equal(1, reader.Statistics.ParseErrors);
    }

    [Fact]
    public void AnUnfinishedMessageAtTheEndIsReported()
    {
        var b = Handshake(Frames.A, Frames.B);
        b.Add(Frames.Tcp(Frames.A, Frames.B, Isn, Frames.Message("cut", "u@x")[..60]));
        var (messages, reader) = Read(b);
        Assert.Empty(messages);
        Assert.Equal(PcapIssueKind.IncompleteMessage, Assert.Single(reader.Issues).Kind);
    }

    [Fact]
    public void MsrpIsFramedAndAssociatedWithTheDialogThatAnnouncedIt()
    {
        var msrpServer = new IPEndPoint(Frames.B.Address, 7654);
        var msrpClient = new IPEndPoint(Frames.A.Address, 40001);
        string sdp = "v=0\r\no=bob 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n" +
                     "m=message 7654 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://10.0.0.2:7654/s111;tcp\r\n";
        string ok = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-inv\r\nFrom: <sip:alice@10.0.0.1>;tag=a1\r\n" +
                    "To: <sip:bob@10.0.0.2>;tag=b1\r\nCall-ID: chat-1@x\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@10.0.0.2:5080>\r\n" +
                    $"Content-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}";
        string send = "MSRP a786hjs2 SEND\r\nTo-Path: msrp://10.0.0.2:7654/s111;tcp\r\nFrom-Path: msrp://10.0.0.1:40001/s222;tcp\r\n" +
                      "Message-ID: 87652491\r\nByte-Range: 1-25/25\r\nContent-Type: text/plain\r\n\r\nHey Bob, are you there?\r\n-------a786hjs2$\r\n";
        string resp = "MSRP a786hjs2 200 OK\r\nTo-Path: msrp://10.0.0.1:40001/s222;tcp\r\nFrom-Path: msrp://10.0.0.2:7654/s111;tcp\r\n-------a786hjs2$\r\n";
        var b = new CaptureBuilder();
        b.Add(Frames.Udp(Frames.B, Frames.A, ok));
        b.Add(Frames.Tcp(msrpClient, msrpServer, Isn - 1, "", TcpFlags.Syn));
        b.Add(Frames.Tcp(msrpServer, msrpClient, 5000, "", TcpFlags.Syn | TcpFlags.Ack));
        b.Add(Frames.Tcp(msrpClient, msrpServer, Isn, send[..70]));
        b.Add(Frames.Tcp(msrpClient, msrpServer, Isn + 70, send[70..]));
        b.Add(Frames.Tcp(msrpServer, msrpClient, 5001, resp));
        var (messages, reader) = Read(b);
        Assert.Empty(reader.Issues);
        Assert.Equal(["200", "MSRP SEND", "MSRP 200"], messages.Select(m => m.Label));
        var sendMsg = messages[1];
        Assert.Equal(PcapProtocol.Msrp, sendMsg.Protocol);
        Assert.Equal("a786hjs2", sendMsg.MsrpTransactionId);
        Assert.True(sendMsg.IsRequest);
        Assert.Equal(send, Encoding.UTF8.GetString(sendMsg.Data.Span));
        Assert.Equal(4, sendMsg.FirstPacketNumber);
        Assert.Equal(5, sendMsg.PacketNumber);
        Assert.Equal("chat-1@x", sendMsg.MsrpDialogCallId);
        Assert.Equal("chat-1@x", messages[2].MsrpDialogCallId);
        Assert.Equal(2, reader.Statistics.MsrpMessages);
        Assert.Equal(1, reader.Statistics.MsrpStreams + reader.Statistics.SipStreams - 1);
    }

    [Fact]
    public void MsrpEndLineMustMatchTheTransactionId()
    {
        // "-------a786" inside the body is not the end-line of transaction a786hjs2.
        string send = "MSRP a786hjs2 SEND\r\nTo-Path: msrp://10.0.0.2:7654/s;tcp\r\nFrom-Path: msrp://10.0.0.1:1/t;tcp\r\nMessage-ID: 1\r\n" +
                      "Content-Type: text/plain\r\n\r\nx\r\n-------a786 not the end\r\n-------a786hjs2x\r\n-------a786hjs2+\r\n";
        var b = new CaptureBuilder();
        b.Add(Frames.Tcp(Frames.A, Frames.B, Isn, send));
        var (messages, _) = Read(b);
        Assert.Equal(send, Encoding.UTF8.GetString(Assert.Single(messages).Data.Span));
    }
}
