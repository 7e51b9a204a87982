using System.Globalization;
using System.Net;
using RcsCore.Cli.Commands;
using RcsCore.Hosting;
using RcsCore.Ims.Client;
using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs caps</c> against an in-process message centre (what <c>rcs serve --data</c> runs) over UDP loopback.</summary>
public sealed class CapsCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "rcscore-caps-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await Program.BuildRoot(stdout, stderr).Parse(args).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Row(string output, string service) =>
        output.Split('\n').Single(l => l.Split('│', '|').Select(c => c.Trim()).Contains(service));

    [Fact]
    public async Task PrintsTheServicesOfARegisteredPeerAndFallsBackForOthers()
    {
        Assert.Equal(0, (await RunAsync("user", "add", "sip:alice@example.test", "--password", "apw", "--data", _data)).Exit);
        Assert.Equal(0, (await RunAsync("user", "add", "sip:bob@example.test", "--password", "bpw", "--data", _data)).Exit);
        Assert.Equal(0, (await RunAsync("user", "add", "sip:carol@example.test", "--password", "cpw", "--data", _data)).Exit);
        await using var server = new SipServer(ServeCommand.BuildOptions(["udp:127.0.0.1:0"], null, ["example.test"], _data, msrpRelay: "127.0.0.1:0"));
        await server.StartAsync(TestContext.Current.CancellationToken);
        var serverEp = server.LocalEndPoints[0];

        // Bob's terminal registers chat, video calls and chatbot communication.
        await using var transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))] });
        using var bobUa = new SipUserAgent(transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse("sip:bob@example.test")),
            SentBy = d => new SipHostPort("127.0.0.1", transport.GetLocalEndPoint(d.Protocol)!.Value.Address.Port),
        });
        transport.Handler = bobUa.Transactions;
        await transport.StartAsync(TestContext.Current.CancellationToken);
        var bobCaps = RcsCapabilities.FromServices([RcsService.Chat, RcsService.IpVideoCall, RcsService.ChatbotSession], botVersions: [1, 2]);
        await using var bob = new ImsRegistrationClient(bobUa, new ImsRegistrationOptions
        {
            Registrar = SipUri.Parse("sip:example.test"),
            NextHop = serverEp,
            PublicIdentity = new SipNameAddress(SipUri.Parse("sip:bob@example.test")),
            PrivateIdentity = "bob@example.test",
            Credentials = ImsCredentials.FromPassword("bpw"),
            FeatureTags = bobCaps.ToImsFeatureTags(),
            SubscribeToRegEvent = false,
        });
        Assert.Equal(ImsRegistrationState.Registered, (await bob.RegisterAsync(TestContext.Current.CancellationToken)).State);

        string serverArg = "udp:127.0.0.1:" + serverEp.Address.Port.ToString(CultureInfo.InvariantCulture);
        var (exit, output, err) = await RunAsync("caps", "sip:bob@example.test", "--server", serverArg, "--user", "sip:alice@example.test", "--password", "apw", "--service", "chat", "ft-http");
        Assert.True(exit == 0, err + output);
        Assert.Contains("sip:bob@example.test: RCS user (200)", output, StringComparison.Ordinal);
        Assert.Contains("yes", Row(output, "chat"), StringComparison.Ordinal);
        Assert.Contains("yes", Row(output, "video"), StringComparison.Ordinal);
        Assert.Contains("yes", Row(output, "chatbot"), StringComparison.Ordinal);
        Assert.Contains("no", Row(output, "ft-http"), StringComparison.Ordinal);
        Assert.Contains("1,2", Row(output, "botversion"), StringComparison.Ordinal);
        // alice registered for the query and deregistered afterwards.
        Assert.Empty(await server.Locations.LookupAsync("sip:alice@example.test"));

        // Without registration: carol is a known subscriber who is not registered (480), nobody is unknown (404).
        (exit, output, err) = await RunAsync("caps", "--server", serverArg, "--user", "alice@example.test", "sip:carol@example.test");
        Assert.True(exit == 0, err);
        Assert.Contains("sip:carol@example.test: offline (480)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("yes", output, StringComparison.Ordinal);
        (exit, output, _) = await RunAsync("caps", "--server", serverArg, "--user", "alice@example.test", "sip:nobody@example.test");
        Assert.Equal(0, exit);
        Assert.Contains("sip:nobody@example.test: not an RCS user (404)", output, StringComparison.Ordinal);

        // A wrong password: registration fails, exit 1.
        (exit, _, err) = await RunAsync("caps", "--server", serverArg, "--user", "sip:alice@example.test", "--password", "wrong", "sip:bob@example.test");
        Assert.Equal(1, exit);
        Assert.Contains("registration failed", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--server", "bogus", "--user", "sip:alice@example.test", "sip:bob@example.test")]
    [InlineData("--user", "tel:+1555", "sip:bob@example.test")]
    [InlineData("sip:bob@example.test", "--user", "sip:alice@example.test", "--service", "teleport")]
    [InlineData("--user", "sip:alice@example.test", "sip:example.test")]
    public async Task BadInputExitsTwo(params string[] args)
    {
        var (exit, _, err) = await RunAsync(["caps", .. args]);
        Assert.Equal(2, exit);
        Assert.StartsWith("rcs caps: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void DeclaredServicesDefaultToChatStandaloneAndHttpFileTransfer()
    {
        Assert.Equal([RcsService.Chat, RcsService.StandaloneMessaging, RcsService.FileTransferHttp], CapsCommand.Own(null).Services);
        Assert.Equal([1, 2], CapsCommand.Own(["chat,chatbot"]).BotVersions);
    }
}
