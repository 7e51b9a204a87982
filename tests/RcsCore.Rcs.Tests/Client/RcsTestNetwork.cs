using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RcsCore.Hosting;
using RcsCore.Ims.Client;
using RcsCore.Ims.Registration;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Rcs.Tests.Client;

/// <summary>
/// A message centre (a real <see cref="SipServer"/> on TCP 127.0.0.1) with subscribers alice, bob and carol (Digest),
/// and <see cref="RcsClient"/>s registered with it over real sockets.
/// </summary>
internal sealed class RcsTestNetwork : IAsyncDisposable
{
    public const string Domain = "example.test";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    public static readonly SipTimerOptions Timers = new() { T1 = TimeSpan.FromMilliseconds(100), T2 = TimeSpan.FromMilliseconds(400), TimerD = TimeSpan.FromMilliseconds(500) };

    // RCS_TEST_LOG=1 prints the stack's logs (run the test executable directly to see them).
    private static readonly ILoggerFactory? s_logs = Environment.GetEnvironmentVariable("RCS_TEST_LOG") == "1"
        ? LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug))
        : null;

    private readonly List<RcsClient> _clients = [];

    private RcsTestNetwork(SipServer server, RcsCore.Hosting.ContentServer.FileTransferContentServer? contentServer, string? contentDirectory)
    {
        Server = server;
        ContentServer = contentServer;
        _contentDirectory = contentDirectory;
    }

    private readonly string? _contentDirectory;

    public SipServer Server { get; }

    /// <summary>The FT over HTTP content server (RCC.07), when started; clients then use it.</summary>
    public RcsCore.Hosting.ContentServer.FileTransferContentServer? ContentServer { get; }

    public SipEndPoint ServerEndPoint => Server.LocalEndPoints[0];

    public static SipUri Uri(string user) => SipUri.Parse($"sip:{user}@{Domain}");

    public static string Aor(string user) => $"sip:{user}@{Domain}";

    /// <summary>Starts the message centre; with <paramref name="msrpRelay"/> it runs its MSRP relay and every client uses it.</summary>
    /// <summary>With <paramref name="contentServer"/> a content server (on a free port, files under a temporary directory) runs too.</summary>
    public static async Task<RcsTestNetwork> StartAsync(MessageCentreOptions? centre = null, bool msrpRelay = false, bool contentServer = false, TimeSpan? fileValidity = null,
        IMessageStore? messageStore = null)
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (var user in (string[])["alice", "bob", "carol"])
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [Aor(user)], Password = user + "pw" });
        }
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            Subscribers = subscribers,
            Timers = Timers,
            MessageCentre = centre ?? new MessageCentreOptions(),
            MessageStore = messageStore,
            MsrpRelay = msrpRelay ? new RcsCore.Msrp.Relay.MsrpRelayOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Realm = Domain } : null,
        }, s_logs);
        await server.StartAsync();
        if (!contentServer)
        {
            return new RcsTestNetwork(server, null, null);
        }
        string directory = Path.Combine(Path.GetTempPath(), "rcscore-ft-" + Guid.NewGuid().ToString("N"));
        var content = new RcsCore.Hosting.ContentServer.FileTransferContentServer(new RcsCore.Hosting.ContentServer.ContentServerOptions
        {
            DataDirectory = directory,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            Realm = Domain,
            Validity = fileValidity ?? TimeSpan.FromDays(1),
            CleanupInterval = TimeSpan.FromMilliseconds(200),
        }, subscribers, s_logs);
        await content.StartAsync();
        return new RcsTestNetwork(server, content, directory);
    }

    /// <summary>A client for <paramref name="user"/>, registered unless <paramref name="start"/> is false.</summary>
    public async Task<RcsClient> ClientAsync(string user, bool start = true, bool autoAccept = false, TimeSpan? idleTimeout = null, IsComposingOptions? composing = null,
        long fileAutoAcceptMaxBytes = 0, string? fileDownloadDirectory = null, bool httpFileTransfer = true, RcsFileProvider? fileProvider = null)
    {
        var client = new RcsClient(new RcsClientOptions
        {
            PublicIdentity = Uri(user),
            DisplayName = char.ToUpperInvariant(user[0]) + user[1..],
            Server = ServerEndPoint,
            Credentials = ImsCredentials.FromPassword(user + "pw"),
            Timers = Timers,
            AcceptChatsAutomatically = autoAccept,
            ChatSessionIdleTimeout = idleTimeout ?? TimeSpan.FromMinutes(5),
            Composing = composing,
            MsrpRelay = Server.MsrpRelay?.Uri,
            FileAutoAcceptMaxBytes = fileAutoAcceptMaxBytes,
            FileDownloadDirectory = fileDownloadDirectory,
            FileTransferHttpServer = httpFileTransfer ? ContentServer?.BaseUri : null,
            FileProvider = fileProvider,
        }, s_logs);
        _clients.Add(client);
        if (start)
        {
            await client.StartAsync().WaitAsync(Wait);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
        await Server.DisposeAsync();
        if (ContentServer is not null)
        {
            await ContentServer.DisposeAsync();
            try
            {
                Directory.Delete(_contentDirectory!, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>Records a client's events in channels the tests await with a bound.</summary>
internal sealed class RcsRecorder
{
    public RcsRecorder(RcsClient client)
    {
        client.MessageReceived += (_, e) => Messages.Writer.TryWrite(e.Message);
        client.NotificationReceived += (_, e) => Notifications.Writer.TryWrite(e);
        client.ComposingChanged += (_, e) => Composing.Writer.TryWrite(e.State);
        client.ChatStateChanged += (_, e) => States.Writer.TryWrite(e);
    }

    public Channel<RcsMessage> Messages { get; } = Channel.CreateUnbounded<RcsMessage>();

    public Channel<RcsNotificationEventArgs> Notifications { get; } = Channel.CreateUnbounded<RcsNotificationEventArgs>();

    public Channel<IsComposingState> Composing { get; } = Channel.CreateUnbounded<IsComposingState>();

    public Channel<RcsChatStateEventArgs> States { get; } = Channel.CreateUnbounded<RcsChatStateEventArgs>();

    public Task<RcsMessage> NextMessageAsync() => Next(Messages);

    public Task<RcsNotificationEventArgs> NextNotificationAsync() => Next(Notifications);

    public Task<IsComposingState> NextComposingAsync() => Next(Composing);

    /// <summary>Waits for the chat with <paramref name="peer"/> to reach <paramref name="state"/>.</summary>
    public async Task WaitForStateAsync(string peer, RcsChatState state)
    {
        while (true)
        {
            var e = await Next(States);
            if (e.Chat.Peer == peer && e.Current == state)
            {
                return;
            }
        }
    }

    private static async Task<T> Next<T>(Channel<T> channel) => await channel.Reader.ReadAsync().AsTask().WaitAsync(RcsTestNetwork.Wait);
}

internal static class RcsTestExtensions
{
    public static async Task<RcsChatInvitation> NextInvitationAsync(this RcsClient client)
    {
        using var cts = new CancellationTokenSource(RcsTestNetwork.Wait);
        await foreach (var invitation in client.ReadInvitationsAsync(cts.Token))
        {
            return invitation;
        }
        throw new TimeoutException("no invitation");
    }

    public static async Task<RcsIncomingFileTransfer> NextFileTransferAsync(this RcsClient client)
    {
        using var cts = new CancellationTokenSource(RcsTestNetwork.Wait);
        await foreach (var transfer in client.ReadFileTransfersAsync(cts.Token))
        {
            return transfer;
        }
        throw new TimeoutException("no file transfer");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, bounded by <see cref="RcsTestNetwork.Wait"/>.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + RcsTestNetwork.Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
