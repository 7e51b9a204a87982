using System.Text;
using RcsCore.Rcs.Composing;
using Xunit;

namespace RcsCore.Rcs.Tests.Composing;

public class IsComposingDocumentTests
{
    private const string Head = "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">";

    private static IsComposingParseError Parse(string xml, out IsComposingDocument? document) =>
        IsComposingDocument.TryParse(Encoding.UTF8.GetBytes(xml), out document);

    [Fact]
    public void Rfc3994ActiveExample()
    {
        Assert.Equal(IsComposingParseError.None, IsComposingDocument.TryParse(Corpus.Read("rfc3994-s5-active.xml"), out IsComposingDocument? document));
        Assert.Equal(new IsComposingDocument(IsComposingState.Active) { ContentType = "text/plain", Refresh = 90 }, document);
        Assert.Null(document!.LastActive);
    }

    [Fact]
    public void WritesExactBytes()
    {
        var idle = new IsComposingDocument(IsComposingState.Idle)
        {
            LastActive = new DateTimeOffset(2003, 1, 27, 10, 43, 0, TimeSpan.Zero),
            ContentType = "audio",
        };
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" +
            "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\r\n" +
            "  <state>idle</state>\r\n" +
            "  <lastactive>2003-01-27T10:43:00Z</lastactive>\r\n" +
            "  <contenttype>audio</contenttype>\r\n" +
            "</isComposing>\r\n",
            Encoding.UTF8.GetString(idle.ToArray()));

        var active = new IsComposingDocument(IsComposingState.Active) { Refresh = 120 };
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" +
            "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\r\n" +
            "  <state>active</state>\r\n" +
            "  <refresh>120</refresh>\r\n" +
            "</isComposing>\r\n",
            Encoding.UTF8.GetString(active.ToArray()));
        Assert.Equal(IsComposingParseError.None, IsComposingDocument.TryParse(active.ToArray(), out IsComposingDocument? parsed));
        Assert.Equal(active, parsed);
    }

    [Theory]
    [InlineData("<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"/>", IsComposingParseError.NotIsComposing)]
    [InlineData("<isComposing/>", IsComposingParseError.NotIsComposing)]
    [InlineData(Head + "</isComposing>", IsComposingParseError.InvalidState)]
    [InlineData(Head + "<state>typing</state></isComposing>", IsComposingParseError.InvalidState)]
    [InlineData(Head + "<state>idle</state><lastactive>now</lastactive></isComposing>", IsComposingParseError.InvalidLastActive)]
    [InlineData(Head + "<state>active</state><refresh>0</refresh></isComposing>", IsComposingParseError.InvalidRefresh)]
    [InlineData(Head + "<state>active</state><refresh>-5</refresh></isComposing>", IsComposingParseError.InvalidRefresh)]
    [InlineData(Head + "<state>active</state><refresh>99999999999</refresh></isComposing>", IsComposingParseError.InvalidRefresh)]
    [InlineData(Head + "<state>active</state><state>idle</state></isComposing>", IsComposingParseError.DuplicateElement)]
    [InlineData(Head + "<state>active</state>", IsComposingParseError.MalformedXml)]
    [InlineData("<!DOCTYPE isComposing [<!ENTITY e \"active\">]>" + Head + "<state>&e;</state></isComposing>", IsComposingParseError.MalformedXml)]
    [InlineData("", IsComposingParseError.MalformedXml)]
    public void RejectsWithStableCodes(string xml, IsComposingParseError expected)
    {
        Assert.Equal(expected, Parse(xml, out IsComposingDocument? document));
        Assert.Null(document);
    }

    [Fact]
    public void ExtensionsAndWhitespaceAreSkippedAndSizeIsBounded()
    {
        Assert.Equal(IsComposingParseError.None, Parse(
            Head + "\n <x:y xmlns:x=\"urn:x\">z</x:y>\n <state> Active </state> <future/>\n <refresh>\n60\n</refresh></isComposing>",
            out IsComposingDocument? document));
        Assert.Equal(new IsComposingDocument(IsComposingState.Active) { Refresh = 60 }, document);

        byte[] big = Encoding.UTF8.GetBytes(Head + "<state>idle</state><!--" + new string('x', 20_000) + "--></isComposing>");
        Assert.Equal(IsComposingParseError.TooLarge, IsComposingDocument.TryParse(big, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IsComposingDocument(IsComposingState.Active) { Refresh = 0 });
    }
}
