using System.Diagnostics;
using System.Net;
using System.Text;
using RcsCore.Hosting;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Spectre.Console;

namespace RcsCore.Cli.Commands;

/// <summary>The live part of <c>rcs demo</c>: a server and three user agents on 127.0.0.1 exchanging real SIP.</summary>
internal static class DemoLoopback
{
    private sealed class Agent : IAsyncDisposable
    {
        private Agent(string name, SipTransportProtocol protocol)
        {
            Name = name;
            Protocol = protocol;
            Transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))] });
            Ua = new SipUserAgent(Transport, new SipUserAgentOptions
            {
                LocalIdentity = new SipNameAddress(SipUri.Parse($"sip:{name}@127.0.0.1"), char.ToUpperInvariant(name[0]) + name[1..]),
                SentBy = dest => new SipHostPort("127.0.0.1", Transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
                Product = "RcsCore-demo",
            });
            Transport.Handler = Ua.Transactions;
        }

        public string Name { get; }
        public SipTransportProtocol Protocol { get; }
        public SipTransportLayer Transport { get; }
        public SipUserAgent Ua { get; }
        public SipEndPoint Local => Transport.GetLocalEndPoint(Protocol)!.Value;

        public SipUri Contact => SipUri.Parse($"sip:{Name}@127.0.0.1:{Local.Address.Port}{(Protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : "")}");

        public static async Task<Agent> StartAsync(string name, SipTransportProtocol protocol)
        {
            var a = new Agent(name, protocol);
            await a.Transport.StartAsync().ConfigureAwait(false);
            return a;
        }

        public async ValueTask DisposeAsync()
        {
            Ua.Dispose();
            await Transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    public static async Task<bool> RunAsync(IAnsiConsole console)
    {
        console.Write(new Rule("[bold]SIP on loopback[/]: rcs server + alice (UDP), bob (TCP), carol (UDP)"));
        await using var server = new SipServer(new SipServerOptions
        {
            Listen =
            [
                new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0)),
                new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0)),
            ],
        });
        await server.StartAsync().ConfigureAwait(false);
        var udp = server.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Udp);
        var tcp = server.LocalEndPoints.First(e => e.Protocol == SipTransportProtocol.Tcp);
        await using var alice = await Agent.StartAsync("alice", SipTransportProtocol.Udp).ConfigureAwait(false);
        await using var bob = await Agent.StartAsync("bob", SipTransportProtocol.Tcp).ConfigureAwait(false);
        await using var carol = await Agent.StartAsync("carol", SipTransportProtocol.Udp).ConfigureAwait(false);
        server.Router.Set("bob", [bob.Contact]);
        server.Router.Set("carol", [carol.Contact]);

        var inbox = new List<string>();
        bob.Ua.Handle("MESSAGE", (req, _) =>
        {
            lock (inbox)
            {
                inbox.Add($"bob got \"{Encoding.UTF8.GetString(req.Request.Body.Span)}\" from {req.Request.From?.DisplayName}");
            }
            return ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build());
        });
        bob.Ua.Handle("INVITE", async (req, ct) =>
        {
            await req.SendProvisionalAsync(180, ct: ct).ConfigureAwait(false);
            await req.AcceptAsync(Encoding.UTF8.GetBytes("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=message 9 TCP/MSRP *\r\na=accept-types:message/cpim\r\na=path:msrp://127.0.0.1:9/bob;tcp\r\na=setup:passive\r\n"), "application/sdp", ct).ConfigureAwait(false);
            return null;
        });

        var table = new Table().AddColumn("step").AddColumn("result").AddColumn(new TableColumn("ms").RightAligned());
        bool ok = true;
        async Task Step(string what, Func<Task<string>> action, Func<string, bool> success)
        {
            var sw = Stopwatch.StartNew();
            string result;
            try
            {
                result = await action().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException or SipTransportException)
            {
                result = "failed: " + e.Message;
            }
            bool good = success(result);
            ok &= good;
            table.AddRow(Markup.Escape(what), (good ? "[green]" : "[red]") + Markup.Escape(result) + "[/]", sw.Elapsed.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
        }

        SipUri At(string user, SipEndPoint ep) => SipUri.Parse($"sip:{user}@{ep.Address}{(ep.Protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : "")}");

        await Step("alice → server: OPTIONS", async () =>
        {
            var r = await alice.Ua.SendRequestAsync(alice.Ua.CreateRequest("OPTIONS", SipUri.Parse($"sip:{udp.Address}"), udp).Build(), udp).ConfigureAwait(false);
            return $"{r.StatusCode} {r.ReasonPhrase}, Allow: {r.GetHeader(SipHeaderName.Allow)?.Split(',').Length} methods";
        }, r => r.StartsWith("200", StringComparison.Ordinal)).ConfigureAwait(false);

        await Step("alice → bob (UDP in, TCP out): MESSAGE", async () =>
        {
            var m = alice.Ua.CreateRequest("MESSAGE", At("bob", udp), udp);
            m.SetBody(Encoding.UTF8.GetBytes("Hi Bob, RcsCore here"), "text/plain");
            var r = await alice.Ua.SendRequestAsync(((SipRequestBuilder)m).Build(), udp).ConfigureAwait(false);
            return $"{r.StatusCode} {r.ReasonPhrase}";
        }, r => r.StartsWith("200", StringComparison.Ordinal)).ConfigureAwait(false);

        RcsCore.Sip.Dialogs.SipDialog? call = null;
        await Step("carol → bob: INVITE (chat session offer) / 180 / 200 / ACK", async () =>
        {
            var invite = carol.Ua.CreateRequest("INVITE", At("bob", udp), udp);
            invite.SetBody(Encoding.UTF8.GetBytes("v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=message 9 TCP/MSRP *\r\na=accept-types:message/cpim\r\na=path:msrp://127.0.0.1:9/carol;tcp\r\na=setup:active\r\n"), "application/sdp");
            var result = await carol.Ua.InviteAsync(((SipRequestBuilder)invite).Build(), udp).ConfigureAwait(false);
            call = result.Dialog;
            return $"{result.StatusCode}, dialog {call?.State}, route via server: {call?.RouteSet.Count == 1}";
        }, r => r.StartsWith("200", StringComparison.Ordinal)).ConfigureAwait(false);

        await Step("carol → bob: BYE (in dialog, through the Record-Route)", async () =>
        {
            if (call is null)
            {
                return "no dialog";
            }
            var r = await call.ByeAsync().ConfigureAwait(false);
            return $"{r.StatusCode} {r.ReasonPhrase}, dialog {call.State}";
        }, r => r.StartsWith("200", StringComparison.Ordinal)).ConfigureAwait(false);

        server.Router.Remove("carol");
        await Step("alice → carol (not reachable now): MESSAGE", async () =>
        {
            var m = alice.Ua.CreateRequest("MESSAGE", At("carol", udp), udp);
            m.SetBody(Encoding.UTF8.GetBytes("are you there?"), "text/plain");
            var r = await alice.Ua.SendRequestAsync(((SipRequestBuilder)m).Build(), udp).ConfigureAwait(false);
            return $"{r.StatusCode} {r.ReasonPhrase} (store-and-forward arrives with the message centre)";
        }, r => r.StartsWith("404", StringComparison.Ordinal)).ConfigureAwait(false);

        console.Write(table);
        lock (inbox)
        {
            foreach (var line in inbox)
            {
                console.MarkupLine("  " + Markup.Escape(line));
            }
        }
        _ = tcp;
        return ok;
    }
}
