using System.Buffers;
using System.Text;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp.Relay;

/// <summary>
/// The start line and headers of one message a relay received: the path headers split into URIs (they are
/// rewritten on forwarding), the headers the relay acts on, and every other header kept as wire bytes
/// (<c>Name: value CRLF</c>, in order) so it is forwarded unchanged (RFC 4976 §6.4).
/// </summary>
internal sealed class MsrpRelayHead
{
    public MsrpMessageKind Kind;
    public MsrpMethod Method;
    public string MethodName = string.Empty;
    public int StatusCode;
    public string Comment = string.Empty;
    public string TransactionId = string.Empty;
    public readonly List<string> ToUris = new(4);
    public string? FromPath;
    public string? FirstFromUri;
    public string? MessageId;
    public MsrpReportMode FailureReport;
    public bool HasByteRange;
    public MsrpByteRange ByteRange;
    public long Expires = -1;
    public string? Authorization;

    /// <summary>Every header except To-Path, From-Path and Byte-Range, as wire bytes.</summary>
    public readonly ArrayBufferWriter<byte> OtherHeaders = new(512);

    /// <summary>The Byte-Range value as written (forwarded unchanged unless the relay re-chunks).</summary>
    public readonly ArrayBufferWriter<byte> ByteRangeValue = new(48);

    public void Reset()
    {
        Kind = default;
        Method = default;
        MethodName = string.Empty;
        StatusCode = 0;
        Comment = string.Empty;
        TransactionId = string.Empty;
        ToUris.Clear();
        FromPath = null;
        FirstFromUri = null;
        MessageId = null;
        FailureReport = MsrpReportMode.Default;
        HasByteRange = false;
        ByteRange = default;
        Expires = -1;
        Authorization = null;
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

    public void OnStartLine(scoped in MsrpStartLine startLine)
    {
        var h = _head;
        h.Reset();
        h.Kind = startLine.Kind;
        h.Method = startLine.Method;
        h.StatusCode = startLine.StatusCode;
        h.TransactionId = Encoding.ASCII.GetString(startLine.TransactionId);
        if (startLine.Kind == MsrpMessageKind.Request)
        {
            h.MethodName = MsrpHeadCollector.MethodName(startLine);
        }
        else if (!startLine.Comment.IsEmpty)
        {
            h.Comment = Encoding.UTF8.GetString(startLine.Comment);
        }
    }

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
                h.FromPath = Encoding.ASCII.GetString(v);
                foreach (var uri in new MsrpPathEnumerator(v))
                {
                    h.FirstFromUri = Encoding.ASCII.GetString(uri);
                    break;
                }
                return;
            case MsrpHeaderName.ByteRange:
                h.HasByteRange = MsrpByteRange.TryParse(v, out h.ByteRange);
                MsrpWire.Bytes(h.ByteRangeValue, v);
                return;
            case MsrpHeaderName.MessageId:
                h.MessageId = Encoding.ASCII.GetString(v);
                break;
            case MsrpHeaderName.FailureReport:
                MsrpValueParsers.TryParseReport(v, allowPartial: true, out h.FailureReport);
                break;
            case MsrpHeaderName.Expires:
                h.Expires = MsrpValueParsers.TryParseExpires(v, out long e) ? e : -1;
                break;
            case MsrpHeaderName.Authorization:
                h.Authorization = Encoding.UTF8.GetString(v);
                break;
        }
        var w = h.OtherHeaders;
        MsrpWire.Bytes(w, header.RawName);
        MsrpWire.Bytes(w, ": "u8);
        MsrpWire.Bytes(w, v);
        MsrpWire.Bytes(w, "\r\n"u8);
    }
}
