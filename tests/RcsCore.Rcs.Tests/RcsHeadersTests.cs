using RcsCore.Ims.Client;
using Xunit;

namespace RcsCore.Rcs.Tests;

public class RcsHeadersTests
{
    [Fact]
    public void FeatureTagsArePercentEncodedQuotedLists()
    {
        Assert.Equal("+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"", CpmServices.IcsiFeatureTag(CpmServices.SessionIcsi));
        Assert.Equal(
            "+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.largemsg\"",
            CpmServices.IcsiFeatureTag(CpmServices.MessageIcsi, CpmServices.LargeMessageIcsi));
        Assert.Equal("+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"", CpmServices.IariFeatureTag(CpmServices.FileTransferHttpIari));
        Assert.Equal(
            "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";require;explicit",
            CpmServices.AcceptContact(CpmServices.SessionIcsi, requireExplicit: true));
        Assert.Throws<ArgumentException>(() => CpmServices.IcsiFeatureTag());

        // The encoded value decodes back through the Ims helper the registration client uses.
        string value = CpmServices.IcsiFeatureTag(CpmServices.FileTransferIcsi).Split('=', 2)[1];
        Assert.Equal([CpmServices.FileTransferIcsi], ImsFeatureTags.DecodeList(value));
    }

    [Fact]
    public void ClientFeatureTagsGoIntoTheContact()
    {
        ImsFeatureTags tags = CpmServices.ClientFeatureTags();
        var parameters = tags.ToParameters().ToList();
        Assert.Equal("+g.3gpp.icsi-ref", parameters[0].Key);
        Assert.Equal([CpmServices.SessionIcsi, CpmServices.MessageIcsi, CpmServices.LargeMessageIcsi], ImsFeatureTags.DecodeList(parameters[0].Value!));
        Assert.Equal("+g.3gpp.iari-ref", parameters[1].Key);
        // GSMA RCC.07 §2.4.4: file transfer over MSRP with thumbnails always; over HTTP when a content server is provisioned.
        Assert.Equal([CpmServices.FileTransferMsrpIari, CpmServices.FileTransferThumbnailIari, CpmServices.FileTransferHttpIari], ImsFeatureTags.DecodeList(parameters[1].Value!));
        Assert.Equal([CpmServices.FileTransferMsrpIari, CpmServices.FileTransferThumbnailIari], CpmServices.ClientFeatureTags(fileTransferOverHttp: false).Iari);
    }

    [Theory]
    [InlineData("urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg", CpmServices.MessageIcsi, true)]
    [InlineData(" URN:urn-7:3gpp-service.ims.icsi.oma.cpm.MSG ", CpmServices.MessageIcsi, true)]
    [InlineData("urn:urn-7:3gpp-service.ims.icsi.mmtel, urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session", CpmServices.SessionIcsi, true)]
    [InlineData("urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg", CpmServices.MessageIcsi, false)]
    [InlineData(null, CpmServices.MessageIcsi, false)]
    public void RecognisesAssertedServices(string? header, string icsi, bool expected)
    {
        Assert.Equal(expected, CpmServices.IsService(header, icsi));
    }

    [Fact]
    public void HeaderNamesMatchTheSipParserAndIdsAreUniqueTokens()
    {
        Assert.Equal(Parsing.Sip.SipHeaderName.ContributionId, Parsing.Sip.SipHeaderNames.Lookup(System.Text.Encoding.ASCII.GetBytes(RcsHeaders.ContributionId)));
        Assert.Equal(Parsing.Sip.SipHeaderName.ConversationId, Parsing.Sip.SipHeaderNames.Lookup(System.Text.Encoding.ASCII.GetBytes(RcsHeaders.ConversationId)));
        Assert.Equal(Parsing.Sip.SipHeaderName.InReplyToContributionId, Parsing.Sip.SipHeaderNames.Lookup(System.Text.Encoding.ASCII.GetBytes(RcsHeaders.InReplyToContributionId)));
        Assert.Equal(Parsing.Sip.SipHeaderName.PPreferredService, Parsing.Sip.SipHeaderNames.Lookup(System.Text.Encoding.ASCII.GetBytes(RcsHeaders.PPreferredService)));
        Assert.Equal(Parsing.Sip.SipHeaderName.PAssertedService, Parsing.Sip.SipHeaderNames.Lookup(System.Text.Encoding.ASCII.GetBytes(RcsHeaders.PAssertedService)));
        Assert.Equal(Parsing.Sip.SipHeaderName.AcceptContact, Parsing.Sip.SipHeaderNames.Lookup(System.Text.Encoding.ASCII.GetBytes(RcsHeaders.AcceptContact)));

        string a = RcsHeaders.NewContributionId();
        string b = RcsHeaders.NewConversationId();
        Assert.Equal(32, a.Length);
        Assert.NotEqual(a, b);
        Assert.All(a, c => Assert.True(char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)));
    }
}
