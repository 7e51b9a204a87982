using RcsCore.Parsing.Sip;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Sip.Tests.Features;

/// <summary>
/// RFC 3841 §7.2 caller preferences as tables. The example request and target set are those of RFC 3841 §7.2.4
/// (Reject-Contact: *;actor="msg-taker";video; three Accept-Contact values; contacts u1..u5); the expected outcomes
/// follow the §7.2.4 rules step by step (noted per row).
/// </summary>
public class SipCallerPreferencesTests
{
    private static SipRequest Request(string method, params (SipHeaderName Name, string Value)[] headers)
    {
        var b = new SipRequestBuilder(method, SipUri.Parse("sip:bob@example.com"));
        b.AddHeader(SipHeaderName.Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1")
         .AddHeader(SipHeaderName.From, "<sip:alice@example.com>;tag=1")
         .AddHeader(SipHeaderName.To, "<sip:bob@example.com>")
         .AddHeader(SipHeaderName.CallId, "c1")
         .AddHeader(SipHeaderName.CSeq, "1 " + method)
         .AddHeader(SipHeaderName.MaxForwards, "70");
        foreach (var (name, value) in headers)
        {
            b.AddHeader(name, value);
        }
        return b.Build();
    }

    private static readonly SipRequest s_example = Request("INVITE",
        (SipHeaderName.RejectContact, "*;actor=\"msg-taker\";video"),
        (SipHeaderName.AcceptContact, "*;audio;require"),
        (SipHeaderName.AcceptContact, "*;video;explicit"),
        (SipHeaderName.AcceptContact, "*;methods=\"BYE\";class=\"business\";q=1.0"));

    private static readonly (string Uri, string Params, double Q)[] s_contacts =
    [
        ("sip:u1@h.example.com", ";audio;video;methods=\"INVITE,BYE\"", 0.2),
        ("sip:u2@h.example.com", ";audio=\"FALSE\";methods=\"INVITE\";actor=\"msg-taker\"", 0.2),
        ("sip:u3@h.example.com", ";audio;actor=\"msg-taker\";methods=\"INVITE\";video", 0.3),
        ("sip:u4@h.example.com", ";audio;methods=\"INVITE,OPTIONS\"", 0.2),
        ("sip:u5@h.example.com", string.Empty, 0.5),
    ];

    public static TheoryData<string, SipPreferenceOutcome, double> ExampleScores => new()
    {
        // u1: not rejected (no actor); audio matches (1/1); video matches explicitly (1/1); methods has BYE, class
        // undeclared (1/2): Qa = (1 + 1 + 0.5) / 3.
        { "sip:u1@h.example.com", SipPreferenceOutcome.Kept, 2.5 / 3 },
        // u2: audio="FALSE" fails *;audio;require.
        { "sip:u2@h.example.com", SipPreferenceOutcome.Discarded, 0 },
        // u3: declares actor="msg-taker" and video: the Reject-Contact predicate matches with all its tags present.
        { "sip:u3@h.example.com", SipPreferenceOutcome.Rejected, 0 },
        // u4: audio 1/1; video undeclared under explicit: 0; methods lacks BYE: that predicate does not count. Qa = 1/2.
        { "sip:u4@h.example.com", SipPreferenceOutcome.Kept, 0.5 },
        // u5: no feature parameters: immune.
        { "sip:u5@h.example.com", SipPreferenceOutcome.Immune, 1 },
    };

    [Theory]
    [MemberData(nameof(ExampleScores))]
    public void Rfc3841ExampleScores(string uri, SipPreferenceOutcome outcome, double qa)
    {
        var prefs = SipCallerPreferences.FromRequest(s_example);
        var contact = s_contacts.Single(c => c.Uri == uri);
        var score = prefs.Evaluate(SipFeatureSet.Parse(contact.Params));
        Assert.Equal(outcome, score.Outcome);
        Assert.Equal(qa, score.Qa, 6);
    }

    [Fact]
    public void Rfc3841ExampleOrdering()
    {
        var prefs = SipCallerPreferences.FromRequest(s_example);
        Assert.Equal(3, prefs.Accept.Count);
        Assert.Single(prefs.Reject);
        Assert.True(prefs.Accept[0].Require);
        Assert.True(prefs.Accept[1].Explicit);
        var ordered = prefs.Apply(s_contacts, c => SipFeatureSet.Parse(c.Params), c => c.Q);
        // q first (u5 0.5), then within q 0.2 by Qa (u1 0.83 before u4 0.5); u2 and u3 eliminated.
        Assert.Equal(["sip:u5@h.example.com", "sip:u1@h.example.com", "sip:u4@h.example.com"], ordered.Select(c => c.Uri));
    }

    public static TheoryData<string, string?, string, bool> Implicit => new()
    {
        // Request method, Event, contact parameters, kept? (RFC 3841 §7.2.2: implicit *;methods="M";require, events for SUBSCRIBE)
        { "MESSAGE", null, ";methods=\"INVITE\"", false },
        { "MESSAGE", null, ";methods=\"INVITE,MESSAGE\"", true },
        { "MESSAGE", null, ";audio", true },
        { "MESSAGE", null, "", true },
        { "SUBSCRIBE", "presence;id=1", ";methods=\"SUBSCRIBE\";events=\"reg\"", false },
        { "SUBSCRIBE", "presence", ";methods=\"SUBSCRIBE\";events=\"presence,reg\"", true },
        { "SUBSCRIBE", "presence", ";methods=\"SUBSCRIBE\"", true },
    };

    [Theory]
    [MemberData(nameof(Implicit))]
    public void ImplicitPreferencesOfMethodAndEvent(string method, string? ev, string contact, bool kept)
    {
        var request = ev is null ? Request(method) : Request(method, (SipHeaderName.Event, ev));
        var prefs = SipCallerPreferences.FromRequest(request);
        Assert.False(prefs.IsEmpty);
        Assert.Equal(kept, prefs.Evaluate(SipFeatureSet.Parse(contact)).IsKept);
        Assert.True(SipCallerPreferences.FromRequest(request, implicitPreferences: false).IsEmpty);
    }

    public static TheoryData<string, string, SipPreferenceOutcome> Rcs => new()
    {
        // Accept-Contact of an RCS OPTIONS / INVITE, contact, outcome.
        { "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";require;explicit",
          ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"", SipPreferenceOutcome.Kept },
        { "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";require;explicit",
          ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"", SipPreferenceOutcome.Discarded },
        { "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";require;explicit",
          ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"", SipPreferenceOutcome.Discarded },
        { "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";require",
          ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"", SipPreferenceOutcome.Kept },
        { "*;+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\";+g.gsma.rcs.botversion=\"#=2\";require",
          ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\";+g.gsma.rcs.botversion=\"#=1,#=2\"", SipPreferenceOutcome.Kept },
        { "*;+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\";+g.gsma.rcs.botversion=\"#=2\";require",
          ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\";+g.gsma.rcs.botversion=\"#=1\"", SipPreferenceOutcome.Discarded },
    };

    [Theory]
    [MemberData(nameof(Rcs))]
    public void RcsServicePreferences(string acceptContact, string contact, SipPreferenceOutcome outcome)
    {
        var prefs = SipCallerPreferences.FromRequest(Request("OPTIONS", (SipHeaderName.AcceptContact, acceptContact)));
        Assert.Equal(outcome, prefs.Evaluate(SipFeatureSet.Parse(contact)).Outcome);
    }

    [Fact]
    public void RejectContactNeedsEveryTagDeclared()
    {
        var prefs = SipCallerPreferences.FromRequest(Request("INVITE", (SipHeaderName.RejectContact, "*;+g.gsma.rcs.isbot")));
        Assert.Equal(SipPreferenceOutcome.Rejected, prefs.Evaluate(SipFeatureSet.Parse(";+g.gsma.rcs.isbot;audio")).Outcome);
        Assert.Equal(SipPreferenceOutcome.Kept, prefs.Evaluate(SipFeatureSet.Parse(";audio")).Outcome);
        Assert.Equal(SipPreferenceOutcome.Kept, prefs.Evaluate(SipFeatureSet.Parse(";+g.gsma.rcs.isbot=\"FALSE\"")).Outcome);
    }

    [Fact]
    public void ParsesCommaSeparatedValuesAndCompactForms()
    {
        var list = new List<SipCallerPreference>();
        Assert.True(SipCallerPreference.TryParseList("*;audio;require, *;methods=\"INVITE,BYE\";explicit ,*;video", list));
        Assert.Equal(["*;audio;require", "*;methods=\"INVITE,BYE\";explicit", "*;video"], list.Select(p => p.ToString()));
        Assert.False(SipCallerPreference.TryParseList("sip:x@y;audio", new List<SipCallerPreference>()));

        // Compact forms a (Accept-Contact) and j (Reject-Contact), RFC 3841 §9.
        var raw = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\na: *;audio;require\r\nj: *;video\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        Assert.True(SipMessage.TryParse(raw, SipFraming.Datagram, out var m).IsSuccess);
        var prefs = SipCallerPreferences.FromRequest((SipRequest)m!);
        Assert.Single(prefs.Accept);
        Assert.Single(prefs.Reject);
        Assert.Equal(SipPreferenceOutcome.Rejected, prefs.Evaluate(SipFeatureSet.Parse(";audio;video")).Outcome);
    }
}
