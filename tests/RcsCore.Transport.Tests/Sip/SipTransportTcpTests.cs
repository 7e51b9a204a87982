using System.Net;
using System.Net.Sockets;
using System.Text;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;
using static RcsCore.Transport.Tests.Sip.SipTestMessages;

namespace RcsCore.Transport.Tests.Sip;

public class SipTransportTcpTests
{
    private static SipTransportOptions Tcp(IPAddress ip, int maxConnections = 1024, TimeSpan? idle = null) => new()
    {
        ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Tcp, ip)],
        MaxConnections = maxConnections,
        IdleTimeout = idle ?? TimeSpan.FromMinutes(2),
    };

    [Fact]
    public async Task Many_messages_in_one_write_arrive_in_order()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback));
        using var client = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);
        var sentBy = SipLayers.SentBy((IPEndPoint)client.LocalEndPoint!);
        var sb = new StringBuilder();
        for (int i = 1; i <= 20; i++)
        {
            sb.Append(Options("TCP", sentBy, i, body: i % 3 == 0 ? "body " + i : ""));
        }
        await client.SendAsync(Bytes(sb.ToString()), SocketFlags.None, TestNet.Bounded());
        long connectionId = 0;
        for (int i = 1; i <= 20; i++)
        {
            var m = await handler.NextAsync();
            Assert.Equal((uint)i, m.Message.CSeq!.Value.Number);
            Assert.Equal(SipTransportProtocol.Tcp, m.Remote.Protocol);
            Assert.Equal(client.LocalEndPoint, m.Remote.Address);
            Assert.NotEqual(0, m.ConnectionId);
            connectionId = connectionId == 0 ? m.ConnectionId : connectionId;
            Assert.Equal(connectionId, m.ConnectionId);
        }
        Assert.Equal(1, layer.AcceptedConnections);
    }

    [Fact]
    public async Task One_message_in_one_byte_writes_arrives_whole()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback));
        using var client = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);
        var bytes = Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)client.LocalEndPoint!), 1, body: "hello body"));
        for (int i = 0; i < bytes.Length; i++)
        {
            await client.SendAsync(bytes.AsMemory(i, 1), SocketFlags.None, TestNet.Bounded());
            if (i % 32 == 0)
            {
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }
        }
        var m = await handler.NextAsync();
        Assert.Equal("hello body", Encoding.UTF8.GetString(m.Message.Body.Span));
        Assert.Equal(bytes, m.Message.Data.ToArray());
    }

    [Fact]
    public async Task Double_crlf_ping_gets_a_single_crlf_pong()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback));
        using var client = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);
        await client.SendAsync("\r\n\r\n"u8.ToArray(), SocketFlags.None, TestNet.Bounded());
        Assert.Equal("\r\n", await TestNet.ReadUntilAsync(client, s => s.Length >= 2));

        // The connection still carries SIP, and a ping split over two writes also counts.
        await client.SendAsync(Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)client.LocalEndPoint!), 1)), SocketFlags.None, TestNet.Bounded());
        await handler.NextAsync();
        await client.SendAsync("\r\n"u8.ToArray(), SocketFlags.None, TestNet.Bounded());
        await Task.Delay(50, TestContext.Current.CancellationToken);
        await client.SendAsync("\r\n"u8.ToArray(), SocketFlags.None, TestNet.Bounded());
        Assert.Equal("\r\n", await TestNet.ReadUntilAsync(client, s => s.Length >= 2));
    }

    [Fact]
    public async Task Malformed_stream_gets_400_and_is_closed_while_other_connections_keep_working()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback));
        using var good = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);
        using var bad = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);

        var text = Options("TCP", SipLayers.SentBy((IPEndPoint)bad.LocalEndPoint!), 5, callId: "broken@test")
            .Replace("Max-Forwards: 70", "Max-Forwards: 70x", StringComparison.Ordinal);
        await bad.SendAsync(Bytes(text), SocketFlags.None, TestNet.Bounded());
        var answer = await TestNet.ReadUntilAsync(bad, s => s.Contains("\r\n\r\n", StringComparison.Ordinal));
        Assert.StartsWith("SIP/2.0 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Call-ID: broken@test", answer, StringComparison.Ordinal);
        Assert.True(await TestNet.WaitClosedAsync(bad, TestNet.Timeout), "the malformed connection stays open");

        await good.SendAsync(Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)good.LocalEndPoint!), 6)), SocketFlags.None, TestNet.Bounded());
        var m = await handler.NextAsync();
        Assert.Equal(6u, m.Message.CSeq!.Value.Number);
        Assert.Single(handler.All);
    }

    [Fact]
    public async Task Garbage_without_a_request_line_is_closed_without_an_answer()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback));
        using var bad = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);
        await bad.SendAsync("\u0001\u0002garbage\r\n\r\n"u8.ToArray(), SocketFlags.None, TestNet.Bounded());
        // The first read sees the close (0 bytes or a reset), never an answer.
        var buf = new byte[1024];
        int n;
        try
        {
            n = await bad.ReceiveAsync(buf, SocketFlags.None, TestNet.Bounded());
        }
        catch (SocketException)
        {
            n = 0;
        }
        Assert.Equal(0, n);
        Assert.Empty(handler.All);
    }

    [Fact]
    public async Task Idle_connections_are_closed()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback, idle: TimeSpan.FromMilliseconds(300)));
        using var client = await TestNet.ConnectAsync(layer.LocalEndPoints[0].Address);
        await client.SendAsync(Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)client.LocalEndPoint!), 1)), SocketFlags.None, TestNet.Bounded());
        await handler.NextAsync();
        Assert.Equal(1, layer.ConnectionCount);
        var started = DateTime.UtcNow;
        Assert.True(await TestNet.WaitClosedAsync(client, TestNet.Timeout));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(150));
        for (int i = 0; i < 100 && layer.ConnectionCount != 0; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.Equal(0, layer.ConnectionCount);
    }

    [Fact]
    public async Task Max_connections_refuses_further_accepts()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, Tcp(IPAddress.Loopback, maxConnections: 2));
        var ep = layer.LocalEndPoints[0].Address;
        using var c1 = await TestNet.ConnectAsync(ep);
        using var c2 = await TestNet.ConnectAsync(ep);
        await c1.SendAsync(Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)c1.LocalEndPoint!), 1)), SocketFlags.None, TestNet.Bounded());
        await c2.SendAsync(Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)c2.LocalEndPoint!), 2)), SocketFlags.None, TestNet.Bounded());
        await handler.NextAsync();
        await handler.NextAsync();

        using var c3 = await TestNet.ConnectAsync(ep);
        Assert.True(await TestNet.WaitClosedAsync(c3, TestNet.Timeout), "the third connection was not refused");
        Assert.Equal(1, layer.RefusedConnections);
        Assert.Equal(2, layer.AcceptedConnections);

        await c1.SendAsync(Bytes(Options("TCP", SipLayers.SentBy((IPEndPoint)c1.LocalEndPoint!), 3)), SocketFlags.None, TestNet.Bounded());
        Assert.Equal(3u, (await handler.NextAsync()).Message.CSeq!.Value.Number);
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Second_send_reuses_the_connection_and_responses_come_back_on_it(AddressFamily family)
    {
        var ip = TestNet.Loopback(family);
        var serverHandler = new RecordingHandler();
        var clientHandler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(serverHandler, Tcp(ip));
        await using var client = await SipLayers.StartAsync(clientHandler, Tcp(ip));
        SipTransportLayer serverLayer = server;
        serverHandler.OnMessage = m => serverLayer.SendResponseAsync(SipResponseBuilder.For((SipRequest)m.Message, 200).Build(), m, TestNet.Bounded());

        var destination = server.LocalEndPoints[0];
        var sentBy = SipLayers.SentBy(client.LocalEndPoints[0].Address);
        await client.SendAsync(Request("TCP", sentBy, 1), destination, ct: TestNet.Bounded());
        await client.SendAsync(Request("TCP", sentBy, 2), destination, ct: TestNet.Bounded());

        var r1 = await clientHandler.NextAsync();
        var r2 = await clientHandler.NextAsync();
        Assert.Equal(200, Assert.IsType<SipResponse>(r1.Message).StatusCode);
        Assert.Equal(2u, r2.Message.CSeq!.Value.Number);
        Assert.Equal(r1.ConnectionId, r2.ConnectionId);

        Assert.Equal(1, server.AcceptedConnections);
        Assert.Equal(1, client.OpenedConnections);
        Assert.Equal(0, server.OpenedConnections);  // responses used the accepted connection
        Assert.Equal(0, client.AcceptedConnections);
        var requests = serverHandler.All.ToArray();
        Assert.Equal(requests[0].ConnectionId, requests[1].ConnectionId);
    }

    [Fact]
    public async Task Alias_in_via_lets_the_server_reuse_the_connection_for_requests_to_the_client()
    {
        var serverHandler = new RecordingHandler();
        var clientHandler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(serverHandler, Tcp(IPAddress.Loopback));
        await using var client = await SipLayers.StartAsync(clientHandler, Tcp(IPAddress.Loopback));
        var clientListen = client.LocalEndPoints[0];

        // RFC 5923: the client offers its connection for requests to its listening address.
        await client.SendAsync(Request("TCP", SipLayers.SentBy(clientListen.Address), 1, ";alias"), server.LocalEndPoints[0], ct: TestNet.Bounded());
        await serverHandler.NextAsync();

        await server.SendAsync(Request("TCP", SipLayers.SentBy(server.LocalEndPoints[0].Address), 100), clientListen, ct: TestNet.Bounded());
        var m = await clientHandler.NextAsync();
        Assert.Equal(100u, m.Message.CSeq!.Value.Number);
        Assert.Equal(0, client.AcceptedConnections);
        Assert.Equal(0, server.OpenedConnections);
    }

    [Fact]
    public async Task Without_alias_a_request_to_the_client_opens_a_new_connection()
    {
        var serverHandler = new RecordingHandler();
        var clientHandler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(serverHandler, Tcp(IPAddress.Loopback));
        await using var client = await SipLayers.StartAsync(clientHandler, Tcp(IPAddress.Loopback));
        var clientListen = client.LocalEndPoints[0];
        await client.SendAsync(Request("TCP", SipLayers.SentBy(clientListen.Address), 1), server.LocalEndPoints[0], ct: TestNet.Bounded());
        await serverHandler.NextAsync();
        await server.SendAsync(Request("TCP", SipLayers.SentBy(server.LocalEndPoints[0].Address), 100), clientListen, ct: TestNet.Bounded());
        await clientHandler.NextAsync();
        Assert.Equal(1, client.AcceptedConnections);
        Assert.Equal(1, server.OpenedConnections);
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork, 1000)]
    [InlineData(AddressFamily.InterNetworkV6, 200)]
    public async Task Messages_between_two_layers_arrive_in_order(AddressFamily family, int count)
    {
        var ip = TestNet.Loopback(family);
        var serverHandler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(serverHandler, Tcp(ip));
        await using var client = await SipLayers.StartAsync(new RecordingHandler(), new SipTransportOptions());
        var destination = server.LocalEndPoints[0];
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(30));
        for (int i = 1; i <= count; i++)
        {
            await client.SendAsync(Request("TCP", "client.invalid", i), destination, ct: ct);
        }
        for (int i = 1; i <= count; i++)
        {
            var m = await serverHandler.NextAsync();
            Assert.Equal((uint)i, m.Message.CSeq!.Value.Number);
            // RFC 3261 §18.2.1: sent-by is a name, so received is added.
            Assert.Equal(ip.ToString(), m.Message.TopVia!.Received);
        }
        Assert.Equal(1, server.AcceptedConnections);
    }

    [Fact]
    public async Task A_peer_that_never_reads_makes_sending_time_out_with_bounded_memory()
    {
        using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sink.Listen(1);
        await using var layer = await SipLayers.StartAsync(new RecordingHandler(), new SipTransportOptions
        {
            MaxConnectionSendBuffer = 64 * 1024,
            SocketSendBufferSize = 4096,
            SendTimeout = TimeSpan.FromMilliseconds(500),
        });
        var destination = new SipEndPoint(SipTransportProtocol.Tcp, (IPEndPoint)sink.LocalEndPoint!);
        var request = Request("TCP", "client.invalid", 1, body: new string('x', 1000));
        long sent = 0;
        SipTransportException? failure = null;
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 20_000 && failure is null; i++) // at most ~23 MB
        {
            try
            {
                await layer.SendAsync(request, destination, ct: ct);
                sent += request.Data.Length;
            }
            catch (SipTransportException ex)
            {
                failure = ex;
            }
        }
        Assert.NotNull(failure);
        Assert.Contains("timed out", failure.Message, StringComparison.Ordinal);
        Assert.Contains("not reading", failure.Message, StringComparison.Ordinal);
        Assert.True(sent < 4 * 1024 * 1024, $"{sent} bytes were accepted before backpressure");
        for (int i = 0; i < 100 && layer.ConnectionCount != 0; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.Equal(0, layer.ConnectionCount); // the stuck connection was aborted
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_fails_with_SipTransportException()
    {
        await using var layer = await SipLayers.StartAsync(new RecordingHandler(), new SipTransportOptions());
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var ex = await Assert.ThrowsAsync<SipTransportException>(async () =>
            await layer.SendAsync(Request("TCP", "x.invalid", 1), new SipEndPoint(SipTransportProtocol.Tcp, (IPEndPoint)s.LocalEndPoint!), ct: TestNet.Bounded()));
        Assert.Contains("Cannot connect", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, layer.ConnectionCount);
    }

    [Fact]
    public async Task Large_udp_request_goes_over_tcp_with_the_via_rewritten()
    {
        int port = SipLayers.FreeUdpAndTcpPort(IPAddress.Loopback);
        var serverHandler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(serverHandler, new SipTransportOptions
        {
            ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, IPAddress.Loopback, port), SipLayers.Listen(SipTransportProtocol.Tcp, IPAddress.Loopback, port)],
        });
        await using var client = await SipLayers.StartAsync(new RecordingHandler(), new SipTransportOptions
        {
            ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, IPAddress.Loopback)],
        });
        var sentBy = SipLayers.SentBy(client.LocalEndPoints[0].Address);
        var destination = new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, port));

        await client.SendAsync(Request("UDP", sentBy, 1, body: "small"), destination, ct: TestNet.Bounded());
        var small = await serverHandler.NextAsync();
        Assert.Equal(SipTransportProtocol.Udp, small.Remote.Protocol);

        await client.SendAsync(Request("UDP", sentBy, 2, body: new string('b', 1400)), destination, ct: TestNet.Bounded());
        var large = await serverHandler.NextAsync();
        Assert.Equal(SipTransportProtocol.Tcp, large.Remote.Protocol);
        Assert.Equal("TCP", large.Message.TopVia!.Transport);
        Assert.Equal(1400, large.Message.Body.Length);
        Assert.Equal(1, client.OpenedConnections);
    }
}

public class SipTransportTcpRoutingTests
{
    [Fact]
    public async Task Response_after_the_connection_closed_goes_to_a_new_connection_at_the_via_sent_by()
    {
        var handler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(handler, new SipTransportOptions { ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Tcp, IPAddress.Loopback)] });

        // The client listens on its own port and says so in sent-by, then drops the connection it sent on.
        using var clientListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        clientListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        clientListener.Listen(1);
        var sentBy = SipLayers.SentBy((IPEndPoint)clientListener.LocalEndPoint!);
        using (var client = await TestNet.ConnectAsync(server.LocalEndPoints[0].Address))
        {
            await client.SendAsync(Bytes(Options("TCP", sentBy, 9)), SocketFlags.None, TestNet.Bounded());
        }
        var inbound = await handler.NextAsync();
        for (int i = 0; i < 250 && server.ConnectionCount != 0; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        Assert.Equal(0, server.ConnectionCount);

        // RFC 3261 §18.2.2: the connection is gone, so connect to the received address and the sent-by port.
        await server.SendResponseAsync(SipResponseBuilder.For((SipRequest)inbound.Message, 200).Build(), inbound, TestNet.Bounded());
        using var back = await clientListener.AcceptAsync(TestNet.Bounded());
        var text = await TestNet.ReadUntilAsync(back, s => s.Contains("\r\n\r\n", StringComparison.Ordinal));
        Assert.StartsWith("SIP/2.0 200 OK", text, StringComparison.Ordinal);
        Assert.Equal(1, server.OpenedConnections);
    }

    [Fact]
    public async Task Oversized_message_on_a_stream_gets_513_and_a_close()
    {
        var handler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(handler, new SipTransportOptions
        {
            ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Tcp, IPAddress.Loopback)],
            Limits = RcsCore.Parsing.Sip.SipLimits.Default with { MaxMessageSize = 2048 },
        });
        using var client = await TestNet.ConnectAsync(server.LocalEndPoints[0].Address);
        var text = Options("TCP", SipLayers.SentBy((IPEndPoint)client.LocalEndPoint!), 1, body: new string('z', 4000));
        await client.SendAsync(Bytes(text), SocketFlags.None, TestNet.Bounded());
        var answer = await TestNet.ReadUntilAsync(client, s => s.Contains("\r\n\r\n", StringComparison.Ordinal));
        Assert.StartsWith("SIP/2.0 513 Message Too Large\r\n", answer, StringComparison.Ordinal);
        Assert.True(await TestNet.WaitClosedAsync(client, TestNet.Timeout));
        Assert.Empty(handler.All);
    }
}
