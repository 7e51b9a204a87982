using System.Buffers;

namespace RcsCore.Pcap.Decoding;

/// <summary>Identifies the fragments of one datagram (RFC 791 §3.2: source, destination, protocol, identification; RFC 8200 §4.5 for IPv6).</summary>
internal readonly record struct FragmentKey(IpAddress Source, IpAddress Destination, uint Id, byte Protocol);

/// <summary>
/// Reassembles IPv4 and IPv6 fragments with bounded memory: at most <c>maxDatagrams</c> datagrams are pending, each
/// at most 64 KiB, and a datagram still incomplete <c>windowPackets</c> packets after its first fragment is dropped
/// and reported (a capture has no reliable clock to time out on, so the window counts packets).
/// </summary>
internal sealed class IpFragmentReassembler
{
    private const int MaxDatagram = 65535;

    private readonly int _maxDatagrams;
    private readonly int _windowPackets;
    private readonly Action<PcapIssue> _onIssue;
    private readonly Dictionary<FragmentKey, Pending> _pending = [];
    private byte[]? _lastCompleted;
    private long _lastExpiry;

    public IpFragmentReassembler(int maxDatagrams, int windowPackets, Action<PcapIssue> onIssue)
    {
        _maxDatagrams = maxDatagrams;
        _windowPackets = windowPackets;
        _onIssue = onIssue;
    }

    private sealed class Pending
    {
        public byte[] Buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        public List<(int Start, int End)> Ranges = new(4);
        public int Total = -1;
        public long FirstPacket;
        public byte FirstNextHeader = 255;
    }

    /// <summary>The next-header value carried by the first fragment of the datagram completed last (IPv6).</summary>
    public byte LastFirstNextHeader { get; private set; }

    /// <summary>Datagrams completed so far.</summary>
    public long Reassembled { get; private set; }

    /// <summary>Adds a fragment; true with the whole payload when it completes its datagram.</summary>
    public bool Add(FragmentKey key, int offset, bool more, ReadOnlySpan<byte> payload, long packetNumber, out ReadOnlySpan<byte> whole, byte firstNextHeader = 255)
    {
        whole = default;
        ExpireOld(packetNumber);
        int end = offset + payload.Length;
        if (end > MaxDatagram)
        {
            Drop(key, packetNumber, $"fragment at offset {offset} makes the datagram larger than {MaxDatagram} bytes");
            return false;
        }
        if (!_pending.TryGetValue(key, out var p))
        {
            if (_pending.Count >= _maxDatagrams)
            {
                EvictOldest(packetNumber);
            }
            p = new Pending { FirstPacket = packetNumber };
            _pending[key] = p;
        }
        payload.CopyTo(p.Buffer.AsSpan(offset));
        AddRange(p.Ranges, offset, end);
        if (offset == 0 && firstNextHeader != 255)
        {
            p.FirstNextHeader = firstNextHeader;
        }
        if (!more)
        {
            p.Total = end;
        }
        if (p.Total < 0 || p.Ranges.Count != 1 || p.Ranges[0].Start != 0 || p.Ranges[0].End < p.Total)
        {
            return false;
        }
        _pending.Remove(key);
        if (_lastCompleted is not null)
        {
            ArrayPool<byte>.Shared.Return(_lastCompleted);
        }
        _lastCompleted = p.Buffer;
        LastFirstNextHeader = p.FirstNextHeader;
        Reassembled++;
        whole = p.Buffer.AsSpan(0, p.Total);
        return true;
    }

    /// <summary>Reports every datagram still incomplete (end of capture).</summary>
    public void Flush(long packetNumber)
    {
        foreach (var (key, p) in _pending)
        {
            _onIssue(new PcapIssue(PcapIssueKind.FragmentsIncomplete, p.FirstPacket, -1, $"{Describe(key)}: datagram incomplete at the end of the capture"));
            ArrayPool<byte>.Shared.Return(p.Buffer);
        }
        _pending.Clear();
        _ = packetNumber;
    }

    private static string Describe(FragmentKey key) => $"fragments of {key.Source.ToIPAddress()} -> {key.Destination.ToIPAddress()} id {key.Id}";

    private static void AddRange(List<(int Start, int End)> ranges, int start, int end)
    {
        // Keep the covered ranges sorted and merged; overlapping fragments simply overwrite bytes.
        int i = 0;
        while (i < ranges.Count && ranges[i].End < start)
        {
            i++;
        }
        while (i < ranges.Count && ranges[i].Start <= end)
        {
            start = Math.Min(start, ranges[i].Start);
            end = Math.Max(end, ranges[i].End);
            ranges.RemoveAt(i);
        }
        ranges.Insert(i, (start, end));
    }

    private void Drop(FragmentKey key, long packetNumber, string why)
    {
        if (_pending.Remove(key, out var p))
        {
            ArrayPool<byte>.Shared.Return(p.Buffer);
        }
        _onIssue(new PcapIssue(PcapIssueKind.FragmentsIncomplete, packetNumber, -1, $"{Describe(key)}: {why}"));
    }

    private void EvictOldest(long packetNumber)
    {
        FragmentKey oldest = default;
        long first = long.MaxValue;
        foreach (var (key, p) in _pending)
        {
            if (p.FirstPacket < first)
            {
                first = p.FirstPacket;
                oldest = key;
            }
        }
        Drop(oldest, packetNumber, $"dropped: more than {_maxDatagrams} datagrams awaiting fragments");
    }

    private void ExpireOld(long packetNumber)
    {
        if (_pending.Count == 0 || packetNumber - _lastExpiry < 64)
        {
            return;
        }
        _lastExpiry = packetNumber;
        List<FragmentKey>? expired = null;
        foreach (var (key, p) in _pending)
        {
            if (packetNumber - p.FirstPacket > _windowPackets)
            {
                (expired ??= []).Add(key);
            }
        }
        if (expired is null)
        {
            return;
        }
        foreach (var key in expired)
        {
            Drop(key, packetNumber, $"not complete within {_windowPackets} packets of its first fragment");
        }
    }
}
