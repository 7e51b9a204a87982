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
}
