using RcsCore.Parsing.Sip;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Parsing.Tests.Sip;

/// <summary>RFC 4475 torture messages, one case per file of ../shared/corpus/sip/torture/MANIFEST.tsv.</summary>
public class TortureCorpusTests
{
    public static TheoryData<string, string> Manifest()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadAllLines(RepoPaths.CorpusFile("sip", "torture", "MANIFEST.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length >= 2)
            {
                data.Add(cols[0], cols[1]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Manifest))]
    public void ParsesPerManifest(string file, string expected)
    {
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", file));
        var result = SipMessageParser.Parse(bytes, SipFraming.Datagram, out var info);
        if (expected == "valid")
        {
            Assert.True(result.IsSuccess, $"{file}: {result.Message}");
            Assert.True(info.HeaderCount > 0);
        }
        else
        {
            Assert.False(result.IsSuccess, $"{file} must be rejected");
            Assert.True(s_expectedErrors.ContainsKey(file), $"{file}: no expected error listed; got {result.Error}");
            Assert.Equal(s_expectedErrors[file], result.Error);
            Assert.InRange(result.Offset, 0, bytes.Length);
        }
    }

    // The reason each invalid message is rejected for (the first problem in the message, RFC 4475 §3.1.2).
    private static readonly Dictionary<string, SipParseError> s_expectedErrors = new()
    {
        ["badinv01.dat"] = SipParseError.InvalidVia,               // §3.1.2.1 ";;,;,," in Via
        ["clerr.dat"] = SipParseError.ContentLengthExceedsBody,    // §3.1.2.2
        ["ncl.dat"] = SipParseError.InvalidContentLength,          // §3.1.2.3 negative
        ["scalar02.dat"] = SipParseError.InvalidCSeq,              // §3.1.2.4 CSeq first overflows
        ["scalarlg.dat"] = SipParseError.InvalidCSeq,              // §3.1.2.5
        ["quotbal.dat"] = SipParseError.UnterminatedQuotedString,  // §3.1.2.6
        ["ltgtruri.dat"] = SipParseError.InvalidRequestUri,        // §3.1.2.7
        ["lwsruri.dat"] = SipParseError.InvalidRequestUri,         // §3.1.2.8
        ["lwsstart.dat"] = SipParseError.InvalidRequestUri,        // §3.1.2.9
        ["trws.dat"] = SipParseError.InvalidVersion,               // §3.1.2.10
        ["escruri.dat"] = SipParseError.InvalidRequestUri,         // §3.1.2.11
        ["baddate.dat"] = SipParseError.InvalidDate,               // §3.1.2.12
        ["regbadct.dat"] = SipParseError.InvalidNameAddr,          // §3.1.2.13
        ["badaspec.dat"] = SipParseError.InvalidNameAddr,          // §3.1.2.14
        ["baddn.dat"] = SipParseError.InvalidNameAddr,             // §3.1.2.15
        ["badvers.dat"] = SipParseError.UnsupportedVersion,        // §3.1.2.16 (505)
        ["mismatch01.dat"] = SipParseError.CSeqMethodMismatch,     // §3.1.2.17
        ["mismatch02.dat"] = SipParseError.CSeqMethodMismatch,     // §3.1.2.18
        ["bigcode.dat"] = SipParseError.InvalidStatusCode,         // §3.1.2.19
    };

    [Fact]
    public void EveryManifestFileIsPresentAndHashMatches()
    {
        foreach (var line in File.ReadAllLines(RepoPaths.CorpusFile("sip", "torture", "MANIFEST.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", cols[0]));
            Assert.Equal(cols[3], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        }
    }

    [Fact]
    public void UnsupportedVersionSuggests505()
    {
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", "badvers.dat"));
        Assert.Equal(505, SipMessageParser.Parse(bytes, SipFraming.Datagram, out _).SuggestedStatusCode);
    }

    [Theory]
    [MemberData(nameof(Manifest))]
    public void NeverThrowsOnAnyPrefixOrFraming(string file, string expected)
    {
        _ = expected;
        var bytes = File.ReadAllBytes(RepoPaths.CorpusFile("sip", "torture", file));
        for (int i = 0; i <= bytes.Length; i++)
        {
            var prefix = bytes.AsSpan(0, i);
            var d = SipMessageParser.Parse(prefix, SipFraming.Datagram, out _);
            var s = SipMessageParser.Parse(prefix, SipFraming.Stream, out var info);
            Assert.InRange(d.Offset, 0, i);
            Assert.InRange(s.Offset, 0, i);
            if (s.IsSuccess)
            {
                Assert.InRange(info.MessageLength, 1, i);
            }
        }
    }
}
