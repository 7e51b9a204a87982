using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Sip.Tests.Messages;

/// <summary>The valid RFC 4475 messages parse with the right values (RFC 4475 §3.1.1, §3.3, §3.4).</summary>
public class TortureValueTests
{
    private static SipMessage Load(string file)
    {
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", file));
        var result = SipMessage.TryParse(bytes, SipFraming.Datagram, out var message);
        Assert.True(result.IsSuccess, $"{file}: {result.Message}");
        return message!;
    }

    private static SipRequest Request(string file) => Assert.IsType<SipRequest>(Load(file));

    [Fact]
    public void Wsinv()
    {
        var m = Request("wsinv.dat");
        Assert.Equal("INVITE", m.Method);
        Assert.Equal("sip:vivekg@chair-dnrc.example.com;unknownparam", m.RequestUriText);
        Assert.Equal("1918181833n", m.To!.Tag);
        Assert.Equal("sip:vivekg@chair-dnrc.example.com", m.To.Uri.Text);
        Assert.Equal("J Rosenberg \\\"", m.From!.DisplayName);
        Assert.Equal("98asjd8", m.From.Tag);
        Assert.Equal(68, m.MaxForwards);
        Assert.Equal(new SipCSeq(9, "INVITE"), m.CSeq);
        Assert.Equal("wsinv.ndaksdj@192.0.2.1", m.CallId);
        Assert.Equal(["UDP", "TCP", "UDP"], m.Vias.Select(v => v.Transport));
        Assert.Equal("390skdjuw", m.Vias[0].Branch);
        Assert.Equal("z9hG4bK30239", m.Vias[2].Branch);
        Assert.Equal("newfangled value\r\n continued newfangled value".Replace("\r\n", "", StringComparison.Ordinal), m.GetHeader("NewFangledHeader"));
        Assert.Equal(";;,,;;,;", m.GetHeader("UnknownHeaderWithUnusualValue"));
        var contact = Assert.Single(m.Contacts);
        Assert.Equal("Quoted string \"\"", contact.DisplayName);
        Assert.Equal("newvalue", contact.GetParameter("newparam"));
        Assert.Equal("0.33", contact.GetParameter("q"));
        Assert.True(Assert.Single(m.Routes).Uri.IsLooseRouting);
        Assert.Equal(150, m.Body.Length);
        Assert.Equal(string.Empty, m.GetHeader(SipHeaderName.Subject));
    }

    [Fact]
    public void Intmeth()
    {
        var m = Request("intmeth.dat");
        Assert.Equal("!interesting-Method0123456789_*+`.%indeed'~", m.Method);
        Assert.Equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", m.RequestUri.User);
        Assert.Equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", m.RequestUri.Password);
        Assert.Equal("BEL:\u0007 NUL:\0 DEL:\u007F", m.To!.DisplayName);
        Assert.Equal("token1~` token2'+_ token3*%!.-", m.From!.DisplayName);
        Assert.Equal("_token~1'+`*%!-.", m.From.Tag);
        Assert.Equal("\"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439\"", m.From.GetParameter("fromParam''~+*_!.-%"));
        Assert.Equal(new SipCSeq(139122385, m.Method), m.CSeq);
        Assert.Equal("z9hG4bK-.!%66*_+`'~", m.TopVia!.Branch);
    }

    [Fact]
    public void Esc01EscapedAndUnescapedFormsCompareEqual()
    {
        var m = Request("esc01.dat");
        Assert.Equal("sips:user@example.com", m.RequestUri.User);
        Assert.Equal(SipUri.Parse("sip:user@example.com"), m.To!.Uri);
        Assert.Equal("I have spaces", m.From!.Uri.User);
        var contact = Assert.Single(m.Contacts).Uri;
        Assert.Equal(SipUri.Parse("sip:caller@host5.example.net;lr;name=value%2541"), contact);
        Assert.Equal("caller", contact.User);
    }

    [Fact]
    public void EscnullKeepsNuls()
    {
        var m = Request("escnull.dat");
        Assert.Equal("null-\0-null", m.To!.Uri.User);
        Assert.Equal(2, m.Contacts.Count);
        Assert.Equal("\0", m.Contacts[0].Uri.User);
        Assert.Equal("\0\0", m.Contacts[1].Uri.User);
    }

    [Fact]
    public void Esc02PercentIsLiteralOutsideUris()
    {
        var m = Request("esc02.dat");
        Assert.Equal("RE%47IST%45R", m.Method);
        Assert.Equal("%Z%45", m.To!.DisplayName);
        Assert.Equal(2, m.Contacts.Count); // "C%6Fntact" is an unknown header, not Contact
        Assert.Equal("<sip:alias2@host2.example.com>", m.GetHeader("C%6Fntact"));
    }

    [Fact]
    public void LwsdispAndSemiuri()
    {
        Assert.Equal("caller", Request("lwsdisp.dat").From!.DisplayName);
        var semi = Request("semiuri.dat");
        Assert.Equal("user;par=u@example.net", semi.RequestUri.User);
        Assert.Equal("example.com", semi.RequestUri.Host);
        Assert.Empty(semi.RequestUri.Parameters);
        Assert.Contains("message/sipfrag", semi.GetHeader(SipHeaderName.Accept), StringComparison.Ordinal);
    }

    [Fact]
    public void LongreqHandlesLongValuesWithoutFixedBuffers()
    {
        var m = Request("longreq.dat");
        Assert.Equal(34, m.Vias.Count); // 28 Via lines in every letter case, some with several values
        Assert.StartsWith("I have a user name of extremeextreme", m.To!.DisplayName, StringComparison.Ordinal);
        Assert.True(m.To.DisplayName!.Length > 100);
        Assert.StartsWith("amazinglylongcallername", Assert.Single(m.Contacts).Uri.User, StringComparison.Ordinal);
        Assert.True(m.GetHeader("Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-Name")?.Length > 100);
    }

    [Fact]
    public void DblreqTakesOnlyContentLengthBytes()
    {
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", "dblreq.dat"));
        Assert.True(SipMessage.TryParse(bytes, SipFraming.Datagram, SipLimits.Default, out var m, out var info).IsSuccess);
        Assert.Equal(0, m!.Body.Length);
        Assert.True(info.TrailingBytes > 100);
        Assert.Equal("REGISTER", ((SipRequest)m).Method);
    }

    [Fact]
    public void TransportsAndUnreasonAndNoreason()
    {
        Assert.Equal(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"], Request("transports.dat").Vias.Select(v => v.Transport));
        var unreason = Assert.IsType<SipResponse>(Load("unreason.dat"));
        Assert.Equal(200, unreason.StatusCode);
        Assert.StartsWith("= 2**3 * 5**2 \u043d\u043e", unreason.ReasonPhrase, StringComparison.Ordinal);
        var noreason = Assert.IsType<SipResponse>(Load("noreason.dat"));
        Assert.Equal(100, noreason.StatusCode);
        Assert.Equal(string.Empty, noreason.ReasonPhrase);
    }

    [Fact]
    public void ContactParameterPlacement()
    {
        // RFC 4475 §3.3.12: outside <> the parameter belongs to the header; §3.3.13: inside, to the URI.
        var c1 = Assert.Single(Request("cparam01.dat").Contacts);
        Assert.Equal(string.Empty, c1.GetParameter("unknownparam"));
        Assert.Empty(c1.Uri.Parameters);
        var c2 = Assert.Single(Request("cparam02.dat").Contacts);
        Assert.Null(c2.GetParameter("unknownparam"));
        Assert.True(c2.Uri.HasParameter("unknownparam"));
        // RFC 4475 §3.3.14: escaped headers in a Contact URI stay in the URI.
        var c3 = Assert.Single(Request("regescrt.dat").Contacts);
        Assert.Equal("Route=%3Csip:sip.example.com%3E", c3.Uri.Headers);
    }

    [Fact]
    public void UnknownSchemesParseAndAreRefusedWith416()
    {
        var unksm2 = Request("unksm2.dat");
        Assert.Equal(SipUriScheme.Other, unksm2.To!.Uri.Scheme);
        Assert.Equal("isbn:2983792873", unksm2.To.Uri.Text);
        Assert.Equal("http", unksm2.From!.Uri.SchemeText);
        Assert.Null(SipRequestChecks.Check(unksm2));
        Assert.Equal(416, SipRequestChecks.Check(Request("unkscm.dat"))!.StatusCode);
        Assert.Equal(416, SipRequestChecks.Check(Request("novelsc.dat"))!.StatusCode);
    }

    [Fact]
    public void ApplicationSemanticsGiveTheRightStatus()
    {
        Assert.Equal(400, SipRequestChecks.Check(Request("insuf.dat"))!.StatusCode);   // §3.3.1
        Assert.Equal(400, SipRequestChecks.Check(Request("multi01.dat"))!.StatusCode); // §3.3.8
        Assert.Equal(400, SipRequestChecks.Check(Request("mcl01.dat"))!.StatusCode);   // §3.3.9
        var bext = SipRequestChecks.Check(Request("bext01.dat"))!;                     // §3.3.5
        Assert.Equal(420, bext.StatusCode);
        Assert.Equal(["nothingSupportsThis", "nothingSupportsThisEither"], bext.Unsupported!);
        var invut = SipRequestChecks.Check(Request("invut.dat"), new SipRequestCheckOptions { AcceptedContentTypes = new HashSet<string> { "application/sdp" } });
        Assert.Equal(415, invut!.StatusCode);                                          // §3.3.6
        Assert.Equal(483, SipRequestChecks.Check(Request("zeromf.dat") is var z && z.Method == "OPTIONS" ? RewriteMethod(z) : z, new SipRequestCheckOptions { IsProxy = true })!.StatusCode);
        Assert.Null(SipRequestChecks.Check(Request("zeromf.dat")));                   // a UAS may answer OPTIONS
        Assert.Null(SipRequestChecks.Check(Request("inv2543.dat")));                   // §3.4.1: RFC 2543 syntax is processed
        Assert.Null(SipRequestChecks.Check(Request("badbranch.dat")));
        Assert.Equal("z9hG4bK", Request("badbranch.dat").TopVia!.Branch);
        Assert.Equal("255.255.255.255", Load("bcast.dat").Vias[1].Host);
        Assert.Equal("NoOneKnowsThisScheme opaque-data=here", Request("regaut01.dat").GetHeader(SipHeaderName.Authorization));
    }

    private static SipRequest RewriteMethod(SipRequest options)
    {
        // A proxy refuses Max-Forwards 0 for anything but OPTIONS addressed to itself; check with a MESSAGE copy.
        var text = Encoding.UTF8.GetString(options.Data.Span).Replace("OPTIONS", "MESSAGE", StringComparison.Ordinal);
        Assert.True(SipRequest.TryParse(Encoding.UTF8.GetBytes(text), SipFraming.Datagram, out var r).IsSuccess);
        return r!;
    }

    [Fact]
    public void Inv2543TakesTheRestOfTheDatagram()
    {
        var m = Request("inv2543.dat");
        Assert.Null(m.TopVia!.Branch);
        Assert.Null(m.MaxForwards);
        Assert.StartsWith("v=0", Encoding.ASCII.GetString(m.Body.Span), StringComparison.Ordinal);
        Assert.Equal("phone", m.To!.GetParameter("user")); // addr-spec form: the parameter belongs to the header
        Assert.Equal("phone", m.From!.Uri.GetParameter("user"));
    }
}
