using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using RcsCore.Hosting;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs send-file</c> to <c>rcs chat --download-dir</c>, both commands in process, through a real message centre on loopback.</summary>
public sealed class SendFileCommandTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("msrp")]
    [InlineData("http")]
    public async Task AFileSentFromTheCommandLineIsSavedByTheChatCommandWithTheSameSha256(string method)
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (var user in (string[])["alice", "bob"])
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@ft.test", Impus = [$"sip:{user}@ft.test"], Password = user + "pw" });
        }
        await using var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ft.test" },
            Subscribers = subscribers,
        });
        await server.StartAsync();
        string address = server.LocalEndPoints[0].Address.ToString();
        string work = Directory.CreateTempSubdirectory("rcs-send-file-").FullName;
        // FT over HTTP (GSMA RCC.07): a content server next to the message centre.
        await using var content = new RcsCore.Hosting.ContentServer.FileTransferContentServer(new RcsCore.Hosting.ContentServer.ContentServerOptions
        {
            DataDirectory = Path.Combine(work, "content"),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Realm = "ft.test",
        }, subscribers);
        await content.StartAsync();
        string[] httpOptions = method == "http" ? ["--method", "http", "--content-server", content.BaseUri.ToString()] : [];
        try
        {
            string source = Path.Combine(work, "report.pdf");
            var data = RandomNumberGenerator.GetBytes(300_000);
            await File.WriteAllBytesAsync(source, data);
            string downloads = Path.Combine(work, "downloads");

            // bob: rcs chat --download-dir, which accepts incoming files into the directory.
            var stdin = new Pipe();
            var input = new StreamWriter(stdin.Writer.AsStream()) { AutoFlush = true };
            var bobInner = new StringWriter();
            var bobOut = TextWriter.Synchronized(bobInner);
            string BobOutput()
            {
                lock (bobOut)
                {
                    return bobInner.ToString();
                }
            }
            var bob = Program.BuildRoot(bobOut, new StringWriter(), new StreamReader(stdin.Reader.AsStream()))
                .Parse(["chat", "--server", $"tcp:{address}", "--user", "sip:bob@ft.test", "--password", "bobpw", "--download-dir", downloads])
                .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
            await Eventually(() => BobOutput().Contains("registered sip:bob@ft.test", StringComparison.Ordinal));

            // alice: rcs send-file.
            var aliceOut = new StringWriter();
            var aliceErr = new StringWriter();
            int code = await Program.BuildRoot(aliceOut, aliceErr)
                .Parse(["send-file", "--server", $"tcp:{address}", "--user", "sip:alice@ft.test", "--password", "alicepw", "--to", "bob@ft.test", .. httpOptions, source])
                .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken).WaitAsync(s_wait);
            string sha256 = Convert.ToHexStringLower(SHA256.HashData(data));
            Assert.True(code == 0, aliceOut + aliceErr.ToString());
            Assert.Contains($"completed over {method.ToUpperInvariant()}: 300,000 of 300,000 bytes", aliceOut.ToString(), StringComparison.Ordinal);
            Assert.Contains("sha-256 " + sha256, aliceOut.ToString(), StringComparison.Ordinal);

            await Eventually(() => BobOutput().Contains("file report.pdf: completed, 300000 bytes, sha-256 " + sha256, StringComparison.Ordinal));
            Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(downloads, "report.pdf")));
            await input.WriteLineAsync("/quit");
            Assert.Equal(0, await bob.WaitAsync(s_wait));

            // A missing file is a usage error.
            Assert.Equal(2, await Program.BuildRoot(new StringWriter(), new StringWriter())
                .Parse(["send-file", "--server", $"tcp:{address}", "--user", "alice@ft.test", "--to", "bob@ft.test", Path.Combine(work, "missing.bin")])
                .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
