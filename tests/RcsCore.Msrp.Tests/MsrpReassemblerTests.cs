using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Msrp.Tests;

public sealed class MsrpReassemblerTests
{
    [Fact]
    public void Gap_is_held_then_drained_in_order()
    {
        var output = new ArrayBufferWriter<byte>();
        using var r = new MsrpReassembler(output, maxPending: 1024);
        Assert.True(r.Write(3, Seq("DEF")));
        Assert.Equal(0, output.WrittenCount);
        Assert.Equal(3, r.PendingBytes);
        Assert.True(r.Write(0, Seq("ABC")));
        Assert.Equal("ABCDEF", System.Text.Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal(6, r.Next);
        Assert.Equal(0, r.PendingBytes);
        // Duplicates and overlaps are trimmed (RFC 4975 §7.1.1: a chunk may be resent).
        Assert.True(r.Write(2, Seq("CDEFG")));
        Assert.Equal("ABCDEFG", System.Text.Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Reorder_bound_is_enforced()
    {
        using var r = new MsrpReassembler(new ArrayBufferWriter<byte>(), maxPending: 4);
        Assert.True(r.Write(10, Seq("abcd")));
        Assert.False(r.Write(20, Seq("e")));
    }

    /// <summary>Arbitrary chunking, reordering and duplication reassemble the same content.</summary>
    [Property(MaxTest = 300)]
    public Property Any_chunking_and_order_reassembles_the_content()
    {
        var gen =
            from content in Gen.ArrayOf(Gen.Choose(0, 255).Select(static i => (byte)i)).Where(static a => a.Length > 0)
            from cuts in Gen.ListOf(Gen.Choose(1, Math.Max(1, content.Length - 1)))
            from seed in Gen.Choose(0, int.MaxValue)
            from duplicates in Gen.Choose(0, 3)
            select (content, cuts, seed, duplicates);
        return Prop.ForAll(gen.ToArbitrary(), static input =>
        {
            var (content, cuts, seed, duplicates) = input;
            var bounds = cuts.Where(c => c < content.Length).Distinct().Order().Prepend(0).Append(content.Length).Distinct().ToArray();
            var chunks = new List<(int Offset, int Length)>();
            for (int i = 0; i + 1 < bounds.Length; i++)
            {
                chunks.Add((bounds[i], bounds[i + 1] - bounds[i]));
            }
            var random = new Random(seed);
            for (int d = 0; d < duplicates && chunks.Count > 0; d++)
            {
                chunks.Add(chunks[random.Next(chunks.Count)]);
            }
            var order = chunks.OrderBy(_ => random.Next()).ToList();
            var output = new ArrayBufferWriter<byte>();
            using var r = new MsrpReassembler(output, maxPending: long.MaxValue);
            foreach (var (offset, length) in order)
            {
                // Split each chunk into two segments to exercise multi-segment sequences as the frame reader yields them.
                var seq = Segmented(content.AsMemory(offset, length));
                if (!r.Write(offset, seq))
                {
                    return false;
                }
            }
            return r.Next == content.Length && r.PendingBytes == 0 && output.WrittenSpan.SequenceEqual(content);
        });
    }

    private static ReadOnlySequence<byte> Seq(string s) => new(System.Text.Encoding.ASCII.GetBytes(s));

    private static ReadOnlySequence<byte> Segmented(ReadOnlyMemory<byte> data) =>
        data.Length < 2 ? new ReadOnlySequence<byte>(data) : TestSequences.Cut(data, data.Length / 2);
}
