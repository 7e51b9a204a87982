using System.Net;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>The server host between two RcsCore user agents on real sockets: OPTIONS to the server, MESSAGE and a full call routed by the location service.</summary>
public class SipServerTests
{
    private static async Task<SipServer> StartServerAsync(SipTransportProtocol protocol)
    {
        var server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
            Timers = LoopbackUserAgent.FastTimers,
        });
        await server.StartAsync();
        return server;
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task CallThroughTheServerFollowsTheRecordRoute(SipTransportProtocol protocol)
    {
        await using var server = await StartServerAsync(protocol);
        await using var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        await using var bob = await LoopbackUserAgent.StartAsync("bob", protocol);
        var serverEp = server.LocalEndPoints[0];
        server.Router.Set("bob", [bob.Uri("bob")]);

        var messages = new List<SipRequest>();
        bob.Ua.Handle("MESSAGE", (req, _) =>
        {
            lock (messages)
            {
                messages.Add(req.Request);
            }
            return ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build());
        });
        bob.Ua.Handle("INVITE", async (req, ct) =>
        {
            await req.AcceptAsync(Encoding.UTF8.GetBytes("v=0\r\n"), "application/sdp", ct);
            return null;
        });

        var bobAtServer = SipUri.Parse($"sip:bob@{serverEp.Address}{(protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : "")}");
        var options = await alice.Ua.SendRequestAsync(alice.Ua.CreateRequest("OPTIONS", SipUri.Parse($"sip:{serverEp.Address}"), serverEp).Build(), serverEp).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, options.StatusCode);
        Assert.Contains("INVITE", options.GetHeader(SipHeaderName.Allow), StringComparison.Ordinal);

        var message = alice.Ua.CreateRequest("MESSAGE", bobAtServer, serverEp);
        message.SetBody(Encoding.UTF8.GetBytes("via the server"), "text/plain");
        Assert.Equal(200, (await alice.Ua.SendRequestAsync(((SipRequestBuilder)message).Build(), serverEp).WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
        var delivered = Assert.Single(messages);
        Assert.Equal(2, delivered.Vias.Count);
        Assert.Equal(69, delivered.MaxForwards);

        var result = await alice.Ua.InviteAsync(alice.Ua.CreateRequest("INVITE", bobAtServer, serverEp).Build(), serverEp).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(result.IsSuccess, $"status {result.StatusCode}");
        var dialog = result.Dialog!;
        // RFC 3261 §12.1.2: the UAC's route set is the reversed Record-Route: the server.
        var route = Assert.Single(dialog.RouteSet);
        Assert.Contains($"{serverEp.Address.Port}", route.Uri.Text, StringComparison.Ordinal);
        var bye = await dialog.ByeAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(SipDialogState.Terminated, dialog.State);

        // Unknown users get 404 from the location service.
        Assert.Equal(404, (await alice.Ua.SendRequestAsync(alice.Ua.CreateRequest("MESSAGE", SipUri.Parse($"sip:carol@{serverEp.Address}"), serverEp).Build(), serverEp).WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
    }
}
