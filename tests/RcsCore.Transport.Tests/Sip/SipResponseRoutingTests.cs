using System.Net;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Transport.Tests.Sip;

public class SipResponseRoutingTests
{
    private static readonly IPEndPoint Source = new(IPAddress.Parse("203.0.113.9"), 40000);

    private static SipViaHeader Via(string host, int port, params (string Key, string? Value)[] ps)
        => new("UDP", host, port, ps.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).ToList());

    [Fact]
    public void Sent_by_equal_to_the_source_is_left_alone()
    {
        var via = Via("203.0.113.9", 5060, ("branch", "z9hG4bK1"));
        Assert.Same(via, SipResponseRouting.StampReceived(via, Source));
    }

    [Fact]
    public void A_name_or_different_address_gets_received()
    {
        var stamped = SipResponseRouting.StampReceived(Via("pc33.example.com", 5060, ("branch", "z9hG4bK1")), Source);
        Assert.Equal("203.0.113.9", stamped.Received);
        Assert.Equal("SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK1;received=203.0.113.9", stamped.ToString());
        Assert.Equal("203.0.113.9", SipResponseRouting.StampReceived(Via("192.0.2.1", -1), Source).Received);
    }

    [Fact]
    public void Rport_is_filled_and_received_always_added()
    {
        // RFC 3581 §4: received even when sent-by equals the source.
        var stamped = SipResponseRouting.StampReceived(Via("203.0.113.9", 5060, ("rport", null), ("branch", "z9hG4bK1")), Source);
        Assert.Equal("SIP/2.0/UDP 203.0.113.9:5060;rport=40000;branch=z9hG4bK1;received=203.0.113.9", stamped.ToString());
    }

    [Fact]
    public void Ipv6_source_is_written_without_brackets()
    {
        var stamped = SipResponseRouting.StampReceived(Via("host.example", 5060), new IPEndPoint(IPAddress.IPv6Loopback, 5))
            ;
        Assert.Equal("::1", stamped.Received);
        Assert.Equal(IPAddress.IPv6Loopback, SipResponseRouting.ParseNumericHost("[::1]"));
        Assert.Null(SipResponseRouting.ParseNumericHost("example.com"));
    }

    [Fact]
    public void Udp_response_goes_to_received_and_sent_by_port()
    {
        var via = Via("pc33.example.com", 5070, ("received", "203.0.113.9"));
        var t = SipResponseRouting.ResolveResponseTarget(via, new SipEndPoint(SipTransportProtocol.Udp, Source), 0);
        Assert.Equal(new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("203.0.113.9"), 5070)), t.Destination);
        Assert.Equal(0, t.ConnectionId);

        var noPort = SipResponseRouting.ResolveResponseTarget(Via("203.0.113.9", -1), new SipEndPoint(SipTransportProtocol.Udp, Source), 0);
        Assert.Equal(5060, noPort.Destination.Address.Port);
    }

    [Fact]
    public void Udp_response_with_rport_goes_to_the_source_port()
    {
        var via = Via("10.0.0.1", 5060, ("rport", "40000"), ("received", "203.0.113.9"));
        var t = SipResponseRouting.ResolveResponseTarget(via, new SipEndPoint(SipTransportProtocol.Udp, Source), 0);
        Assert.Equal(Source, t.Destination.Address);
    }

    [Fact]
    public void Udp_response_with_maddr_goes_there()
    {
        var via = Via("10.0.0.1", 5062, ("maddr", "239.1.1.1"));
        var t = SipResponseRouting.ResolveResponseTarget(via, new SipEndPoint(SipTransportProtocol.Udp, Source), 0);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("239.1.1.1"), 5062), t.Destination.Address);
    }

    [Fact]
    public void Stream_response_prefers_the_connection_and_falls_back_to_received_and_sent_by_port()
    {
        var via = new SipViaHeader("TLS", "client.example", -1, [new("received", "203.0.113.9")]);
        var t = SipResponseRouting.ResolveResponseTarget(via, new SipEndPoint(SipTransportProtocol.Tls, Source), 42);
        Assert.Equal(42, t.ConnectionId);
        Assert.Equal(new SipEndPoint(SipTransportProtocol.Tls, new IPEndPoint(IPAddress.Parse("203.0.113.9"), 5061)), t.Destination);
    }
}
