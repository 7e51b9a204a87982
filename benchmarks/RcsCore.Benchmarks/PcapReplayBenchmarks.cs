using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using RcsCore.Pcap;

namespace RcsCore.Benchmarks;

/// <summary>
/// <c>rcs replay</c> summary mode over a large synthetic capture (written with <see cref="PcapTrafficRecorder"/> in
/// setup): 200,000 packets, SIP calls over UDP and TCP (INVITE with SDP, 180, 200, ACK, BYE, 200) mixed with RTP-like
/// UDP noise. Times are per packet (OperationsPerInvoke); packets/s = 1e9 / Mean, MB/s = file size / packets × packets/s.
/// <see cref="FileReadFloor"/> is the cost of reading the file's bytes at all.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class PcapReplayBenchmarks
{
    private const int Packets = 200_000;

    private string _file = null!;
    private long _packetsWritten;

    /// <summary>Size of the capture file, printed in setup for the MB/s figure.</summary>
    public long FileBytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _file = Path.Combine(Path.GetTempPath(), "rcscore-bench-200k.pcapng");
        var a = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060);
        var b = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5060);
        var rtpA = new IPEndPoint(IPAddress.Parse("10.0.0.1"), 30000);
        var rtpB = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 40000);
        var rtp = new byte[172];
        using (var rec = new PcapTrafficRecorder(_file))
        {
            int call = 0;
            while (rec.PacketCount < Packets)
            {
                bool tcp = call % 4 == 3;
                var ca = tcp ? new IPEndPoint(a.Address, 41000 + call % 1000) : a;
                var cb = tcp ? new IPEndPoint(b.Address, 5060) : b;
                foreach (var (fromA, text) in Call(call, tcp ? "TCP" : "UDP"))
                {
                    var bytes = Encoding.ASCII.GetBytes(text);
                    var (src, dst) = fromA ? (ca, cb) : (cb, ca);
                    if (tcp)
                    {
                        rec.RecordTcp(src, dst, bytes);
                    }
                    else
                    {
                        rec.RecordUdp(src, dst, bytes);
                    }
                }
                for (int i = 0; i < 8; i++)
                {
                    rec.RecordUdp(i % 2 == 0 ? rtpA : rtpB, i % 2 == 0 ? rtpB : rtpA, rtp);
                }
                call++;
            }
            _packetsWritten = rec.PacketCount;
        }
        FileBytes = new FileInfo(_file).Length;
        Console.WriteLine($"// capture: {_packetsWritten} packets, {FileBytes} bytes ({FileBytes / 1e6:F1} MB)");
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_file);

    [Benchmark(Baseline = true, OperationsPerInvoke = Packets)]
    public long FileReadFloor()
    {
        using var fs = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += n;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public long SummaryMode()
    {
        var summary = new PcapSummary();
        using var reader = new PcapMessageReader(_file);
        foreach (var m in reader.ReadMessages())
        {
            summary.Add(m);
        }
        return summary.SipMessages + reader.Statistics.Packets;
    }

    private static IEnumerable<(bool FromA, string Text)> Call(int n, string transport)
    {
        string callId = $"bench-{n}@10.0.0.1";
        string sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        string Common(string branch, int cseq, string method, string? toTag) =>
            $"Via: SIP/2.0/{transport} 10.0.0.1:5060;branch=z9hG4bK-{branch}-{n}\r\nFrom: \"Alice\" <sip:alice@example.com>;tag=a{n}\r\n" +
            $"To: <sip:bob@example.com>{(toTag is null ? "" : ";tag=" + toTag)}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {method}\r\n";
        yield return (true, $"INVITE sip:bob@example.com SIP/2.0\r\n{Common("i", 1, "INVITE", null)}Max-Forwards: 70\r\nContact: <sip:alice@10.0.0.1:5060>\r\nContent-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
        yield return (false, $"SIP/2.0 180 Ringing\r\n{Common("i", 1, "INVITE", "b" + n)}Content-Length: 0\r\n\r\n");
        yield return (false, $"SIP/2.0 200 OK\r\n{Common("i", 1, "INVITE", "b" + n)}Contact: <sip:bob@10.0.0.2:5060>\r\nContent-Type: application/sdp\r\nContent-Length: {sdp.Length}\r\n\r\n{sdp}");
        yield return (true, $"ACK sip:bob@10.0.0.2:5060 SIP/2.0\r\n{Common("a", 1, "ACK", "b" + n)}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        yield return (true, $"BYE sip:bob@10.0.0.2:5060 SIP/2.0\r\n{Common("b", 2, "BYE", "b" + n)}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        yield return (false, $"SIP/2.0 200 OK\r\n{Common("b", 2, "BYE", "b" + n)}Content-Length: 0\r\n\r\n");
    }
}
