using System.Buffers.Binary;
using System.Text;

namespace RcsCore.Pcap;

/// <summary>
/// Writes pcapng (IETF draft-ietf-opsawg-pcapng): one Section Header Block, Interface Description Blocks with
/// nanosecond timestamps, and Enhanced Packet Blocks, in little-endian order. Wireshark and tshark open the result.
/// Not thread-safe; <see cref="PcapTrafficRecorder"/> serialises its writes.
/// </summary>
public sealed class PcapngWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<PcapLinkType> _interfaces = [];
    private byte[] _scratch = new byte[4096];
    private bool _disposed;

    /// <summary>Starts a section on <paramref name="stream"/> (writes the Section Header Block at once).</summary>
    public PcapngWriter(Stream stream, bool leaveOpen = false, string? application = "RcsCore")
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        WriteSectionHeader(application);
    }

    /// <summary>Creates (or overwrites) a file and starts a section.</summary>
    public static PcapngWriter Create(string path, string? application = "RcsCore")
        => new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024), leaveOpen: false, application);

    /// <summary>Packets written.</summary>
    public long PacketCount { get; private set; }

    /// <summary>Declares an interface (Interface Description Block) and returns its id for <see cref="WritePacket"/>.</summary>
    public int AddInterface(PcapLinkType linkType, int snapLength = 262_144, string? name = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var nameBytes = name is null ? [] : Encoding.UTF8.GetBytes(name);
        int options = 4 + 4 /* if_tsresol */ + (nameBytes.Length > 0 ? 4 + Pad(nameBytes.Length) : 0) + 4 /* opt_endofopt */;
        int total = 8 + 8 + options + 4;
        var b = Scratch(total);
        int p = BlockStart(b, 0x00000001, total);
        // pcapng §4.2: LinkType(16) Reserved(16) SnapLen(32), then options.
        BinaryPrimitives.WriteUInt16LittleEndian(b[p..], (ushort)linkType);
        BinaryPrimitives.WriteUInt16LittleEndian(b[(p + 2)..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(p + 4)..], (uint)snapLength);
        p += 8;
        p = Option(b, p, 9, [9]); // if_tsresol = 10^-9: nanoseconds
        if (nameBytes.Length > 0)
        {
            p = Option(b, p, 2, nameBytes); // if_name
        }
        p = Option(b, p, 0, []);
        BlockEnd(b, p, total);
        _stream.Write(b[..total]);
        _interfaces.Add(linkType);
        return _interfaces.Count - 1;
    }

    /// <summary>Writes one packet as an Enhanced Packet Block.</summary>
    public void WritePacket(int interfaceId, DateTimeOffset timestamp, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)interfaceId >= (uint)_interfaces.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(interfaceId), "Declare the interface with AddInterface first.");
        }
        int total = 8 + 20 + Pad(data.Length) + 4;
        var b = Scratch(total);
        int p = BlockStart(b, 0x00000006, total);
        ulong ns = (ulong)Math.Max(0, timestamp.UtcTicks - DateTime.UnixEpoch.Ticks) * 100UL;
        // pcapng §4.3: Interface ID, Timestamp (high, low) in if_tsresol units, Captured length, Original length.
        BinaryPrimitives.WriteUInt32LittleEndian(b[p..], (uint)interfaceId);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(p + 4)..], (uint)(ns >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(b[(p + 8)..], (uint)ns);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(p + 12)..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(p + 16)..], (uint)(originalLength < 0 ? data.Length : originalLength));
        p += 20;
        data.CopyTo(b[p..]);
        b.Slice(p + data.Length, Pad(data.Length) - data.Length).Clear();
        p += Pad(data.Length);
        BlockEnd(b, p, total);
        _stream.Write(b[..total]);
        PacketCount++;
    }

    /// <summary>Flushes buffered blocks to the stream.</summary>
    public void Flush() => _stream.Flush();

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stream.Flush();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private void WriteSectionHeader(string? application)
    {
        var app = application is null ? [] : Encoding.UTF8.GetBytes(application);
        int options = (app.Length > 0 ? 4 + Pad(app.Length) : 0) + 4;
        int total = 8 + 16 + options + 4;
        var b = Scratch(total);
        int p = BlockStart(b, 0x0A0D0D0A, total);
        // pcapng §4.1: Byte-Order Magic, Major 1, Minor 0, Section Length -1 (not specified).
        BinaryPrimitives.WriteUInt32LittleEndian(b[p..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(b[(p + 4)..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b[(p + 6)..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(b[(p + 8)..], -1);
        p += 16;
        if (app.Length > 0)
        {
            p = Option(b, p, 4, app); // shb_userappl
        }
        p = Option(b, p, 0, []);
        BlockEnd(b, p, total);
        _stream.Write(b[..total]);
    }

    private Span<byte> Scratch(int size)
    {
        if (_scratch.Length < size)
        {
            _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
        }
        return _scratch.AsSpan(0, size);
    }

    private static int Pad(int n) => (n + 3) & ~3;

    private static int BlockStart(Span<byte> b, uint type, int total)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b, type);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], (uint)total);
        return 8;
    }

    private static void BlockEnd(Span<byte> b, int p, int total)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(b[p..], (uint)total);
    }

    private static int Option(Span<byte> b, int p, ushort code, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(b[p..], code);
        BinaryPrimitives.WriteUInt16LittleEndian(b[(p + 2)..], (ushort)value.Length);
        value.CopyTo(b[(p + 4)..]);
        b.Slice(p + 4 + value.Length, Pad(value.Length) - value.Length).Clear();
        return p + 4 + Pad(value.Length);
    }
}
