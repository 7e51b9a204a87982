using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RcsCore.Ims.Client;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Ims.Tests.Client;

/// <summary>A user agent on a real loopback socket (UDP or TCP).</summary>
internal sealed class LoopbackAgent : IAsyncDisposable
{
    public static readonly SipTimerOptions FastTimers = new() { T1 = TimeSpan.FromMilliseconds(50), T2 = TimeSpan.FromMilliseconds(400), TimerD = TimeSpan.FromMilliseconds(500) };

    // RCS_TEST_LOG=1 prints the stack's logs.
    public static readonly ILoggerFactory? Logs = Environment.GetEnvironmentVariable("RCS_TEST_LOG") == "1"
        ? LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Trace))
        : null;

    private LoopbackAgent(string identity, SipTransportProtocol protocol)
    {
        Protocol = protocol;
        Transport = new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
        }, null, Logs);
        Ua = new SipUserAgent(Transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse(identity)),
            SentBy = dest => new SipHostPort("127.0.0.1", Transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
        }, FastTimers, null, Logs);
        Transport.Handler = Ua.Transactions;
    }

    public SipTransportProtocol Protocol { get; }
    public SipTransportLayer Transport { get; }
    public SipUserAgent Ua { get; }
    public SipEndPoint Local => Transport.GetLocalEndPoint(Protocol)!.Value;

    public static async Task<LoopbackAgent> StartAsync(string identity, SipTransportProtocol protocol)
    {
        var agent = new LoopbackAgent(identity, protocol);
        await agent.Transport.StartAsync();
        return agent;
    }

    public async ValueTask DisposeAsync()
    {
        Ua.Dispose();
        await Transport.DisposeAsync();
    }
}

/// <summary>
/// A registrar scripted by the test: every REGISTER goes to <see cref="OnRegister"/> (default: 200 echoing the
/// Contact), SUBSCRIBE to reg gets 200 and can then be notified with <see cref="NotifyAsync"/>.
/// </summary>
internal sealed class ScriptedRegistrar : IAsyncDisposable
{
    private readonly Channel<SipRequest> _registers = Channel.CreateUnbounded<SipRequest>();
    private readonly Channel<SipRequest> _subscribes = Channel.CreateUnbounded<SipRequest>();
    private int _notifyVersion;

    private ScriptedRegistrar(LoopbackAgent agent)
    {
        Agent = agent;
        agent.Ua.Handle("REGISTER", (request, _) => ValueTask.FromResult<SipResponse?>(Handle(request)));
        agent.Ua.Handle("SUBSCRIBE", HandleSubscribeAsync);
    }

    public LoopbackAgent Agent { get; }

    public SipEndPoint EndPoint => Agent.Local;

    public ConcurrentQueue<SipRequest> Registers { get; } = new();

    public ConcurrentQueue<SipRequest> Subscribes { get; } = new();

    /// <summary>Answers a REGISTER; the default accepts with the granted expiry of <see cref="GrantedExpires"/>.</summary>
    public Func<SipIncomingRequest, SipResponse>? OnRegister { get; set; }

    public uint GrantedExpires { get; set; } = 3600;

    public SipDialog? Subscription { get; private set; }

    public SipEndPoint SubscriberEndPoint { get; private set; }

    public static async Task<ScriptedRegistrar> StartAsync(SipTransportProtocol protocol) =>
        new(await LoopbackAgent.StartAsync("sip:registrar@127.0.0.1", protocol));

    public async Task<SipRequest> NextRegisterAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _registers.Reader.ReadAsync(cts.Token);
    }

    public bool TryNextRegister(out SipRequest? request) => _registers.Reader.TryRead(out request);

    public async Task<SipRequest> NextSubscribeAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _subscribes.Reader.ReadAsync(cts.Token);
    }

    private SipResponse Handle(SipIncomingRequest incoming)
    {
        Registers.Enqueue(incoming.Request);
        try
        {
            return OnRegister?.Invoke(incoming) ?? Ok(incoming, GrantedExpires);
        }
        finally
        {
            _registers.Writer.TryWrite(incoming.Request);
        }
    }

    /// <summary>A 200 listing the request's Contact with the granted expiry and the IMS headers.</summary>
    public static SipResponse Ok(SipIncomingRequest incoming, uint expires)
    {
        var b = incoming.CreateResponse(200);
        var request = incoming.Request;
        foreach (var c in request.Contacts)
        {
            uint e = c.GetParameter("expires") is { } ce ? uint.Parse(ce, System.Globalization.CultureInfo.InvariantCulture) : request.Expires ?? 3600;
            if (e == 0)
            {
                continue;
            }
            var listed = new SipNameAddress(c.Uri, null, c.Parameters.Where(p => p.Key != "expires"))
                .WithParameter("expires", Math.Min(e, expires).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithParameter("pub-gruu", "\"sip:alice@ims.test;gr=urn:uuid:00000000-0000-1000-8000-000000000001\"")
                .WithParameter("temp-gruu", "\"sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@ims.test;gr\"");
            b.AddHeader(SipHeaderName.Contact, listed.ToString());
            // Another device of the same AOR.
            b.AddHeader(SipHeaderName.Contact, "<sip:alice@192.0.2.9:5060>;expires=100");
        }
        b.AddHeader(SipHeaderName.ServiceRoute, "<sip:orig@scscf.ims.test;lr>");
        b.AddHeader(SipHeaderName.Path, "<sip:term@pcscf.ims.test;lr>");
        b.AddHeader(SipHeaderName.PAssociatedUri, "<sip:alice@ims.test>, <tel:+15551234567>");
        return b.Build();
    }

    private async ValueTask<SipResponse?> HandleSubscribeAsync(SipIncomingRequest incoming, CancellationToken ct)
    {
        Subscribes.Enqueue(incoming.Request);
        uint expires = incoming.Request.Expires ?? 600000;
        var b = incoming.CreateResponse(200);
        b.AddHeader(SipHeaderName.Expires, expires.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await incoming.SendResponseAsync(((SipResponseBuilder)b).Build(), ct);
        if (incoming.Request.To?.Tag is null)
        {
            // RFC 6665 §4.2.1: the user agent core made the dialog from the 2xx.
            Subscription = incoming.Dialog;
            SubscriberEndPoint = incoming.Remote;
        }
        _subscribes.Writer.TryWrite(incoming.Request);
        if (expires == 0 && incoming.Dialog is { } dialog)
        {
            // RFC 6665 §4.2.1.4: an unsubscription is confirmed by a NOTIFY with Subscription-State terminated.
            await NotifyAsync("sip:alice@ims.test", "sip:none@127.0.0.1", "terminated", "terminated", "unregistered", "terminated;reason=timeout", dialog: dialog);
        }
        return null;
    }

    /// <summary>Sends a reg event NOTIFY with our contact in the given state/event (RFC 3680 §5.3).</summary>
    public Task<SipResponse> NotifyAsync(string aor, string contactUri, string registrationState, string contactState, string contactEvent,
        string subscriptionState = "active;expires=600000", long? version = null, bool full = true, uint? retryAfter = null, SipDialog? dialog = null)
    {
        var d = dialog ?? Subscription ?? throw new InvalidOperationException("no subscription");
        var b = d.CreateRequest("NOTIFY");
        b.AddHeader(SipHeaderName.Event, "reg");
        b.AddHeader(SipHeaderName.SubscriptionState, subscriptionState);
        long v = version ?? _notifyVersion;
        _notifyVersion = (int)v + 1;
        string retry = retryAfter is { } r ? $" retry-after=\"{r}\"" : string.Empty;
        var xml = $"""
            <?xml version="1.0"?>
            <reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="{v}" state="{(full ? "full" : "partial")}">
              <registration aor="{aor}" id="a7" state="{registrationState}">
                <contact id="76" state="{contactState}" event="{contactEvent}" expires="0"{retry}>
                  <uri>{System.Security.SecurityElement.Escape(contactUri)}</uri>
                </contact>
              </registration>
            </reginfo>
            """;
        b.SetBody(Encoding.UTF8.GetBytes(xml), "application/reginfo+xml");
        return d.SendRequestAsync(b.Build());
    }

    public ValueTask DisposeAsync() => Agent.DisposeAsync();
}

/// <summary>A UE: a loopback agent plus an <see cref="ImsRegistrationClient"/> registering at a registrar.</summary>
internal sealed class TestUe : IAsyncDisposable
{
    private readonly ConcurrentQueue<ImsRegistration> _changes = new();
    private readonly SemaphoreSlim _changed = new(0);

    private TestUe(LoopbackAgent agent, ImsRegistrationClient client)
    {
        Agent = agent;
        Client = client;
        client.RegistrationChanged += (_, e) =>
        {
            _changes.Enqueue(e.Current);
            _changed.Release();
        };
    }

    public LoopbackAgent Agent { get; }
    public ImsRegistrationClient Client { get; }

    public static ImsRegistrationOptions Options(ScriptedRegistrar registrar, ImsCredentials? credentials, Func<ImsRegistrationOptions, ImsRegistrationOptions>? change = null) => new()
    {
        Registrar = SipUri.Parse("sip:ims.test"),
        NextHop = registrar.EndPoint,
        PublicIdentity = new SipNameAddress(SipUri.Parse("sip:alice@ims.test")),
        PrivateIdentity = "alice@ims.test",
        Credentials = credentials,
        InstanceId = "urn:gsma:imei:35209900-176148-0",
        RegId = 1,
        SubscribeToRegEvent = false,
        RetryBaseTime = TimeSpan.FromMilliseconds(100),
        RetryMaxTime = TimeSpan.FromMilliseconds(400),
        FeatureTags = new ImsFeatureTags
        {
            Icsi = ["urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session"],
            Iari = ["urn:urn-7:3gpp-application.ims.iari.rcs.chatbot"],
            BotVersions = ["#=1", "#=2"],
        },
    };

    public static async Task<TestUe> StartAsync(SipTransportProtocol protocol, Func<LoopbackAgent, ImsRegistrationOptions> options, TimeProvider? time = null)
    {
        var agent = await LoopbackAgent.StartAsync("sip:alice@ims.test", protocol);
        var client = new ImsRegistrationClient(agent.Ua, options(agent), time, LoopbackAgent.Logs?.CreateLogger<ImsRegistrationClient>());
        return new TestUe(agent, client);
    }

    /// <summary>Waits for a registration change matching <paramref name="match"/>.</summary>
    public async Task<ImsRegistration> WaitForAsync(Func<ImsRegistration, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            while (_changes.TryDequeue(out var r))
            {
                if (match(r))
                {
                    return r;
                }
            }
            await _changed.WaitAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Agent.DisposeAsync();
    }
}
