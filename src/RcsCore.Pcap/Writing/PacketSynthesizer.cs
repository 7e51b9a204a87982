using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RcsCore.Pcap.Writing;

/// <summary>TCP flag bits (RFC 9293 §3.1).</summary>
[Flags]
internal enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
}

/// <summary>
/// Builds link + IPv4/IPv6 + UDP/TCP headers around a payload, with valid checksums, so that recorded traffic is a
/// capture Wireshark decodes without complaint.
/// </summary>
internal static class PacketSynthesizer
{
    public const int MaxHeaders = 20 /* SLL2 */ + 40 /* IPv6 */ + 20 /* TCP */;

    public static int LinkHeaderLength(PcapLinkType link) => link switch
    {
        PcapLinkType.Ethernet => 14,
        PcapLinkType.LinuxSll => 16,
        PcapLinkType.LinuxSll2 => 20,
        PcapLinkType.Null or PcapLinkType.Loop => 4,
        _ => 0,
    };

    public static int Udp(Span<byte> output, PcapLinkType link, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload, ushort ipId)
    {
        bool v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        int l = WriteLink(output, link, v6);
        int ipLen = v6 ? 40 : 20;
        var udp = output[(l + ipLen)..];
        // RFC 768: ports, length, checksum over the pseudo-header.
        BinaryPrimitives.WriteUInt16BigEndian(udp, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        payload.CopyTo(udp[8..]);
        WriteIp(output[l..], source.Address, destination.Address, 17, 8 + payload.Length, ipId);
        ushort sum = TransportChecksum(source.Address, destination.Address, 17, udp[..(8 + payload.Length)]);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xFFFF : sum);
        return l + ipLen + 8 + payload.Length;
    }

    public static int Tcp(Span<byte> output, PcapLinkType link, IPEndPoint source, IPEndPoint destination, uint seq, uint ack, TcpFlags flags, ReadOnlySpan<byte> payload, ushort ipId)
    {
        bool v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        int l = WriteLink(output, link, v6);
        int ipLen = v6 ? 40 : 20;
        var tcp = output[(l + ipLen)..];
        // RFC 9293 §3.1: ports, sequence, acknowledgment, data offset 5, flags, window, checksum, urgent pointer.
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], (ushort)destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = 5 << 4;
        tcp[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[18..], 0);
        payload.CopyTo(tcp[20..]);
        WriteIp(output[l..], source.Address, destination.Address, 6, 20 + payload.Length, ipId);
        ushort sum = TransportChecksum(source.Address, destination.Address, 6, tcp[..(20 + payload.Length)]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], sum);
        return l + ipLen + 20 + payload.Length;
    }

    public static int WriteLink(Span<byte> b, PcapLinkType link, bool v6)
    {
        ushort etherType = v6 ? (ushort)0x86DD : (ushort)0x0800;
        switch (link)
        {
            case PcapLinkType.Ethernet:
                // Loopback captures on Linux show all-zero MAC addresses; use the same.
                b[..12].Clear();
                BinaryPrimitives.WriteUInt16BigEndian(b[12..], etherType);
                return 14;
            case PcapLinkType.LinuxSll:
                b[..16].Clear();
                BinaryPrimitives.WriteUInt16BigEndian(b[2..], 772); // ARPHRD_LOOPBACK
                BinaryPrimitives.WriteUInt16BigEndian(b[4..], 6);
                BinaryPrimitives.WriteUInt16BigEndian(b[14..], etherType);
                return 16;
            case PcapLinkType.LinuxSll2:
                b[..20].Clear();
                BinaryPrimitives.WriteUInt16BigEndian(b, etherType);
                BinaryPrimitives.WriteUInt32BigEndian(b[4..], 1);
                BinaryPrimitives.WriteUInt16BigEndian(b[8..], 772);
                b[11] = 6;
                return 20;
            case PcapLinkType.Null:
                BinaryPrimitives.WriteUInt32LittleEndian(b, v6 ? 30u : 2u);
                return 4;
            case PcapLinkType.Loop:
                BinaryPrimitives.WriteUInt32BigEndian(b, v6 ? 30u : 2u);
                return 4;
            default:
                return 0;
        }
    }

    public static int WriteIp(Span<byte> b, IPAddress source, IPAddress destination, byte protocol, int payloadLength, ushort id)
    {
        if (source.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // RFC 8200 §3: version 6, traffic class, flow label, payload length, next header, hop limit, addresses.
            BinaryPrimitives.WriteUInt32BigEndian(b, 0x60000000);
            BinaryPrimitives.WriteUInt16BigEndian(b[4..], (ushort)payloadLength);
            b[6] = protocol;
            b[7] = 64;
            source.TryWriteBytes(b[8..], out _);
            destination.TryWriteBytes(b[24..], out _);
            return 40;
        }
        // RFC 791 §3.1: version 4, IHL 5, total length, identification, DF, TTL 64, protocol, checksum, addresses.
        b[0] = 0x45;
        b[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], (ushort)(20 + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(b[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(b[6..], 0x4000);
        b[8] = 64;
        b[9] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(b[10..], 0);
        source.TryWriteBytes(b[12..], out _);
        destination.TryWriteBytes(b[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(b[10..], Checksum(b[..20], 0));
        return 20;
    }

    /// <summary>RFC 768 / RFC 9293 §3.1 / RFC 8200 §8.1: checksum over the pseudo-header and the segment.</summary>
    public static ushort TransportChecksum(IPAddress source, IPAddress destination, byte protocol, ReadOnlySpan<byte> segment)
    {
        Span<byte> a = stackalloc byte[16];
        uint sum = 0;
        source.TryWriteBytes(a, out int n);
        sum = Add(sum, a[..n]);
        destination.TryWriteBytes(a, out n);
        sum = Add(sum, a[..n]);
        sum += protocol;
        sum += (uint)segment.Length;
        return Checksum(segment, sum);
    }

    /// <summary>RFC 1071 Internet checksum.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = Add(initial, data);
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    private static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
            if ((sum & 0x80000000) != 0)
            {
                sum = (sum & 0xFFFF) + (sum >> 16);
            }
        }
        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }
        return sum;
    }
}
