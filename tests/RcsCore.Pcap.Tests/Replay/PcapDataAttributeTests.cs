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

/// <summary>The captures recorded from real peers in pcaps/ (see pcaps/README.md), one case per message and per dialog.</summary>
public class RecordedCaptureTests
{
    [Theory]
    [PcapMessages("pcaps")]
    public void EveryRecordedMessageParses(PcapMessageCase c)
    {
        Assert.Null(c.Message.ParseError);
        Assert.Equal(PcapProtocol.Sip, c.Message.Protocol);
    }

    [Theory]
    [PcapDialogs("pcaps")]
    public void EveryRecordedDialogCompletes(PcapDialogCase c)
    {
        var msgs = c.Dialog.Messages.Select(m => m.Sip!).ToList();
        var first = Assert.IsType<SipRequest>(msgs[0]);
        // Every request of the dialog got a final response; each is a success or a digest challenge (RFC 3261 §22.2)
        // that the peer answered, and the last one is a success: the peers all succeeded.
        foreach (var request in msgs.OfType<SipRequest>().Where(r => r.Method != "ACK"))
        {
            Assert.Contains(msgs.OfType<SipResponse>(), r => r.StatusCode >= 200 && r.CSeq!.Value.Method == request.Method && r.TopVia!.Branch == request.TopVia!.Branch);
        }
        var finals = msgs.OfType<SipResponse>().Where(r => r.StatusCode >= 200).ToList();
        Assert.All(finals, r => Assert.True(r.StatusCode is (>= 200 and < 300) or 401 or 407, r.ToString()));
        Assert.InRange(finals[^1].StatusCode, 200, 299);
        if (first.Method == "INVITE")
        {
            Assert.Contains(msgs.OfType<SipRequest>(), r => r.Method == "ACK");
            Assert.Contains(msgs.OfType<SipRequest>(), r => r.Method == "BYE");
        }
    }
}
