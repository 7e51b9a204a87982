using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RcsCore.Parsing.Msrp;

/// <summary>
/// Writes MSRP messages into an <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c>) piece by piece (RFC 4975 §7.1,
/// §7.2, §9): start line, headers, optional body, end-line. Order: <see cref="WriteRequestLine(ReadOnlySpan{byte}, MsrpMethod)"/>
/// or <see cref="WriteResponseLine(ReadOnlySpan{byte}, int, string?)"/>; To-Path and From-Path first, then other
/// headers (Content-Type last when there is a body); then either <see cref="WriteBody"/> (or
/// <see cref="WriteBodyStart"/>, data, <see cref="WriteBodyEnd"/>) and <see cref="WriteEndLine"/>, or
/// <see cref="WriteEndLine"/> alone. Invalid arguments (values with CR/LF, a body that holds the end-line) throw:
/// they are bugs of the caller, not input.
/// </summary>
public readonly ref struct MsrpWriter
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer.</summary>
    public MsrpWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes <c>MSRP SP transact-id SP method CRLF</c> for SEND, REPORT or AUTH.</summary>
    public void WriteRequestLine(ReadOnlySpan<byte> transactionId, MsrpMethod method)
    {
        var name = method switch
        {
            MsrpMethod.Send => "SEND"u8,
            MsrpMethod.Report => "REPORT"u8,
            MsrpMethod.Auth => "AUTH"u8,
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "use the overload that takes the method name"),
        };
        WriteRequestLine(transactionId, name);
    }

    /// <summary>Writes a request line with any method (1*UPALPHA, RFC 4975 §9).</summary>
    public void WriteRequestLine(ReadOnlySpan<byte> transactionId, ReadOnlySpan<byte> method)
    {
        CheckTransactionId(transactionId);
        if (method.IsEmpty || method.ContainsAnyExceptInRange((byte)'A', (byte)'Z'))
        {
            MsrpThrow.Argument("method must be 1*UPALPHA (RFC 4975 §9)", nameof(method));
        }
        WriteRaw("MSRP "u8);
        WriteRaw(transactionId);
        WriteRaw(" "u8);
        WriteRaw(method);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes a request line from strings.</summary>
    public void WriteRequestLine(string transactionId, string method)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        ArgumentNullException.ThrowIfNull(method);
        WriteRequestLine(Ascii(transactionId, stackalloc byte[MsrpLimits.TransactionIdCapacity]), Ascii(method, stackalloc byte[64]));
    }

    /// <summary>Writes <c>MSRP SP transact-id SP status-code [SP comment] CRLF</c> (RFC 4975 §7.2, §9).</summary>
    public void WriteResponseLine(ReadOnlySpan<byte> transactionId, int statusCode, string? comment = null)
    {
        CheckTransactionId(transactionId);
        if (statusCode is < 0 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "status-code is 3DIGIT (RFC 4975 §9)");
        }
        WriteRaw("MSRP "u8);
        WriteRaw(transactionId);
        WriteRaw(" "u8);
        WriteThreeDigits(statusCode);
        if (!string.IsNullOrEmpty(comment))
        {
            WriteRaw(" "u8);
            WriteText(comment, nameof(comment));
        }
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes a response line with a string transaction id.</summary>
    public void WriteResponseLine(string transactionId, int statusCode, string? comment = null)
    {
        ArgumentNullException.ThrowIfNull(transactionId);
        WriteResponseLine(Ascii(transactionId, stackalloc byte[MsrpLimits.TransactionIdCapacity]), statusCode, comment);
    }

    /// <summary>Writes <c>Name: value CRLF</c> for a known header.</summary>
    public void WriteHeader(MsrpHeaderName name, string value)
    {
        if (name == MsrpHeaderName.Unknown)
        {
            MsrpThrow.Argument("use the overload that takes the header name", nameof(name));
        }
        WriteRaw(MsrpHeaderNames.GetNameBytes(name));
        WriteRaw(": "u8);
        WriteText(value, nameof(value));
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes <c>Name: value CRLF</c> for a known header whose value is already bytes.</summary>
    public void WriteHeader(MsrpHeaderName name, ReadOnlySpan<byte> value)
    {
        if (name == MsrpHeaderName.Unknown)
        {
            MsrpThrow.Argument("use the overload that takes the header name", nameof(name));
        }
        WriteHeader(MsrpHeaderNames.GetNameBytes(name), value);
    }

    /// <summary>Writes an extension header (RFC 4975 §9 ext-header: hname ":" SP hval CRLF).</summary>
    public void WriteHeader(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = Ascii(name, stackalloc byte[256]);
        CheckHeaderName(n);
        WriteRaw(n);
        WriteRaw(": "u8);
        WriteText(value, nameof(value));
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes a header whose name and value are already bytes (for example copied by a relay).</summary>
    public void WriteHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        CheckHeaderName(name);
        if (MsrpChars.FirstNonText(value) >= 0)
        {
            MsrpThrow.Argument("header value contains a control character (RFC 4975 §9 utf8text)", nameof(value));
        }
        WriteRaw(name);
        WriteRaw(": "u8);
        WriteRaw(value);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes To-Path, From-Path or Use-Path: the URIs separated by SP (RFC 4975 §9, RFC 4976 §9).</summary>
    public void WritePath(MsrpHeaderName name, IReadOnlyList<MsrpUri> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (name is not (MsrpHeaderName.ToPath or MsrpHeaderName.FromPath or MsrpHeaderName.UsePath) || path.Count == 0)
        {
            MsrpThrow.Argument("a path header is To-Path, From-Path or Use-Path with at least one URI", nameof(name));
        }
        WriteRaw(MsrpHeaderNames.GetNameBytes(name));
        WriteRaw(": "u8);
        for (int i = 0; i < path.Count; i++)
        {
            if (i > 0)
            {
                WriteRaw(" "u8);
            }
            WriteText(path[i].ToString(), nameof(path));
        }
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes <c>Byte-Range: start-end/total CRLF</c>.</summary>
    public void WriteByteRange(MsrpByteRange range)
    {
        WriteRaw("Byte-Range: "u8);
        var span = _output.GetSpan(64);
        if (!range.TryFormat(span, out int n))
        {
            throw new UnreachableException("a Byte-Range fits in 64 bytes");
        }
        _output.Advance(n);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes <c>Status: 000 code [comment] CRLF</c> (RFC 4975 §7.1.2, §9; namespace 000).</summary>
    public void WriteStatus(int statusCode, string? comment = null)
    {
        if (statusCode is < 0 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "status-code is 3DIGIT (RFC 4975 §9)");
        }
        WriteRaw("Status: 000 "u8);
        WriteThreeDigits(statusCode);
        if (!string.IsNullOrEmpty(comment))
        {
            WriteRaw(" "u8);
            WriteText(comment, nameof(comment));
        }
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes Success-Report or Failure-Report (nothing for <see cref="MsrpReportMode.Default"/>).</summary>
    public void WriteReport(MsrpHeaderName name, MsrpReportMode mode)
    {
        if (name is not (MsrpHeaderName.SuccessReport or MsrpHeaderName.FailureReport) || (mode == MsrpReportMode.Partial && name == MsrpHeaderName.SuccessReport))
        {
            MsrpThrow.Argument("Success-Report takes yes/no, Failure-Report yes/no/partial (RFC 4975 §9)", nameof(name));
        }
        if (mode == MsrpReportMode.Default)
        {
            return;
        }
        WriteHeader(name, mode switch
        {
            MsrpReportMode.Yes => "yes"u8,
            MsrpReportMode.No => "no"u8,
            _ => "partial"u8,
        });
    }

    /// <summary>
    /// Writes the blank line, the body and the CRLF that precedes the end-line (RFC 4975 §9 content-stuff).
    /// Throws when <paramref name="body"/> contains the end-line of <paramref name="transactionId"/> (RFC 4975 §7.1:
    /// the sender MUST ensure it does not; pick another transaction id).
    /// </summary>
    public void WriteBody(ReadOnlySpan<byte> body, ReadOnlySpan<byte> transactionId)
    {
        if (ContainsEndLine(body, transactionId))
        {
            MsrpThrow.Argument("the body contains the end-line of this transaction id (RFC 4975 §7.1); use another id", nameof(body));
        }
        WriteBodyStart();
        WriteRaw(body);
        WriteBodyEnd();
    }

    /// <summary>Writes the blank line that starts a body streamed with <see cref="WriteRaw"/>; the caller checks <see cref="ContainsEndLine"/>.</summary>
    public void WriteBodyStart() => WriteRaw("\r\n"u8);

    /// <summary>Writes the CRLF that ends a body; the end-line follows.</summary>
    public void WriteBodyEnd() => WriteRaw("\r\n"u8);

    /// <summary>Writes <c>"-------" transact-id continuation-flag CRLF</c> (RFC 4975 §7.1, §9).</summary>
    public void WriteEndLine(ReadOnlySpan<byte> transactionId, MsrpContinuation continuation)
    {
        CheckTransactionId(transactionId);
        if (continuation is not (MsrpContinuation.Complete or MsrpContinuation.More or MsrpContinuation.Aborted))
        {
            throw new ArgumentOutOfRangeException(nameof(continuation), continuation, "the end-line needs $, + or #");
        }
        var span = _output.GetSpan(7 + transactionId.Length + 3);
        "-------"u8.CopyTo(span);
        transactionId.CopyTo(span[7..]);
        span[7 + transactionId.Length] = (byte)continuation;
        span[8 + transactionId.Length] = (byte)'\r';
        span[9 + transactionId.Length] = (byte)'\n';
        _output.Advance(10 + transactionId.Length);
    }

    /// <summary>
    /// Writes a complete SEND chunk (RFC 4975 §7.1.1): start line, To-Path, From-Path, Message-ID, the reports
    /// when not default, Byte-Range, Content-Type (when there is data or a type), body and end-line.
    /// </summary>
    public void WriteSend(ReadOnlySpan<byte> transactionId, string toPath, string fromPath, string messageId, in MsrpChunk chunk, string? contentType, ReadOnlySpan<byte> data,
        MsrpReportMode successReport = MsrpReportMode.Default, MsrpReportMode failureReport = MsrpReportMode.Default)
    {
        if (data.Length != chunk.Length)
        {
            MsrpThrow.Argument("data length differs from the chunk length", nameof(data));
        }
        WriteRequestLine(transactionId, MsrpMethod.Send);
        WriteHeader(MsrpHeaderName.ToPath, toPath);
        WriteHeader(MsrpHeaderName.FromPath, fromPath);
        WriteHeader(MsrpHeaderName.MessageId, messageId);
        WriteReport(MsrpHeaderName.SuccessReport, successReport);
        WriteReport(MsrpHeaderName.FailureReport, failureReport);
        WriteByteRange(chunk.ByteRange);
        if (contentType is not null)
        {
            WriteHeader(MsrpHeaderName.ContentType, contentType);
            WriteBody(data, transactionId);
        }
        else if (!data.IsEmpty)
        {
            MsrpThrow.Argument("a body needs a Content-Type (RFC 4975 §9)", nameof(contentType));
        }
        WriteEndLine(transactionId, chunk.Continuation);
    }

    /// <summary>
    /// True when <paramref name="body"/> contains <c>"-------" transact-id</c> followed by a continuation flag, which a
    /// sender must never put in a body (RFC 4975 §7.1).
    /// </summary>
    public static bool ContainsEndLine(ReadOnlySpan<byte> body, ReadOnlySpan<byte> transactionId)
    {
        Span<byte> pattern = stackalloc byte[7 + MsrpLimits.TransactionIdCapacity];
        if (transactionId.Length > MsrpLimits.TransactionIdCapacity)
        {
            return false;
        }
        "-------"u8.CopyTo(pattern);
        transactionId.CopyTo(pattern[7..]);
        pattern = pattern[..(7 + transactionId.Length)];
        int i = 0;
        while (true)
        {
            int k = body[i..].IndexOf(pattern);
            if (k < 0)
            {
                return false;
            }
            int after = i + k + pattern.Length;
            if (after < body.Length && body[after] is (byte)'$' or (byte)'+' or (byte)'#')
            {
                return true;
            }
            i += k + 1;
        }
    }

    /// <summary>Copies bytes (body data written between <see cref="WriteBodyStart"/> and <see cref="WriteBodyEnd"/>).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    private void WriteThreeDigits(int value)
    {
        var span = _output.GetSpan(3);
        span[0] = (byte)('0' + (value / 100));
        span[1] = (byte)('0' + (value / 10 % 10));
        span[2] = (byte)('0' + (value % 10));
        _output.Advance(3);
    }

    private void WriteText(string value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        foreach (char c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                MsrpThrow.Argument("value contains a control character (RFC 4975 §9 utf8text)", paramName);
            }
        }
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        int n = Encoding.UTF8.GetBytes(value, span);
        _output.Advance(n);
    }

    private static ReadOnlySpan<byte> Ascii(string s, Span<byte> buffer)
    {
        if (s.Length > buffer.Length || !System.Text.Ascii.IsValid(s))
        {
            MsrpThrow.Argument("value must be short ASCII", nameof(s));
        }
        int n = Encoding.ASCII.GetBytes(s, buffer);
        return buffer[..n];
    }

    private static void CheckTransactionId(ReadOnlySpan<byte> tid)
    {
        if (!MsrpChars.IsIdent(tid, 1, MsrpLimits.TransactionIdCapacity))
        {
            MsrpThrow.Argument("the transaction id must be an ident (RFC 4975 §9)", nameof(tid));
        }
    }

    private static void CheckHeaderName(ReadOnlySpan<byte> name)
    {
        // RFC 4975 §9: hname = ALPHA *token
        bool ok = !name.IsEmpty && MsrpChars.IsAlpha(name[0]);
        for (int i = 1; ok && i < name.Length; i++)
        {
            ok = MsrpChars.IsToken(name[i]);
        }
        if (!ok)
        {
            MsrpThrow.Argument("header name must be ALPHA *token (RFC 4975 §9)", nameof(name));
        }
    }
}

internal static class MsrpThrow
{
    [StackTraceHidden]
    [DoesNotReturn]
    public static void Argument(string message, string name) => throw new ArgumentException(message, name);
}
