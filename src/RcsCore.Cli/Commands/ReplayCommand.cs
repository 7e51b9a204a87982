using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using RcsCore.Pcap;
using Spectre.Console;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs replay FILE [--json] [--target host:port]</c>: summarises a pcap/pcapng capture (packets, SIP and MSRP
/// messages by method and status, transactions, dialogs, calls, MSRP sessions, parse errors and capture issues
/// with their packet numbers) and, with <c>--target</c>, replays its SIP requests to an endpoint and compares the
/// responses. Exit 0 when the capture was read (and the replay matched), 1 on replay differences, 2 when the file
/// cannot be read.
/// </summary>
internal static class ReplayCommand
{
    private const long ProgressThreshold = 8L * 1024 * 1024;
    private const int MaxListed = 50;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "A .pcap or .pcapng capture." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON." };
        var target = new Option<string?>("--target") { Description = "Replay the capture's SIP requests to host:port and compare the responses." };
        var recorded = new Option<string?>("--recorded-target") { Description = "The capture endpoint (ip:port) whose role the target takes; default: destination of the first request." };
        var transport = new Option<string?>("--transport") { Description = "Replay over udp or tcp instead of the recorded transport." };
        var speed = new Option<double>("--speed") { Description = "0 = as fast as possible (default), 1 = recorded pace, 2 = twice as fast..." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each final response (default 2).", DefaultValueFactory = _ => 2 };
        var cmd = new Command("replay", "Summarise a pcap/pcapng capture of SIP/MSRP traffic, and optionally replay it to a target.");
        cmd.Arguments.Add(file);
        cmd.Options.Add(json);
        cmd.Options.Add(target);
        cmd.Options.Add(recorded);
        cmd.Options.Add(transport);
        cmd.Options.Add(speed);
        cmd.Options.Add(timeout);
        cmd.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            SipReplayOptions? replay = null;
            try
            {
                if (result.GetValue(target) is { } t)
                {
                    replay = new SipReplayOptions
                    {
                        Target = ParseEndPoint(t, "--target"),
                        RecordedTarget = result.GetValue(recorded) is { } r ? ParseEndPoint(r, "--recorded-target") : null,
                        Transport = result.GetValue(transport)?.ToLowerInvariant() switch
                        {
                            null => null,
                            "udp" => PcapTransport.Udp,
                            "tcp" => PcapTransport.Tcp,
                            var other => throw new FormatException($"--transport '{other}' is not udp or tcp"),
                        },
                        Speed = Math.Max(0, result.GetValue(speed)),
                        ResponseTimeout = TimeSpan.FromSeconds(Math.Clamp(result.GetValue(timeout), 0.05, 60)),
                    };
                }
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("rcs replay: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            return await RunAsync(path, result.GetValue(json), replay, stdout, stderr, ct).ConfigureAwait(false);
        });
        return cmd;
    }

    internal static IPEndPoint ParseEndPoint(string text, string option)
    {
        var t = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text[9..] : text;
        return IPEndPoint.TryParse(t, out var ep) && ep.Port > 0 ? ep : throw new FormatException($"{option} '{text}' is not address:port");
    }

    private static async Task<int> RunAsync(string path, bool json, SipReplayOptions? replay, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var summary = new PcapSummary();
        var kept = replay is null ? null : new List<PcapMessage>();
        PcapMessageReader reader;
        try
        {
            reader = new PcapMessageReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"rcs replay: cannot open {path}: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        using (reader)
        {
            try
            {
                var messages = reader.ReadMessages();
                bool progress = !json && !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out) && reader.Length > ProgressThreshold;
                if (progress)
                {
                    AnsiConsole.Progress().Start(ctx =>
                    {
                        var task = ctx.AddTask(Path.GetFileName(path), maxValue: reader.Length);
                        long n = 0;
                        foreach (var m in messages)
                        {
                            summary.Add(m);
                            kept?.Add(m);
                            if ((++n & 1023) == 0)
                            {
                                task.Value = reader.Position;
                            }
                        }
                        task.Value = reader.Length;
                    });
                }
                else
                {
                    foreach (var m in messages)
                    {
                        summary.Add(m);
                        kept?.Add(m);
                    }
                }
            }
            catch (InvalidDataException e)
            {
                await stderr.WriteLineAsync($"rcs replay: {path}: {e.Message}").ConfigureAwait(false);
                return 2;
            }
        }
        SipReplayResult? replayResult = null;
        if (replay is not null && kept is not null)
        {
            try
            {
                replayResult = await SipReplayer.ReplayAsync(kept, replay, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException)
            {
                await stderr.WriteLineAsync($"rcs replay: replay failed: {e.Message}").ConfigureAwait(false);
                return 2;
            }
        }
        if (json)
        {
            await stdout.WriteLineAsync(ToJson(path, reader, summary, replayResult)).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteAsync(ToText(path, reader, summary, replayResult)).ConfigureAwait(false);
        }
        return replayResult is { Matches: false } ? 1 : 0;
    }

    private static string Counts<TKey>(IReadOnlyDictionary<TKey, long> d)
        where TKey : notnull
        => d.Count == 0 ? "-" : string.Join(", ", d.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value}")));

    internal static string ToText(string path, PcapMessageReader reader, PcapSummary s, SipReplayResult? replay)
    {
        var st = reader.Statistics;
        var sb = new StringBuilder();
        var ic = CultureInfo.InvariantCulture;
        sb.Append(ic, $"capture: {path} ({st.FileBytes} bytes)\n");
        sb.Append(ic, $"packets: {st.Packets} (udp {st.UdpPackets}, tcp {st.TcpPackets}, other IP {st.OtherIpPackets}, non-IP {st.NonIpPackets}, malformed {st.MalformedPackets})");
        if (st.FirstTimestamp is { } first && st.LastTimestamp is { } last)
        {
            sb.Append(ic, $", {first:yyyy-MM-dd HH:mm:ss.ffffff} .. {last:HH:mm:ss.ffffff} UTC");
        }
        sb.Append('\n');
        sb.Append(ic, $"SIP messages: {s.SipMessages}\n  requests: {Counts(s.SipRequests)}\n  responses: {Counts(s.SipResponses)}\n");
        sb.Append(ic, $"MSRP messages: {s.MsrpMessages}\n  requests: {Counts(s.MsrpRequests)}\n  responses: {Counts(s.MsrpResponses)}\n");
        sb.Append(ic, $"transactions: {s.Transactions}, dialogs: {s.Dialogs}, calls: {s.Calls} (answered {s.AnsweredCalls}), MSRP sessions: {s.MsrpSessions}, SIP retransmissions: {s.SipRetransmissions}\n");
        sb.Append(ic, $"TCP: connections {st.TcpConnections}, retransmitted segments {st.TcpRetransmissions}, gaps {st.TcpGaps} ({st.TcpGapBytes} bytes); IP datagrams reassembled {st.IpDatagramsReassembled}\n");
        sb.Append(ic, $"parse errors: {s.ParseErrorCount}\n");
        foreach (var e in s.ParseErrors.Take(MaxListed))
        {
            sb.Append(ic, $"  packet {e.PacketNumber} {e.Protocol}: {e.Error}\n");
        }
        sb.Append(ic, $"capture issues: {st.Issues}\n");
        foreach (var i in reader.Issues.Take(MaxListed))
        {
            sb.Append("  ").Append(i).Append('\n');
        }
        if (replay is not null)
        {
            sb.Append(ic, $"replay (as {replay.RecordedTarget}): {replay.RequestsSent} requests sent, {replay.ResponsesReceived} responses, {replay.TransactionsCompared} transactions compared, {replay.Differences.Count} differences\n");
            foreach (var d in replay.Differences.Take(MaxListed))
            {
                sb.Append("  ").Append(d).Append('\n');
            }
        }
        return sb.ToString();
    }

    internal static string ToJson(string path, PcapMessageReader reader, PcapSummary s, SipReplayResult? replay)
    {
        var st = reader.Statistics;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("file", path);
            w.WriteStartObject("packets");
            w.WriteNumber("total", st.Packets);
            w.WriteNumber("bytes", st.FileBytes);
            w.WriteNumber("udp", st.UdpPackets);
            w.WriteNumber("tcp", st.TcpPackets);
            w.WriteNumber("otherIp", st.OtherIpPackets);
            w.WriteNumber("nonIp", st.NonIpPackets);
            w.WriteNumber("malformed", st.MalformedPackets);
            w.WriteNumber("ipReassembled", st.IpDatagramsReassembled);
            w.WriteNumber("tcpConnections", st.TcpConnections);
            w.WriteNumber("tcpRetransmissions", st.TcpRetransmissions);
            w.WriteNumber("tcpGaps", st.TcpGaps);
            w.WriteNumber("tcpGapBytes", st.TcpGapBytes);
            if (st.FirstTimestamp is { } f)
            {
                w.WriteString("first", f);
            }
            if (st.LastTimestamp is { } l)
            {
                w.WriteString("last", l);
            }
            w.WriteEndObject();
            w.WriteStartObject("sip");
            w.WriteNumber("messages", s.SipMessages);
            w.WriteStartObject("requests");
            foreach (var (k, v) in s.SipRequests)
            {
                w.WriteNumber(k, v);
            }
            w.WriteEndObject();
            w.WriteStartObject("responses");
            foreach (var (k, v) in s.SipResponses)
            {
                w.WriteNumber(k.ToString(CultureInfo.InvariantCulture), v);
            }
            w.WriteEndObject();
            w.WriteNumber("transactions", s.Transactions);
            w.WriteNumber("dialogs", s.Dialogs);
            w.WriteNumber("calls", s.Calls);
            w.WriteNumber("answeredCalls", s.AnsweredCalls);
            w.WriteNumber("retransmissions", s.SipRetransmissions);
            w.WriteEndObject();
            w.WriteStartObject("msrp");
            w.WriteNumber("messages", s.MsrpMessages);
            w.WriteNumber("sessions", s.MsrpSessions);
            w.WriteStartObject("requests");
            foreach (var (k, v) in s.MsrpRequests)
            {
                w.WriteNumber(k, v);
            }
            w.WriteEndObject();
            w.WriteStartObject("responses");
            foreach (var (k, v) in s.MsrpResponses)
            {
                w.WriteNumber(k.ToString(CultureInfo.InvariantCulture), v);
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("parseErrorCount", s.ParseErrorCount);
            w.WriteStartArray("parseErrors");
            foreach (var e in s.ParseErrors)
            {
                w.WriteStartObject();
                w.WriteNumber("packet", e.PacketNumber);
                w.WriteString("protocol", e.Protocol.ToString());
                w.WriteString("error", e.Error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("issueCount", st.Issues);
            w.WriteStartArray("issues");
            foreach (var i in reader.Issues)
            {
                w.WriteStartObject();
                w.WriteString("kind", i.Kind.ToString());
                w.WriteNumber("packet", i.PacketNumber);
                w.WriteNumber("offset", i.FileOffset);
                w.WriteString("description", i.Description);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (replay is not null)
            {
                w.WriteStartObject("replay");
                w.WriteString("recordedTarget", replay.RecordedTarget.ToString());
                w.WriteNumber("requestsSent", replay.RequestsSent);
                w.WriteNumber("responsesReceived", replay.ResponsesReceived);
                w.WriteNumber("transactionsCompared", replay.TransactionsCompared);
                w.WriteBoolean("matches", replay.Matches);
                w.WriteStartArray("differences");
                foreach (var d in replay.Differences)
                {
                    w.WriteStartObject();
                    w.WriteNumber("packet", d.PacketNumber);
                    w.WriteString("method", d.Method);
                    w.WriteString("callId", d.CallId);
                    w.WriteString("what", d.What);
                    w.WriteString("expected", d.Expected);
                    w.WriteString("actual", d.Actual);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
