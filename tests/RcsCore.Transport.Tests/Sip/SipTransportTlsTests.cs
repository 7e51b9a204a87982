using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;
using static RcsCore.Transport.Tests.Sip.SipTestMessages;

namespace RcsCore.Transport.Tests.Sip;

public class SipTransportTlsTests
{
    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Request_and_response_between_two_layers_over_tls(AddressFamily family)
    {
        var ip = TestNet.Loopback(family);
        using var cert = TestNet.SelfSigned();
        string thumbprint = cert.GetCertHashString();
        var serverHandler = new RecordingHandler();
        var clientHandler = new RecordingHandler();
        await using var server = await SipLayers.StartAsync(serverHandler, new SipTransportOptions
        {
            ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Tls, ip)],
            TlsCertificate = cert,
        });
        await using var client = await SipLayers.StartAsync(clientHandler, new SipTransportOptions
        {
            TlsTargetHost = "localhost",
            // Pin the test certificate instead of trusting a chain.
            TlsRemoteCertificateValidation = (_, c, _, _) => c is not null && c.GetCertHashString() == thumbprint,
        });
        SipTransportLayer serverLayer = server;
        serverHandler.OnMessage = m => serverLayer.SendResponseAsync(SipResponseBuilder.For((SipRequest)m.Message, 200).Build(), m, TestNet.Bounded());

        var destination = server.LocalEndPoints[0];
        Assert.Equal(SipTransportProtocol.Tls, destination.Protocol);
        for (int i = 1; i <= 3; i++)
        {
            await client.SendAsync(Request("TLS", "client.invalid", i), destination, ct: TestNet.Bounded());
        }
        for (int i = 1; i <= 3; i++)
        {
            var request = await serverHandler.NextAsync();
            Assert.Equal(SipTransportProtocol.Tls, request.Remote.Protocol);
            Assert.Equal((uint)i, request.Message.CSeq!.Value.Number);
            var response = await clientHandler.NextAsync();
            Assert.Equal(200, Assert.IsType<SipResponse>(response.Message).StatusCode);
            Assert.Equal(SipTransportProtocol.Tls, response.Remote.Protocol);
        }
        Assert.Equal(1, server.AcceptedConnections);
        Assert.Equal(1, client.OpenedConnections);
    }

    [Fact]
    public async Task Untrusted_server_certificate_fails_the_send()
    {
        using var cert = TestNet.SelfSigned();
        await using var server = await SipLayers.StartAsync(new RecordingHandler(), new SipTransportOptions
        {
            ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Tls, IPAddress.Loopback)],
            TlsCertificate = cert,
        });
        // Default validation: a self-signed certificate is not trusted.
        await using var client = await SipLayers.StartAsync(new RecordingHandler(), new SipTransportOptions { TlsTargetHost = "localhost" });
        var ex = await Assert.ThrowsAsync<SipTransportException>(async () =>
            await client.SendAsync(Request("TLS", "client.invalid", 1), server.LocalEndPoints[0], ct: TestNet.Bounded()));
        Assert.Contains("Cannot connect", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.ConnectionCount);
    }

    [Fact]
    public void Tls_listener_without_certificate_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [SipLayers.Listen(SipTransportProtocol.Tls, IPAddress.Loopback)],
        }));
    }
}
