using System.Buffers;
using BenchmarkDotNet.Attributes;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Benchmarks;

/// <summary>Writing the RCS chat INVITE, and the owned message model (parse into <see cref="SipMessage"/> + typed accessors).</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SipWriteBenchmarks
{
    private byte[] _invite = [];
    private byte[] _sdp = [];
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    [GlobalSetup]
    public void Setup()
    {
        _invite = BenchMessages.Load(BenchMessages.Invite);
        int body = SipMessageParser.FindEndOfHeaders(_invite);
        _sdp = _invite[body..];
        if (Write() != _invite.Length)
        {
            throw new InvalidOperationException($"The written INVITE ({_output.WrittenCount} bytes) differs in length from the bench message ({_invite.Length}).");
        }
        if (!_output.WrittenSpan.SequenceEqual(_invite))
        {
            throw new InvalidOperationException("The written INVITE differs from the bench message.");
        }
    }

    /// <summary>Writes the 1.2 KB INVITE header by header (strings encoded straight into the buffer, no concatenation).</summary>
    [Benchmark]
    public int Write()
    {
        _output.ResetWrittenCount();
        var w = new SipWriter(_output);
        w.WriteRequestLine("INVITE", "sip:+14155550199@10.0.2.15:5060");
        w.WriteHeader(SipHeaderName.Via, "SIP/2.0/UDP pcscf.ims.mnc001.mcc001.3gppnetwork.org;branch=z9hG4bK3c9e2b71");
        w.WriteHeader(SipHeaderName.Via, "SIP/2.0/UDP 10.0.2.20:5060;received=10.0.2.20;rport=5060;branch=z9hG4bK776asdhd");
        w.WriteHeader(SipHeaderName.MaxForwards, "67");
        w.WriteHeader(SipHeaderName.RecordRoute, "<sip:pcscf.ims.mnc001.mcc001.3gppnetwork.org;lr>");
        w.WriteHeader(SipHeaderName.RecordRoute, "<sip:scscf.ims.mnc001.mcc001.3gppnetwork.org:6060;lr>");
        w.WriteHeader(SipHeaderName.From, "<sip:+14155550100@ims.mnc001.mcc001.3gppnetwork.org>;tag=a73kszlfl");
        w.WriteHeader(SipHeaderName.To, "<tel:+14155550199>");
        w.WriteHeader(SipHeaderName.CallId, "f81d4fae7dec11d0a765@10.0.2.20");
        w.WriteHeader(SipHeaderName.CSeq, "1 INVITE");
        w.WriteHeader(SipHeaderName.Contact, "<sip:+14155550100@10.0.2.20:5060>;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"");
        w.WriteHeader(SipHeaderName.PAssertedIdentity, "<sip:+14155550100@ims.mnc001.mcc001.3gppnetwork.org>");
        w.WriteHeader(SipHeaderName.AcceptContact, "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"");
        w.WriteHeader(SipHeaderName.ContributionId, "2b8c4e6a1f3d5e7a9c0b");
        w.WriteHeader(SipHeaderName.ConversationId, "7d1e3f5a9b2c4d6e8f0a");
        w.WriteHeader(SipHeaderName.ContentType, "application/sdp");
        w.WriteContentLength(_sdp.Length);
        w.WriteBody(_sdp);
        return _output.WrittenCount;
    }

    /// <summary>Owned model over the received buffer (no copy) plus the typed accessors a UA reads.</summary>
    [Benchmark]
    public int OwnedParseAndAccess()
    {
        SipMessage.TryParse(_invite, SipFraming.Stream, SipLimits.Default, out var m, out _);
        var r = (SipRequest)m!;
        return r.Method.Length + r.TopVia!.Branch!.Length + r.From!.Tag!.Length + r.CallId!.Length + (int)r.CSeq!.Value.Number + r.Contacts.Count + r.Body.Length;
    }

    /// <summary>Owned model parse only (validation + header index), no accessors.</summary>
    [Benchmark]
    public int OwnedParse()
    {
        SipMessage.TryParse(_invite, SipFraming.Stream, SipLimits.Default, out var m, out _);
        return m!.HeaderCount;
    }
}
