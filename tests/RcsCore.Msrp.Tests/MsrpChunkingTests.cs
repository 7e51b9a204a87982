using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Msrp;
using RcsCore.Transport;
using Xunit;
using static RcsCore.Msrp.Tests.MsrpSessionTests;

namespace RcsCore.Msrp.Tests;

/// <summary>
/// Chunk sizes on an idle connection (grown up to MaxChunkSize), interruption of a grown chunk when another message
/// waits (RFC 4975 §7.1), and transaction timeouts counted from a chunk's last byte (§7.1.1).
/// </summary>
public sealed class MsrpChunkingTests
{
    /// <summary>The chunk sizes of a send, from its progress reports (one per chunk).</summary>
    private sealed class ChunkLog : IProgress<long>
    {
        private long _last;

        public List<long> Sizes { get; } = [];

        public void Report(long value)
        {
            lock (Sizes)
            {
                Sizes.Add(value - _last);
                _last = value;
            }
        }
    }

    /// <summary>Starts a send (given the progress to report chunks to), reads the message whole on <paramref name="b"/>.</summary>
    private static async Task<(ChunkLog Log, byte[] Hash, MsrpSendResult Result)> TransferAsync(MsrpSession b, Func<ChunkLog, ValueTask<MsrpSendResult>> send, CancellationToken ct)
    {
        var log = new ChunkLog();
        var sending = send(log).AsTask();
        var message = await b.ReceiveAsync(ct);
        var (hash, _) = await HashBodyAsync(message.Body, ct);
        return (log, hash, await sending);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)] // from memory: pieces of 32 KiB and more go to the socket by reference
    [InlineData(false, true)]  // ... and through TLS
    public async Task A_message_alone_on_the_connection_goes_in_chunks_grown_to_MaxChunkSize(bool fromStream, bool tls)
    {
        await using var ea = TestNet.Endpoint(tls, chunkSize: 16 * 1024, maxChunkSize: 256 * 1024);
        await using var eb = TestNet.Endpoint(tls);
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        const int size = 2 * 1024 * 1024 + 100;
        var content = RandomNumberGenerator.GetBytes(size);
        var (log, hash, result) = await TransferAsync(b, progress =>
        {
            var options = new MsrpSendOptions { Progress = progress, Reports = MsrpReportPolicy.Full };
            return fromStream
                ? a.SendAsync(new MemoryStream(content), "application/octet-stream", options, ct)
                : a.SendAsync(content, "application/octet-stream", options, ct);
        }, ct);

        Assert.Equal(MsrpSendOutcome.Delivered, result.Outcome);
        Assert.Equal(SHA256.HashData(content), hash);
        Assert.Equal(size, log.Sizes.Sum());
        Assert.All(log.Sizes, s => Assert.InRange(s, 1, 256 * 1024));
        // Nothing else used the connection: 9 chunks of up to 256 KiB, not 129 of 16 KiB.
        Assert.True(log.Sizes.Count <= 10, $"{log.Sizes.Count} chunks: {string.Join(", ", log.Sizes)}");
    }

    [Fact]
    public async Task A_session_through_a_relay_keeps_ChunkSize()
    {
        // Relays may cap frame sizes (Kamailio 5.6 relays about 10 KB), so chunks through one do not grow.
        await using var relay = Relay.RelayTestNet.Start();
        await using var ea = TestNet.Endpoint(chunkSize: 16 * 1024, maxChunkSize: 1024 * 1024);
        await using var eb = TestNet.Endpoint();
        var (a, b) = await Relay.RelayTestNet.PairAsync(ea, await Relay.RelayTestNet.AuthAsync(ea, relay, "alice"), eb, await Relay.RelayTestNet.AuthAsync(eb, relay, "bob"));
        var ct = TestNet.Bounded();
        var content = RandomNumberGenerator.GetBytes(512 * 1024);
        var (log, hash, result) = await TransferAsync(b, progress =>
            a.SendAsync(new MemoryStream(content), "application/octet-stream", new MsrpSendOptions { Progress = progress }, ct), ct);
        Assert.True(result.IsSuccess);
        Assert.Equal(SHA256.HashData(content), hash);
        Assert.Equal(32, log.Sizes.Count);
        Assert.All(log.Sizes, s => Assert.Equal(16 * 1024, s));
    }

    [Theory]
    [InlineData(1)]       // a writer that flushes every byte it has (chunks follow its flushes)
    [InlineData(8192)]
    public async Task A_pipe_with_default_thresholds_is_sent_whole_without_waiting_for_more_than_it_can_hold(int flushEvery)
    {
        // A default Pipe pauses its writer at 64 KiB unread: the sender must not wait for a full chunk (64 KiB + 1 to
        // tell the last one) that the pipe can never hold.
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        var content = RandomNumberGenerator.GetBytes(1024 * 1024 + 17);
        var pipe = new System.IO.Pipelines.Pipe();
        var writing = Task.Run(async () =>
        {
            for (int at = 0; at < content.Length; at += 4096)
            {
                pipe.Writer.Write(content.AsSpan(at, Math.Min(4096, content.Length - at)));
                if (flushEvery == 1 || at % flushEvery == 0)
                {
                    await pipe.Writer.FlushAsync(ct);
                }
            }
            await pipe.Writer.CompleteAsync();
        }, ct);
        var (log, hash, result) = await TransferAsync(b, progress =>
            a.SendAsync(pipe.Reader, "application/octet-stream", new MsrpSendOptions { Progress = progress }, ct), ct);
        await writing;
        Assert.True(result.IsSuccess, result.Reason);
        Assert.Equal(SHA256.HashData(content), hash);
        Assert.Equal(content.Length, log.Sizes.Sum());
    }

    [Fact]
    public async Task A_chunk_size_given_for_the_send_is_fixed()
    {
        await using var ea = TestNet.Endpoint(maxChunkSize: 4 * 1024 * 1024);
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        var content = RandomNumberGenerator.GetBytes(1024 * 1024);
        var (log, hash, result) = await TransferAsync(b, progress =>
            a.SendAsync(content, "application/octet-stream", new MsrpSendOptions { ChunkSize = 8 * 1024, Progress = progress }, ct), ct);
        Assert.True(result.IsSuccess);
        Assert.Equal(SHA256.HashData(content), hash);
        Assert.Equal(128, log.Sizes.Count);
        Assert.All(log.Sizes, s => Assert.Equal(8 * 1024, s));
    }

    [Fact]
    public async Task A_grown_chunk_is_interrupted_when_a_short_message_waits()
    {
        // One chunk could carry the whole 32 MB; the receiver reads slowly, so the long chunk is still being written
        // when the short message is sent. It must not wait for the end of the long message.
        await using var ea = TestNet.Endpoint(chunkSize: 16 * 1024, maxChunkSize: 64 * 1024 * 1024);
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        const long size = 32L * 1024 * 1024;
        using var source = new PatternStream(size);
        var log = new ChunkLog();
        var longSend = a.SendAsync(source, "application/octet-stream", new MsrpSendOptions { Progress = log }, ct).AsTask();
        var longMessage = await b.ReceiveAsync(ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                var r = await longMessage.Body.ReadAsync(ct);
                foreach (var segment in r.Buffer)
                {
                    hash.AppendData(segment.Span);
                }
                total += r.Buffer.Length;
                longMessage.Body.AdvanceTo(r.Buffer.End);
                if (total >= 1024 * 1024)
                {
                    started.TrySetResult();
                }
                if (r.IsCompleted)
                {
                    break;
                }
                await Task.Delay(2, ct); // a slow reader: about 64 KB per read
            }
            await longMessage.Body.CompleteAsync();
            return (hash.GetCurrentHash(), total);
        }, ct);
        await started.Task.WaitAsync(ct);
        var shortSend = a.SendAsync("urgent"u8.ToArray(), "text/plain", ct: ct).AsTask();
        var shortMessage = await b.ReceiveAsync(ct);
        Assert.Equal("urgent", Encoding.UTF8.GetString(await shortMessage.ReadAllBytesAsync(ct: ct)));
        // The short message arrived while the long one was still coming in (the grown chunk ended early with '+').
        Assert.True(longMessage.BytesReceived < size, $"long message already had {longMessage.BytesReceived} bytes");
        Assert.False(longMessage.Completion.IsCompleted);
        Assert.True((await shortSend).IsSuccess);
        Assert.True((await longSend).IsSuccess);
        var (digest, length) = await reading;
        Assert.Equal(size, length);
        Assert.Equal(source.Hash(), digest);
        Assert.True(log.Sizes.Count >= 2, "the long message went in one chunk");
        Assert.True(log.Sizes[0] < size);
    }

    [Fact]
    public async Task A_chunk_transaction_times_out_from_its_last_byte_not_from_its_start()
    {
        // One 16 MB chunk to a receiver that does not read yet, over small socket buffers (so the kernel cannot take
        // it all): writing it takes longer (in fake time) than the 1 s transaction timeout. The response comes once
        // the receiver reads, and the send succeeds.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var small = new SocketConnectionOptions { SocketSendBufferSize = 64 * 1024, SocketReceiveBufferSize = 64 * 1024 };
        await using var ea = TestNet.Endpoint(time: time, transactionTimeout: TimeSpan.FromSeconds(1), socket: small);
        await using var eb = TestNet.Endpoint(socket: small);
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        const int size = 16 * 1024 * 1024;
        var content = RandomNumberGenerator.GetBytes(size);
        var send = a.SendAsync(content, "application/octet-stream", new MsrpSendOptions { ChunkSize = size }, ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        // Wait until the sender is held up by backpressure mid-chunk (the receiver buffers about 1 MB, the sockets some more).
        while (message.BytesReceived < 512 * 1024)
        {
            await Task.Delay(10, ct);
        }
        await Task.Delay(100, ct);
        Assert.False(send.IsCompleted);
        Assert.True(message.BytesReceived < size / 2, $"{message.BytesReceived} bytes already arrived");
        time.Advance(TimeSpan.FromSeconds(10));
        var (hash, length) = await HashBodyAsync(message.Body, ct);
        var result = await send;
        Assert.True(result.IsSuccess, result.Reason);
        Assert.Equal(size, length);
        Assert.Equal(SHA256.HashData(content), hash);
    }
}
