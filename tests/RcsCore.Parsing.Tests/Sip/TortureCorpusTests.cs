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
        }
    }
}
