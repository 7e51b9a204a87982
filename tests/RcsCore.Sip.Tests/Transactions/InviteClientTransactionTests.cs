using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class InviteClientTransactionTests
{
    [Fact]
    public async Task TimerARetransmitsAtDoublingIntervalsOverUdpUntilTimerBGives408()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        var tx = h.Layer.StartClientTransaction(invite, Harness.UdpPeer);
        Assert.Equal(SipTransactionKind.InviteClient, tx.Kind);
        Assert.Equal(SipTransactionState.Calling, tx.State);

        h.Advance(32_000);

        // RFC 3261 §17.1.1.2: A = T1, 2T1, 4T1... (no T2 cap), B = 64*T1 = 32 s.
        Assert.Equal([0d, 500, 1_500, 3_500, 7_500, 15_500, 31_500], h.Sender.Requests("INVITE").Select(s => s.Ms));
        Assert.All(h.Sender.Sent, s => Assert.Same(invite, s.Message));
        var final = await tx.FinalResponse;
        Assert.Equal(408, final.StatusCode); // §8.1.3.1
        Assert.Equal(invite.CallId, final.CallId);
        Assert.Equal(SipTransactionFailure.Timeout, tx.Failure);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        var failure = Assert.Single(h.User.Failures);
        Assert.Same(tx, failure.Transaction);
        Assert.Equal(SipTransactionFailure.Timeout, failure.Failure);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public async Task NoRetransmissionOverTcpButTimerBStillFires()
    {
        using var h = new Harness();
        var tx = h.Layer.StartClientTransaction(Msg.Invite(transport: "TCP"), Harness.TcpPeer);
        Assert.True(tx.IsReliable);
        h.Advance(31_990);
        Assert.Single(h.Sender.Sent);
        Assert.False(tx.FinalResponse.IsCompleted);
        h.Advance(10);
        Assert.Equal(408, (await tx.FinalResponse).StatusCode);
        Assert.Single(h.Sender.Sent);
    }

    [Fact]
    public async Task ProvisionalStopsTimerAAndTimerB()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        var provisional = new List<int>();
        var tx = h.Layer.StartClientTransaction(invite, Harness.UdpPeer, new SyncProgress(r => provisional.Add(r.StatusCode)));
        h.Advance(600); // one retransmission at 500 ms
        await h.Receive(Msg.Response(invite, 180));
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        Assert.Equal([180], provisional);

        h.Advance(40_000);
        Assert.Equal(2, h.Sender.Requests("INVITE").Count);
        Assert.False(tx.FinalResponse.IsCompleted); // Timer B only guards Calling (§17.1.1.2)
        Assert.Equal(SipTransactionState.Proceeding, tx.State);

        await h.Receive(Msg.Response(invite, 183));
        Assert.Equal([180, 183], provisional);
        await h.Receive(Msg.Response(invite, 486));
        Assert.Equal(486, (await tx.FinalResponse).StatusCode);
    }

    [Fact]
    public async Task FailureResponseIsAcknowledgedWithTheSameBranchAndRetransmissionsResendTheAck()
    {
        using var h = new Harness();
        var invite = Msg.Invite(route: "<sip:proxy.example.com;lr>");
        var tx = h.Layer.StartClientTransaction(invite, Harness.UdpPeer);
        var busy = Msg.Response(invite, 486, toTag: "busy1");
        await h.Receive(busy);

        Assert.Same(busy, await tx.FinalResponse);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        // RFC 3261 §17.1.1.3: the layer builds the ACK itself.
        var ack = Assert.Single(h.Sender.Requests("ACK")).Request;
        Assert.Equal(invite.RequestUriText, ack.RequestUriText);
        var via = Assert.Single(ack.Vias);
        Assert.Equal(invite.TopVia!.Branch, via.Branch);
        Assert.Equal("busy1", ack.To!.Tag);
        Assert.Equal(invite.From!.Tag, ack.From!.Tag);
        Assert.Equal(invite.CallId, ack.CallId);
        Assert.Equal(new SipCSeq(invite.CSeq!.Value.Number, "ACK"), ack.CSeq);
        Assert.Equal("<sip:proxy.example.com;lr>", ack.GetHeader(SipHeaderName.Route));
        Assert.Equal(0, ack.Body.Length);

        // A retransmitted final response is absorbed: the ACK is resent, the TU sees nothing.
        await h.Receive(busy);
        Assert.Equal(2, h.Sender.Requests("ACK").Count);
        Assert.Empty(h.User.Strays);
        Assert.Single(h.Sender.Requests("INVITE")); // Timer A stopped

        // Timer D = 32 s on UDP.
        h.Advance(31_990);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        h.Advance(10);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
        Assert.Equal(SipTransactionFailure.None, tx.Failure);
        Assert.Empty(h.User.Failures);
    }

    [Fact]
    public async Task FailureResponseOverTcpTerminatesAtOnce()
    {
        using var h = new Harness();
        var invite = Msg.Invite(transport: "TCP");
        var tx = h.Layer.StartClientTransaction(invite, Harness.TcpPeer);
        await h.Receive(Msg.Response(invite, 603), tcp: true);
        Assert.Equal(603, (await tx.FinalResponse).StatusCode);
        Assert.Single(h.Sender.Requests("ACK")); // Timer D = 0, but the ACK still goes out
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public async Task SuccessEntersAcceptedPassesRetransmissionsToTheTuAndEndsWithTimerM()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        var tx = h.Layer.StartClientTransaction(invite, Harness.UdpPeer);
        var ok = Msg.Response(invite, 200, toTag: "fork1");
        await h.Receive(ok);
        Assert.Same(ok, await tx.FinalResponse);
        Assert.Equal(SipTransactionState.Accepted, tx.State); // RFC 6026 §8.4

        // Retransmitted 2xx and a 2xx from another fork go to the TU (which ACKs them); the layer sends no ACK.
        await h.Receive(ok);
        var fork2 = Msg.Response(invite, 200, toTag: "fork2");
        await h.Receive(fork2);
        Assert.Equal(2, h.User.Strays.Count);
        Assert.All(h.User.Strays, s => Assert.Same(tx, s.Transaction));
        Assert.Empty(h.Sender.Requests("ACK"));
        // Non-2xx in Accepted is ignored.
        await h.Receive(Msg.Response(invite, 500));
        Assert.Equal(2, h.User.Strays.Count);

        h.Advance(31_990);
        Assert.Equal(SipTransactionState.Accepted, tx.State);
        h.Advance(10); // Timer M = 64*T1
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Single(h.Sender.Requests("INVITE"));

        // After Timer M a 2xx is stray (no transaction).
        await h.Receive(ok);
        Assert.Equal(3, h.User.Strays.Count);
        Assert.Null(h.User.Strays.Last().Transaction);
    }

    [Fact]
    public async Task CancelIsItsOwnTransactionWithTheInviteBranch()
    {
        using var h = new Harness();
        var invite = Msg.Invite(route: "<sip:proxy.example.com;lr>");
        var tx = h.Layer.StartClientTransaction(invite, Harness.UdpPeer);
        await h.Receive(Msg.Response(invite, 180));

        var cancel = tx.CreateCancel();
        Assert.Equal("CANCEL", cancel.Method);
        Assert.Equal(invite.TopVia!.Branch, Assert.Single(cancel.Vias).Branch); // §9.1
        Assert.Equal(new SipCSeq(invite.CSeq!.Value.Number, "CANCEL"), cancel.CSeq);
        Assert.Equal(invite.RequestUriText, cancel.RequestUriText);
        Assert.Equal(invite.To!.ToString(), cancel.To!.ToString());
        Assert.Equal(invite.From!.Tag, cancel.From!.Tag);
        Assert.Single(cancel.Routes);

        var cancelTask = h.Layer.SendRequestAsync(cancel, Harness.UdpPeer, ct: TestContext.Current.CancellationToken);
        Assert.Equal(2, h.Layer.ClientTransactionCount);
        // §17.1.3: the 200 for CANCEL matches by branch + CSeq method, not the INVITE.
        await h.Receive(Msg.Response(cancel, 200));
        Assert.Equal(200, (await cancelTask).StatusCode);
        Assert.False(tx.FinalResponse.IsCompleted);
        await h.Receive(Msg.Response(invite, 487));
        Assert.Equal(487, (await tx.FinalResponse).StatusCode);
    }

    [Fact]
    public void RejectsAckAndRequestsWithoutAnRfc3261Branch()
    {
        using var h = new Harness();
        Assert.Throws<ArgumentException>(() => h.Layer.StartClientTransaction(Msg.Request("ACK", SipIds.NewBranch()), Harness.UdpPeer));
        Assert.Throws<ArgumentException>(() => h.Layer.StartClientTransaction(Msg.Request("OPTIONS", "z9hG4bK"), Harness.UdpPeer));
        Assert.Throws<ArgumentException>(() => h.Layer.StartClientTransaction(Msg.Request("OPTIONS", null), Harness.UdpPeer));
        var invite = Msg.Invite();
        h.Layer.StartClientTransaction(invite, Harness.UdpPeer);
        Assert.Throws<InvalidOperationException>(() => h.Layer.StartClientTransaction(invite, Harness.UdpPeer));
    }

    [Fact]
    public async Task CancellingTheWaitLeavesTheTransactionRunning()
    {
        using var h = new Harness();
        using var cts = new CancellationTokenSource();
        var invite = Msg.Invite();
        var wait = h.Layer.SendRequestAsync(invite, Harness.UdpPeer, ct: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Equal(1, h.Layer.ClientTransactionCount);
        h.Advance(500);
        Assert.Equal(2, h.Sender.Requests("INVITE").Count);
    }
}

/// <summary>An IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress(Action<SipResponse> report) : IProgress<SipResponse>
{
    public void Report(SipResponse value) => report(value);
}
