using System.Text;
using RcsCore.Ims.Authentication;
using Xunit;

namespace RcsCore.Ims.Tests.Authentication;

public class SipDigestParseTests
{
    // RFC 7616 §3.9.1 challenge, folded as in the RFC.
    private const string Rfc7616Challenge = "Digest\r\n realm=\"http-auth@example.org\",\r\n qop=\"auth, auth-int\",\r\n algorithm=SHA-256,\r\n" +
        " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

    [Fact]
    public void ParsesTheRfc7616Challenge()
    {
        var r = SipDigestChallenge.TryParse(Rfc7616Challenge, out var c);
        Assert.True(r.IsSuccess, r.ToString());
        Assert.Equal("http-auth@example.org", c!.Realm);
        Assert.Equal("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", c.Nonce);
        Assert.Equal("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", c.Opaque);
        Assert.Equal(SipDigestAlgorithm.Sha256, c.Algorithm);
        Assert.Equal(SipDigestQop.Auth | SipDigestQop.AuthInt, c.Qop);
        Assert.False(c.Stale);
    }

    [Fact]
    public void ParsesAllChallengeParameters()
    {
        const string value = "digest realm=\"ims.example\", domain=\"sip:a.example sip:b.example\", nonce=\"n\\\"1\", stale=TRUE, " +
            "algorithm=\"AKAv2-MD5\", qop=\"auth-int\", charset=UTF-8, userhash=true, ik=\"00112233\", ck=abc";
        var r = SipDigestChallenge.TryParse(value, out var c);
        Assert.True(r.IsSuccess, r.ToString());
        Assert.Equal("sip:a.example sip:b.example", c!.Domain);
        Assert.Equal("n\"1", c.Nonce);
        Assert.True(c.Stale);
        Assert.Equal(SipDigestAlgorithm.AkaV2Md5, c.Algorithm);
        Assert.Equal("AKAv2-MD5", c.AlgorithmName);
        Assert.Equal(SipDigestQop.AuthInt, c.Qop);
        Assert.Equal("UTF-8", c.Charset);
        Assert.True(c.UserHash);
        Assert.Equal([new SipAuthParameter("ik", "00112233", true), new SipAuthParameter("ck", "abc", false)], c.Extensions);
    }

    [Theory]
    [InlineData("MD5", SipDigestAlgorithm.Md5)]
    [InlineData("md5-SESS", SipDigestAlgorithm.Md5Sess)]
    [InlineData("SHA-256", SipDigestAlgorithm.Sha256)]
    [InlineData("SHA-256-sess", SipDigestAlgorithm.Sha256Sess)]
    [InlineData("SHA-512-256", SipDigestAlgorithm.Sha512T256)]
    [InlineData("SHA-512-256-sess", SipDigestAlgorithm.Sha512T256Sess)]
    [InlineData("AKAv1-MD5", SipDigestAlgorithm.AkaV1Md5)]
    [InlineData("akav2-md5", SipDigestAlgorithm.AkaV2Md5)]
    [InlineData("SHA-384", SipDigestAlgorithm.Unknown)]
    public void ParsesAlgorithms(string name, SipDigestAlgorithm expected)
    {
        Assert.True(SipDigestChallenge.TryParse($"Digest realm=\"r\", nonce=\"n\", algorithm={name}", out var c).IsSuccess);
        Assert.Equal(expected, c!.Algorithm);
        Assert.Equal(name, c.AlgorithmName);
    }

    [Fact]
    public void MissingAlgorithmIsMd5()
    {
        Assert.True(SipDigestChallenge.TryParse("Digest realm=\"r\", nonce=\"n\"", out var c).IsSuccess);
        Assert.Equal(SipDigestAlgorithm.Md5, c!.Algorithm);
        Assert.Null(c.AlgorithmName);
        Assert.Equal(SipDigestQop.None, c.Qop);
    }

    [Fact]
    public void AcceptsAnUnquotedQopList()
    {
        Assert.True(SipDigestChallenge.TryParse("Digest realm=\"r\", qop=auth,auth-int, nonce=\"n1\"", out var c).IsSuccess);
        Assert.Equal(SipDigestQop.Auth | SipDigestQop.AuthInt, c!.Qop);
        Assert.Equal("n1", c.Nonce);
    }

    [Fact]
    public void ToleratesEmptyListElementsAndSpacesAroundEquals()
    {
        Assert.True(SipDigestChallenge.TryParse("Digest  ,realm = \"r\" ,, nonce= n ,", out var c).IsSuccess);
        Assert.Equal("r", c!.Realm);
        Assert.Equal("n", c.Nonce);
    }

    [Theory]
    [InlineData("", SipDigestParseError.Empty, 0)]
    [InlineData("   ", SipDigestParseError.Empty, 3)]
    [InlineData("Basic realm=\"r\"", SipDigestParseError.NotDigest, 0)]
    [InlineData("Digest,realm=\"r\"", SipDigestParseError.InvalidParameter, 6)]
    [InlineData("Digest realm=\"r, nonce=\"n\"", SipDigestParseError.InvalidParameter, 24)]
    [InlineData("Digest realm=\"r\", nonce=\"n", SipDigestParseError.UnterminatedQuotedString, 24)]
    [InlineData("Digest realm=\"r\", nonce=\"n\\", SipDigestParseError.UnterminatedQuotedString, 24)]
    [InlineData("Digest realm=\"r\" nonce=\"n\"", SipDigestParseError.InvalidParameter, 17)]
    [InlineData("Digest realm=\"r\", realm=\"s\", nonce=\"n\"", SipDigestParseError.DuplicateParameter, 18)]
    [InlineData("Digest realm=\"r\", x=1, X=2, nonce=\"n\"", SipDigestParseError.DuplicateParameter, 23)]
    [InlineData("Digest realm=\"r\"", SipDigestParseError.MissingParameter, 16)]
    [InlineData("Digest nonce=\"n\"", SipDigestParseError.MissingParameter, 16)]
    [InlineData("Digest realm=", SipDigestParseError.InvalidParameter, 13)]
    [InlineData("Digest realm=\"r\", =x", SipDigestParseError.InvalidParameter, 18)]
    [InlineData("Digest realm=\"r\", stray, nonce=\"n\"", SipDigestParseError.InvalidParameter, 18)]
    [InlineData("Digest realm=\"a\u0001b\", nonce=\"n\"", SipDigestParseError.InvalidValue, 13)]
    public void RejectsBadChallengesWithAnErrorAndOffset(string value, SipDigestParseError error, int offset)
    {
        var r = SipDigestChallenge.TryParse(value, out var c);
        Assert.Null(c);
        Assert.Equal(error, r.Error);
        Assert.Equal(offset, r.Offset);
    }

    [Fact]
    public void MissingParameterNamesIt()
    {
        Assert.Equal("nonce", SipDigestChallenge.TryParse("Digest realm=\"r\"", out _).Detail);
        Assert.Equal("cnonce", SipDigestCredentials.TryParse("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"\", qop=auth, nc=00000001", out _).Detail);
    }

    [Fact]
    public void ParsesTheRfc7616Authorization()
    {
        const string value = "Digest username=\"Mufasa\",\r\n realm=\"http-auth@example.org\",\r\n uri=\"/dir/index.html\",\r\n algorithm=MD5,\r\n" +
            " nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n nc=00000001,\r\n cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n" +
            " qop=auth,\r\n response=\"8ca523f5e9506fed4657c9700eebdbec\",\r\n opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        var r = SipDigestCredentials.TryParse(value, out var c);
        Assert.True(r.IsSuccess, r.ToString());
        Assert.Equal("Mufasa", c!.Username);
        Assert.Equal("/dir/index.html", c.Uri);
        Assert.Equal(SipDigestAlgorithm.Md5, c.Algorithm);
        Assert.Equal(1u, c.NonceCount);
        Assert.Equal(SipDigestQop.Auth, c.Qop);
        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", c.Response);
        Assert.Equal("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", c.Opaque);
    }

    [Fact]
    public void ParsesAnInitialImsRegisterAuthorizationWithEmptyNonceAndResponse()
    {
        // 3GPP TS 24.229 §5.1.1.2.1: the initial REGISTER carries nonce="" and response="".
        var r = SipDigestCredentials.TryParse("Digest username=\"user@ims.example\", realm=\"ims.example\", nonce=\"\", uri=\"sip:ims.example\", response=\"\"", out var c);
        Assert.True(r.IsSuccess, r.ToString());
        Assert.Equal(string.Empty, c!.Nonce);
        Assert.Equal(string.Empty, c.Response);
    }

    [Fact]
    public void ParsesAutsAndUserHash()
    {
        var r = SipDigestCredentials.TryParse("Digest username=\"h\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", algorithm=AKAv1-MD5, auts=\"CjkyMzRfOiwg5CfThhRX\", userhash=true, cnonce=\"c\", qop=auth-int, nc=0000000a", out var c);
        Assert.True(r.IsSuccess, r.ToString());
        Assert.Equal("CjkyMzRfOiwg5CfThhRX", c!.Auts);
        Assert.True(c.UserHash);
        Assert.Equal(10u, c.NonceCount);
        Assert.Equal(SipDigestQop.AuthInt, c.Qop);
    }

    [Theory]
    [InlineData("Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"\"", SipDigestParseError.MissingParameter, "username")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"\"", SipDigestParseError.MissingParameter, "uri")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\"", SipDigestParseError.MissingParameter, "response")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"\", qop=auth, cnonce=\"c\"", SipDigestParseError.MissingParameter, "nc")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"\", qop=auth, cnonce=\"c\", nc=1", SipDigestParseError.InvalidValue, "nc")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"\", qop=auth, cnonce=\"c\", nc=0000000g", SipDigestParseError.InvalidValue, "nc")]
    [InlineData("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"\", qop=auth-conf, cnonce=\"c\", nc=00000001", SipDigestParseError.InvalidValue, "qop")]
    [InlineData("Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"\"", SipDigestParseError.DuplicateParameter, "username")]
    public void RejectsBadCredentials(string value, SipDigestParseError error, string detail)
    {
        var r = SipDigestCredentials.TryParse(value, out var c);
        Assert.Null(c);
        Assert.Equal(error, r.Error);
        Assert.Equal(detail, r.Detail);
    }

    [Fact]
    public void FormatsCredentialsWithRfc7616Quoting()
    {
        var c = new SipDigestCredentials("Mu\"fasa", "r", "n", "sip:x", "00ff")
        {
            AlgorithmName = "SHA-256",
            Cnonce = "c\\n",
            Opaque = "o",
            Qop = SipDigestQop.Auth,
            NonceCount = 0x1f,
        };
        Assert.Equal("Digest username=\"Mu\\\"fasa\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"00ff\", algorithm=SHA-256, " +
            "cnonce=\"c\\\\n\", opaque=\"o\", qop=auth, nc=0000001f", c.ToString());
        Assert.True(SipDigestCredentials.TryParse(c.ToString(), out var back).IsSuccess);
        Assert.Equal("Mu\"fasa", back!.Username);
        Assert.Equal("c\\n", back.Cnonce);
    }

    [Fact]
    public void FormatsChallengesAndParsesThemBack()
    {
        var c = new SipDigestChallenge("ims.example", "bm9uY2U=")
        {
            AlgorithmName = "AKAv1-MD5",
            Qop = SipDigestQop.Auth | SipDigestQop.AuthInt,
            Opaque = "o",
            Stale = true,
            Extensions = [new SipAuthParameter("ik", "0011", true)],
        };
        Assert.Equal("Digest realm=\"ims.example\", nonce=\"bm9uY2U=\", opaque=\"o\", stale=true, algorithm=AKAv1-MD5, qop=\"auth,auth-int\", ik=\"0011\"", c.ToString());
        Assert.True(SipDigestChallenge.TryParse(c.ToString(), out var back).IsSuccess);
        Assert.Equal(c.ToString(), back!.ToString());
    }

    [Fact]
    public void ParsesUtf8Bytes()
    {
        var bytes = Encoding.UTF8.GetBytes("Digest realm=\"r\u00e9alm\", nonce=\"n\"");
        Assert.True(SipDigestChallenge.TryParse(bytes, out var c).IsSuccess);
        Assert.Equal("r\u00e9alm", c!.Realm);
    }

    [Fact]
    public void EveryPrefixOfAValidValueParsesOrFailsWithoutThrowing()
    {
        const string full = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"ab\", qop=auth, cnonce=\"c\", nc=00000001, auts=\"QQ==\"";
        for (int i = 0; i <= full.Length; i++)
        {
            var r = SipDigestCredentials.TryParse(full[..i], out var c);
            Assert.Equal(r.IsSuccess, c is not null);
        }
        Assert.True(SipDigestCredentials.TryParse(full, out _).IsSuccess);
    }
}
