using System.Buffers;
using System.Globalization;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp.Relay;

/// <summary>Frames the relay generates itself: responses and failure REPORTs.</summary>
internal static class MsrpRelayWire
{
    /// <summary>A response (RFC 4975 §7.2): no body; <paramref name="extraHeaders"/> are header lines ending in CRLF.</summary>
    public static byte[] Response(string tid, int status, string toPath, string fromPath, string? extraHeaders)
    {
        var w = new ArrayBufferWriter<byte>(192 + toPath.Length + fromPath.Length + (extraHeaders?.Length ?? 0));
        MsrpWire.Bytes(w, "MSRP "u8);
        MsrpWire.Ascii(w, tid);
        MsrpWire.Bytes(w, " "u8);
        MsrpWire.Number(w, status);
        MsrpWire.Bytes(w, " "u8);
        MsrpWire.Ascii(w, MsrpStatus.ReasonPhrase(status));
        MsrpWire.Bytes(w, "\r\n"u8);
        MsrpWire.Header(w, "To-Path"u8, toPath);
        MsrpWire.Header(w, "From-Path"u8, fromPath);
        if (extraHeaders is not null)
        {
            MsrpWire.Ascii(w, extraHeaders);
        }
        MsrpWire.EndLine(w, tid, MsrpContinuation.Complete, afterBody: false);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A failure REPORT (RFC 4975 §7.1.2, §9 Status = namespace SP status-code [SP comment]) from a relay, sent
    /// back along the request's From-Path (RFC 4976 §6.5).
    /// </summary>
    public static byte[] FailureReport(string toPath, string fromPath, string? messageId, MsrpByteRange? range, int status, string? comment)
    {
        string tid = MsrpWire.NewId();
        var w = new ArrayBufferWriter<byte>(256 + toPath.Length + fromPath.Length);
        MsrpWire.RequestLine(w, tid, "REPORT");
        MsrpWire.Header(w, "To-Path"u8, toPath);
        MsrpWire.Header(w, "From-Path"u8, fromPath);
        if (messageId is not null)
        {
            MsrpWire.Header(w, "Message-ID"u8, messageId);
        }
        if (range is { } r)
        {
            MsrpWire.ByteRange(w, r);
        }
        string text = string.IsNullOrEmpty(comment) ? MsrpStatus.ReasonPhrase(status) : comment;
        MsrpWire.Header(w, "Status"u8, "000 " + status.ToString("000", CultureInfo.InvariantCulture) + " " + text);
        MsrpWire.EndLine(w, tid, MsrpContinuation.Complete, afterBody: false);
        return w.WrittenSpan.ToArray();
    }
}
