using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class TransactionMatchingTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    [Fact]
    public async Task ServerMatchesBranchSentByAndMethod()
    {
        // RFC 3261 §17.2.3: same branch from another sent-by, or with another method, is another transaction.
        using var h = new Harness();
        string branch = SipIds.NewBranch();
        await h.Receive(Msg.Request("OPTIONS", branch));
        await h.Receive(Msg.Request("OPTIONS", branch)); // retransmission
        await h.Receive(Msg.Request("OPTIONS", branch, sentBy: "other.example.com:5060"));
        await h.Receive(Msg.Request("OPTIONS", branch, sentBy: "CLIENT.example.com")); // same sent-by: host case, default port
        await h.Receive(Msg.Request("INFO", branch, cseqMethod: "INFO"));
        Assert.Equal(3, h.User.Requests.Count);
        Assert.Equal(3, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public async Task BranchesCompareCaseSensitively()
    {
        using var h = new Harness();
        await h.Receive(Msg.Request("OPTIONS", "z9hG4bKabc"));
        await h.Receive(Msg.Request("OPTIONS", "z9hG4bKABC"));
        Assert.Equal(2, h.User.Requests.Count);
    }

    [Fact]
    public async Task CancelIsItsOwnTransactionAndFindsTheInviteItTargets()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var inviteTx = Assert.Single(h.User.Requests);
        var cancel = SipTransactionMessages.BuildCancel(invite);
        await h.Receive(cancel);
        Assert.Equal(2, h.User.Requests.Count);
        var cancelTx = h.User.Requests.Last();
        Assert.Equal("CANCEL", cancelTx.Method);
        Assert.Equal(SipTransactionKind.NonInviteServer, cancelTx.Kind);

        // RFC 3261 §9.2: the CANCEL's target by branch.
        Assert.Same(inviteTx, cancelTx.FindCancelTarget());
        Assert.Same(inviteTx, h.Layer.FindInviteServerTransaction(cancel));
        Assert.Null(inviteTx.FindCancelTarget()); // not a CANCEL
        Assert.Null(h.Layer.FindInviteServerTransaction(SipTransactionMessages.BuildCancel(Msg.Invite())));

        // The usual TU answer: 200 to the CANCEL, 487 to the INVITE.
        Assert.True(await cancelTx.SendResponseAsync(Msg.Response(cancel, 200), s_none));
        Assert.True(await inviteTx.SendResponseAsync(Msg.Response(invite, 487), s_none));
        Assert.Equal(SipTransactionState.Completed, inviteTx.State);
        Assert.Equal(SipTransactionState.Completed, cancelTx.State);
    }

    [Fact]
    public async Task AckForNon2xxMatchesTheInviteByBranch()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        var response = Msg.Response(invite, 503);
        await tx.SendResponseAsync(response, s_none);
        // An ACK with another sent-by does not match (§17.2.3) and goes to the TU as stray.
        await h.Receive(Msg.Request("ACK", invite.TopVia!.Branch, sentBy: "evil.example.com", toTag: response.To!.Tag));
        Assert.Equal(SipTransactionState.Completed, tx.State);
        Assert.Single(h.User.Acks);
        await h.Receive(Msg.AckFor(invite, response));
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        Assert.Single(h.User.Acks);
    }

    [Fact]
    public async Task StrayResponseGoesToTheTu()
    {
        using var h = new Harness();
        var response = Msg.Response(Msg.Options(), 200);
        await h.Receive(response);
        var stray = Assert.Single(h.User.Strays);
        Assert.Null(stray.Transaction);
        Assert.Same(response, stray.Response.Message);
    }

    [Fact]
    public async Task ClientMatchesBranchAndCSeqMethod()
    {
        // RFC 3261 §17.1.3: a response with the INVITE's branch but CSeq method CANCEL is not the INVITE's.
        using var h = new Harness();
        var invite = Msg.Invite();
        var tx = h.Layer.StartClientTransaction(invite, Harness.UdpPeer);
        await h.Receive(Msg.Response(SipTransactionMessages.BuildCancel(invite), 200));
        Assert.False(tx.FinalResponse.IsCompleted);
        Assert.Single(h.User.Strays);
        // Another branch: stray as well.
        await h.Receive(Msg.Response(Msg.Invite(), 180));
        Assert.Equal(2, h.User.Strays.Count);
        Assert.Equal(SipTransactionState.Calling, tx.State);
    }

    [Fact]
    public async Task Rfc2543InviteFromTheTortureCorpusMatchesRetransmissionsAndTheAck()
    {
        // RFC 4475 §3.4.1 inv2543.dat: no branch at all -> the RFC 3261 §17.2.3 fallback.
        using var h = new Harness();
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", "inv2543.dat"));
        var invite = (SipRequest)Msg.Parse(bytes);
        Assert.Null(invite.TopVia!.Branch);
        await h.Receive(invite);
        await h.Receive(Msg.Parse(bytes)); // a retransmission: same bytes, another object
        var tx = Assert.Single(h.User.Requests);
        var response = Msg.Response(invite, 486, toTag: "t2543");
        await tx.SendResponseAsync(response, s_none);

        // The ACK matches on Request-URI, From tag, Call-ID, CSeq number, top Via and our To tag.
        var wrongTag = AckFor2543(invite, "other");
        await h.Receive(wrongTag);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        Assert.Single(h.User.Acks);
        await h.Receive(AckFor2543(invite, "t2543"));
        Assert.Equal(SipTransactionState.Confirmed, tx.State);
        Assert.Single(h.User.Acks);
    }

    [Fact]
    public async Task BareMagicCookieBranchFallsBackToRfc2543Matching()
    {
        // RFC 4475 §3.2.1 badbranch.dat: "branch=z9hG4bK" identifies nothing. We accept it and match it the
        // RFC 2543 way (documented on SipTransactionKey.IsRfc3261Branch) instead of by branch.
        using var h = new Harness();
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", "badbranch.dat"));
        var request = (SipRequest)Msg.Parse(bytes);
        Assert.Equal("z9hG4bK", request.TopVia!.Branch);
        Assert.False(SipTransactionKey.IsRfc3261Branch(request.TopVia.Branch));
        Assert.True(SipTransactionKey.TryForServer(request, request.Method, out var key));
        Assert.True(key.IsRfc2543);

        await h.Receive(request);
        await h.Receive(Msg.Parse(bytes)); // retransmission
        Assert.Single(h.User.Requests);
        // Another request with the same bare branch from the same sent-by is another transaction.
        var text = System.Text.Encoding.ASCII.GetString(bytes).Replace("Call-ID: badbranch.", "Call-ID: other.", StringComparison.Ordinal);
        await h.Receive(Msg.Parse(System.Text.Encoding.ASCII.GetBytes(text)));
        Assert.Equal(2, h.User.Requests.Count);

        var tx = h.User.Requests.First();
        await tx.SendResponseAsync(Msg.Response(request, 200), s_none);
        await h.Receive(Msg.Parse(bytes));
        Assert.Equal(2, h.Sender.Responses(200).Count(s => s.Response.CallId == request.CallId)); // sent, then resent
    }

    [Fact]
    public async Task Rfc2543AckForA2xxInAcceptedGoesToTheTuWithTheTransaction()
    {
        // RFC 2543 ACKs for a 2xx reuse the INVITE's top Via, so they match the Accepted transaction (RFC 6026 §8.7).
        using var h = new Harness();
        var invite = (SipRequest)Msg.Parse(File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", "inv2543.dat")));
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        await tx.SendResponseAsync(Msg.Response(invite, 200, toTag: "ok2543"), s_none);
        Assert.Equal(SipTransactionState.Accepted, tx.State);
        await h.Receive(AckFor2543(invite, "ok2543"));
        var ack = Assert.Single(h.User.Acks);
        Assert.Same(tx, ack.Transaction);
        Assert.Equal(SipTransactionState.Accepted, tx.State);
    }

    [Fact]
    public async Task Rfc2543CancelFindsItsInvite()
    {
        using var h = new Harness();
        var invite = (SipRequest)Msg.Parse(File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", "inv2543.dat")));
        await h.Receive(invite);
        var cancel = SipTransactionMessages.BuildCancel(invite);
        await h.Receive(cancel);
        Assert.Equal(2, h.User.Requests.Count);
        Assert.Same(h.User.Requests.First(), h.User.Requests.Last().FindCancelTarget());
    }

    private static SipRequest AckFor2543(SipRequest invite, string toTag)
    {
        var b = new SipRequestBuilder("ACK", invite.RequestUri);
        b.AddHeader(SipHeaderName.Via, invite.TopVia!.ToString())
         .AddHeader(SipHeaderName.From, invite.GetHeader(SipHeaderName.From)!)
         .AddHeader(SipHeaderName.To, invite.To!.WithParameter("tag", toTag).ToString())
         .AddHeader(SipHeaderName.CallId, invite.CallId!)
         .AddHeader(SipHeaderName.CSeq, $"{invite.CSeq!.Value.Number} ACK");
        return ((SipRequestBuilder)b).Build();
    }
}
