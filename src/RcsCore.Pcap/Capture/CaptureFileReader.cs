using System.Buffers;
using System.Buffers.Binary;

namespace RcsCore.Pcap.Capture;

/// <summary>One packet record as read from the file; <see cref="Data"/> is valid until the next read.</summary>
internal readonly ref struct CapturePacket
{
    public CapturePacket(ReadOnlySpan<byte> data, int linkType, long timestampTicks, int originalLength, int interfaceId, long fileOffset)
    {
        Data = data;
        LinkType = linkType;
        TimestampTicks = timestampTicks;
        OriginalLength = originalLength;
        InterfaceId = interfaceId;
        FileOffset = fileOffset;
    }

    /// <summary>The captured bytes (possibly shorter than <see cref="OriginalLength"/>).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The LINKTYPE_ value of the interface.</summary>
    public int LinkType { get; }

    /// <summary>100 ns ticks since the Unix epoch.</summary>
    public long TimestampTicks { get; }

    /// <summary>Length on the wire.</summary>
    public int OriginalLength { get; }

    /// <summary>pcapng interface index (0 for pcap).</summary>
    public int InterfaceId { get; }

    /// <summary>File offset of the record header or block.</summary>
    public long FileOffset { get; }
}

/// <summary>Which container the file is.</summary>
internal enum CaptureFormat : byte
{
    Pcap = 0,
    Pcapng = 1,
}

/// <summary>
/// Reads pcap (microsecond/nanosecond, both byte orders, the Kuznetzov variant) and pcapng (SHB/IDB/EPB/SPB/PB, other
/// blocks skipped, several sections and interfaces) as a stream: only one record at a time is buffered, so a file of
/// any size reads in constant memory. Corrupt records are reported with their file offset and skipped by
/// resynchronising on the next plausible record; a truncated tail is reported and ends the read.
/// </summary>
internal sealed class CaptureFileReader : IDisposable
{
    private const uint PcapMagicMicro = 0xA1B2C3D4;
    private const uint PcapMagicNano = 0xA1B23C4D;
    private const uint PcapMagicKuznetzov = 0xA1B2CD34;
    private const uint BlockShb = 0x0A0D0D0A;
    private const uint BlockIdb = 0x00000001;
    private const uint BlockPb = 0x00000002;
    private const uint BlockSpb = 0x00000003;
    private const uint BlockNrb = 0x00000004;
    private const uint BlockIsb = 0x00000005;
    private const uint BlockEpb = 0x00000006;
    private const uint BlockDsb = 0x0000000A;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const int MaxBufferedBlock = 16 * 1024 * 1024;
    private const long MaxResyncScan = 64L * 1024 * 1024;
    private const long TicksPerSecond = 10_000_000;

    private readonly Stream _stream;
    private readonly Action<PcapIssue> _onIssue;
    private readonly bool _leaveOpen;
    private readonly List<InterfaceInfo> _interfaces = [];
    private byte[] _buf;
    private int _start;
    private int _end;
    private long _bufPos; // file offset of _buf[0]
    private bool _eof;
    private bool _bigEndian;
    private bool _nanos;
    private int _pcapRecordHeader = 16;
    private int _pcapLinkType;
    private int _pcapSnapLen;
    private long _lastSeconds = -1;
    private bool _headerRead;
    private bool _done;

    public CaptureFileReader(Stream stream, Action<PcapIssue> onIssue, bool leaveOpen = false)
    {
        _stream = stream;
        _onIssue = onIssue;
        _leaveOpen = leaveOpen;
        _buf = ArrayPool<byte>.Shared.Rent(1 << 20);
    }

    private readonly record struct InterfaceInfo(int LinkType, int SnapLen, bool BinaryResolution, int Exponent, long OffsetSeconds);

    public CaptureFormat Format { get; private set; }

    /// <summary>Packets returned so far; the number of the last one returned.</summary>
    public long PacketCount { get; private set; }

    /// <summary>Current file offset.</summary>
    public long Position => _bufPos + _start;

    /// <summary>Link types seen (pcap header or every IDB).</summary>
    public IReadOnlyList<int> LinkTypes
    {
        get
        {
            if (Format == CaptureFormat.Pcap)
            {
                return [_pcapLinkType];
            }
            var list = new List<int>(_interfaces.Count);
            foreach (var i in _interfaces)
            {
                list.Add(i.LinkType);
            }
            return list;
        }
    }

    /// <summary>
    /// Reads the file header; throws <see cref="InvalidDataException"/> (with the offset) when the stream is not a
    /// pcap or pcapng file at all.
    /// </summary>
    public void ReadHeader()
    {
        if (_headerRead)
        {
            return;
        }
        _headerRead = true;
        if (!Fill(4))
        {
            throw new InvalidDataException($"Not a capture file: {Available} bytes at offset 0, a pcap or pcapng header needs at least 24.");
        }
        uint le = BinaryPrimitives.ReadUInt32LittleEndian(_buf.AsSpan(_start));
        uint be = BinaryPrimitives.ReadUInt32BigEndian(_buf.AsSpan(_start));
        if (le == BlockShb)
        {
            Format = CaptureFormat.Pcapng;
            return; // the SHB is read as the first block
        }
        Format = CaptureFormat.Pcap;
        if (le is PcapMagicMicro or PcapMagicNano or PcapMagicKuznetzov)
        {
            _bigEndian = false;
        }
        else if (be is PcapMagicMicro or PcapMagicNano or PcapMagicKuznetzov)
        {
            _bigEndian = true;
        }
        else
        {
            throw new InvalidDataException($"Not a capture file: magic number 0x{be:X8} at offset 0 is neither pcap (a1b2c3d4, a1b23c4d) nor pcapng (0a0d0d0a).");
        }
        uint magic = _bigEndian ? be : le;
        _nanos = magic == PcapMagicNano;
        _pcapRecordHeader = magic == PcapMagicKuznetzov ? 24 : 16;
        if (!Fill(24))
        {
            throw new InvalidDataException($"Truncated pcap file header at offset 0: {Available} of 24 bytes.");
        }
        var h = _buf.AsSpan(_start, 24);
        _pcapSnapLen = (int)Math.Min(U32(h[16..]), int.MaxValue);
        // The LINKTYPE_ value sits in the low 16 bits; the high bits carry FCS information (pcap file format §4).
        _pcapLinkType = (int)(U32(h[20..]) & 0xFFFF);
        _start += 24;
    }

    /// <summary>Reads the next packet; false at the end of the file (or at a truncated tail, which is reported).</summary>
    public bool TryRead(out CapturePacket packet)
    {
        ReadHeader();
        packet = default;
        if (_done)
        {
            return false;
        }
        bool ok = Format == CaptureFormat.Pcap ? TryReadPcap(out packet) : TryReadPcapng(out packet);
        if (!ok)
        {
            _done = true;
        }
        return ok;
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
        var buf = _buf;
        _buf = [];
        if (buf.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private int Available => _end - _start;

    private uint U32(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private ushort U16(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private void Issue(PcapIssueKind kind, long offset, string text) => _onIssue(new PcapIssue(kind, PacketCount + 1, offset, text));

    /// <summary>Makes at least <paramref name="count"/> bytes available from <see cref="_start"/>; false at end of file.</summary>
    private bool Fill(int count)
    {
        if (Available >= count)
        {
            return true;
        }
        if (_eof)
        {
            return false;
        }
        if (count > _buf.Length - _start)
        {
            if (count > _buf.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(count);
                _buf.AsSpan(_start, Available).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buf);
                _buf = bigger;
            }
            else
            {
                _buf.AsSpan(_start, Available).CopyTo(_buf);
            }
            _bufPos += _start;
            _end -= _start;
            _start = 0;
        }
        while (Available < count)
        {
            int n = _stream.Read(_buf, _end, _buf.Length - _end);
            if (n <= 0)
            {
                _eof = true;
                return false;
            }
            _end += n;
        }
        return true;
    }

    /// <summary>Skips <paramref name="count"/> bytes without buffering them; false when the file ends first.</summary>
    private bool Skip(long count)
    {
        if (count <= Available)
        {
            _start += (int)count;
            return true;
        }
        count -= Available;
        _bufPos += _end;
        _start = _end = 0;
        if (_stream.CanSeek)
        {
            long remaining = _stream.Length - _stream.Position;
            if (remaining < count)
            {
                _stream.Seek(0, SeekOrigin.End);
                _bufPos += remaining;
                _eof = true;
                return false;
            }
            _stream.Seek(count, SeekOrigin.Current);
            _bufPos += count;
            return true;
        }
        while (count > 0)
        {
            int n = _stream.Read(_buf, 0, (int)Math.Min(_buf.Length, count));
            if (n <= 0)
            {
                _eof = true;
                return false;
            }
            _bufPos += n;
            count -= n;
        }
        return true;
    }

    // ---- pcap ----

    private int PcapRecordLimit => Math.Clamp(_pcapSnapLen, 262144, MaxBufferedBlock);

    private bool PlausiblePcapHeader(ReadOnlySpan<byte> h, bool checkTime)
    {
        uint frac = U32(h[4..]);
        uint incl = U32(h[8..]);
        uint orig = U32(h[12..]);
        if (frac >= (_nanos ? 1_000_000_000u : 1_000_000u) || incl > (uint)PcapRecordLimit || orig > 16u * 1024 * 1024 || orig < incl && orig != 0)
        {
            return false;
        }
        // While resynchronising, a header far from the last good timestamp is more likely packet bytes than a header.
        return !checkTime || _lastSeconds < 0 || Math.Abs(U32(h) - _lastSeconds) <= 86_400 * 7;
    }

    private bool TryReadPcap(out CapturePacket packet)
    {
        packet = default;
        int hl = _pcapRecordHeader;
        while (true)
        {
            long offset = Position;
            if (!Fill(hl))
            {
                if (Available > 0)
                {
                    Issue(PcapIssueKind.TruncatedFile, offset, $"the file ends inside a record header ({Available} of {hl} bytes)");
                }
                return false;
            }
            var h = _buf.AsSpan(_start, hl);
            uint incl = U32(h[8..]);
            if (!PlausiblePcapHeader(h, false))
            {
                Issue(PcapIssueKind.CorruptRecord, offset, $"impossible record header (captured length {incl}, original {U32(h[12..])}, fraction {U32(h[4..])})");
                if (!ResyncPcap(offset))
                {
                    return false;
                }
                continue;
            }
            if (!Fill(hl + (int)incl))
            {
                Issue(PcapIssueKind.TruncatedFile, offset, $"the file ends inside a packet record: {incl} bytes captured, {Math.Max(0, Available - hl)} present");
                return false;
            }
            h = _buf.AsSpan(_start, hl);
            uint sec = U32(h);
            uint frac = U32(h[4..]);
            _lastSeconds = sec;
            long ticks = sec * TicksPerSecond + (_nanos ? frac / 100 : frac * 10L);
            int orig = (int)U32(h[12..]);
            packet = new CapturePacket(_buf.AsSpan(_start + hl, (int)incl), _pcapLinkType, ticks, orig == 0 ? (int)incl : orig, 0, offset);
            _start += hl + (int)incl;
            PacketCount++;
            return true;
        }
    }

    /// <summary>Scans forward for a record header followed by another plausible header (or the exact end of file).</summary>
    private bool ResyncPcap(long badOffset)
    {
        int hl = _pcapRecordHeader;
        _start++;
        long scanned = 1;
        while (scanned < MaxResyncScan)
        {
            if (!Fill(hl))
            {
                Issue(PcapIssueKind.CorruptRecord, badOffset, $"no valid record found in the {scanned} bytes after it; the rest of the file is unreadable");
                return false;
            }
            var h = _buf.AsSpan(_start, hl);
            if (PlausiblePcapHeader(h, true))
            {
                int incl = (int)U32(h[8..]);
                bool nextOk = Fill(hl + incl + hl)
                    ? PlausiblePcapHeader(_buf.AsSpan(_start + hl + incl, hl), true)
                    : Available == hl + incl;
                if (nextOk)
                {
                    Issue(PcapIssueKind.CorruptRecord, Position, $"resynchronised on the record at offset {Position}: {scanned} bytes skipped after offset {badOffset}");
                    return true;
                }
            }
            _start++;
            scanned++;
        }
        Issue(PcapIssueKind.CorruptRecord, badOffset, $"no valid record found in the {scanned} bytes after it; reading stops");
        return false;
    }

    // ---- pcapng ----

    private static bool IsKnownBlockType(uint type) => type is BlockShb or BlockIdb or BlockPb or BlockSpb or BlockNrb or BlockIsb or BlockEpb or BlockDsb;

    private bool TryReadPcapng(out CapturePacket packet)
    {
        packet = default;
        while (true)
        {
            long offset = Position;
            if (!Fill(12))
            {
                if (Available > 0)
                {
                    Issue(PcapIssueKind.TruncatedFile, offset, $"the file ends inside a block header ({Available} bytes)");
                }
                return false;
            }
            var s = _buf.AsSpan(_start);
            uint type = U32(s);
            if (BinaryPrimitives.ReadUInt32LittleEndian(s) == BlockShb)
            {
                // pcapng §4.1: the byte-order magic decides the endianness of the whole section.
                uint bom = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
                if (bom == ByteOrderMagic)
                {
                    _bigEndian = false;
                }
                else if (BinaryPrimitives.ReadUInt32BigEndian(s[8..]) == ByteOrderMagic)
                {
                    _bigEndian = true;
                }
                else
                {
                    Issue(PcapIssueKind.CorruptRecord, offset, $"section header block with an invalid byte-order magic 0x{bom:X8}");
                    if (!ResyncPcapng(offset))
                    {
                        return false;
                    }
                    continue;
                }
                type = BlockShb;
            }
            uint length = U32(s[4..]);
            if (length < 12 || length % 4 != 0 || (type != BlockShb && length > MaxBufferedBlock && type is BlockEpb or BlockSpb or BlockPb or BlockIdb))
            {
                Issue(PcapIssueKind.CorruptRecord, offset, $"block of type 0x{type:X8} has an impossible total length {length}");
                if (!ResyncPcapng(offset))
                {
                    return false;
                }
                continue;
            }
            if (length > MaxBufferedBlock)
            {
                // A huge block of another type (custom, name resolution...): skip it unread.
                if (!Skip(length - 4) || !Fill(4))
                {
                    Issue(PcapIssueKind.TruncatedFile, offset, $"the file ends inside a block of type 0x{type:X8} ({length} bytes)");
                    return false;
                }
                if (U32(_buf.AsSpan(_start)) != length)
                {
                    Issue(PcapIssueKind.CorruptRecord, offset, $"block of type 0x{type:X8}: trailing length differs from the leading {length}");
                }
                _start += 4;
                continue;
            }
            if (!Fill((int)length))
            {
                Issue(PcapIssueKind.TruncatedFile, offset, $"the file ends inside a block of type 0x{type:X8}: {length} bytes declared, {Available} present");
                return false;
            }
            var block = _buf.AsSpan(_start, (int)length);
            if (U32(block[^4..]) != length)
            {
                Issue(PcapIssueKind.CorruptRecord, offset, $"block of type 0x{type:X8}: trailing length {U32(block[^4..])} differs from the leading {length}");
                if (!ResyncPcapng(offset))
                {
                    return false;
                }
                continue;
            }
            var body = block[8..^4];
            switch (type)
            {
                case BlockShb:
                    // pcapng §4.1: a new section starts; its interfaces are numbered from zero again.
                    _interfaces.Clear();
                    break;
                case BlockIdb:
                    ReadInterface(body, offset);
                    break;
                case BlockEpb:
                case BlockPb:
                case BlockSpb:
                    if (TryPacketBlock(type, body, offset, out packet))
                    {
                        _start += (int)length;
                        PacketCount++;
                        return true;
                    }
                    break;
                default:
                    break; // pcapng §3: readers skip blocks they do not know.
            }
            _start += (int)length;
        }
    }

    private void ReadInterface(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < 8)
        {
            Issue(PcapIssueKind.CorruptRecord, offset, "interface description block too short");
            _interfaces.Add(new InterfaceInfo(-1, 0, false, 6, 0));
            return;
        }
        int linkType = U16(body);
        int snap = (int)Math.Min(U32(body[4..]), int.MaxValue);
        bool binary = false;
        int exponent = 6;
        long tsOffset = 0;
        var opts = body[8..];
        // pcapng §3.5: options are code, length, value padded to 32 bits, ended by opt_endofopt.
        while (opts.Length >= 4)
        {
            int code = U16(opts);
            int len = U16(opts[2..]);
            if (code == 0 || 4 + len > opts.Length)
            {
                break;
            }
            var value = opts.Slice(4, len);
            if (code == 9 && len >= 1)
            {
                // pcapng §4.2 if_tsresol: MSB clear = 10^-n, set = 2^-n.
                binary = (value[0] & 0x80) != 0;
                exponent = value[0] & 0x7F;
            }
            else if (code == 14 && len >= 8)
            {
                tsOffset = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value);
            }
            opts = opts[Math.Min(opts.Length, 4 + ((len + 3) & ~3))..];
        }
        _interfaces.Add(new InterfaceInfo(linkType, snap, binary, exponent, tsOffset));
    }

    private bool TryPacketBlock(uint type, ReadOnlySpan<byte> body, long offset, out CapturePacket packet)
    {
        packet = default;
        int ifId;
        ulong ts = 0;
        int caplen;
        int origlen;
        int dataStart;
        switch (type)
        {
            case BlockEpb:
                if (body.Length < 20)
                {
                    Issue(PcapIssueKind.CorruptRecord, offset, "enhanced packet block too short");
                    return false;
                }
                ifId = (int)U32(body);
                ts = ((ulong)U32(body[4..]) << 32) | U32(body[8..]);
                caplen = (int)Math.Min(U32(body[12..]), int.MaxValue);
                origlen = (int)Math.Min(U32(body[16..]), int.MaxValue);
                dataStart = 20;
                break;
            case BlockPb:
                if (body.Length < 20)
                {
                    Issue(PcapIssueKind.CorruptRecord, offset, "packet block too short");
                    return false;
                }
                ifId = U16(body);
                ts = ((ulong)U32(body[4..]) << 32) | U32(body[8..]);
                caplen = (int)Math.Min(U32(body[12..]), int.MaxValue);
                origlen = (int)Math.Min(U32(body[16..]), int.MaxValue);
                dataStart = 20;
                break;
            default:
                if (body.Length < 4)
                {
                    Issue(PcapIssueKind.CorruptRecord, offset, "simple packet block too short");
                    return false;
                }
                ifId = 0;
                origlen = (int)Math.Min(U32(body), int.MaxValue);
                // pcapng §4.4: the captured length is the smaller of the original length and the snap length of interface 0.
                int snap = _interfaces.Count > 0 && _interfaces[0].SnapLen > 0 ? _interfaces[0].SnapLen : int.MaxValue;
                caplen = Math.Min(Math.Min(origlen, snap), body.Length - 4);
                dataStart = 4;
                break;
        }
        if ((uint)ifId >= (uint)_interfaces.Count)
        {
            Issue(PcapIssueKind.UnknownInterface, offset, $"packet block for interface {ifId}, but the section declared {_interfaces.Count}");
            return false;
        }
        if (caplen > body.Length - dataStart)
        {
            Issue(PcapIssueKind.CorruptRecord, offset, $"packet block claims {caplen} captured bytes but holds {body.Length - dataStart}");
            caplen = body.Length - dataStart;
        }
        var itf = _interfaces[ifId];
        long ticks = type == BlockSpb ? 0 : ToTicks(ts, itf);
        packet = new CapturePacket(body.Slice(dataStart, caplen), itf.LinkType, ticks, origlen, ifId, offset);
        return true;
    }

    private static long ToTicks(ulong ts, InterfaceInfo itf)
    {
        long offsetTicks = itf.OffsetSeconds * TicksPerSecond;
        if (itf.BinaryResolution)
        {
            return offsetTicks + (long)(((UInt128)ts * TicksPerSecond) >> itf.Exponent);
        }
        int e = itf.Exponent;
        if (e <= 7)
        {
            ulong mul = 1;
            for (int i = e; i < 7; i++)
            {
                mul *= 10;
            }
            return offsetTicks + (long)(ts * mul);
        }
        ulong div = 1;
        for (int i = 7; i < e && i < 26; i++)
        {
            div *= 10;
        }
        return offsetTicks + (long)(ts / div);
    }

    /// <summary>Scans 32-bit aligned offsets after a bad block for a known block type whose trailing length matches.</summary>
    private bool ResyncPcapng(long badOffset)
    {
        _start += 4;
        long scanned = 4;
        while (scanned < MaxResyncScan)
        {
            if (!Fill(12))
            {
                Issue(PcapIssueKind.CorruptRecord, badOffset, $"no valid block found in the {scanned} bytes after it; the rest of the file is unreadable");
                return false;
            }
            var s = _buf.AsSpan(_start);
            uint type = U32(s);
            uint length = U32(s[4..]);
            bool shb = BinaryPrimitives.ReadUInt32LittleEndian(s) == BlockShb;
            if ((IsKnownBlockType(type) || shb) && length >= 12 && length % 4 == 0 && length <= MaxBufferedBlock)
            {
                if (shb || (Fill((int)length) && U32(_buf.AsSpan(_start + (int)length - 4)) == length))
                {
                    Issue(PcapIssueKind.CorruptRecord, Position, $"resynchronised on the block at offset {Position}: {scanned} bytes skipped after offset {badOffset}");
                    return true;
                }
            }
            _start += 4;
            scanned += 4;
        }
        Issue(PcapIssueKind.CorruptRecord, badOffset, $"no valid block found in the {scanned} bytes after it; reading stops");
        return false;
    }
}
