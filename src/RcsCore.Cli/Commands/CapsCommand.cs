using System.CommandLine;
using System.Globalization;
using System.Net;
using RcsCore.Ims.Client;
using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Spectre.Console;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs caps --server udp:127.0.0.1:5060 --user sip:alice@example.test [--password P] [--service chat ...] PEER</c>:
/// asks the peer's capabilities with an OPTIONS carrying our own RCS feature tags (GSMA RCC.07 §2.6.1.1), optionally
/// registering first (IMS registration with Digest, the same tags in the Contact), and prints the peer's services as a
/// table. Exit code 0 when an answer came (RCS, not RCS or offline), 1 when the query failed, 2 for bad input.
/// </summary>
internal static class CapsCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var peer = new Argument<string>("peer") { Description = "The peer to ask, e.g. sip:bob@example.test." };
        var server = new Option<string>("--server") { Description = "The message centre / P-CSCF as transport:address:port (default udp:127.0.0.1:5060).", DefaultValueFactory = _ => "udp:127.0.0.1:5060" };
        var user = new Option<string>("--user") { Description = "Our public identity, e.g. sip:alice@example.test.", Required = true };
        var password = new Option<string?>("--password") { Description = "Register first with this Digest password (IMPI user@domain of --user)." };
        var services = new Option<string[]>("--service") { Description = "Services we declare (catalog names: " + string.Join(", ", RcsService.Known.Select(s => s.Name)) + "); default chat standalone ft-http.", AllowMultipleArgumentsPerToken = true };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the answer (default 10).", DefaultValueFactory = _ => 10 };
        var cmd = new Command("caps", "Show the RCS capabilities of a peer (OPTIONS capability discovery).");
        cmd.Arguments.Add(peer);
        cmd.Options.Add(server);
        cmd.Options.Add(user);
        cmd.Options.Add(password);
        cmd.Options.Add(services);
        cmd.Options.Add(timeout);
        cmd.SetAction(async (result, ct) =>
        {
            SipEndPoint serverEp;
            SipUri self, target;
            RcsCapabilities own;
            try
            {
                serverEp = ServeCommand.ParseListen(result.GetValue(server)!);
                self = ParseSip(result.GetValue(user)!, "--user");
                target = ParseSip(result.GetValue(peer)!, "peer");
                own = Own(result.GetValue(services));
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("rcs caps: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, result.GetValue(timeout))));
            try
            {
                return await RunAsync(stdout, stderr, serverEp, self, result.GetValue(password), own, target, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await stderr.WriteLineAsync("rcs caps: no answer in time").ConfigureAwait(false);
                return 1;
            }
        });
        return cmd;
    }

    private static SipUri ParseSip(string text, string what)
    {
        if (!text.Contains(':', StringComparison.Ordinal))
        {
            text = "sip:" + text;
        }
        if (!SipUri.TryParse(text, out var uri) || uri.User is null || uri.Scheme is not (Parsing.Sip.SipUriScheme.Sip or Parsing.Sip.SipUriScheme.Sips))
        {
            throw new FormatException($"{what} '{text}' is not a SIP URI with a user (sip:user@domain).");
        }
        return uri;
    }

    internal static RcsCapabilities Own(string[]? names)
    {
        if (names is null || names.Length == 0)
        {
            names = ["chat", "standalone", "ft-http"];
        }
        var list = new List<RcsService>();
        foreach (var n in names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            list.Add(RcsService.Find(n) ?? throw new FormatException($"--service '{n}' is not one of {string.Join(", ", RcsService.Known.Select(s => s.Name))}."));
        }
        return RcsCapabilities.FromServices(list, list.Contains(RcsService.ChatbotSession) ? [1, 2] : null);
    }

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, SipEndPoint serverEp, SipUri self, string? password, RcsCapabilities own, SipUri target, CancellationToken ct)
    {
        var local = new IPEndPoint(serverEp.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        await using var transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(serverEp.Protocol, local)] });
        using var ua = new SipUserAgent(transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse(self.ToAddressOfRecord())),
            SentBy = dest =>
            {
                var ep = transport.GetLocalEndPoint(dest.Protocol)!.Value.Address;
                return new SipHostPort(ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + ep.Address + "]" : ep.Address.ToString(), ep.Port);
            },
        });
        transport.Handler = ua.Transactions;
        await transport.StartAsync(ct).ConfigureAwait(false);
        using var caps = new RcsCapabilityClient(ua, new RcsCapabilityOptions { Own = own, NextHop = serverEp }).Attach();

        ImsRegistrationClient? registration = null;
        try
        {
            if (password is not null)
            {
                registration = new ImsRegistrationClient(ua, new ImsRegistrationOptions
                {
                    Registrar = SipUri.Create(null, self.Host, -1),
                    NextHop = serverEp,
                    PublicIdentity = new SipNameAddress(SipUri.Parse(self.ToAddressOfRecord())),
                    PrivateIdentity = self.User + "@" + self.Host.ToLowerInvariant(),
                    Credentials = ImsCredentials.FromPassword(password),
                    FeatureTags = own.ToImsFeatureTags(),
                    SubscribeToRegEvent = false,
                    Expires = 600,
                });
                var reg = await registration.RegisterAsync(ct).ConfigureAwait(false);
                if (reg.State != ImsRegistrationState.Registered)
                {
                    await stderr.WriteLineAsync($"rcs caps: registration failed ({reg.StatusCode} {reg.Error})").ConfigureAwait(false);
                    return 1;
                }
            }
            var answer = await caps.GetCapabilitiesAsync(target, ct).ConfigureAwait(false);
            Print(DemoCommand.CreateConsole(stdout), answer);
            return answer.Status == RcsCapabilityStatus.Failed ? 1 : 0;
        }
        finally
        {
            if (registration is not null)
            {
                try
                {
                    await registration.UnregisterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // best effort
                }
                await registration.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal static void Print(IAnsiConsole console, RcsCapabilityResult answer)
    {
        string status = answer.Status switch
        {
            RcsCapabilityStatus.Rcs => "[green]RCS user[/]",
            RcsCapabilityStatus.NotRcs => "[yellow]not an RCS user[/]",
            RcsCapabilityStatus.Offline => "[yellow]offline[/]",
            _ => "[red]query failed[/]",
        };
        console.MarkupLine($"{Markup.Escape(answer.Peer)}: {status} ({answer.StatusCode.ToString(CultureInfo.InvariantCulture)})");
        var table = new Table().AddColumn("service").AddColumn("description").AddColumn("supported");
        foreach (var s in RcsService.Known)
        {
            table.AddRow(s.Name, Markup.Escape(s.Description), answer.Capabilities.Supports(s) ? "[green]yes[/]" : "no");
        }
        foreach (var urn in answer.Capabilities.Extensions)
        {
            table.AddRow("other", Markup.Escape(urn), "[green]yes[/]");
        }
        if (answer.Capabilities.BotVersions.Count > 0)
        {
            table.AddRow("botversion", "Chatbot versions", string.Join(",", answer.Capabilities.BotVersions));
        }
        console.Write(table);
    }
}
