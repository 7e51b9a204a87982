using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Hosting;

/// <summary>
/// A SIP server a host runs: transport (UDP/TCP/TLS), transaction layer, a stateful proxy with a location service for
/// users, and a small UAS for requests addressed to the server itself (OPTIONS → 200 with Allow/Accept/Supported,
/// RFC 3261 §11.2; unknown methods → 405 with Allow, §8.2.1; requests for dialogs it does not have → 481, §12.2.2).
/// </summary>
public sealed partial class SipServer : IAsyncDisposable, ISipTransactionUser
{
    /// <summary>Methods the server itself accepts.</summary>
    public static readonly IReadOnlyList<string> AllowedMethods = ["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "MESSAGE", "REGISTER", "SUBSCRIBE", "NOTIFY", "PUBLISH", "REFER", "INFO", "UPDATE", "PRACK"];

    private readonly SipServerOptions _options;
    private readonly ILogger _logger;
    private readonly SipTransportLayer _transport;
    private readonly SipTransactionLayer _transactions;
    private readonly SipProxyCore _proxy;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _ownedCertificate;

    /// <summary>Creates the server; call <see cref="StartAsync"/> to bind.</summary>
    public SipServer(SipServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<SipServer>();
        var certificate = options.TlsCertificate;
        if (certificate is null && options.Listen.Any(l => l.Protocol == SipTransportProtocol.Tls))
        {
            certificate = _ownedCertificate = SelfSignedCertificate.Create();
        }
        _transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [.. options.Listen], TlsCertificate = certificate }, null, loggerFactory);
        _transactions = new SipTransactionLayer(_transport, this, options.Timers, TimeProvider.System, loggerFactory.CreateLogger<SipTransactionLayer>());
        _transport.Handler = _transactions;
        Router = new StaticLocationRouter();
        foreach (var (user, contacts) in options.StaticRoutes)
        {
            Router.Set(user, contacts.Select(SipUri.Parse));
        }
        ISipTargetResolver resolver = options.UseDns
            ? new CompositeSipTargetResolver(new StaticSipTargetResolver(), new DnsSipTargetResolver(new DnsClient.LookupClient(), null, loggerFactory.CreateLogger<DnsSipTargetResolver>()))
            : new StaticSipTargetResolver();
        _proxy = new SipProxyCore(_transactions, _transport, resolver, Router,
            new SipProxyOptions { Domains = options.Domains, LocalEndPoint = p => _transport.GetLocalEndPoint(p) },
            loggerFactory.CreateLogger<SipProxyCore>());
    }

    /// <summary>The location service (static routes now; the registrar adds bindings).</summary>
    public StaticLocationRouter Router { get; }

    /// <summary>The bound endpoints (real ports after binding port 0).</summary>
    public IReadOnlyList<SipEndPoint> LocalEndPoints => _transport.LocalEndPoints;

    /// <summary>The transaction layer (for metrics and tests).</summary>
    public SipTransactionLayer Transactions => _transactions;

    /// <summary>Binds every listener and starts serving.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_options.DataDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
        }
        await _transport.StartAsync(ct).ConfigureAwait(false);
        foreach (var ep in _transport.LocalEndPoints)
        {
            Log.Listening(_logger, ep);
        }
    }

    /// <summary>True when the request is for the server itself rather than for a user it routes to.</summary>
    private bool IsForServer(SipRequest request)
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
        return request.Method == "OPTIONS" && _proxy.IsLocalDomain(uri) && !Router.Contains(uri.User);
    }

    async ValueTask ISipTransactionUser.OnRequestAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        var request = transaction.Request;
        if (IsForServer(request) && request.Method != "CANCEL")
        {
            await AnswerLocallyAsync(transaction, ct).ConfigureAwait(false);
            return;
        }
        await _proxy.ProcessRequestAsync(transaction, ct).ConfigureAwait(false);
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
        _transactions.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
        _ownedCertificate?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "listening on {EndPoint}")]
        public static partial void Listening(ILogger logger, SipEndPoint endPoint);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "{Method} transaction failed: {Failure}")]
        public static partial void TransactionFailed(ILogger logger, string method, SipTransactionFailure failure);
    }
}
