using System.Text;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Rcs.Tests;

/// <summary>../shared/corpus/cpim: its MANIFEST.tsv and exact bytes.</summary>
internal static class Corpus
{
    public static List<(string File, string Class, string Sha256)> Manifest()
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

    public static byte[] Read(string file)
    {
        string path = RepoPaths.CorpusFile("cpim", file);
        Assert.True(File.Exists(path), $"Corpus file missing: {path}");
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// The encapsulated content of an RFC 5438 notification whose CPIM framing the parser rightly rejects
    /// (<c>Content-length: ...</c>): everything after the blank line that follows that header.
    /// </summary>
    public static byte[] BodyAfterPlaceholder(byte[] cpim)
    {
        string text = Encoding.ASCII.GetString(cpim);
        int placeholder = text.IndexOf("Content-length: ...\r\n", StringComparison.Ordinal);
        Assert.True(placeholder > 0);
        int blank = text.IndexOf("\r\n\r\n", placeholder, StringComparison.Ordinal);
        return cpim[(blank + 4)..];
    }

    /// <summary>
    /// The value of a header line in the file, the last match before the body (so the encapsulated Content-type, not
    /// an outer one), for asserting against the file itself.
    /// </summary>
    public static string HeaderValue(byte[] cpim, string name)
    {
        string? value = null;
        string text = Encoding.UTF8.GetString(cpim);
        foreach (string line in text[..text.IndexOf("Content-length: ...", StringComparison.Ordinal)].Split("\r\n"))
        {
            if (line.StartsWith(name + ": ", StringComparison.Ordinal))
            {
                value = line[(name.Length + 2)..];
            }
        }

        return value ?? throw new InvalidOperationException($"No {name} header in the file.");
    }
}
