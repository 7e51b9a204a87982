using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Cpim;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using Xunit;

namespace RcsCore.Rcs.Tests;

/// <summary>Round trips and robustness of the IMDN and isComposing documents.</summary>
public class RcsPropertyTests
{
    private static readonly byte[] s_interesting = [(byte)'<', (byte)'>', (byte)'/', (byte)'&', (byte)';', (byte)'"', (byte)'=', (byte)'!', (byte)' ', (byte)'\r', (byte)'\n', 0, 0xC3, 0xFF, (byte)'a', (byte)'x'];

    [Property(Arbitrary = [typeof(RcsArbitraries)], MaxTest = 300)]
    public void ImdnParseOfWriteIsIdentity(ImdnDocument document)
    {
        byte[] bytes = document.ToArray();
        Assert.Equal(ImdnParseError.None, ImdnDocument.TryParse(bytes, out ImdnDocument? parsed));
        Assert.Equal(document, parsed);
        Assert.Equal(bytes, parsed!.ToArray());
    }

    [Property(Arbitrary = [typeof(RcsArbitraries)], MaxTest = 100)]
    public void ImdnNotificationsRoundTripThroughCpim(ImdnDocument[] documents)
    {
        CpimMessage message = ImdnNotification.Create(new CpimAddress("sip:bob@example.com"), new CpimAddress("sip:alice@example.com"), documents, DateTimeOffset.UnixEpoch);
        Assert.True(CpimMessage.TryParse(message.ToArray(), out CpimMessage? parsed).IsSuccess);
        Assert.Equal(ImdnParseError.None, ImdnNotification.TryRead(parsed!, out IReadOnlyList<ImdnDocument> read));
        Assert.Equal(documents, read);
    }

    [Property(Arbitrary = [typeof(RcsArbitraries)], MaxTest = 300)]
    public void IsComposingParseOfWriteIsIdentity(IsComposingDocument document)
    {
        byte[] bytes = document.ToArray();
        Assert.Equal(IsComposingParseError.None, IsComposingDocument.TryParse(bytes, out IsComposingDocument? parsed));
        Assert.Equal(document, parsed);
        Assert.Equal(bytes, parsed!.ToArray());
    }

    [Property(MaxTest = 500)]
    public void NeverThrowOnArbitraryBytes(byte[] bytes)
    {
        ImdnParseError imdn = ImdnDocument.TryParse(bytes, out ImdnDocument? document);
        Assert.Equal(imdn == ImdnParseError.None, document is not null);
        IsComposingParseError composing = IsComposingDocument.TryParse(bytes, out IsComposingDocument? state);
        Assert.Equal(composing == IsComposingParseError.None, state is not null);
        Assert.NotEqual(ImdnParseError.None, ImdnNotification.TryRead("multipart/mixed; boundary=b", bytes, out _));
    }

    [Property(MaxTest = 500)]
    public Property NeverThrowOnMutatedCorpusDocuments()
    {
        byte[][] seeds =
        [
            Corpus.Read("rfc5438-s7.2.1.1-delivery.xml"),
            Corpus.Read("rfc5438-s8.1-processing.xml"),
            Corpus.Read("rfc3994-s5-active.xml"),
            Corpus.BodyAfterPlaceholder(Corpus.Read("rfc5438-s8.3-aggregated-notification.cpim")),
        ];
        Gen<(int Kind, int Position, byte Value)> edit =
            from kind in Gen.Choose(0, 2)
            from position in Gen.Choose(0, 10_000)
            from value in Gen.Elements(s_interesting)
            select (kind, position, value);
        Gen<byte[]> mutated =
            from seed in Gen.Elements(seeds)
            from edits in Gen.NonEmptyListOf(edit)
            select Mutate(seed, edits);
        return Prop.ForAll(Arb.From(mutated), bytes =>
        {
            if (ImdnDocument.TryParse(bytes, out ImdnDocument? document) == ImdnParseError.None)
            {
                // Whatever parsed writes back to a document that parses the same.
                Assert.Equal(ImdnParseError.None, ImdnDocument.TryParse(document!.ToArray(), out ImdnDocument? again));
                Assert.Equal(document, again);
            }

            if (IsComposingDocument.TryParse(bytes, out IsComposingDocument? composing) == IsComposingParseError.None)
            {
                Assert.Equal(IsComposingParseError.None, IsComposingDocument.TryParse(composing!.ToArray(), out IsComposingDocument? again));
                Assert.Equal(composing, again);
            }

            _ = ImdnNotification.TryRead("multipart/mixed; boundary=\"imdn-boundary\"", bytes, out _);
        });
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
                    bytes[at % bytes.Count] = value;
                    break;
                case 1:
                    bytes.Insert(at, value);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(at % bytes.Count);
                    break;
            }
        }

        return [.. bytes];
    }
}
