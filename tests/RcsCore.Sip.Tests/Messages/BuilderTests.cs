using System.Buffers;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Sip.Tests.Messages;

public class BuilderTests
{
    internal static SipRequest NewInvite(string body = "v=0\r\n")
    {
        var b = new SipRequestBuilder("INVITE", SipUri.Parse("sip:bob@biloxi.example.com"));
        b.AddHeader(SipHeaderName.Via, "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds")
         .AddHeader(SipHeaderName.Via, "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1;received=192.0.2.1")
         .AddHeader(SipHeaderName.MaxForwards, "70")
         .AddHeader(SipHeaderName.RecordRoute, "<sip:proxy.example.com;lr>")
         .AddHeader(SipHeaderName.From, "Alice <sip:alice@atlanta.example.com>;tag=1928301774")
         .AddHeader(SipHeaderName.To, "Bob <sip:bob@biloxi.example.com>")
         .AddHeader(SipHeaderName.CallId, "a84b4c76e66710@pc33.atlanta.example.com")
         .AddHeader(SipHeaderName.CSeq, "314159 INVITE")
         .AddHeader(SipHeaderName.Contact, "<sip:alice@pc33.atlanta.example.com>")
         .AddHeader("X-Custom", "value with spaces")
         .SetBody(Encoding.UTF8.GetBytes(body), "application/sdp");
        return ((SipRequestBuilder)b).Build();
    }

    [Fact]
    public void BuildsAValidRequest()
    {
        var req = NewInvite();
        Assert.Equal("INVITE", req.Method);
        Assert.Equal("sip:bob@biloxi.example.com", req.RequestUriText);
        Assert.Equal(2, req.Vias.Count);
        Assert.Equal("1928301774", req.From!.Tag);
        Assert.Equal(new SipCSeq(314159, "INVITE"), req.CSeq);
        Assert.Equal("value with spaces", req.GetHeader("x-custom"));
        Assert.Equal("v=0\r\n", Encoding.UTF8.GetString(req.Body.Span));
        Assert.Equal("5", req.GetHeader(SipHeaderName.ContentLength));
        Assert.Null(SipRequestChecks.Check(req));
    }

    [Fact]
    public void ResponseFromRequestCopiesTheRfcHeaders()
    {
        // RFC 3261 §8.2.6.2
        var req = NewInvite();
        var resp = SipResponseBuilder.For(req, 180, toTag: "a6c85cf").Build();
        Assert.Equal(180, resp.StatusCode);
        Assert.Equal("Ringing", resp.ReasonPhrase);
        Assert.Equal(req.Vias.Select(v => v.Branch), resp.Vias.Select(v => v.Branch));
        Assert.Equal("192.0.2.1", resp.Vias[1].Received);
        Assert.Equal(req.From!.Tag, resp.From!.Tag);
        Assert.Equal("a6c85cf", resp.To!.Tag);
        Assert.Equal("Bob", resp.To.DisplayName);
        Assert.Equal(req.CallId, resp.CallId);
        Assert.Equal(req.CSeq, resp.CSeq);
        Assert.Single(resp.RecordRoutes); // §12.1.1
        Assert.Equal(0, resp.Body.Length);

        var trying = SipResponseBuilder.For(req, 100).Build();
        Assert.Null(trying.To!.Tag); // no tag in 100 (§8.2.6.2)
        Assert.Empty(trying.RecordRoutes);

        var busy = SipResponseBuilder.For(req, 486).Build();
        Assert.NotNull(busy.To!.Tag);
        Assert.Equal("Busy Here", busy.ReasonPhrase);
    }

    [Fact]
    public void RefusesToBuildInvalidSip()
    {
        var b = new SipRequestBuilder("OPTIONS", SipUri.Parse("sip:a@b"));
        b.AddHeader(SipHeaderName.CSeq, "not a cseq");
        Assert.Throws<InvalidOperationException>(() => b.Build());
    }

    [Fact]
    public void WriterProducesExactBytes()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new SipWriter(buffer);
        w.WriteStatusLine(200, "OK");
        w.WriteHeader(SipHeaderName.CallId, "x@y");
        w.WriteHeader("X-A", "b");
        w.WriteContentLength(2);
        w.WriteBody("hi"u8);
        Assert.Equal("SIP/2.0 200 OK\r\nCall-ID: x@y\r\nX-A: b\r\nContent-Length: 2\r\n\r\nhi", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WriteToReproducesParsedBytes()
    {
        var req = NewInvite();
        var buffer = new ArrayBufferWriter<byte>();
        req.WriteTo(buffer);
        Assert.True(buffer.WrittenSpan.SequenceEqual(req.Data.Span));
    }

    [Fact]
    public void UriEqualityFollowsRfc3261()
    {
        // RFC 3261 §19.1.4 examples.
        Assert.Equal(SipUri.Parse("sip:%61lice@atlanta.com;transport=TCP"), SipUri.Parse("sip:alice@AtLanTa.CoM;Transport=tcp"));
        Assert.Equal(SipUri.Parse("sip:carol@chicago.com"), SipUri.Parse("sip:carol@chicago.com;newparam=5"));
        Assert.Equal(SipUri.Parse("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com"), SipUri.Parse("sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
        Assert.NotEqual(SipUri.Parse("SIP:ALICE@AtLanTa.CoM;Transport=udp"), SipUri.Parse("sip:alice@AtLanTa.CoM;Transport=UDP"));
        Assert.NotEqual(SipUri.Parse("sip:bob@biloxi.com"), SipUri.Parse("sip:bob@biloxi.com:5060"));
        Assert.NotEqual(SipUri.Parse("sip:bob@biloxi.com"), SipUri.Parse("sip:bob@biloxi.com;transport=udp"));
        Assert.NotEqual(SipUri.Parse("sip:carol@chicago.com;security=on"), SipUri.Parse("sip:carol@chicago.com;security=off"));
        Assert.Equal(SipUri.Parse("tel:+1-201-555-0123"), SipUri.Parse("tel:+12015550123"));
    }

    [Fact]
    public void ProxyStyleCopyAndModify()
    {
        // RFC 3261 §16.6: copy, retarget, decrement Max-Forwards, add Record-Route and Via on top, pop the Route.
        var original = NewInvite();
        var b = SipRequestBuilder.FromRequest(original);
        b.RequestUri = SipUri.Parse("sip:bob@192.0.2.44:5070");
        b.SetHeader(SipHeaderName.MaxForwards, "69");
        b.PrependHeader(SipHeaderName.RecordRoute, "<sip:p2.example.com;lr>");
        b.InsertHeader(0, SipHeaderName.Via, "SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2");
        Assert.False(b.RemoveFirst(SipHeaderName.Route));
        var forwarded = b.Build();
        Assert.Equal("sip:bob@192.0.2.44:5070", forwarded.RequestUriText);
        Assert.Equal(69, forwarded.MaxForwards);
        Assert.Equal(["z9hG4bKp2", "z9hG4bK776asdhds", "z9hG4bKproxy1"], forwarded.Vias.Select(v => v.Branch));
        Assert.Equal(["sip:p2.example.com;lr", "sip:proxy.example.com;lr"], forwarded.RecordRoutes.Select(r => r.Uri.Text));
        Assert.Equal("value with spaces", forwarded.GetHeader("X-Custom"));
        Assert.Equal("X-Custom", forwarded.GetHeaderName(forwarded.IndexOf(SipHeaderName.Unknown, 0)));
        Assert.True(forwarded.Body.Span.SequenceEqual(original.Body.Span));
        Assert.Equal(1, forwarded.CountHeaders(SipHeaderName.ContentLength));

        var response = SipResponseBuilder.For(forwarded, 200).Build();
        var rb = SipResponseBuilder.FromResponse(response);
        Assert.True(rb.RemoveFirst(SipHeaderName.Via));
        var upstream = rb.Build();
        Assert.Equal(["z9hG4bK776asdhds", "z9hG4bKproxy1"], upstream.Vias.Select(v => v.Branch));
        Assert.Equal(response.To!.Tag, upstream.To!.Tag);
    }

    [Fact]
    public void WildcardContactParses()
    {
        // RFC 3261 §10.2.2: "Contact: *" removes all bindings; it must parse to a wildcard value.
        Assert.True(SipNameAddress.TryParse("*", out var star));
        Assert.True(star.IsWildcard);
        Assert.Equal("*", star.ToString());
        var list = new List<SipNameAddress>();
        Assert.True(SipNameAddress.TryParseList("*"u8, list));
        Assert.True(Assert.Single(list).IsWildcard);
    }
}
