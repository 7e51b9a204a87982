using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Pcap.Tests.Replay;

/// <summary>Every capture in pcaps/ and ../shared/corpus/pcaps/ decodes to the SIP packets tshark finds, message for message.</summary>
public class CorpusCaptureTests
{
    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var dir in new[] { Path.Combine(RepoPaths.Corpus, "pcaps"), Path.Combine(RepoPaths.Root, "pcaps") })
        {
            foreach (var f in Directory.GetFiles(dir).Where(f => f.EndsWith(".pcap", StringComparison.Ordinal) || f.EndsWith(".pcapng", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(Path.GetDirectoryName(RepoPaths.Root)!, f));
            }
        }
        return data;
    }

    private static string Full(string relative) => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepoPaths.Root)!, relative));

    [Theory]
    [MemberData(nameof(Captures))]
    public async Task AsyncEnumerationGivesTheSameMessages(string capture)
    {
        var file = Full(capture);
        var sync = PcapReplay.ReadMessages(file).Select(m => (m.PacketNumber, m.Label)).ToList();
        var list = new List<(long, string)>();
        await foreach (var m in PcapReplay.ReadMessagesAsync(file, ct: TestContext.Current.CancellationToken))
        {
            list.Add((m.PacketNumber, m.Label));
        }
        Assert.Equal(sync, list);
        Assert.NotEmpty(list);
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void SipPacketsMatchTshark(string capture)
    {
        var file = Full(capture);
        var expected = TShark.SipPackets(file);
        var actual = new SortedDictionary<long, List<string>>();
        using var reader = new PcapMessageReader(file);
        foreach (var m in reader.ReadMessages().Where(m => m.Protocol == PcapProtocol.Sip))
        {
            Assert.True(m.ParseError is null, $"{capture}: {m}");
            if (!actual.TryGetValue(m.PacketNumber, out var list))
            {
                actual[m.PacketNumber] = list = [];
            }
            list.Add(m.Label);
        }
        foreach (var l in actual.Values)
        {
            l.Sort(StringComparer.Ordinal);
        }
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (frame, labels) in expected)
        {
            Assert.True(labels.SequenceEqual(actual[frame]), $"{capture} frame {frame}: tshark [{string.Join(',', labels)}], ours [{string.Join(',', actual[frame])}]");
        }
        Assert.Equal(TShark.Run("-r", file, "-T", "fields", "-e", "frame.number").Count, reader.Statistics.Packets);
    }
}
