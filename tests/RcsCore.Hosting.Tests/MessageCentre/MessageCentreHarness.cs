using System.Globalization;
using System.Net;
using System.Threading.Channels;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Hosting.Tests.MessageCentre;

/// <summary>A SipServer with subscribers alice, bob and carol (Digest), and user agents on real UDP sockets.</summary>
internal static class MessageCentreHarness
{
    public const string Domain = "example.test";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static int s_cseq;

    public static async Task<InMemorySubscriberStore> SubscribersAsync()
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (var user in (string[])["alice", "bob", "carol"])
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "pw" });
        }
        return subscribers;
    }

    public static async Task<SipServer> StartServerAsync(MessageCentreOptions? centre = null, ISubscriberStore? subscribers = null, string? dataDirectory = null,
        IMessagingPolicy? policy = null)
    {
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            DataDirectory = dataDirectory,
            Subscribers = subscribers,
            Timers = LoopbackUserAgent.FastTimers,
            MessageCentre = centre ?? new MessageCentreOptions(),
            MessagingPolicy = policy,
        });
        await server.StartAsync();
        return server;
    }

    /// <summary>REGISTER with Digest (401, then credentials): the UA's contact becomes a binding of sip:user@example.test.</summary>
    public static async Task RegisterAsync(LoopbackUserAgent ua, SipServer server, string user, uint expires = 600)
    {
        var serverEp = server.LocalEndPoints[0];
        string callId = "reg-" + user + "-" + ua.Local.Address.Port;
        SipRequest Register(string? authorization)
        {
            var aor = new SipNameAddress(SipUri.Parse($"sip:{user}@{Domain}"));
            var b = ua.Ua.CreateRequest("REGISTER", SipUri.Parse($"sip:{Domain}"), serverEp, aor, callId, (uint)Interlocked.Increment(ref s_cseq));
            b.SetHeader(SipHeaderName.From, $"<sip:{user}@{Domain}>;tag=reg{ua.Local.Address.Port}");
            b.AddHeader(SipHeaderName.Contact, $"<{ua.Uri(user).Text}>");
            b.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
            if (authorization is not null)
            {
                b.AddHeader(SipHeaderName.Authorization, authorization);
            }
            return b.Build();
        }
        var challenge = await ua.Ua.SendRequestAsync(Register(null), serverEp).WaitAsync(Wait);
        Assert.Equal(401, challenge.StatusCode);
        Assert.True(SipDigestChallenge.TryParse(challenge.GetHeader(SipHeaderName.WwwAuthenticate)!, out var c).IsSuccess);
        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateCredentials(c!, $"{user}@{Domain}", user + "pw", "REGISTER", $"sip:{Domain}", default, out var credentials));
        var ok = await ua.Ua.SendRequestAsync(Register(credentials!.ToString()), serverEp).WaitAsync(Wait);
        Assert.Equal(200, ok.StatusCode);
    }

    /// <summary>A pager-mode MESSAGE from <paramref name="from"/> (its AoR in From) to sip:to@example.test through the server.</summary>
    public static async Task<SipResponse> SendAsync(LoopbackUserAgent from, SipServer server, string fromUser, string to, byte[] body, string contentType = CpimTestMessages.ContentType,
        Action<SipRequestBuilder>? edit = null)
    {
        var serverEp = server.LocalEndPoints[0];
        var b = from.Ua.CreateRequest("MESSAGE", SipUri.Parse($"sip:{to}@{Domain}"), serverEp, new SipNameAddress(SipUri.Parse($"sip:{to}@{Domain}")));
        b.SetHeader(SipHeaderName.From, $"\"{char.ToUpperInvariant(fromUser[0])}{fromUser[1..]}\" <sip:{fromUser}@{Domain}>;tag={SipIds.NewTag()}");
        b.SetBody(body, contentType);
        edit?.Invoke(b);
        return await from.Ua.SendRequestAsync(b.Build(), serverEp).WaitAsync(Wait);
    }

    /// <summary>Answers every MESSAGE the UA gets with <paramref name="status"/> and records it.</summary>
    public static Channel<SipRequest> Inbox(LoopbackUserAgent ua, int status = 200)
    {
        var inbox = Channel.CreateUnbounded<SipRequest>();
        ua.Ua.Handle("MESSAGE", (req, _) =>
        {
            inbox.Writer.TryWrite(req.Request);
            return ValueTask.FromResult<SipResponse?>(req.CreateResponse(status).Build());
        });
        return inbox;
    }

    public static async Task<SipRequest> NextAsync(this Channel<SipRequest> inbox) => await inbox.Reader.ReadAsync().AsTask().WaitAsync(Wait);

    /// <summary>Waits until <paramref name="condition"/> holds (polling a store), bounded by <see cref="Wait"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
