using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Msrp;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Msrp.Tests;

public sealed class MsrpSessionTests
{
    internal static async Task<(byte[] Hash, long Length)> HashBodyAsync(PipeReader body, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        while (true)
        {
            var result = await body.ReadAsync(ct);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                length += segment.Length;
            }
            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        await body.CompleteAsync();
        return (hash.GetHashAndReset(), length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Text_messages_flow_both_ways(bool tls)
    {
        await using var ea = TestNet.Endpoint(tls);
        await using var eb = TestNet.Endpoint(tls);
        var (a, b) = await TestNet.PairAsync(ea, eb);
        Assert.Equal(tls ? "msrps" : "msrp", a.LocalUri.Scheme);
        var ct = TestNet.Bounded();

        var sent = await a.SendAsync("hello bob"u8.ToArray(), "text/plain", ct: ct);
        Assert.Equal(MsrpSendOutcome.Sent, sent.Outcome);
        var m1 = await b.ReceiveAsync(ct);
        Assert.Equal("text/plain", m1.ContentType);
        Assert.Equal(9, m1.TotalSize);
        Assert.Equal(sent.MessageId, m1.MessageId);
        Assert.Equal("hello bob", Encoding.UTF8.GetString(await m1.ReadAllBytesAsync(ct: ct)));
        Assert.Equal(MsrpReceiveOutcome.Complete, await m1.Completion.WaitAsync(ct));

        // The passive side answers over the connection the active side opened (RFC 4975 §5.4).
        var back = await b.SendAsync("hi alice, ünïcode"u8.ToArray(), "text/plain;charset=utf-8", ct: ct);
        Assert.True(back.IsSuccess);
        var m2 = await a.ReceiveAsync(ct);
        Assert.Equal("hi alice, ünïcode", Encoding.UTF8.GetString(await m2.ReadAllBytesAsync(ct: ct)));
        Assert.Equal(1, ea.ConnectionCount);
        Assert.Equal(1, eb.ConnectionCount);
    }

    [Fact]
    public async Task Sessions_share_one_connection_and_are_demultiplexed_by_session_id()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a1, b1) = await TestNet.PairAsync(ea, eb);
        var (a2, b2) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        // RFC 4975 §8.1: the second session reuses the connection to the same authority.
        Assert.Equal(1, ea.ConnectionCount);
        await a1.SendAsync("one"u8.ToArray(), "text/plain", ct: ct);
        await a2.SendAsync("two"u8.ToArray(), "text/plain", ct: ct);
        Assert.Equal("one", Encoding.UTF8.GetString(await (await b1.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
        Assert.Equal("two", Encoding.UTF8.GetString(await (await b2.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
    }

    [Fact]
    public async Task Tls_with_wrong_fingerprint_is_refused()
    {
        await using var ea = TestNet.Endpoint(tls: true);
        await using var eb = TestNet.Endpoint(tls: true);
        var a = ea.CreateSession();
        var b = eb.CreateSession();
        var wrong = b.LocalDescription with { Fingerprint = "sha-256 " + string.Join(':', Enumerable.Repeat("AB", 32)) };
        await Assert.ThrowsAnyAsync<Exception>(async () => await a.StartAsync(wrong, active: true, TestNet.Bounded()));
        Assert.False(a.IsBound);
    }

    [Fact]
    public async Task Tls_passive_side_refuses_a_client_certificate_that_does_not_match_the_fingerprint()
    {
        await using var ea = TestNet.Endpoint(tls: true);
        await using var eb = TestNet.Endpoint(tls: true);
        var a = ea.CreateSession();
        var b = eb.CreateSession();
        var ct = TestNet.Bounded();
        // RFC 4975 §14.4 / RFC 8122 §5: b (passive) expects a certificate that a does not have.
        var wrong = a.LocalDescription with { Fingerprint = "sha-256 " + string.Join(':', Enumerable.Repeat("AB", 32)) };
        await b.StartAsync(wrong, active: false, ct);
        var refused = await Assert.ThrowsAsync<MsrpException>(async () => await a.StartAsync(b.LocalDescription, active: true, ct));
        Assert.Equal(MsrpStatus.Forbidden, refused.StatusCode);
        Assert.False(b.IsBound);

        // The same pair with the real fingerprint binds: a presents its certificate and b checks it.
        var a2 = ea.CreateSession();
        var b2 = eb.CreateSession();
        await b2.StartAsync(a2.LocalDescription, active: false, ct);
        await a2.StartAsync(b2.LocalDescription, active: true, ct);
        await b2.WhenBound.WaitAsync(ct);
        Assert.True((await a2.SendAsync("checked"u8.ToArray(), "text/plain", ct: ct)).IsSuccess);
        Assert.Equal("checked", Encoding.UTF8.GetString(await (await b2.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
    }

    [Fact]
    public async Task Tls_passive_side_refuses_a_client_without_certificate_when_the_sdp_has_a_fingerprint()
    {
        // a's endpoint has no certificate of its own, so it presents none; b's SDP view of a claims one.
        await using var ea = MsrpEndpoint.Start(new MsrpEndpointOptions());
        await using var eb = TestNet.Endpoint(tls: true);
        var a = ea.CreateSession();
        var b = eb.CreateSession();
        var ct = TestNet.Bounded();
        await b.StartAsync(a.LocalDescription with { Fingerprint = MsrpFingerprint.Compute(TestNet.SelfSigned()) }, active: false, ct);
        var refused = await Assert.ThrowsAsync<MsrpException>(async () => await a.StartAsync(b.LocalDescription, active: true, ct));
        Assert.Equal(MsrpStatus.Forbidden, refused.StatusCode);
        Assert.False(b.IsBound);
    }

    [Fact]
    public async Task Short_message_interrupts_a_long_one_between_chunks()
    {
        await using var ea = TestNet.Endpoint(chunkSize: 16 * 1024);
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        const long size = 32L * 1024 * 1024;
        var shortSent = new TaskCompletionSource<Task<MsrpSendResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new SyncProgress(p =>
        {
            if (p >= 1024 * 1024 && !shortSent.Task.IsCompleted)
            {
                shortSent.TrySetResult(a.SendAsync("urgent"u8.ToArray(), "text/plain", ct: ct).AsTask());
            }
        });
        using var source = new PatternStream(size);
        var longSend = a.SendAsync(source, "application/octet-stream", new MsrpSendOptions { Progress = progress }, ct).AsTask();
        var longMessage = await b.ReceiveAsync(ct);
        var hashing = HashBodyAsync(longMessage.Body, ct);
        var shortMessage = await b.ReceiveAsync(ct);
        Assert.Equal("urgent", Encoding.UTF8.GetString(await shortMessage.ReadAllBytesAsync(ct: ct)));
        // The short message completed while the long one was still arriving (RFC 4975 §7.1.1 interruption).
        Assert.True(longMessage.BytesReceived < size, $"long message already had {longMessage.BytesReceived} bytes");
        Assert.False(longMessage.Completion.IsCompleted);
        Assert.True((await await shortSent.Task).IsSuccess);
        Assert.True((await longSend).IsSuccess);
        var (hash, length) = await hashing;
        Assert.Equal(size, length);
        Assert.Equal(source.Hash(), hash);
    }

    [Theory]
    [InlineData(0)] // seekable stream: read straight into the output, checked piece by piece
    [InlineData(1)] // memory: checked before the chunk is written
    [InlineData(2)] // non-seekable stream: through a pipe, checked across its segments
    [InlineData(3)] // a buffer sequence: the end-line split over three segments, one of them 2 bytes long, and an empty one
    public async Task Body_containing_the_end_line_gets_another_transaction_id_or_an_interrupted_chunk(int kind)
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        const string tid = "collideCollide01";
        var content = new byte[300 * 1024];
        new Random(7).NextBytes(content);
        // RFC 4975 §7.1: "-------tid" in the body, inside a piece and around 4 KiB / 64 KiB pipe block boundaries.
        var boundary = Encoding.ASCII.GetBytes("\r\n-------" + tid);
        // (For the sequence only the one split over three segments, so nothing else finds the collision.)
        foreach (int at in kind == 3 ? new[] { 1000 } : new[] { 1000, 4090, 65530, 131060, 200000 })
        {
            boundary.CopyTo(content, at);
        }
        int calls = 0;
        a.TransactionIds = () => Interlocked.Increment(ref calls) <= 3 ? tid : MsrpWire.NewId();
        var options = new MsrpSendOptions();
        var send = kind switch
        {
            0 => a.SendAsync(new MemoryStream(content), "application/octet-stream", options, ct),
            1 => a.SendAsync(content.AsMemory(), "application/octet-stream", options, ct),
            2 => a.SendAsync(new NonSeekableStream(content), "application/octet-stream", options, ct),
            _ => a.SendAsync(TestSequences.Cut(content, 1004, 1006, 1006, 4093, 40000, 65535, 131061, 131070), "application/octet-stream", options, ct),
        };
        var message = await b.ReceiveAsync(ct);
        var received = await message.ReadAllBytesAsync(ct: ct);
        Assert.True((await send).IsSuccess);
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion.WaitAsync(ct));
        Assert.Equal(content, received);
        Assert.True(calls > 3, "the colliding id was offered and refused");
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }

    [Fact]
    public async Task Cancelling_a_send_aborts_the_message_with_hash_flag()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = new SyncProgress(p =>
        {
            if (p >= 512 * 1024)
            {
                cancel.Cancel();
            }
        });
        using var source = new PatternStream(64L * 1024 * 1024);
        var send = a.SendAsync(source, "application/octet-stream", new MsrpSendOptions { Progress = progress }, cancel.Token).AsTask();
        var message = await b.ReceiveAsync(ct);
        var reading = HashBodyAsync(message.Body, ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.Equal(MsrpReceiveOutcome.Aborted, await message.Completion.WaitAsync(ct));
        var error = await Assert.ThrowsAsync<MsrpMessageAbortedException>(() => reading);
        Assert.Equal(MsrpReceiveOutcome.Aborted, error.Outcome);
        Assert.True(message.BytesReceived is >= 512 * 1024 and < 64L * 1024 * 1024);
        // The session is still usable afterwards.
        Assert.True((await a.SendAsync("after"u8.ToArray(), "text/plain", ct: ct)).IsSuccess);
        Assert.Equal("after", Encoding.UTF8.GetString(await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
    }

    [Fact]
    public async Task Success_report_confirms_delivery_and_failure_report_partial_sends_no_200()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded();
        var delivered = a.SendAsync(new byte[200_000], "application/octet-stream", new MsrpReportPolicy(true, MsrpReportMode.Yes), ct: ct).AsTask();
        var m = await b.ReceiveAsync(ct);
        Assert.Equal(200_000, (await m.ReadAllBytesAsync(ct: ct)).Length);
        Assert.Equal(MsrpSendOutcome.Delivered, (await delivered).Outcome);

        var partial = await a.SendAsync("p"u8.ToArray(), "text/plain", new MsrpReportPolicy(true, MsrpReportMode.Partial), ct: ct);
        Assert.Equal(MsrpSendOutcome.Delivered, partial.Outcome);
        await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct);

        var none = await a.SendAsync("n"u8.ToArray(), "text/plain", new MsrpReportPolicy(false, MsrpReportMode.No), ct: ct);
        Assert.Equal(MsrpSendOutcome.Sent, none.Outcome);
        Assert.Equal("n", Encoding.UTF8.GetString(await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
    }

    [Fact]
    public async Task Receiver_refuses_unsupported_type_with_415_and_oversize_with_413()
    {
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await TestNet.PairAsync(ea, eb, bo: new MsrpSessionOptions { AcceptTypes = ["text/*", "message/cpim"], MaxSize = 1000 });
        var ct = TestNet.Bounded();
        var r415 = await a.SendAsync(new byte[10], "image/png", ct: ct);
        Assert.Equal(MsrpSendOutcome.Failed, r415.Outcome);
        Assert.Equal(415, r415.StatusCode);
        var r413 = await a.SendAsync(new byte[2000], "text/plain", ct: ct);
        Assert.Equal(413, r413.StatusCode);
        // Failure-Report partial still reports the failure (RFC 4975 §7.1.2).
        var partial = await a.SendAsync(new byte[10], "image/png", new MsrpReportPolicy(false, MsrpReportMode.Partial), ct: ct);
        Assert.True(partial.StatusCode is 415 or 200);
        var ok = await a.SendAsync("fine"u8.ToArray(), "text/plain; charset=utf-8", ct: ct);
        Assert.True(ok.IsSuccess);
        Assert.Equal("fine", Encoding.UTF8.GetString(await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
    }

    [Fact]
    public async Task Slow_reader_throttles_the_sender()
    {
        await using var ea = TestNet.Endpoint(socket: new RcsCore.Transport.SocketConnectionOptions { MaxReadBufferSize = 256 * 1024, MaxWriteBufferSize = 256 * 1024, SocketReceiveBufferSize = 64 * 1024, SocketSendBufferSize = 64 * 1024 });
        await using var eb = MsrpEndpoint.Start(new MsrpEndpointOptions
        {
            IncomingBufferSize = 256 * 1024,
            Socket = new RcsCore.Transport.SocketConnectionOptions { MaxReadBufferSize = 256 * 1024, MaxWriteBufferSize = 256 * 1024, SocketReceiveBufferSize = 64 * 1024, SocketSendBufferSize = 64 * 1024 },
        });
        var (a, b) = await TestNet.PairAsync(ea, eb);
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        long sent = 0;
        var progress = new SyncProgress(p => Volatile.Write(ref sent, p));
        const long size = 64L * 1024 * 1024;
        using var source = new PatternStream(size);
        var send = a.SendAsync(source, "application/octet-stream", new MsrpSendOptions { Progress = progress }, ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        // Nobody reads the body: the sender must stall long before the end (no unbounded queue anywhere).
        long previous = -1;
        for (int i = 0; i < 100 && Volatile.Read(ref sent) != previous; i++)
        {
            previous = Volatile.Read(ref sent);
            await Task.Delay(100, ct);
        }
        long stalledAt = Volatile.Read(ref sent);
        Assert.True(stalledAt < 16L * 1024 * 1024, $"sender ran ahead to {stalledAt} bytes");
        Assert.False(send.IsCompleted);
        var (hash, length) = await HashBodyAsync(message.Body, ct);
        Assert.Equal(size, length);
        Assert.Equal(source.Hash(), hash);
        Assert.True((await send).IsSuccess);
    }

    /// <summary>Progress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
