using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using RcsCore.Ims.Client;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs register --server HOST:PORT --user SIP-URI (--password P | --aka K OPc)</c>: registers with the IMS
/// registration client (RFC 3261 §10, 3GPP TS 24.229 §5.1.1: Digest or IMS AKA, reg event subscription), prints the
/// result (expiry, Service-Route, P-Associated-URI, GRUUs) and every later change, keeps the registration alive until
/// Ctrl+C, then deregisters (TS 24.229 §5.1.1.6). Exit 0 after a clean deregistration, 1 when registering failed,
/// 2 on bad arguments.
/// </summary>
internal static class RegisterCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var server = new Option<string>("--server") { Description = "The registrar (or P-CSCF) as address:port, e.g. 127.0.0.1:5060.", Required = true };
        var user = new Option<string>("--user") { Description = "The public identity (IMPU), e.g. sip:alice@rcs.example.", Required = true };
        var password = new Option<string?>("--password") { Description = "Digest password." };
        var aka = new Option<string[]>("--aka") { Description = "IMS AKA keys: K and OPc in hex.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var impi = new Option<string?>("--impi") { Description = "The private identity; user@domain of --user when absent." };
        var transport = new Option<string>("--transport") { Description = "udp or tcp.", DefaultValueFactory = _ => "udp" };
        var expires = new Option<uint>("--expires") { Description = "Registration expiry asked for, in seconds.", DefaultValueFactory = _ => ImsRegistrationOptions.DefaultExpires };
        var noRegEvent = new Option<bool>("--no-reg-event") { Description = "Do not subscribe to the reg event package (RFC 3680)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level of the stack (to stderr).", DefaultValueFactory = _ => LogLevel.Warning };
        var cmd = new Command("register", "Register an identity, print the result and keep it registered until Ctrl+C.");
        foreach (var o in new Option[] { server, user, password, aka, impi, transport, expires, noRegEvent, logLevel })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(async (result, ct) =>
        {
            ImsRegistrationOptions options;
            SipTransportProtocol protocol;
            try
            {
                protocol = result.GetValue(transport)?.ToLowerInvariant() switch
                {
                    "udp" => SipTransportProtocol.Udp,
                    "tcp" => SipTransportProtocol.Tcp,
                    var t => throw new FormatException($"--transport '{t}' is not udp or tcp"),
                };
                options = BuildOptions(result.GetValue(server)!, result.GetValue(user)!, result.GetValue(password), result.GetValue(aka), result.GetValue(impi),
                    protocol, result.GetValue(expires), !result.GetValue(noRegEvent));
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("rcs register: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(result.GetValue(logLevel)));
            return await RunAsync(options, protocol, stdout, logs, ct).ConfigureAwait(false);
        });
        return cmd;
    }

    internal static ImsRegistrationOptions BuildOptions(string server, string user, string? password, string[]? aka, string? impi,
        SipTransportProtocol protocol, uint expires, bool regEvent)
    {
        if (!IPEndPoint.TryParse(server, out var next) || next.Port == 0)
        {
            throw new FormatException($"--server '{server}' is not address:port");
        }
        if (!SipUri.TryParse(user, out var impu) || impu.Scheme is not (SipUriScheme.Sip or SipUriScheme.Sips) || impu.User is null)
        {
            throw new FormatException($"--user '{user}' is not a sip: URI with a user part");
        }
        if ((password is null) == (aka is not { Length: 2 }))
        {
            throw new FormatException("give either --password or --aka K OPc");
        }
        ImsCredentials credentials;
        try
        {
            credentials = password is not null ? ImsCredentials.FromPassword(password) : ImsCredentials.FromAka(Convert.FromHexString(aka![0]), Convert.FromHexString(aka[1]));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new FormatException("--aka needs K and OPc as 32 hex digits each");
        }
        return new ImsRegistrationOptions
        {
            Registrar = SipUri.Parse("sip:" + impu.Host),
            NextHop = new SipEndPoint(protocol, next),
            PublicIdentity = new SipNameAddress(impu),
            PrivateIdentity = impi ?? impu.User + "@" + impu.Host,
            Credentials = credentials,
            Expires = expires,
            InstanceId = "urn:uuid:" + Guid.NewGuid().ToString("D"),
            SubscribeToRegEvent = regEvent,
        };
    }

    private static async Task<int> RunAsync(ImsRegistrationOptions options, SipTransportProtocol protocol, TextWriter stdout, ILoggerFactory logs, CancellationToken ct)
    {
        var local = new IPEndPoint(options.NextHop.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        if (IPAddress.IsLoopback(options.NextHop.Address.Address))
        {
            local = new IPEndPoint(options.NextHop.Address.Address, 0);
        }
        await using var transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(protocol, local)] }, null, logs);
        using var ua = new SipUserAgent(transport, new SipUserAgentOptions
        {
            LocalIdentity = options.PublicIdentity,
            SentBy = dest =>
            {
                var ep = transport.GetLocalEndPoint(dest.Protocol)!.Value.Address;
                return new SipHostPort(ep.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + ep.Address + "]" : ep.Address.ToString(), ep.Port);
            },
        }, null, null, logs);
        transport.Handler = ua.Transactions;
        await transport.StartAsync(ct).ConfigureAwait(false);
        var client = new ImsRegistrationClient(ua, options, null, logs.CreateLogger<ImsRegistrationClient>());
        await using (client.ConfigureAwait(false))
        {
            var printLock = new Lock();
            client.RegistrationChanged += (_, e) =>
            {
                lock (printLock)
                {
                    Print(stdout, e.Current);
                }
            };
            ImsRegistration first;
            try
            {
                first = await client.RegisterAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return 1;
            }
            if (first.State != ImsRegistrationState.Registered)
            {
                return 1;
            }
            try
            {
                await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            // Ctrl+C: deregister (TS 24.229 §5.1.1.6), bounded by the transaction timeout.
            var down = await client.UnregisterAsync(CancellationToken.None).ConfigureAwait(false);
            return down.Error == ImsRegistrationError.None ? 0 : 1;
        }
    }

    private static void Print(TextWriter stdout, ImsRegistration r)
    {
        var line = r.State switch
        {
            ImsRegistrationState.Registered => string.Create(CultureInfo.InvariantCulture, $"registered for {(long)r.Expires.TotalSeconds} s, next refresh {r.NextAttemptAt:HH:mm:ss}"),
            ImsRegistrationState.Failed => string.Create(CultureInfo.InvariantCulture, $"failed: {r.Error} ({r.StatusCode}), retry at {r.NextAttemptAt:HH:mm:ss}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"unregistered ({r.Error}, {r.StatusCode})"),
        };
        stdout.WriteLine(line);
        if (r.State != ImsRegistrationState.Registered)
        {
            return;
        }
        stdout.WriteLine("  contact: " + r.Contact?.Uri.Text);
        foreach (var route in r.ServiceRoute)
        {
            stdout.WriteLine("  service-route: " + route);
        }
        foreach (var uri in r.AssociatedUris)
        {
            stdout.WriteLine("  associated-uri: " + uri);
        }
        if (r.PublicGruu is { } pub)
        {
            stdout.WriteLine("  pub-gruu: " + pub.Text);
        }
        if (r.TemporaryGruu is { } temp)
        {
            stdout.WriteLine("  temp-gruu: " + temp.Text);
        }
        stdout.Flush();
    }
}
