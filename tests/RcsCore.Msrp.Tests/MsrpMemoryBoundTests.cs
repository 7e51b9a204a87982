using System.Security.Cryptography;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>Tests that measure the heap: alone, so no other test's allocations show in their figures.</summary>
[CollectionDefinition(nameof(MsrpMemoryBoundCollection), DisableParallelization = true)]
public sealed class MsrpMemoryBoundCollection
{
}

[Collection(nameof(MsrpMemoryBoundCollection))]
public sealed class MsrpMemoryBoundTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task Large_content_streams_with_sha256_verified_and_bounded_memory(bool tls, bool knownSize)
    {
        long size = knownSize ? 100L * 1024 * 1024 : 16L * 1024 * 1024;
        await using var ea = TestNet.Endpoint(tls);
        await using var eb = TestNet.Endpoint(tls);
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(120));
        using var source = new PatternStream(size, seekable: knownSize);
        long lastProgress = 0;
        var progress = new MsrpSessionTests.SyncProgress(p => lastProgress = p);
        // The baseline first (a full collection, so earlier tests' garbage is gone), then the sampling.
        long before = GC.GetTotalMemory(true);
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(20);
            }
        });
        var send = a.SendAsync(source, "application/octet-stream", new MsrpSendOptions { Progress = progress, Reports = MsrpReportPolicy.Full }, ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        Assert.Equal(knownSize ? size : -1, message.TotalSize);
        var (hash, length) = await MsrpSessionTests.HashBodyAsync(message.Body, ct);
        var result = await send;
        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(size, length);
        Assert.Equal(MsrpSendOutcome.Delivered, result.Outcome);
        Assert.Equal(size, result.BytesSent);
        Assert.Equal(size, lastProgress);
        Assert.Equal(source.Hash(), hash);
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion.WaitAsync(ct));
        // Neither side holds the message: far less than its size is ever live (pipes and chunks are bounded).
        Assert.True(peak - before < 48 * 1024 * 1024, $"peak heap grew by {(peak - before) / 1024 / 1024} MB");
    }
}
