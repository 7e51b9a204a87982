using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using RcsCore.Hosting;
using RcsCore.Ims.Client;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Benchmarks;

/// <summary>
/// A 100 MB file transfer over MSRP (RFC 5547) between two registered <see cref="RcsClient"/>s through a
/// <see cref="SipServer"/> on loopback — INVITE with the file-transfer ICSI, SHA-1/SHA-256 on both sides, the file
/// streamed in MSRP chunks, BYE — against a raw socket copy of the same bytes in the same run.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 10, iterationCount: 10)]
public class FileTransferBenchmarks
{
    private const long Size = 100L * 1024 * 1024;
    private const string Domain = "ft.bench";
    private RawSocketPair? _raw;
    private SipServer? _server;
    private RcsClient? _alice;
    private RcsClient? _bob;
    private long _peakWorkingSet;


    [GlobalSetup]
    public void Setup()
    {
        _raw = new RawSocketPair();
        StartRcsAsync().GetAwaiter().GetResult();
    }

    private async Task StartRcsAsync()
    {
        var subscribers = new InMemorySubscriberStore();
        foreach (string user in (string[])["alice", "bob"])
        {
            await subscribers.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "-secret" });
        }
        _server = new SipServer(new SipServerOptions
        {
            Listen = [new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
            Subscribers = subscribers,
        });
        await _server.StartAsync();
        RcsClient Create(string name) => new(new RcsClientOptions
        {
            PublicIdentity = SipUri.Parse($"sip:{name}@{Domain}"),
            Server = _server.LocalEndPoints[0],
            Credentials = ImsCredentials.FromPassword(name + "-secret"),
            Product = "RcsCore-bench",
        });
        _alice = Create("alice");
        _bob = Create("bob");
        await _alice.StartAsync();
        await _bob.StartAsync();
        // bob accepts every file into a sink that only counts.
        _bob.FileTransferReceived += (_, transfer) => _ = transfer.AcceptAsync(Stream.Null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw?.Dispose();
        _alice?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _bob?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Console.WriteLine($"// peak working set sampled during the file transfers: {_peakWorkingSet / (1024 * 1024)} MB; process peak {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MB");
    }

    [Benchmark(Baseline = true, Description = "Raw socket copy 100 MB")]
    public Task<long> RawSocket()
    {
        return _raw!.CopyAsync(BenchData.Block, Size);
    }

    [Benchmark(Description = "RcsClient.SendFileAsync 100 MB over MSRP (INVITE, hashes, BYE)")]
    public async Task<long> SendFileOverMsrp()
    {
        var progress = new Sampler(this);
        var result = await _alice!.SendFileAsync(SipUri.Parse($"sip:bob@{Domain}"), new RepeatStream(BenchData.Block, Size),
            new RcsFileInfo("bench.bin", "application/octet-stream", Size), progress: progress);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"{result.Outcome}: {result.Reason}");
        }
        return result.BytesTransferred;
    }

    [Benchmark(Description = "SHA-1 + SHA-256 of 100 MB (what each side computes once)")]
    public long HashOnce()
    {
        using var sha1 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA1);
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        for (long done = 0; done < Size; done += BenchData.Block.Length)
        {
            sha1.AppendData(BenchData.Block);
            sha256.AppendData(BenchData.Block);
        }
        return sha1.GetHashAndReset()[0] + sha256.GetHashAndReset()[0];
    }

    private sealed class Sampler(FileTransferBenchmarks owner) : IProgress<RcsFileTransferProgress>
    {
        private long _next;

        public void Report(RcsFileTransferProgress value)
        {
            if (value.BytesTransferred >= _next)
            {
                _next = value.BytesTransferred + (8 * 1024 * 1024);
                owner._peakWorkingSet = Math.Max(owner._peakWorkingSet, Environment.WorkingSet);
            }
        }
    }
}
