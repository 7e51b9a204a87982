using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Xunit;

namespace RcsCore.Transport.Tests;

public class UdpEndpointTests
{
    private sealed class Collector : IUdpDatagramHandler
    {
        public Channel<(byte[] Data, IPEndPoint Remote)> Received { get; } = Channel.CreateUnbounded<(byte[], IPEndPoint)>();

        public ValueTask OnDatagramAsync(UdpEndpoint endpoint, UdpDatagram datagram, CancellationToken ct = default)
        {
            Received.Writer.TryWrite((datagram.Data.ToArray(), datagram.RemoteEndPoint));
            return ValueTask.CompletedTask;
        }
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task One_datagram_is_one_buffer_and_replies_come_from_the_bound_port(AddressFamily family)
    {
        var ip = TestNet.Loopback(family);
        await using var udp = UdpEndpoint.Bind(new IPEndPoint(ip, 0));
        var collector = new Collector();
        using var stop = new CancellationTokenSource();
        var loop = udp.RunReceiveLoopAsync(collector, stop.Token);

        using var peer = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(ip, 0));
        for (int i = 0; i < 5; i++)
        {
            await peer.SendToAsync(new byte[] { (byte)i, 1, 2, 3 }, SocketFlags.None, udp.LocalEndPoint, TestNet.Bounded());
        }
        for (int i = 0; i < 5; i++)
        {
            var (data, remote) = await collector.Received.Reader.ReadAsync(TestNet.Bounded());
            Assert.Equal(4, data.Length);
            Assert.Equal(peer.LocalEndPoint, remote);
        }
        Assert.Equal(5, udp.DatagramsReceived);

        await udp.SendToAsync(new byte[] { 9, 9 }, peer.LocalEndPoint!, TestNet.Bounded());
        var buf = new byte[100];
        var r = await peer.ReceiveFromAsync(buf, SocketFlags.None, new IPEndPoint(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0), TestNet.Bounded());
        Assert.Equal(2, r.ReceivedBytes);
        Assert.Equal(udp.LocalEndPoint, r.RemoteEndPoint);

        await stop.CancelAsync();
        await loop.WaitAsync(TestNet.Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(TransportShutdownReason.LocalClose, udp.ReceiveStopReason);
        Assert.Equal(TransportLoopStatus.Stopped, udp.ReceiveStatus);
    }
}
