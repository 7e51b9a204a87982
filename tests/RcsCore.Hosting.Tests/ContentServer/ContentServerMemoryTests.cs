using RcsCore.Hosting.ContentServer;
using RcsCore.Rcs;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Hosting.Tests.ContentServer;

/// <summary>Heap measurements run alone, so no other test's allocations show in their figures.</summary>
[CollectionDefinition(nameof(ContentServerMemoryCollection), DisableParallelization = true)]
public sealed class ContentServerMemoryCollection
{
}

/// <summary>The content server streams a 100 MB file both ways without holding it (GSMA RCC.07 FT via HTTP).</summary>
[Collection(nameof(ContentServerMemoryCollection))]
public sealed class ContentServerMemoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HundredMegabytesStreamBothWaysWithBoundedMemory()
    {
        const long Size = 100L * 1024 * 1024;
        await using var fx = await ContentServerFixture.StartAsync();
        byte[] expected = GeneratedStream.HashOf(Size);
        GC.Collect();
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(20, CancellationToken.None);
            }
        }, Ct);

        FileInfoDocument info = await fx.Client().UploadAsync(new GeneratedStream(Size), "big.bin", "application/octet-stream", ct: Ct);
        using var sink = new HashingStream();
        long downloaded = await fx.Client().DownloadAsync(info.File, sink, ct: Ct);
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(Size, info.File.Size);
        Assert.Equal(Size, downloaded);
        Assert.Equal(expected, sink.Hash());
        Assert.Equal(Size, new FileInfo(Directory.EnumerateFiles(fx.Server.FilesDirectory, "*.bin").Single()).Length);
        // Streamed: the managed heap never grows by anything near the file size.
        Assert.True(peak - baseline < 32L * 1024 * 1024, $"heap grew by {(peak - baseline) / 1024 / 1024} MiB");
    }
}
