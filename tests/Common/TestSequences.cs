using System.Buffers;

namespace RcsCore.Tests.Common;

/// <summary>Multi-segment buffer sequences for tests of code that must handle data split anywhere.</summary>
internal static class TestSequences
{
    /// <summary>
    /// <paramref name="content"/> cut at the offsets in <paramref name="cuts"/> (ascending; a repeated offset makes an
    /// empty segment), one segment per piece, all views of the same array.
    /// </summary>
    public static ReadOnlySequence<byte> Cut(ReadOnlyMemory<byte> content, params int[] cuts)
    {
        var bounds = cuts.Append(content.Length).ToArray();
        var first = new Segment(content[..bounds[0]], 0);
        var last = first;
        for (int i = 1; i < bounds.Length; i++)
        {
            last = last.Append(content[bounds[i - 1]..bounds[i]]);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
