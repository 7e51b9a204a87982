using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RcsCore.Msrp;

namespace RcsCore.Benchmarks;

/// <summary>
/// End-to-end throughput of a 100 MB transfer over loopback TCP, MSRP session to MSRP session (a 200 per chunk, the
/// body streamed to a PipeReader on the far side), against a raw socket copy of the same bytes in the same run: from
/// memory (the raw copy's 1 MiB block, as a buffer sequence sent by reference), from a Stream over that block with the
/// default chunking (64 KB, grown to 1 MB while nothing else waits) and with fixed 64 KB chunks. The floor rows are the
/// raw copy plus only the work RFC 4975 §7.1 makes every implementation do (the end-line scans on both sides), from
/// memory and from a Stream (plus the read copy).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 100, iterationCount: 60)]
public partial class MsrpThroughputBenchmarks
{
    private const long Size = 100L * 1024 * 1024;
    private RawSocketPair? _raw;
    private MsrpEndpoint? _a;
    private MsrpEndpoint? _b;
    private RcsCore.Msrp.MsrpSession? _sa;
    private RcsCore.Msrp.MsrpSession? _sb;
    private readonly System.Buffers.ReadOnlySequence<byte> _memory = RepeatSequence.Create(BenchData.Block, Size);


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

    [Benchmark(Description = "MsrpSession SEND 100 MB from memory")]
    public Task<long> MsrpSessionSendFromMemory() => SendAsync(null, fromMemory: true);

    [Benchmark(Description = "MsrpSession SEND 100 MB from a Stream")]
    public Task<long> MsrpSessionSendDefaultChunks() => SendAsync(null, fromMemory: false);

    [Benchmark(Description = "MsrpSession SEND 100 MB from a Stream, fixed 64 KB chunks")]
    public Task<long> MsrpSessionSend() => SendAsync(64 * 1024, fromMemory: false);

    private async Task<long> SendAsync(int? chunkSize, bool fromMemory)
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
        var options = new MsrpSendOptions { ChunkSize = chunkSize };
        var sent = fromMemory
            ? await _sa!.SendAsync(_memory, "application/octet-stream", options)
            : await _sa!.SendAsync(new RepeatStream(BenchData.Block, Size), "application/octet-stream", options);
        if (!sent.IsSuccess)
        {
            throw new InvalidOperationException(sent.Reason);
        }
        return await receive;
    }
}
