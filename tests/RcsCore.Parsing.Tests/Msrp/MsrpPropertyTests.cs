using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>A message as the generator builds it and the writer writes it.</summary>
public sealed record MsrpModel(
    string Tid,
    string? Method,
    int Status,
    string Comment,
    (string Name, string Value)[] Headers,
    byte[]? Body,
    MsrpContinuation Flag,
    int[] Cuts)
{
    public override string ToString() =>
        $"MSRP {Tid} {Method ?? Status.ToString(System.Globalization.CultureInfo.InvariantCulture)} {Comment} [{string.Join("; ", Headers.Select(h => h.Name + ": " + h.Value))}] body={(Body is null ? "none" : Convert.ToHexString(Body))} {(char)Flag} cuts={string.Join(",", Cuts)}";
}

/// <summary>FsCheck round trips and robustness of the MSRP readers (STYLE §3).</summary>
public class MsrpPropertyTests
{
    private const string Alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private static Gen<string> Chars(string alphabet, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Gen.Elements(alphabet.ToCharArray()), n)).Select(c => new string(c));

    private static readonly Gen<string> s_tid =
        from first in Chars(Alnum, 1, 1)
        from rest in Chars(Alnum + ".-+%=", 3, 31)
        select first + rest;

    private static readonly Gen<string> s_uri =
        from secure in Gen.Elements("msrp", "msrps")
        from user in Gen.OneOf(Gen.Constant(""), Chars(Alnum, 1, 6).Select(u => u + "@"))
        from host in Gen.OneOf(Chars(Alnum + "-.", 1, 20).Where(h => h[0] != '-'), Gen.Elements("[2001:db8::1]", "192.0.2.1"))
        from port in Gen.OneOf(Gen.Constant(""), Gen.Choose(0, 65535).Select(p => ":" + p))
        from session in Gen.OneOf(Gen.Constant(""), Chars(Alnum + "-._~+=/", 1, 20).Select(s => "/" + s))
        from transport in Gen.Elements("tcp", "ws", "TCP")
        select $"{secure}://{user}{host}{port}{session};{transport}";

    private static readonly Gen<string> s_path = Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(s_uri, n)).Select(u => string.Join(' ', u));

    private static readonly Gen<string> s_text =
        Chars(Alnum + " \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~é中", 0, 30).Select(s => s.Trim(' ', '\t'));

    private static readonly Gen<(string, string)> s_optionalHeader = Gen.OneOf(
        Chars(Alnum, 1, 32).Where(s => char.IsAsciiLetterOrDigit(s[0])).Select(v => ("Message-ID", v)),
        Gen.Choose(1, 1000).SelectMany(s => Gen.Choose(s - 1, s + 1000).SelectMany(e => Gen.Elements($"{s}-{e}/{e + 5}", $"{s}-*/*", $"{s}-{e}/*", $"{s}-*/{e + 1}"))).Select(v => ("Byte-Range", v)),
        Gen.Elements("yes", "no").Select(v => ("Success-Report", v)),
        Gen.Elements("yes", "no", "partial").Select(v => ("Failure-Report", v)),
        Gen.Choose(0, 999).Select(c => ("Status", $"000 {c:D3} Some text")),
        Gen.Choose(0, int.MaxValue).Select(e => ("Expires", e.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        s_path.Select(p => ("Use-Path", p)),
        s_text.Where(t => t.Length > 0).Select(t => ("WWW-Authenticate", "Digest " + t)),
        from name in Chars("abcXYZ", 1, 1)
        from rest in Chars(Alnum + "-!#$%&'*+.^_`|~", 0, 10)
        from value in s_text
        select ("X" + name + rest, value));

    /// <summary>Body atoms that stress the end-line search: CRLFs, dashes and pieces of end-lines.</summary>
    private static Gen<byte[]> Body(string tid) =>
        Gen.ArrayOf(Gen.OneOf(
            Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()).Select(b => b.Take(40).ToArray()),
            Gen.Elements("\r\n", "\r", "\n", "-", "-------", "\r\n-------", "$", "+", "#")
                .Select(Encoding.ASCII.GetBytes),
            Gen.Choose(0, tid.Length).Select(n => Encoding.ASCII.GetBytes("\r\n-------" + tid[..n])),
            Gen.Elements("x", "\r\n", "Z", "-").Select(s => Encoding.ASCII.GetBytes("\r\n-------" + tid + s))))
        .Select(parts => parts.SelectMany(p => p).ToArray())
        .Select(b => MsrpWriter.ContainsEndLine(b, Encoding.ASCII.GetBytes(tid)) ? Sanitize(b, tid) : b);

    // Breaks every "-------tid<flag>" by replacing the flag (RFC 4975 §7.1: the body must not contain the end-line).
    private static byte[] Sanitize(byte[] body, string tid)
    {
        var pattern = Encoding.ASCII.GetBytes("-------" + tid);
        for (int i = body.AsSpan().IndexOf(pattern); i >= 0;)
        {
            int after = i + pattern.Length;
            if (after < body.Length && body[after] is (byte)'$' or (byte)'+' or (byte)'#')
            {
                body[after] = (byte)'x';
            }
            int next = body.AsSpan(i + 1).IndexOf(pattern);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return body;
    }

    public static Arbitrary<MsrpModel> Messages() =>
        (from tid in s_tid
         from isRequest in Gen.Elements(true, true, false)
         from method in Gen.OneOf(Gen.Elements("SEND", "REPORT", "AUTH"), Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1, 8))
         from status in Gen.Choose(0, 999)
         from comment in s_text
         from to in s_path
         from fromPath in s_path
         from extra in Gen.ArrayOf(s_optionalHeader).Select(h => h.Take(8).ToArray())
         from hasBody in Gen.Elements(true, false)
         from body in Body(tid)
         from contentType in Gen.Elements("text/plain", "message/cpim", "application/octet-stream;x=1")
         from flag in Gen.Elements(MsrpContinuation.Complete, MsrpContinuation.More, MsrpContinuation.Aborted)
         from cuts in Gen.ArrayOf(Gen.Choose(1, 600))
         let unique = extra.Where(h => h.Item1.StartsWith('X') || h.Item1 == "WWW-Authenticate").Concat(extra.Where(h => !h.Item1.StartsWith('X') && h.Item1 != "WWW-Authenticate").DistinctBy(h => h.Item1)).ToArray()
         let withBody = isRequest && hasBody
         let headers = new[] { ("To-Path", to), ("From-Path", fromPath) }.Concat(unique).Concat(withBody ? [("Content-Type", contentType)] : Array.Empty<(string, string)>()).ToArray()
         select new MsrpModel(tid, isRequest ? method : null, status, comment, headers, withBody ? body : null, flag, cuts)).ToArbitrary();

    internal static byte[] Write(MsrpModel m)
    {
        var output = new ArrayBufferWriter<byte>();
        var w = new MsrpWriter(output);
        var tid = Encoding.ASCII.GetBytes(m.Tid);
        if (m.Method is not null)
        {
            w.WriteRequestLine(tid, Encoding.ASCII.GetBytes(m.Method));
        }
        else
        {
            w.WriteResponseLine(tid, m.Status, m.Comment);
        }
        foreach (var (name, value) in m.Headers)
        {
            var id = MsrpHeaderNames.Lookup(Encoding.ASCII.GetBytes(name));
            if (id == MsrpHeaderName.Unknown)
            {
                w.WriteHeader(name, value);
            }
            else
            {
                w.WriteHeader(id, value);
            }
        }
        if (m.Body is not null)
        {
            w.WriteBody(m.Body, tid);
        }
        w.WriteEndLine(tid, m.Flag);
        return output.WrittenSpan.ToArray();
    }

    [Property(MaxTest = 400, Arbitrary = [typeof(MsrpPropertyTests)])]
    public void WriteThenParseIsIdentity(MsrpModel m)
    {
        var bytes = Write(m);
        var (result, parsed) = MsrpTestDriver.ParseWhole(bytes);
        Assert.True(result.IsSuccess, $"{result.Message}\n{Encoding.UTF8.GetString(bytes)}");
        var p = parsed!;
        Assert.Equal(m.Tid, p.TransactionId);
        Assert.Equal(m.Flag, p.Continuation);
        Assert.Equal(bytes.Length, p.MessageLength);
        Assert.Equal(m.Body is not null, p.HasBody);
        Assert.Equal(m.Body ?? [], p.Body.ToArray());
        if (m.Method is null)
        {
            Assert.Equal(MsrpMessageKind.Response, p.Kind);
            Assert.Equal(m.Status, p.StatusCode);
            Assert.EndsWith($" {m.Status} {m.Comment}", p.HandlerLog[0], StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(MsrpMessageKind.Request, p.Kind);
        }
        // The handler saw every header, in order, with the value written.
        var headers = p.HandlerLog.Skip(1).Select(l => l.Split('\u0001')).Select(c => (c[1], c[2])).ToArray();
        Assert.Equal(m.Headers, headers);
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(MsrpPropertyTests)])]
    public void AnySegmentationGivesTheSameMessage(MsrpModel m)
    {
        var bytes = Write(m);
        var (_, expected) = MsrpTestDriver.ParseWhole(bytes);
        var cuts = m.Cuts.Select(c => c % (bytes.Length + 1)).ToArray();
        // Bytes arriving at the cut points; and everything at once in segments split at the cut points.
        foreach (var run in new[] { MsrpTestDriver.Drive(bytes, cuts), MsrpTestDriver.DriveSegments(bytes, cuts) })
        {
            Assert.False(run.Failed, run.Error.Message);
            MsrpTestDriver.AssertSame(expected!, Assert.Single(run.Messages), m.ToString());
            Assert.InRange(run.MaxHeldInBody, 0, MsrpLimits.Default.EndLineWindow - 1);
        }
    }

    internal static void NeverThrows(byte[] data, int[] cuts)
    {
        var whole = MsrpMessageParser.Parse(data, out var info);
        if (whole.IsSuccess)
        {
            Assert.InRange(info.MessageLength, 1, data.Length);
            Assert.Equal(info.MessageLength, info.BodyOffset + info.BodyLength + (info.MessageLength - info.BodyOffset - info.BodyLength));
            Assert.InRange(info.BodyOffset + info.BodyLength, 0, info.MessageLength);
        }
        else
        {
            Assert.InRange(whole.Offset, 0, data.Length);
        }
        var run = MsrpTestDriver.Drive(data, cuts.Select(c => c % (data.Length + 1)));
        if (run.Failed)
        {
            Assert.InRange(run.Error.Offset, 0, data.Length);
        }
        // The first message reads the same through the stream reader, whatever the segmentation.
        if (whole.IsSuccess)
        {
            var (_, expected) = MsrpTestDriver.ParseWhole(data);
            MsrpTestDriver.AssertSame(expected!, run.Messages[0], "first message");
        }
        else if (whole.Error != MsrpParseError.Incomplete)
        {
            Assert.True(run.Failed || run.Messages.Count > 0);
        }
        var reader = new MsrpReader(data);
        if (reader.ReadStartLine(out _))
        {
            int guard = 0;
            while (reader.ReadHeader(out var h))
            {
                Assert.True(++guard <= MsrpLimits.Default.MaxHeaderCount);
                _ = MsrpUriParser.ValidatePath(h.Value, out _);
                _ = MsrpByteRange.TryParse(h.Value, out _);
                _ = MsrpValueParsers.TryParseStatus(h.Value, out _, out _, out _);
            }
        }
    }

    [Property(MaxTest = 2000)]
    public void NeverThrowsOnArbitraryBytes(byte[] data, int[] cuts) => NeverThrows(data, cuts ?? []);

    [Property(MaxTest = 1000)]
    public void NeverThrowsOnArbitraryBytesAfterAStartLine(byte[] data, int[] cuts) =>
        NeverThrows([.. "MSRP abcd SEND\r\n"u8, .. data ?? []], cuts ?? []);

    private static readonly byte[][] s_corpus = MsrpCorpusTests.Rows.Select(r => MsrpCorpusTests.Bytes(r.File)).ToArray();

    public static Arbitrary<(int File, (int Pos, byte Value)[] Edits, int Cut, int[] Cuts)> Mutations() =>
        (from file in Gen.Choose(0, s_corpus.Length - 1)
         from edits in Gen.ArrayOf(Gen.Choose(0, 4096).SelectMany(p => Gen.Elements<byte>(0, (byte)'\r', (byte)'\n', (byte)' ', (byte)'-', (byte)'$', (byte)'+', (byte)'#', (byte)':', (byte)';', (byte)'/', (byte)'*', 0xFF, (byte)'0', (byte)'M'), (p, v) => (p, v)))
         from cut in Gen.Choose(0, 5000)
         from cuts in Gen.ArrayOf(Gen.Choose(1, 2000))
         select (file, edits, cut, cuts)).ToArbitrary();

    [Property(MaxTest = 2000, Arbitrary = [typeof(MsrpPropertyTests)])]
    public void NeverThrowsOnMutatedCorpusMessages((int File, (int Pos, byte Value)[] Edits, int Cut, int[] Cuts) m)
    {
        var bytes = (byte[])s_corpus[m.File].Clone();
        foreach (var (pos, value) in m.Edits)
        {
            bytes[pos % bytes.Length] = value;
        }
        NeverThrows(bytes.AsSpan(0, Math.Min(bytes.Length, m.Cut)).ToArray(), m.Cuts);
        NeverThrows(bytes, m.Cuts);
        // Two messages back to back: the second starts right after the first's end-line.
        NeverThrows([.. bytes, .. s_corpus[(m.File + 1) % s_corpus.Length]], m.Cuts);
    }
}
