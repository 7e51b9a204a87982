using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Sip.Tests.Proxy;

/// <summary>The proxy core (RFC 3261 §16) between real UDP/TCP endpoints on 127.0.0.1.</summary>
public sealed class ProxyCoreTests
{
    private sealed class MapRouter : ISipProxyRouter
    {
        public Dictionary<string, SipProxyDecision> Users { get; } = new(StringComparer.Ordinal);

        public ValueTask<SipProxyDecision> RouteAsync(SipRequest request, CancellationToken ct = default) =>
            ValueTask.FromResult(Users.TryGetValue(request.RequestUri.User ?? string.Empty, out var d) ? d : SipProxyDecision.Reject(404, "Not Found"));
    }

    private sealed class Rig : IAsyncDisposable
    {
        public required LoopbackNode Uac { get; init; }
        public required LoopbackNode ProxyNode { get; init; }
        public required SipProxyCore Proxy { get; init; }
        public required MapRouter Router { get; init; }
        public List<LoopbackNode> Uas { get; } = [];

        public SipEndPoint ProxyEndPoint => ProxyNode.Local;

        public static async Task<Rig> StartAsync(SipTransportProtocol protocol, int uasCount = 1)
        {
            var uac = await LoopbackNode.StartAsync(protocol);
            var proxyNode = await LoopbackNode.StartAsync(protocol);
            var router = new MapRouter();
            var proxy = new SipProxyCore(proxyNode.Transactions, proxyNode.Transport, new StaticSipTargetResolver(), router,
                new SipProxyOptions { Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "example.com" }, LocalEndPoint = p => proxyNode.Transport.GetLocalEndPoint(p) });
            proxyNode.OnRequest = tx => proxy.ProcessRequestAsync(tx).AsTask();
            proxyNode.OnAck = ack => proxy.ProcessAckAsync(ack).AsTask();
            proxyNode.OnStray = r => proxy.ProcessStrayResponseAsync(r).AsTask();
            var rig = new Rig { Uac = uac, ProxyNode = proxyNode, Proxy = proxy, Router = router };
            for (int i = 0; i < uasCount; i++)
            {
                rig.Uas.Add(await LoopbackNode.StartAsync(protocol));
            }
            return rig;
        }

        public SipProxyTarget Target(int uas) => new(SipUri.Parse($"sip:bob@{Uas[uas].HostPort}{(Uas[uas].Protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : "")}"));

        public async Task<SipResponse> SendAsync(SipRequest request, List<SipResponse>? provisional = null)
        {
            var progress = new SyncProgress(provisional);
            return await Uac.Transactions.SendRequestAsync(request, ProxyEndPoint, progress).WaitAsync(TimeSpan.FromSeconds(20));
        }

        public async ValueTask DisposeAsync()
        {
            await Uac.DisposeAsync();
            await ProxyNode.DisposeAsync();
            foreach (var u in Uas)
            {
                await u.DisposeAsync();
            }
        }
    }

    private sealed class SyncProgress(List<SipResponse>? into) : IProgress<SipResponse>
    {
        public void Report(SipResponse value)
        {
            if (into is not null)
            {
                lock (into)
                {
                    into.Add(value);
                }
            }
        }
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task MessageIsProxiedWithViaMaxForwardsAndRecordRoute(SipTransportProtocol protocol)
    {
        await using var rig = await Rig.StartAsync(protocol);
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0)]);
        var response = await rig.SendAsync(rig.Uac.NewRequest("MESSAGE", "sip:bob@example.com", "hi bob"));
        Assert.Equal(200, response.StatusCode);
        Assert.Single(response.Vias); // the proxy removed its own Via (§16.7 step 3)
        var received = Assert.Single(rig.Uas[0].Received);
        Assert.Equal(2, received.Vias.Count);
        Assert.Equal(rig.ProxyNode.HostPort, received.Vias[0].Host + ":" + received.Vias[0].Port);
        Assert.Equal(69, received.MaxForwards);
        Assert.Equal($"sip:bob@{rig.Uas[0].HostPort}", received.RequestUri.Text.Split(';')[0]);
        Assert.True(Assert.Single(received.RecordRoutes).Uri.IsLooseRouting);
        Assert.Equal("hi bob", System.Text.Encoding.UTF8.GetString(received.Body.Span));
    }

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task InviteAckByeTraverseTheProxy(SipTransportProtocol protocol)
    {
        await using var rig = await Rig.StartAsync(protocol);
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0)]);
        var invite = rig.Uac.NewRequest("INVITE", "sip:bob@example.com");
        var provisional = new List<SipResponse>();
        var ok = await rig.SendAsync(invite, provisional);
        Assert.Equal(200, ok.StatusCode);
        Assert.Contains(provisional, p => p.StatusCode == 180);
        var rr = Assert.Single(ok.RecordRoutes);
        Assert.True(rig.Proxy.IsThisProxy(rr.Uri));

        // The ACK for the 2xx is end-to-end: sent to the proxy (Route), forwarded statelessly (§16.11).
        var ack = rig.Uac.AckFor(invite, ok);
        await rig.Uac.Transport.SendAsync(ack, rig.ProxyEndPoint);
        await WaitUntil(() => !rig.Uas[0].Acks.IsEmpty);
        var forwardedAck = Assert.Single(rig.Uas[0].Acks);
        Assert.Empty(forwardedAck.Routes); // the proxy popped its Route
        Assert.Equal(2, forwardedAck.Vias.Count);

        // An in-dialog BYE follows the route set through the proxy.
        var bye = new SipRequestBuilder("BYE", ok.Contacts[0].Uri);
        bye.AddHeader(SipHeaderName.Via, $"SIP/2.0/{rig.Uac.Local.ViaTransport} {rig.Uac.HostPort};branch={SipIds.NewBranch()}")
            .AddHeader(SipHeaderName.MaxForwards, "70")
            .AddRawHeader(SipHeaderName.From, invite.GetRawValue(invite.IndexOf(SipHeaderName.From, 0)))
            .AddRawHeader(SipHeaderName.To, ok.GetRawValue(ok.IndexOf(SipHeaderName.To, 0)))
            .AddHeader(SipHeaderName.CallId, invite.CallId!)
            .AddHeader(SipHeaderName.CSeq, "2 BYE")
            .AddHeader(SipHeaderName.Route, rr.ToString());
        var byeResponse = await rig.SendAsync(((SipRequestBuilder)bye).Build());
        Assert.Equal(200, byeResponse.StatusCode);
        Assert.Contains(rig.Uas[0].Received, r => r.Method == "BYE" && r.Routes.Count == 0);
        await WaitUntil(() => rig.Proxy.ActiveInviteContexts == 0);
    }

    [Fact]
    public async Task UnknownUserIsRejectedAndForeignDomainsAreForwarded()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp);
        Assert.Equal(404, (await rig.SendAsync(rig.Uac.NewRequest("MESSAGE", "sip:nobody@example.com", "x"))).StatusCode);
        Assert.Empty(rig.Uas[0].Received);

        // Not our domain: the Request-URI is the only target (§16.5).
        var direct = await rig.SendAsync(rig.Uac.NewRequest("MESSAGE", $"sip:carol@{rig.Uas[0].HostPort}", "y"));
        Assert.Equal(200, direct.StatusCode);
        Assert.Single(rig.Uas[0].Received);
    }

    [Fact]
    public async Task MaxForwardsZeroGets483()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp);
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0)]);
        Assert.Equal(483, (await rig.SendAsync(rig.Uac.NewRequest("MESSAGE", "sip:bob@example.com", "x", maxForwards: 0))).StatusCode);
        Assert.Empty(rig.Uas[0].Received);
    }

    [Fact]
    public async Task ParallelForkReturnsTheSuccessfulBranch()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp, uasCount: 2);
        rig.Uas[0].OnRequest = tx => rig.Uas[0].AnswerAsync(tx, 486);
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0), rig.Target(1)]);
        var ok = await rig.SendAsync(rig.Uac.NewRequest("INVITE", "sip:bob@example.com"));
        Assert.Equal(200, ok.StatusCode);
        // Both branches were tried in parallel (the refusing one may still be in flight when the 200 arrives).
        await WaitUntil(() => !rig.Uas[0].Received.IsEmpty);
        Assert.Single(rig.Uas[1].Received);
    }

    [Fact]
    public async Task ParallelForkWithAllFailuresReturnsTheBestOne()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp, uasCount: 2);
        rig.Uas[0].OnRequest = tx => rig.Uas[0].AnswerAsync(tx, 503);
        rig.Uas[1].OnRequest = tx => rig.Uas[1].AnswerAsync(tx, 486);
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0), rig.Target(1)]);
        Assert.Equal(486, (await rig.SendAsync(rig.Uac.NewRequest("INVITE", "sip:bob@example.com"))).StatusCode);

        // A lone 503 becomes 500 (§16.7 step 6).
        rig.Router.Users["carol"] = SipProxyDecision.Forward([rig.Target(0)]);
        Assert.Equal(500, (await rig.SendAsync(rig.Uac.NewRequest("MESSAGE", "sip:carol@example.com", "x"))).StatusCode);
    }

    [Fact]
    public async Task SequentialSearchTriesTargetsInQOrder()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp, uasCount: 2);
        rig.Uas[1].OnRequest = tx => rig.Uas[1].AnswerAsync(tx, 480);
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0) with { Q = 0.5 }, rig.Target(1) with { Q = 0.9 }], sequential: true);
        Assert.Equal(200, (await rig.SendAsync(rig.Uac.NewRequest("MESSAGE", "sip:bob@example.com", "x"))).StatusCode);
        // q=0.9 (UAS 1) was tried first and refused; then q=0.5 (UAS 0).
        Assert.Single(rig.Uas[1].Received);
        Assert.Single(rig.Uas[0].Received);
    }

    [Fact]
    public async Task CancelIsForwardedAndTheInviteEndsWith487()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp);
        var ringing = new TaskCompletionSource();
        rig.Uas[0].OnRequest = async tx =>
        {
            if (tx.Request.Method == "CANCEL")
            {
                await rig.Uas[0].AnswerAsync(tx, 200);
                return;
            }
            var r = SipResponseBuilder.For(tx.Request, 180, toTag: "uas1");
            await tx.SendResponseAsync(r.Build());
            ringing.TrySetResult();
        };
        rig.Router.Users["bob"] = SipProxyDecision.Forward([rig.Target(0)]);
        var invite = rig.Uac.NewRequest("INVITE", "sip:bob@example.com");
        var client = rig.Uac.Transactions.StartClientTransaction(invite, rig.ProxyEndPoint);
        await ringing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100); // let the 180 reach the UAC
        var cancelResponse = await rig.Uac.Transactions.SendRequestAsync(client.CreateCancel(), rig.ProxyEndPoint).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(200, cancelResponse.StatusCode);
        var final = await client.FinalResponse.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(487, final.StatusCode);
        Assert.Contains(rig.Uas[0].Received, r => r.Method == "CANCEL");
    }

    [Fact]
    public async Task LooseRoutePointingAtTheProxyIsPopped()
    {
        await using var rig = await Rig.StartAsync(SipTransportProtocol.Udp);
        // A preloaded Route to the proxy, then the UAS by Request-URI (RFC 3261 §16.4, §16.12).
        var request = rig.Uac.NewRequest("MESSAGE", $"sip:bob@{rig.Uas[0].HostPort}", "routed", extraHeaders: [$"Route: <sip:proxy@{rig.ProxyNode.HostPort};lr>"]);
        Assert.Equal(200, (await rig.SendAsync(request)).StatusCode);
        var received = Assert.Single(rig.Uas[0].Received);
        Assert.Empty(received.Routes);
    }

    [Theory]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKu\r\nVia: SIP/2.0/TCP 192.0.2.3;branch=z9hG4bKv\r\n")]
    [InlineData("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKu,\r\n SIP/2.0/TCP 192.0.2.3;branch=z9hG4bKv\r\n")]
    public void StripTopViaRemovesOnlyTheFirstValue(string vias)
    {
        // RFC 3261 §16.7 step 3: only the topmost via-parm goes, wherever the comma-separated values sit.
        var text = "SIP/2.0 200 OK\r\n" + vias + "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c@x\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
        Assert.True(SipResponse.TryParse(System.Text.Encoding.ASCII.GetBytes(text), SipFraming.Datagram, out var response).IsSuccess);
        var stripped = SipProxyCore.StripTopVia(response!);
        Assert.Equal(["z9hG4bKu", "z9hG4bKv"], stripped.Vias.Select(v => v.Branch));
        Assert.Equal("c@x", stripped.CallId);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
