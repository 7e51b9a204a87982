using RcsCore.Cli.Commands;
using RcsCore.Hosting;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary>
/// <c>rcs register</c> against <c>rcs serve --data</c> (hosted in-process) on real sockets: registers with Digest or
/// IMS AKA, prints the result, stays registered until cancelled (Ctrl+C), then deregisters.
/// </summary>
public sealed class RegisterCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "rcscore-cli-reg-" + Guid.NewGuid().ToString("N"));

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
        catch (UnauthorizedAccessException)
        {
            // best effort
        }
    }

    private static int Run(TextWriter stdout, TextWriter stderr, params string[] args) => Program.BuildRoot(stdout, stderr).Parse(args).Invoke();

    [Theory]
    [InlineData("udp", "--password", "secret", null)]
    [InlineData("tcp", "--aka", "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf")]
    public async Task RegistersPrintsStaysUntilCtrlCThenDeregisters(string transport, string kind, string secret, string? opc)
    {
        string[] credentials = opc is null ? [kind, secret] : [kind, secret, opc];
        Assert.Equal(0, Run(TextWriter.Null, TextWriter.Null, ["user", "add", "sip:alice@example.test", .. credentials, "--data", _data]));
        var options = ServeCommand.BuildOptions([transport + ":127.0.0.1:0"], null, ["example.test"], _data, msrpRelay: "127.0.0.1:0");
        await using var server = new SipServer(options);
        await server.StartAsync(TestContext.Current.CancellationToken);
        var port = server.LocalEndPoints[0].Address.Port;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = Program.BuildRoot(TextWriter.Synchronized(stdout), stderr)
            .Parse(["register", "--server", "127.0.0.1:" + port, "--transport", transport, "--user", "sip:alice@example.test", .. credentials])
            .InvokeAsync(cancellationToken: ctrlC.Token);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await server.Locations.LookupAsync("sip:alice@example.test", TestContext.Current.CancellationToken)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline && !run.IsCompleted, "registered in time: " + stdout + stderr);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(run.IsCompleted);
        string printed;
        lock (stdout)
        {
            printed = stdout.ToString();
        }
        Assert.Contains("registered for 7200 s", printed, StringComparison.Ordinal);
        Assert.Contains("associated-uri: <sip:alice@example.test>", printed, StringComparison.Ordinal);
        Assert.Contains("pub-gruu: sip:alice@example.test;gr=urn:uuid:", printed, StringComparison.Ordinal);

        ctrlC.Cancel();

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken));
        Assert.Empty(await server.Locations.LookupAsync("sip:alice@example.test", TestContext.Current.CancellationToken));
        Assert.Contains("unregistered (None, 200)", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--server", "nowhere", "--user", "sip:alice@example.test", "--password", "p")]
    [InlineData("--server", "127.0.0.1:5060", "--user", "tel:+1555", "--password", "p")]
    [InlineData("--server", "127.0.0.1:5060", "--user", "sip:alice@example.test")]
    [InlineData("--server", "127.0.0.1:5060", "--user", "sip:alice@example.test", "--aka", "zz", "cd63cb71954a9f4e48a5994e37a02baf")]
    [InlineData("--server", "127.0.0.1:5060", "--user", "sip:alice@example.test", "--password", "p", "--transport", "sctp")]
    public void BadArgumentsExitTwo(params string[] args)
    {
        var stderr = new StringWriter();
        Assert.Equal(2, Run(TextWriter.Null, stderr, ["register", .. args]));
        Assert.StartsWith("rcs register: ", stderr.ToString(), StringComparison.Ordinal);
    }
}
