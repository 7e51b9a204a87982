using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Rcs.Capabilities;
using RcsCore.Rcs.Presence;
using Xunit;

namespace RcsCore.Rcs.Tests.Presence;

/// <summary>PIDF (RFC 3863) with OMA service-descriptions: round trips, capability mapping, safety.</summary>
public class RcsPidfTests
{
    private static Gen<RcsPresenceTuple> Tuple =>
        from id in RcsArbitraries.Id
        from serviceId in RcsArbitraries.Id
        from version in Gen.Elements("1.0", "2.0", "")
        from open in Gen.Elements(true, false)
        from contact in RcsArbitraries.OrNull(RcsArbitraries.Id.Select(i => "sip:" + i))
        from audio in Gen.Elements<bool?>(null, true, false)
        from video in Gen.Elements<bool?>(null, true, false)
        select new RcsPresenceTuple(id, serviceId, version, open, contact, audio, video);

    private static Gen<RcsPidfDocument> Document =>
        from entity in RcsArbitraries.Id.Select(i => "sip:" + i)
        from tuples in Gen.ListOf(Tuple)
        select new RcsPidfDocument(entity, tuples);

    [Property(MaxTest = 300)]
    public Property WriteThenParseIsIdentity() => Prop.ForAll(Document.ToArbitrary(), doc =>
    {
        Assert.True(RcsPidfDocument.TryParse(doc.Write(), out var read));
        Assert.Equal(doc.Entity, read!.Entity);
        Assert.Equal(doc.Tuples.Count, read.Tuples.Count);
        for (int i = 0; i < doc.Tuples.Count; i++)
        {
            var (a, b) = (doc.Tuples[i], read.Tuples[i]);
            Assert.Equal((a.Id, a.ServiceId, a.Version, a.IsOpen, a.Contact, a.Audio, a.Video), (b.Id, b.ServiceId, b.Version, b.IsOpen, b.Contact, b.Audio, b.Video));
        }
        Assert.Equal(doc.Write(), read.Write());
    });

    [Property(MaxTest = 200)]
    public Property CapabilitiesSurviveThePidfForm() => Prop.ForAll(
        Gen.SubListOf(RcsService.Known.Where(s => s != RcsService.IpVideoCall).ToArray()).ToArbitrary(), services =>
        {
            var caps = RcsCapabilities.FromServices(services);
            Assert.True(RcsPidfDocument.TryParse(RcsPidfDocument.FromCapabilities("sip:alice@example.com", caps, "sip:alice@192.0.2.1").Write(), out var read));
            Assert.Equal(caps.Services.Select(s => s.Name).Order(), read!.ToCapabilities().Services.Select(s => s.Name).Order());
        });

    [Fact]
    public void EveryKnownServiceMapsBack()
    {
        var caps = RcsCapabilities.FromServices(RcsService.Known);
        var doc = RcsPidfDocument.FromCapabilities("sip:bob@example.com", caps);
        Assert.Equal(RcsService.Known.Select(s => s.Name).Order(), doc.ToCapabilities().Services.Select(s => s.Name).Order());
    }

    [Fact]
    public void ReadsATerminalStylePublication()
    {
        const string xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:op="urn:oma:xml:prs:pidf:oma-pres" xmlns:caps="urn:ietf:params:xml:ns:pidf:caps" entity="tel:+15551234">
              <tuple id="a1"><status><basic>open</basic></status>
                <op:service-description><op:service-id>org.openmobilealliance:IM-session</op:service-id><op:version>1.0</op:version></op:service-description>
                <contact>tel:+15551234</contact><timestamp>2026-11-25T10:00:00Z</timestamp></tuple>
              <tuple id="a2"><status><basic>open</basic></status>
                <op:service-description><op:service-id>org.openmobilealliance:File-Transfer-HTTP</op:service-id><op:version>1.0</op:version></op:service-description></tuple>
              <tuple id="a3"><status><basic>closed</basic></status>
                <op:service-description><op:service-id>org.3gpp.urn:urn-7:3gpp-application.ims.iari.rcs.geopush</op:service-id><op:version>1.0</op:version></op:service-description></tuple>
              <tuple id="a4"><status><basic>open</basic></status>
                <op:service-description><op:service-id>org.3gpp.urn:urn-7:3gpp-service.ims.icsi.mmtel</op:service-id><op:version>1.0</op:version></op:service-description>
                <caps:servcaps><caps:audio>true</caps:audio><caps:video>true</caps:video></caps:servcaps></tuple>
              <note>ignored</note>
            </presence>
            """;
        Assert.True(RcsPidfDocument.TryParse(Encoding.UTF8.GetBytes(xml), out var doc));
        Assert.Equal("tel:+15551234", doc!.Entity);
        Assert.Equal(4, doc.Tuples.Count);
        Assert.Equal("tel:+15551234", doc.Tuples[0].Contact);
        Assert.Equal(["chat", "ft-http", "video", "voice"], doc.ToCapabilities().Services.Select(s => s.Name).Order());
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE presence [<!ENTITY x \"y\">]><presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\">&x;</presence>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>")]
    [InlineData("<presence xmlns=\"urn:other\" entity=\"sip:a@b\"/>")]
    [InlineData("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"><tuple>")]
    [InlineData("not xml")]
    public void RejectsDtdsAndNonPidf(string xml) =>
        Assert.False(RcsPidfDocument.TryParse(Encoding.UTF8.GetBytes(xml), out _));

    [Fact]
    public void RejectsOversizedDocuments()
    {
        var doc = RcsPidfDocument.FromCapabilities("sip:a@b", RcsCapabilities.FromServices(RcsService.Known)).Write();
        Assert.True(RcsPidfDocument.TryParse(doc, out _));
        Assert.False(RcsPidfDocument.TryParse(doc, out _, maxSize: 100));
    }
}
