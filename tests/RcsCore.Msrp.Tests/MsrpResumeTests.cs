using System.Security.Cryptography;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>Receive-side resume (RFC 5547 §9 a=file-range): a message whose first chunk starts past byte 1.</summary>
public sealed class MsrpResumeTests
{
    [Fact]
    public async Task Receiver_expecting_an_offset_streams_a_resumed_message_from_there()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        // 12 MiB skipped: more than MaxReorderBytes (8 MiB), so without the option the bytes could not be held.
        const long skipped = 12L * 1024 * 1024;
        const long total = skipped + (3 * 1024 * 1024) + 17;
        var (a, b) = await TestNet.PairAsync(ea, eb, bo: new MsrpSessionOptions { IncomingStartOffset = skipped });
        var ct = TestNet.Bounded();
        var tail = RandomNumberGenerator.GetBytes((int)(total - skipped));

        var send = a.SendAsync(tail, "application/octet-stream", new MsrpSendOptions { MessageId = "resume-1", StartOffset = skipped, TotalSize = total }, ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        Assert.Equal(("resume-1", skipped, total), (message.MessageId, message.StartOffset, message.TotalSize));
        var (hash, length) = await MsrpSessionTests.HashBodyAsync(message.Body, ct);
        Assert.Equal(tail.Length, length);
        Assert.Equal(SHA256.HashData(tail), hash);
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion.WaitAsync(ct));
        Assert.Equal(total, message.BytesReceived);
        Assert.True((await send).IsSuccess);
    }

    [Fact]
    public async Task Without_the_offset_a_message_starting_mid_way_is_held_as_out_of_order_data()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        const long skipped = 4L * 1024 * 1024;
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        var tail = RandomNumberGenerator.GetBytes(256 * 1024);

        var sent = await a.SendAsync(tail, "application/octet-stream", new MsrpSendOptions { StartOffset = skipped, TotalSize = skipped + tail.Length }, ct);
        Assert.True(sent.IsSuccess);
        var message = await b.ReceiveAsync(ct);
        // RFC 4975 §7.1.1: the bytes wait for the first 4 MiB, which never come: nothing is delivered.
        Assert.Equal((0L, 0L), (message.StartOffset, message.BytesReceived));
        Assert.False(message.Completion.IsCompleted);
    }
}
