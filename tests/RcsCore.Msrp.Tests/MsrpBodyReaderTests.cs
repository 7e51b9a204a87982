using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>
/// The incoming body reader lends in-order chunk bytes straight from the connection's input buffers when the
/// reader waits, and copies otherwise; whatever the reader does, it must see every byte once, in order.
/// </summary>
public sealed class MsrpBodyReaderTests
{
    [Fact]
    public async Task Partial_consumption_read_at_least_and_pauses_see_every_byte_in_order()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        const long size = 12L * 1024 * 1024;
        using var source = new PatternStream(size);
        var send = a.SendAsync(source, "application/octet-stream", new MsrpSendOptions(), ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        var body = message.Body;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        for (int i = 0; ; i++)
        {
            var result = i % 5 == 1 ? await body.ReadAtLeastAsync(100_000, ct) : await body.ReadAsync(ct);
            var buffer = result.Buffer;
            SequencePosition consumed;
            SequencePosition examined;
            switch (i % 5)
            {
                case 0 when buffer.Length > 1:
                    // Consume half; the rest must come back first on the next read.
                    consumed = buffer.GetPosition(buffer.Length / 2);
                    examined = consumed;
                    break;
                case 2 when !result.IsCompleted:
                    // Look at everything, take nothing: the next read must bring more than this.
                    consumed = buffer.Start;
                    examined = buffer.End;
                    break;
                case 3:
                    // A reader busy elsewhere: the receive loop copies meanwhile (bounded by the message pipe).
                    await Task.Delay(5, ct);
                    consumed = buffer.End;
                    examined = buffer.End;
                    break;
                default:
                    consumed = buffer.End;
                    examined = buffer.End;
                    break;
            }
            foreach (var segment in buffer.Slice(buffer.Start, consumed))
            {
                hash.AppendData(segment.Span);
                length += segment.Length;
            }
            body.AdvanceTo(consumed, examined);
            if (result.IsCompleted && consumed.Equals(buffer.End))
            {
                break;
            }
        }
        await body.CompleteAsync();
        Assert.True((await send).IsSuccess);
        Assert.Equal(size, length);
        Assert.Equal(source.Hash(), hash.GetHashAndReset());
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion.WaitAsync(ct));
    }

    [Fact]
    public async Task A_reader_that_completes_early_releases_the_connection_for_other_sessions()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a1, b1) = await TestNet.PairAsync(ea, eb);
        var (a2, b2) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        Assert.Equal(1, ea.ConnectionCount);
        using var source = new PatternStream(8L * 1024 * 1024);
        var send = a1.SendAsync(source, "application/octet-stream", new MsrpSendOptions(), ct).AsTask();
        var big = await b1.ReceiveAsync(ct);
        // Read one buffer (possibly lent from the input) and walk away without advancing past it.
        var first = await big.Body.ReadAsync(ct);
        Assert.False(first.Buffer.IsEmpty);
        await big.Body.CompleteAsync();
        // The shared connection goes on: the other session's message arrives.
        await a2.SendAsync("after"u8.ToArray(), "text/plain", ct: ct);
        Assert.Equal("after", Encoding.UTF8.GetString(await (await b2.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
        await send;
    }
}
