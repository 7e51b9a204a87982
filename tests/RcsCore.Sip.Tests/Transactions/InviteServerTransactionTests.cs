using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class InviteServerTransactionTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    [Fact]
    public async Task SendsTryingAfter200MsWhenTheTuIsSilent()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        Assert.Equal(SipTransactionKind.InviteServer, tx.Kind);
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        h.Advance(190);
        Assert.Empty(h.Sender.Sent);
        h.Advance(10);
        // RFC 3261 §17.2.1: 100 Trying, no To tag, to the source of the request.
        var trying = Assert.Single(h.Sender.Sent);
        Assert.Equal(100, trying.Response.StatusCode);
        Assert.Equal(200, trying.Ms);
        Assert.Null(trying.Response.To!.Tag);
        Assert.Equal(Harness.UdpPeer, trying.Destination);
        Assert.Equal(invite.TopVia!.Branch, trying.Response.TopVia!.Branch);

        // A retransmitted INVITE in Proceeding gets the most recent provisional again.
        await h.Receive(invite);
        Assert.Equal(2, h.Sender.Responses(100).Count);
        Assert.Single(h.User.Requests);
    }

    [Fact]
    public async Task NoTryingWhenTheTuAnswersWithin200Ms()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        h.Advance(100);
        Assert.True(await tx.SendResponseAsync(Msg.Response(invite, 180), s_none));
        h.Advance(1_000);
        Assert.Empty(h.Sender.Responses(100));
        await h.Receive(invite);
        Assert.Equal(2, h.Sender.Responses(180).Count); // §17.2.1: last provisional resent
    }

    [Fact]
    public async Task TimerGRetransmitsTheFailureUntilTheAckThenTimerI()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        var busy = Msg.Response(invite, 486, toTag: "t486");
        Assert.True(await tx.SendResponseAsync(busy, s_none));
        Assert.Equal(SipTransactionState.Completed, tx.State);
        h.Advance(8_000);
        // RFC 3261 §17.2.1: G = T1, 2T1, 4T1, then min(2G, T2).
        Assert.Equal([0d, 500, 1_500, 3_500, 7_500], h.Sender.Responses(486).Select(s => s.Ms));

        // A retransmitted INVITE in Completed gets the final response again.
        await h.Receive(invite);
        Assert.Equal(6, h.Sender.Responses(486).Count);

        await h.Receive(Msg.AckFor(invite, busy));
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        Assert.Empty(h.User.Acks); // absorbed: the ACK for a non-2xx is the transaction's (§17.2.3)
        await h.Receive(Msg.AckFor(invite, busy)); // retransmitted ACK absorbed in Confirmed
        Assert.Empty(h.User.Acks);
        h.Advance(4_990);
        Assert.Equal(6, h.Sender.Responses(486).Count); // G stopped
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        h.Advance(10); // I = T4
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
        Assert.Empty(h.User.Failures);
    }

    [Fact]
    public async Task TimerHTerminatesAndReportsWhenTheAckNeverComes()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        Assert.True(await tx.SendResponseAsync(Msg.Response(invite, 404), s_none));
        h.Advance(32_000);
        Assert.Equal([0d, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500], h.Sender.Responses(404).Select(s => s.Ms));
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(SipTransactionFailure.Timeout, tx.Failure);
        var failure = Assert.Single(h.User.Failures); // §17.2.1: "indicate to the TU that a transaction failure has occurred"
        Assert.Same(tx, failure.Transaction);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
        Assert.False(await tx.SendResponseAsync(Msg.Response(invite, 404), s_none)); // terminated: false, not a throw
    }

    [Fact]
    public async Task OverTcpNoTimerGAndTheAckTerminatesAtOnce()
    {
        using var h = new Harness();
        var invite = Msg.Invite(transport: "TCP");
        await h.Receive(invite, tcp: true);
        var tx = Assert.Single(h.User.Requests);
        Assert.True(tx.IsReliable);
        var busy = Msg.Response(invite, 486);
        Assert.True(await tx.SendResponseAsync(busy, s_none));
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal(7, sent.ConnectionId); // §18.2.2: the connection the request came on
        h.Advance(10_000);
        Assert.Single(h.Sender.Sent);
        await h.Receive(Msg.AckFor(invite, busy), tcp: true);
        Assert.Equal(SipTransactionState.Terminated, tx.State); // I = 0
    }

    [Fact]
    public async Task SuccessEntersAcceptedAbsorbsInviteRetransmissionsAndEndsWithTimerL()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        var ok = Msg.Response(invite, 200, toTag: "ok1");
        Assert.True(await tx.SendResponseAsync(ok, s_none));
        Assert.Equal(SipTransactionState.Accepted, tx.State); // RFC 6026 §8.7

        await h.Receive(invite); // absorbed: no response, no new TU request
        Assert.Single(h.Sender.Responses(200));
        Assert.Single(h.User.Requests);
        h.Advance(2_000);
        Assert.Single(h.Sender.Responses(200)); // 2xx retransmission is the TU's job
        Assert.True(await tx.SendResponseAsync(ok, s_none)); // ... and passes through in Accepted
        Assert.Equal(2, h.Sender.Responses(200).Count);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await tx.SendResponseAsync(Msg.Response(invite, 500), s_none));

        // The ACK for a 2xx has its own branch: no transaction, straight to the TU.
        var ack = Msg.AckFor(invite, ok, branch: SipIds.NewBranch());
        await h.Receive(ack);
        var seen = Assert.Single(h.User.Acks);
        Assert.Null(seen.Transaction);
        Assert.Same(ack, seen.Ack.Message);

        h.Advance(29_990);
        Assert.Equal(SipTransactionState.Accepted, tx.State);
        h.Advance(10); // L = 64*T1
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public async Task ASecondFinalResponseIsMisuse()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        Assert.True(await tx.SendResponseAsync(Msg.Response(invite, 480), s_none));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await tx.SendResponseAsync(Msg.Response(invite, 200), s_none));
        await Assert.ThrowsAsync<ArgumentException>(async () => await tx.SendResponseAsync(Msg.Response(Msg.Options(), 200), s_none));
    }

    [Fact]
    public async Task ATuThatThrowsGets500SentForIt()
    {
        using var h = new Harness();
        h.User.OnRequest = _ => throw new InvalidOperationException("TU bug");
        await h.Receive(Msg.Invite());
        var sent = Assert.Single(h.Sender.Sent);
        Assert.Equal(500, sent.Response.StatusCode);
    }
}
