using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Hosting.Storage;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Hosting;

/// <summary>
/// A SIP server a host runs: transport (UDP/TCP/TLS), transaction layer, a registrar with its location service
/// (RFC 3261 §10.3; REGISTER for its domains) and reg event package (RFC 3680; SUBSCRIBE with Event: reg), a stateful
/// proxy routing by registered bindings (chosen by caller preferences, RFC 3841) then static routes, OPTIONS capability
/// answers for its users from their registered feature tags (GSMA RCC.07 §2.6.1.1), and a small UAS for requests
/// addressed to the server itself (OPTIONS → 200 with Allow/Accept/Supported, RFC 3261 §11.2; unknown methods → 405 with Allow, §8.2.1;
/// requests for dialogs it does not have → 481, §12.2.2). Out-of-dialog MESSAGE requests for its users go to the
/// <see cref="MessageCentre"/> (pager mode with store-and-forward, RFC 3428). With a data directory, subscribers,
/// bindings and stored messages live in the embedded store and REGISTER must authenticate (Digest or IMS AKA).
/// </summary>
public sealed partial class SipServer : IAsyncDisposable, ISipTransactionUser
{
    /// <summary>Methods the server itself accepts.</summary>
    public static readonly IReadOnlyList<string> AllowedMethods = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "MESSAGE", "REGISTER", "SUBSCRIBE", "NOTIFY", "PUBLISH", "REFER", "INFO", "UPDATE", "PRACK"];

    private readonly SipServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SipSenderVerifier? _senders;
    private readonly ILogger _logger;
    private readonly SipTransportLayer _transport;
    private readonly RcsCore.Pcap.PcapTrafficRecorder? _capture;
    private readonly SipTransactionLayer _transactions;
    private readonly SipProxyCore _proxy;
    private readonly RcsDatabase? _database;
    private readonly SipAkaRegistrarAuthenticator? _aka;
    private readonly SipLocationRouter _locationRouter;
    private readonly SqliteMessageStore? _ownedMessageStore;
    private readonly SipCapabilityResponder _capabilities;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _ownedCertificate;

    /// <summary>Creates the server; call <see cref="StartAsync"/> to bind.</summary>
    public SipServer(SipServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SipServer>();
        var certificate = options.TlsCertificate;
        if (certificate is null && options.Listen.Any(l => l.Protocol == SipTransportProtocol.Tls))
        {
            certificate = _ownedCertificate = SelfSignedCertificate.Create();
        }
        if (options.CapturePath is { } capturePath)
        {
            // Records every message the transport sends and receives as pcapng (rcs serve --capture).
            _capture = new RcsCore.Pcap.PcapTrafficRecorder(capturePath);
        }
        _transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [.. options.Listen], TlsCertificate = certificate, Observer = _capture }, null, loggerFactory);
        _transactions = new SipTransactionLayer(_transport, this, options.Timers, TimeProvider.System, loggerFactory.CreateLogger<SipTransactionLayer>());
        _transport.Handler = _transactions;
        Router = new StaticLocationRouter();
        foreach (var (user, contacts) in options.StaticRoutes)
        {
            Router.Set(user, contacts.Select(SipUri.Parse));
        }

        // The embedded store: subscribers and write-through bindings (<data>/rcscore.db).
        IBindingStore bindings;
        var subscribers = options.Subscribers;
        if (options.DataDirectory is { } dir)
        {
            _database = RcsDatabase.Open(dir);
            subscribers ??= new SqliteSubscriberStore(_database);
            bindings = SqliteBindingStore.Open(_database);
        }
        else
        {
            bindings = new InMemoryBindingStore();
        }
        Subscribers = subscribers;
        Locations = new SipLocationService(bindings, options.Registration, options.TimeProvider, loggerFactory.CreateLogger<SipLocationService>());
        ISipRegistrarAuthenticator? authenticator = null;
        if (subscribers is not null)
        {
            _aka = new SipAkaRegistrarAuthenticator(subscribers, new SipAkaAuthenticatorOptions { Realm = options.Realm }, options.TimeProvider,
                loggerFactory.CreateLogger<SipAkaRegistrarAuthenticator>());
            authenticator = new SipSubscriberAuthenticator(subscribers,
                new SipDigestRegistrarAuthenticator(subscribers, options.DigestAlgorithms is { Count: > 0 } algorithms ? new SipDigestAuthenticatorOptions { Realm = options.Realm, Algorithms = algorithms } : new SipDigestAuthenticatorOptions { Realm = options.Realm }, options.TimeProvider,
                    loggerFactory.CreateLogger<SipDigestRegistrarAuthenticator>()),
                _aka, options.Realm);
        }
        Registrar = new SipRegistrar(Locations, new SipRegistrarOptions
        {
            IsLocalDomain = IsOurDomain,
            ServiceRoute = [.. options.ServiceRoute],
            ServerName = options.ServerName,
        }, authenticator, subscribers, loggerFactory.CreateLogger<SipRegistrar>());
        RegEvents = new SipRegEventNotifier(Registrar, new RequestSender(this), subscribers, new SipRegEventOptions { ServerName = options.ServerName },
            loggerFactory.CreateLogger<SipRegEventNotifier>());
        Presence = new SipPresenceAgent(new RequestSender(this), options.TimeProvider, options.ServerName);
        _locationRouter = new SipLocationRouter(Registrar, Router, options.Domains, subscribers);
        _capabilities = new SipCapabilityResponder(_locationRouter, Router, subscribers, options);
        ISipTargetResolver resolver = options.UseDns
            ? new CompositeSipTargetResolver(new StaticSipTargetResolver(), new DnsSipTargetResolver(new DnsClient.LookupClient(), null, loggerFactory.CreateLogger<DnsSipTargetResolver>()))
            : new StaticSipTargetResolver();
        // Large-message INVITEs for users with no contact go to the message centre's depot (OMA CPM deferred messaging).
        var proxyRouter = new LargeMessageRouter(_locationRouter, () => MessageCentre);
        _proxy = new SipProxyCore(_transactions, _transport, resolver, proxyRouter,
            new SipProxyOptions { Domains = options.Domains, LocalEndPoint = p => _transport.GetLocalEndPoint(p) },
            loggerFactory.CreateLogger<SipProxyCore>());

        // The message centre (CPM participating function): pager-mode MESSAGE with store-and-forward.
        var messageStore = options.MessageStore ?? (_database is not null ? _ownedMessageStore = SqliteMessageStore.Open(_database) : new InMemoryMessageStore());
        var users = new SipMessageRecipientDirectory(_locationRouter, Router, subscribers, options.Domains);
        // With subscribers (authenticated registration) nobody may send MESSAGE or INVITE in a user's name but that user.
        _senders = subscribers is null || !options.VerifySenders ? null : new SipSenderVerifier(_locationRouter, users, () => MessageCentre!);
        MessageCentre = new MessageCentre(options.MessageCentre, messageStore,
            users, _locationRouter, _proxy, new RequestSender(this), resolver,
            options.MessagingPolicy, options.TimeProvider, loggerFactory.CreateLogger<MessageCentre>());
        Locations.BindingsChanged += MessageCentre.OnBindingsChanged;
    }

    /// <summary>The message centre: MESSAGE requests for users of the server's domains, store-and-forward, history.</summary>
    public MessageCentre MessageCentre { get; }

    /// <summary>Static routes: user part → contacts, used when a user has no registered binding.</summary>
    public StaticLocationRouter Router { get; }

    /// <summary>The registrar (RFC 3261 §10.3): REGISTER for the server's domains.</summary>
    public SipRegistrar Registrar { get; }

    /// <summary>The location service behind the registrar and the proxy.</summary>
    public SipLocationService Locations { get; }

    /// <summary>The reg event package notifier (RFC 3680).</summary>
    public SipRegEventNotifier RegEvents { get; }

    /// <summary>The presence agent (RFC 3856, RFC 3903): PUBLISH and SUBSCRIBE with Event: presence for our users.</summary>
    internal SipPresenceAgent Presence { get; }

    /// <summary>The subscribers REGISTER is authenticated against; null when registration is open.</summary>
    public ISubscriberStore? Subscribers { get; }

    /// <summary>The embedded store; null without a data directory.</summary>
    public RcsDatabase? Database => _database;

    /// <summary>The bound endpoints (real ports after binding port 0).</summary>
    public IReadOnlyList<SipEndPoint> LocalEndPoints => _transport.LocalEndPoints;

    /// <summary>The MSRP relay of the message centre (RFC 4976) once started; null when <see cref="SipServerOptions.MsrpRelay"/> is not set.</summary>
    public RcsCore.Msrp.Relay.MsrpRelay? MsrpRelay { get; private set; }

    /// <summary>The transaction layer (for metrics and tests).</summary>
    public SipTransactionLayer Transactions => _transactions;

    /// <summary>Binds every listener and starts serving.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_options.DataDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
        await Locations.StartAsync(ct).ConfigureAwait(false);
        await MessageCentre.StartAsync(ct).ConfigureAwait(false);
        await _transport.StartAsync(ct).ConfigureAwait(false);
        // The depot of deferred large messages sends through our own listener (TCP when we have one).
        var depotNextHop = _transport.LocalEndPoints.FirstOrDefault(e => e.Protocol == SipTransportProtocol.Tcp, _transport.LocalEndPoints[0]);
        await MessageCentre.StartLargeMessageDepotAsync(depotNextHop, _loggerFactory, ct).ConfigureAwait(false);
        if (_options.MsrpRelay is { } relay)
        {
            // RFC 4976 §6: the relay authenticates our own subscribers (Digest) and relays their chat and file sessions.
            var subscribers = Subscribers ?? throw new InvalidOperationException("The MSRP relay authenticates subscribers: configure Subscribers or a DataDirectory.");
            MsrpRelay = RcsCore.Msrp.Relay.MsrpRelay.Start(new SubscriberMsrpRelayAuthenticator(subscribers), relay, _loggerFactory);
            Log.MsrpRelayListening(_logger, MsrpRelay.Uri);
        }
        // Logged once everything is up: "listening" means ready (scripts and tests wait for it).
        foreach (var ep in _transport.LocalEndPoints)
        {
            Log.Listening(_logger, ep);
        }
    }

    /// <summary>True for the server's domains and for its own addresses (RFC 3261 §10.3 step 1, §16.4).</summary>
    private bool IsOurDomain(SipUri uri) => _proxy.IsLocalDomain(uri) || (uri.User is null && _proxy.IsThisProxy(uri));

    /// <summary>True when the request is for the server itself rather than for a user it routes to.</summary>
    private async ValueTask<bool> IsForServerAsync(SipRequest request, CancellationToken ct)
    {
        var uri = request.RequestUri;
        if (uri.Scheme is not (SipUriScheme.Sip or SipUriScheme.Sips))
        {
            return false;
        }
        if (_proxy.IsThisProxy(uri) && uri.User is null)
        {
            return true;
        }
        // OPTIONS for a user the location service does not know is answered by the server (capabilities of the server).
        return request.Method == "OPTIONS" && _proxy.IsLocalDomain(uri) && !await _locationRouter.ContainsAsync(uri, ct).ConfigureAwait(false);
    }

    async ValueTask ISipTransactionUser.OnRequestAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        var request = transaction.Request;
        if (Registrar.IsResponsibleFor(request))
        {
            // RFC 3261 §10.3: REGISTER for one of our domains is the registrar's.
            var response = await Registrar.ProcessAsync(request, transaction.Remote, transaction.Inbound.ConnectionId, ct).ConfigureAwait(false);
            await transaction.SendResponseAsync(response, ct).ConfigureAwait(false);
            return;
        }
        if (_senders is not null && request.Method is "MESSAGE" or "INVITE" && request.To?.Tag is null
            && await _senders.CheckAsync(transaction, ct).ConfigureAwait(false) is { } spoofed)
        {
            // 3GPP TS 24.229 §5.2.6.3.3, RFC 3325 §5: a request in the name of a user who did not register from here.
            await transaction.SendResponseAsync(SipResponseBuilder.For(request, 403, "Forbidden: " + spoofed).Build(), ct).ConfigureAwait(false);
            return;
        }
        if (RegEvents.IsRegEventSubscribe(request) && (request.To?.Tag is not null || IsOurDomain(request.RequestUri)))
        {
            // RFC 3680: the registrar is the notifier of its AoRs' reg event.
            await RegEvents.ProcessAsync(request, transaction.Remote, transaction.Inbound.ConnectionId,
                async (r, c) => await transaction.SendResponseAsync(r, c).ConfigureAwait(false), ct).ConfigureAwait(false);
            return;
        }
        if (request.Method == "PUBLISH" && request.To?.Tag is null && IsOurDomain(request.RequestUri) && request.Routes.All(r => _proxy.IsThisProxy(r.Uri)))
        {
            // RFC 3903 §6: the server is the event state compositor of its users (presence only; others get 489).
            await transaction.SendResponseAsync(Presence.Publish(request), ct).ConfigureAwait(false);
            return;
        }
        if (Presence.IsPresenceSubscribe(request) && (request.To?.Tag is not null || IsOurDomain(request.RequestUri)))
        {
            // RFC 3856 §6: the server is the presence agent of its users.
            await Presence.ProcessSubscribeAsync(request, transaction.Remote, transaction.Inbound.ConnectionId,
                async (r, c) => await transaction.SendResponseAsync(r, c).ConfigureAwait(false), ct).ConfigureAwait(false);
            return;
        }
        if (request.Method == "OPTIONS" && _proxy.IsLocalDomain(request.RequestUri) && request.Routes.All(r => _proxy.IsThisProxy(r.Uri))
            && await _capabilities.TryAnswerAsync(request, ct).ConfigureAwait(false) is { } capabilities)
        {
            // GSMA RCC.07 §2.6.1.1: capability queries for the server's users.
            capabilities.AddHeader(SipHeaderName.Server, _options.ServerName);
            await transaction.SendResponseAsync(capabilities.Build(), ct).ConfigureAwait(false);
            return;
        }

        if (request.Method == "MESSAGE" && IsForMessageCentre(request))
        {
            // RFC 3428: pager-mode messages for our users go through the message centre (forward or store).
            await MessageCentre.ProcessAsync(transaction, ct).ConfigureAwait(false);
            return;
        }
        if (request.Method != "CANCEL" && await IsForServerAsync(request, ct).ConfigureAwait(false))
        {
            await AnswerLocallyAsync(transaction, ct).ConfigureAwait(false);
            return;
        }
        await _proxy.ProcessRequestAsync(transaction, ct).ConfigureAwait(false);
    }

    /// <summary>An out-of-dialog MESSAGE for a user of our domains, with no Route left but ours.</summary>
    private bool IsForMessageCentre(SipRequest request)
    {
        var uri = request.RequestUri;
        if (request.To?.Tag is not null || uri.User is null || uri.Scheme is not (SipUriScheme.Sip or SipUriScheme.Sips) || !_proxy.IsLocalDomain(uri))
        {
            return false;
        }
        var routes = request.Routes;
        return routes.Count == 0 || (routes.Count == 1 && _proxy.IsThisProxy(routes[0].Uri));
    }

    private async ValueTask AnswerLocallyAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        var request = transaction.Request;
        var failure = SipRequestChecks.Check(request);
        SipResponseBuilder response;
        if (failure is not null)
        {
            response = SipResponseBuilder.For(request, failure.StatusCode, failure.ReasonPhrase);
            if (failure.Unsupported is { Count: > 0 } tags)
            {
                response.AddHeader(SipHeaderName.Unsupported, string.Join(", ", tags));
            }
        }
        else if (request.To?.Tag is not null || request.Method is "BYE" or "PRACK" or "UPDATE" or "INFO")
        {
            // RFC 3261 §12.2.2, §15.1.2: the server holds no dialogs of its own.
            response = SipResponseBuilder.For(request, 481);
        }
        else if (request.Method == "OPTIONS")
        {
            // RFC 3261 §11.2.
            response = SipResponseBuilder.For(request, 200);
            response.AddHeader(SipHeaderName.Allow, string.Join(", ", AllowedMethods));
            response.AddHeader(SipHeaderName.Accept, "application/sdp, message/cpim, text/plain, application/im-iscomposing+xml");
            response.AddHeader(SipHeaderName.Supported, "path, gruu, outbound");
        }
        else if (AllowedMethods.Contains(request.Method))
        {
            response = SipResponseBuilder.For(request, 404); // no such user here
        }
        else
        {
            // RFC 3261 §8.2.1.
            response = SipResponseBuilder.For(request, 405);
            response.AddHeader(SipHeaderName.Allow, string.Join(", ", AllowedMethods));
        }
        response.AddHeader(SipHeaderName.Server, _options.ServerName);
        await transaction.SendResponseAsync(response.Build(), ct).ConfigureAwait(false);
    }

    ValueTask ISipTransactionUser.OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct) =>
        transaction is null || transaction.Kind == SipTransactionKind.InviteServer ? _proxy.ProcessAckAsync(ack, ct) : ValueTask.CompletedTask;

    ValueTask ISipTransactionUser.OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct) =>
        _proxy.ProcessStrayResponseAsync(response, ct);

    void ISipTransactionUser.OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception) =>
        Log.TransactionFailed(_logger, transaction.Method, failure);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (MsrpRelay is { } relay)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }
        Locations.BindingsChanged -= MessageCentre.OnBindingsChanged;
        await MessageCentre.DisposeAsync().ConfigureAwait(false);
        await RegEvents.DisposeAsync().ConfigureAwait(false);
        Presence.Dispose();
        await Locations.DisposeAsync().ConfigureAwait(false);
        _transactions.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
        _capture?.Dispose();
        _aka?.Dispose();
        if (_ownedMessageStore is not null)
        {
            await _ownedMessageStore.DisposeAsync().ConfigureAwait(false);
        }
        _database?.Dispose();
        _ownedCertificate?.Dispose();
    }

    /// <summary>Sends the server's own requests (reg event NOTIFYs) through its transaction layer.</summary>
    private sealed class RequestSender(SipServer server) : ISipRequestSender
    {
        public SipViaHeader CreateVia(SipEndPoint destination)
        {
            var local = SentBy(destination);
            return new SipViaHeader(destination.ViaTransport, local.Host, local.Port,
                [new KeyValuePair<string, string?>("branch", SipIds.NewBranch()), new KeyValuePair<string, string?>("rport", null)]);
        }

        public SipUri LocalContact(SipEndPoint destination)
        {
            var local = SentBy(destination);
            string? transport = destination.Protocol switch
            {
                SipTransportProtocol.Tcp => "tcp",
                SipTransportProtocol.Tls => "tls",
                _ => null,
            };
            return SipUri.Create(null, local.Host, local.Port, secure: false, transport: transport);
        }

        public Task<SipResponse> SendAsync(SipRequest request, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
        {
            var tx = server._transactions.StartClientTransaction(request, destination, null, connectionId);
            return ct.CanBeCanceled ? tx.FinalResponse.WaitAsync(ct) : tx.FinalResponse;
        }

        private (string Host, int Port) SentBy(SipEndPoint destination)
        {
            var local = server._transport.GetLocalEndPoint(destination.Protocol, destination.Address.AddressFamily)
                ?? server._transport.GetLocalEndPoint(destination.Protocol)
                ?? throw new InvalidOperationException($"No {destination.ViaTransport} listener.");
            var address = local.Address.Address;
            string host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
            return (host, local.Address.Port);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "listening on {EndPoint}")]
        public static partial void Listening(ILogger logger, SipEndPoint endPoint);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "{Method} transaction failed: {Failure}")]
        public static partial void TransactionFailed(ILogger logger, string method, SipTransactionFailure failure);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "MSRP relay listening on {Uri}")]
        public static partial void MsrpRelayListening(ILogger logger, RcsCore.Parsing.Msrp.MsrpUri uri);
    }
}
