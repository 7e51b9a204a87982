using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Xunit;

namespace RcsCore.Transport.Tests;

public class SocketConnectionTests
{
    private static async Task<string> ReadTextAsync(PipeReader reader, int length)
    {
        var ct = TestNet.Bounded();
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            if (result.Buffer.Length >= length || result.IsCompleted)
            {
                var text = Encoding.UTF8.GetString(result.Buffer.Slice(0, Math.Min(length, result.Buffer.Length)).ToArray());
                reader.AdvanceTo(result.Buffer.GetPosition(Math.Min(length, result.Buffer.Length)));
                return text;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Tcp_round_trip_both_ways(AddressFamily family)
    {
        var ip = TestNet.Loopback(family);
        await using var listener = SocketListener.Bind(new IPEndPoint(ip, 0));
        Assert.NotEqual(0, listener.LocalEndPoint.Port);
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        await using var client = await SocketConnection.ConnectAsync(listener.LocalEndPoint, ct: TestNet.Bounded());
        await using var server = (await acceptTask)!;
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
        Assert.NotEqual(client.Id, server.Id);

        await client.Transport.Output.WriteAsync("hello"u8.ToArray(), TestNet.Bounded());
        Assert.Equal("hello", await ReadTextAsync(server.Transport.Input, 5));
        await server.Transport.Output.WriteAsync("world!"u8.ToArray(), TestNet.Bounded());
        Assert.Equal("world!", await ReadTextAsync(client.Transport.Input, 6));
        Assert.False(client.IsSecure);
    }

    [Fact]
    public async Task Remote_close_is_recorded_and_signals_ConnectionClosed()
    {
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        var client = await SocketConnection.ConnectAsync(listener.LocalEndPoint, ct: TestNet.Bounded());
        await using var server = (await acceptTask)!;
        await client.DisposeAsync();
        Assert.Equal(TransportShutdownReason.LocalClose, client.ShutdownReason);

        var result = await server.Transport.Input.ReadAsync(TestNet.Bounded());
        Assert.True(result.IsCompleted);
        server.Transport.Input.AdvanceTo(result.Buffer.End);
        await WaitAsync(server.ConnectionClosed);
        Assert.Equal(TransportShutdownReason.RemoteClosed, server.ReceiveStopReason);
        Assert.Equal(TransportLoopStatus.Stopped, server.ReceiveStatus);
    }

    [Fact]
    public async Task Abort_records_the_reason_and_fails_the_input()
    {
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        await using var client = await SocketConnection.ConnectAsync(listener.LocalEndPoint, ct: TestNet.Bounded());
        await using var server = (await acceptTask)!;
        server.Abort("test abort");
        Assert.Equal("test abort", server.AbortReason);
        Assert.Equal(TransportShutdownReason.LocalAbort, server.ShutdownReason);
        await WaitAsync(server.ConnectionClosed);
        var ex = await Assert.ThrowsAsync<TransportConnectionException>(async () =>
        {
            var ct = TestNet.Bounded();
            while (true)
            {
                var r = await server.Transport.Input.ReadAsync(ct);
                server.Transport.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                {
                    return;
                }
            }
        });
        Assert.Equal(TransportShutdownReason.LocalAbort, ex.Reason);
        // The peer sees the close.
        var r2 = await client.Transport.Input.ReadAsync(TestNet.Bounded());
        Assert.True(r2.IsCompleted);
    }

    [Fact]
    public async Task Connect_to_a_closed_port_fails()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var ep = (IPEndPoint)s.LocalEndPoint!; // bound, not listening
        await Assert.ThrowsAsync<SocketException>(async () => await SocketConnection.ConnectAsync(ep, ct: TestNet.Bounded()));
    }

    [Fact]
    public async Task A_many_segment_flush_goes_out_whole_and_in_order_through_short_sends()
    {
        // 4 MB in one flush: hundreds of 4 KiB pipe segments sent as one gathered send; a 4 KiB kernel send buffer
        // and a reader that starts late make the kernel take it in short pieces.
        var options = new SocketConnectionOptions { MaxWriteBufferSize = 8 * 1024 * 1024, SocketSendBufferSize = 4096 };
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        await using var client = await SocketConnection.ConnectAsync(listener.LocalEndPoint, options, ct: TestNet.Bounded());
        await using var server = (await acceptTask)!;
        var data = new byte[4 * 1024 * 1024];
        new Random(7).NextBytes(data);
        var output = client.Transport.Output;
        for (int offset = 0; offset < data.Length; offset += 1000)
        {
            output.Write(data.AsSpan(offset, Math.Min(1000, data.Length - offset)));
        }
        var flush = output.FlushAsync(TestNet.Bounded()).AsTask();
        await Task.Delay(100, TestContext.Current.CancellationToken);

        var received = new byte[data.Length];
        int got = 0;
        var input = server.Transport.Input;
        while (got < data.Length)
        {
            var result = await input.ReadAsync(TestNet.Bounded());
            foreach (var segment in result.Buffer)
            {
                segment.Span.CopyTo(received.AsSpan(got));
                got += segment.Length;
            }
            input.AdvanceTo(result.Buffer.End);
            Assert.False(result.IsCompleted && got < data.Length, $"closed after {got} bytes");
        }
        await flush;
        Assert.True(data.AsSpan().SequenceEqual(received));
        // The count is added when the send completes, which can be just after the bytes arrived.
        var ct = TestNet.Bounded();
        while (client.BytesSent < data.Length && !ct.IsCancellationRequested)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.Equal(data.Length, client.BytesSent);
        Assert.Equal(data.Length, ((SocketConnection)server).BytesReceived);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Data_written_by_reference_goes_out_between_what_was_written_before_and_after(bool tls)
    {
        // head (pipe, not flushed) + body by reference + tail (pipe), three times, with a large body.
        using var cert = TestNet.SelfSigned();
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), tls: tls ? new TlsServerOptions(cert) : null);
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        var clientTls = tls ? new TlsClientOptions { TargetHost = "localhost", RemoteCertificateValidation = (_, _, _, _) => true } : null;
        await using var client = await SocketConnection.ConnectAsync(listener.LocalEndPoint, tls: clientTls, ct: TestNet.Bounded());
        await using var server = (await acceptTask)!;
        var body = new byte[3 * 1024 * 1024];
        new Random(3).NextBytes(body);
        var expected = new MemoryStream();
        var reading = Task.Run(async () =>
        {
            var received = new MemoryStream();
            var input = server.Transport.Input;
            while (received.Length < 3 * (body.Length + 10))
            {
                var result = await input.ReadAsync(TestNet.Bounded());
                foreach (var segment in result.Buffer)
                {
                    received.Write(segment.Span);
                }
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
            return received.ToArray();
        });
        var output = client.Transport.Output;
        for (int i = 0; i < 3; i++)
        {
            var head = Encoding.ASCII.GetBytes($"head{i}");
            output.Write(head);
            await client.WriteByReferenceAsync(body, TestNet.Bounded());
            var tail = Encoding.ASCII.GetBytes($"tail{i}");
            output.Write(tail);
            await output.FlushAsync(TestNet.Bounded());
            expected.Write(head);
            expected.Write(body);
            expected.Write(tail);
        }
        var got = await reading;
        Assert.Equal(expected.Length, got.Length);
        int same = expected.ToArray().AsSpan().CommonPrefixLength(got);
        Assert.True(same == got.Length, $"the bytes differ from offset {same} on");
    }

    [Fact]
    public async Task A_write_by_reference_stuck_behind_a_peer_that_never_reads_fails_when_the_connection_aborts()
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sink.Listen(1);
        var options = new SocketConnectionOptions { SocketSendBufferSize = 4096, CloseTimeout = TimeSpan.FromMilliseconds(200) };
        await using var client = await SocketConnection.ConnectAsync((IPEndPoint)sink.LocalEndPoint!, options, ct: TestNet.Bounded());
        using var accepted = await sink.AcceptAsync(TestNet.Bounded());
        var write = client.WriteByReferenceAsync(new byte[16 * 1024 * 1024], TestNet.Bounded()).AsTask();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(write.IsCompleted);
        client.Abort("peer not reading");
        await Assert.ThrowsAnyAsync<IOException>(() => write.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken));
        // Afterwards the connection refuses at once.
        await Assert.ThrowsAnyAsync<IOException>(() => client.WriteByReferenceAsync(new byte[10], TestNet.Bounded()).AsTask());
    }

    [Fact]
    public async Task Backpressure_a_peer_that_never_reads_makes_FlushAsync_wait()
    {
        // A listener whose accepted socket is never read, with small kernel buffers on both sides.
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sink.Listen(1);
        var options = new SocketConnectionOptions { MaxWriteBufferSize = 64 * 1024, SocketSendBufferSize = 4096, CloseTimeout = TimeSpan.FromMilliseconds(200) };
        await using var client = await SocketConnection.ConnectAsync((IPEndPoint)sink.LocalEndPoint!, options, ct: TestNet.Bounded());
        using var accepted = await sink.AcceptAsync(TestNet.Bounded());

        var chunk = new byte[16 * 1024];
        long written = 0;
        Task<FlushResult> pending = Task.FromResult(default(FlushResult));
        bool blocked = false;
        for (int i = 0; i < 1000; i++) // at most 16 MB
        {
            pending = client.Transport.Output.WriteAsync(chunk, TestNet.Bounded()).AsTask();
            written += chunk.Length;
            await Task.WhenAny(pending, Task.Delay(500, TestContext.Current.CancellationToken));
            if (!pending.IsCompleted)
            {
                blocked = true;
                break;
            }
            Assert.False((await pending).IsCompleted);
        }
        Assert.True(blocked, $"FlushAsync never waited after {written} bytes");
        // Bounded: the pipe threshold plus kernel buffers, far below the 16 MB the loop could have written.
        Assert.True(written < 4 * 1024 * 1024, $"{written} bytes were buffered");
        Assert.Equal(TransportLoopStatus.AwaitingSocket, client.SendStatus);

        client.Abort("peer not reading");
        var flush = await pending.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken);
        Assert.True(flush.IsCompleted || flush.IsCanceled);
        Assert.Equal(TransportShutdownReason.LocalAbort, client.ShutdownReason);
    }

    [Fact]
    public async Task Tls_round_trip_with_a_self_signed_certificate()
    {
        using var cert = TestNet.SelfSigned();
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), tls: new TlsServerOptions(cert));
        Assert.True(listener.IsTls);
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        var tls = new TlsClientOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidation = (_, c, _, _) => c is not null && c.GetCertHashString() == cert.GetCertHashString(),
        };
        await using var client = await SocketConnection.ConnectAsync(listener.LocalEndPoint, tls: tls, ct: TestNet.Bounded());
        await using var server = (await acceptTask)!;
        Assert.True(client.IsSecure);
        Assert.True(server.IsSecure);
        Assert.True(client.SslProtocol is SslProtocols.Tls12 or SslProtocols.Tls13, client.SslProtocol.ToString());

        await client.Transport.Output.WriteAsync("secret"u8.ToArray(), TestNet.Bounded());
        Assert.Equal("secret", await ReadTextAsync(server.Transport.Input, 6));
        await server.Transport.Output.WriteAsync("reply"u8.ToArray(), TestNet.Bounded());
        Assert.Equal("reply", await ReadTextAsync(client.Transport.Input, 5));
    }

    [Fact]
    public async Task Tls_client_rejecting_the_certificate_fails_to_connect()
    {
        using var cert = TestNet.SelfSigned();
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), tls: new TlsServerOptions(cert) { HandshakeTimeout = TimeSpan.FromSeconds(2) });
        _ = listener.AcceptAsync(TestNet.Bounded());
        await Assert.ThrowsAsync<AuthenticationException>(async () =>
            await SocketConnection.ConnectAsync(listener.LocalEndPoint, tls: new TlsClientOptions { TargetHost = "localhost", RemoteCertificateValidation = (_, _, _, _) => false }, ct: TestNet.Bounded()));
    }

    [Fact]
    public async Task Tls_listener_drops_a_failed_handshake_and_keeps_accepting()
    {
        using var cert = TestNet.SelfSigned();
        await using var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0), tls: new TlsServerOptions(cert) { HandshakeTimeout = TimeSpan.FromSeconds(2) });
        var acceptTask = listener.AcceptAsync(TestNet.Bounded()).AsTask();

        // Plain text instead of a ClientHello.
        using (var garbage = await TestNet.ConnectAsync(listener.LocalEndPoint))
        {
            await garbage.SendAsync("OPTIONS sip:x SIP/2.0\r\n\r\n"u8.ToArray(), SocketFlags.None, TestNet.Bounded());
            Assert.True(await TestNet.WaitClosedAsync(garbage, TestNet.Timeout));
        }
        for (int i = 0; i < 250 && listener.FailedHandshakes == 0; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.Equal(1, listener.FailedHandshakes);
        Assert.False(acceptTask.IsCompleted);

        await using var ok = await SocketConnection.ConnectAsync(listener.LocalEndPoint, tls: new TlsClientOptions { TargetHost = "localhost", RemoteCertificateValidation = (_, _, _, _) => true }, ct: TestNet.Bounded());
        await using var server = (await acceptTask.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken))!;
        Assert.True(server.IsSecure);
        Assert.Equal(ok.LocalEndPoint, server.RemoteEndPoint);
    }

    [Fact]
    public async Task Listener_dispose_ends_AcceptAsync_with_null()
    {
        var listener = SocketListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var accept = listener.AcceptAsync(TestNet.Bounded()).AsTask();
        await listener.DisposeAsync();
        Assert.Null(await accept.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken));
    }

    private static async Task WaitAsync(CancellationToken token)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var reg = token.Register(() => tcs.TrySetResult());
        await tcs.Task.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken);
    }
}
