using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RcsCore.Msrp;

namespace RcsCore.Benchmarks;

/// <summary>
/// End-to-end throughput of a 100 MB transfer over loopback TCP: an MSRP session (fixed 64 KB chunks, or the default
/// chunking that grows chunks to 1 MB while nothing else waits; a 200 per chunk,
/// body streamed to a PipeReader on the far side) against a raw socket copy of the same bytes in the same run, and
/// the protocol's floor: the raw copy plus only the work RFC 4975 §7.1 makes every implementation do (both end-line
/// scans), from memory and from a Stream (plus the read copy).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 15, iterationCount: 15)]
public partial class MsrpThroughputBenchmarks
{
    private const long Size = 100L * 1024 * 1024;
    private RawSocketPair? _raw;
    private MsrpEndpoint? _a;
    private MsrpEndpoint? _b;
    private RcsCore.Msrp.MsrpSession? _sa;
    private RcsCore.Msrp.MsrpSession? _sb;


    [GlobalSetup]
    public void Setup()
    {
        _raw = new RawSocketPair();

        _a = MsrpEndpoint.Start();
        _b = MsrpEndpoint.Start();
        _sa = _a.CreateSession();
        _sb = _b.CreateSession();
        _sb.StartAsync(_sa.LocalDescription, active: false).AsTask().GetAwaiter().GetResult();
        _sa.StartAsync(_sb.LocalDescription, active: true).AsTask().GetAwaiter().GetResult();
        _sb.WhenBound.GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw?.Dispose();
        _a?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "Raw socket copy 100 MB")]
    public Task<long> RawSocket()
    {
        return _raw!.CopyAsync(BenchData.Block, Size);
    }

    [Benchmark(Description = "Floor: raw copy + end-line scans, from memory")]
    public Task<long> FloorFromMemory()
    {
        return _raw!.CopyWithScansAsync(BenchData.Block, Size, source: null);
    }

    [Benchmark(Description = "Floor: raw copy + end-line scans, from a Stream")]
    public Task<long> FloorFromStream()
    {
        return _raw!.CopyWithScansAsync(BenchData.Block, Size, new RepeatStream(BenchData.Block, Size));
    }

    [Benchmark(Description = "MsrpSession SEND 100 MB, fixed 64 KB chunks")]
    public Task<long> MsrpSessionSend() => SendAsync(64 * 1024);

    [Benchmark(Description = "MsrpSession SEND 100 MB, default chunks (64 KB, grown to 1 MB while idle)")]
    public Task<long> MsrpSessionSendDefaultChunks() => SendAsync(null);

    private async Task<long> SendAsync(int? chunkSize)
    {
        var receive = Task.Run(async () =>
        {
            var message = await _sb!.ReceiveAsync();
            long total = 0;
            while (true)
            {
                var result = await message.Body.ReadAsync();
                total += result.Buffer.Length;
                message.Body.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
            await message.Body.CompleteAsync();
            return total;
        });
        var sent = await _sa!.SendAsync(new RepeatStream(BenchData.Block, Size), "application/octet-stream", new MsrpSendOptions { ChunkSize = chunkSize });
        if (!sent.IsSuccess)
        {
            throw new InvalidOperationException(sent.Reason);
        }
        return await receive;
    }
}
