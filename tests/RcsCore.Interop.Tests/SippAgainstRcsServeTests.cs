using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>SIPp as UAC against `rcs serve` (OPTIONS, MESSAGE, INVITE-ACK-BYE) over UDP and TCP, with SIPp as the far-end UAS.</summary>
public class SippAgainstRcsServeTests
{
    private static string Int(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task OptionsIsAnsweredWithAllow(string transport)
    {
        await using var serve = await RcsServe.StartAsync();
        var (exit, output) = await Sipp.RunUacAsync("uac-options.xml", serve.Target, transport, calls: 20, rate: 20);
        Assert.True(exit == 0, $"SIPp exit {exit}\n{output}\n--- rcs serve ---\n{serve.Process.Output}");
    }

    /// <summary>SIPp UAC → rcs serve (proxy, static route) → SIPp UAS. With loss on the UAC side on UDP.</summary>
    [Theory]
    [InlineData("u1", "uac-message.xml", "uas-answer.xml", 0)]
    [InlineData("t1", "uac-message.xml", "uas-answer.xml", 0)]
    [InlineData("u1", "uac-invite-bye.xml", "uas-invite.xml", 0)]
    [InlineData("t1", "uac-invite-bye.xml", "uas-invite.xml", 0)]
    [InlineData("u1", "uac-message.xml", "uas-answer.xml", 10)]
    [InlineData("u1", "uac-invite-bye.xml", "uas-invite.xml", 10)]
    public async Task RequestsAreProxiedToTheRoutedUser(string transport, string uacScenario, string uasScenario, int lossPercent)
    {
        const int calls = 10;
        int uasPort = Sipp.FreePort(transport == "t1");
        string routeTransport = transport == "t1" ? ";transport=tcp" : string.Empty;
        await using var uas = ChildProcess.Start(Sipp.RequireSipp(),
            ["-sf", Sipp.Scenario(uasScenario), "-i", "127.0.0.1", "-p", Int(uasPort), "-t", transport, "-m", Int(calls), "-nostdin", "-timeout", "60s", "-timeout_error"],
            Path.GetTempPath());
        await using var serve = await RcsServe.StartAsync("--route", $"bob=sip:bob@127.0.0.1:{uasPort}{routeTransport}");
        var (exit, output) = await Sipp.RunUacAsync(uacScenario, serve.Target, transport, calls: calls, rate: 10, lossPercent: lossPercent, service: "bob", timeout: TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"SIPp UAC exit {exit}\n{output}\n--- UAS ---\n{uas.Output}\n--- rcs serve ---\n{serve.Process.Output}");
        Assert.True(await uas.WaitForExitAsync(TimeSpan.FromSeconds(30)), "SIPp UAS did not finish\n" + uas.Output);
        Assert.True(uas.ExitCode == 0, $"SIPp UAS exit {uas.ExitCode}\n{uas.Output}");
    }

    [Fact]
    public async Task UnknownUserGets404AndUnknownMethod405()
    {
        await using var serve = await RcsServe.StartAsync();
        using var udp = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int local = ((System.Net.IPEndPoint)udp.Client.LocalEndPoint!).Port;
        async Task<string> Ask(string method, string user)
        {
            var text = $"{method} sip:{user}127.0.0.1:{serve.Port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{Guid.NewGuid():N}\r\nMax-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:{user}127.0.0.1>\r\nCall-ID: {Guid.NewGuid():N}\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n";
            var bytes = System.Text.Encoding.ASCII.GetBytes(text);
            await udp.SendAsync(bytes, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, serve.Port));
            var reply = await udp.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return System.Text.Encoding.ASCII.GetString(reply.Buffer);
        }
        Assert.StartsWith("SIP/2.0 404", await Ask("MESSAGE", "nobody@"), StringComparison.Ordinal);
        var notAllowed = await Ask("FOO", "");
        Assert.StartsWith("SIP/2.0 405", notAllowed, StringComparison.Ordinal);
        Assert.Contains("Allow: INVITE", notAllowed, StringComparison.Ordinal);
        // RFC 3261 §15.1.2: a BYE that matches no dialog gets 481.
        Assert.StartsWith("SIP/2.0 481", await Ask("BYE", ""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigtermStopsGracefully()
    {
        await using var serve = await RcsServe.StartAsync();
        await serve.Process.StopAsync(TimeSpan.FromSeconds(15));
        Assert.True(serve.Process.HasExited);
        Assert.True(serve.Process.ExitCode == 0, $"exit {serve.Process.ExitCode}\n{serve.Process.Output}");
        Assert.Contains(serve.Process.StdoutLines, l => l.Contains("Application is shutting down", StringComparison.Ordinal));
    }
}
