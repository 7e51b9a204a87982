using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp;

/// <summary>
/// What every received head carries, for the endpoint (<see cref="MsrpHeadInfo"/>) and the relay
/// (<see cref="Relay.MsrpRelayHead"/>): the start line and the headers both act on, copied out of the wire bytes.
/// </summary>
internal abstract class MsrpHeadFields
{
    public MsrpMessageKind Kind;
    public MsrpMethod Method;
    public string MethodName = string.Empty;
    public int StatusCode;
    public string Comment = string.Empty;
    public string TransactionId = string.Empty;
    public string? FromPath;
    public string? FirstFromUri;
    public string? MessageId;
    public bool HasByteRange;
    public MsrpByteRange ByteRange;
    public MsrpReportMode FailureReport;
    public long Expires = -1;
    public string? Authorization;

    /// <summary>Clears everything for the next message.</summary>
    public virtual void Reset()
    {
        Kind = default;
        Method = default;
        MethodName = string.Empty;
        StatusCode = 0;
        Comment = string.Empty;
        TransactionId = string.Empty;
        FromPath = FirstFromUri = MessageId = Authorization = null;
        HasByteRange = false;
        ByteRange = default;
        FailureReport = MsrpReportMode.Default;
        Expires = -1;
    }

    /// <summary>Resets and takes the start line (RFC 4975 §7.1: request line or response line).</summary>
    public void SetStartLine(scoped in MsrpStartLine startLine)
    {
        Reset();
        Kind = startLine.Kind;
        Method = startLine.Method;
        StatusCode = startLine.StatusCode;
        TransactionId = Encoding.ASCII.GetString(startLine.TransactionId);
        if (startLine.Kind == MsrpMessageKind.Request)
        {
            MethodName = GetMethodName(startLine);
        }
        else if (!startLine.Comment.IsEmpty)
        {
            Comment = Encoding.UTF8.GetString(startLine.Comment);
        }
    }

    /// <summary>Takes one of the headers both roles use; false for any other header.</summary>
    public bool TrySetCommonHeader(scoped in MsrpHeaderField header)
    {
        var v = header.Value;
        switch (header.Name)
        {
            case MsrpHeaderName.FromPath:
                FromPath = Encoding.ASCII.GetString(v);
                foreach (var uri in new MsrpPathEnumerator(v))
                {
                    FirstFromUri = Encoding.ASCII.GetString(uri);
                    break;
                }
                return true;
            case MsrpHeaderName.MessageId:
                MessageId = Encoding.ASCII.GetString(v);
                return true;
            case MsrpHeaderName.ByteRange:
                HasByteRange = MsrpByteRange.TryParse(v, out ByteRange);
                return true;
            case MsrpHeaderName.FailureReport:
                MsrpValueParsers.TryParseReport(v, allowPartial: true, out FailureReport);
                return true;
            case MsrpHeaderName.Expires:
                Expires = MsrpValueParsers.TryParseExpires(v, out long e) ? e : -1;
                return true;
            case MsrpHeaderName.Authorization:
                Authorization = Encoding.UTF8.GetString(v);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The request method as a string, without allocating for the three RFC 4975/4976 methods.</summary>
    private static string GetMethodName(scoped in MsrpStartLine startLine) => startLine.Method switch
    {
        MsrpMethod.Send => "SEND",
        MsrpMethod.Report => "REPORT",
        MsrpMethod.Auth => "AUTH",
        _ => Encoding.ASCII.GetString(startLine.MethodName),
    };
}

/// <summary>The start line and the headers of one message an endpoint received, copied out of the wire bytes as strings.</summary>
internal sealed class MsrpHeadInfo : MsrpHeadFields
{
    public string? ToPath;
    public string? FirstToUri;
    public string? ToSessionId;
    public int ToPathCount;
    public string? ContentType;
    public MsrpReportMode SuccessReport;
    public string? Status;
    public string? UsePath;
    public long MinExpires = -1;
    public long MaxExpires = -1;
    public string? WwwAuthenticate;

    public override void Reset()
    {
        base.Reset();
        ToPath = FirstToUri = ToSessionId = null;
        ToPathCount = 0;
        ContentType = null;
        SuccessReport = MsrpReportMode.Default;
        Status = UsePath = WwwAuthenticate = null;
        MinExpires = MaxExpires = -1;
    }

    /// <summary>A copy that outlives the next message (for responses handed to another task).</summary>
    public MsrpHeadInfo Clone() => (MsrpHeadInfo)MemberwiseClone();
}

/// <summary>Copies the start line and known headers into a <see cref="MsrpHeadInfo"/> (STYLE §2.1 struct handler).</summary>
internal readonly struct MsrpHeadCollector : IMsrpMessageHandler
{
    private readonly MsrpHeadInfo _info;

    public MsrpHeadCollector(MsrpHeadInfo info) => _info = info;

    public void OnStartLine(scoped in MsrpStartLine startLine) => _info.SetStartLine(startLine);

    public void OnHeader(scoped in MsrpHeaderField header)
    {
        var v = header.Value;
        switch (header.Name)
        {
            case MsrpHeaderName.ToPath:
                _info.ToPath = Encoding.ASCII.GetString(v);
                foreach (var uri in new MsrpPathEnumerator(v))
                {
                    if (_info.ToPathCount++ == 0)
                    {
                        _info.FirstToUri = Encoding.ASCII.GetString(uri);
                        // RFC 4975 §8.1: a shared connection is demultiplexed by the session-id of the first To-Path URI.
                        if (MsrpUriParser.TryParse(uri, out var parts, out _) == MsrpParseError.None && parts.HasSessionId)
                        {
                            _info.ToSessionId = Encoding.ASCII.GetString(parts.SessionId);
                        }
                    }
                }
                break;
            case MsrpHeaderName.ContentType:
                _info.ContentType = Encoding.ASCII.GetString(v);
                break;
            case MsrpHeaderName.SuccessReport:
                MsrpValueParsers.TryParseReport(v, allowPartial: false, out _info.SuccessReport);
                break;
            case MsrpHeaderName.Status:
                _info.Status = Encoding.UTF8.GetString(v);
                break;
            case MsrpHeaderName.UsePath:
                _info.UsePath = Encoding.ASCII.GetString(v);
                break;
            case MsrpHeaderName.MinExpires:
                _info.MinExpires = MsrpValueParsers.TryParseExpires(v, out long mn) ? mn : -1;
                break;
            case MsrpHeaderName.MaxExpires:
                _info.MaxExpires = MsrpValueParsers.TryParseExpires(v, out long mx) ? mx : -1;
                break;
            case MsrpHeaderName.WwwAuthenticate:
                _info.WwwAuthenticate = Encoding.UTF8.GetString(v);
                break;
            default:
                _info.TrySetCommonHeader(header);
                break;
        }
    }
}

/// <summary>Serialises MSRP start lines, headers and end-lines (RFC 4975 §7.1, §9) into a buffer writer.</summary>
internal static class MsrpWire
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>
    /// A random ident (RFC 4975 §9: ALPHANUM 3*31ident-char). Transaction ids carry at least 64 bits of randomness so
    /// the end-line cannot be guessed or collide with content (RFC 4975 §7.1).
    /// </summary>
    public static string NewId(int length = 16)
    {
        return RandomNumberGenerator.GetString(IdAlphabet, length);
    }

    public static void Ascii(IBufferWriter<byte> w, string s)
    {
        var span = w.GetSpan(s.Length);
        int n = Encoding.UTF8.GetBytes(s, span);
        w.Advance(n);
    }

    public static void Bytes(IBufferWriter<byte> w, ReadOnlySpan<byte> s)
    {
        var span = w.GetSpan(s.Length);
        s.CopyTo(span);
        w.Advance(s.Length);
    }

    public static void Number(IBufferWriter<byte> w, long value)
    {
        var span = w.GetSpan(20);
        System.Buffers.Text.Utf8Formatter.TryFormat(value, span, out int n);
        w.Advance(n);
    }

    /// <summary>Writes <c>MSRP SP tid SP method CRLF</c>.</summary>
    public static void RequestLine(IBufferWriter<byte> w, string tid, string method)
    {
        Bytes(w, "MSRP "u8);
        Ascii(w, tid);
        Bytes(w, " "u8);
        Ascii(w, method);
        Bytes(w, "\r\n"u8);
    }

    public static void Header(IBufferWriter<byte> w, ReadOnlySpan<byte> name, string value)
    {
        Bytes(w, name);
        Bytes(w, ": "u8);
        Ascii(w, value);
        Bytes(w, "\r\n"u8);
    }

    public static void ByteRange(IBufferWriter<byte> w, MsrpByteRange range)
    {
        Bytes(w, "Byte-Range: "u8);
        var span = w.GetSpan(64);
        range.TryFormat(span, out int n);
        w.Advance(n);
        Bytes(w, "\r\n"u8);
    }

    /// <summary>Writes <c>-------tid flag CRLF</c> (RFC 4975 §7.1); a body is followed by CRLF first (RFC 4975 §9).</summary>
    public static void EndLine(IBufferWriter<byte> w, string tid, MsrpContinuation flag, bool afterBody)
    {
        if (afterBody)
        {
            Bytes(w, "\r\n"u8);
        }
        Bytes(w, "-------"u8);
        Ascii(w, tid);
        var span = w.GetSpan(3);
        span[0] = (byte)flag;
        span[1] = (byte)'\r';
        span[2] = (byte)'\n';
        w.Advance(3);
    }

    /// <summary>The end-line (RFC 4975 §7.1) as an exactly sized array, for a chunk's tail.</summary>
    public static byte[] EndLineBytes(string tid, MsrpContinuation flag, bool afterBody)
    {
        int start = afterBody ? 2 : 0;
        var bytes = new byte[start + 7 + tid.Length + 3];
        if (afterBody)
        {
            bytes[0] = (byte)'\r';
            bytes[1] = (byte)'\n';
        }
        "-------"u8.CopyTo(bytes.AsSpan(start));
        for (int i = 0; i < tid.Length; i++)
        {
            bytes[start + 7 + i] = (byte)tid[i];
        }
        bytes[^3] = (byte)flag;
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>
    /// A response (RFC 4975 §7.2): To-Path is the previous hop (first From-Path URI of the request), From-Path the
    /// URI of this hop (first To-Path URI of the request); responses carry no body.
    /// </summary>
    public static byte[] Response(MsrpHeadInfo request, int status, string? extraHeaders = null)
    {
        var w = new ArrayBufferWriter<byte>(256);
        Bytes(w, "MSRP "u8);
        Ascii(w, request.TransactionId);
        Bytes(w, " "u8);
        Number(w, status);
        Bytes(w, " "u8);
        Ascii(w, MsrpStatus.ReasonPhrase(status));
        Bytes(w, "\r\n"u8);
        Header(w, "To-Path"u8, request.FirstFromUri ?? string.Empty);
        Header(w, "From-Path"u8, request.FirstToUri ?? string.Empty);
        if (extraHeaders is not null)
        {
            Ascii(w, extraHeaders);
        }
        EndLine(w, request.TransactionId, MsrpContinuation.Complete, afterBody: false);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>The end-line's fixed part <c>-------tid</c> (RFC 4975 §7.1), to look for in a body.</summary>
    public static byte[] EndLinePrefix(string tid)
    {
        var bytes = new byte[7 + tid.Length];
        "-------"u8.CopyTo(bytes);
        Encoding.ASCII.GetBytes(tid, bytes.AsSpan(7));
        return bytes;
    }

    /// <summary>True when <paramref name="body"/> contains the end-line prefix of <paramref name="tid"/> (RFC 4975 §7.1: choose another id).</summary>
    public static bool Collides(ReadOnlySpan<byte> body, string tid)
    {
        Span<byte> boundary = stackalloc byte[7 + 64];
        "-------"u8.CopyTo(boundary);
        int n = 7 + Encoding.ASCII.GetBytes(tid, boundary[7..]);
        return body.IndexOf(boundary[..n]) >= 0;
    }
}
