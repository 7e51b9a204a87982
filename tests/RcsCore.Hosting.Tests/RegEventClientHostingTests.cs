using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Ims.Client;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>
/// Delivers inbound messages to the transaction layer, but holds every 2xx to SUBSCRIBE until the first NOTIFY has
/// been delivered: the NOTIFY-before-200 race of RFC 6665 §4.1.2.4, made certain on real sockets.
/// </summary>
internal sealed class NotifyFirstHandler(ISipInboundHandler inner) : ISipInboundHandler
{
    private readonly Lock _lock = new();
    private readonly List<SipInboundMessage> _held = [];
    private bool _notified;

    /// <summary>What was delivered, in order: a request's method, or "method status" for a response.</summary>
    public ConcurrentQueue<string> Delivered { get; } = new();

    private static string Describe(SipMessage m) =>
        m is SipRequest r ? r.Method : m.CSeq?.Method + " " + ((SipResponse)m).StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask OnMessageAsync(SipInboundMessage message, CancellationToken ct = default)
    {
        if (message.Message is SipResponse { IsSuccess: true, CSeq.Method: "SUBSCRIBE" })
        {
            lock (_lock)
            {
                if (!_notified)
                {
                    _held.Add(message);
                    return;
                }
            }
        }
        Delivered.Enqueue(Describe(message.Message));
        await inner.OnMessageAsync(message, ct);
        if (message.Message is SipRequest { Method: "NOTIFY" })
        {
            SipInboundMessage[] release;
            lock (_lock)
            {
                _notified = true;
                release = [.. _held];
                _held.Clear();
            }
            foreach (var held in release)
            {
                Delivered.Enqueue(Describe(held.Message));
                await inner.OnMessageAsync(held, ct);
            }
        }
    }
}

/// <summary>
/// The RcsCore registration client against the RcsCore registrar and reg event notifier on real UDP and TCP sockets:
/// register, subscribe (with the NOTIFY overtaking the 200), refresh, network-initiated deregistration followed by a
/// new registration and subscription, and unsubscription on dispose (RFC 3680, RFC 6665, 3GPP TS 24.229 §5.1.1.3, §5.1.1.7).
/// </summary>
public sealed class RegEventClientHostingTests
{
    private const string Domain = "example.test";
    private const string Aor = "sip:erin@" + Domain;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    private static async Task<SipServer> StartServerAsync(SipTransportProtocol protocol, Ims.Registration.ISubscriberStore? subscribers = null, TimeProvider? time = null)
    {
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            ServiceRoute = ["<sip:orig@scscf.example.test;lr>"],
            Timers = LoopbackUserAgent.FastTimers,
            Subscribers = subscribers,
            TimeProvider = time ?? TimeProvider.System,
        }, LoopbackUserAgent.s_logs);
        await server.StartAsync();
        return server;
    }

    private sealed class Ue : IAsyncDisposable
    {
        private readonly SemaphoreSlim _changed = new(0);

        public required LoopbackUserAgent Agent { get; init; }
        public required ImsRegistrationClient Client { get; init; }
        public required NotifyFirstHandler Inbound { get; init; }
        public ConcurrentQueue<ImsRegistration> Changes { get; } = new();
        public ConcurrentQueue<SipMessage> Sent { get; } = new();

        public static async Task<Ue> StartAsync(SipServer server, SipTransportProtocol protocol, TimeProvider? time = null, ImsCredentials? credentials = null, uint expires = ImsRegistrationOptions.DefaultExpires)
        {
            var agent = await LoopbackUserAgent.StartAsync("erin", protocol, time);
            var inbound = new NotifyFirstHandler(agent.Ua.Transactions);
            agent.Transport.Handler = inbound;
            var client = new ImsRegistrationClient(agent.Ua, new ImsRegistrationOptions
            {
                Registrar = SipUri.Parse("sip:" + Domain),
                NextHop = server.LocalEndPoints[0],
                PublicIdentity = new SipNameAddress(SipUri.Parse(Aor)),
                PrivateIdentity = "erin@" + Domain,
                InstanceId = "urn:gsma:imei:35209900-176148-1",
                RegId = 1,
                SubscribeToRegEvent = true,
                Credentials = credentials,
                Expires = expires,
            }, time, LoopbackUserAgent.s_logs?.CreateLogger<ImsRegistrationClient>());
            var ue = new Ue { Agent = agent, Client = client, Inbound = inbound };
            agent.Sender.Drop = (m, _) =>
            {
                ue.Sent.Enqueue(m);
                return false;
            };
            client.RegistrationChanged += (_, e) =>
            {
                ue.Changes.Enqueue(e.Current);
                ue._changed.Release();
            };
            return ue;
        }

        public async Task<ImsRegistration> WaitForAsync(Func<ImsRegistration, bool> match)
        {
            using var cts = new CancellationTokenSource(s_wait);
            while (true)
            {
                while (Changes.TryDequeue(out var r))
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

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<SipSubscription> SubscribedAsync(Ue ue)
    {
        await UntilAsync(() => ue.Client.RegEventSubscription is { State: SipSubscriptionState.Active }, "the reg subscription becomes active");
        return ue.Client.RegEventSubscription!;
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task NotifyBeforeThe200IsAcceptedAndTheSubscriptionLives(SipTransportProtocol protocol)
    {
        await using var server = await StartServerAsync(protocol);
        await using var ue = await Ue.StartAsync(server, protocol);

        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ImsRegistrationState.Registered, registered.State);
        var subscription = await SubscribedAsync(ue);

        // The notifier's first NOTIFY reached the UA before the 200 (held back), and was answered 200, not 481.
        await UntilAsync(() => ue.Inbound.Delivered.Contains("SUBSCRIBE 200"), "the held 200 is delivered");
        var order = ue.Inbound.Delivered.Where(d => d is "NOTIFY" or "SUBSCRIBE 200").ToArray();
        Assert.Equal("NOTIFY", order[0]);
        Assert.Contains(ue.Sent, m => m is SipResponse { StatusCode: 200, CSeq.Method: "NOTIFY" });
        Assert.DoesNotContain(ue.Sent, m => m is SipResponse { StatusCode: 481 });
        Assert.Equal(1, server.RegEvents.Count);
        // RFC 3680 §5.1: the full state lists our contact as active.
        Assert.Contains("state=\"active\"", System.Text.Encoding.UTF8.GetString(subscription.LastNotify!.Body.Span), StringComparison.Ordinal);
        // One dialog for the subscription, no fork: the 200 joined the dialog the NOTIFY created.
        Assert.Single(ue.Agent.Ua.Subscriptions);
        await UntilAsync(() => subscription.Response is not null, "the 200 is processed");
        Assert.Equal(200, subscription.Response!.StatusCode);
        Assert.Equal(subscription.Dialog!.RemoteTag, subscription.Response.To!.Tag);
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task RefreshInTheDialogGetsANewNotify(SipTransportProtocol protocol)
    {
        // The UE runs on a virtual clock, so the refresh timer can be jumped to; the sockets are real.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(protocol);
        await using var ue = await Ue.StartAsync(server, protocol, time);
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        var subscription = await SubscribedAsync(ue);
        var expiresAt = subscription.ExpiresAt!.Value;
        // The notifier grants at most 2 h; TS 24.229 §5.1.1.3 timing refreshes 600 s before the end.
        Assert.Equal(TimeSpan.FromHours(2), expiresAt - time.GetUtcNow());
        int notifies = ue.Inbound.Delivered.Count(d => d == "NOTIFY");
        static bool IsRefresh(SipMessage m) => m is SipRequest { Method: "SUBSCRIBE" } r && r.To!.Tag is not null;

        time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(601));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(ue.Sent, IsRefresh);
        time.Advance(TimeSpan.FromSeconds(1));

        await UntilAsync(() => ue.Sent.Any(IsRefresh), "the refresh goes out");
        var refresh = (SipRequest)ue.Sent.First(IsRefresh);
        // RFC 6665 §4.1.2.2: in the dialog, same Event, the duration asked for again.
        Assert.Equal(subscription.Dialog!.CallId, refresh.CallId);
        Assert.Equal(subscription.Dialog.RemoteTag, refresh.To!.Tag);
        Assert.Equal("reg", refresh.GetHeader(SipHeaderName.Event));
        Assert.Equal(600000u, refresh.Expires);
        await UntilAsync(() => subscription.ExpiresAt > expiresAt, "the 200 extends the subscription");
        // RFC 6665 §4.2.1.2: the notifier answers a refresh with a NOTIFY; RFC 3680 §5.2: a newer version.
        await UntilAsync(() => ue.Inbound.Delivered.Count(d => d == "NOTIFY") > notifies, "a NOTIFY follows the refresh");
        await UntilAsync(() => ImsRegInfo.TryParse(subscription.LastNotify!.Body, out var v) && v!.Version > 0, "the newer document is applied");
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        Assert.Equal(1, server.RegEvents.Count);
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task NetworkInitiatedDeregistrationMakesTheUeRegisterAndSubscribeAgain(SipTransportProtocol protocol)
    {
        await using var server = await StartServerAsync(protocol);
        await using var ue = await Ue.StartAsync(server, protocol);
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        var subscription = await SubscribedAsync(ue);
        Assert.Single(await server.Locations.LookupAsync(Aor));

        // The operator removes the binding (TS 24.229 §5.4.1.5): NOTIFY with our contact deactivated, subscription terminated.
        Assert.Equal(1, await server.Registrar.DeregisterAsync(Aor));

        // TS 24.229 §5.1.1.7: the UE drops the registration and starts an initial registration.
        var down = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Unregistered);
        Assert.Equal(ImsRegistrationError.DeregisteredByNetwork, down.Error);
        var up = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered);
        Assert.Single(await server.Locations.LookupAsync(Aor));
        Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
        Assert.Equal("deactivated", subscription.Termination!.Reason);
        Assert.True(subscription.Termination.ByNotifier);
        // TS 24.229 §5.1.1.3: the new registration subscribes again, in a new dialog.
        var again = await SubscribedAsync(ue);
        Assert.NotSame(subscription, again);
        Assert.NotEqual(subscription.Request!.CallId, again.Request!.CallId);
        await UntilAsync(() => server.RegEvents.Count == 1, "one live subscription at the notifier");
        Assert.NotNull(up.ExpiresAt);
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task DisposeUnsubscribes(SipTransportProtocol protocol)
    {
        await using var server = await StartServerAsync(protocol);
        var ue = await Ue.StartAsync(server, protocol);
        SipSubscription subscription;
        try
        {
            await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
            subscription = await SubscribedAsync(ue);
            Assert.Equal(1, server.RegEvents.Count);

            await ue.Client.DisposeAsync();

            // RFC 6665 §4.1.2.3: SUBSCRIBE Expires 0 in the dialog; the notifier confirms with a terminated NOTIFY.
            var unsubscribe = ue.Sent.OfType<SipRequest>().Last(r => r.Method == "SUBSCRIBE");
            Assert.Equal(0u, unsubscribe.Expires);
            Assert.NotNull(unsubscribe.To!.Tag);
            Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
            Assert.True(subscription.Termination!.ByNotifier);
            Assert.Equal(0, server.RegEvents.Count);
            Assert.Null(ue.Client.RegEventSubscription);
            Assert.DoesNotContain(ue.Sent, m => m is SipResponse { StatusCode: 481 });
            // Dispose does not deregister.
            Assert.Single(await server.Locations.LookupAsync(Aor));
        }
        finally
        {
            await ue.DisposeAsync();
        }
    }

    private static readonly byte[] s_k = Convert.FromHexString("465b5ce8b199b49faa5f0a2ee238a6bc");
    private static readonly byte[] s_opc = Convert.FromHexString("cd63cb71954a9f4e48a5994e37a02baf");

    [Theory]
    [InlineData(SipTransportProtocol.Udp, false)]
    [InlineData(SipTransportProtocol.Tcp, false)]
    [InlineData(SipTransportProtocol.Udp, true)]
    [InlineData(SipTransportProtocol.Tcp, true)]
    public async Task ClientRegistersRefreshesAndDeregistersWithDigestOrAkaAndResync(SipTransportProtocol protocol, bool aka)
    {
        var subscribers = new Ims.Registration.InMemorySubscriberStore();
        await subscribers.SaveAsync(aka
            ? new Ims.Registration.SipSubscriber { Impi = "erin@" + Domain, Impus = [Aor], Aka = new Ims.Registration.SipAkaSubscription(s_k, s_opc) }
            : new Ims.Registration.SipSubscriber { Impi = "erin@" + Domain, Impus = [Aor], Password = "erinpw" });
        await using var server = await StartServerAsync(protocol, subscribers);
        // The USIM has used SQN up to SEQ 500: the HSS (at 0) is behind, so the first challenge ends in a resync (RFC 3310 §3.4).
        var credentials = aka
            ? ImsCredentials.FromAka(s_k, s_opc, new Ims.Authentication.ImsAkaSequenceWindow(highestAccepted: (500UL << 5) | 1))
            : ImsCredentials.FromPassword("erinpw");
        await using var ue = await Ue.StartAsync(server, protocol, credentials: credentials);

        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, registered.State);
        Assert.Equal(TimeSpan.FromHours(2), registered.Expires); // the registrar's maximum
        Assert.Equal("sip:orig@scscf.example.test;lr", Assert.Single(registered.ServiceRoute).Uri.Text);
        Assert.Equal(Aor, registered.DefaultPublicIdentity!.Uri.Text);
        Assert.NotNull(registered.PublicGruu);
        Assert.NotNull(registered.TemporaryGruu);
        Assert.Single(await server.Locations.LookupAsync(Aor));
        var registers = ue.Sent.OfType<SipRequest>().Where(r => r.Method == "REGISTER").ToArray();
        if (aka)
        {
            // Initial (empty response), resync (auts), then the answer to the fresh vector.
            Assert.Equal(3, registers.Length);
            Assert.Contains("auts=", registers[1].GetHeader(SipHeaderName.Authorization), StringComparison.Ordinal);
            Assert.True((await subscribers.FindByImpiAsync("erin@" + Domain))!.Aka!.Sequence > 500);
        }
        else
        {
            Assert.Equal(2, registers.Length);
        }
        await SubscribedAsync(ue);

        // Re-registration (refresh): same Call-ID, higher CSeq, still one binding.
        var refreshed = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ImsRegistrationState.Registered, refreshed.State);
        var refresh = ue.Sent.OfType<SipRequest>().Last(r => r.Method == "REGISTER");
        Assert.Equal(registers[0].CallId, refresh.CallId);
        Assert.True(refresh.CSeq!.Value.Number > registers[^1].CSeq!.Value.Number);
        Assert.Single(await server.Locations.LookupAsync(Aor));

        // Deregistration (RFC 3261 §10.2.2, TS 24.229 §5.1.1.6): the binding is gone, so is the reg subscription.
        var down = await ue.Client.UnregisterAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ImsRegistrationState.Unregistered, down.State);
        Assert.Equal(ImsRegistrationError.None, down.Error);
        Assert.Equal(200, down.StatusCode);
        Assert.Empty(await server.Locations.LookupAsync(Aor));
        await UntilAsync(() => server.RegEvents.Count == 0, "the reg subscription ends");
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task ExpiredBindingIsReportedAndTheClientRegistersAgain(SipTransportProtocol protocol)
    {
        // The registrar's clock is virtual: the binding can expire without waiting.
        var serverTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartServerAsync(protocol, time: serverTime);
        await using var ue = await Ue.StartAsync(server, protocol, expires: 60);
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        Assert.Equal(TimeSpan.FromSeconds(60), registered.Expires);
        await SubscribedAsync(ue);

        // The UE's refresh (at 30 s of real time) has not happened; on the registrar's clock the binding expires.
        serverTime.Advance(TimeSpan.FromSeconds(61));

        // RFC 3680 §5.1: the NOTIFY says expired; the UE registers again from scratch.
        var down = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Unregistered);
        Assert.Equal(ImsRegistrationError.DeregisteredByNetwork, down.Error);
        await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered);
        var deadline = DateTime.UtcNow + s_wait;
        while ((await server.Locations.LookupAsync(Aor)).Count != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the binding is back");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
