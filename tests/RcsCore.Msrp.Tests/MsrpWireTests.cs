using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>Receiver checks and transactions seen on the wire with a hand-driven peer (RFC 4975 §7.3, §10).</summary>
public sealed class MsrpWireTests
{
    private static string Send(string tid, string to, string from, string body = "hi", string contentType = "text/plain", string method = "SEND", string extra = "") =>
        $"MSRP {tid} {method}\r\nTo-Path: {to}\r\nFrom-Path: {from}\r\nMessage-ID: m{tid}\r\n{extra}Byte-Range: 1-{body.Length}/{body.Length}\r\nContent-Type: {contentType}\r\n\r\n{body}\r\n-------{tid}$\r\n";

    [Fact]
    public async Task Unknown_session_gets_481_unknown_method_501_and_other_connection_506()
    {
        await using var endpoint = TestNet.Endpoint();
        var session = endpoint.CreateSession();
        const string peer = "msrp://127.0.0.1:9/peer1234;tcp";
        await session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse(peer)]), active: false, TestNet.Bounded());
        await using var raw = await RawMsrpPeer.ConnectAsync(endpoint.LocalEndPoint);

        string unknown = $"msrp://{endpoint.Host}:{endpoint.LocalEndPoint.Port}/nosuchsession;tcp";
        await raw.SendAsync(Send("t481", unknown, peer));
        var r1 = await raw.ReadMessageAsync();
        Assert.StartsWith("MSRP t481 481 ", r1);
        Assert.Equal(peer, RawMsrpPeer.Header(r1!, "To-Path"));

        await raw.SendAsync($"MSRP t501 FOO\r\nTo-Path: {session.LocalUri}\r\nFrom-Path: {peer}\r\n-------t501$\r\n");
        Assert.StartsWith("MSRP t501 501 ", await raw.ReadMessageAsync());

        // The first request binds the passive session to this connection (RFC 4975 §5.4)...
        await raw.SendAsync(Send("t200", session.LocalUri.ToString(), peer, "hello"));
        Assert.StartsWith("MSRP t200 200 OK", await raw.ReadMessageAsync());
        var message = await session.ReceiveAsync(TestNet.Bounded());
        Assert.Equal("hello", Encoding.UTF8.GetString(await message.ReadAllBytesAsync(ct: TestNet.Bounded())));

        // ...so a request on another connection is answered 506.
        await using var other = await RawMsrpPeer.ConnectAsync(endpoint.LocalEndPoint);
        await other.SendAsync(Send("t506", session.LocalUri.ToString(), peer));
        Assert.StartsWith("MSRP t506 506 ", await other.ReadMessageAsync());
    }

    [Fact]
    public async Task Failure_report_no_gets_no_response_and_success_report_yields_a_report()
    {
        await using var endpoint = TestNet.Endpoint();
        var session = endpoint.CreateSession();
        const string peer = "msrp://127.0.0.1:9/peer5678;tcp";
        await session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse(peer)]), active: false, TestNet.Bounded());
        await using var raw = await RawMsrpPeer.ConnectAsync(endpoint.LocalEndPoint);

        await raw.SendAsync(Send("fno1", session.LocalUri.ToString(), peer, "quiet", extra: "Failure-Report: no\r\n"));
        await raw.SendAsync(Send("srep", session.LocalUri.ToString(), peer, "loud", extra: "Success-Report: yes\r\n"));
        var first = await raw.ReadMessageAsync();
        var second = await raw.ReadMessageAsync();
        // No response for "fno1" (RFC 4975 §7.1.2); a 200 for "srep", then its success REPORT.
        var messages = new[] { first!, second! };
        Assert.DoesNotContain(messages, m => m.StartsWith("MSRP fno1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("MSRP srep 200", StringComparison.Ordinal));
        var report = Assert.Single(messages, m => m.Contains(" REPORT\r\n", StringComparison.Ordinal));
        Assert.Equal(peer, RawMsrpPeer.Header(report, "To-Path"));
        Assert.Equal("msrep", RawMsrpPeer.Header(report, "Message-ID"));
        Assert.Equal("1-4/4", RawMsrpPeer.Header(report, "Byte-Range"));
        Assert.Equal("000 200 OK", RawMsrpPeer.Header(report, "Status"));
    }

    [Fact]
    public async Task Out_of_order_and_duplicate_chunks_are_reassembled()
    {
        await using var endpoint = TestNet.Endpoint();
        var session = endpoint.CreateSession();
        const string peer = "msrp://127.0.0.1:9/peer9999;tcp";
        await session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse(peer)]), active: false, TestNet.Bounded());
        await using var raw = await RawMsrpPeer.ConnectAsync(endpoint.LocalEndPoint);
        string to = session.LocalUri.ToString();
        string Chunk(string tid, int start, string data, char flag) =>
            $"MSRP {tid} SEND\r\nTo-Path: {to}\r\nFrom-Path: {peer}\r\nMessage-ID: ooo1\r\nByte-Range: {start}-{start + data.Length - 1}/12\r\nContent-Type: text/plain\r\n\r\n{data}\r\n-------{tid}{flag}\r\n";
        await raw.SendAsync(Chunk("c3", 9, "IJKL", '$'));
        await raw.SendAsync(Chunk("c1", 1, "ABCD", '+'));
        await raw.SendAsync(Chunk("c1b", 1, "ABCD", '+'));
        await raw.SendAsync(Chunk("c2", 5, "EFGH", '+'));
        var message = await session.ReceiveAsync(TestNet.Bounded());
        Assert.Equal(12, message.TotalSize);
        Assert.Equal("ABCDEFGHIJKL", Encoding.ASCII.GetString(await message.ReadAllBytesAsync(ct: TestNet.Bounded())));
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion.WaitAsync(TestNet.Bounded()));
    }

    [Fact]
    public async Task Transaction_without_response_times_out_with_408()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var endpoint = TestNet.Endpoint(time: time, transactionTimeout: TimeSpan.FromSeconds(30));
        var session = endpoint.CreateSession();
        var start = session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse($"msrp://127.0.0.1:{port}/silent77;tcp")]), active: true, TestNet.Bounded()).AsTask();
        using var accepted = await listener.AcceptAsync(TestNet.Bounded());
        await using var raw = new RawMsrpPeer(accepted);
        var bind = await raw.ReadMessageAsync();
        Assert.NotNull(bind);
        Assert.Contains("Byte-Range: 1-0/0", bind, StringComparison.Ordinal);
        // Nothing answers: after 30 s of (fake) time the transaction fails with a local 408 (RFC 4975 §7.1.1).
        Assert.False(start.IsCompleted);
        for (int i = 0; i < 50 && !start.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        var error = await Assert.ThrowsAsync<MsrpException>(() => start);
        Assert.Equal(408, error.StatusCode);
    }

    [Theory]
    [InlineData(false)] // from memory: the socket holds a piece of the caller's memory
    [InlineData(true)]  // from a Stream: the writer waits on the output pipe's backpressure
    public async Task Cancelling_a_send_to_a_peer_that_stopped_reading_ends_it_and_closes_the_connection(bool fromStream)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var endpoint = TestNet.Endpoint();
        var session = endpoint.CreateSession();
        var start = session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse($"msrp://127.0.0.1:{port}/stall123;tcp")]), active: true, TestNet.Bounded()).AsTask();
        using var accepted = await listener.AcceptAsync(TestNet.Bounded());
        await using var raw = new RawMsrpPeer(accepted);
        var bind = (await raw.ReadMessageAsync())!;
        await raw.SendAsync(RawMsrpPeer.Ok(bind));
        await start.WaitAsync(TestNet.Bounded());
        Assert.Equal(1, endpoint.ConnectionCount);

        // The peer reads nothing more: 64 MB cannot all fit in the sockets' and pipes' buffers.
        var content = new byte[64 * 1024 * 1024];
        using var cancel = new CancellationTokenSource();
        var send = fromStream
            ? session.SendAsync(new MemoryStream(content), "application/octet-stream", new MsrpSendOptions(), cancel.Token).AsTask()
            : session.SendAsync(content, "application/octet-stream", new MsrpSendOptions(), cancel.Token).AsTask();
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.False(send.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken));
        var ct = TestNet.Bounded();
        while (endpoint.ConnectionCount > 0 && !ct.IsCancellationRequested)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.Equal(0, endpoint.ConnectionCount);
    }

    [Fact]
    public async Task Duplicate_responses_are_ignored()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var endpoint = TestNet.Endpoint();
        var session = endpoint.CreateSession();
        var start = session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse($"msrp://127.0.0.1:{port}/dup12345;tcp")]), active: true, TestNet.Bounded()).AsTask();
        using var accepted = await listener.AcceptAsync(TestNet.Bounded());
        await using var raw = new RawMsrpPeer(accepted);
        var bind = (await raw.ReadMessageAsync())!;
        await raw.SendAsync(RawMsrpPeer.Ok(bind) + RawMsrpPeer.Ok(bind));
        await start.WaitAsync(TestNet.Bounded());
        var send = session.SendAsync("x"u8.ToArray(), "text/plain", ct: TestNet.Bounded()).AsTask();
        var request = (await raw.ReadMessageAsync())!;
        Assert.Contains("To-Path: msrp://127.0.0.1:" + port + "/dup12345;tcp", request, StringComparison.Ordinal);
        Assert.Contains("From-Path: " + session.LocalUri, request, StringComparison.Ordinal);
        await raw.SendAsync(RawMsrpPeer.Ok(request) + RawMsrpPeer.Ok(request));
        Assert.Equal(MsrpSendOutcome.Sent, (await send).Outcome);
    }
}
