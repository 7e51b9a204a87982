using System.Buffers.Binary;
using System.Net;

namespace RcsCore.Pcap.Decoding;

/// <summary>An IPv4 or IPv6 address held by value (IPv4 in the low 32 bits), so flows are keyed without allocating.</summary>
internal readonly record struct IpAddress(UInt128 Value, bool IsV6)
{
    public static IpAddress FromV4(ReadOnlySpan<byte> b) => new(BinaryPrimitives.ReadUInt32BigEndian(b), false);

    public static IpAddress FromV6(ReadOnlySpan<byte> b) => new(BinaryPrimitives.ReadUInt128BigEndian(b), true);

    public static IpAddress From(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out int n);
        return n == 4 ? FromV4(b) : FromV6(b);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(b, Value);
            return new IPAddress(b);
        }
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)Value);
        return new IPAddress(b[..4]);
    }
}

/// <summary>Source and destination of one direction of a transport flow.</summary>
internal readonly record struct FlowKey(IpAddress Source, IpAddress Destination, ushort SourcePort, ushort DestinationPort)
{
    public FlowKey Reverse => new(Destination, Source, DestinationPort, SourcePort);
}

/// <summary>The network-layer view of one packet after the link header and (if needed) reassembly.</summary>
internal ref struct IpPacket
{
    public IpAddress Source;
    public IpAddress Destination;
    public byte Protocol;
    public ReadOnlySpan<byte> Payload;
    public bool Truncated; // the capture holds fewer bytes than the IP header announced
}

/// <summary>What decoding found.</summary>
internal enum DecodeStatus : byte
{
    Ok = 0,
    NotIp = 1,          // ARP, LLC, ... : not interesting, not an error
    Malformed = 2,
    UnsupportedLink = 3,
    Fragment = 4,       // held by the reassembler; nothing to process yet
}

/// <summary>
/// Link-layer and IP header decoding on spans (no allocation on the hot path). PacketDotNet is not available from
/// the package registry here, so the few header formats needed are decoded directly.
/// </summary>
internal static class PacketDecoder
{
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;

    /// <summary>Strips the link header; <paramref name="network"/> starts at the IP header.</summary>
    public static DecodeStatus StripLink(int linkType, ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> network, out string? error)
    {
        network = default;
        error = null;
        ushort etherType;
        switch (linkType)
        {
            case (int)PcapLinkType.Ethernet:
            {
                if (frame.Length < 14)
                {
                    error = "Ethernet header cut short";
                    return DecodeStatus.Malformed;
                }
                int pos = 12;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[pos..]);
                // IEEE 802.1Q / 802.1ad (QinQ, and the legacy 0x9100): each tag is TPID + TCI, then the next type.
                int tags = 0;
                while (etherType is 0x8100 or 0x88A8 or 0x9100 && tags < 8)
                {
                    pos += 4;
                    if (frame.Length < pos + 2)
                    {
                        error = "VLAN tag cut short";
                        return DecodeStatus.Malformed;
                    }
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[pos..]);
                    tags++;
                }
                network = frame[(pos + 2)..];
                break;
            }
            case (int)PcapLinkType.LinuxSll:
                // Linux cooked v1: type(2) ARPHRD(2) address length(2) address(8) protocol(2).
                if (frame.Length < 16)
                {
                    error = "Linux cooked header cut short";
                    return DecodeStatus.Malformed;
                }
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                network = frame[16..];
                break;
            case (int)PcapLinkType.LinuxSll2:
                // Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) type(1) address length(1) address(8).
                if (frame.Length < 20)
                {
                    error = "Linux cooked v2 header cut short";
                    return DecodeStatus.Malformed;
                }
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                network = frame[20..];
                break;
            case (int)PcapLinkType.Null:
            case (int)PcapLinkType.Loop:
            {
                if (frame.Length < 4)
                {
                    error = "loopback header cut short";
                    return DecodeStatus.Malformed;
                }
                // The family is in the capturing host's byte order (NULL) or network order (LOOP); AF_INET is 2
                // everywhere, AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin).
                uint le = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                uint be = BinaryPrimitives.ReadUInt32BigEndian(frame);
                uint family = le < 256 ? le : be;
                network = frame[4..];
                etherType = family switch
                {
                    2 => EtherTypeIpv4,
                    10 or 24 or 28 or 30 => EtherTypeIpv6,
                    _ => 0,
                };
                if (etherType == 0)
                {
                    return DecodeStatus.NotIp;
                }
                break;
            }
            case (int)PcapLinkType.Raw:
            case 12: // LINKTYPE_RAW as some BSDs number it (DLT_RAW 12/14)
            case 14:
            case (int)PcapLinkType.Ipv4:
            case (int)PcapLinkType.Ipv6:
                if (frame.IsEmpty)
                {
                    error = "empty raw IP packet";
                    return DecodeStatus.Malformed;
                }
                network = frame;
                etherType = (frame[0] >> 4) switch
                {
                    4 => EtherTypeIpv4,
                    6 => EtherTypeIpv6,
                    _ => 0,
                };
                if (etherType == 0)
                {
                    error = $"raw IP packet with version {frame[0] >> 4}";
                    return DecodeStatus.Malformed;
                }
                break;
            default:
                return DecodeStatus.UnsupportedLink;
        }
        return etherType is EtherTypeIpv4 or EtherTypeIpv6 ? DecodeStatus.Ok : DecodeStatus.NotIp;
    }

    /// <summary>Decodes an IPv4 or IPv6 header, reassembling fragments through <paramref name="fragments"/>.</summary>
    public static DecodeStatus DecodeIp(ReadOnlySpan<byte> data, IpFragmentReassembler fragments, long packetNumber, out IpPacket ip, out string? error)
    {
        ip = default;
        error = null;
        if (data.IsEmpty)
        {
            error = "empty IP packet";
            return DecodeStatus.Malformed;
        }
        return (data[0] >> 4) switch
        {
            4 => DecodeIpv4(data, fragments, packetNumber, out ip, out error),
            6 => DecodeIpv6(data, fragments, packetNumber, out ip, out error),
            _ => Fail($"IP version {data[0] >> 4}", out error),
        };
    }

    private static DecodeStatus Fail(string text, out string? error)
    {
        error = text;
        return DecodeStatus.Malformed;
    }

    private static DecodeStatus DecodeIpv4(ReadOnlySpan<byte> data, IpFragmentReassembler fragments, long packetNumber, out IpPacket ip, out string? error)
    {
        ip = default;
        error = null;
        // RFC 791 §3.1: IHL in 32-bit words (at least 5), Total Length covers header and data.
        int ihl = (data[0] & 0x0F) * 4;
        if (ihl < 20 || data.Length < ihl)
        {
            return Fail($"IPv4 header length {ihl} with {data.Length} bytes captured", out error);
        }
        int total = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        if (total < ihl)
        {
            // TCP segmentation offload on the capturing host writes 0 here; take what was captured.
            total = total == 0 ? data.Length : ihl;
        }
        if (total > data.Length)
        {
            ip.Truncated = true;
            total = data.Length;
        }
        ip.Source = IpAddress.FromV4(data[12..]);
        ip.Destination = IpAddress.FromV4(data[16..]);
        ip.Protocol = data[9];
        var payload = data[ihl..total]; // drops Ethernet padding after the datagram
        ushort flagsOffset = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        bool moreFragments = (flagsOffset & 0x2000) != 0;
        int fragmentOffset = (flagsOffset & 0x1FFF) * 8;
        if (moreFragments || fragmentOffset != 0)
        {
            if (ip.Truncated)
            {
                return Fail("IPv4 fragment cut short by the snapshot length", out error);
            }
            var key = new FragmentKey(ip.Source, ip.Destination, BinaryPrimitives.ReadUInt16BigEndian(data[4..]), ip.Protocol);
            if (!fragments.Add(key, fragmentOffset, moreFragments, payload, packetNumber, out var whole))
            {
                return DecodeStatus.Fragment;
            }
            payload = whole;
        }
        ip.Payload = payload;
        return DecodeStatus.Ok;
    }

    private static DecodeStatus DecodeIpv6(ReadOnlySpan<byte> data, IpFragmentReassembler fragments, long packetNumber, out IpPacket ip, out string? error)
    {
        ip = default;
        error = null;
        if (data.Length < 40)
        {
            return Fail($"IPv6 header cut short ({data.Length} bytes)", out error);
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int end = 40 + payloadLength;
        if (payloadLength == 0)
        {
            end = data.Length; // a jumbogram (RFC 2675) or offloaded length: use what was captured
        }
        if (end > data.Length)
        {
            ip.Truncated = true;
            end = data.Length;
        }
        ip.Source = IpAddress.FromV6(data[8..]);
        ip.Destination = IpAddress.FromV6(data[24..]);
        byte next = data[6];
        var rest = data[40..end];
        // RFC 8200 §4: walk the extension header chain to the upper-layer header.
        for (int hops = 0; hops < 16; hops++)
        {
            switch (next)
            {
                case 0:  // Hop-by-Hop Options
                case 43: // Routing
                case 60: // Destination Options
                case 135: // Mobility
                {
                    if (rest.Length < 8)
                    {
                        return Fail("IPv6 extension header cut short", out error);
                    }
                    int len = (rest[1] + 1) * 8;
                    if (len > rest.Length)
                    {
                        return Fail("IPv6 extension header longer than the packet", out error);
                    }
                    next = rest[0];
                    rest = rest[len..];
                    continue;
                }
                case 51: // AH: length in 32-bit words minus 2 (RFC 4302 §2.2)
                {
                    if (rest.Length < 8)
                    {
                        return Fail("IPv6 AH header cut short", out error);
                    }
                    int len = (rest[1] + 2) * 4;
                    if (len > rest.Length)
                    {
                        return Fail("IPv6 AH header longer than the packet", out error);
                    }
                    next = rest[0];
                    rest = rest[len..];
                    continue;
                }
                case 44: // Fragment (RFC 8200 §4.5)
                {
                    if (rest.Length < 8)
                    {
                        return Fail("IPv6 fragment header cut short", out error);
                    }
                    if (ip.Truncated)
                    {
                        return Fail("IPv6 fragment cut short by the snapshot length", out error);
                    }
                    byte fragNext = rest[0];
                    ushort offsetFlags = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
                    int fragmentOffset = (offsetFlags >> 3) * 8;
                    bool more = (offsetFlags & 1) != 0;
                    uint id = BinaryPrimitives.ReadUInt32BigEndian(rest[4..]);
                    var fragPayload = rest[8..];
                    if (!more && fragmentOffset == 0)
                    {
                        // An atomic fragment (RFC 6946): process it directly.
                        next = fragNext;
                        rest = fragPayload;
                        continue;
                    }
                    var key = new FragmentKey(ip.Source, ip.Destination, id, 44);
                    if (!fragments.Add(key, fragmentOffset, more, fragPayload, packetNumber, out var whole, fragmentOffset == 0 ? fragNext : (byte)255))
                    {
                        return DecodeStatus.Fragment;
                    }
                    next = fragments.LastFirstNextHeader;
                    rest = whole;
                    continue;
                }
                default:
                    ip.Protocol = next;
                    ip.Payload = rest;
                    return DecodeStatus.Ok;
            }
        }
        return Fail("too many IPv6 extension headers", out error);
    }
}
