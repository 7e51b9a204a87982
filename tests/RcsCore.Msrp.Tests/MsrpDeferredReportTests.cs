using System.Text;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>
/// <see cref="MsrpSessionOptions.DeferSuccessReports"/>: the receiver's success REPORT (RFC 4975 §7.1.2) waits for the
/// application, so a sender that asked for one hears "delivered" only once the receiver kept the message.
/// </summary>
public sealed class MsrpDeferredReportTests
{
    [Fact]
    public async Task TheSuccessReportWaitsForConfirmDelivery()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb, bo: new MsrpSessionOptions { DeferSuccessReports = true });
        var ct = TestNet.Bounded();

        var send = a.SendAsync(Encoding.UTF8.GetBytes("keep me"), "text/plain", MsrpReportPolicy.Full, ct: ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        Assert.Equal("keep me", Encoding.UTF8.GetString(await message.ReadAllBytesAsync(ct: ct)));
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion);
        // Every byte arrived, but no REPORT yet: the sender is still waiting.
        await Task.Delay(300, ct);
        Assert.False(send.IsCompleted);

        message.ConfirmDelivery();
        var result = await send.WaitAsync(ct);
        Assert.Equal((MsrpSendOutcome.Delivered, 200), (result.Outcome, result.StatusCode));
        // Once only.
        message.ConfirmDelivery();
        message.RefuseDelivery(403);
    }

    [Fact]
    public async Task RefuseDeliverySendsAFailureReportWithTheStatus()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb, bo: new MsrpSessionOptions { DeferSuccessReports = true });
        var ct = TestNet.Bounded();

        var send = a.SendAsync(new byte[200_000], "application/octet-stream", MsrpReportPolicy.Full, ct: ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        await message.ReadAllBytesAsync(ct: ct);
        message.RefuseDelivery(403);
        var result = await send.WaitAsync(ct);
        Assert.Equal((MsrpSendOutcome.Failed, 403), (result.Outcome, result.StatusCode));
        Assert.Throws<ArgumentOutOfRangeException>(() => message.RefuseDelivery(200));
    }

    [Fact]
    public async Task WithoutTheOptionTheReportGoesAtOnce()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        var send = a.SendAsync(Encoding.UTF8.GetBytes("hi"), "text/plain", MsrpReportPolicy.Full, ct: ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        await message.ReadAllBytesAsync(ct: ct);
        Assert.Equal(MsrpSendOutcome.Delivered, (await send.WaitAsync(ct)).Outcome);
    }
}
