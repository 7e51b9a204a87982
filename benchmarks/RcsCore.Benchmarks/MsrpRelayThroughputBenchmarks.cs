using BenchmarkDotNet.Attributes;
using RcsCore.Msrp;
using RcsCore.Msrp.Relay;

namespace RcsCore.Benchmarks;

/// <summary>
/// The same 100 MB transfer as <see cref="MsrpThroughputBenchmarks.MsrpSessionSend"/>, but between two endpoints
/// that AUTH to an RcsCore <see cref="MsrpRelay"/> on loopback (RFC 4976): every chunk crosses two TCP connections
/// and is streamed through the relay, which answers each chunk hop by hop.
/// </summary>
public partial class MsrpThroughputBenchmarks
{
    private MsrpRelay? _relay;
    private MsrpEndpoint? _relayA;
    private MsrpEndpoint? _relayB;
    private MsrpSession? _relaySa;
    private MsrpSession? _relaySb;

    [GlobalSetup(Target = nameof(MsrpRelaySend))]
    public void SetupRelay()
    {
        Setup();
        _relay = MsrpRelay.Start(new MsrpPasswordAuthenticator(new Dictionary<string, string> { ["alice"] = "a", ["bob"] = "b" }));
        _relayA = MsrpEndpoint.Start();
        _relayB = MsrpEndpoint.Start();
        var ba = _relayA.AuthenticateAsync(_relay.Uri, new MsrpPasswordCredentials("alice", "a")).AsTask().GetAwaiter().GetResult();
        var bb = _relayB.AuthenticateAsync(_relay.Uri, new MsrpPasswordCredentials("bob", "b")).AsTask().GetAwaiter().GetResult();
        _relaySa = _relayA.CreateSession(relay: ba);
        _relaySb = _relayB.CreateSession(relay: bb);
        _relaySb.StartAsync(_relaySa.LocalDescription, active: false).AsTask().GetAwaiter().GetResult();
        _relaySa.StartAsync(_relaySb.LocalDescription, active: true).AsTask().GetAwaiter().GetResult();
        _relaySb.WhenBound.GetAwaiter().GetResult();
    }

    [GlobalCleanup(Target = nameof(MsrpRelaySend))]
    public void CleanupRelay()
    {
        Cleanup();
        _relayA?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _relayB?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _relay?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "MsrpSession SEND 100 MB through MsrpRelay")]
    public async Task<long> MsrpRelaySend()
    {
        var receive = Task.Run(async () =>
        {
            var message = await _relaySb!.ReceiveAsync();
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
        var sent = await _relaySa!.SendAsync(new RepeatStream(BenchData.Block, Size), "application/octet-stream", new MsrpSendOptions());
        if (!sent.IsSuccess)
        {
            throw new InvalidOperationException(sent.Reason);
        }
        long received = await receive;
        return received == Size ? received : throw new InvalidOperationException($"received {received} of {Size} bytes");
    }
}
