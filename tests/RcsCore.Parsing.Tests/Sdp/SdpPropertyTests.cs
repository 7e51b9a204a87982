using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Sdp;
using Xunit;

namespace RcsCore.Parsing.Tests.Sdp;

/// <summary>FsCheck properties: round trips over generated sessions, and robustness on hostile bytes.</summary>
public class SdpPropertyTests
{
    [Property(Arbitrary = [typeof(SdpArbitraries)], MaxTest = 300)]
    public void ParseOfWriteIsIdentityOnTheModel(GeneratedSdp generated)
    {
        SdpSession original = generated.Session;
        byte[] bytes = original.ToArray();
        SdpSession parsed = SdpAssert.Parses(bytes);
        SdpAssert.Equal(original, parsed);

        // And the written form is canonical: writing the parsed model gives the same bytes.
        Assert.Equal(bytes, parsed.ToArray());

        for (int i = 0; i < original.Media.Count; i++)
        {
            AssertSameTypedValues(original.Media[i], parsed.Media[i]);
        }
    }

    [Property(Arbitrary = [typeof(SdpArbitraries)], MaxTest = 300)]
    public void TypedMsrpValuesRoundTrip(MsrpValues values)
    {
        var session = new SdpSession { Origin = new SdpOrigin("-", "1", "1", "IN", "IP4", "10.0.2.20") };
        session.Media.Add(values.ToMedia());
        SdpMedia media = Assert.Single(SdpAssert.Parses(session.ToArray()).Media);

        Assert.True(media.IsMsrp);
        Assert.Equal(values.Secure, media.IsSecureMsrp);
        Assert.Equal(values.Port, media.Port);
        Assert.Equal(values.Paths, media.Paths);
        Assert.Equal(values.AcceptTypes, media.AcceptTypes);
        Assert.Equal(values.AcceptWrappedTypes, media.AcceptWrappedTypes);
        Assert.Equal(values.MaxSize, media.MaxSize);
        Assert.Equal(values.Setup, media.Setup);
        Assert.Equal(values.Direction ?? SdpDirection.SendRecv, media.Direction);
        Assert.Equal(values.FileSelector, media.FileSelector);
        Assert.Equal(values.FileTransferId, media.FileTransferId);
        Assert.Equal(values.FileDisposition, media.FileDisposition);
        Assert.Equal(values.FileIcon, media.FileIcon);
        Assert.Equal(values.FileRange, media.FileRange);
        Assert.Equal(values.FileDate, media.FileDate);
        if (values.FileDate is { } date)
        {
            // The parsed dates are the generated instants with the generated offsets.
            SdpFileDate parsedDate = media.FileDate!;
            Assert.Equal(SdpFileDate.FromDates(parsedDate.CreationDate, parsedDate.ModificationDate, parsedDate.ReadDate), date);
        }
    }

    [Property(MaxTest = 1000)]
    public void NeverThrowsOnArbitraryBytes(byte[] bytes)
    {
        AssertParsesOrFails(bytes);
    }

    [Property(MaxTest = 1000)]
    public Property NeverThrowsOnMutatedValidSdp()
    {
        byte[][] seeds = [.. SdpCorpusTests.ValidFiles().Select(row => SdpCorpusTests.Read((string)row.Data))];
        byte[] interesting = [(byte)'\r', (byte)'\n', (byte)' ', (byte)'=', (byte)':', (byte)'/', (byte)'"', (byte)'%', (byte)'*', (byte)'-', 0, 0x7F, 0xC3, 0xFF, (byte)'a', (byte)'m', (byte)'t', (byte)'0', (byte)'9'];
        Gen<(int Kind, int Position, byte Value)> edit =
            from kind in Gen.Choose(0, 2)
            from position in Gen.Choose(0, 10_000)
            from value in Gen.Elements(interesting)
            select (kind, position, value);
        Gen<byte[]> mutated =
            from seed in Gen.Elements(seeds)
            from edits in Gen.NonEmptyListOf(edit)
            select Mutate(seed, edits);
        return Prop.ForAll(Arb.From(mutated), bytes => { AssertParsesOrFails(bytes); });
    }

    [Property(Arbitrary = [typeof(SdpArbitraries)], MaxTest = 50)]
    public void EveryPrefixOfAValidSdpParsesOrFails(GeneratedSdp generated)
    {
        byte[] bytes = generated.Session.ToArray();
        for (int i = 0; i <= bytes.Length; i++)
        {
            AssertParsesOrFails(bytes.AsSpan(0, i));
        }
    }

    [Theory]
    [MemberData(nameof(SdpCorpusTests.ValidFiles), MemberType = typeof(SdpCorpusTests))]
    public void CutAtEveryOffsetOfACorpusFile(string file)
    {
        byte[] bytes = SdpCorpusTests.Read(file);
        int successes = 0;
        for (int i = 0; i <= bytes.Length; i++)
        {
            successes += AssertParsesOrFails(bytes.AsSpan(0, i)) ? 1 : 0;
            AssertParsesOrFails(bytes.AsSpan(i));
        }

        // Cutting after a complete line (or mid-way through a non-mandatory line) leaves a valid SDP.
        Assert.True(successes > 0);
    }

    [Property(Arbitrary = [typeof(SdpArbitraries)], MaxTest = 500)]
    public void TypedAccessorsNeverThrowOnArbitraryAttributeValues(string? value)
    {
        var media = new SdpMedia("message", 9, "TCP/MSRP");
        foreach (string name in (string[])["path", "accept-types", "accept-wrapped-types", "max-size", "setup", "file-selector", "file-transfer-id", "file-disposition", "file-date", "file-icon", "file-range", "sendonly"])
        {
            media.Attributes.Add(new SdpAttribute(name, value));
        }

        TouchTypedValues(media);
    }

    private static bool AssertParsesOrFails(ReadOnlySpan<byte> bytes)
    {
        SdpParseResult result = SdpSession.TryParse(bytes, out SdpSession? session);
        Assert.Equal(result.IsSuccess, session is not null);
        if (session is null)
        {
            Assert.NotEqual(SdpParseError.None, result.Error);
            Assert.InRange(result.Offset, 0, bytes.Length);
            Assert.NotEmpty(result.Message);
            return false;
        }

        foreach (SdpMedia media in session.Media)
        {
            TouchTypedValues(media);
        }

        return true;
    }

    private static void TouchTypedValues(SdpMedia media)
    {
        _ = media.IsMsrp;
        _ = media.IsSecureMsrp;
        _ = media.Paths;
        _ = media.AcceptTypes;
        _ = media.AcceptWrappedTypes;
        _ = media.MaxSize;
        _ = media.Setup;
        _ = media.Direction;
        _ = media.FileSelector?.Hash?.GetBytes();
        _ = media.FileTransferId;
        _ = media.FileDisposition;
        _ = media.FileIcon;
        _ = media.FileRange;
        SdpFileDate? date = media.FileDate;
        _ = date?.CreationDate;
        _ = date?.ModificationDate;
        _ = date?.ReadDate;
    }

    private static void AssertSameTypedValues(SdpMedia expected, SdpMedia actual)
    {
        Assert.Equal(expected.IsMsrp, actual.IsMsrp);
        Assert.Equal(expected.IsSecureMsrp, actual.IsSecureMsrp);
        Assert.Equal(expected.Paths, actual.Paths);
        Assert.Equal(expected.AcceptTypes, actual.AcceptTypes);
        Assert.Equal(expected.AcceptWrappedTypes, actual.AcceptWrappedTypes);
        Assert.Equal(expected.MaxSize, actual.MaxSize);
        Assert.Equal(expected.Setup, actual.Setup);
        Assert.Equal(expected.Direction, actual.Direction);
        Assert.Equal(expected.FileSelector, actual.FileSelector);
        Assert.Equal(expected.FileTransferId, actual.FileTransferId);
        Assert.Equal(expected.FileDisposition, actual.FileDisposition);
        Assert.Equal(expected.FileDate, actual.FileDate);
        Assert.Equal(expected.FileIcon, actual.FileIcon);
        Assert.Equal(expected.FileRange, actual.FileRange);
    }

    private static byte[] Mutate(byte[] seed, IEnumerable<(int Kind, int Position, byte Value)> edits)
    {
        var bytes = new List<byte>(seed);
        foreach ((int kind, int position, byte value) in edits)
        {
            int at = bytes.Count == 0 ? 0 : position % (bytes.Count + (kind == 1 ? 1 : 0));
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = value;
                    break;
                case 1:
                    bytes.Insert(at, value);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
            }
        }

        return [.. bytes];
    }
}
