using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Cpim;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Parsing.Tests.Cpim;

/// <summary>
/// Every file of ../shared/corpus/cpim per its MANIFEST.tsv: the .cpim objects here (values taken from the files), the
/// .xml documents in RcsCore.Rcs.Tests (IMDN, isComposing).
/// </summary>
public class CpimCorpusTests
{
    private const string ImdnNs = "urn:ietf:params:imdn";

    public static TheoryData<string, string, string> CpimFiles()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((string file, string @class, string sha256) in ManifestRows())
        {
            if (file.EndsWith(".cpim", StringComparison.Ordinal))
            {
                data.Add(file, @class, sha256);
            }
        }

        return data;
    }

    internal static List<(string File, string Class, string Sha256)> ManifestRows()
    {
        var rows = new List<(string, string, string)>();
        foreach (string line in File.ReadAllLines(RepoPaths.CorpusFile("cpim", "MANIFEST.tsv")).Skip(1))
        {
            if (line.Length == 0)
            {
                continue;
            }

            string[] columns = line.Split('\t');
            rows.Add((columns[0], columns[1], columns[3]));
        }

        return rows;
    }

    internal static byte[] Read(string file)
    {
        string path = RepoPaths.CorpusFile("cpim", file);
        Assert.True(File.Exists(path), $"Corpus file missing: {path}");
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void ManifestListsEveryFile()
    {
        string dir = RepoPaths.CorpusFile("cpim");
        var onDisk = Directory.GetFiles(dir).Select(Path.GetFileName).Where(f => f is not ("MANIFEST.tsv" or "README.md")).Order(StringComparer.Ordinal).ToArray();
        var listed = ManifestRows().Select(row => row.File).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(onDisk, listed);
        Assert.Equal(8, listed.Length);
        Assert.Equal(5, listed.Count(f => f.EndsWith(".cpim", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(CpimFiles))]
    public void ManifestClassMatchesTheParser(string file, string @class, string sha256)
    {
        byte[] bytes = Read(file);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        CpimParseResult result = CpimMessage.TryParse(bytes, out CpimMessage? message);
        Assert.Equal(@class == "valid", result.IsSuccess);
        Assert.Equal(result.IsSuccess, message is not null);
    }

    [Fact]
    public void Rfc3862ExampleWithOuterHeaderSubjectsNamespaceAndRequire()
    {
        byte[] bytes = Read("rfc3862-s5.1-example.cpim");
        CpimMessage message = Parses(bytes);

        Assert.Equal([new CpimHeader("Content-type", "Message/CPIM")], message.OuterHeaders);
        Assert.Equal(new CpimAddress("im:piglet@100akerwood.com", "MR SANDERS"), message.From);
        Assert.Equal([new CpimAddress("im:eeyore@100akerwood.com", "Depressed Donkey")], message.To);
        Assert.Empty(message.Cc);
        Assert.True(new DateTimeOffset(2000, 12, 13, 13, 40, 0, TimeSpan.FromHours(-8)).EqualsExact(message.DateTime!.Value));
        Assert.Equal("the weather will be fine today", message.Subject);
        Assert.Equal(
            [new CpimSubject("the weather will be fine today", null), new CpimSubject("beau temps prevu pour aujourd'hui", "fr")],
            message.Subjects);
        Assert.Equal([new CpimNamespace("MyFeatures", "mid:MessageFeatures@id.foo.com")], message.Namespaces);
        Assert.Equal(["MyFeatures.VitalMessageOption"], message.Require);
        Assert.Equal("Confirmation-requested", message.GetHeader("mid:MessageFeatures@id.foo.com", "VitalMessageOption"));
        Assert.Equal("Use-silly-font", message.GetHeader("mid:MessageFeatures@id.foo.com", "WackyMessageOption"));
        Assert.Null(message.GetHeader("urn:other", "WackyMessageOption"));
        Assert.Equal(9, message.Headers.Count);
        Assert.Equal(";lang=fr", message.Headers[4].Parameters);

        Assert.Equal("text/xml; charset=utf-8", message.ContentType);
        Assert.Equal("<1234567890@foo.com>", message.GetContentHeader("Content-ID"));
        Assert.Null(message.ContentLength);
        Assert.Equal("<body>\r\nHere is the text of my message.\r\n</body>\r\n", Encoding.UTF8.GetString(message.Content.Span));

        // Canonical input: parse then write gives the same bytes.
        Assert.Equal(bytes, message.ToArray());
    }

    [Fact]
    public void Rfc3862ExampleThroughTheReader()
    {
        byte[] bytes = Read("rfc3862-s5.1-example.cpim");
        var reader = new CpimReader(bytes);
        var seen = new List<(CpimSection, CpimHeaderKind, string, string, string)>();
        while (reader.TryReadHeader(out CpimHeaderLine h))
        {
            seen.Add((h.Section, h.Kind, Encoding.UTF8.GetString(h.Prefix), Encoding.UTF8.GetString(h.LocalName), Encoding.UTF8.GetString(h.Value)));
            Assert.True(bytes.AsSpan(h.Offset).StartsWith(h.Name));
        }

        Assert.True(reader.IsAtContent, reader.Error.ToString());
        Assert.True(reader.HasOuterHeaders);
        Assert.False(reader.SeparatorMissing);
        Assert.Equal(-1, reader.ContentLength);
        Assert.Equal(
            [
                (CpimSection.OuterHeaders, CpimHeaderKind.ContentType, "", "Content-type", "Message/CPIM"),
                (CpimSection.MessageHeaders, CpimHeaderKind.From, "", "From", "MR SANDERS <im:piglet@100akerwood.com>"),
                (CpimSection.MessageHeaders, CpimHeaderKind.To, "", "To", "Depressed Donkey <im:eeyore@100akerwood.com>"),
                (CpimSection.MessageHeaders, CpimHeaderKind.DateTime, "", "DateTime", "2000-12-13T13:40:00-08:00"),
                (CpimSection.MessageHeaders, CpimHeaderKind.Subject, "", "Subject", "the weather will be fine today"),
                (CpimSection.MessageHeaders, CpimHeaderKind.Subject, "", "Subject", "beau temps prevu pour aujourd'hui"),
                (CpimSection.MessageHeaders, CpimHeaderKind.Namespace, "", "NS", "MyFeatures <mid:MessageFeatures@id.foo.com>"),
                (CpimSection.MessageHeaders, CpimHeaderKind.Require, "", "Require", "MyFeatures.VitalMessageOption"),
                (CpimSection.MessageHeaders, CpimHeaderKind.Other, "MyFeatures", "VitalMessageOption", "Confirmation-requested"),
                (CpimSection.MessageHeaders, CpimHeaderKind.Other, "MyFeatures", "WackyMessageOption", "Use-silly-font"),
                (CpimSection.ContentHeaders, CpimHeaderKind.ContentType, "", "Content-type", "text/xml; charset=utf-8"),
                (CpimSection.ContentHeaders, CpimHeaderKind.ContentId, "", "Content-ID", "<1234567890@foo.com>"),
            ],
            seen);
        Assert.Equal("<body>\r\nHere is the text of my message.\r\n</body>\r\n", Encoding.UTF8.GetString(reader.Content));
    }

    [Fact]
    public void Rfc5438ImRequestingDeliveryNotifications()
    {
        byte[] bytes = Read("rfc5438-s7.1.1.3-im-request-delivery.cpim");
        var reader = new CpimReader(bytes);
        Assert.True(reader.SkipToContent(), reader.Error.ToString());

        // As published, the content headers follow the message headers without a blank line.
        Assert.True(reader.SeparatorMissing);
        Assert.False(reader.HasOuterHeaders);
        Assert.Equal(12, reader.ContentLength);

        CpimMessage message = Parses(bytes);
        Assert.Equal(new CpimAddress("im:alice@example.com", "Alice"), message.From);
        Assert.Equal([new CpimAddress("im:bob@example.com", "Bob")], message.To);
        Assert.Equal([new CpimNamespace("imdn", ImdnNs)], message.Namespaces);
        Assert.Equal("34jk324j", message.GetHeader(ImdnNs, "Message-ID"));
        Assert.Equal("positive-delivery, negative-delivery", message.GetHeader(ImdnNs, "Disposition-Notification"));
        Assert.True(new DateTimeOffset(2006, 4, 4, 12, 16, 49, TimeSpan.FromHours(-5)).EqualsExact(message.DateTime!.Value));
        Assert.Equal("text/plain", message.ContentType);

        // The RFC's Content-length (12) is one less than "Hello World" CRLF; the content is everything after the headers.
        Assert.Equal(12, message.ContentLength);
        Assert.Equal("Hello World\r\n", Encoding.UTF8.GetString(message.Content.Span));
        Assert.Equal(6, message.Headers.Count);
        Assert.Equal(2, message.ContentHeaders.Count);

        // Written back, the only difference is the blank line RFC 3862 §2 requires before the content headers.
        string expected = Encoding.UTF8.GetString(bytes).Replace("\r\nContent-type", "\r\n\r\nContent-type", StringComparison.Ordinal);
        Assert.Equal(expected, Encoding.UTF8.GetString(message.ToArray()));
    }

    [Theory]
    [InlineData("rfc5438-s7.2.1.1-delivery-notification.cpim", false)]
    [InlineData("rfc5438-s8.1-processing-notification.cpim", true)]
    [InlineData("rfc5438-s8.3-aggregated-notification.cpim", false)]
    public void Rfc5438NotificationsWithContentLengthPlaceholderAreRejectedAtThatLine(string file, bool outer)
    {
        byte[] bytes = Read(file);
        int line = Encoding.ASCII.GetString(bytes).IndexOf("Content-length: ...", StringComparison.Ordinal);
        Assert.True(line > 0);

        CpimParseResult result = CpimMessage.TryParse(bytes, out CpimMessage? message);
        Assert.Null(message);
        Assert.Equal(new CpimParseResult(CpimParseError.InvalidContentLength, line, ""), result);

        // The reader gets every header before that line, with the values the file holds.
        var reader = new CpimReader(bytes);
        var headers = new List<string>();
        while (reader.TryReadHeader(out CpimHeaderLine h))
        {
            headers.Add(Encoding.UTF8.GetString(h.Name) + ": " + Encoding.UTF8.GetString(h.Value));
        }

        Assert.Equal(result, reader.Error);
        Assert.Equal(outer, reader.HasOuterHeaders);
        Assert.Contains("From: Bob <im:bob@example.com>", headers);
        Assert.Contains("To: Alice <im:alice@example.com>", headers);
        Assert.Contains("Content-Disposition: notification", headers);
        Assert.Contains(file.Contains("s8.3", StringComparison.Ordinal) ? "Content-type: multipart/mixed; boundary=\"imdn-boundary\"" : "Content-type: message/imdn+xml", headers);
        if (!outer)
        {
            Assert.Contains("imdn.Message-ID: d834jied93rf", headers);
        }
    }

    [Theory]
    [MemberData(nameof(CpimFiles))]
    public void EveryPrefixGivesAStructuredResult(string file, string @class, string sha256)
    {
        _ = sha256;
        byte[] bytes = Read(file);
        CpimParseResult full = CpimMessage.TryParse(bytes, out CpimMessage? whole);
        int contentStart = whole is null ? int.MaxValue : bytes.Length - whole.Content.Length;
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            CpimParseResult result = CpimMessage.TryParse(bytes.AsSpan(0, cut), out CpimMessage? message);
            Assert.Equal(result.IsSuccess, message is not null);
            Assert.InRange(result.Offset, 0, cut);
            if (cut == 0)
            {
                Assert.Equal(CpimParseError.EmptyInput, result.Error);
            }
            else if (!full.IsSuccess && full.Offset < cut && cut < bytes.Length)
            {
                // Cut after the bad line: the same error, or the cut is still inside the headers.
                Assert.True(result == full || result.Error == CpimParseError.UnterminatedHeaders, $"{cut}: {result}");
            }
            else if (cut < contentStart)
            {
                Assert.Equal(CpimParseError.UnterminatedHeaders, result.Error);
            }
            else if (whole!.ContentLength is { } length && length > cut - contentStart)
            {
                Assert.Equal(new CpimParseResult(CpimParseError.ContentTruncated, contentStart, ""), result);
            }
            else
            {
                Assert.True(result.IsSuccess, $"{cut}: {result}");
                Assert.Equal(bytes.AsSpan(contentStart, cut - contentStart).ToArray(), message!.Content.ToArray());
            }
        }

        Assert.Equal(@class == "valid", full.IsSuccess);
    }

    private static CpimMessage Parses(byte[] bytes)
    {
        CpimParseResult result = CpimMessage.TryParse(bytes, out CpimMessage? message);
        Assert.True(result.IsSuccess, result.ToString());
        return message!;
    }
}
