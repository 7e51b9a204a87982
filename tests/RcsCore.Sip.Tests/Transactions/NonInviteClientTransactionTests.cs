using RcsCore.Sip.Transactions;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class NonInviteClientTransactionTests
{
    [Fact]
    public async Task TimerEDoublesUpToT2UntilTimerFGives408()
    {
        using var h = new Harness();
        var options = Msg.Options();
        var tx = h.Layer.StartClientTransaction(options, Harness.UdpPeer);
        Assert.Equal(SipTransactionState.Trying, tx.State);
        h.Advance(32_000);

        // RFC 3261 §17.1.2.2: E = T1, 2T1, 4T1, then T2 (4 s); F = 64*T1.
        Assert.Equal([0d, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500], h.Sender.Requests("OPTIONS").Select(s => s.Ms));
        Assert.Equal(408, (await tx.FinalResponse).StatusCode);
        Assert.Equal(SipTransactionFailure.Timeout, tx.Failure);
        Assert.Equal(SipTransactionFailure.Timeout, Assert.Single(h.User.Failures).Failure);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public async Task AfterAProvisionalTimerEContinuesAtT2()
    {
        using var h = new Harness();
        var request = Msg.Request("MESSAGE", SipIds());
        var provisional = new List<int>();
        var tx = h.Layer.StartClientTransaction(request, Harness.UdpPeer, new SyncProgress(r => provisional.Add(r.StatusCode)));
        h.Advance(600);
        await h.Receive(Msg.Response(request, 100));
        Assert.Equal(SipTransactionState.Proceeding, tx.State);
        Assert.Equal([100], provisional);
        h.Advance(14_400); // to 15 s

        // E was due at 1 500 ms (scheduled in Trying); from then on every T2 (§17.1.2.2).
        Assert.Equal([0d, 500, 1_500, 5_500, 9_500, 13_500], h.Sender.Requests("MESSAGE").Select(s => s.Ms));
        h.Advance(17_000);
        Assert.Equal(408, (await tx.FinalResponse).StatusCode); // F still runs in Proceeding
    }

    [Fact]
    public async Task FinalResponseCompletesAbsorbsRetransmissionsAndTimerKTerminates()
    {
        using var h = new Harness();
        var request = Msg.Options();
        var tx = h.Layer.StartClientTransaction(request, Harness.UdpPeer);
        var ok = Msg.Response(request, 200);
        await h.Receive(ok);
        Assert.Same(ok, await tx.FinalResponse);
        Assert.Equal(SipTransactionState.Completed, tx.State);

        await h.Receive(ok); // absorbed
        await h.Receive(Msg.Response(request, 100));
        Assert.Empty(h.User.Strays);
        h.Advance(4_990);
        Assert.Equal(SipTransactionState.Completed, tx.State);
        Assert.Single(h.Sender.Sent); // E stopped
        h.Advance(10); // K = T4
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public async Task OverTcpNoRetransmissionsAndTimerKIsZero()
    {
        using var h = new Harness();
        var request = Msg.Options(transport: "TCP");
        var tx = h.Layer.StartClientTransaction(request, Harness.TcpPeer);
        h.Advance(10_000);
        Assert.Single(h.Sender.Sent);
        await h.Receive(Msg.Response(request, 404), tcp: true);
        Assert.Equal(404, (await tx.FinalResponse).StatusCode);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
    }

    [Fact]
    public async Task ConfigurableTimers()
    {
        var timers = new SipTimerOptions { T1 = TimeSpan.FromMilliseconds(100), T2 = TimeSpan.FromMilliseconds(300) };
        using var h = new Harness(timers);
        var tx = h.Layer.StartClientTransaction(Msg.Options(), Harness.UdpPeer);
        h.Advance(1_000);
        Assert.Equal([0d, 100, 300, 600, 900], h.Sender.Requests("OPTIONS").Select(s => s.Ms));
        h.Advance(5_400); // F = 64*T1 = 6.4 s
        Assert.Equal(408, (await tx.FinalResponse).StatusCode);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipTimerOptions { T1 = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SipTimerOptions { T2 = TimeSpan.FromMilliseconds(100) }.Validate());
    }

    private static string SipIds() => RcsCore.Sip.Messages.SipIds.NewBranch();
}
