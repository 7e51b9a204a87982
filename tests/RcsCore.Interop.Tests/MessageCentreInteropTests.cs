using System.Text;
using RcsCore.Hosting.Storage;
using RcsCore.Ims.Registration;
using RcsCore.Tests.Common;
using Xunit;
using static RcsCore.Interop.Tests.InteropUserAgent;

namespace RcsCore.Interop.Tests;

/// <summary>
/// The message centre of `rcs serve --data` as a child process: stored messages survive kill -9, and SIPp sends
/// pager-mode CPIM with an IMDN request and gets the delivery notification back.
/// </summary>
public sealed class MessageCentreInteropTests
{
    private const string Domain = "example.test";

    private static string NewDataDirectory()
    {
        var data = Directory.CreateTempSubdirectory("rcs-mc-").FullName;
        using var db = RcsDatabase.Open(data);
        var subscribers = new SqliteSubscriberStore(db);
        foreach (var user in (string[])["alice", "bob"])
        {
            // What `rcs user add sip:USER@example.test --password USERpw` writes.
            subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "pw" }).AsTask().GetAwaiter().GetResult();
        }
        return data;
    }

    private static byte[] Cpim(int n) => Encoding.UTF8.GetBytes(
        $"From: <sip:alice@{Domain}>\r\nTo: <sip:bob@{Domain}>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: kill{n}\r\n" +
        $"DateTime: 2026-01-02T03:04:05Z\r\nimdn.Disposition-Notification: positive-delivery\r\n\r\nContent-type: text/plain\r\nContent-length: {6 + Int(n).Length}\r\n\r\nnumber{n}");

    [Fact]
    public async Task MessagesAnswered202SurviveKill9AndAreDeliveredAfterTheRestart()
    {
        const int count = 10;
        var data = NewDataDirectory();
        try
        {
            int port = Sipp.FreePort(tcp: true);
            await using var alice = await InteropUserAgent.StartAsync("alice");
            await using (var serve = await RcsServe.StartAsync(port, "--data", data, "--domain", Domain, "--msrp-relay", $"127.0.0.1:{Sipp.FreePort(tcp: true)}"))
            {
                Assert.Equal(200, (await alice.RegisterAsync(port, Domain, "alicepw")).StatusCode);
                for (int i = 1; i <= count; i++)
                {
                    var response = await alice.SendMessageAsync(port, Domain, "bob", Cpim(i), "message/cpim");
                    Assert.True(response.StatusCode == 202, $"message {i}: {response.StatusCode}\n{serve.Process.Output}");
                }
                // kill -9 right after the last 202: no shutdown, no flush.
                serve.Process.Kill();
                Assert.True(await serve.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
                Assert.Equal(137, serve.Process.ExitCode); // 128 + SIGKILL
                Assert.DoesNotContain(serve.Process.StdoutLines, l => l.Contains("Application is shutting down", StringComparison.Ordinal));
            }

            await using var restarted = await RcsServe.StartAsync(port, "--data", data, "--domain", Domain, "--msrp-relay", $"127.0.0.1:{Sipp.FreePort(tcp: true)}");
            Assert.True(await restarted.Process.WaitForOutputAsync("message centre started: 1 recipients with stored messages", Wait), restarted.Process.Output);
            await using var bob = await InteropUserAgent.StartAsync("bob");
            Assert.Equal(200, (await bob.RegisterAsync(port, Domain, "bobpw")).StatusCode);
            for (int i = 1; i <= count; i++)
            {
                var got = await bob.NextAsync();
                Assert.Equal(Cpim(i), got.Body.ToArray());
                Assert.Equal($"sip:alice@{Domain}", got.From!.Uri.Text);
            }
            // alice's registration survived too: one delivery notification per message, in order.
            for (int i = 1; i <= count; i++)
            {
                var notification = Encoding.UTF8.GetString((await alice.NextAsync()).Body.Span);
                Assert.Contains($"<message-id>kill{i}</message-id>", notification, StringComparison.Ordinal);
                Assert.Contains("<delivered/>", notification, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// SIPp (alice's sending half) → rcs serve → bob's registered contact (SIPp UAS, checks the CPIM arrived intact);
    /// the delivery notification goes to alice's registered contact (SIPp UAS, checks the message/imdn+xml).
    /// Online: the recipient is registered (the centre notifies for direct deliveries with --notify-direct-delivery);
    /// offline: 202, stored, delivered when bob registers.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SippPagerModeCpimGetsTheDeliveryNotification(bool recipientOnline)
    {
        var data = NewDataDirectory();
        try
        {
            int port = Sipp.FreePort(tcp: true);
            int aliceUasPort = Sipp.FreePort(tcp: false);
            int bobUasPort = Sipp.FreePort(tcp: false);
            string[] Uas(string scenario, int p) => ["-sf", Sipp.Scenario(scenario), "-i", "127.0.0.1", "-p", Int(p), "-t", "u1", "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error"];
            await using var aliceUas = ChildProcess.Start(Sipp.RequireSipp(), Uas("uas-imdn.xml", aliceUasPort), Path.GetTempPath());
            await using var bobUas = ChildProcess.Start(Sipp.RequireSipp(), Uas("uas-message-cpim.xml", bobUasPort), Path.GetTempPath());
            // A third-party registration (RFC 3261 §10.2): the registrar agent registers the SIPp UASs, and the SIPp UAC
            // sends in alice's name from yet another port, so the registered-flow sender check is off for this test bed.
            await using var serve = await RcsServe.StartAsync(port, "--data", data, "--domain", Domain, "--notify-direct-delivery", "--no-sender-check",
                "--msrp-relay", $"127.0.0.1:{Sipp.FreePort(tcp: true)}");
            await using var registrar = await InteropUserAgent.StartAsync("registrar");
            Assert.Equal(200, (await registrar.RegisterAsync(port, Domain, "alicepw", aliceUasPort, "alice")).StatusCode);
            if (recipientOnline)
            {
                Assert.Equal(200, (await registrar.RegisterAsync(port, Domain, "bobpw", bobUasPort, "bob")).StatusCode);
            }

            var (exit, output) = await Sipp.RunUacAsync("uac-message-cpim-imdn.xml", serve.Target, "u1", calls: 1, rate: 1, service: "bob", timeout: TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, $"SIPp UAC exit {exit}\n{output}\n--- rcs serve ---\n{serve.Process.Output}");
            if (!recipientOnline)
            {
                Assert.False(bobUas.HasExited);
                Assert.Equal(200, (await registrar.RegisterAsync(port, Domain, "bobpw", bobUasPort, "bob")).StatusCode);
            }
            Assert.True(await bobUas.WaitForExitAsync(TimeSpan.FromSeconds(30)), "bob's SIPp UAS did not finish\n" + bobUas.Output + "\n--- rcs serve ---\n" + serve.Process.Output);
            Assert.True(bobUas.ExitCode == 0, $"bob's SIPp UAS exit {bobUas.ExitCode}\n{bobUas.Output}");
            Assert.True(await aliceUas.WaitForExitAsync(TimeSpan.FromSeconds(30)), "alice's SIPp UAS did not finish\n" + aliceUas.Output + "\n--- rcs serve ---\n" + serve.Process.Output);
            Assert.True(aliceUas.ExitCode == 0, $"alice's SIPp UAS exit {aliceUas.ExitCode}\n{aliceUas.Output}");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
