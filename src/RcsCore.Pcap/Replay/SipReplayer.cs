using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Framing;
using RcsCore.Sip.Messages;

namespace RcsCore.Pcap;

/// <summary>Settings of <see cref="SipReplayer.ReplayAsync"/>.</summary>
public sealed class SipReplayOptions
{
    /// <summary>Where to send the requests (the endpoint under test).</summary>
    public required IPEndPoint Target { get; init; }

    /// <summary>
    /// The endpoint of the capture whose role the target takes: requests sent to it are replayed and its responses
    /// are the expected ones. Null: the destination of the capture's first SIP request.
    /// </summary>
    public IPEndPoint? RecordedTarget { get; init; }

    /// <summary>Send over this transport instead of the recorded one.</summary>
    public PcapTransport? Transport { get; init; }

    /// <summary>0 (default): as fast as the target answers; 1: the recorded pace; 2: twice as fast, and so on.</summary>
    public double Speed { get; init; }

    /// <summary>How long to wait for a final response before moving on.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Most requests replayed (a bound on the run).</summary>
    public int MaxRequests { get; init; } = 100_000;

    /// <summary>The clock for pacing and timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>One way the target's answer differed from the recorded one.</summary>
/// <param name="PacketNumber">The packet of the replayed request in the capture.</param>
/// <param name="Method">The request method.</param>
/// <param name="CallId">The request's Call-ID.</param>
/// <param name="What">What differs: "final status", "provisional statuses", a header name, "response" (none expected or none received).</param>
/// <param name="Expected">The recorded value.</param>
/// <param name="Actual">The target's value.</param>
public sealed record SipReplayDifference(long PacketNumber, string Method, string CallId, string What, string Expected, string Actual)
{
    /// <inheritdoc />
    public override string ToString() => $"#{PacketNumber} {Method} {CallId}: {What}: expected {Expected}, got {Actual}";
}

/// <summary>What a replay found.</summary>
public sealed class SipReplayResult
{
    internal SipReplayResult(int sent, int received, int compared, IReadOnlyList<SipReplayDifference> differences, IPEndPoint recordedTarget)
    {
        RequestsSent = sent;
        ResponsesReceived = received;
        TransactionsCompared = compared;
        Differences = differences;
        RecordedTarget = recordedTarget;
    }

    /// <summary>Requests sent to the target (retransmissions in the capture are sent once).</summary>
    public int RequestsSent { get; }

    /// <summary>Responses the target sent (retransmissions included).</summary>
    public int ResponsesReceived { get; }

    /// <summary>Transactions whose responses were compared.</summary>
    public int TransactionsCompared { get; }

    /// <summary>The differences; empty when the target answered as recorded.</summary>
    public IReadOnlyList<SipReplayDifference> Differences { get; }

    /// <summary>The capture endpoint whose role the target played.</summary>
    public IPEndPoint RecordedTarget { get; }

    /// <summary>True when there are no differences.</summary>
    public bool Matches => Differences.Count == 0;
}

/// <summary>
/// Replays a capture's SIP requests to an endpoint over loopback UDP/TCP and compares the responses with the
/// recorded ones (RFC 3261 §17.1.3 matching by branch and CSeq method): final status, provisional statuses, and the
/// key headers of the final response (To tag, Contact, Content-Type presence, CSeq, Call-ID). The top Via is
/// rewritten to the replayer's own address (with rport, RFC 3581) so responses come back to it, and To tags the
/// target chose replace the recorded ones in later in-dialog requests (ACK, BYE...).
/// </summary>
public static class SipReplayer
{
    /// <summary>Replays the SIP requests of <paramref name="messages"/> sent to the recorded target.</summary>
    public static async Task<SipReplayResult> ReplayAsync(IEnumerable<PcapMessage> messages, SipReplayOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        var all = messages.Where(m => m.Sip is not null).ToList();
        var recordedTarget = options.RecordedTarget ?? all.FirstOrDefault(m => m.Sip!.IsRequest)?.Destination
            ?? throw new InvalidOperationException("The capture holds no SIP request to replay.");
        await using var session = new ReplaySession(options, recordedTarget);
        return await session.RunAsync(all, ct).ConfigureAwait(false);
    }

    private sealed class Transaction
    {
        public required PcapMessage Request { get; init; }
        public List<int> ExpectedStatuses { get; } = [];
        public SipResponse? ExpectedFinal { get; set; }
        public List<int> ActualStatuses { get; } = [];
        public SipResponse? ActualFinal { get; set; }
    }

    private sealed class ReplaySession : IAsyncDisposable
    {
        private readonly SipReplayOptions _options;
        private readonly IPEndPoint _recordedTarget;
        private readonly Channel<SipResponse> _responses = Channel.CreateUnbounded<SipResponse>();
        private readonly Dictionary<string, Transaction> _transactions = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _tagMap = new(StringComparer.Ordinal);
        private readonly Dictionary<long, TcpLink> _tcp = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _loops = [];
        private Socket? _udp;
        private int _received;

        public ReplaySession(SipReplayOptions options, IPEndPoint recordedTarget)
        {
            _options = options;
            _recordedTarget = recordedTarget;
        }

        private sealed record TcpLink(Socket Socket, IPEndPoint Local);

        public async Task<SipReplayResult> RunAsync(List<PcapMessage> all, CancellationToken ct)
        {
            // Expected responses: what the recorded target answered, per transaction.
            foreach (var m in all)
            {
                if (m.Sip is SipRequest r && Same(m.Destination, _recordedTarget) && r.Method != "ACK" && !_transactions.ContainsKey(Key(r)))
                {
                    _transactions[Key(r)] = new Transaction { Request = m };
                }
            }
            foreach (var m in all)
            {
                if (m.Sip is SipResponse resp && Same(m.Source, _recordedTarget) && _transactions.TryGetValue(Key(resp), out var t))
                {
                    if (!t.ExpectedStatuses.Contains(resp.StatusCode))
                    {
                        t.ExpectedStatuses.Add(resp.StatusCode);
                    }
                    if (resp.StatusCode >= 200)
                    {
                        t.ExpectedFinal ??= resp;
                    }
                }
            }

            var time = _options.TimeProvider;
            long start = time.GetTimestamp();
            DateTimeOffset? firstTs = null;
            var sentKeys = new HashSet<string>(StringComparer.Ordinal);
            int sent = 0;
            foreach (var m in all)
            {
                if (m.Sip is not SipRequest request || !Same(m.Destination, _recordedTarget) || sent >= _options.MaxRequests)
                {
                    continue;
                }
                if (!sentKeys.Add(Key(request) + "|" + request.Method))
                {
                    continue; // a retransmission in the capture: the replayer's own send stands for it
                }
                firstTs ??= m.Timestamp;
                if (_options.Speed > 0)
                {
                    var due = TimeSpan.FromTicks((long)((m.Timestamp - firstTs.Value).Ticks / _options.Speed));
                    var wait = due - time.GetElapsedTime(start);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, ct).ConfigureAwait(false);
                    }
                }
                await SendAsync(m, request, ct).ConfigureAwait(false);
                sent++;
                if (request.Method != "ACK" && _transactions.TryGetValue(Key(request), out var t))
                {
                    await WaitFinalAsync(t, ct).ConfigureAwait(false);
                }
            }
            Drain();
            var differences = new List<SipReplayDifference>();
            int compared = 0;
            foreach (var t in _transactions.Values)
            {
                if (!sentKeys.Contains(Key((SipRequest)t.Request.Sip!) + "|" + ((SipRequest)t.Request.Sip!).Method))
                {
                    continue;
                }
                compared++;
                Compare(t, differences);
            }
            return new SipReplayResult(sent, _received, compared, differences, _recordedTarget);
        }

        private static bool Same(IPEndPoint a, IPEndPoint b) => a.Port == b.Port && a.Address.Equals(b.Address);

        /// <summary>RFC 3261 §17.1.3: branch + CSeq method (ACK to a non-2xx shares the INVITE's transaction).</summary>
        private static string Key(SipMessage m)
        {
            var method = m.CSeq?.Method ?? "";
            if (method == "ACK")
            {
                method = "INVITE";
            }
            return (m.TopVia?.Branch ?? m.CallId + ":" + m.CSeq?.Number) + "|" + method;
        }

        private async Task WaitFinalAsync(Transaction t, CancellationToken ct)
        {
            using var timeout = new CancellationTokenSource(_options.ResponseTimeout, _options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            try
            {
                while (t.ActualFinal is null)
                {
                    var r = await _responses.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                    Record(r);
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // No final response in time: compared as missing.
            }
        }

        private void Drain()
        {
            while (_responses.Reader.TryRead(out var r))
            {
                Record(r);
            }
        }

        private void Record(SipResponse r)
        {
            if (!_transactions.TryGetValue(Key(r), out var t))
            {
                return;
            }
            if (!t.ActualStatuses.Contains(r.StatusCode))
            {
                t.ActualStatuses.Add(r.StatusCode);
            }
            if (r.StatusCode >= 200 && t.ActualFinal is null)
            {
                t.ActualFinal = r;
            }
            // Learn the target's To tag for the recorded one so later in-dialog requests reach its dialog.
            if (r.StatusCode >= 200 && r.To?.Tag is { } actualTag && t.ExpectedFinal?.To?.Tag is { } recordedTag)
            {
                _tagMap[recordedTag] = actualTag;
            }
        }

        private static void Compare(Transaction t, List<SipReplayDifference> diffs)
        {
            var req = (SipRequest)t.Request.Sip!;
            void Add(string what, string expected, string actual) =>
                diffs.Add(new SipReplayDifference(t.Request.PacketNumber, req.Method, req.CallId ?? "", what, expected, actual));

            var expectedFinal = t.ExpectedFinal?.StatusCode;
            var actualFinal = t.ActualFinal?.StatusCode;
            if (expectedFinal is null && actualFinal is null)
            {
                if (t.ExpectedStatuses.Count != 0 || t.ActualStatuses.Count == 0)
                {
                    return;
                }
            }
            if (expectedFinal != actualFinal)
            {
                Add("final status", expectedFinal?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
                    actualFinal?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
                return;
            }
            var ep = string.Join(',', t.ExpectedStatuses.Where(s => s < 200 && s != 100));
            var ap = string.Join(',', t.ActualStatuses.Where(s => s < 200 && s != 100));
            if (ep != ap)
            {
                // 100 Trying is hop-by-hop and optional (RFC 3261 §8.2.6.1), so it is not compared.
                Add("provisional statuses", ep.Length == 0 ? "none" : ep, ap.Length == 0 ? "none" : ap);
            }
            if (t.ExpectedFinal is { } e && t.ActualFinal is { } a)
            {
                CompareHeader("To tag", e.To?.Tag is not null, a.To?.Tag is not null, Add);
                CompareHeader("Contact", e.CountHeaders(SipHeaderName.Contact) > 0, a.CountHeaders(SipHeaderName.Contact) > 0, Add);
                CompareHeader("Content-Type", e.ContentType is not null, a.ContentType is not null, Add);
                if (e.ContentType is { } ect && a.ContentType is { } act && !MediaType(ect).Equals(MediaType(act), StringComparison.OrdinalIgnoreCase))
                {
                    Add("Content-Type", MediaType(ect), MediaType(act));
                }
                if (e.CSeq?.Method != a.CSeq?.Method || e.CSeq?.Number != a.CSeq?.Number)
                {
                    Add("CSeq", $"{e.CSeq?.Number} {e.CSeq?.Method}", $"{a.CSeq?.Number} {a.CSeq?.Method}");
                }
                if (e.CallId != a.CallId)
                {
                    Add("Call-ID", e.CallId ?? "", a.CallId ?? "");
                }
            }
        }

        private static string MediaType(string contentType)
        {
            int semi = contentType.IndexOf(';', StringComparison.Ordinal);
            return (semi < 0 ? contentType : contentType[..semi]).Trim();
        }

        private static void CompareHeader(string name, bool expected, bool actual, Action<string, string, string> add)
        {
            if (expected != actual)
            {
                add(name, expected ? "present" : "absent", actual ? "present" : "absent");
            }
        }

        private async Task SendAsync(PcapMessage m, SipRequest request, CancellationToken ct)
        {
            var transport = _options.Transport ?? m.Transport;
            if (transport == PcapTransport.Udp)
            {
                var udp = EnsureUdp();
                var bytes = Rewrite(request, "UDP", (IPEndPoint)udp.LocalEndPoint!);
                await udp.SendToAsync(bytes, SocketFlags.None, _options.Target, ct).ConfigureAwait(false);
                return;
            }
            var link = await EnsureTcpAsync(m.ConnectionId, ct).ConfigureAwait(false);
            var data = Rewrite(request, "TCP", link.Local);
            await link.Socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
        }

        /// <summary>Rewrites the top Via sent-by (RFC 3261 §18.1.1, RFC 3581 rport) and maps To tags; the body is untouched.</summary>
        private byte[] Rewrite(SipRequest request, string transport, IPEndPoint local)
        {
            var data = request.Data.Span;
            var edits = new List<(int Offset, int Length, string Text)>();
            int via = request.IndexOf(SipHeaderName.Via, 0);
            if (via >= 0 && request.TopVia is { } top)
            {
                var raw = request.GetRawValue(via);
                data.Overlaps(raw, out int offset);
                // Only the first via-parm of the line is replaced; any further ones after a comma stay.
                int comma = raw.IndexOf((byte)',');
                int length = comma < 0 ? raw.Length : comma;
                var parameters = top.Parameters.Where(p => !p.Key.Equals("rport", StringComparison.OrdinalIgnoreCase) && !p.Key.Equals("received", StringComparison.OrdinalIgnoreCase))
                    .Append(new KeyValuePair<string, string?>("rport", null));
                var host = local.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{local.Address}]" : local.Address.ToString();
                edits.Add((offset, length, new SipViaHeader(transport, host, local.Port, parameters).ToString()));
            }
            int to = request.IndexOf(SipHeaderName.To, 0);
            if (to >= 0 && request.To?.Tag is { } tag && _tagMap.TryGetValue(tag, out var actual))
            {
                var raw = request.GetRawValue(to);
                data.Overlaps(raw, out int offset);
                var needle = Encoding.UTF8.GetBytes("tag=" + tag);
                int at = raw.LastIndexOf(needle);
                if (at >= 0)
                {
                    edits.Add((offset + at, needle.Length, "tag=" + actual));
                }
            }
            edits.Sort((a, b) => a.Offset.CompareTo(b.Offset));
            var output = new ArrayBufferWriter<byte>(data.Length + 64);
            int pos = 0;
            foreach (var (offset, length, text) in edits)
            {
                output.Write(data[pos..offset]);
                output.Write(Encoding.UTF8.GetBytes(text));
                pos = offset + length;
            }
            output.Write(data[pos..]);
            return output.WrittenSpan.ToArray();
        }

        private Socket EnsureUdp()
        {
            if (_udp is not null)
            {
                return _udp;
            }
            var s = new Socket(_options.Target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(_options.Target.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            _udp = s;
            _loops.Add(Task.Run(() => UdpLoopAsync(s), CancellationToken.None));
            return s;
        }

        private async Task UdpLoopAsync(Socket s)
        {
            var buffer = new byte[65536];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var r = await s.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(s.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), _stop.Token).ConfigureAwait(false);
                    var copy = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                    if (SipMessage.TryParse(copy, SipFraming.Datagram, out var message).IsSuccess && message is SipResponse resp)
                    {
                        Interlocked.Increment(ref _received);
                        _responses.Writer.TryWrite(resp);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private async Task<TcpLink> EnsureTcpAsync(long connectionId, CancellationToken ct)
        {
            if (_tcp.TryGetValue(connectionId, out var link))
            {
                return link;
            }
            var s = new Socket(_options.Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await s.ConnectAsync(_options.Target, ct).ConfigureAwait(false);
            }
            catch
            {
                s.Dispose();
                throw;
            }
            link = new TcpLink(s, (IPEndPoint)s.LocalEndPoint!);
            _tcp[connectionId] = link;
            _loops.Add(Task.Run(() => TcpLoopAsync(s), CancellationToken.None));
            return link;
        }

        private async Task TcpLoopAsync(Socket s)
        {
            var framer = new SipStreamFramer();
            var pending = new ArrayBufferWriter<byte>();
            var buffer = new byte[65536];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    int n = await s.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    pending.Write(buffer.AsSpan(0, n));
                    var seq = new ReadOnlySequence<byte>(pending.WrittenMemory);
                    while (true)
                    {
                        var status = framer.TryRead(ref seq, out var message, out _, out _);
                        if (status == SipFrameStatus.Message && message is SipResponse resp)
                        {
                            Interlocked.Increment(ref _received);
                            _responses.Writer.TryWrite(resp);
                        }
                        else if (status is SipFrameStatus.NeedMoreData or SipFrameStatus.Error)
                        {
                            if (status == SipFrameStatus.Error)
                            {
                                return;
                            }
                            break;
                        }
                    }
                    var rest = seq.ToArray();
                    pending.Clear();
                    pending.Write(rest);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            _udp?.Dispose();
            foreach (var l in _tcp.Values)
            {
                l.Socket.Dispose();
            }
            await Task.WhenAll(_loops).ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
