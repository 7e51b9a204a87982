using System.Collections.Concurrent;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Sip.Tests.UserAgent;

/// <summary>INVITE sessions between two user agents (RFC 3261 §12–§15): dialogs, ACK, BYE, CANCEL, forks.</summary>
public class UserAgentInviteTests
{
    private static readonly byte[] s_sdp = "v=0\r\n"u8.ToArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class SyncProgress(Action<SipResponse> report) : IProgress<SipResponse>
    {
        public void Report(SipResponse value) => report(value);
    }

    /// <summary>Alice calls Bob, who rings and accepts at once; returns both dialogs once the ACK went out.</summary>
    private static async Task<(SipInviteResult Result, SipDialog Alice, SipDialog Bob, RecordingHandler BobInvites)> EstablishAsync(
        UaNetwork net, UaNode alice, UaNode bob, Action<SipRequestBuilder>? configure = null)
    {
        var handler = new RecordingHandler(async (r, ct) =>
        {
            if (r.Dialog is null)
            {
                await r.SendProvisionalAsync(180, ct: ct);
            }
            var ok = r.CreateResponse(200);
            ok.SetBody(s_sdp, "application/sdp");
            return ok.Build();
        });
        bob.Ua.Handle("INVITE", handler);
        var result = await alice.Ua.InviteAsync(alice.NewInvite(bob, configure), bob.EndPoint, ct: Ct);
        Assert.Equal(200, result.StatusCode);
        var bobDialog = Assert.Single(bob.Ua.Dialogs);
        return (result, result.Dialog!, bobDialog, handler);
    }

    [Fact]
    public async Task InviteRingAcceptAckGivesMatchingConfirmedDialogsOnBothSides()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        SipIncomingRequest? bobInvite = null;
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            bobInvite = r;
            await r.SendProvisionalAsync(180, ct: ct);
            await gate.Task.WaitAsync(ct);
            await r.AcceptAsync(s_sdp, "application/sdp", ct);
            return null;
        });
        var provisional = new ConcurrentQueue<int>();

        var outgoing = alice.Ua.Invite(alice.NewInvite(bob), bob.EndPoint, new SyncProgress(r => provisional.Enqueue(r.StatusCode)));

        // RFC 3261 §12.1: the 180 with a To tag made an early dialog on both sides.
        Assert.Equal([180], provisional);
        var aliceEarly = Assert.Single(outgoing.Dialogs);
        var bobEarly = Assert.Single(bob.Ua.Dialogs);
        Assert.Equal(SipDialogState.Early, aliceEarly.State);
        Assert.Equal(SipDialogState.Early, bobEarly.State);
        Assert.Same(bobEarly, bobInvite!.Dialog);
        Assert.False(outgoing.Completion.IsCompleted);

        gate.SetResult();
        var result = await outgoing.Completion;

        Assert.True(result.IsSuccess);
        var aliceDialog = result.Dialog!;
        Assert.Same(aliceEarly, aliceDialog); // confirmed in place (§13.2.2.4)
        Assert.Equal(SipDialogState.Confirmed, aliceDialog.State);
        Assert.Equal(SipDialogState.Confirmed, bobEarly.State);
        Assert.Equal(SipDialogRole.Uac, aliceDialog.Role);
        Assert.Equal(SipDialogRole.Uas, bobEarly.Role);
        // The dialog IDs mirror each other (§12).
        Assert.Equal(aliceDialog.CallId, bobEarly.CallId);
        Assert.Equal(aliceDialog.LocalTag, bobEarly.RemoteTag);
        Assert.Equal(aliceDialog.RemoteTag, bobEarly.LocalTag);
        Assert.Same(aliceDialog, alice.Ua.FindDialog(aliceDialog.Id));
        // Remote targets are the peers' Contacts; URIs are the From/To of the INVITE (§12.1.1, §12.1.2).
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5060"), aliceDialog.RemoteTarget);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5060"), bobEarly.RemoteTarget);
        Assert.Equal(SipUri.Parse("sip:alice@example.com"), aliceDialog.LocalUri);
        Assert.Equal(bob.Uri, aliceDialog.RemoteUri);
        Assert.Equal(bob.Uri, bobEarly.LocalUri);
        Assert.Equal(1u, aliceDialog.LocalSequence);
        Assert.Null(aliceDialog.RemoteSequence);
        Assert.Equal(1u, bobEarly.RemoteSequence);
        Assert.Null(bobEarly.LocalSequence);
        Assert.False(aliceDialog.IsSecure);

        // RFC 3261 §13.2.2.4: the ACK is in the dialog, with a new branch and the INVITE's CSeq number.
        var ack = await bobInvite.WaitForAckAsync(Ct);
        Assert.NotNull(ack);
        Assert.Equal(new SipCSeq(1, "ACK"), ack.CSeq);
        Assert.NotEqual(outgoing.Request.TopVia!.Branch, ack.TopVia!.Branch);
        Assert.Equal(aliceDialog.RemoteTag, ack.To!.Tag);
        Assert.Equal(aliceDialog.RemoteTarget, ack.RequestUri);

        // The ACK stopped the 2xx retransmissions (§13.3.1.4).
        net.Advance(10_000);
        Assert.Single(net.Responses("bob", 200, "INVITE"));
        Assert.Single(net.Requests("alice", "ACK"));
        var ok = net.Responses("bob", 200, "INVITE")[0].Response;
        Assert.Equal("<sip:bob@192.0.2.2:5060>", ok.GetHeader(SipHeaderName.Contact));
        Assert.NotNull(ok.GetHeader(SipHeaderName.Allow));
        Assert.Equal(s_sdp, ok.Body.ToArray());
    }

    [Fact]
    public async Task InDialogRequestsCarryTheDialogAndIncrementCSeq()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var bobMessages = RecordingHandler.Answer();
        var aliceInfos = RecordingHandler.Answer();
        bob.Ua.Handle("MESSAGE", bobMessages);
        bob.Ua.Handle("INFO", bobMessages);
        alice.Ua.Handle("INFO", aliceInfos);
        var (_, aliceDialog, bobDialog, _) = await EstablishAsync(net, alice, bob);

        var r1 = await aliceDialog.SendRequestAsync("MESSAGE", "hi"u8.ToArray(), "text/plain", Ct);
        var r2 = await aliceDialog.SendRequestAsync("INFO", ct: Ct);
        var r3 = await bobDialog.SendRequestAsync("INFO", ct: Ct);

        Assert.Equal([200, 200, 200], new[] { r1.StatusCode, r2.StatusCode, r3.StatusCode });
        var seen = bobMessages.Seen.Select(s => s.Request).ToArray();
        // RFC 3261 §12.2.1.1: CSeq one above the last (the INVITE had 1), the dialog's Call-ID and tags.
        Assert.Equal([new SipCSeq(2, "MESSAGE"), new SipCSeq(3, "INFO")], seen.Select(r => r.CSeq!.Value));
        Assert.All(seen, r =>
        {
            Assert.Equal(aliceDialog.CallId, r.CallId);
            Assert.Equal(aliceDialog.LocalTag, r.From!.Tag);
            Assert.Equal(aliceDialog.RemoteTag, r.To!.Tag);
            Assert.Equal(aliceDialog.RemoteTarget, r.RequestUri);
            Assert.Equal(70, r.MaxForwards);
            Assert.Empty(r.Routes);
            Assert.Empty(r.Contacts); // not a target refresh
            Assert.Same(bobDialog, bobMessages.Seen.First(s => s.Request == r).Dialog);
        });
        Assert.Equal("hi"u8.ToArray(), seen[0].Body.ToArray());
        Assert.Equal(3u, bobDialog.RemoteSequence);
        Assert.Equal(3u, aliceDialog.LocalSequence);

        // The callee's first request picks an initial local sequence number (§12.2.1.1 with §8.1.1.5).
        var fromBob = Assert.Single(aliceInfos.Seen).Request;
        Assert.Equal(new SipCSeq(1, "INFO"), fromBob.CSeq);
        Assert.Equal(bobDialog.LocalTag, fromBob.From!.Tag);
        Assert.Equal(bobDialog.RemoteTag, fromBob.To!.Tag);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5060"), fromBob.RequestUri);
        Assert.Equal(1u, aliceDialog.RemoteSequence);
    }

    [Fact]
    public async Task ReInviteRefreshesTheRemoteTargetOnBothSides()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var (_, aliceDialog, bobDialog, bobInvites) = await EstablishAsync(net, alice, bob);
        bob.Ua.Handle("INVITE", bobInvites = new RecordingHandler((r, _) =>
        {
            Assert.Same(bobDialog, r.Dialog);
            var ok = r.CreateResponse(200);
            ok.RemoveHeaders(SipHeaderName.Contact);
            ok.AddHeader(SipHeaderName.Contact, "<sip:bob@192.0.2.2:5080>");
            return new ValueTask<SipResponse?>(ok.Build());
        }));

        var reInvite = aliceDialog.CreateRequest("INVITE");
        reInvite.RemoveHeaders(SipHeaderName.Contact);
        reInvite.AddHeader(SipHeaderName.Contact, "<sip:alice@192.0.2.1:5070>");
        reInvite.SetBody(s_sdp, "application/sdp");
        var response = await aliceDialog.SendRequestAsync(reInvite.Build(), ct: Ct);

        Assert.Equal(200, response.StatusCode);
        // RFC 3261 §12.2.2 (UAS, from the request) and §12.2.1.2 (UAC, from the 2xx).
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5070"), bobDialog.RemoteTarget);
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5080"), aliceDialog.RemoteTarget);
        // The re-INVITE's 2xx is ACKed with its own CSeq number, to the new target.
        var ack = await bobInvites.Last.WaitForAckAsync(Ct);
        Assert.Equal(new SipCSeq(2, "ACK"), ack!.CSeq);
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5080"), ack.RequestUri);
        Assert.Equal(SipDialogState.Confirmed, aliceDialog.State);
        Assert.Equal(SipDialogState.Confirmed, bobDialog.State);

        // Later requests go to the new target.
        bob.Ua.Handle("MESSAGE", RecordingHandler.Answer());
        await aliceDialog.SendRequestAsync("MESSAGE", ct: Ct);
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5080"), net.Requests("alice", "MESSAGE")[0].Request.RequestUri);
    }

    [Fact]
    public async Task ByeFromTheCallerTerminatesBothDialogs()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var (_, aliceDialog, bobDialog, _) = await EstablishAsync(net, alice, bob);

        var response = await aliceDialog.ByeAsync(Ct);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(SipDialogState.Terminated, aliceDialog.State);
        Assert.Equal(SipDialogState.Terminated, bobDialog.State);
        Assert.Empty(alice.Ua.Dialogs);
        Assert.Empty(bob.Ua.Dialogs);
        // RFC 3261 §15.1.1 / §15.1.2.
        var a = Assert.Single(alice.Terminated);
        Assert.Equal(SipDialogTerminationReason.LocalBye, a.Reason);
        Assert.Same(aliceDialog, a.Dialog);
        Assert.Equal(SipDialogTerminationReason.RemoteBye, Assert.Single(bob.Terminated).Reason);
        Assert.Equal(new SipCSeq(2, "BYE"), net.Requests("alice", "BYE")[0].Request.CSeq);
        Assert.Throws<InvalidOperationException>(() => aliceDialog.CreateRequest("MESSAGE"));

        // A second BYE for the ended dialog gets 481 (§12.2.2).
        var again = alice.Ua.CreateRequest("BYE", bob.Uri, bob.EndPoint, to: new SipNameAddress(bob.Uri).WithParameter("tag", bobDialog.LocalTag));
        Assert.Equal(481, (await alice.Ua.SendRequestAsync(again.Build(), bob.EndPoint, ct: Ct)).StatusCode);
    }

    [Fact]
    public async Task ByeFromTheCalleeTerminatesBothDialogs()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var (_, aliceDialog, bobDialog, _) = await EstablishAsync(net, alice, bob);

        var response = await bobDialog.ByeAsync(Ct);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(SipDialogState.Terminated, aliceDialog.State);
        Assert.Equal(SipDialogState.Terminated, bobDialog.State);
        Assert.Equal(SipDialogTerminationReason.RemoteBye, Assert.Single(alice.Terminated).Reason);
        Assert.Equal(SipDialogTerminationReason.LocalBye, Assert.Single(bob.Terminated).Reason);
        var bye = net.Requests("bob", "BYE")[0].Request;
        Assert.Equal(new SipCSeq(1, "BYE"), bye.CSeq);
        Assert.Equal(bobDialog.LocalTag, bye.From!.Tag);
    }

    [Fact]
    public async Task TheTwoHundredIsRetransmittedUntilTheAckWhenTheFirstAckIsLost()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        int acks = 0;
        net.Drop = w => w.Method == "ACK" && Interlocked.Increment(ref acks) == 1;
        var (_, _, bobDialog, bobInvites) = await EstablishAsync(net, alice, bob);
        var ackWait = bobInvites.Last.WaitForAckAsync(Ct);

        net.Advance(499);
        Assert.False(ackWait.IsCompleted);
        Assert.Single(net.Responses("bob", 200, "INVITE"));
        net.Advance(1);
        // RFC 3261 §13.3.1.4: retransmitted after T1; Alice ACKs the retransmission again (§13.2.2.4).
        Assert.Equal([0d, 500], net.Responses("bob", 200, "INVITE").Select(w => w.Ms));
        var ackLog = net.Requests("alice", "ACK");
        Assert.Equal(2, ackLog.Count);
        Assert.True(ackLog[0].Dropped);
        Assert.Equal(ackLog[0].Request.TopVia!.Branch, ackLog[1].Request.TopVia!.Branch); // the same ACK
        Assert.NotNull(await ackWait);

        net.Advance(40_000);
        Assert.Equal(2, net.Responses("bob", 200, "INVITE").Count);
        Assert.Equal(SipDialogState.Confirmed, bobDialog.State);
        Assert.Empty(bob.Terminated);
    }

    [Fact]
    public async Task WithoutAnyAckTheCalleeRetransmitsFor64T1ThenSendsBye()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        net.Drop = w => w.Method == "ACK";
        var (_, aliceDialog, bobDialog, bobInvites) = await EstablishAsync(net, alice, bob);

        net.Advance(31_999);
        Assert.Empty(net.Requests("bob", "BYE"));
        net.Advance(1);

        // RFC 3261 §13.3.1.4: T1, doubling to T2 (500 ms, 4 s), for 64*T1; then BYE.
        Assert.Equal([0d, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500],
            net.Responses("bob", 200, "INVITE").Select(w => w.Ms));
        var bye = Assert.Single(net.Requests("bob", "BYE"));
        Assert.Equal(32_000, bye.Ms);
        Assert.Null(await bobInvites.Last.WaitForAckAsync(Ct));
        Assert.Equal(SipDialogTerminationReason.AckTimeout, Assert.Single(bob.Terminated).Reason);
        Assert.Equal(SipDialogTerminationReason.RemoteBye, Assert.Single(alice.Terminated).Reason);
        Assert.Equal(SipDialogState.Terminated, aliceDialog.State);
        Assert.Equal(SipDialogState.Terminated, bobDialog.State);
        Assert.Single(net.Responses("alice", 200, "BYE"));
    }

    [Fact]
    public async Task CalleeByeWaitsForTheAck()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        int acks = 0;
        net.Drop = w => w.Method == "ACK" && Interlocked.Increment(ref acks) == 1;
        var (_, aliceDialog, bobDialog, _) = await EstablishAsync(net, alice, bob);

        var bye = bobDialog.ByeAsync(Ct);
        // RFC 3261 §15: no BYE from the callee before the ACK for its 2xx.
        Assert.Empty(net.Requests("bob", "BYE"));
        net.Advance(500); // the 2xx retransmission brings the ACK again

        Assert.Equal(200, (await bye).StatusCode);
        Assert.Equal(500, Assert.Single(net.Requests("bob", "BYE")).Ms);
        Assert.Equal(SipDialogState.Terminated, aliceDialog.State);
    }

    [Fact]
    public async Task RouteSetsFollowRecordRouteInBothDirections()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("MESSAGE", RecordingHandler.Answer());
        alice.Ua.Handle("MESSAGE", RecordingHandler.Answer());
        // As if the INVITE went alice -> p1 -> p2 -> bob: each proxy put its Record-Route on top (RFC 3261 §16.6).
        var (_, aliceDialog, bobDialog, bobInvites) = await EstablishAsync(net, alice, bob, b =>
        {
            b.AddHeader(SipHeaderName.RecordRoute, "<sip:p2.example.com;lr>");
            b.AddHeader(SipHeaderName.RecordRoute, "<sip:p1.example.com;lr>");
        });
        var p1 = SipUri.Parse("sip:p1.example.com;lr");
        var p2 = SipUri.Parse("sip:p2.example.com;lr");

        // RFC 3261 §12.1.1: the UAS keeps Record-Route in order; §12.1.2: the UAC reverses the 2xx's.
        Assert.Equal([p2, p1], bobDialog.RouteSet.Select(r => r.Uri));
        Assert.Equal([p1, p2], aliceDialog.RouteSet.Select(r => r.Uri));
        var ok = net.Responses("bob", 200, "INVITE")[0].Response;
        Assert.Equal(2, ok.RecordRoutes.Count); // §12.1.1: copied into the 2xx

        await aliceDialog.SendRequestAsync("MESSAGE", ct: Ct);
        await bobDialog.SendRequestAsync("MESSAGE", ct: Ct);

        // §12.2.1.1 loose routing: Request-URI = remote target, Route = route set in order.
        var fromAlice = net.Requests("alice", "MESSAGE")[0].Request;
        Assert.Equal(aliceDialog.RemoteTarget, fromAlice.RequestUri);
        Assert.Equal([p1, p2], fromAlice.Routes.Select(r => r.Uri));
        var ack = net.Requests("alice", "ACK")[0].Request;
        Assert.Equal([p1, p2], ack.Routes.Select(r => r.Uri));
        var fromBob = net.Requests("bob", "MESSAGE")[0].Request;
        Assert.Equal(bobDialog.RemoteTarget, fromBob.RequestUri);
        Assert.Equal([p2, p1], fromBob.Routes.Select(r => r.Uri));
        Assert.Equal("<sip:p2.example.com;lr>", fromBob.GetHeaders(SipHeaderName.Route)[0]);

        // The route set does not change on a target refresh (§12.2.1.2).
        var reInvite = aliceDialog.CreateRequest("INVITE");
        Assert.Equal(200, (await aliceDialog.SendRequestAsync(reInvite.Build(), ct: Ct)).StatusCode);
        Assert.Equal([p1, p2], aliceDialog.RouteSet.Select(r => r.Uri));
        Assert.NotNull(await bobInvites.Last.WaitForAckAsync(Ct));
    }

    [Fact]
    public async Task CancelAfterRingingGives487AndTellsTheHandler()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var handlerSawCancel = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        SipIncomingRequest? bobInvite = null;
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            bobInvite = r;
            await r.SendProvisionalAsync(180, ct: ct);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                handlerSawCancel.SetResult(r.RequestAborted.IsCancellationRequested);
                // Too late: the core has answered 487.
                Assert.False(await r.AcceptAsync(ct: CancellationToken.None));
            }
            return null;
        });

        var outgoing = alice.Ua.Invite(alice.NewInvite(bob), bob.EndPoint);
        Assert.Single(bob.Ua.Dialogs);
        var cancelResponse = await outgoing.CancelAsync(Ct);
        var result = await outgoing.Completion;

        // RFC 3261 §9.1 / §9.2: CANCEL 200, INVITE 487 (ACKed by the transaction), handler cancelled.
        Assert.Equal(200, cancelResponse!.StatusCode);
        Assert.Equal(487, result.StatusCode);
        Assert.Null(result.Dialog);
        Assert.True(await handlerSawCancel.Task.WaitAsync(Ct));
        Assert.True(bobInvite!.IsAnswered);
        var cancel = Assert.Single(net.Requests("alice", "CANCEL")).Request;
        Assert.Equal(outgoing.Request.TopVia!.Branch, cancel.TopVia!.Branch);
        Assert.Equal(new SipCSeq(1, "CANCEL"), cancel.CSeq);
        Assert.Single(net.Responses("bob", 487, "INVITE"));
        Assert.Equal(outgoing.Request.TopVia.Branch, Assert.Single(net.Requests("alice", "ACK")).Request.TopVia!.Branch);
        // The early dialogs ended on both sides.
        Assert.Empty(alice.Ua.Dialogs);
        Assert.Empty(bob.Ua.Dialogs);
        Assert.Equal(SipDialogTerminationReason.Cancelled, Assert.Single(alice.Terminated).Reason);
        Assert.Equal(SipDialogTerminationReason.Cancelled, Assert.Single(bob.Terminated).Reason);
        // Cancelling again after the final response does nothing.
        Assert.Null(await outgoing.CancelAsync(Ct));
    }

    [Fact]
    public async Task CancellingInviteAsyncBeforeAnyProvisionalWaitsForOne()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        using var cts = new CancellationTokenSource();

        var call = alice.Ua.InviteAsync(alice.NewInvite(bob), bob.EndPoint, ct: cts.Token);
        await cts.CancelAsync();

        // RFC 3261 §9.1: no provisional response yet, so no CANCEL yet.
        Assert.Empty(net.Requests("alice", "CANCEL"));
        net.Advance(200); // the INVITE server transaction sends 100 Trying (§17.2.1)
        var result = await call;

        Assert.Equal(487, result.StatusCode);
        Assert.Equal(200, Assert.Single(net.Requests("alice", "CANCEL")).Ms);
        Assert.Single(net.Responses("bob", 100, "INVITE"));
        Assert.Single(net.Responses("bob", 200, "CANCEL"));
    }

    [Fact]
    public async Task RejectedInviteEndsTheEarlyDialogs()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            await r.SendProvisionalAsync(183, ct: ct);
            return r.CreateResponse(486).Build();
        });

        var result = await alice.Ua.InviteAsync(alice.NewInvite(bob), bob.EndPoint, ct: Ct);

        Assert.Equal(486, result.StatusCode);
        Assert.Null(result.Dialog);
        // RFC 3261 §12.3: the non-2xx final response ends the early dialogs on both sides.
        Assert.Equal(SipDialogTerminationReason.Rejected, Assert.Single(alice.Terminated).Reason);
        Assert.Equal(SipDialogTerminationReason.Rejected, Assert.Single(bob.Terminated).Reason);
        Assert.Empty(alice.Ua.Dialogs);
        Assert.Empty(bob.Ua.Dialogs);
        // The 183 and 486 carry the same To tag (§12.1.1).
        Assert.Equal(net.Responses("bob", 183)[0].Response.To!.Tag, net.Responses("bob", 486)[0].Response.To!.Tag);
    }

    [Fact]
    public async Task LowerCSeqInADialogGets500()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("MESSAGE", RecordingHandler.Answer());
        var (_, aliceDialog, bobDialog, _) = await EstablishAsync(net, alice, bob);
        var first = aliceDialog.CreateRequest("MESSAGE").Build();
        var second = aliceDialog.CreateRequest("MESSAGE").Build();

        Assert.Equal(200, (await aliceDialog.SendRequestAsync(second, ct: Ct)).StatusCode);
        var outOfOrder = await aliceDialog.SendRequestAsync(first, ct: Ct);

        // RFC 3261 §12.2.2: lower than the remote sequence number -> 500; the dialog survives.
        Assert.Equal(500, outOfOrder.StatusCode);
        Assert.Equal(3u, bobDialog.RemoteSequence);
        Assert.Equal(SipDialogState.Confirmed, bobDialog.State);
        Assert.Equal(SipDialogState.Confirmed, aliceDialog.State);
    }

    [Fact]
    public async Task InDialog481EndsTheDialog()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var (_, aliceDialog, bobDialog, _) = await EstablishAsync(net, alice, bob);
        // Bob forgets the dialog silently (a restart), so Alice's next request gets 481.
        bob.Ua.Dispose();
        var bobRestarted = net.Add("bob", "192.0.2.2");

        var response = await aliceDialog.SendRequestAsync("INFO", ct: Ct);

        // RFC 3261 §12.2.1.2.
        Assert.Equal(481, response.StatusCode);
        Assert.Equal(SipDialogState.Terminated, aliceDialog.State);
        Assert.Equal(SipDialogTerminationReason.RequestFailed, Assert.Single(alice.Terminated).Reason);
        Assert.Empty(bobRestarted.Ua.Dialogs);
        Assert.Equal(SipDialogTerminationReason.Shutdown, Assert.Single(bob.Terminated).Reason);
        Assert.Equal(SipDialogState.Terminated, bobDialog.State);
    }

    [Fact]
    public async Task A2xxFromAnotherForkIsAckedAndReleasedAndRetransmissionsAreReAcked()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var invite = alice.NewInvite(bob);
        var (result, aliceDialog, _, bobInvites) = await EstablishAsyncWith(net, alice, bob, invite);
        var bobOk = net.Responses("bob", 200, "INVITE")[0].Response;

        // A second 2xx with another To tag, as a forking proxy would pass on from a second UAS.
        var fork = SipResponseBuilder.For(bobInvites.Last.Request, 200, toTag: "forkb");
        fork.AddHeader(SipHeaderName.Contact, "<sip:carol@192.0.2.3:5060>");
        await net.InjectAsync(fork.Build(), bob, alice);

        // RFC 3261 §13.2.2.4: ACK it, then end that dialog with a BYE; the first dialog stays.
        var forkAck = Assert.Single(net.Requests("alice", "ACK"), w => w.Request.To!.Tag == "forkb").Request;
        Assert.Equal(new SipCSeq(1, "ACK"), forkAck.CSeq);
        Assert.Equal(SipUri.Parse("sip:carol@192.0.2.3:5060"), forkAck.RequestUri);
        var forkBye = Assert.Single(net.Requests("alice", "BYE")).Request;
        Assert.Equal("forkb", forkBye.To!.Tag);
        Assert.Equal(new SipCSeq(2, "BYE"), forkBye.CSeq);
        var released = Assert.Single(alice.Terminated);
        Assert.Equal(SipDialogTerminationReason.ForkReleased, released.Reason);
        Assert.Equal("forkb", released.Dialog.RemoteTag);
        Assert.Equal(SipDialogState.Confirmed, aliceDialog.State);
        Assert.Same(aliceDialog, Assert.Single(alice.Ua.Dialogs));
        Assert.Same(aliceDialog, result.Dialog);

        // A retransmission of the first 2xx gets the same ACK again; the fork's too, without a second BYE.
        await net.InjectAsync(bobOk, bob, alice);
        await net.InjectAsync(fork.Build(), bob, alice);
        var acks = net.Requests("alice", "ACK").Where(w => w.Request.CallId == invite.CallId).ToArray();
        Assert.Equal(2, acks.Count(w => w.Request.To!.Tag == aliceDialog.RemoteTag));
        Assert.Equal(2, acks.Count(w => w.Request.To!.Tag == "forkb"));
        Assert.Single(net.Requests("alice", "BYE"), w => w.Request.CallId == invite.CallId);
    }

    private static async Task<(SipInviteResult Result, SipDialog Alice, SipDialog Bob, RecordingHandler BobInvites)> EstablishAsyncWith(
        UaNetwork net, UaNode alice, UaNode bob, SipRequest invite)
    {
        var handler = RecordingHandler.RingThenAccept();
        bob.Ua.Handle("INVITE", handler);
        var result = await alice.Ua.InviteAsync(invite, bob.EndPoint, ct: Ct);
        Assert.Equal(200, result.StatusCode);
        return (result, result.Dialog!, Assert.Single(bob.Ua.Dialogs), handler);
    }

    [Fact]
    public async Task EarlyDialogsOfForksThatNeverAnswerExpireAfter64T1()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        SipIncomingRequest? bobInvite = null;
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            bobInvite = r;
            await r.SendProvisionalAsync(180, ct: ct);
            await gate.Task.WaitAsync(ct);
            return r.CreateResponse(200).Build();
        });

        var outgoing = alice.Ua.Invite(alice.NewInvite(bob), bob.EndPoint);
        // A 180 from a second fork (another To tag) makes a second early dialog (RFC 3261 §12.1.2).
        var otherRinging = SipResponseBuilder.For(bobInvite!.Request, 180, toTag: "forkb");
        otherRinging.AddHeader(SipHeaderName.Contact, "<sip:carol@192.0.2.3:5060>");
        await net.InjectAsync(otherRinging.Build(), bob, alice);
        Assert.Equal(2, outgoing.Dialogs.Count);
        Assert.All(outgoing.Dialogs, d => Assert.Equal(SipDialogState.Early, d.State));

        gate.SetResult();
        var result = await outgoing.Completion;
        var other = outgoing.Dialogs.Single(d => d.RemoteTag == "forkb");
        Assert.Equal(SipDialogState.Confirmed, result.Dialog!.State);
        Assert.Equal(SipDialogState.Early, other.State);

        net.Advance(32_000);
        // RFC 3261 §13.2.2.4: after 64*T1 the other fork's early dialog ends; the confirmed one stays.
        Assert.Equal(SipDialogState.Terminated, other.State);
        Assert.Equal(SipDialogTerminationReason.EarlyDialogExpired, Assert.Single(alice.Terminated).Reason);
        Assert.Equal(SipDialogState.Confirmed, result.Dialog.State);
    }
}

/// <summary>Less common INVITE exchanges: glare, BYE on an early dialog, direct 200, next-hop resolution, logging.</summary>
public class UserAgentInviteEdgeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReInviteGlareGets491AndASecondPendingReInviteGets500WithRetryAfter()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", RecordingHandler.RingThenAccept());
        var result = await alice.Ua.InviteAsync(alice.NewInvite(bob), bob.EndPoint, ct: Ct);
        var aliceDialog = result.Dialog!;
        var bobDialog = Assert.Single(bob.Ua.Dialogs);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return r.CreateResponse(200).Build();
        });

        var first = aliceDialog.SendRequestAsync("INVITE", ct: Ct);
        Assert.False(first.IsCompleted);
        // RFC 3261 §14.2: Alice's re-INVITE is in progress, so Bob's gets 491 from her...
        var glare = await bobDialog.SendRequestAsync("INVITE", ct: Ct);
        Assert.Equal(491, glare.StatusCode);
        // ...and Bob has not answered Alice's first, so her second gets 500 with Retry-After 0-10.
        var second = await aliceDialog.SendRequestAsync("INVITE", ct: Ct);
        Assert.Equal(500, second.StatusCode);
        Assert.InRange(int.Parse(second.GetHeader(SipHeaderName.RetryAfter)!, System.Globalization.CultureInfo.InvariantCulture), 0, 10);

        gate.SetResult();
        Assert.Equal(200, (await first).StatusCode);
        Assert.Equal(SipDialogState.Confirmed, aliceDialog.State);
        Assert.Equal(SipDialogState.Confirmed, bobDialog.State);
        // Glare is not a dialog failure; a later re-INVITE from Bob goes through.
        alice.Ua.Handle("INVITE", RecordingHandler.Answer());
        Assert.Equal(200, (await bobDialog.SendRequestAsync("INVITE", ct: Ct)).StatusCode);
    }

    [Fact]
    public async Task CallerByeOnAnEarlyDialogEndsTheInviteWith487()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            await r.SendProvisionalAsync(180, ct: ct);
            ct.Register(() => aborted.TrySetResult());
            return null;
        });

        var outgoing = alice.Ua.Invite(alice.NewInvite(bob), bob.EndPoint);
        var early = Assert.Single(outgoing.Dialogs);
        // RFC 3261 §15: the caller may send BYE on an early dialog.
        var bye = await early.ByeAsync(Ct);
        var result = await outgoing.Completion;

        // RFC 3261 §15.1.2: the UAS answers the BYE and the pending INVITE gets 487.
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(487, result.StatusCode);
        await aborted.Task.WaitAsync(Ct);
        Assert.Equal(SipDialogTerminationReason.LocalBye, Assert.Single(alice.Terminated).Reason);
        Assert.Equal(SipDialogTerminationReason.RemoteBye, Assert.Single(bob.Terminated).Reason);
        Assert.Empty(bob.Ua.Dialogs);
    }

    [Fact]
    public async Task InviteAnsweredDirectlyWith200CreatesAConfirmedDialog()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2", protocol: Transport.SipTransportProtocol.Tcp);
        bob.Ua.Handle("INVITE", RecordingHandler.Answer(200));

        var result = await alice.Ua.InviteAsync(alice.NewInvite(bob), bob.EndPoint, ct: Ct);

        Assert.Equal(SipDialogState.Confirmed, result.Dialog!.State);
        var bobDialog = Assert.Single(bob.Ua.Dialogs);
        Assert.Equal(SipDialogState.Confirmed, bobDialog.State);
        Assert.Equal("TCP", Assert.Single(net.Requests("alice", "ACK")).Request.TopVia!.Transport);
        // The UAS derived its Contact from its sent-by and the transport (RFC 3261 §8.1.1.8).
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5060;transport=tcp"), result.Dialog.RemoteTarget);
    }

    [Fact]
    public async Task InDialogRequestsGoWhereTheResolverSays()
    {
        using var net = new UaNetwork();
        var asked = new ConcurrentQueue<SipUri>();
        var alice = net.Add("alice", "192.0.2.1", configure: o => new SipUserAgentOptions
        {
            LocalIdentity = o.LocalIdentity,
            SentBy = o.SentBy,
            ResolveNextHop = (uri, flow) =>
            {
                asked.Enqueue(uri);
                return flow;
            },
        });
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", RecordingHandler.RingThenAccept());
        bob.Ua.Handle("INFO", RecordingHandler.Answer());

        var result = await alice.Ua.InviteAsync(alice.NewInvite(bob, b => b.AddHeader(SipHeaderName.RecordRoute, "<sip:p1.example.com;lr>")), bob.EndPoint, ct: Ct);
        await result.Dialog!.SendRequestAsync("INFO", ct: Ct);

        // The next hop is the first route (RFC 3261 §12.2.1.1, resolved per RFC 3263 by the resolver).
        Assert.NotEmpty(asked);
        Assert.All(asked, uri => Assert.Equal(SipUri.Parse("sip:p1.example.com;lr"), uri));
    }

    [Fact]
    public async Task LogsStableEventIds()
    {
        var logs = new RecordingLoggerFactory();
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var sender = new Transactions.FakeSender(net.Time);
        using var bob = new SipUserAgent(sender, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse("sip:bob@example.com")),
            SentBy = _ => new SipHostPort("192.0.2.2", 5060),
        }, timeProvider: net.Time, loggerFactory: logs);
        bob.Handle("INVITE", RecordingHandler.Answer(200));
        var invite = alice.NewInvite(alice);

        // No ACK ever comes (the fake sender delivers nowhere): 2xx retransmissions, ACK timeout, BYE.
        await bob.Transactions.OnMessageAsync(new SipInboundMessage(invite, alice.EndPoint, alice.EndPoint, 0), Ct);
        await bob.Transactions.OnMessageAsync(new SipInboundMessage(alice.NewRequest("BYE", alice).Build(), alice.EndPoint, alice.EndPoint, 0), Ct);
        net.Advance(32_000);

        var ids = logs.Entries.Select(e => e.EventId).ToHashSet();
        Assert.Contains(1800, ids); // dialog created
        Assert.Contains(1802, ids); // dialog terminated
        Assert.Contains(1803, ids); // request rejected (the BYE outside a dialog)
        Assert.Contains(1806, ids); // 2xx retransmitted
        Assert.Contains(1807, ids); // ACK timeout
        Assert.Contains(1700, ids); // the transaction layer logs through the same factory
    }

    private sealed class RecordingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, int EventId, string Message)> Entries { get; } = new();

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(RecordingLoggerFactory owner) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}

/// <summary>CANCEL corner cases (RFC 3261 §9.1).</summary>
public class UserAgentCancelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithoutAFinalResponse64T1AfterTheCancelTheInviteCountsAsCancelled()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", async (r, ct) =>
        {
            await r.SendProvisionalAsync(180, ct: ct);
            return null;
        });
        net.Drop = w => w.Status == 487; // the 487 never reaches Alice

        var outgoing = alice.Ua.Invite(alice.NewInvite(bob), bob.EndPoint);
        Assert.Equal(200, (await outgoing.CancelAsync(Ct))!.StatusCode);
        net.Advance(31_999);
        Assert.False(outgoing.Completion.IsCompleted);
        net.Advance(1);

        var result = await outgoing.Completion;
        Assert.Equal(487, result.StatusCode);
        Assert.Null(result.Dialog);
        Assert.Equal(SipDialogTerminationReason.Cancelled, Assert.Single(alice.Terminated).Reason);
        Assert.Empty(alice.Ua.Dialogs);
    }

    [Fact]
    public async Task CancelAfterTheFinalResponseDoesNothing()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", RecordingHandler.Answer(200));

        var outgoing = alice.Ua.Invite(alice.NewInvite(bob), bob.EndPoint);
        var result = await outgoing.Completion;

        Assert.Null(await outgoing.CancelAsync(Ct));
        Assert.Empty(net.Requests("alice", "CANCEL"));
        Assert.Equal(SipDialogState.Confirmed, result.Dialog!.State);
    }
}

/// <summary>Target refresh with UPDATE and rejected refreshes (RFC 3261 §12.2, RFC 3311).</summary>
public class UserAgentTargetRefreshTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UpdateRefreshesTheTargetAndARejectedReInviteDoesNot()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", RecordingHandler.RingThenAccept());
        bob.Ua.Handle("UPDATE", RecordingHandler.Answer());
        var aliceDialog = (await alice.Ua.InviteAsync(alice.NewInvite(bob), bob.EndPoint, ct: Ct)).Dialog!;
        var bobDialog = Assert.Single(bob.Ua.Dialogs);

        var update = aliceDialog.CreateRequest("UPDATE");
        update.RemoveHeaders(SipHeaderName.Contact);
        update.AddHeader(SipHeaderName.Contact, "<sip:alice@192.0.2.1:5090>");
        Assert.Equal(200, (await aliceDialog.SendRequestAsync(update.Build(), ct: Ct)).StatusCode);
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5090"), bobDialog.RemoteTarget);
        Assert.Equal(SipUri.Parse("sip:bob@192.0.2.2:5060"), aliceDialog.RemoteTarget); // the 2xx repeats Bob's Contact (RFC 3311 §5.2)
        Assert.Equal("<sip:bob@192.0.2.2:5060>", net.Responses("bob", 200, "UPDATE")[0].Response.GetHeader(SipHeaderName.Contact));

        bob.Ua.Handle("INVITE", RecordingHandler.Answer(488));
        var reInvite = aliceDialog.CreateRequest("INVITE");
        reInvite.RemoveHeaders(SipHeaderName.Contact);
        reInvite.AddHeader(SipHeaderName.Contact, "<sip:alice@192.0.2.1:6000>");
        Assert.Equal(488, (await aliceDialog.SendRequestAsync(reInvite.Build(), ct: Ct)).StatusCode);

        // A failed re-INVITE leaves the dialog and its target as they were (RFC 3261 §14.1).
        Assert.Equal(SipUri.Parse("sip:alice@192.0.2.1:5090"), bobDialog.RemoteTarget);
        Assert.Equal(SipDialogState.Confirmed, aliceDialog.State);
        Assert.Equal(SipDialogState.Confirmed, bobDialog.State);
    }
}
