using System.Buffers.Binary;
using System.Net;
using System.Text;
using RcsCore.Pcap.Writing;

namespace RcsCore.Pcap.Tests;

/// <summary>Builds capture files byte by byte (pcap µs/ns, pcapng, either byte order) for reader tests.</summary>
internal sealed class CaptureBuilder
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public List<(PcapLinkType Link, byte TsResol)> Interfaces { get; } = [];

    public List<(int Interface, long Ticks, byte[] Frame, bool Simple)> Packets { get; } = [];

    public CaptureBuilder(PcapLinkType link = PcapLinkType.Ethernet, byte tsResol = 6)
    {
        Interfaces.Add((link, tsResol));
    }

    public CaptureBuilder Add(byte[] frame, int iface = 0, long? ticks = null, bool simple = false)
    {
        Packets.Add((iface, ticks ?? T0.UtcTicks - DateTime.UnixEpoch.Ticks + Packets.Count * 10_000L + 1234, frame, simple));
        return this;
    }

    public byte[] ToPcap(bool bigEndian = false, bool nanos = false)
    {
        var ms = new MemoryStream();
        Span<byte> h = stackalloc byte[24];
        W32(h, nanos ? 0xA1B23C4D : 0xA1B2C3D4, bigEndian);
        W16(h[4..], 2, bigEndian);
        W16(h[6..], 4, bigEndian);
        W32(h[8..], 0, bigEndian);
        W32(h[12..], 0, bigEndian);
        W32(h[16..], 262144, bigEndian);
        W32(h[20..], (uint)Interfaces[0].Link, bigEndian);
        ms.Write(h);
        Span<byte> r = stackalloc byte[16];
        foreach (var p in Packets)
        {
            long sec = p.Ticks / 10_000_000;
            long rem = p.Ticks % 10_000_000;
            W32(r, (uint)sec, bigEndian);
            W32(r[4..], (uint)(nanos ? rem * 100 : rem / 10), bigEndian);
            W32(r[8..], (uint)p.Frame.Length, bigEndian);
            W32(r[12..], (uint)p.Frame.Length, bigEndian);
            ms.Write(r);
            ms.Write(p.Frame);
        }
        return ms.ToArray();
    }

    /// <summary>pcapng; <paramref name="sectionBreakBefore"/> starts a new section (re-declaring the interfaces) before that packet index.</summary>
    public byte[] ToPcapng(bool bigEndian = false, int sectionBreakBefore = -1, bool unknownBlock = false)
    {
        var ms = new MemoryStream();
        WriteSection(ms, bigEndian);
        if (unknownBlock)
        {
            WriteBlock(ms, 0x00000BAD, [1, 2, 3, 4, 5, 6, 7, 8], bigEndian);
        }
        for (int i = 0; i < Packets.Count; i++)
        {
            if (i == sectionBreakBefore)
            {
                WriteSection(ms, !bigEndian); // the new section may even use the other byte order
                bigEndian = !bigEndian;
            }
            var p = Packets[i];
            if (p.Simple)
            {
                var body = new byte[4 + Pad(p.Frame.Length)];
                W32(body, (uint)p.Frame.Length, bigEndian);
                p.Frame.CopyTo(body, 4);
                WriteBlock(ms, 3, body, bigEndian);
                continue;
            }
            var res = p.Interface < Interfaces.Count ? Interfaces[p.Interface].TsResol : (byte)6;
            ulong units = ToUnits(p.Ticks, res);
            var epb = new byte[20 + Pad(p.Frame.Length)];
            W32(epb, (uint)p.Interface, bigEndian);
            W32(epb.AsSpan(4), (uint)(units >> 32), bigEndian);
            W32(epb.AsSpan(8), (uint)units, bigEndian);
            W32(epb.AsSpan(12), (uint)p.Frame.Length, bigEndian);
            W32(epb.AsSpan(16), (uint)p.Frame.Length, bigEndian);
            p.Frame.CopyTo(epb, 20);
            WriteBlock(ms, 6, epb, bigEndian);
        }
        return ms.ToArray();
    }

    private static ulong ToUnits(long ticks, byte res)
    {
        if ((res & 0x80) != 0)
        {
            return (ulong)(((UInt128)(ulong)ticks << (res & 0x7F)) / 10_000_000);
        }
        return res <= 7 ? (ulong)ticks / (ulong)Math.Pow(10, 7 - res) : (ulong)ticks * (ulong)Math.Pow(10, res - 7);
    }

    private void WriteSection(MemoryStream ms, bool be)
    {
        var shb = new byte[16 + 4];
        W32(shb, 0x1A2B3C4D, be);
        W16(shb.AsSpan(4), 1, be);
        W16(shb.AsSpan(6), 0, be);
        BinaryPrimitives.WriteInt64LittleEndian(shb.AsSpan(8), -1);
        // opt_endofopt already zero
        WriteBlock(ms, 0x0A0D0D0A, shb, be);
        foreach (var (link, res) in Interfaces)
        {
            var idb = new byte[8 + 8 + 4];
            W16(idb, (ushort)link, be);
            W32(idb.AsSpan(4), 262144, be);
            W16(idb.AsSpan(8), 9, be);
            W16(idb.AsSpan(10), 1, be);
            idb[12] = res;
            WriteBlock(ms, 1, idb, be);
        }
    }

    private static void WriteBlock(MemoryStream ms, uint type, byte[] body, bool be)
    {
        var b = new byte[12 + body.Length];
        W32(b, type, be);
        W32(b.AsSpan(4), (uint)b.Length, be);
        body.CopyTo(b, 8);
        W32(b.AsSpan(b.Length - 4), (uint)b.Length, be);
        ms.Write(b);
    }

    private static int Pad(int n) => (n + 3) & ~3;

    private static void W32(Span<byte> s, uint v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt32BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, v);
        }
    }

    private static void W16(Span<byte> s, ushort v, bool be)
    {
        if (be)
        {
            BinaryPrimitives.WriteUInt16BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, v);
        }
    }
}

/// <summary>Frame construction on top of the library's synthesiser.</summary>
internal static class Frames
{
    public static readonly IPEndPoint A = new(IPAddress.Parse("10.0.0.1"), 5060);
    public static readonly IPEndPoint B = new(IPAddress.Parse("10.0.0.2"), 5080);
    public static readonly IPEndPoint A6 = new(IPAddress.Parse("2001:db8::1"), 5060);
    public static readonly IPEndPoint B6 = new(IPAddress.Parse("2001:db8::2"), 5080);

    public static byte[] Udp(IPEndPoint src, IPEndPoint dst, string payload, PcapLinkType link = PcapLinkType.Ethernet) => Udp(src, dst, Encoding.UTF8.GetBytes(payload), link);

    public static byte[] Udp(IPEndPoint src, IPEndPoint dst, byte[] payload, PcapLinkType link = PcapLinkType.Ethernet)
    {
        var b = new byte[PacketSynthesizer.MaxHeaders + payload.Length];
        int n = PacketSynthesizer.Udp(b, link, src, dst, payload, 7);
        return b[..n];
    }

    public static byte[] Tcp(IPEndPoint src, IPEndPoint dst, uint seq, string payload, TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh, PcapLinkType link = PcapLinkType.Ethernet)
    {
        var p = Encoding.UTF8.GetBytes(payload);
        var b = new byte[PacketSynthesizer.MaxHeaders + p.Length];
        int n = PacketSynthesizer.Tcp(b, link, src, dst, seq, 1, flags, p, 7);
        return b[..n];
    }

    /// <summary>Inserts 802.1Q tags (TPIDs given) after the MAC addresses of an Ethernet frame.</summary>
    public static byte[] WithVlans(byte[] ethernet, params ushort[] tpids)
    {
        var list = new List<byte>(ethernet[..12]);
        ushort vid = 100;
        foreach (var tpid in tpids)
        {
            list.Add((byte)(tpid >> 8));
            list.Add((byte)tpid);
            list.Add((byte)(vid >> 8));
            list.Add((byte)vid++);
        }
        list.AddRange(ethernet[12..]);
        return [.. list];
    }

    /// <summary>Splits the IPv4 payload of an Ethernet frame into fragments of at most <paramref name="size"/> bytes (multiple of 8).</summary>
    public static List<byte[]> FragmentV4(byte[] ethernet, int size)
    {
        var ip = ethernet.AsSpan(14);
        int ihl = (ip[0] & 0xF) * 4;
        var payload = ip[ihl..].ToArray();
        var result = new List<byte[]>();
        for (int off = 0; off < payload.Length; off += size)
        {
            int len = Math.Min(size, payload.Length - off);
            bool more = off + len < payload.Length;
            var f = new byte[14 + ihl + len];
            ethernet.AsSpan(0, 14 + ihl).CopyTo(f);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14 + 2), (ushort)(ihl + len));
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14 + 4), 0x4242);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14 + 6), (ushort)((more ? 0x2000 : 0) | (off / 8)));
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14 + 10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14 + 10), PacketSynthesizer.Checksum(f.AsSpan(14, ihl), 0));
            payload.AsSpan(off, len).CopyTo(f.AsSpan(14 + ihl));
            result.Add(f);
        }
        return result;
    }

    /// <summary>Splits an IPv6 Ethernet frame's payload into fragments behind a hop-by-hop header and a fragment header.</summary>
    public static List<byte[]> FragmentV6(byte[] ethernet, int size)
    {
        var ip = ethernet.AsSpan(14);
        byte upper = ip[6];
        var payload = ip[40..].ToArray();
        var result = new List<byte[]>();
        for (int off = 0; off < payload.Length; off += size)
        {
            int len = Math.Min(size, payload.Length - off);
            bool more = off + len < payload.Length;
            var f = new byte[14 + 40 + 8 + 8 + len];
            ethernet.AsSpan(0, 14 + 40).CopyTo(f);
            var h = f.AsSpan(14);
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)(8 + 8 + len));
            h[6] = 0; // hop-by-hop first
            var hbh = h[40..];
            hbh[0] = 44; // then the fragment header
            hbh[1] = 0;
            hbh[2] = 1; // PadN option filling the 8 bytes
            hbh[3] = 4;
            var frag = h[48..];
            frag[0] = upper;
            frag[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(frag[2..], (ushort)((off / 8) << 3 | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(frag[4..], 0xABCDEF);
            payload.AsSpan(off, len).CopyTo(h[56..]);
            result.Add(f);
        }
        return result;
    }

    public static string Options(string branch = "z9hG4bK-1", string callId = "call-1@test", string? extraHeaders = null) =>
        "OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n" +
        "Max-Forwards: 70\r\nFrom: <sip:alice@10.0.0.1>;tag=a1\r\nTo: <sip:bob@10.0.0.2>\r\n" +
        $"Call-ID: {callId}\r\nCSeq: 1 OPTIONS\r\n{extraHeaders}Content-Length: 0\r\n\r\n";

    public static string Ok(string branch = "z9hG4bK-1", string callId = "call-1@test", string method = "OPTIONS", int status = 200) =>
        $"SIP/2.0 {status} OK\r\n" +
        $"Via: SIP/2.0/UDP 10.0.0.1:5060;branch={branch}\r\n" +
        "From: <sip:alice@10.0.0.1>;tag=a1\r\nTo: <sip:bob@10.0.0.2>;tag=b1\r\n" +
        $"Call-ID: {callId}\r\nCSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n";

    public static string Message(string body, string callId = "call-m@test", string transport = "TCP") =>
        "MESSAGE sip:bob@10.0.0.2 SIP/2.0\r\n" +
        $"Via: SIP/2.0/{transport} 10.0.0.1:5060;branch=z9hG4bK-m{callId.Split('@')[0]}\r\n" +
        "Max-Forwards: 70\r\nFrom: <sip:alice@10.0.0.1>;tag=a1\r\nTo: <sip:bob@10.0.0.2>\r\n" +
        $"Call-ID: {callId}\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
}
