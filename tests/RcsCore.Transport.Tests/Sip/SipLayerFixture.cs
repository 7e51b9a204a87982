using System.Net;
using System.Net.Sockets;
using RcsCore.Sip.Transport;

namespace RcsCore.Transport.Tests.Sip;

internal static class SipLayers
{
    public static async Task<SipTransportLayer> StartAsync(RecordingHandler handler, SipTransportOptions options)
    {
        var layer = new SipTransportLayer(options, handler);
        await layer.StartAsync(TestNet.Bounded());
        return layer;
    }

    public static SipEndPoint Listen(SipTransportProtocol protocol, IPAddress ip, int port = 0) => new(protocol, new IPEndPoint(ip, port));

    public static string SentBy(IPEndPoint ep) => ep.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : $"{ep.Address}:{ep.Port}";

    /// <summary>A port free for both UDP and TCP on the address (bounded retries).</summary>
    public static int FreeUdpAndTcpPort(IPAddress ip)
    {
        for (int i = 0; i < 50; i++)
        {
            using var u = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            u.Bind(new IPEndPoint(ip, 0));
            int port = ((IPEndPoint)u.LocalEndPoint!).Port;
            try
            {
                using var t = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                t.Bind(new IPEndPoint(ip, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP; try another.
            }
        }
        throw new InvalidOperationException("no port free for both UDP and TCP");
    }
}
