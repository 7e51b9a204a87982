using RcsCore.Rcs.Capabilities;
using RcsCore.Sip.Features;
using Xunit;

namespace RcsCore.Rcs.Tests.Capabilities;

/// <summary>The RCS service catalog against the feature tag strings of GSMA RCC.07 §2.4.4 as terminals send them.</summary>
public class RcsServiceCatalogTests
{
    public static TheoryData<string, string> WireTags => new()
    {
        // Catalog service name, the Contact parameters a terminal declares for it (RCC.07 §2.4.4).
        { "chat", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"" },
        { "standalone", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg\"" },
        { "ft", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcse.ft\"" },
        { "ft-thumb", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.ftthumb\"" },
        { "ft-sf", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.ftstandfw\"" },
        { "ft-http", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"" },
        { "ft-sms", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.ftsms\"" },
        { "geopush", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.geopush\"" },
        { "geosms", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.geosms\"" },
        { "chatbot", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\"" },
        { "chatbot-sa", ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot.sa\"" },
        { "isbot", ";+g.gsma.rcs.isbot" },
        { "voice", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"" },
        { "video", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\";video" },
        { "callcomposer", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.gsma.callcomposer\"" },
        { "postcall", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.gsma.callunanswered\"" },
        { "sharedmap", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.gsma.sharedmap\"" },
        { "sharedsketch", ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.gsma.sharedsketch\"" },
    };

    [Theory]
    [MemberData(nameof(WireTags))]
    public void EachServiceIsReadFromAndWrittenAsItsWireTags(string name, string wire)
    {
        var service = RcsService.Find(name);
        Assert.NotNull(service);
        var read = RcsCapabilities.FromFeatures(SipFeatureSet.Parse(wire));
        Assert.Contains(service, read.Services);
        Assert.True(read.Supports(service));
        Assert.Equal(wire, RcsCapabilities.FromServices([service]).ToString());
    }

    [Fact]
    public void EveryKnownServiceHasAWireForm() =>
        Assert.Equal(RcsService.Known.Select(s => s.Name).Order(), WireTags.Select(row => row.Data.Item1).Order());

    [Fact]
    public void VideoNeedsTheVideoTagAndVoiceDoesNot()
    {
        var voiceOnly = RcsCapabilities.FromFeatures(SipFeatureSet.Parse(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\""));
        Assert.Equal([RcsService.IpVoiceCall], voiceOnly.Services);
        Assert.False(voiceOnly.Supports(RcsService.IpVideoCall));
    }

    [Fact]
    public void ChatbotTerminalDeclaresVersionsAndRole()
    {
        var caps = RcsCapabilities.FromServices([RcsService.Chat, RcsService.ChatbotSession, RcsService.ChatbotRole, RcsService.FileTransferHttp], botVersions: [1, 2]);
        Assert.Equal(
            ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot,urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\";+g.gsma.rcs.isbot;+g.gsma.rcs.botversion=\"#=1,#=2\"",
            caps.ToString());
        var read = RcsCapabilities.FromFeatures(SipFeatureSet.Parse(caps.ToString()));
        Assert.True(read.IsBot);
        Assert.Equal([1, 2], read.BotVersions);
        Assert.Equal([RcsService.Chat, RcsService.FileTransferHttp, RcsService.ChatbotSession, RcsService.ChatbotRole], read.Services);
        Assert.Empty(read.Extensions);
    }

    [Fact]
    public void CustomIcsiAndIariAreDeclaredAndRecognised()
    {
        var game = RcsService.Custom("game", iari: ["urn:urn-7:3gpp-application.ims.iari.rcs.ext.ssso.game"]);
        var mine = RcsCapabilities.FromServices([RcsService.Chat, game]);
        Assert.Contains("+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.ext.ssso.game\"", mine.ToString(), StringComparison.Ordinal);
        var read = RcsCapabilities.FromFeatures(SipFeatureSet.Parse(mine.ToString()));
        Assert.True(read.Supports(game));
        Assert.Equal(["urn:urn-7:3gpp-application.ims.iari.rcs.ext.ssso.game"], read.Extensions);
        Assert.Throws<ArgumentException>(() => RcsService.Custom("nothing"));
        Assert.Throws<ArgumentException>(() => RcsService.Custom("bad", flags: ["notatag"]));
    }

    [Fact]
    public void ImsRegistrationTagsCarryTheSameFeatures()
    {
        var caps = RcsCapabilities.FromServices([RcsService.Chat, RcsService.IpVideoCall, RcsService.ChatbotSession], botVersions: [1]);
        var tags = caps.ToImsFeatureTags();
        var text = string.Concat(tags.ToParameters().Select(p => ";" + p.Key + (p.Value is null ? "" : "=" + p.Value)));
        var back = RcsCapabilities.FromFeatures(SipFeatureSet.Parse(text));
        Assert.Equal(caps.Services, back.Services);
        Assert.Equal([1], back.BotVersions);
    }

    [Fact]
    public void NothingDeclaredIsNone()
    {
        Assert.Same(RcsCapabilities.None, RcsCapabilities.FromFeatures(SipFeatureSet.Parse(";expires=3600;q=0.5")));
        Assert.True(RcsCapabilities.None.IsEmpty);
        Assert.Empty(RcsCapabilities.None.Services);
    }
}
