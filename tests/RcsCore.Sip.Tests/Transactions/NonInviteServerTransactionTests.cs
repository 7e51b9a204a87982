using RcsCore.Sip.Transactions;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class NonInviteServerTransactionTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    [Fact]
    public async Task RetransmissionsAreAbsorbedAndGetTheLastResponseThenTimerJ()
    {
        using var h = new Harness();
        var request = Msg.Request("MESSAGE", RcsCore.Sip.Messages.SipIds.NewBranch());
        await h.Receive(request);
        var tx = Assert.Single(h.User.Requests);
        Assert.Equal(SipTransactionKind.NonInviteServer, tx.Kind);
        Assert.Equal(SipTransactionState.Trying, tx.State);

        // §17.2.2: Trying discards retransmissions; no automatic 100 for non-INVITE.
        await h.Receive(request);
        h.Advance(1_000);
        Assert.Empty(h.Sender.Sent);

        Assert.True(await tx.SendResponseAsync(Msg.Response(request, 100), s_none));
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        await h.Receive(request);
        Assert.Equal(2, h.Sender.Responses(100).Count);

        Assert.True(await tx.SendResponseAsync(Msg.Response(request, 202), s_none));
        Assert.Equal(SipTransactionState.Completed, tx.State);
        await h.Receive(request);
        await h.Receive(request);
        Assert.Equal(3, h.Sender.Responses(202).Count);
        Assert.Single(h.User.Requests);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await tx.SendResponseAsync(Msg.Response(request, 200), s_none));

        h.Advance(31_990);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        h.Advance(10); // J = 64*T1
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ServerTransactionCount);

        // After J the same request is new again.
        await h.Receive(request);
        Assert.Equal(2, h.User.Requests.Count);
    }

    [Fact]
    public async Task OverTcpTimerJIsZero()
    {
        using var h = new Harness();
        var request = Msg.Options(transport: "TCP");
        await h.Receive(request, tcp: true);
        var tx = Assert.Single(h.User.Requests);
        Assert.True(await tx.SendResponseAsync(Msg.Response(request, 200), s_none));
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
        Assert.Equal(7, Assert.Single(h.Sender.Sent).ConnectionId);
    }

    [Fact]
    public async Task ConcurrentRequestsAndRetransmissionsCreateOneTransactionEach()
    {
        using var h = new Harness();
        var requests = Enumerable.Range(0, 500).Select(i => Msg.Request("MESSAGE", RcsCore.Sip.Messages.SipIds.NewBranch(), callId: $"c{i}")).ToArray();
        var answered = 0;
        h.User.OnRequest = async tx =>
        {
            Interlocked.Increment(ref answered);
            await tx.SendResponseAsync(Msg.Response(tx.Request, 200), s_none);
        };
        // Each request arrives four times from parallel threads.
        await Parallel.ForEachAsync(requests.SelectMany(r => Enumerable.Repeat(r, 4)), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (r, _) => await h.Receive(r));
        Assert.Equal(500, answered);
        Assert.Equal(500, h.User.Requests.Count);
        Assert.Equal(500, h.Layer.ServerTransactionCount);
        Assert.Equal(500, h.User.Requests.Select(t => t.Request.CallId).Distinct().Count());
        h.Advance(32_000);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }
}
