using System.Globalization;
using System.Reflection;
using RcsCore.Pcap;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace RcsCore.Testing;

/// <summary>
/// Theory data: one test case per SIP/MSRP message of a capture file, or of every .pcap/.pcapng in a directory.
/// The test method takes a <see cref="PcapMessageCase"/>.
/// <code>
/// [Theory, PcapMessages("pcaps")]
/// public void EveryMessageParses(PcapMessageCase c) => Assert.Null(c.Message.ParseError);
/// </code>
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class PcapMessagesAttribute : DataAttribute
{
    /// <summary>Messages of the capture file or directory at <paramref name="path"/> (see <see cref="PcapDialogsAttribute"/> for path rules).</summary>
    public PcapMessagesAttribute(string path)
    {
        Path = path;
    }

    /// <summary>The file or directory.</summary>
    public string Path { get; }

    /// <summary>Only SIP messages (no MSRP).</summary>
    public bool SipOnly { get; set; }

    /// <inheritdoc />
    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker)
    {
        var rows = new List<ITheoryDataRow>();
        foreach (var file in PcapCaptures.Resolve(Path))
        {
            var messages = PcapCaptures.Messages(file);
            for (int i = 0; i < messages.Count; i++)
            {
                var m = messages[i];
                if (SipOnly && m.Protocol != PcapProtocol.Sip)
                {
                    continue;
                }
                rows.Add(new TheoryDataRow(new PcapMessageCase(file, i))
                {
                    TestDisplayName = string.Create(CultureInfo.InvariantCulture, $"{testMethod?.Name}({System.IO.Path.GetFileName(file)} #{m.PacketNumber} {m.Label})"),
                });
            }
        }
        return new ValueTask<IReadOnlyCollection<ITheoryDataRow>>(rows);
    }

    /// <inheritdoc />
    public override bool SupportsDiscoveryEnumeration() => true;
}

/// <summary>
/// Theory data: one test case per dialog (all messages of one SIP Call-ID, with the MSRP its SDP announced) of a
/// capture file, or of every .pcap/.pcapng in a directory. The path is absolute, relative to the working directory,
/// or relative to any directory above the test assembly. The test method takes a <see cref="PcapDialogCase"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class PcapDialogsAttribute : DataAttribute
{
    /// <summary>Dialogs of the capture file or directory at <paramref name="path"/>.</summary>
    public PcapDialogsAttribute(string path)
    {
        Path = path;
    }

    /// <summary>The file or directory.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker)
    {
        var rows = new List<ITheoryDataRow>();
        foreach (var file in PcapCaptures.Resolve(Path))
        {
            var dialogs = PcapCaptures.Dialogs(file);
            for (int i = 0; i < dialogs.Count; i++)
            {
                var d = dialogs[i];
                rows.Add(new TheoryDataRow(new PcapDialogCase(file, i))
                {
                    TestDisplayName = string.Create(CultureInfo.InvariantCulture, $"{testMethod?.Name}({System.IO.Path.GetFileName(file)} {d.FirstMethod ?? "?"} {d.CallId})"),
                });
            }
        }
        return new ValueTask<IReadOnlyCollection<ITheoryDataRow>>(rows);
    }

    /// <inheritdoc />
    public override bool SupportsDiscoveryEnumeration() => true;
}
