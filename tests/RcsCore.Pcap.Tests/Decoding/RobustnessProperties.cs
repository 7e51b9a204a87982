using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Pcap.Writing;

namespace RcsCore.Pcap.Tests.Decoding;

/// <summary>Properties: any segmentation and any delivery order of a TCP stream yields the same messages; corrupt input never throws.</summary>
public class RobustnessProperties
{
    private static readonly string[] s_messages =
    [
        Frames.Message("first", "r1@x"), Frames.Message(new string('x', 900), "r2@x"), Frames.Options("z9hG4bK-r3", "r3@x"),
        Frames.Message("last\r\n", "r4@x"),
    ];

    [Property(MaxTest = 200)]
    public bool AnySegmentationAndOrderGiveTheSameMessages(int[] cutSeeds, int shuffleSeed, bool duplicate)
    {
        var stream = string.Concat(s_messages);
        var cuts = (cutSeeds ?? []).Select(c => (int)((uint)c % (uint)stream.Length)).Where(c => c > 0).Distinct().Order().ToList();
        var segments = new List<(uint Seq, string Part)>();
        int prev = 0;
        foreach (int c in cuts.Append(stream.Length))
        {
            segments.Add((1000u + (uint)prev, stream[prev..c]));
            prev = c;
        }
        var rng = new Random(shuffleSeed);
        var order = segments.OrderBy(_ => rng.Next()).ToList();
        if (duplicate && order.Count > 0)
        {
            order.Insert(rng.Next(order.Count), order[rng.Next(order.Count)]);
        }
        var b = new CaptureBuilder();
        b.Add(Frames.Tcp(Frames.A, Frames.B, 999, "", TcpFlags.Syn));
        foreach (var (seq, part) in order)
        {
            b.Add(Frames.Tcp(Frames.A, Frames.B, seq, part));
        }
        using var reader = new PcapMessageReader(new MemoryStream(b.ToPcapng()));
        var callIds = reader.ReadMessages().Select(m => m.Sip?.CallId).ToList();
        return callIds.SequenceEqual(["r1@x", "r2@x", "r3@x", "r4@x"]) && reader.Issues.Count == 0;
    }

    [Property(MaxTest = 300)]
    public bool CorruptCapturesNeverThrow(int[] positions, byte[] values, bool pcapng)
    {
        var b = new CaptureBuilder();
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options()));
        b.Add(Frames.Tcp(Frames.A, Frames.B, 999, "", TcpFlags.Syn));
        b.Add(Frames.Tcp(Frames.A, Frames.B, 1000, Frames.Message("body")));
        b.Add(Frames.WithVlans(Frames.Udp(Frames.A6, Frames.B6, Frames.Ok()), 0x8100));
        foreach (var f in Frames.FragmentV4(Frames.Udp(Frames.A, Frames.B, Frames.Message(new string('f', 2000), transport: "UDP")), 800))
        {
            b.Add(f);
        }
        var file = pcapng ? b.ToPcapng() : b.ToPcap();
        var ps = positions ?? [];
        var vs = values ?? [];
        for (int i = 0; i < Math.Min(ps.Length, Math.Max(vs.Length, 1)); i++)
        {
            // Keep the first 4 bytes (magic) so the file is still recognised as a capture.
            int at = 4 + (int)((uint)ps[i] % (uint)(file.Length - 4));
            file[at] = vs.Length > 0 ? vs[i % vs.Length] : (byte)(file[at] ^ 0xFF);
        }
        try
        {
            using var reader = new PcapMessageReader(new MemoryStream(file), new PcapReadOptions { FragmentWindowPackets = 4 });
            foreach (var m in reader.ReadMessages())
            {
                _ = m.ToString();
            }
            return true;
        }
        catch (InvalidDataException)
        {
            return true; // a header damaged beyond recognition is reported as not-a-capture
        }
    }

    [Property(MaxTest = 100)]
    public bool TruncatedAtAnyLengthNeverThrows(int cut)
    {
        var b = new CaptureBuilder();
        b.Add(Frames.Udp(Frames.A, Frames.B, Frames.Options()));
        b.Add(Frames.Tcp(Frames.A, Frames.B, 1000, Frames.Message("body")));
        var file = b.ToPcapng();
        int len = (int)((uint)cut % (uint)file.Length);
        try
        {
            using var reader = new PcapMessageReader(new MemoryStream(file[..len]));
            _ = reader.ReadMessages().Count();
            return len == file.Length || reader.Issues.Any(i => i.Kind == PcapIssueKind.TruncatedFile) || len % 4 == 0;
        }
        catch (InvalidDataException)
        {
            return len < 4;
        }
    }
}
