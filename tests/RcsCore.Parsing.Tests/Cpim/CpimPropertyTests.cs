using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Parsing.Cpim;
using Xunit;

namespace RcsCore.Parsing.Tests.Cpim;

/// <summary>FsCheck properties: round trips over generated messages, and robustness on hostile bytes.</summary>
public class CpimPropertyTests
{
    [Property(Arbitrary = [typeof(CpimArbitraries)], MaxTest = 300)]
    public void ParseOfWriteIsIdentity(GeneratedCpim generated)
    {
        CpimMessage original = generated.Message;
        byte[] bytes = original.ToArray();
        CpimParseResult result = CpimMessage.TryParse(bytes, out CpimMessage? parsed);
        Assert.True(result.IsSuccess, result.ToString());

        Assert.Equal(original.OuterHeaders, parsed!.OuterHeaders);
        Assert.Equal(original.Headers, parsed.Headers);
        Assert.Equal(original.ContentHeaders, parsed.ContentHeaders);
        Assert.Equal(original.Content.ToArray(), parsed.Content.ToArray());

        // The typed view reads back what was set.
        Assert.Equal(original.From, parsed.From);
        Assert.Equal(original.To, parsed.To);
        Assert.Equal(original.Cc, parsed.Cc);
        Assert.Equal(original.DateTime.HasValue, parsed.DateTime.HasValue);
        if (original.DateTime is { } date)
        {
            Assert.True(date.EqualsExact(parsed.DateTime!.Value));
        }

        Assert.Equal(original.Subjects, parsed.Subjects);
        Assert.Equal(original.Namespaces, parsed.Namespaces);
        foreach (CpimHeader header in original.Headers)
        {
            string? ns = original.ResolveNamespace(header);
            Assert.NotNull(ns);
            Assert.Contains(header.Text, parsed.GetHeaders(ns, header.LocalName));
        }

        // Write of parse is the identity on written bytes.
        Assert.Equal(bytes, parsed.ToArray());
    }

    [Property(Arbitrary = [typeof(CpimArbitraries)], MaxTest = 200)]
    public void AddressesAndTextRoundTrip(CpimAddress address, string? text)
    {
        Assert.True(CpimAddress.TryParse(address.ToString(), out CpimAddress? parsed));
        Assert.Equal(address, parsed);
        text ??= string.Empty;
        string escaped = CpimText.Escape(text);
        Assert.DoesNotContain(escaped, c => c < 0x20 || c == 0x7F);
        Assert.Equal(text, CpimText.Unescape(System.Text.Encoding.UTF8.GetBytes(escaped)));
        Assert.True(CpimText.TryUnquote(System.Text.Encoding.UTF8.GetBytes(CpimText.Quote(text)), out string unquoted));
        Assert.Equal(text, unquoted);
    }

    [Property(Arbitrary = [typeof(CpimArbitraries)], MaxTest = 200)]
    public void DateTimeRoundTrips(DateTimeOffset value)
    {
        Assert.True(CpimDateTime.TryParse(CpimDateTime.Format(value), out DateTimeOffset parsed));
        Assert.True(value.EqualsExact(parsed), CpimDateTime.Format(value));
    }

    [Property(MaxTest = 1000)]
    public void NeverThrowsOnArbitraryBytes(byte[] bytes)
    {
        AssertParsesOrFails(bytes);
    }

    [Property(MaxTest = 1000)]
    public Property NeverThrowsOnMutatedCorpusMessages()
    {
        byte[][] seeds = [.. CpimCorpusTests.CpimFiles().Select(row => CpimCorpusTests.Read(row.Data.Item1))];
        byte[] interesting = [(byte)'\r', (byte)'\n', (byte)' ', (byte)'\t', (byte)':', (byte)';', (byte)'.', (byte)'"', (byte)'\\', (byte)'<', (byte)'>', (byte)'=', 0, 0x7F, 0xC3, 0xFF, (byte)'C', (byte)'-', (byte)'0'];
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

    [Property(Arbitrary = [typeof(CpimArbitraries)], MaxTest = 30)]
    public void EveryPrefixOfAWrittenMessageGivesAStructuredResult(GeneratedCpim generated)
    {
        byte[] bytes = generated.Message.ToArray();
        for (int i = 0; i <= bytes.Length; i++)
        {
            AssertParsesOrFails(bytes.AsSpan(0, i));
        }
    }

    internal static bool AssertParsesOrFails(ReadOnlySpan<byte> bytes)
    {
        CpimParseResult result = CpimMessage.TryParse(bytes, out CpimMessage? message);
        Assert.Equal(result.IsSuccess, message is not null);
        if (message is null)
        {
            Assert.NotEqual(CpimParseError.None, result.Error);
            Assert.InRange(result.Offset, 0, bytes.Length);
            Assert.NotEmpty(result.Message);
            return false;
        }

        // Whatever parsed can be written, and the written form is a fixed point of parse-then-write.
        byte[] written = message.ToArray();
        CpimParseResult again = CpimMessage.TryParse(written, out CpimMessage? reparsed);
        Assert.True(again.IsSuccess, again.ToString());
        Assert.Equal(written, reparsed!.ToArray());
        _ = message.From;
        _ = message.To;
        _ = message.DateTime;
        _ = message.Subjects;
        _ = message.Require;
        _ = message.ContentLength;
        return true;
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
