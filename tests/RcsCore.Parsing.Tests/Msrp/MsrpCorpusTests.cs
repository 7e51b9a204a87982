using System.Globalization;
using System.Security.Cryptography;
using RcsCore.Parsing.Msrp;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>
/// ../shared/corpus/msrp/, one case per MANIFEST.tsv row: valid files yield the method or status, transaction id,
/// continuation flag, body length and Byte-Range the MANIFEST lists; files invalid as written fail for the reason
/// their notes give. Every file also goes through the frame reader cut at every prefix and split at every offset.
/// </summary>
public class MsrpCorpusTests
{
    internal sealed record Row(string File, string Class, string Sha256, string MethodOrStatus, string Tid, string Flag, string BodyLength, string ByteRange, string Notes);

    internal static IReadOnlyList<Row> Rows { get; } = LoadRows();

    private static List<Row> LoadRows()
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadAllLines(RepoPaths.CorpusFile("msrp", "MANIFEST.tsv")).Skip(1))
        {
            var c = line.Split('\t');
            if (c.Length >= 9)
            {
                rows.Add(new Row(c[0], c[1], c[3], c[4], c[5], c[6], c[7], c[8], c.Length > 9 ? c[9] : ""));
            }
        }
        return rows;
    }

    internal static byte[] Bytes(string file) => File.ReadAllBytes(RepoPaths.CorpusFile("msrp", file));

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var r in Rows)
        {
            data.Add(r.File);
        }
        return data;
    }

    private static Row RowOf(string file) => Rows.Single(r => r.File == file);

    // Why each file marked invalid is invalid as written (MANIFEST notes), as the parser must report it.
    private static readonly Dictionary<string, MsrpParseError> s_expectedErrors = new()
    {
        ["rfc4975-s5.1-chunk1.msrp"] = MsrpParseError.MissingToPath,   // §5.1 snippet: no To-Path/From-Path
        ["rfc4975-s5.1-chunk2.msrp"] = MsrpParseError.MissingToPath,   // §5.1 snippet: no To-Path/From-Path
        ["rfc4976-s3-200ok-hop3.msrp"] = MsrpParseError.Incomplete,     // RFC text has no end-line
    };

    // Invalid only for length checks: the body is a "..." placeholder, so Byte-Range does not describe the bytes.
    private static readonly HashSet<string> s_placeholderBodies =
    [
        "rfc5547-s9.1-send-chunk1.msrp",
        "rfc5547-s9.1-send-chunk2.msrp",
        "rfc5547-s9.2-send-file.msrp",
    ];

    [Fact]
    public void ManifestListsEveryFileAndHashesMatch()
    {
        var listed = Rows.Select(r => r.File).Order().ToArray();
        var present = Directory.GetFiles(RepoPaths.CorpusFile("msrp"), "*.msrp").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(present, listed);
        Assert.Equal(31, listed.Length);
        foreach (var r in Rows)
        {
            Assert.Equal(r.Sha256, Convert.ToHexStringLower(SHA256.HashData(Bytes(r.File))));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ParsesPerManifest(string file)
    {
        var row = RowOf(file);
        var bytes = Bytes(file);
        var result = MsrpMessageParser.Parse(bytes, out var info);

        if (s_expectedErrors.TryGetValue(file, out var expectedError))
        {
            Assert.Equal("invalid", row.Class);
            Assert.Equal(expectedError, result.Error);
            Assert.InRange(result.Offset, 0, bytes.Length);
            if (expectedError == MsrpParseError.Incomplete)
            {
                // The headers never end (no end-line): the frame reader waits and consumes nothing.
                var run = MsrpTestDriver.Drive(bytes, []);
                Assert.False(run.Failed);
                Assert.Empty(run.Messages);
                Assert.Equal(0, run.Consumed);
                Assert.Equal(bytes.Length, run.MaxHeldBeforeHead);
            }
            return;
        }

        Assert.True(result.IsSuccess, $"{file}: {result.Message}");
        Assert.Equal(bytes.Length, info.MessageLength);
        Assert.Equal(row.Tid, System.Text.Encoding.ASCII.GetString(bytes, 5, info.TransactionIdLength));
        Assert.Equal(row.Flag, ((char)(byte)info.Continuation).ToString());

        var what = row.MethodOrStatus.Split(' ', 2);
        if (char.IsDigit(what[0][0]))
        {
            Assert.Equal(MsrpMessageKind.Response, info.Kind);
            Assert.Equal(int.Parse(what[0], CultureInfo.InvariantCulture), info.StatusCode);
            var reader = new MsrpReader(bytes);
            Assert.True(reader.ReadStartLine(out var start));
            Assert.Equal(what[1], System.Text.Encoding.UTF8.GetString(start.Comment));
        }
        else
        {
            Assert.Equal(MsrpMessageKind.Request, info.Kind);
            var expectedMethod = what[0] switch
            {
                "SEND" => MsrpMethod.Send,
                "REPORT" => MsrpMethod.Report,
                "AUTH" => MsrpMethod.Auth,
                _ => MsrpMethod.Other,
            };
            Assert.Equal(expectedMethod, info.Method);
        }

        if (row.BodyLength.StartsWith('0') && row.BodyLength.Contains("no body", StringComparison.Ordinal))
        {
            Assert.False(info.HasBody);
            Assert.Equal(0, info.BodyLength);
        }
        else
        {
            Assert.True(info.HasBody);
            Assert.Equal(int.Parse(row.BodyLength, CultureInfo.InvariantCulture), info.BodyLength);
        }

        if (row.ByteRange == "-")
        {
            Assert.False(info.HasByteRange);
        }
        else
        {
            Assert.True(info.HasByteRange);
            Assert.Equal(row.ByteRange, info.ByteRange.ToString());
        }

        if (s_placeholderBodies.Contains(file))
        {
            // Invalid only for length checks (MANIFEST notes): parses, but the Byte-Range span is not the body length.
            Assert.Equal("invalid", row.Class);
            Assert.Contains("placeholder", row.Notes, StringComparison.Ordinal);
            Assert.NotEqual(info.ByteRange.Length, info.BodyLength);
        }
        else
        {
            Assert.Equal("valid", row.Class);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryPrefixIsIncompleteAndConsumesNothingBeforeTheHead(string file)
    {
        var bytes = Bytes(file);
        var full = MsrpMessageParser.Parse(bytes, out var fullInfo);
        for (int i = 0; i < bytes.Length; i++)
        {
            var prefix = bytes.AsSpan(0, i);
            var r = MsrpMessageParser.Parse(prefix, out _);
            // A prefix is "wait for more" until the header section is complete; from then on an error found in the
            // headers (the §5.1 snippets' missing To-Path) is already certain.
            if (r.Error != MsrpParseError.Incomplete)
            {
                Assert.False(full.IsSuccess, $"{file}: prefix {i} gave {r.Message}");
                Assert.Equal(full.Error, r.Error);
                continue;
            }
            Assert.Equal(i, r.Offset);

            var run = MsrpTestDriver.Drive(prefix.ToArray(), []);
            Assert.False(run.Failed, $"{file}: prefix {i}: {run.Error.Message}");
            if (run.Messages.Count == 0)
            {
                Assert.Equal(0, run.Consumed); // STYLE §2.2: nothing consumed before the head is complete
            }
            else
            {
                var m = Assert.Single(run.Messages);
                Assert.False(m.Ended);
                Assert.True(full.IsSuccess || full.Error == MsrpParseError.Incomplete);
                // The body seen so far is a prefix of the real body, and at most an end-line window is held back.
                var body = m.Body.ToArray();
                if (full.IsSuccess)
                {
                    Assert.True(bytes.AsSpan(fullInfo.BodyOffset, body.Length).SequenceEqual(body), $"{file}: prefix {i} body");
                }
                Assert.InRange(i - run.Consumed, 0, MsrpLimits.Default.EndLineWindow - 1);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EverySplitGivesTheSameResult(string file)
    {
        var bytes = Bytes(file);
        var (expectedResult, expected) = MsrpTestDriver.ParseWhole(bytes);
        var oneByOne = Enumerable.Range(1, bytes.Length).ToArray();
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            Check($"split {cut}", [cut], []);
            Check($"arrive {cut}", [], [cut]);
        }
        Check("one byte per segment", oneByOne, []);
        Check("one byte per arrival", [], oneByOne);

        void Check(string name, int[] segmentCuts, int[] arrivals)
        {
            DriveResult run;
            if (segmentCuts.Length > 0 && arrivals.Length == 0)
            {
                // All bytes at once, in several segments.
                run = MsrpTestDriver.DriveSegments(bytes, segmentCuts);
            }
            else
            {
                run = MsrpTestDriver.Drive(bytes, arrivals);
            }
            if (expectedResult.IsSuccess)
            {
                Assert.False(run.Failed, $"{file} {name}: {run.Error.Message}");
                MsrpTestDriver.AssertSame(expected!, Assert.Single(run.Messages), $"{file} {name}");
                Assert.Equal(bytes.Length, run.Consumed);
            }
            else if (expectedResult.Error == MsrpParseError.Incomplete)
            {
                Assert.False(run.Failed, $"{file} {name}");
                Assert.Empty(run.Messages);
                Assert.Equal(0, run.Consumed);
            }
            else
            {
                Assert.True(run.Failed, $"{file} {name}");
                Assert.Equal(expectedResult, run.Error);
            }
        }
    }
}
