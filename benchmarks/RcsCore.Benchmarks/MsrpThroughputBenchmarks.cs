using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RcsCore.Msrp;

namespace RcsCore.Benchmarks;

/// <summary>
/// End-to-end throughput of a 100 MB transfer over loopback TCP: an MSRP session (64 KB chunks, 200 per chunk,
/// body streamed to a PipeReader on the far side) against a raw socket copy of the same bytes in the same run.
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

    [Benchmark(Description = "MsrpSession SEND 100 MB in 64 KB chunks")]
    public async Task<long> MsrpSessionSend()
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
        var sent = await _sa!.SendAsync(new RepeatStream(BenchData.Block, Size), "application/octet-stream", new MsrpSendOptions());
        if (!sent.IsSuccess)
        {
            throw new InvalidOperationException(sent.Reason);
        }
        return await receive;
    }
}
