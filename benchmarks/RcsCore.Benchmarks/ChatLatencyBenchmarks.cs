using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RcsCore.Rcs;

namespace RcsCore.Benchmarks;

/// <summary>
/// End-to-end latency over an established CPM 1-1 chat at a bounded rate (issue 7): alice sends
/// <see cref="Count"/> messages paced at <see cref="Rate"/> msg/s (5 s), one at a time; each message carries its
/// sequence number, and the time from the <see cref="RcsChat.SendMessageAsync"/> call to bob's
/// <see cref="RcsClient.MessageReceived"/> event is recorded. One invocation per run (bounded in count and time);
/// p50/p90/p99/max are printed (lines starting <c>ChatLatency</c> in <c>BenchmarkDotNet.Artifacts/*.log</c>); with
/// <c>[MemoryDiagnoser]</c> the run is repeated once for the allocation figure, so two reports appear.
/// Run: <c>benchmarks/run.sh --filter '*ChatLatency*'</c> (this job only, about 10 s after the build; adding
/// <c>--inProcess</c> also adds the default job, which repeats the 5 s run about 25 times).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1, invocationCount: 1)]
public class ChatLatencyBenchmarks
{
    private const int Rate = 200;
    private const int Count = 1000;

    private ChatRig _rig = null!;
    private long[] _sentAt = [];
    private long[] _receivedAt = [];
    private int _arrived;
    private TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [GlobalSetup]
    public void Setup()
    {
        _rig = ChatRig.StartAsync().GetAwaiter().GetResult();
        _rig.Bob.MessageReceived += (_, e) =>
        {
            long now = Stopwatch.GetTimestamp();
            string text = e.Message.Text;
            if (text.StartsWith("seq ", StringComparison.Ordinal) && int.TryParse(text.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int i) && (uint)i < (uint)_receivedAt.Length)
            {
                _receivedAt[i] = now;
                if (Interlocked.Increment(ref _arrived) == _receivedAt.Length)
                {
                    _all.TrySetResult();
                }
            }
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _rig.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "Chat latency: 1000 messages at 200 msg/s, send -> MessageReceived")]
    public async Task<double> ChatLatency()
    {
        _sentAt = new long[Count];
        _receivedAt = new long[Count];
        _arrived = 0;
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var chat = _rig.AliceChat;
        long start = Stopwatch.GetTimestamp();
        long interval = Stopwatch.Frequency / Rate;
        int late = 0;
        for (int i = 0; i < Count; i++)
        {
            long due = start + i * interval;
            long wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }
            else if (wait < -interval)
            {
                late++;
            }
            _sentAt[i] = Stopwatch.GetTimestamp();
            await chat.SendMessageAsync(string.Create(CultureInfo.InvariantCulture, $"seq {i}"));
        }
        double sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await _all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var latencies = new double[Count];
        for (int i = 0; i < Count; i++)
        {
            latencies[i] = (_receivedAt[i] - _sentAt[i]) * 1000.0 / Stopwatch.Frequency;
        }
        Array.Sort(latencies);
        double P(double q) => latencies[Math.Min(Count - 1, (int)Math.Ceiling(q * Count) - 1)];
        var report = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ChatLatency: {Count} messages at {Rate} msg/s target, sent in {sendSeconds:F2} s ({Count / sendSeconds:F0} msg/s achieved), {late} sends more than one interval late").AppendLine()
            .Append(CultureInfo.InvariantCulture, $"ChatLatency (ms, send call -> MessageReceived): min {latencies[0]:F3} p50 {P(0.50):F3} p90 {P(0.90):F3} p99 {P(0.99):F3} max {latencies[^1]:F3}").AppendLine()
            .ToString();
        // The benchmark process's output is copied into BenchmarkDotNet.Artifacts/*.log.
        Console.Write(report);
        return P(0.99);
    }
}
