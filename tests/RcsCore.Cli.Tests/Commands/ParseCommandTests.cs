using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs parse</c> prints exactly one stable line per file and exits 0 only when all parse.</summary>
public class ParseCommandTests
{
    private static (int Exit, string[] Lines) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.BuildRoot(stdout, stderr).Parse(args).Invoke();
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (exit, lines);
    }

    [Fact]
    public void PrintsOkLinesWithMethodOrStatusAndHeaderCount()
    {
        var wsinv = RepoPaths.CorpusFile("sip", "torture", "wsinv.dat");
        var noreason = RepoPaths.CorpusFile("sip", "torture", "noreason.dat");
        var (exit, lines) = Run("parse", wsinv, noreason);
        Assert.Equal(0, exit);
        Assert.Equal([$"{wsinv}\tok\tINVITE\t14", $"{noreason}\tok\t100\t7"], lines);
    }

    [Fact]
    public void PrintsErrorLinesAndExitsOne()
    {
        var bad = RepoPaths.CorpusFile("sip", "torture", "badvers.dat");
        var good = RepoPaths.CorpusFile("sip", "torture", "esc01.dat");
        var (exit, lines) = Run("parse", bad, good);
        Assert.Equal(1, exit);
        Assert.Equal(2, lines.Length);
        var cols = lines[0].Split('\t');
        Assert.Equal([bad, "error", "unsupported-version"], cols[..3]);
        Assert.Contains("at byte", cols[3], StringComparison.Ordinal);
        Assert.StartsWith($"{good}\tok\tINVITE\t", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTortureFileGivesExactlyOneLineMatchingTheManifest()
    {
        var manifest = File.ReadAllLines(RepoPaths.CorpusFile("sip", "torture", "MANIFEST.tsv")).Skip(1)
            .Select(l => l.Split('\t')).ToDictionary(c => c[0], c => c[1]);
        var files = manifest.Keys.Select(f => RepoPaths.CorpusFile("sip", "torture", f)).ToArray();
        var (exit, lines) = Run(["parse", .. files]);
        Assert.Equal(1, exit);
        Assert.Equal(files.Length, lines.Length);
        for (int i = 0; i < files.Length; i++)
        {
            var cols = lines[i].Split('\t');
            Assert.Equal(4, cols.Length);
            Assert.Equal(files[i], cols[0]);
            Assert.Equal(manifest[Path.GetFileName(files[i])] == "valid" ? "ok" : "error", cols[1]);
        }
    }

    [Fact]
    public void MissingFileIsAnErrorLineNotACrash()
    {
        var (exit, lines) = Run("parse", "/nonexistent/file.sip");
        Assert.Equal(1, exit);
        Assert.StartsWith("/nonexistent/file.sip\terror\tio\t", Assert.Single(lines), StringComparison.Ordinal);
    }

    [Fact]
    public void SdpModeParsesBareBodies()
    {
        var offer = RepoPaths.CorpusFile("sip", "sdp", "rfc4975-s11.1-offer.sdp");
        var fragment = RepoPaths.CorpusFile("sip", "sdp", "rfc4976-s11-offer-fragment.sdp");
        var (exit, lines) = Run("parse", "--sdp", offer, fragment);
        Assert.Equal(1, exit);
        Assert.Equal($"{offer}\tok\tsdp\t1", lines[0]);
        Assert.StartsWith($"{fragment}\terror\tsdp-missing-version\t", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void StreamModeRequiresContentLength()
    {
        var inv2543 = RepoPaths.CorpusFile("sip", "torture", "inv2543.dat");
        Assert.Equal(0, Run("parse", inv2543).Exit);
        var (exit, lines) = Run("parse", "--stream", inv2543);
        Assert.Equal(1, exit);
        Assert.Contains("\terror\tmissing-content-length\t", Assert.Single(lines), StringComparison.Ordinal);
    }

    [Fact]
    public void MsrpModePrintsMethodOrStatusAndHeaderCount()
    {
        var send = RepoPaths.CorpusFile("msrp", "rfc4975-s4-send1.msrp");
        var unauthorized = RepoPaths.CorpusFile("msrp", "rfc4976-s5.1-auth1-401.msrp");
        var auth = RepoPaths.CorpusFile("msrp", "rfc4976-s5.1-auth1.msrp");
        var (exit, lines) = Run("parse", "--msrp", send, unauthorized, auth);
        Assert.Equal(0, exit);
        Assert.Equal([$"{send}\tok\tSEND\t5", $"{unauthorized}\tok\t401\t3", $"{auth}\tok\tAUTH\t2"], lines);
    }

    [Fact]
    public void MsrpModeGivesOneLinePerCorpusFileMatchingTheManifest()
    {
        var rows = File.ReadAllLines(RepoPaths.CorpusFile("msrp", "MANIFEST.tsv")).Skip(1).Select(l => l.Split('\t')).ToArray();
        var files = rows.Select(r => RepoPaths.CorpusFile("msrp", r[0])).ToArray();
        var (exit, lines) = Run(["parse", "--msrp", .. files]);
        Assert.Equal(1, exit); // the RFC 4975 §5.1 snippets lack To-Path; one RFC 4976 response lacks its end-line
        Assert.Equal(files.Length, lines.Length);
        for (int i = 0; i < files.Length; i++)
        {
            var cols = lines[i].Split('\t');
            Assert.Equal(4, cols.Length);
            Assert.Equal(files[i], cols[0]);
            if (rows[i][1] == "valid")
            {
                Assert.Equal("ok", cols[1]);
                Assert.Equal(rows[i][4].Split(' ')[0], cols[2]);
            }
        }
        var errors = lines.Where(l => l.Split('\t')[1] == "error").Select(l => l.Split('\t')[2]).Order().ToArray();
        Assert.Equal(["msrp-incomplete", "msrp-missing-to-path", "msrp-missing-to-path"], errors);
    }

    [Fact]
    public void MsrpModeRejectsSipAndConflictingOptions()
    {
        var sip = RepoPaths.CorpusFile("sip", "torture", "esc01.dat");
        var (exit, lines) = Run("parse", "--msrp", sip);
        Assert.Equal(1, exit);
        Assert.StartsWith($"{sip}\terror\tmsrp-invalid-start-line\t", Assert.Single(lines), StringComparison.Ordinal);
        Assert.NotEqual(0, Run("parse", "--msrp", "--sdp", sip).Exit);
    }
}
