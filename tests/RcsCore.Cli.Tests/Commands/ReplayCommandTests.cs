using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RcsCore.Hosting;
using RcsCore.Pcap;
using RcsCore.Sip.Transport;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs replay</c> summaries, replay against <c>rcs serve</c>'s server, and <c>rcs serve --capture</c>.</summary>
public class ReplayCommandTests
{
    private static readonly string SippCapture = Path.Combine(RepoPaths.Corpus, "pcaps", "sipp-uac-uas-udp-loopback.pcap");

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await Program.BuildRoot(stdout, stderr).Parse(args).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task JsonSummaryOfTheSippCapture()
    {
        var (exit, output, err) = await Run("replay", SippCapture, "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(18, root.GetProperty("packets").GetProperty("total").GetInt64());
        var sip = root.GetProperty("sip");
        Assert.Equal(18, sip.GetProperty("messages").GetInt64());
        Assert.Equal(3, sip.GetProperty("requests").GetProperty("INVITE").GetInt64());
        Assert.Equal(3, sip.GetProperty("requests").GetProperty("ACK").GetInt64());
        Assert.Equal(3, sip.GetProperty("requests").GetProperty("BYE").GetInt64());
        Assert.Equal(3, sip.GetProperty("responses").GetProperty("180").GetInt64());
        Assert.Equal(6, sip.GetProperty("responses").GetProperty("200").GetInt64());
        Assert.Equal(6, sip.GetProperty("transactions").GetInt64()); // INVITE and BYE of three calls
        Assert.Equal(3, sip.GetProperty("dialogs").GetInt64());
        Assert.Equal(3, sip.GetProperty("calls").GetInt64());
        Assert.Equal(3, sip.GetProperty("answeredCalls").GetInt64());
        Assert.Equal(0, root.GetProperty("parseErrorCount").GetInt64());
        Assert.False(root.TryGetProperty("replay", out _));
    }

    [Fact]
    public async Task TextSummaryListsParseErrorsWithPacketNumbers()
    {
        var dir = Directory.CreateTempSubdirectory("rcs-replay");
        try
        {
            var file = Path.Combine(dir.FullName, "bad.pcapng");
            using (var rec = new PcapTrafficRecorder(file))
            {
                var a = new IPEndPoint(IPAddress.Loopback, 5070);
                var b = new IPEndPoint(IPAddress.Loopback, 5080);
                rec.RecordUdp(a, b, Encoding.UTF8.GetBytes("OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"));
            }
            var (exit, output, _) = await Run("replay", file);
            Assert.Equal(0, exit);
            Assert.Contains("parse errors: 1", output, StringComparison.Ordinal);
            Assert.Contains("packet 1 Sip: ", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task NotACaptureExitsWithTwoAndSaysWhere()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "definitely not a capture", TestContext.Current.CancellationToken);
            var (exit, _, err) = await Run("replay", file);
            Assert.Equal(2, exit);
            Assert.Contains("offset 0", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ReplayAgainstTheServerReportsTheComparison()
    {
        await using var server = new SipServer(new SipServerOptions { Listen = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))] });
        await server.StartAsync(TestContext.Current.CancellationToken);
        var target = server.LocalEndPoints[0].Address;
        var (exit, output, err) = await Run("replay", SippCapture, "--json", "--target", target.ToString(), "--timeout", "1");
        Assert.True(exit is 0 or 1, err);
        using var doc = JsonDocument.Parse(output);
        var replay = doc.RootElement.GetProperty("replay");
        Assert.Equal("127.0.0.1:5070", replay.GetProperty("recordedTarget").GetString());
        Assert.Equal(9, replay.GetProperty("requestsSent").GetInt32()); // 3 × INVITE, ACK, BYE
        Assert.True(replay.GetProperty("responsesReceived").GetInt32() >= 3, output);
        Assert.Equal(6, replay.GetProperty("transactionsCompared").GetInt32());
        // rcs serve is a proxy/registrar, not SIPp's UAS: it does not answer sip:service with 180/200, and says so.
        Assert.Equal(exit == 1, replay.GetProperty("differences").GetArrayLength() > 0);
    }

    [Fact]
    public async Task ServeCaptureRecordsUdpAndTcpTrafficThatTsharkDecodes()
    {
        var dir = Directory.CreateTempSubdirectory("rcs-capture");
        try
        {
            var capture = Path.Combine(dir.FullName, "serve.pcapng");
            var options = Commands.ServeCommandAccess.BuildOptions(["udp:127.0.0.1:0", "tcp:127.0.0.1:0"], capture);
            await using (var server = new SipServer(options))
            {
                await server.StartAsync(TestContext.Current.CancellationToken);
                var udpEp = server.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp).Address;
                var tcpEp = server.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Tcp).Address;
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var local = (IPEndPoint)udp.LocalEndPoint!;
                await udp.SendToAsync(Encoding.UTF8.GetBytes(Options(local, udpEp, "UDP", "z9hG4bK-u1")), udpEp, TestContext.Current.CancellationToken);
                var buf = new byte[65536];
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(10));
                var r = await udp.ReceiveFromAsync(buf, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                Assert.StartsWith("SIP/2.0 ", Encoding.UTF8.GetString(buf, 0, r.ReceivedBytes), StringComparison.Ordinal);

                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await tcp.ConnectAsync(tcpEp, cts.Token);
                await tcp.SendAsync(Encoding.UTF8.GetBytes(Options((IPEndPoint)tcp.LocalEndPoint!, tcpEp, "TCP", "z9hG4bK-t1")), cts.Token);
                int n = await tcp.ReceiveAsync(buf, cts.Token);
                Assert.StartsWith("SIP/2.0 ", Encoding.UTF8.GetString(buf, 0, n), StringComparison.Ordinal);
            }
            var messages = PcapReplay.ReadMessages(capture).ToList();
            Assert.Equal(["OPTIONS", "OPTIONS"], messages.Where(m => m.IsRequest).Select(m => m.Label));
            Assert.Equal(2, messages.Count(m => !m.IsRequest));
            Assert.Equal([PcapTransport.Udp, PcapTransport.Udp, PcapTransport.Tcp, PcapTransport.Tcp], messages.Select(m => m.Transport));
            var tshark = TShark.SipPackets(capture);
            Assert.Equal(4, tshark.Count);
            Assert.Equal(2, tshark.Values.Count(l => l.SequenceEqual(["OPTIONS"])));
            Assert.Empty(TShark.Malformed(capture));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static string Options(IPEndPoint local, IPEndPoint server, string transport, string branch) =>
        $"OPTIONS sip:{server} SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:{local.Port};branch={branch};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:probe@127.0.0.1>;tag=p1\r\nTo: <sip:{server}>\r\nCall-ID: {branch}@probe\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
}
