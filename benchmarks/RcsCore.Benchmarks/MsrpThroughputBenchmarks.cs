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
    private static readonly byte[] s_block = CreateBlock();
    private Socket? _rawListener;
    private Socket? _rawClient;
    private Socket? _rawServer;
    private MsrpEndpoint? _a;
    private MsrpEndpoint? _b;
    private RcsCore.Msrp.MsrpSession? _sa;
    private RcsCore.Msrp.MsrpSession? _sb;

    private static byte[] CreateBlock()
    {
        var block = new byte[1024 * 1024];
        new Random(42).NextBytes(block);
        return block;
    }

    [GlobalSetup]
    public void Setup()
    {
        _rawListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _rawListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _rawListener.Listen(1);
        _rawClient = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _rawClient.Connect(_rawListener.LocalEndPoint!);
        _rawServer = _rawListener.Accept();

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
        _rawClient?.Dispose();
        _rawServer?.Dispose();
        _rawListener?.Dispose();
        _a?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "Raw socket copy 100 MB")]
    public async Task<long> RawSocket()
    {
        var receive = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            while (total < Size)
            {
                total += await _rawServer!.ReceiveAsync(buffer, SocketFlags.None);
            }
            return total;
        });
        for (long sent = 0; sent < Size; sent += s_block.Length)
        {
            await _rawClient!.SendAsync(s_block, SocketFlags.None);
        }
        return await receive;
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
        var sent = await _sa!.SendAsync(new BlockStream(Size), "application/octet-stream", new MsrpSendOptions());
        if (!sent.IsSuccess)
        {
            throw new InvalidOperationException(sent.Reason);
        }
        return await receive;
    }

    /// <summary>Yields <c>length</c> bytes by repeating one block (no per-read allocation or generation cost).</summary>
    private sealed class BlockStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(Math.Min(buffer.Length, length - _position), s_block.Length - (_position % s_block.Length));
            s_block.AsSpan((int)(_position % s_block.Length), n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
