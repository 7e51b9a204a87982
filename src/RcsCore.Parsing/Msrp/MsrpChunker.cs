namespace RcsCore.Parsing.Msrp;

/// <summary>One chunk of an outgoing message: where its data lies in the content and the headers it needs.</summary>
/// <param name="Offset">0-based offset of the chunk's data in the content.</param>
/// <param name="Length">Bytes of data in the chunk.</param>
/// <param name="ByteRange">The Byte-Range header value (RFC 4975 §7.1.1).</param>
/// <param name="Continuation"><see cref="MsrpContinuation.More"/> for all but the last chunk, then <see cref="MsrpContinuation.Complete"/>.</param>
public readonly record struct MsrpChunk(long Offset, int Length, MsrpByteRange ByteRange, MsrpContinuation Continuation);

/// <summary>
/// Splits outgoing content into chunks of at most a given size (RFC 4975 §5.1, §7.1.1): every chunk but the last
/// ends with <c>+</c>, the last with <c>$</c>, and each carries the Byte-Range of its data. The total is the content
/// length when known, <c>*</c> otherwise (streams); the last chunk of a stream states the total it then knows.
/// A zero-length message is one empty chunk (<c>1-0/0</c>).
/// </summary>
public struct MsrpChunker
{
    private readonly long _total;
    private readonly int _chunkSize;
    private long _offset;
    private bool _done;

    /// <summary>Creates a chunker for content of <paramref name="totalLength"/> bytes (-1 when unknown).</summary>
    public MsrpChunker(int chunkSize, long totalLength = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalLength, -1);
        _chunkSize = chunkSize;
        _total = totalLength;
        _offset = 0;
        _done = false;
    }

    /// <summary>The largest chunk this chunker produces.</summary>
    public readonly int ChunkSize => _chunkSize;

    /// <summary>Bytes described by the chunks produced so far.</summary>
    public readonly long Offset => _offset;

    /// <summary>True once the last chunk was produced.</summary>
    public readonly bool IsComplete => _done;

    /// <summary>
    /// The next chunk of content whose length was given to the constructor; false when the last one was produced.
    /// Throws when the total is unknown (use <see cref="Next"/>).
    /// </summary>
    public bool TryGetNext(out MsrpChunk chunk)
    {
        if (_total < 0)
        {
            throw new InvalidOperationException("the total length is unknown: call Next(length, isLast) as data arrives");
        }
        if (_done)
        {
            chunk = default;
            return false;
        }
        int length = (int)Math.Min(_chunkSize, _total - _offset);
        chunk = Next(length, _offset + length == _total);
        return true;
    }

    /// <summary>
    /// Describes the next <paramref name="length"/> bytes (at most <see cref="ChunkSize"/>); <paramref name="isLast"/>
    /// ends the message. With an unknown total, the Byte-Range total is <c>*</c> until the last chunk.
    /// </summary>
    public MsrpChunk Next(int length, bool isLast)
    {
        if (_done)
        {
            throw new InvalidOperationException("the last chunk was already produced");
        }
        if (length < 0 || length > _chunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a chunk holds 0-{_chunkSize} bytes");
        }
        long end = _offset + length;
        if (_total >= 0 && (end > _total || (isLast && end != _total)))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "the chunks do not add up to the total length");
        }
        long total = _total >= 0 ? _total : isLast ? end : -1;
        var chunk = new MsrpChunk(_offset, length, MsrpByteRange.ForChunk(_offset, length, total), isLast ? MsrpContinuation.Complete : MsrpContinuation.More);
        _offset = end;
        _done = isLast;
        return chunk;
    }
}
