using System.IO.Pipelines;
using System.Net;
using RcsCore.Cli.Commands;
using RcsCore.Hosting;
using RcsCore.Ims.Client;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs chat</c> against a real message centre and an RcsClient peer on loopback, stdin piped.</summary>
public sealed class ChatCommandTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task LinesGoToThePeerAndItsRepliesAndReceiptsArePrinted()
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (var user in (string[])["alice", "bob"])
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@chat.test", Impus = [$"sip:{user}@chat.test"], Password = user + "pw" });
        }
        await using var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "chat.test" },
            Subscribers = subscribers,
        });
        await server.StartAsync();
        var endPoint = server.LocalEndPoints[0];
        await using var bob = new RcsClient(new RcsClientOptions
        {
            PublicIdentity = SipUri.Parse("sip:bob@chat.test"),
            Server = endPoint,
            Credentials = ImsCredentials.FromPassword("bobpw"),
            AcceptChatsAutomatically = true,
        });
        var received = new TaskCompletionSource<RcsMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.MessageReceived += (_, e) => received.TrySetResult(e.Message);
        await bob.StartAsync().WaitAsync(s_wait);

        var stdin = new Pipe();
        var input = new StreamWriter(stdin.Writer.AsStream()) { AutoFlush = true };
        var inner = new StringWriter();
        var stdout = TextWriter.Synchronized(inner);
        string Output()
        {
            lock (stdout)
            {
                return inner.ToString();
            }
        }
        var run = Program.BuildRoot(stdout, new StringWriter(), new StreamReader(stdin.Reader.AsStream()))
            .Parse(["chat", "--server", $"tcp:{endPoint.Address}", "--user", "sip:alice@chat.test", "--password", "alicepw", "--to", "bob@chat.test"])
            .InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);

        await input.WriteLineAsync("hello from the command line");
        var message = await received.Task.WaitAsync(s_wait);
        Assert.Equal(("hello from the command line", "sip:alice@chat.test"), (message.Text, message.From));

        // bob answers in the chat alice's line opened; the command prints it and the receipts of its own line.
        await message.Chat!.SendMessageAsync("hi alice, got it");
        await Eventually(() => Output().Contains("<sip:bob@chat.test> hi alice, got it", StringComparison.Ordinal));
        await Eventually(() => Output().Contains($"(delivered: {message.MessageId} by sip:bob@chat.test)", StringComparison.Ordinal));
        await message.Chat.MarkDisplayedAsync(message);
        await Eventually(() => Output().Contains($"(displayed: {message.MessageId}", StringComparison.Ordinal));

        await input.WriteLineAsync("/quit");
        Assert.Equal(0, await run.WaitAsync(s_wait));
        var text = Output();
        Assert.Contains("registered sip:alice@chat.test", text, StringComparison.Ordinal);
        Assert.Contains($"(sent {message.MessageId})", text, StringComparison.Ordinal);
        Assert.EndsWith("bye" + Environment.NewLine, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:5060", "tcp:127.0.0.1:5060")]
    [InlineData("udp:127.0.0.1:5070", "udp:127.0.0.1:5070")]
    [InlineData("tcp:[::1]:5061", "tcp:[::1]:5061")]
    public void ServerEndPointsParse(string text, string expected) => Assert.Equal(expected, ChatCommand.ParseServer(text).ToString());

    [Theory]
    [InlineData("tls:127.0.0.1:5061")]
    [InlineData("127.0.0.1")]
    [InlineData("tcp:nowhere:5060")]
    public void BadServerEndPointsAreRefused(string text) => Assert.Throws<FormatException>(() => ChatCommand.ParseServer(text));

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
