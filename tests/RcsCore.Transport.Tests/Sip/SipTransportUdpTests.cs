using System.Net;
using System.Net.Sockets;
using System.Text;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;
using static RcsCore.Transport.Tests.Sip.SipTestMessages;

namespace RcsCore.Transport.Tests.Sip;

public class SipTransportUdpTests
{
    private static async Task<string> ReceiveTextAsync(Socket socket, TimeSpan? timeout = null)
    {
        var buf = new byte[65535];
        var any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var r = await socket.ReceiveFromAsync(buf, SocketFlags.None, any, TestNet.Bounded(timeout));
        return Encoding.UTF8.GetString(buf, 0, r.ReceivedBytes);
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Request_reaches_the_handler_with_its_source_and_the_response_goes_back(AddressFamily family)
    {
        var ip = TestNet.Loopback(family);
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, new SipTransportOptions { ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, ip)] });
        var local = layer.LocalEndPoints[0];
        Assert.NotEqual(0, local.Address.Port);

        using var peer = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(ip, 0));
        var peerEp = (IPEndPoint)peer.LocalEndPoint!;
        await peer.SendToAsync(Bytes(Options("UDP", SipLayers.SentBy(peerEp), 1)), SocketFlags.None, local.Address, TestNet.Bounded());

        var inbound = await handler.NextAsync();
        Assert.Equal(new SipEndPoint(SipTransportProtocol.Udp, peerEp), inbound.Remote);
        Assert.Equal(local, inbound.Local);
        Assert.Equal(0, inbound.ConnectionId);
        var request = Assert.IsType<SipRequest>(inbound.Message);
        Assert.Null(request.TopVia!.Received); // sent-by is the source address: nothing to add

        await layer.SendResponseAsync(SipResponseBuilder.For(request, 200).Build(), inbound, TestNet.Bounded());
        var text = await ReceiveTextAsync(peer);
        Assert.StartsWith("SIP/2.0 200 OK\r\n", text, StringComparison.Ordinal);
        Assert.Contains("CSeq: 1 OPTIONS", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rport_and_received_are_stamped_and_the_response_follows_the_source_port()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, new SipTransportOptions { ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, IPAddress.Loopback)] });
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var peerEp = (IPEndPoint)peer.LocalEndPoint!;

        // A client behind a NAT: it believes it is 192.0.2.7:5060.
        await peer.SendToAsync(Bytes(Options("UDP", "192.0.2.7:5060", 7, ";rport")), SocketFlags.None, layer.LocalEndPoints[0].Address, TestNet.Bounded());
        var inbound = await handler.NextAsync();
        var via = inbound.Message.TopVia!;
        Assert.Equal("127.0.0.1", via.Received);
        Assert.Equal(peerEp.Port, via.RPort);
        Assert.StartsWith("z9hG4bK", via.Branch, StringComparison.Ordinal);

        var response = SipResponseBuilder.For((SipRequest)inbound.Message, 200).Build();
        Assert.Equal(peerEp.Port, response.TopVia!.RPort);
        var target = SipResponseRouting.ResolveResponseTarget(response, inbound);
        Assert.Equal(new SipEndPoint(SipTransportProtocol.Udp, peerEp), target.Destination);
        await layer.SendResponseAsync(response, inbound, TestNet.Bounded());
        var text = await ReceiveTextAsync(peer);
        Assert.StartsWith("SIP/2.0 200 OK", text, StringComparison.Ordinal);
        Assert.Contains($"received=127.0.0.1", text, StringComparison.Ordinal);
        Assert.Contains($"rport={peerEp.Port}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_datagrams_get_400_or_are_dropped_and_the_next_valid_one_arrives()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, new SipTransportOptions { ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, IPAddress.Loopback)] });
        var target = layer.LocalEndPoints[0].Address;
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var sentBy = SipLayers.SentBy((IPEndPoint)peer.LocalEndPoint!);

        // A request with a usable Via but a broken header: 400 back to the Via.
        var bad = Options("UDP", sentBy, 2, callId: "bad-1@test").Replace("Max-Forwards: 70", "Max-Forwards: seventy", StringComparison.Ordinal);
        await peer.SendToAsync(Bytes(bad), SocketFlags.None, target, TestNet.Bounded());
        var answer = await ReceiveTextAsync(peer);
        Assert.StartsWith("SIP/2.0 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("Call-ID: bad-1@test", answer, StringComparison.Ordinal);
        Assert.Contains("CSeq: 2 OPTIONS", answer, StringComparison.Ordinal);
        Assert.Contains("branch=z9hG4bK000002x", answer, StringComparison.Ordinal);

        // Not SIP at all, and a response: dropped silently.
        await peer.SendToAsync("hello there\r\n\r\n"u8.ToArray(), SocketFlags.None, target, TestNet.Bounded());
        await peer.SendToAsync("SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n"u8.ToArray(), SocketFlags.None, target, TestNet.Bounded());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ReceiveTextAsync(peer, TimeSpan.FromMilliseconds(300)));
        Assert.True(handler.All.IsEmpty);

        await peer.SendToAsync(Bytes(Options("UDP", sentBy, 3)), SocketFlags.None, target, TestNet.Bounded());
        var inbound = await handler.NextAsync();
        Assert.Equal(3u, inbound.Message.CSeq!.Value.Number);
    }

    [Fact]
    public async Task Wrong_version_gets_505()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, new SipTransportOptions { ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, IPAddress.Loopback)] });
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var bad = Options("UDP", SipLayers.SentBy((IPEndPoint)peer.LocalEndPoint!), 4).Replace("SIP/2.0\r\n", "SIP/3.0\r\n", StringComparison.Ordinal);
        await peer.SendToAsync(Bytes(bad), SocketFlags.None, layer.LocalEndPoints[0].Address, TestNet.Bounded());
        var answer = await ReceiveTextAsync(peer);
        Assert.StartsWith("SIP/2.0 505 Version Not Supported\r\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sending_without_a_udp_endpoint_for_the_family_fails_with_SipTransportException()
    {
        var handler = new RecordingHandler();
        await using var layer = await SipLayers.StartAsync(handler, new SipTransportOptions { ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Udp, IPAddress.Loopback)] });
        var request = Request("UDP", "127.0.0.1:5060", 1);
        var ex = await Assert.ThrowsAsync<SipTransportException>(async () =>
            await layer.SendAsync(request, new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.IPv6Loopback, 5060)), ct: TestNet.Bounded()));
        Assert.Contains("no UDP endpoint", ex.Message, StringComparison.Ordinal);
    }
}
