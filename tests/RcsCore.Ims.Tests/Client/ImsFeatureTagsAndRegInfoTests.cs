using System.Text;
using RcsCore.Ims.Client;
using Xunit;

namespace RcsCore.Ims.Tests.Client;

public sealed class ImsFeatureTagsAndRegInfoTests
{
    [Fact]
    public void Icsi_IsPercentEncodedAndQuoted()
    {
        // TS 24.229 §7.9.2: colons are escaped; several values share one quoted, comma-separated list.
        var value = ImsFeatureTags.EncodeList(["urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session", "urn:urn-7:3gpp-service.ims.icsi.mmtel"]);

        Assert.Equal("\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session,urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"", value);
        Assert.Equal(["urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session", "urn:urn-7:3gpp-service.ims.icsi.mmtel"], ImsFeatureTags.DecodeList(value));
    }

    [Fact]
    public void ToParameters_KeepsOrderAndOtherTags()
    {
        var tags = new ImsFeatureTags
        {
            Icsi = ["urn:urn-7:3gpp-service.ims.icsi.mmtel"],
            Iari = ["urn:urn-7:3gpp-application.ims.iari.rcs.fthttp"],
            BotVersions = ["#=1"],
            Other = [new("+g.3gpp.smsip", null), new("+g.gsma.rcs.isbot", null)],
        };

        var parameters = tags.ToParameters().ToList();

        Assert.Equal(["+g.3gpp.icsi-ref", "+g.3gpp.iari-ref", "+g.gsma.rcs.botversion", "+g.3gpp.smsip", "+g.gsma.rcs.isbot"], parameters.Select(p => p.Key));
        Assert.Equal("\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"", parameters[1].Value);
        Assert.Equal("\"#=1\"", parameters[2].Value);
        Assert.Null(parameters[3].Value);
    }

    [Fact]
    public void RegInfo_Rfc3680Example_Parses()
    {
        // RFC 3680 §6 style document.
        var xml = """
            <?xml version="1.0"?>
            <reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="partial">
              <registration aor="sip:user@example.com" id="a7" state="active">
                <contact id="76" state="terminated" event="deactivated" expires="0" retry-after="30">
                  <uri>sip:user@pc887.example.com</uri>
                  <unknown-param name="+sip.instance">"&lt;urn:uuid:1&gt;"</unknown-param>
                </contact>
              </registration>
            </reginfo>
            """;

        Assert.True(ImsRegInfo.TryParse(Encoding.UTF8.GetBytes(xml), out var info));

        Assert.Equal(1, info!.Version);
        Assert.False(info.IsFull);
        var registration = Assert.Single(info.Registrations);
        Assert.Equal("sip:user@example.com", registration.Aor);
        Assert.Equal("active", registration.State);
        var contact = Assert.Single(registration.Contacts);
        Assert.Equal("terminated", contact.State);
        Assert.Equal("deactivated", contact.Event);
        Assert.Equal(0u, contact.Expires);
        Assert.Equal(30u, contact.RetryAfter);
        Assert.Equal("sip:user@pc887.example.com", contact.Uri);
        Assert.Equal("\"<urn:uuid:1>\"", Assert.Single(contact.UnknownParameters).Value);
    }

    [Theory]
    [InlineData("<reginfo")]
    [InlineData("<other xmlns=\"urn:x\"/>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"x\">]><reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\"/>")]
    public void RegInfo_Invalid_IsRefused(string xml)
    {
        Assert.False(ImsRegInfo.TryParse(Encoding.UTF8.GetBytes(xml), out _));
    }
}
