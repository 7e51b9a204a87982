using System.Net;
using System.Security.Cryptography;
using RcsCore.Hosting;
using RcsCore.Ims.Client;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Benchmarks;

/// <summary>
/// What <c>rcs demo</c> sets up, for the chat benchmarks: a <see cref="SipServer"/> (registrar, proxy, message centre
/// on SQLite in a temporary directory) on 127.0.0.1 over TCP, two registered <see cref="RcsClient"/>s (alice, bob) and
/// an established CPM 1-1 chat alice → bob (INVITE through the proxy, MSRP session up).
/// </summary>
internal sealed class ChatRig : IAsyncDisposable
{
    private const string Domain = "rcs.bench";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private readonly string _data;

    private ChatRig(string data, SipServer server, RcsClient alice, RcsClient bob)
    {
        _data = data;
        Server = server;
        Alice = alice;
        Bob = bob;
    }

    public SipServer Server { get; }
    public RcsClient Alice { get; }
    public RcsClient Bob { get; }
    public RcsChat AliceChat { get; private set; } = null!;
    public RcsChat BobChat { get; private set; } = null!;

    public static async Task<ChatRig> StartAsync()
    {
        string data = Path.Combine(Path.GetTempPath(), "rcs-bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            DataDirectory = data,
            MessageCentre = new MessageCentreOptions(),
        });
        foreach (string user in (string[])["alice", "bob"])
        {
            await server.Subscribers!.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "-secret" });
        }
        await server.StartAsync();
        var endPoint = server.LocalEndPoints[0];
        RcsClient Create(string name) => new(new RcsClientOptions
        {
            PublicIdentity = SipUri.Parse($"sip:{name}@{Domain}"),
            Server = endPoint,
            Credentials = ImsCredentials.FromPassword(name + "-secret"),
            Product = "RcsCore-bench",
            AcceptChatsAutomatically = true,
        });
        var rig = new ChatRig(data, server, Create("alice"), Create("bob"));
        await rig.Alice.StartAsync();
        await rig.Bob.StartAsync();
        rig.AliceChat = await rig.Alice.OpenChatAsync(SipUri.Parse($"sip:bob@{Domain}")).WaitAsync(s_wait);
        // The first message makes sure the MSRP session is bound on both sides and gives bob his RcsChat.
        var first = new TaskCompletionSource<RcsMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnFirst(object? sender, RcsMessageReceivedEventArgs e) => first.TrySetResult(e.Message);
        rig.Bob.MessageReceived += OnFirst;
        await rig.AliceChat.SendMessageAsync("hello").WaitAsync(s_wait);
        var got = await first.Task.WaitAsync(s_wait);
        rig.Bob.MessageReceived -= OnFirst;
        rig.BobChat = got.Chat ?? throw new InvalidOperationException("bob's message has no chat");
        if (rig.AliceChat.State != RcsChatState.Active || rig.AliceChat.SessionCallId != rig.BobChat.SessionCallId)
        {
            throw new InvalidOperationException("the chat session is not established on both sides");
        }
        return rig;
    }

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
