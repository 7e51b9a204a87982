using System.Net;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Transport.Tests.Sip;

public class StaticSipTargetResolverTests
{
    private static readonly StaticSipTargetResolver Resolver = new(new Dictionary<string, IReadOnlyList<SipEndPoint>>
    {
        ["proxy.example.com"] =
        [
            new SipEndPoint(SipTransportProtocol.Tls, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5061)),
            new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5060)),
            new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.11"), 5060)),
        ],
    });

    private static async Task<IReadOnlyList<SipEndPoint>> Resolve(string uri) => await Resolver.ResolveAsync(SipUri.Parse(uri), TestContext.Current.CancellationToken);

    private static SipEndPoint Ep(SipTransportProtocol p, string ip, int port) => new(p, new IPEndPoint(IPAddress.Parse(ip), port));

    [Theory]
    [InlineData("sip:192.0.2.1", SipTransportProtocol.Udp, "192.0.2.1", 5060)]
    [InlineData("sip:bob@192.0.2.1:5080", SipTransportProtocol.Udp, "192.0.2.1", 5080)]
    [InlineData("sip:192.0.2.1;transport=tcp", SipTransportProtocol.Tcp, "192.0.2.1", 5060)]
    [InlineData("sip:192.0.2.1;transport=TLS", SipTransportProtocol.Tls, "192.0.2.1", 5061)]
    [InlineData("sips:192.0.2.1", SipTransportProtocol.Tls, "192.0.2.1", 5061)]
    [InlineData("sips:192.0.2.1;transport=tcp", SipTransportProtocol.Tls, "192.0.2.1", 5061)]
    [InlineData("sip:[::1]:5070", SipTransportProtocol.Udp, "::1", 5070)]
    [InlineData("sip:bob@unknown.example;maddr=192.0.2.99", SipTransportProtocol.Udp, "192.0.2.99", 5060)]
    public async Task Numeric_hosts_resolve_to_themselves(string uri, SipTransportProtocol protocol, string ip, int port)
    {
        Assert.Equal([Ep(protocol, ip, port)], await Resolve(uri));
    }

    [Fact]
    public async Task Names_come_from_the_table_filtered_by_transport_and_scheme()
    {
        Assert.Equal(3, (await Resolve("sip:proxy.example.com")).Count);
        Assert.Equal([Ep(SipTransportProtocol.Tcp, "192.0.2.10", 5060)], await Resolve("sip:PROXY.example.com;transport=tcp"));
        Assert.Equal([Ep(SipTransportProtocol.Tls, "192.0.2.10", 5061)], await Resolve("sips:proxy.example.com"));
        // RFC 3263 §4.2: an explicit port overrides the table's.
        Assert.Equal([Ep(SipTransportProtocol.Udp, "192.0.2.11", 5090)], await Resolve("sip:proxy.example.com:5090;transport=udp"));
    }

    [Theory]
    [InlineData("sip:nowhere.example")]
    [InlineData("sips:192.0.2.1;transport=udp")]
    [InlineData("sip:192.0.2.1;transport=sctp")]
    [InlineData("tel:+15551234567")]
    public async Task Unresolvable_targets_give_an_empty_list(string uri)
    {
        Assert.Empty(await Resolve(uri));
    }
}
