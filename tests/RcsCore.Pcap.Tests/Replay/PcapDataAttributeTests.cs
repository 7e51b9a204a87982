using RcsCore.Pcap;
using RcsCore.Sip.Messages;
using RcsCore.Testing;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Pcap.Tests.Replay;

/// <summary>The RcsCore.Testing attributes: one case per message / per dialog of every corpus capture.</summary>
public class PcapDataAttributeTests
{
    [Theory]
    [PcapMessages("../shared/corpus/pcaps")]
    public void EveryCorpusMessageParses(PcapMessageCase c)
    {
        var m = c.Message;
        Assert.Null(m.ParseError);
        Assert.NotNull(m.Sip);
        Assert.Equal(PcapProtocol.Sip, m.Protocol);
        Assert.True(m.Sip!.CallId is { Length: > 0 }, m.ToString());
    }

    [Theory]
    [PcapDialogs("../shared/corpus/pcaps")]
    public void EveryCorpusDialogIsOneCallIdInCaptureOrder(PcapDialogCase c)
    {
        var d = c.Dialog;
        Assert.NotEmpty(d.Messages);
        Assert.All(d.Messages, m => Assert.Equal(d.CallId, m.Sip!.CallId));
        Assert.True(d.Messages.Zip(d.Messages.Skip(1)).All(p => p.First.Index < p.Second.Index));
        // Every response answers a method that a request of the same Call-ID used, unless the capture began mid-dialog.
        var methods = d.Messages.Select(m => m.Sip).OfType<SipRequest>().Select(r => r.Method).ToHashSet();
        if (d.Messages[0].Sip is SipRequest)
        {
            Assert.All(d.Messages.Select(m => m.Sip).OfType<SipResponse>(), r => Assert.Contains(r.CSeq!.Value.Method, methods));
        }
    }

    [Fact]
    public async Task TheAttributeYieldsOneRowPerMessageWithSerializableArguments()
    {
        var file = Path.Combine(RepoPaths.Corpus, "pcaps", "sipp-uac-uas-udp-loopback.pcap");
        var attribute = new PcapMessagesAttribute(file);
        var rows = await attribute.GetData(typeof(PcapDataAttributeTests).GetMethod(nameof(EveryCorpusMessageParses))!, new Xunit.Sdk.DisposalTracker());
        Assert.Equal(18, rows.Count);
        Assert.True(attribute.SupportsDiscoveryEnumeration());
        var first = Assert.IsType<PcapMessageCase>(rows.First().GetData()[0]);
        Assert.Equal("INVITE", first.Message.Label);
        Assert.Contains("#1 INVITE", rows.First().TestDisplayName, StringComparison.Ordinal);
        var dialogs = await new PcapDialogsAttribute(file).GetData(typeof(PcapDataAttributeTests).GetMethod(nameof(EveryCorpusMessageParses))!, new Xunit.Sdk.DisposalTracker());
        Assert.Equal(3, dialogs.Count);
    }

    [Fact]
    public void AMissingCaptureIsAClearError()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => new PcapMessagesAttribute("no/such/capture.pcap").GetData(null!, new Xunit.Sdk.DisposalTracker()));
        Assert.Contains("no/such/capture.pcap", ex.Message, StringComparison.Ordinal);
    }
}
