using System.Buffers;
using System.Text;
using RcsCore.Parsing.Cpim;
using Xunit;

namespace RcsCore.Parsing.Tests.Cpim;

public class CpimMessageTests
{
    private const string ImdnNs = "urn:ietf:params:imdn";

    [Fact]
    public void BuildsAPagerModeMessageInCanonicalOrder()
    {
        var message = new CpimMessage
        {
            DateTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            To = [new CpimAddress("sip:bob@example.com", "Bob")],
            From = new CpimAddress("sip:alice@example.com", "Alice"),
        };
        message.SetHeader(ImdnNs, "Message-ID", "Abc123", "imdn");
        message.SetHeader(ImdnNs, "Disposition-Notification", "positive-delivery, display", "imdn");
        message.SetContent("text/plain;charset=UTF-8", "Hello"u8.ToArray(), includeContentLength: true);

        string expected =
            "From: Alice <sip:alice@example.com>\r\n" +
            "To: Bob <sip:bob@example.com>\r\n" +
            "DateTime: 2026-01-02T03:04:05Z\r\n" +
            "NS: imdn <urn:ietf:params:imdn>\r\n" +
            "imdn.Message-ID: Abc123\r\n" +
            "imdn.Disposition-Notification: positive-delivery, display\r\n" +
            "\r\n" +
            "Content-Type: text/plain;charset=UTF-8\r\n" +
            "Content-Length: 5\r\n" +
            "\r\n" +
            "Hello";
        Assert.Equal(expected, Encoding.UTF8.GetString(message.ToArray()));

        // Content-Length follows the content once present.
        message.SetContent("text/plain", "Hi"u8.ToArray());
        Assert.Equal(2, message.ContentLength);
        Assert.Equal("text/plain", message.ContentType);
    }

    [Fact]
    public void SetHeaderReplacesInPlaceAndReusesTheDeclaredPrefix()
    {
        Assert.True(CpimMessage.TryParse(Encoding.UTF8.GetBytes(
            "From: <im:a@b>\r\nNS: i <urn:ietf:params:imdn>\r\ni.Message-ID: one\r\nX: y\r\ni.message-id: two\r\n\r\n\r\n"), out CpimMessage? m).IsSuccess);
        Assert.Equal(["one", "two"], m!.GetHeaders(ImdnNs, "Message-ID"));
        m.SetHeader(ImdnNs, "Message-ID", "three", "imdn");
        Assert.Equal(["From", "NS", "i.Message-ID", "X"], m.Headers.Select(h => h.Name));
        Assert.Equal("three", m.GetHeader(ImdnNs, "message-id"));
        Assert.Equal("i", m.DeclareNamespace(ImdnNs, "imdn"));

        m.AddHeader(ImdnNs, "IMDN-Record-Route", "<sip:rr@example.com>", "imdn");
        Assert.Equal("i.IMDN-Record-Route", m.Headers[^1].Name);
        Assert.Equal(1, m.RemoveHeaders(ImdnNs, "IMDN-Record-Route"));
        Assert.Equal(0, m.RemoveHeaders(ImdnNs, "IMDN-Record-Route"));
        Assert.Equal(ImdnNs, m.ResolveNamespace(m.Headers[2]));
        Assert.Equal(CpimMessage.DefaultNamespaceUri, m.ResolveNamespace(m.Headers[3]));
        Assert.Equal("y", m.GetHeader(CpimMessage.DefaultNamespaceUri, "X"));
    }

    [Fact]
    public void TakenPrefixGetsADigitAndUndeclaredPrefixesResolveToNothing()
    {
        var m = new CpimMessage();
        m.AddHeader("urn:a", "H", "1", "p");
        m.AddHeader("urn:b", "H", "2", "p");
        Assert.Equal([new CpimNamespace("p", "urn:a"), new CpimNamespace("p2", "urn:b")], m.Namespaces);
        Assert.Equal("2", m.GetHeader("urn:b", "H"));

        m.Headers.Add(new CpimHeader("q.H", "3"));
        Assert.Null(m.ResolveNamespace(m.Headers[^1]));
        Assert.Null(m.GetHeader("urn:c", "H"));
    }

    [Fact]
    public void NearestDeclarationBeforeAHeaderWins()
    {
        Assert.True(CpimMessage.TryParse(Encoding.UTF8.GetBytes(
            "NS: p <urn:a>\r\np.H: 1\r\nNS: p <urn:b>\r\np.H: 2\r\n\r\n\r\n"), out CpimMessage? m).IsSuccess);
        Assert.Equal("1", m!.GetHeader("urn:a", "H"));
        Assert.Equal("2", m.GetHeader("urn:b", "H"));
    }

    [Fact]
    public void TypedSettersEscapeAndRemove()
    {
        var m = new CpimMessage { Subject = "line 1\nline \\2" };
        m.AddSubject("deuxième", "fr");
        Assert.Equal("Subject: line 1\\nline \\\\2", m.Headers[0].ToString());
        Assert.Equal("Subject:;lang=fr deuxième", m.Headers[1].ToString());
        Assert.Equal("line 1\nline \\2", m.Subject);
        Assert.Equal([new CpimSubject("line 1\nline \\2", null), new CpimSubject("deuxième", "fr")], m.Subjects);

        m.From = new CpimAddress("im:a@b");
        m.From = new CpimAddress("im:c@d", "C");
        Assert.Equal(new CpimAddress("im:c@d", "C"), m.From);
        m.Cc = [new CpimAddress("im:x@y"), new CpimAddress("im:z@w")];
        m.AddTo(new CpimAddress("im:t@u"));
        Assert.Equal(["From", "To", "cc", "cc", "Subject", "Subject"], m.Headers.Select(h => h.Name));

        m.From = null;
        m.Subject = null;
        m.DateTime = null;
        m.ContentType = null;
        Assert.Null(m.From);
        Assert.Null(m.Subject);
        Assert.Equal(["To", "cc", "cc"], m.Headers.Select(h => h.Name));
        Assert.Throws<ArgumentException>(() => m.AddSubject("x", "f r"));
        Assert.Throws<ArgumentException>(() => m.SetHeader(ImdnNs, "Message ID", "x", "imdn"));
        Assert.Throws<ArgumentException>(() => m.DeclareNamespace(ImdnNs, "im.dn"));
        Assert.Throws<ArgumentException>(() => new CpimAddress("sip:a b"));
    }

    [Fact]
    public void WriterRejectsWhatWouldBreakFraming()
    {
        var writer = new CpimWriter(new ArrayBufferWriter<byte>());
        Assert.Throws<ArgumentException>(() => writer.WriteHeader("Sub ject", "", "x"));
        Assert.Throws<ArgumentException>(() => writer.WriteHeader("a.b.c", "", "x"));
        Assert.Throws<ArgumentException>(() => writer.WriteHeader("X", "", "a\r\nTo: evil"));
        Assert.Throws<ArgumentException>(() => writer.WriteHeader("X", "lang=fr", "x"));
        Assert.Throws<ArgumentException>(() => writer.WriteHeader("X", "", "\uD800"));
        Assert.Throws<ArgumentException>(() => writer.WriteMimeHeader("Content-Type", "a\r\n\r\nbody"));
        Assert.Throws<ArgumentException>(() => writer.WriteMimeHeader("Content Type", "a"));
        Assert.Throws<ArgumentException>(() => writer.WriteNamespace("a b", "urn:x"));
        Assert.Throws<ArgumentException>(() => writer.WriteNamespace("a", "urn:x y"));
    }

    [Fact]
    public void WriterProducesExactBytesWithoutTheModel()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new CpimWriter(buffer);
        writer.WriteFrom(new CpimAddress("im:alice@example.com", "Alice"));
        writer.WriteTo(new CpimAddress("im:bob@example.com", "Bob"));
        writer.WriteCc(new CpimAddress("im:carol@example.com"));
        writer.WriteDateTime(new DateTimeOffset(2006, 4, 4, 12, 16, 49, TimeSpan.FromHours(-5)));
        writer.WriteSubject("hi\tthere", "en");
        writer.WriteNamespace("imdn", ImdnNs);
        writer.WriteTextHeader("imdn.Message-ID", "34jk324j");
        writer.WriteHeader("Require", "", "imdn.Message-ID");
        writer.WriteSeparator();
        writer.WriteMimeHeader("Content-Type", "multipart/mixed;\r\n boundary=b");
        writer.WriteSeparator();
        writer.WriteContent("Hello World\r\n"u8);

        string expected =
            "From: Alice <im:alice@example.com>\r\n" +
            "To: Bob <im:bob@example.com>\r\n" +
            "cc: <im:carol@example.com>\r\n" +
            "DateTime: 2006-04-04T12:16:49-05:00\r\n" +
            "Subject:;lang=en hi\\tthere\r\n" +
            "NS: imdn <urn:ietf:params:imdn>\r\n" +
            "imdn.Message-ID: 34jk324j\r\n" +
            "Require: imdn.Message-ID\r\n" +
            "\r\n" +
            "Content-Type: multipart/mixed;\r\n boundary=b\r\n" +
            "\r\n" +
            "Hello World\r\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(buffer.WrittenSpan));

        Assert.True(CpimMessage.TryParse(buffer.WrittenSpan, out CpimMessage? m).IsSuccess);
        Assert.Equal(buffer.WrittenSpan.ToArray(), m!.ToArray());
        Assert.Equal(["imdn.Message-ID"], m.Require);
        Assert.Equal([new CpimSubject("hi\tthere", "en")], m.Subjects);
    }
}
