using System.Buffers;

namespace RcsCore.Msrp;

/// <summary>
/// Puts chunk data back in order by offset (RFC 4975 §7.1.1 Byte-Range: chunks may arrive out of order, for
/// example over different relays or after a resumed transfer, and may repeat). In-order data goes straight to the
/// output; data after a gap is held in pooled buffers up to a bound; data already delivered is dropped.
/// </summary>
internal sealed class MsrpReassembler : IDisposable
{
    private readonly long _maxPending;
    private readonly SortedList<long, (byte[] Array, int Length)> _pending = [];
    private IBufferWriter<byte>? _output;

    public MsrpReassembler(IBufferWriter<byte>? output, long maxPending, long start = 0)
    {
        _output = output;
        _maxPending = maxPending;
        Next = start;
    }

    /// <summary>0-based offset of the first byte not yet delivered: everything before it went to the output.</summary>
    public long Next { get; private set; }

    /// <summary>Bytes held out of order.</summary>
    public long PendingBytes { get; private set; }

    /// <summary>Stops writing to the output (the reader went away); offsets are still tracked.</summary>
    public void DetachOutput() => _output = null;

    /// <summary>Accepts <paramref name="data"/> at message offset <paramref name="offset"/>; false when the reorder bound would be exceeded.</summary>
    public bool Write(long offset, ReadOnlySequence<byte> data)
    {
        long length = data.Length;
        if (length == 0 || offset + length <= Next)
        {
            return true; // Empty or a duplicate of delivered bytes.
        }
        if (offset < Next)
        {
            data = data.Slice(Next - offset);
            offset = Next;
            length = data.Length;
        }
        if (offset == Next)
        {
            Emit(data);
            Next += length;
            Drain();
            return true;
        }
        if (_pending.TryGetValue(offset, out var existing) && existing.Length >= length)
        {
            return true;
        }
        long growth = length - (existing.Array is null ? 0 : existing.Length);
        if (PendingBytes + growth > _maxPending)
        {
            return false;
        }
        var array = ArrayPool<byte>.Shared.Rent((int)length);
        data.CopyTo(array);
        if (existing.Array is not null)
        {
            ArrayPool<byte>.Shared.Return(existing.Array);
        }
        _pending[offset] = (array, (int)length);
        PendingBytes += growth;
        return true;
    }

    /// <summary>Counts <paramref name="length"/> in-order bytes the reader got without a copy (lent from the input).</summary>
    public void Skip(long length)
    {
        Next += length;
        Drain();
    }

    private void Drain()
    {
        while (_pending.Count > 0)
        {
            long key = _pending.Keys[0];
            if (key > Next)
            {
                return;
            }
            var (array, length) = _pending.Values[0];
            _pending.RemoveAt(0);
            PendingBytes -= length;
            if (key + length > Next)
            {
                int skip = (int)(Next - key);
                Emit(new ReadOnlySequence<byte>(array, skip, length - skip));
                Next = key + length;
            }
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Emit(in ReadOnlySequence<byte> data)
    {
        if (_output is not { } output)
        {
            return;
        }
        foreach (var segment in data)
        {
            output.Write(segment.Span);
        }
    }

    public void Dispose()
    {
        foreach (var (array, _) in _pending.Values)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        _pending.Clear();
        PendingBytes = 0;
    }
}
