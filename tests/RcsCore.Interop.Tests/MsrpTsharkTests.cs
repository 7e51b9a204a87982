using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Msrp;
using RcsCore.Msrp.Relay;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>
/// tshark (Debian package tshark, installed by tests/run.sh) as an oracle for RcsCore's MSRP wire format: dumpcap
/// records the loopback traffic of two RcsCore endpoints talking through an RcsCore <see cref="MsrpRelay"/>, and
/// Wireshark's MSRP dissector must decode every message without a malformed-packet or error-level expert item.
/// </summary>
public sealed class MsrpTsharkTests
{
    internal static string RequireTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException($"{name} is not installed: run the tests with `bash tests/run.sh`, which installs the Debian package tshark (it brings dumpcap).");
    }

    private static async Task<string> RunAsync(string tool, IEnumerable<string> args, string dir)
    {
        await using var p = ChildProcess.Start(tool, args, dir);
        Assert.True(await p.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{tool} did not finish:\n{p.Output}");
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {p.ExitCode}:\n{p.Output}");
        return string.Join('\n', p.StdoutLines);
    }

    [Fact]
    public async Task RcsCore_msrp_traffic_through_its_relay_decodes_without_errors_in_tshark()
    {
        var tshark = RequireTool("tshark");
        var dumpcap = RequireTool("dumpcap");
        var ct = MsrpKamailioRelayTests.Bounded(120);
        var dir = Directory.CreateTempSubdirectory("rcs-msrp-tshark-").FullName;
        try
        {
            await using var relay = MsrpRelay.Start(new MsrpPasswordAuthenticator(new Dictionary<string, string> { ["alice"] = "a-pw", ["bob"] = "b-pw" }));
            int port = relay.LocalEndPoint.Port;
            string file = Path.Combine(dir, "msrp.pcapng");
            await using var capture = ChildProcess.Start(dumpcap, ["-i", "lo", "-f", $"tcp port {port}", "-w", file, "-a", "duration:120"], dir);
            Assert.True(await capture.WaitForOutputAsync("Capturing on", TimeSpan.FromSeconds(20)), "dumpcap could not capture on lo:\n" + capture.Output);

            // Wireshark 4.0's MSRP dissector decodes one MSRP message per TCP segment (a message that starts in the middle
            // of a segment, after another one, is not decoded); messages are therefore exchanged one at a time here:
            // each request waits for its response, a side that just answered pauses before it sends (so its 200 and
            // its next SEND do not share a segment), and the large body goes as one 200 KB chunk that TCP splits and
            // tshark reassembles.
            await using (var ea = MsrpEndpoint.Start())
            await using (var eb = MsrpEndpoint.Start())
            {
                var ra = await ea.AuthenticateAsync(relay.Uri, new MsrpPasswordCredentials("alice", "a-pw"), ct: ct);
                var rb = await eb.AuthenticateAsync(relay.Uri, new MsrpPasswordCredentials("bob", "b-pw"), ct: ct);
                var a = ea.CreateSession(relay: ra);
                var b = eb.CreateSession(relay: rb);
                await b.StartAsync(a.LocalDescription, active: false, ct);
                await a.StartAsync(b.LocalDescription, active: true, ct);
                await b.WhenBound.WaitAsync(ct);
                Assert.True((await a.SendAsync("hello bob"u8.ToArray(), "text/plain", ct: ct)).IsSuccess);
                Assert.Equal("hello bob", Encoding.UTF8.GetString(await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
                await Task.Delay(200, ct);
                Assert.True((await b.SendAsync("hi alice"u8.ToArray(), "text/plain", ct: ct)).IsSuccess);
                Assert.Equal("hi alice", Encoding.UTF8.GetString(await (await a.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
                var blob = RandomNumberGenerator.GetBytes(200 * 1024);
                await Task.Delay(200, ct);
                var send = a.SendAsync(blob, "application/octet-stream", new MsrpSendOptions { ChunkSize = 256 * 1024 }, ct).AsTask();
                Assert.Equal(blob, await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct));
                Assert.True((await send).IsSuccess);
            }
            // Let the last segments reach the capture, then stop dumpcap by its pid (it closes the file cleanly).
            await Task.Delay(500, ct);
            await capture.StopAsync(TimeSpan.FromSeconds(10));
            Assert.True(File.Exists(file) && new FileInfo(file).Length > 0, "no capture file:\n" + capture.Output);

            string decodeAs = $"tcp.port=={port},msrp";
            string errors = await RunAsync(tshark, ["-r", file, "-d", decodeAs, "-Y", "_ws.malformed || _ws.expert.severity==error"], dir);
            if (errors.Trim().Length != 0)
            {
                string detail = await RunAsync(tshark, ["-r", file, "-d", decodeAs, "-Y", "_ws.malformed || _ws.expert.severity==error", "-V", "-x"], dir);
                Assert.Fail("tshark found malformed or erroneous packets:\n" + errors + "\n" + detail[..Math.Min(detail.Length, 12000)]);
            }

            // One line per packet with MSRP; a packet may carry several messages (comma-separated values).
            string fields = await RunAsync(tshark, ["-r", file, "-d", decodeAs, "-Y", "msrp", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                "-e", "msrp.method", "-e", "msrp.status.code", "-e", "msrp.end.line", "-e", "msrp.from.path"], dir);
            var methods = new List<string>();
            var statuses = new List<string>();
            int endLines = 0;
            int relayedSends = 0;
            foreach (var line in fields.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var cols = line.Split('\t');
                methods.AddRange(cols[0].Split(',', StringSplitOptions.RemoveEmptyEntries));
                statuses.AddRange(cols[1].Split(',', StringSplitOptions.RemoveEmptyEntries));
                endLines += cols[2].Split(',', StringSplitOptions.RemoveEmptyEntries).Length;
                if (cols[0] == "SEND" && cols[3].Split(' ').Length == 3)
                {
                    // RFC 4976 §6.4: the relay pushed both Use-Path URIs onto From-Path.
                    relayedSends++;
                }
            }
            string summary = $"methods: {string.Join(' ', methods)}\nstatuses: {string.Join(' ', statuses)}\n{fields}";
            // AUTH: 2 x (401, 200). SEND: the binding SEND, two texts and the 200 KB chunk, each from the sender to
            // the relay and from the relay on; every SEND answered 200 hop by hop (RFC 4976 §6.4).
            Assert.True(methods.Count(m => m == "AUTH") == 4, summary);
            Assert.True(statuses.Count(s => s == "401") == 2, summary);
            Assert.True(methods.Count(m => m == "SEND") == 2 * 4, summary);
            Assert.True(statuses.Count(s => s == "200") == 2 + 2 * 4, summary);
            Assert.True(methods.Count == 12 && statuses.Count == 12, summary);
            Assert.True(endLines == 24, $"end-lines: {endLines}\n" + summary);
            Assert.True(relayedSends == 4, $"SENDs with a 3-URI From-Path: {relayedSends}\n" + summary);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
