using Microsoft.Extensions.Time.Testing;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

/// <summary>Two layers wired back to back over a lossy fake network, and transport failures.</summary>
public class TransactionLossAndErrorTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    /// <summary>A UAC layer and a UAS layer on one virtual clock; what one sends the other receives.</summary>
    private sealed class Network : IDisposable
    {
        public Network(bool tcp = false)
        {
            var time = new FakeTimeProvider();
            Client = new Harness(time: time);
            Server = new Harness(time: time);
            var clientEnd = tcp ? Harness.TcpPeer : Harness.UdpPeer;
            var serverEnd = tcp ? Harness.TcpLocal : Harness.UdpLocal;
            ServerEnd = serverEnd;
            Client.Sender.Deliver = (m, _) => Server.Layer.OnMessageAsync(new SipInboundMessage(m, clientEnd, serverEnd, 0));
            Server.Sender.Deliver = (m, _) => Client.Layer.OnMessageAsync(new SipInboundMessage(m, serverEnd, clientEnd, 0));
        }

        public Harness Client { get; }
        public Harness Server { get; }
        public SipEndPoint ServerEnd { get; }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }

    [Fact]
    public async Task NonInviteCompletesDespiteLostRequestsAndResponses()
    {
        using var net = new Network();
        net.Server.User.OnRequest = async tx => await tx.SendResponseAsync(Msg.Response(tx.Request, 200), s_none);
        net.Client.Sender.LoseNext(2); // the request and its first retransmission
        net.Server.Sender.LoseNext(1); // the first 200
        var pending = net.Client.Layer.SendRequestAsync(Msg.Options(), net.ServerEnd, ct: TestContext.Current.CancellationToken);

        net.Client.Advance(1_500); // E at 500 (lost), 1 500 (arrives; the 200 is lost)
        Assert.False(pending.IsCompleted);
        net.Client.Advance(2_000); // E at 3 500: the server resends its 200 (§17.2.2 Completed)
        var response = await pending;
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(2, net.Client.Sender.Lost);
        Assert.Equal(1, net.Server.Sender.Lost);
        Assert.Single(net.Server.User.Requests);
        Assert.Equal(2, net.Server.Sender.Responses(200).Count);
    }

    [Fact]
    public async Task InviteRejectedWithLostResponseAndLostAckStillConfirms()
    {
        using var net = new Network();
        net.Server.User.OnRequest = async tx => await tx.SendResponseAsync(Msg.Response(tx.Request, 486), s_none);
        net.Client.Sender.LoseNext(1); // the INVITE
        var pending = net.Client.Layer.SendRequestAsync(Msg.Invite(), net.ServerEnd, ct: TestContext.Current.CancellationToken);
        net.Client.Advance(500); // Timer A: the INVITE arrives, the 486 goes back, the ACK is sent
        Assert.Equal(486, (await pending).StatusCode);
        var serverTx = Assert.Single(net.Server.User.Requests);
        Assert.Equal(SipTransactionState.Confirmed, serverTx.State);

        // Now lose the server's 486 (first send) and the client's first ACK on a second call.
        net.Server.User.OnRequest = async tx => await tx.SendResponseAsync(Msg.Response(tx.Request, 480), s_none);
        net.Server.Sender.LoseNext(1);
        var second = net.Client.Layer.SendRequestAsync(Msg.Invite(), net.ServerEnd, ct: TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);
        net.Client.Sender.LoseNext(1); // the next client send: the INVITE retransmission at 500 ms
        net.Client.Advance(500); // server Timer G at 500 resends the 480 -> client ACKs
        Assert.Equal(480, (await second).StatusCode);
        var tx2 = net.Server.User.Requests.Last();
        Assert.Equal(SipTransactionState.Confirmed, tx2.State);
        net.Client.Advance(32_000);
        net.Server.Advance(5_000);
        Assert.Equal(0, net.Client.Layer.ClientTransactionCount);
        Assert.Equal(0, net.Server.Layer.ServerTransactionCount);
    }

    [Fact]
    public async Task InviteRequestLostThreeTimesIsAnsweredAfterRetransmission()
    {
        using var net = new Network();
        net.Server.User.OnRequest = async tx => await tx.SendResponseAsync(Msg.Response(tx.Request, 200), s_none);
        net.Client.Sender.LoseNext(3); // 0, 500, 1 500
        var pending = net.Client.Layer.SendRequestAsync(Msg.Invite(), net.ServerEnd, ct: TestContext.Current.CancellationToken);
        net.Client.Advance(3_400);
        Assert.False(pending.IsCompleted);
        net.Client.Advance(100); // 3 500
        Assert.Equal(200, (await pending).StatusCode);
        Assert.Equal(4, net.Client.Sender.Requests("INVITE").Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClientSendFailureGives503AndTerminates(bool asynchronously)
    {
        using var h = new Harness();
        h.Sender.FailAsynchronously = asynchronously;
        h.Sender.Fail = _ => new SipTransportException("connection refused");
        var tx = h.Layer.StartClientTransaction(Msg.Options(transport: "TCP"), Harness.TcpPeer);
        var response = await tx.FinalResponse;
        Assert.Equal(503, response.StatusCode); // §8.1.3.1
        Assert.Equal(SipTransactionFailure.TransportError, tx.Failure);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        await WaitFor(() => !h.User.Failures.IsEmpty);
        var failure = Assert.Single(h.User.Failures);
        Assert.Equal(SipTransactionFailure.TransportError, failure.Failure);
        Assert.Equal("connection refused", failure.Error!.Message);
        Assert.Equal(0, h.Layer.ClientTransactionCount);
        h.Advance(40_000);
        Assert.Single(h.User.Failures); // reported once, no later timeout
    }

    [Fact]
    public async Task RetransmissionFailureTerminatesTheClientTransaction()
    {
        using var h = new Harness();
        var tx = h.Layer.StartClientTransaction(Msg.Invite(), Harness.UdpPeer);
        h.Sender.Fail = _ => new InvalidOperationException("socket closed"); // any exception counts as a transport error
        h.Advance(500);
        Assert.Equal(503, (await tx.FinalResponse).StatusCode);
        var failure = Assert.Single(h.User.Failures);
        Assert.IsType<SipTransportException>(failure.Error);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
    }

    [Fact]
    public async Task ServerSendFailureIsReportedAndTerminates()
    {
        using var h = new Harness();
        var request = Msg.Options();
        await h.Receive(request);
        var tx = Assert.Single(h.User.Requests);
        h.Sender.Fail = _ => new SipTransportException("ICMP port unreachable");
        Assert.False(await tx.SendResponseAsync(Msg.Response(request, 200), s_none)); // §17.2.4
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Equal(SipTransactionFailure.TransportError, tx.Failure);
        Assert.Same(tx, Assert.Single(h.User.Failures).Transaction);
        Assert.Equal(0, h.Layer.ServerTransactionCount);
    }

    [Fact]
    public async Task ServerRetransmissionFailureOnTimerGIsReported()
    {
        using var h = new Harness();
        var invite = Msg.Invite();
        await h.Receive(invite);
        var tx = Assert.Single(h.User.Requests);
        Assert.True(await tx.SendResponseAsync(Msg.Response(invite, 500), s_none));
        h.Sender.Fail = _ => new SipTransportException("gone");
        h.Advance(500);
        Assert.Equal(SipTransactionState.Terminated, tx.State);
        Assert.Single(h.User.Failures);
        h.Advance(40_000);
        Assert.Single(h.User.Failures); // Timer H cancelled
    }

    [Fact]
    public async Task TcpServerFailureOnTheFinalResponseIsReportedAlthoughJIsZero()
    {
        using var h = new Harness();
        var request = Msg.Options(transport: "TCP");
        await h.Receive(request, tcp: true);
        var tx = Assert.Single(h.User.Requests);
        h.Sender.Fail = _ => new SipTransportException("reset");
        Assert.False(await tx.SendResponseAsync(Msg.Response(request, 200), s_none));
        Assert.Single(h.User.Failures);
    }

    [Fact]
    public void DisposeCancelsPendingClientWaits()
    {
        var h = new Harness();
        var tx = h.Layer.StartClientTransaction(Msg.Options(), Harness.UdpPeer);
        h.Dispose();
        Assert.True(tx.FinalResponse.IsCanceled);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }
        Assert.True(condition());
    }
}
