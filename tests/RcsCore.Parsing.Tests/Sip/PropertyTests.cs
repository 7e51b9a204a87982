using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Sip;
using RcsCore.Tests.Common;

namespace RcsCore.Parsing.Tests.Sip;

/// <summary>The reader never throws, hangs or reads out of bounds, whatever the bytes.</summary>
public class PropertyTests
{
    private static readonly byte[][] s_corpus = Directory.GetFiles(RepoPaths.CorpusFile("sip", "torture"), "*.dat")
        .Concat(Directory.GetFiles(RepoPaths.CorpusFile("sip", "examples")))
        .Select(File.ReadAllBytes).ToArray();

    internal static void ExerciseEverything(ReadOnlySpan<byte> data)
    {
        var d = SipMessageParser.Parse(data, SipFraming.Datagram, out var di);
        var s = SipMessageParser.Parse(data, SipFraming.Stream, out var si);
        if ((uint)d.Offset > (uint)data.Length || (uint)s.Offset > (uint)data.Length)
        {
            throw new InvalidOperationException("error offset out of range");
        }
        if (d.IsSuccess && di.BodyOffset + di.BodyLength > data.Length)
        {
            throw new InvalidOperationException("body beyond input");
        }
        if (s.IsSuccess && si.MessageLength > data.Length)
        {
            throw new InvalidOperationException("message beyond input");
        }
        var reader = new SipReader(data);
        if (reader.ReadStartLine(out _))
        {
            int guard = 0;
            while (reader.ReadHeader(out var h))
            {
                if (++guard > 10_000)
                {
                    throw new InvalidOperationException("reader does not advance");
                }
                // Every value parser must cope with every header value.
                int pos = 0;
                _ = SipViaParser.TryParseNext(h.Value, ref pos, out _, out _);
                pos = 0;
                _ = SipNameAddrParser.TryParseNext(h.Value, ref pos, true, out _, out _);
                _ = SipValueParsers.TryParseCSeq(h.Value, out _, out _);
                _ = SipValueParsers.TryParseMediaType(h.Value, out _, out _, out _);
                _ = SipValueParsers.ValidateDate(h.Value);
                _ = SipUriParser.TryParse(h.Value, out _);
                foreach (var p in new SipParameterEnumerator(h.Value))
                {
                    _ = p.Name.Length;
                }
                if (SipMultipartReader.TryGetBoundary(h.Value, out var b))
                {
                    var mr = new SipMultipartReader(data, b);
                    int parts = 0;
                    while (mr.ReadPart(out _, out _) && ++parts < 10_000)
                    {
                    }
                }
            }
        }
    }

    [Property(MaxTest = 3000)]
    public void NeverThrowsOnArbitraryBytes(byte[] data) => ExerciseEverything(data);

    [Property(MaxTest = 2000)]
    public void NeverThrowsOnArbitraryText(string text) => ExerciseEverything(System.Text.Encoding.UTF8.GetBytes(text ?? string.Empty));

    public static Arbitrary<(int File, (int Pos, byte Value)[] Edits, int Cut)> Mutations() =>
        (from file in Gen.Choose(0, s_corpus.Length - 1)
         from edits in Gen.ArrayOf(Gen.Choose(0, 4096).SelectMany(_ => Gen.Choose(0, 4096), (p, _) => p)
             .SelectMany(_ => Gen.Elements<byte>(0, (byte)'\r', (byte)'\n', (byte)' ', (byte)':', (byte)';', (byte)',', (byte)'"', (byte)'<', (byte)'>', (byte)'%', (byte)'@', (byte)'[', (byte)']', (byte)'\\', 0xFF, (byte)'0', (byte)'9'), (p, v) => (p, v)))
         from cut in Gen.Choose(0, 5000)
         select (file, edits, cut)).ToArbitrary();

    [Property(MaxTest = 3000, Arbitrary = [typeof(PropertyTests)])]
    public void NeverThrowsOnMutatedCorpusMessages((int File, (int Pos, byte Value)[] Edits, int Cut) m)
    {
        var bytes = (byte[])s_corpus[m.File].Clone();
        foreach (var (pos, value) in m.Edits)
        {
            bytes[pos % bytes.Length] = value;
        }
        ExerciseEverything(bytes.AsSpan(0, Math.Min(bytes.Length, m.Cut)));
        ExerciseEverything(bytes);
    }

    [Property(MaxTest = 500)]
    public void OverlongInputsStayBounded(PositiveInt repeat, byte filler)
    {
        // A header section that never ends is rejected at the limit instead of being scanned forever.
        int n = 1 + (repeat.Get % 200_000);
        var data = new byte[n + 25];
        "OPTIONS sip:a@b SIP/2.0\r\n"u8.CopyTo(data);
        data.AsSpan(25).Fill(filler == (byte)'\n' ? (byte)'x' : filler);
        var r = SipMessageParser.Parse(data, SipFraming.Stream, out _);
        if (r.IsSuccess)
        {
            throw new InvalidOperationException("an unterminated header section cannot succeed");
        }
    }
}
