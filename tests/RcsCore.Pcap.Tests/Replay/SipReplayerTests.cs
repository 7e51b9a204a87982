using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Framing;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Pcap.Tests.Replay;

public class SipReplayerTests
{
    private static readonly IPEndPoint Uac = new(IPAddress.Parse("10.9.0.1"), 5070);
    private static readonly IPEndPoint Uas = new(IPAddress.Parse("10.9.0.2"), 5080);

    private static string Request(string method, string branch, int cseq, string? toTag = null, string cseqMethod = "") =>
        $"{method} sip:bob@10.9.0.2:5080 SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.0.1:5070;branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:alice@10.9.0.1>;tag=a1\r\nTo: <sip:bob@10.9.0.2>{(toTag is null ? "" : ";tag=" + toTag)}\r\nCall-ID: replay-1\r\n" +
        $"CSeq: {cseq} {(cseqMethod.Length > 0 ? cseqMethod : method)}\r\nContact: <sip:alice@10.9.0.1:5070>\r\nContent-Length: 0\r\n\r\n";

    private static string Response(int status, string method, string branch, int cseq, string? toTag) =>
        $"SIP/2.0 {status} X\r\nVia: SIP/2.0/UDP 10.9.0.1:5070;branch={branch}\r\n" +
        $"From: <sip:alice@10.9.0.1>;tag=a1\r\nTo: <sip:bob@10.9.0.2>{(toTag is null ? "" : ";tag=" + toTag)}\r\nCall-ID: replay-1\r\n" +
        $"CSeq: {cseq} {method}\r\n{(method == "INVITE" && status == 200 ? "Contact: <sip:bob@10.9.0.2:5080>\r\n" : "")}Content-Length: 0\r\n\r\n";

    /// <summary>A recorded call: OPTIONS 200, INVITE 100/180/200, ACK, BYE 200, REGISTER 200 (the fake UAS will refuse it).</summary>
    private static List<PcapMessage> RecordedCall(bool tcp)
    {
        var ms = new MemoryStream();
        using (var rec = new PcapTrafficRecorder(ms, leaveOpen: true))
        {
            void Send(IPEndPoint from, IPEndPoint to, string text)
            {
                if (tcp)
                {
                    rec.RecordTcp(from, to, Encoding.UTF8.GetBytes(text));
                }
                else
                {
                    rec.RecordUdp(from, to, Encoding.UTF8.GetBytes(text));
                }
            }
            Send(Uac, Uas, Request("OPTIONS", "z9hG4bK-o", 1));
            Send(Uas, Uac, Response(200, "OPTIONS", "z9hG4bK-o", 1, "rec"));
            Send(Uac, Uas, Request("INVITE", "z9hG4bK-i", 2));
            Send(Uac, Uas, Request("INVITE", "z9hG4bK-i", 2)); // a retransmission: sent once
            Send(Uas, Uac, Response(100, "INVITE", "z9hG4bK-i", 2, null));
            Send(Uas, Uac, Response(180, "INVITE", "z9hG4bK-i", 2, "rec"));
            Send(Uas, Uac, Response(200, "INVITE", "z9hG4bK-i", 2, "rec"));
            Send(Uac, Uas, Request("ACK", "z9hG4bK-a", 2, "rec"));
            Send(Uac, Uas, Request("BYE", "z9hG4bK-b", 3, "rec"));
            Send(Uas, Uac, Response(200, "BYE", "z9hG4bK-b", 3, "rec"));
            Send(Uac, Uas, Request("REGISTER", "z9hG4bK-r", 4));
            Send(Uas, Uac, Response(200, "REGISTER", "z9hG4bK-r", 4, "rec"));
        }
        ms.Position = 0;
        using var reader = new PcapMessageReader(ms);
        var list = reader.ReadMessages().ToList();
        Assert.Empty(reader.Issues);
        return list;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReplayComparesResponsesAndMapsDialogTags(bool tcp)
    {
        var messages = RecordedCall(tcp);
        Assert.Equal(12, messages.Count);
        await using var uas = new FakeUas(tcp);
        var result = await SipReplayer.ReplayAsync(messages, new SipReplayOptions { Target = uas.EndPoint, ResponseTimeout = TimeSpan.FromSeconds(5) }, TestContext.Current.CancellationToken);
        Assert.Equal(Uas, result.RecordedTarget);
        Assert.Equal(5, result.RequestsSent); // OPTIONS, INVITE, ACK, BYE, REGISTER
        Assert.Equal(4, result.TransactionsCompared);
        // Only REGISTER differs: the fake UAS refuses it. BYE got 200 because the replayer used the UAS's own tag.
        var d = Assert.Single(result.Differences);
        Assert.Equal("REGISTER", d.Method);
        Assert.Equal("final status", d.What);
        Assert.Equal("200", d.Expected);
        Assert.Equal("403", d.Actual);
        Assert.Contains("BYE uas-7", uas.Seen);
        Assert.Contains("ACK uas-7", uas.Seen);
        // Every request reached the fake UAS with a Via naming the replayer's socket, so responses came back.
        Assert.All(uas.ViaHosts, h => Assert.StartsWith("127.0.0.1:", h, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASilentTargetIsReportedAsMissingResponses()
    {
        var messages = RecordedCall(false).Take(2).ToList();
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var result = await SipReplayer.ReplayAsync(messages, new SipReplayOptions { Target = (IPEndPoint)silent.LocalEndPoint!, ResponseTimeout = TimeSpan.FromMilliseconds(300) }, TestContext.Current.CancellationToken);
        var d = Assert.Single(result.Differences);
        Assert.Equal(("OPTIONS", "200", "none"), (d.Method, d.Expected, d.Actual));
    }

    [Fact]
    public async Task TimeScaledReplayKeepsTheRecordedSpacingDividedBySpeed()
    {
        var recordTime = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var ms = new MemoryStream();
        using (var rec = new PcapTrafficRecorder(ms, timeProvider: recordTime, leaveOpen: true))
        {
            rec.RecordUdp(Uac, Uas, Encoding.UTF8.GetBytes(Request("OPTIONS", "z9hG4bK-s1", 1)));
            recordTime.Advance(TimeSpan.FromSeconds(4));
            rec.RecordUdp(Uac, Uas, Encoding.UTF8.GetBytes(Request("OPTIONS", "z9hG4bK-s2", 2)));
        }
        ms.Position = 0;
        var messages = new PcapMessageReader(ms).ReadMessages().ToList();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        await using var uas = new FakeUas(false, time);
        var replay = SipReplayer.ReplayAsync(messages, new SipReplayOptions { Target = uas.EndPoint, Speed = 2, TimeProvider = time, ResponseTimeout = TimeSpan.FromSeconds(1) }, TestContext.Current.CancellationToken);
        // Drive the fake clock in 100 ms steps (bounded) until the replay is done.
        for (int i = 0; i < 2000 && !replay.IsCompleted; i++)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
            if (uas.Arrivals.Count < 2)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }
        var result = await replay;
        Assert.Equal(2, result.RequestsSent);
        Assert.Equal(2, uas.Arrivals.Count);
        var gap = uas.Arrivals[1] - uas.Arrivals[0];
        // 4 s recorded at speed 2: the second request is due 2 s (fake) after the first, never earlier.
        Assert.InRange(gap, TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2.5));
    }

    /// <summary>A minimal UAS on loopback: answers from the request's own headers; refuses REGISTER; BYE/ACK must carry its tag.</summary>
    private sealed class FakeUas : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly bool _tcp;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private readonly TimeProvider _time;

        public FakeUas(bool tcp, TimeProvider? time = null)
        {
            _tcp = tcp;
            _time = time ?? TimeProvider.System;
            _socket = new Socket(AddressFamily.InterNetwork, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            if (tcp)
            {
                _socket.Listen();
            }
            EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
            _loop = Task.Run(tcp ? AcceptLoop : UdpLoop);
        }

        public IPEndPoint EndPoint { get; }

        public List<string> Seen { get; } = [];

        public List<string> ViaHosts { get; } = [];

        public List<DateTimeOffset> Arrivals { get; } = [];

        private async Task UdpLoop()
        {
            var buf = new byte[65536];
            try
            {
                while (true)
                {
                    var r = await _socket.ReceiveFromAsync(buf, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                    if (SipMessage.TryParse(buf.AsSpan(0, r.ReceivedBytes), SipFraming.Datagram, out var m).IsSuccess && m is SipRequest req)
                    {
                        foreach (var resp in Answer(req))
                        {
                            await _socket.SendToAsync(Encoding.UTF8.GetBytes(resp), r.RemoteEndPoint, _stop.Token);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task AcceptLoop()
        {
            try
            {
                while (true)
                {
                    var c = await _socket.AcceptAsync(_stop.Token);
                    _ = Task.Run(() => Serve(c));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task Serve(Socket c)
        {
            using var conn = c;
            var framer = new SipStreamFramer();
            var pending = new ArrayBufferWriter<byte>();
            var buf = new byte[65536];
            try
            {
                while (true)
                {
                    int n = await c.ReceiveAsync(buf, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    pending.Write(buf.AsSpan(0, n));
                    var seq = new ReadOnlySequence<byte>(pending.WrittenMemory);
                    while (framer.TryRead(ref seq, out var m, out _, out _) == SipFrameStatus.Message)
                    {
                        if (m is SipRequest req)
                        {
                            foreach (var resp in Answer(req))
                            {
                                await c.SendAsync(Encoding.UTF8.GetBytes(resp), _stop.Token);
                            }
                        }
                    }
                    var rest = seq.ToArray();
                    pending.Clear();
                    pending.Write(rest);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
            }
        }

        private IEnumerable<string> Answer(SipRequest req)
        {
            lock (Seen)
            {
                Seen.Add($"{req.Method} {req.To?.Tag}");
                Arrivals.Add(_time.GetUtcNow());
                ViaHosts.Add($"{req.TopVia!.Host}:{req.TopVia.Port}");
            }
            string Resp(int status, bool tag)
            {
                var sb = new StringBuilder($"SIP/2.0 {status} R\r\n");
                foreach (var v in req.GetHeaders(SipHeaderName.Via))
                {
                    sb.Append("Via: ").Append(v).Append("\r\n");
                }
                sb.Append("From: ").Append(req.GetHeader(SipHeaderName.From)).Append("\r\n");
                sb.Append("To: ").Append(req.GetHeader(SipHeaderName.To)).Append(tag && req.To?.Tag is null ? ";tag=uas-7" : "").Append("\r\n");
                sb.Append("Call-ID: ").Append(req.CallId).Append("\r\nCSeq: ").Append(req.GetHeader(SipHeaderName.CSeq)).Append("\r\n");
                if (req.Method == "INVITE" && status == 200)
                {
                    sb.Append("Contact: <sip:uas@127.0.0.1>\r\n");
                }
                return sb.Append("Content-Length: 0\r\n\r\n").ToString();
            }
            switch (req.Method)
            {
                case "ACK":
                    yield break;
                case "INVITE":
                    yield return Resp(100, false);
                    yield return Resp(180, true);
                    yield return Resp(200, true);
                    break;
                case "REGISTER":
                    yield return Resp(403, true);
                    break;
                case "BYE":
                    yield return Resp(req.To?.Tag == "uas-7" ? 200 : 481, false);
                    break;
                default:
                    yield return Resp(200, true);
                    break;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _socket.Dispose();
            await _loop;
            _stop.Dispose();
        }
    }
}
