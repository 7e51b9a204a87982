using System.Buffers;
using System.Text;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp.Relay;

/// <summary>
/// The start line and headers of one message a relay received: the path headers split into URIs (they are
/// rewritten on forwarding), the headers the relay acts on, and every other header kept as wire bytes
/// (<c>Name: value CRLF</c>, in order) so it is forwarded unchanged (RFC 4976 §6.4).
/// </summary>
internal sealed class MsrpRelayHead : MsrpHeadFields
{
    public readonly List<string> ToUris = new(4);

    /// <summary>Every header except To-Path, From-Path and Byte-Range, as wire bytes.</summary>
    public readonly ArrayBufferWriter<byte> OtherHeaders = new(512);

    /// <summary>The Byte-Range value as written (forwarded unchanged unless the relay re-chunks).</summary>
    public readonly ArrayBufferWriter<byte> ByteRangeValue = new(48);

    public override void Reset()
    {
        base.Reset();
        ToUris.Clear();
        OtherHeaders.ResetWrittenCount();
        ByteRangeValue.ResetWrittenCount();
    }

    /// <summary>
    /// RFC 4975 §7.1.2: Failure-Report no asks for no response at all, partial for error responses only; absent
    /// means yes. REPORT requests are never answered.
    /// </summary>
    public bool WantsResponse(int status) =>
        Method != MsrpMethod.Report
        && FailureReport != MsrpReportMode.No
        && !(FailureReport == MsrpReportMode.Partial && status == MsrpStatus.Ok);
}

/// <summary>Fills a <see cref="MsrpRelayHead"/> from the parser (STYLE §2.1 struct handler).</summary>
internal readonly struct MsrpRelayHeadCollector : IMsrpMessageHandler
{
    private readonly MsrpRelayHead _head;

    public MsrpRelayHeadCollector(MsrpRelayHead head) => _head = head;

    public void OnStartLine(scoped in MsrpStartLine startLine) => _head.SetStartLine(startLine);

    public void OnHeader(scoped in MsrpHeaderField header)
    {
        var h = _head;
        var v = header.Value;
        switch (header.Name)
        {
            case MsrpHeaderName.ToPath:
                foreach (var uri in new MsrpPathEnumerator(v))
                {
                    h.ToUris.Add(Encoding.ASCII.GetString(uri));
                }
                return;
            case MsrpHeaderName.FromPath:
                // Rewritten on forwarding (RFC 4976 §6.4), so not kept with the other headers.
                h.TrySetCommonHeader(header);
                return;
            case MsrpHeaderName.ByteRange:
                h.TrySetCommonHeader(header);
                MsrpWire.Bytes(h.ByteRangeValue, v);
                return;
            default:
                h.TrySetCommonHeader(header);
                break;
        }
        var w = h.OtherHeaders;
        MsrpWire.Bytes(w, header.RawName);
        MsrpWire.Bytes(w, ": "u8);
        MsrpWire.Bytes(w, v);
        MsrpWire.Bytes(w, "\r\n"u8);
    }
}
