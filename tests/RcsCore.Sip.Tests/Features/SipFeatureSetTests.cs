using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Sip.Tests.Features;

/// <summary>Feature parameters of RFC 3840 §9: which parameters are feature tags, the value forms, the escaped URN tokens.</summary>
public class SipFeatureSetTests
{
    private const string Cpm = "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session";

    [Fact]
    public void ParseKeepsOnlyFeatureTagsInOrder()
    {
        var set = SipFeatureSet.Parse(";expires=600;audio;q=0.5;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";+sip.instance=\"<urn:uuid:1>\";reg-id=1; video ;methods=\"INVITE,BYE\";transport=tcp");
        Assert.Equal(["audio", "+g.3gpp.icsi-ref", "video", "methods"], set.Select(p => p.Name));
        Assert.True(set[0].IsFlag);
        Assert.Equal("\"INVITE,BYE\"", set.Find("METHODS")!.Value.Value);
        Assert.Equal([Cpm], set.GetTokens("+g.3gpp.icsi-ref"));
        Assert.True(set.HasToken("+g.3gpp.icsi-ref", Cpm));
        Assert.True(set.HasToken("+G.3GPP.ICSI-REF", "urn%3aurn-7%3a3gpp-service.ims.icsi.oma.cpm.session"));
        Assert.False(set.HasToken("+g.3gpp.icsi-ref", "urn:urn-7:3gpp-service.ims.icsi.mmtel"));
        Assert.True(set.IsTrue("video"));
        Assert.False(set.IsTrue("data"));
        Assert.Equal(";audio;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";video;methods=\"INVITE,BYE\"", set.ToString());
    }

    [Fact]
    public void SemicolonsInsideQuotesDoNotSplit()
    {
        var set = SipFeatureSet.Parse(";+g.x=\"<a;b>\";+g.y");
        Assert.Equal(2, set.Count);
        Assert.Equal("\"<a;b>\"", set[0].Value);
    }

    [Theory]
    [InlineData("audio", true)]
    [InlineData("+g.3gpp.iari-ref", true)]
    [InlineData("+g.gsma.rcs.isbot", true)]
    [InlineData("+sip.instance", false)]
    [InlineData("expires", false)]
    [InlineData("q", false)]
    [InlineData("+", false)]
    [InlineData("+1abc", false)]
    [InlineData("Video", true)]
    [InlineData("isfocus", true)]
    public void FeatureTagNames(string name, bool isFeature) => Assert.Equal(isFeature, SipFeatureEncoding.IsFeatureTag(name));

    public static TheoryData<string?, string> Values => new()
    {
        { null, "TRUE" },
        { "\"TRUE\"", "TRUE" },
        { "\"FALSE\"", "FALSE" },
        { "FALSE", "FALSE" },
        { "\"INVITE,!BYE\"", "INVITE|!BYE" },
        { "\"#=1,#=2\"", "#=1|#=2" },
        { "\"#>=3\"", "#>=3" },
        { "\"#<=-1.5\"", "#<=-1.5" },
        { "\"#1:5\"", "#1:5" },
        { "\"!#=4\"", "!#=4" },
        { "\"<sip:bob@example.com>\"", "<sip:bob@example.com>" },
        { "\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"", "urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel" },
        { "\"#abc\"", "malformed" },
        { "\"#5:1\"", "malformed" },
        { "\"<unterminated\"", "malformed" },
        { "\"a,,b\"", "a|malformed" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void ValueForms(string? raw, string expected)
    {
        var reader = new SipFeatureValueReader(raw, raw is null);
        var parts = new List<string>();
        while (reader.TryRead(out var v))
        {
            parts.Add(v.ToString());
        }
        if (reader.IsMalformed)
        {
            parts.Add("malformed");
        }
        Assert.Equal(expected, string.Join('|', parts));
    }

    [Theory]
    // Contact value, preference value, intersect? (RFC 3841 §7.2.4 per-tag match, each side a disjunction)
    [InlineData(null, null, true)]
    [InlineData(null, "\"FALSE\"", false)]
    [InlineData("\"FALSE\"", "\"!TRUE\"", true)]
    [InlineData("\"INVITE,BYE\"", "\"BYE\"", true)]
    [InlineData("\"INVITE,OPTIONS\"", "\"BYE\"", false)]
    [InlineData("\"invite\"", "\"INVITE\"", true)]
    [InlineData("\"INVITE\"", "\"!INVITE\"", false)]
    [InlineData("\"INVITE\"", "\"!BYE\"", true)]
    [InlineData("\"!INVITE\"", "\"!BYE\"", true)]
    [InlineData("\"#=1,#=2\"", "\"#=2\"", true)]
    [InlineData("\"#=1\"", "\"#>=2\"", false)]
    [InlineData("\"#1:5\"", "\"#<=1\"", true)]
    [InlineData("\"#1:5\"", "\"!#0:10\"", false)]
    [InlineData("\"#1:5\"", "\"!#=3\"", true)]
    [InlineData("\"<Bob>\"", "\"<Bob>\"", true)]
    [InlineData("\"<Bob>\"", "\"<bob>\"", false)]
    [InlineData("\"<Bob>\"", "\"Bob\"", false)]
    [InlineData("\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\"", "\"urn:urn-7:3gpp-application.ims.iari.rcs.chatbot\"", true)]
    [InlineData("\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\"", "\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot.sa\"", false)]
    public void ValuesIntersect(string? contact, string? preference, bool expected)
    {
        var c = new SipFeatureParameter("+g.x", contact);
        var p = new SipFeatureParameter("+g.x", preference);
        Assert.Equal(expected, c.Intersects(p));
        Assert.Equal(expected, p.Intersects(c));
    }

    [Fact]
    public void EncodesUrnsAsTokens()
    {
        Assert.Equal("urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session", SipFeatureEncoding.EncodeToken(Cpm));
        Assert.Equal(Cpm, SipFeatureEncoding.DecodeToken("urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session"));
        Assert.Equal("\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel,!a%2Fb\"", SipFeatureEncoding.QuoteTokens(["urn:urn-7:3gpp-service.ims.icsi.mmtel", "!a/b"]));
        Assert.Equal("\"#=1,#=2\"", SipFeatureEncoding.QuoteNumbers([1, 2]));
        Assert.Equal("\"<sip:bot@example.com>\"", SipFeatureEncoding.QuoteString("sip:bot@example.com"));
        Assert.Throws<ArgumentException>(() => SipFeatureEncoding.QuoteString("a>b"));
        Assert.True(SipFeatureEncoding.TokensEqual("URN%3aX", "urn:x"));
        Assert.False(SipFeatureEncoding.TokensEqual("urn:x", "urn:xy"));
        Assert.False(SipFeatureEncoding.TokensEqual("%4", "%"));
    }

    [Property]
    public Property EncodedTokensRoundTripAndAreTokens(NonNull<string> text)
    {
        string s = text.Get;
        bool valid = !s.Any(char.IsSurrogate);
        string encoded = SipFeatureEncoding.EncodeToken(s);
        return (SipFeatureEncoding.DecodeToken(encoded) == s
                && encoded.All(c => char.IsAsciiLetterOrDigit(c) || "-.%*_+`'~".Contains(c))
                && SipFeatureEncoding.TokensEqual(encoded, s.Contains('%') ? encoded : s)).When(valid);
    }

    [Fact]
    public void UnionMergesListsAndFlags()
    {
        var phone = SipFeatureSet.Parse(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\";+g.gsma.rcs.botversion=\"#=1\"");
        var tablet = SipFeatureSet.Parse(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session,urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\";video;+g.gsma.rcs.botversion=\"#=1,#=2\"");
        var union = SipFeatureSet.Union([phone, tablet, SipFeatureSet.Empty]);
        Assert.Equal(["urn:urn-7:3gpp-service.ims.icsi.mmtel", Cpm], union.GetTokens("+g.3gpp.icsi-ref"));
        Assert.Equal("\"#=1,#=2\"", union.Find("+g.gsma.rcs.botversion")!.Value.Value);
        Assert.True(union.IsTrue("video"));
        Assert.Same(SipFeatureSet.Empty, SipFeatureSet.Union([]));
    }

    [Fact]
    public void FromNameAddressParameters()
    {
        Assert.True(SipNameAddress.TryParse("<sip:bob@192.0.2.4>;expires=60;+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\";+g.gsma.rcs.isbot", out var contact));
        var set = SipFeatureSet.FromParameters(contact.Parameters);
        Assert.Equal(["+g.3gpp.iari-ref", "+g.gsma.rcs.isbot"], set.Select(p => p.Name));
        var fromPairs = SipFeatureSet.FromParameters([new("expires", "1"), new("video", null)]);
        Assert.Equal(";video", fromPairs.ToString());
        Assert.Equal(";video;+g.a=\"x\"", fromPairs.With("+g.a", "\"x\"").ToString());
        Assert.Equal(";video=\"FALSE\"", fromPairs.With("video", "\"FALSE\"").ToString());
    }
}
