using System.CommandLine;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RcsCore.Hosting;
using RcsCore.Hosting.ContentServer;
using RcsCore.Msrp.Relay;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Transport;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs serve</c>: runs the SIP server (registrar + reg event + proxy + location service + a UAS for itself) until
/// Ctrl+C or SIGTERM, then shuts down gracefully. Listeners default to UDP and TCP on 127.0.0.1:5060. With
/// <c>--data DIR</c> subscribers (<c>rcs user add</c>), registrations and the message centre's stored messages live in
/// DIR/rcscore.db.
/// </summary>
internal static partial class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string[]>("--listen") { Description = "Listener as transport:address:port (udp, tcp, tls), e.g. udp:127.0.0.1:5060 or tcp:[::1]:5060. Repeatable.", AllowMultipleArgumentsPerToken = true };
        var route = new Option<string[]>("--route") { Description = "Static location user=sip:uri (repeatable), e.g. bob=sip:bob@127.0.0.1:5070.", AllowMultipleArgumentsPerToken = true };
        var domain = new Option<string[]>("--domain") { Description = "Domain name the server is responsible for (repeatable; its own address:port always counts).", AllowMultipleArgumentsPerToken = true };
        var data = new Option<string?>("--data") { Description = "Data directory of the embedded store (subscribers from rcs user add, registrations, stored messages); REGISTER then needs authentication." };
        var digest = new Option<string[]>("--digest-algorithms") { Description = "Digest algorithms the registrar offers, in order (MD5, SHA-256, SHA-512-256); default SHA-256 MD5.", AllowMultipleArgumentsPerToken = true };
        var dns = new Option<bool>("--dns") { Description = "Resolve host names with DNS (RFC 3263 NAPTR/SRV/A/AAAA) after the static routes." };
        var notifyDirect = new Option<bool>("--notify-direct-delivery") { Description = "Message centre: also send the delivery notification (IMDN) for MESSAGEs delivered at once, not only for stored ones." };
        var expiry = new Option<TimeSpan?>("--message-expiry") { Description = "Message centre: how long a stored message waits for its recipient (default 7.00:00:00)." };
        var capture = new Option<string?>("--capture") { Description = "Record every SIP message sent and received to this pcapng file (Wireshark/tshark open it)." };
        var msrpRelay = new Option<string?>("--msrp-relay") { Description = "The message centre's MSRP relay (RFC 4976) address:port; AUTH with the subscribers' Digest passwords. Default with --data: the first listener's address, port 2855; 'off' runs none." };
        var contentServer = new Option<string?>("--content-server") { Description = "Run the file transfer over HTTP content server (GSMA RCC.07) on this address:port (default 127.0.0.1:8080, needs --data; uploads authenticate with the subscribers' Digest passwords); 'off' disables it." };
        var trustSenders = new Option<bool>("--no-sender-check") { Description = "Do not require MESSAGE/INVITE senders to send from where they registered (3GPP TS 24.229 §5.2.6.3.3); only for test beds with third-party registration." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level.", DefaultValueFactory = _ => LogLevel.Information };
        var cmd = new Command("serve", "Run the RcsCore SIP server until Ctrl+C / SIGTERM.");
        cmd.Options.Add(listen);
        cmd.Options.Add(route);
        cmd.Options.Add(domain);
        cmd.Options.Add(data);
        cmd.Options.Add(dns);
        cmd.Options.Add(digest);
        cmd.Options.Add(notifyDirect);
        cmd.Options.Add(expiry);
        cmd.Options.Add(capture);
        cmd.Options.Add(msrpRelay);
        cmd.Options.Add(contentServer);
        cmd.Options.Add(trustSenders);
        cmd.Options.Add(logLevel);
        cmd.SetAction(async (result, ct) =>
        {
            SipServerOptions options;
            try
            {
                options = BuildOptions(result.GetValue(listen), result.GetValue(route), result.GetValue(domain), result.GetValue(data), result.GetValue(dns), result.GetValue(digest),
                    new MessageCentreOptions { NotifyDirectDelivery = result.GetValue(notifyDirect), MessageExpiry = result.GetValue(expiry) ?? TimeSpan.FromDays(7) }, result.GetValue(capture),
                    result.GetValue(msrpRelay), verifySenders: !result.GetValue(trustSenders));
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync("rcs serve: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            ContentServerSetting contentServerSetting;
            try
            {
                contentServerSetting = ParseContentServer(result.GetValue(contentServer), result.GetValue(domain));
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync("rcs serve: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
            builder.Logging.SetMinimumLevel(result.GetValue(logLevel));
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(sp => new SipServer(sp.GetRequiredService<SipServerOptions>(), sp.GetRequiredService<ILoggerFactory>()));
            builder.Services.AddHostedService<SipServerService>();
            builder.Services.AddSingleton(contentServerSetting);
            // Registered after the SIP server: hosted services start in order, and it needs the server's subscribers.
            builder.Services.AddHostedService<ContentServerService>();
            using var host = builder.Build();
            try
            {
                await host.RunAsync(ct).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                await Console.Error.WriteLineAsync("rcs serve: cannot listen: " + e.Message).ConfigureAwait(false);
                return 1;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync("rcs serve: cannot listen: " + e.Message).ConfigureAwait(false);
                return 1;
            }
            return 0;
        });
        return cmd;
    }

    internal static SipServerOptions BuildOptions(string[]? listen, string[]? routes, string[]? domains, string? data, bool useDns = false, string[]? digestAlgorithms = null,
        MessageCentreOptions? messageCentre = null, string? capture = null, string? msrpRelay = null, bool verifySenders = true)
    {
        messageCentre ??= new MessageCentreOptions();
        try
        {
            messageCentre.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FormatException("message centre: " + e.Message, e);
        }
        var endpoints = new List<SipEndPoint>();
        foreach (var l in listen ?? [])
        {
            endpoints.Add(ParseListen(l));
        }
        if (endpoints.Count == 0)
        {
            endpoints.Add(new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060)));
            endpoints.Add(new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 5060)));
        }
        var table = new Dictionary<string, IList<string>>(StringComparer.Ordinal);
        foreach (var r in routes ?? [])
        {
            int eq = r.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !RcsCore.Sip.Messages.SipUri.TryParse(r[(eq + 1)..], out _))
            {
                throw new FormatException($"--route '{r}' is not user=sip:uri");
            }
            var user = r[..eq];
            if (!table.TryGetValue(user, out var list))
            {
                table[user] = list = [];
            }
            list.Add(r[(eq + 1)..]);
        }
        var domainSet = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost" };
        foreach (var d in domains ?? [])
        {
            domainSet.Add(d);
        }
        List<RcsCore.Ims.Authentication.SipDigestAlgorithm>? algorithms = null;
        foreach (var a in digestAlgorithms ?? [])
        {
            var parsed = RcsCore.Ims.Authentication.SipDigestAlgorithms.Parse(a);
            if (parsed is RcsCore.Ims.Authentication.SipDigestAlgorithm.Unknown or RcsCore.Ims.Authentication.SipDigestAlgorithm.AkaV1Md5 or RcsCore.Ims.Authentication.SipDigestAlgorithm.AkaV2Md5)
            {
                throw new FormatException($"--digest-algorithms: '{a}' is not MD5, SHA-256 or SHA-512-256 (or a -sess variant)");
            }
            (algorithms ??= []).Add(parsed);
        }
        return new SipServerOptions
        {
            Listen = endpoints,
            StaticRoutes = table,
            Domains = domainSet,
            DataDirectory = data,
            UseDns = useDns,
            DigestAlgorithms = algorithms,
            MessageCentre = messageCentre,
            CapturePath = capture,
            VerifySenders = verifySenders,
            MsrpRelay = RelayEndPoint(msrpRelay, data, endpoints[0]) is { } relayEndPoint ? new MsrpRelayOptions
            {
                // RFC 4976 §5: the relay's own URI is msrp://host:port;tcp; its Digest realm is the first domain.
                ListenEndPoint = relayEndPoint,
                Realm = domains is { Length: > 0 } ? domains[0] : "localhost",
            } : null,
        };
    }

    /// <summary>
    /// Where the MSRP relay listens: the given address:port; none for "off"; by default, with a subscriber store (the
    /// relay authenticates subscribers), the first SIP listener's address on the MSRP port 2855 (RFC 4975 §15.4).
    /// </summary>
    internal static IPEndPoint? RelayEndPoint(string? option, string? data, SipEndPoint firstListener) => option switch
    {
        null => data is null ? null : new IPEndPoint(firstListener.Address.Address, RcsCore.Parsing.Msrp.MsrpUriParser.DefaultPort),
        "off" or "none" => null,
        _ => IPEndPoint.TryParse(option, out var ep) ? ep : throw new FormatException($"--msrp-relay: '{option}' is not address:port or off"),
    };

    internal static SipEndPoint ParseListen(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"--listen '{text}' is not transport:address:port");
        }
        var protocol = text[..colon].ToLowerInvariant() switch
        {
            "udp" => SipTransportProtocol.Udp,
            "tcp" => SipTransportProtocol.Tcp,
            "tls" => SipTransportProtocol.Tls,
            _ => throw new FormatException($"--listen '{text}': transport must be udp, tcp or tls"),
        };
        if (!IPEndPoint.TryParse(text[(colon + 1)..], out var ep))
        {
            throw new FormatException($"--listen '{text}': '{text[(colon + 1)..]}' is not address:port");
        }
        return new SipEndPoint(protocol, ep);
    }

    /// <summary>The content server's endpoint (null: off) and whether it was asked for explicitly.</summary>
    internal sealed record ContentServerSetting(IPEndPoint? EndPoint, bool Explicit, string Realm);

    internal static ContentServerSetting ParseContentServer(string? value, string[]? domains)
    {
        // The Digest realm is the first domain, as for the MSRP relay, so stored H(A1)s of rcs user add match.
        string realm = domains is { Length: > 0 } ? domains[0] : "localhost";
        if (value is null)
        {
            return new ContentServerSetting(ContentServerOptions.DefaultListenEndPoint, false, realm);
        }
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return new ContentServerSetting(null, true, realm);
        }
        return IPEndPoint.TryParse(value, out var endPoint) && value.Contains(':', StringComparison.Ordinal)
            ? new ContentServerSetting(endPoint, true, realm)
            : throw new FormatException($"--content-server: '{value}' is not address:port or off");
    }

    /// <summary>
    /// Runs the FT over HTTP content server next to the SIP server, over its data directory and subscribers. Without
    /// --data there is nobody to authenticate, so it stays off. When the default port is taken it logs and stays off;
    /// an explicit --content-server that cannot listen stops rcs serve.
    /// </summary>
    private sealed partial class ContentServerService(SipServer server, SipServerOptions options, ContentServerSetting setting, ILoggerFactory loggerFactory)
        : IHostedService, IAsyncDisposable
    {
        private readonly ILogger _logger = loggerFactory.CreateLogger("RcsCore.Cli.Serve");
        private FileTransferContentServer? _contentServer;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (setting.EndPoint is not { } endPoint)
            {
                return;
            }
            if (options.DataDirectory is not { } data || server.Subscribers is not { } subscribers)
            {
                LogNeedsData(_logger);
                return;
            }
            var contentServer = new FileTransferContentServer(
                new ContentServerOptions { ListenEndPoint = endPoint, DataDirectory = data, Realm = setting.Realm }, subscribers, loggerFactory);
            try
            {
                await contentServer.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (!setting.Explicit)
            {
                await contentServer.DisposeAsync().ConfigureAwait(false);
                LogCannotListen(_logger, endPoint, e.Message);
                return;
            }
            _contentServer = contentServer;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_contentServer is { } contentServer)
            {
                await contentServer.StopAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public ValueTask DisposeAsync() => _contentServer?.DisposeAsync() ?? ValueTask.CompletedTask;

        [LoggerMessage(EventId = 6120, Level = LogLevel.Information, Message = "FT content server off: it needs --data (subscribers and storage)")]
        private static partial void LogNeedsData(ILogger logger);

        [LoggerMessage(EventId = 6121, Level = LogLevel.Warning, Message = "FT content server off: cannot listen on {EndPoint}: {Reason}")]
        private static partial void LogCannotListen(ILogger logger, IPEndPoint endPoint, string reason);
    }

    private sealed class SipServerService(SipServer server) : IHostedService, IAsyncDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken) => await server.DisposeAsync().ConfigureAwait(false);

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }
}
