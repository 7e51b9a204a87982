using System.Text;
using RcsCore.Parsing.Sip;
using Xunit;

namespace RcsCore.Parsing.Tests.Sip;

public class ValueParserTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s);

    [Fact]
    public void ParsesFullSipUri()
    {
        var uri = B("sips:alice:secret@[2001:db8::10]:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent");
        Assert.Equal(SipParseError.None, SipUriParser.TryParse(uri, out var p));
        Assert.Equal(SipUriScheme.Sips, p.Scheme);
        Assert.Equal("alice", S(p.User));
        Assert.Equal("secret", S(p.Password));
        Assert.Equal("[2001:db8::10]", S(p.Host));
        Assert.Equal(5061, p.Port);
        Assert.Equal(";transport=tcp;lr;maddr=239.255.255.1", S(p.Parameters));
        Assert.Equal("subject=project%20x&priority=urgent", S(p.Headers));
        Assert.True(p.TryGetParameter("TRANSPORT"u8, out var t));
        Assert.Equal("tcp", S(t));
        Assert.True(p.TryGetParameter("lr"u8, out var lr));
        Assert.True(lr.IsEmpty);
    }

    [Theory]
    [InlineData("sip:example.com", null, "example.com", -1)]
    [InlineData("sip:+14155550100@10.0.2.20:5060", "+14155550100", "10.0.2.20", 5060)]
    [InlineData("sip:user;par=u%40example.net@example.com", "user;par=u%40example.net", "example.com", -1)]
    [InlineData("SIP:Bob@BILOXI.example.com", "Bob", "BILOXI.example.com", -1)]
    [InlineData("sip:[::1]:5070", null, "[::1]", 5070)]
    public void ParsesSipUriParts(string text, string? user, string host, int port)
    {
        Assert.Equal(SipParseError.None, SipUriParser.TryParse(B(text), out var p));
        Assert.Equal(user, p.HasUserInfo ? S(p.User) : null);
        Assert.Equal(host, S(p.Host));
        Assert.Equal(port, p.Port);
    }

    [Theory]
    [InlineData("tel:+1-201-555-0123", "+1-201-555-0123", "")]
    [InlineData("tel:7042;phone-context=example.com", "7042", ";phone-context=example.com")]
    [InlineData("tel:+14155550199", "+14155550199", "")]
    public void ParsesTelUris(string text, string number, string parameters)
    {
        Assert.Equal(SipParseError.None, SipUriParser.TryParse(B(text), out var p));
        Assert.Equal(SipUriScheme.Tel, p.Scheme);
        Assert.Equal(number, S(p.User));
        Assert.Equal(parameters, S(p.Parameters));
    }

    [Theory]
    [InlineData("sip:")]
    [InlineData("sip:@example.com")]
    [InlineData("sip:a@")]
    [InlineData("sip:a@b:99999")]
    [InlineData("sip:a@b:")]
    [InlineData("sip:a@[::1")]
    [InlineData("sip:a@[1:2:3]")]
    [InlineData("sip:a@b;")]
    [InlineData("sip:a@b;=x")]
    [InlineData("sip:a@b?")]
    [InlineData("sip:a%2@b")]
    [InlineData("sip:a b@c")]
    [InlineData("sip:a@b c")]
    [InlineData("tel:")]
    [InlineData("tel:+")]
    [InlineData("tel:12x4")]
    [InlineData(":nothing")]
    [InlineData("1sip:a@b")]
    [InlineData("noscheme")]
    public void RejectsMalformedUris(string text)
    {
        Assert.NotEqual(SipParseError.None, SipUriParser.TryParse(B(text), out _));
    }

    [Theory]
    [InlineData("::1", true)]
    [InlineData("2001:db8::10", true)]
    [InlineData("2001:db8:0:0:0:0:0:10", true)]
    [InlineData("::ffff:192.0.2.1", true)]
    [InlineData("fe80::", true)]
    [InlineData("::", true)]
    [InlineData("2001:db8::10::1", false)]
    [InlineData("2001:db8:0:0:0:0:0:0:10", false)]
    [InlineData("12345::1", false)]
    [InlineData("2001:db8:::1", false)]
    [InlineData("::ffff:192.0.2.256", false)]
    [InlineData("g::1", false)]
    [InlineData("1:2:3:4:5:6:7", false)]
    public void ValidatesIPv6(string text, bool valid)
    {
        Assert.Equal(valid, SipAddress.IsIPv6(B(text)));
    }

    [Fact]
    public void ParsesNameAddrForms()
    {
        Assert.Equal(SipParseError.None, SipNameAddrParser.TryParse(B("\"Alice \\\"A\\\"\" <sip:alice@atlanta.com>;tag=1928301774"), out var na));
        Assert.Equal("\"Alice \\\"A\\\"\"", S(na.DisplayName));
        Assert.Equal("sip:alice@atlanta.com", S(na.Uri));
        Assert.Equal("1928301774", S(na.Tag));
        Assert.True(na.IsBracketed);

        Assert.Equal(SipParseError.None, SipNameAddrParser.TryParse(B("sip:bob@biloxi.com ; tag = a6c85cf"), out var spec));
        Assert.Equal("sip:bob@biloxi.com", S(spec.Uri));
        Assert.Equal("a6c85cf", S(spec.Tag));
        Assert.False(spec.IsBracketed);

        Assert.Equal(SipParseError.None, SipNameAddrParser.TryParse(B("Bob Smith <tel:+1555>"), out var tokens));
        Assert.Equal("Bob Smith", S(tokens.DisplayName));
    }

    [Fact]
    public void ParsesNameAddrListsAndWildcard()
    {
        var value = B("<sip:a@x;lr>, \"B\" <sip:b@y>;expires=60 ,sip:c@z;q=0.5");
        int pos = 0;
        var uris = new List<string>();
        while (pos < value.Length)
        {
            Assert.Equal(SipParseError.None, SipNameAddrParser.TryParseNext(value, ref pos, false, out var na, out _));
            uris.Add(S(na.Uri));
        }
        Assert.Equal(["sip:a@x;lr", "sip:b@y", "sip:c@z"], uris);

        int p2 = 0;
        Assert.Equal(SipParseError.None, SipNameAddrParser.TryParseNext(B("*"), ref p2, true, out var star, out _));
        Assert.True(star.IsWildcard);
        int p3 = 0;
        Assert.Equal(SipParseError.None, SipNameAddrParser.TryParseNext(B("*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\""), ref p3, true, out var ac, out _));
        Assert.True(ac.TryGetParameter("+g.3gpp.icsi-ref"u8, out var icsi));
        Assert.Equal("\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"", S(icsi));
    }

    [Theory]
    [InlineData("<sip:a@b", SipParseError.InvalidNameAddr)]
    [InlineData("\"unterminated <sip:a@b>", SipParseError.UnterminatedQuotedString)]
    [InlineData("< sip:a@b>", SipParseError.InvalidNameAddr)]
    [InlineData("<sip:a@b>;", SipParseError.InvalidParameter)]
    [InlineData("<sip:a@b>;tag=", SipParseError.InvalidParameter)]
    [InlineData("<sip:a@b>;tag=\"x", SipParseError.UnterminatedQuotedString)]
    [InlineData("a, b <sip:a@b>", SipParseError.InvalidNameAddr)]
    [InlineData("sip:a@b?x=y", SipParseError.InvalidNameAddr)]
    [InlineData("<sip:a@b>,", SipParseError.InvalidNameAddr)]
    [InlineData("<sip:a@b> junk", SipParseError.InvalidNameAddr)]
    [InlineData("", SipParseError.InvalidNameAddr)]
    public void RejectsMalformedNameAddr(string text, SipParseError expected)
    {
        int pos = 0;
        Assert.Equal(expected, SipNameAddrParser.TryParseNext(B(text), ref pos, false, out _, out int at));
        Assert.InRange(at, 0, text.Length);
    }

    [Fact]
    public void ParsesViaWithFoldingAndSeveralValues()
    {
        var value = B("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239");
        int pos = 0;
        Assert.Equal(SipParseError.None, SipViaParser.TryParseNext(value, ref pos, out var v1, out _));
        Assert.Equal("TCP", S(v1.Transport));
        Assert.Equal("spindle.example.com", S(v1.Host));
        Assert.Equal("z9hG4bK9ikj8", S(v1.Branch));
        Assert.Equal(SipParseError.None, SipViaParser.TryParseNext(value, ref pos, out var v2, out _));
        Assert.Equal("UDP", S(v2.Transport));
        Assert.Equal("192.168.255.111", S(v2.Host));
        Assert.Equal("z9hG4bK30239", S(v2.Branch));
        Assert.Equal(value.Length, pos);
    }

    [Fact]
    public void ParsesViaReceivedRportAndIPv6()
    {
        Assert.Equal(SipParseError.None, SipViaParser.TryParseFirst(B("SIP/2.0/UDP [2001:db8::9]:5070;rport;received=2001:db8::9;branch=z9hG4bKx"), out var via));
        Assert.Equal("[2001:db8::9]", S(via.Host));
        Assert.Equal(5070, via.Port);
        Assert.True(via.TryGetRPort(out var rport));
        Assert.True(rport.IsEmpty);
        Assert.Equal("2001:db8::9", S(via.Received));
    }

    [Theory]
    [InlineData("SIP/2.0 host")]
    [InlineData("SIP/2.0/UDP")]
    [InlineData("SIP/2.0/UDP host;;branch=x")]
    [InlineData("SIP/2.0/UDP host:70000")]
    [InlineData("SIP/2.0/UDP host,")]
    [InlineData("SIP/2.0/UDP [::1;branch=x")]
    public void RejectsMalformedVia(string text)
    {
        int pos = 0;
        Assert.Equal(SipParseError.InvalidVia, SipViaParser.TryParseNext(B(text), ref pos, out _, out _));
    }

    [Theory]
    [InlineData("1 INVITE", 1u, "INVITE")]
    [InlineData("0009\r\n  INVITE", 9u, "INVITE")]
    [InlineData("2147483647 ACK", 2147483647u, "ACK")]
    public void ParsesCSeq(string text, uint n, string method)
    {
        Assert.Equal(SipParseError.None, SipValueParsers.TryParseCSeq(B(text), out var num, out var m));
        Assert.Equal(n, num);
        Assert.Equal(method, S(m));
    }

    [Theory]
    [InlineData("2147483648 INVITE")]
    [InlineData("-1 INVITE")]
    [InlineData("1")]
    [InlineData("INVITE")]
    [InlineData("1 INV ITE")]
    public void RejectsMalformedCSeq(string text)
    {
        Assert.Equal(SipParseError.InvalidCSeq, SipValueParsers.TryParseCSeq(B(text), out _, out _));
    }

    [Theory]
    [InlineData("Sat, 13 Nov 2010 23:29:00 GMT", true)]
    [InlineData("Fri, 01 Jan 2010 16:00:00 EST", false)]
    [InlineData("Sun, 31 Foo 2010 16:00:00 GMT", false)]
    [InlineData("Sat, 13 Nov 2010 23:29 GMT", false)]
    public void ValidatesDates(string text, bool ok)
    {
        Assert.Equal(ok, SipValueParsers.ValidateDate(B(text)) == SipParseError.None);
    }

    [Theory]
    [InlineData("application/sdp", "application", "sdp", "")]
    [InlineData("multipart/mixed;boundary=7a9cbec02ceef655", "multipart", "mixed", ";boundary=7a9cbec02ceef655")]
    [InlineData("text/plain ; charset=\"UTF-8\"", "text", "plain", " ; charset=\"UTF-8\"")]
    public void ParsesMediaTypes(string text, string type, string subtype, string parameters)
    {
        Assert.Equal(SipParseError.None, SipValueParsers.TryParseMediaType(B(text), out var t, out var st, out var p));
        Assert.Equal(type, S(t));
        Assert.Equal(subtype, S(st));
        Assert.Equal(parameters, S(p));
    }

    [Fact]
    public void EnumeratesParametersWithQuotedValues()
    {
        var names = new List<string>();
        var values = new List<string>();
        foreach (var p in new SipParameterEnumerator(B(";expires=600000;+sip.instance=\"<urn:gsma:imei:35209900-176148-0>\";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";lr")))
        {
            names.Add(S(p.Name));
            values.Add(S(p.Value));
        }
        Assert.Equal(["expires", "+sip.instance", "+g.3gpp.icsi-ref", "lr"], names);
        Assert.Equal("\"<urn:gsma:imei:35209900-176148-0>\"", values[1]);
        Assert.Equal("", values[3]);
    }

    [Fact]
    public void CallIdRules()
    {
        Assert.Equal(SipParseError.None, SipValueParsers.ValidateCallId(B("f81d4fae7dec11d0a765@10.0.2.20")));
        Assert.Equal(SipParseError.None, SipValueParsers.ValidateCallId(B("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")));
        Assert.Equal(SipParseError.InvalidCallId, SipValueParsers.ValidateCallId(B("a@b@c")));
        Assert.Equal(SipParseError.InvalidCallId, SipValueParsers.ValidateCallId(B("a b")));
        Assert.Equal(SipParseError.InvalidCallId, SipValueParsers.ValidateCallId(B("")));
    }
}
