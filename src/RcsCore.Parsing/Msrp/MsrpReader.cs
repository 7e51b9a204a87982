using System.Runtime.CompilerServices;

namespace RcsCore.Parsing.Msrp;

/// <summary>Request or response.</summary>
public enum MsrpMessageKind : byte
{
    /// <summary>req-start (RFC 4975 §9).</summary>
    Request = 1,
    /// <summary>resp-start (RFC 4975 §9).</summary>
    Response = 2,
}

/// <summary>The request methods the stack knows; others are <see cref="Other"/> (see <see cref="MsrpStartLine.MethodName"/>).</summary>
public enum MsrpMethod : byte
{
    /// <summary>An extension method (1*UPALPHA), or none for a response.</summary>
    Other = 0,
    /// <summary>SEND (RFC 4975 §7.1.1).</summary>
    Send = 1,
    /// <summary>REPORT (RFC 4975 §7.1.2).</summary>
    Report = 2,
    /// <summary>AUTH (RFC 4976 §5.1).</summary>
    Auth = 3,
}

/// <summary>The continuation flag of an end-line (RFC 4975 §7.1, §9). Values are the flag bytes.</summary>
public enum MsrpContinuation : byte
{
    /// <summary>No end-line read yet.</summary>
    None = 0,
    /// <summary><c>#</c>: the sender aborted the message; this is its last chunk.</summary>
    Aborted = (byte)'#',
    /// <summary><c>$</c>: the last chunk of the message.</summary>
    Complete = (byte)'$',
    /// <summary><c>+</c>: more chunks of this message follow.</summary>
    More = (byte)'+',
}

/// <summary>A parsed start line: spans into the message bytes.</summary>
public readonly ref struct MsrpStartLine
{
    internal MsrpStartLine(MsrpMessageKind kind, ReadOnlySpan<byte> transactionId, MsrpMethod method, ReadOnlySpan<byte> methodName, int statusCode, ReadOnlySpan<byte> comment)
    {
        Kind = kind;
        TransactionId = transactionId;
        Method = method;
        MethodName = methodName;
        StatusCode = statusCode;
        Comment = comment;
    }

    /// <summary>Request or response.</summary>
    public MsrpMessageKind Kind { get; }

    /// <summary>The transaction id (starts at byte 5 of the message).</summary>
    public ReadOnlySpan<byte> TransactionId { get; }

    /// <summary>The method of a request (<see cref="MsrpMethod.Other"/> for extensions and responses).</summary>
    public MsrpMethod Method { get; }

    /// <summary>The method as written (requests only).</summary>
    public ReadOnlySpan<byte> MethodName { get; }

    /// <summary>The status code of a response (000–999), 0 for requests.</summary>
    public int StatusCode { get; }

    /// <summary>The comment after the status code (responses; empty when absent).</summary>
    public ReadOnlySpan<byte> Comment { get; }
}

/// <summary>One header field: spans into the message bytes.</summary>
public readonly ref struct MsrpHeaderField
{
    internal MsrpHeaderField(MsrpHeaderName name, ReadOnlySpan<byte> rawName, ReadOnlySpan<byte> value, int nameOffset, int valueOffset)
    {
        Name = name;
        RawName = rawName;
        Value = value;
        NameOffset = nameOffset;
        ValueOffset = valueOffset;
    }

    /// <summary>The known header, or <see cref="MsrpHeaderName.Unknown"/>.</summary>
    public MsrpHeaderName Name { get; }

    /// <summary>The name as it appeared on the wire.</summary>
    public ReadOnlySpan<byte> RawName { get; }

    /// <summary>The value, without surrounding whitespace.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of the name in the message.</summary>
    public int NameOffset { get; }

    /// <summary>Offset of the value in the message.</summary>
    public int ValueOffset { get; }
}

/// <summary>
/// A forward-only, allocation-free reader of the start line, headers and (for a message without body) the end-line
/// of one MSRP message held in a span (RFC 4975 §7, §9). It checks line syntax and the limits; header values are
/// checked by <see cref="MsrpMessageParser"/>. Errors are values: when a read returns false, inspect
/// <see cref="Error"/>. Bodies are found by <see cref="MsrpMessageParser"/> or streamed by <see cref="MsrpFrameReader"/>.
/// </summary>
public ref struct MsrpReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly MsrpLimits _limits;
    private ReadOnlySpan<byte> _transactionId;
    private int _position;
    private int _headerCount;
    private byte _state; // 0 start line, 1 headers, 2 body, 3 end-line, 4 done, 5 error
    private MsrpParseResult _error;

    /// <summary>Creates a reader with the default limits.</summary>
    public MsrpReader(ReadOnlySpan<byte> message)
        : this(message, MsrpLimits.Default)
    {
    }

    /// <summary>Creates a reader.</summary>
    public MsrpReader(ReadOnlySpan<byte> message, MsrpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _buffer = message;
        _limits = limits;
        _transactionId = default;
        _position = 0;
        _headerCount = 0;
        _state = 0;
        _error = default;
    }

    /// <summary>The error that stopped the reader, or success.</summary>
    public readonly MsrpParseResult Error => _error;

    /// <summary>Current byte offset.</summary>
    public readonly int Position => _position;

    /// <summary>Number of header fields read so far.</summary>
    public readonly int HeaderCount => _headerCount;

    /// <summary>The transaction id of the start line (empty before it is read).</summary>
    public readonly ReadOnlySpan<byte> TransactionId => _transactionId;

    /// <summary>True once the blank line that ends the headers has been read: <see cref="Position"/> is the first body byte.</summary>
    public readonly bool IsAtBody => _state == 2;

    /// <summary>
    /// True when the headers ended with the end-line (a message without body, RFC 4975 §7.1): <see cref="Position"/>
    /// is the first '-' of the end-line; call <see cref="ReadEndLine"/>.
    /// </summary>
    public readonly bool IsAtEndLine => _state == 3;

    /// <summary>Reads <c>MSRP SP transact-id SP (method / status-code [SP comment]) CRLF</c> (RFC 4975 §9).</summary>
    public bool ReadStartLine(out MsrpStartLine startLine)
    {
        startLine = default;
        if (_state != 0)
        {
            return _state != 5 && Fail(MsrpParseError.InvalidStartLine, _position, "start line already read");
        }
        var buf = _buffer;
        int max = _limits.MaxStartLineLength;
        int lf = buf[..Math.Min(buf.Length, max + 2)].IndexOf((byte)'\n');
        if (lf < 0)
        {
            // RFC 4975 §9: pMSRP = %x4D.53.52.50 ("MSRP" in caps), then SP.
            if (!"MSRP "u8[..Math.Min(5, buf.Length)].SequenceEqual(buf[..Math.Min(5, buf.Length)]))
            {
                return Fail(MsrpParseError.InvalidStartLine, 0);
            }
            return buf.Length >= max + 2 ? Fail(MsrpParseError.StartLineTooLong, 0) : Fail(MsrpParseError.Incomplete, buf.Length);
        }
        if (lf == 0 || buf[lf - 1] != (byte)'\r')
        {
            return Fail(MsrpParseError.InvalidLineEnding, lf);
        }
        var line = buf[..(lf - 1)];
        if (line.Length > max)
        {
            return Fail(MsrpParseError.StartLineTooLong, 0);
        }
        if (line.Length < 5 || !line[..5].SequenceEqual("MSRP "u8))
        {
            return Fail(MsrpParseError.InvalidStartLine, 0);
        }
        int sp = line[5..].IndexOf((byte)' ');
        if (sp < 0)
        {
            return Fail(MsrpParseError.InvalidStartLine, line.Length, "no method or status code");
        }
        var tid = line.Slice(5, sp);
        // RFC 4975 §9: transact-id = ident = ALPHANUM 3*31ident-char. Readers accept ids shorter than 4 (Postel).
        if (!MsrpChars.IsIdent(tid, 1, _limits.MaxTransactionIdLength))
        {
            return Fail(MsrpParseError.InvalidTransactionId, 5);
        }
        int restOffset = 5 + sp + 1;
        var rest = line[restOffset..];
        if (rest.Length >= 3 && MsrpChars.IsDigit(rest[0]))
        {
            // resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF
            if (!MsrpValueParsers.TryThreeDigits(rest[..3], out int code) || (rest.Length > 3 && rest[3] != (byte)' '))
            {
                return Fail(MsrpParseError.InvalidStatusCode, restOffset);
            }
            var comment = rest.Length > 4 ? rest[4..] : default;
            int bad = MsrpChars.FirstNonText(comment);
            if (bad >= 0)
            {
                return Fail(MsrpParseError.InvalidComment, restOffset + 4 + bad);
            }
            startLine = new MsrpStartLine(MsrpMessageKind.Response, tid, MsrpMethod.Other, default, code, comment);
        }
        else
        {
            // req-start = pMSRP SP transact-id SP method CRLF; method = mSEND / mREPORT / other-method (1*UPALPHA).
            if (rest.IsEmpty)
            {
                return Fail(MsrpParseError.InvalidMethod, restOffset);
            }
            for (int k = 0; k < rest.Length; k++)
            {
                if (!MsrpChars.IsUpAlpha(rest[k]))
                {
                    return Fail(MsrpParseError.InvalidMethod, restOffset + k);
                }
            }
            startLine = new MsrpStartLine(MsrpMessageKind.Request, tid, LookupMethod(rest), rest, 0, default);
        }
        _transactionId = tid;
        _position = lf + 1;
        _state = 1;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static MsrpMethod LookupMethod(ReadOnlySpan<byte> m)
    {
        if (m.SequenceEqual("SEND"u8))
        {
            return MsrpMethod.Send;
        }
        if (m.SequenceEqual("REPORT"u8))
        {
            return MsrpMethod.Report;
        }
        return m.SequenceEqual("AUTH"u8) ? MsrpMethod.Auth : MsrpMethod.Other;
    }

    /// <summary>
    /// Reads the next header field. Returns false at the blank line that ends the headers (then
    /// <see cref="IsAtBody"/>), at the end-line of a message without body (then <see cref="IsAtEndLine"/>), or on
    /// an error (then <see cref="Error"/> says why).
    /// </summary>
    public bool ReadHeader(out MsrpHeaderField header)
    {
        header = default;
        if (_state != 1)
        {
            return _state == 0 && Fail(MsrpParseError.InvalidStartLine, 0, "ReadStartLine must come first");
        }
        var buf = _buffer;
        int pos = _position;
        int maxLine = _limits.MaxHeaderLineLength;
        var window = buf[pos..Math.Min(buf.Length, pos + maxLine + 2)];
        int lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return window.Length >= maxLine + 2 ? Fail(MsrpParseError.HeaderLineTooLong, pos) : Fail(MsrpParseError.Incomplete, buf.Length);
        }
        if (lf == 0 || window[lf - 1] != (byte)'\r')
        {
            return Fail(MsrpParseError.InvalidLineEnding, pos + lf);
        }
        var line = window[..(lf - 1)];
        if (line.IsEmpty)
        {
            // RFC 4975 §9 content-stuff: Content-Type 2CRLF data CRLF — the blank line starts the body.
            _position = pos + 2;
            _state = 2;
            return false;
        }
        if (line.StartsWith("-------"u8))
        {
            // RFC 4975 §7.1: a message without body has the end-line right after the headers.
            _state = 3;
            return false;
        }
        if (line.Length > maxLine)
        {
            return Fail(MsrpParseError.HeaderLineTooLong, pos);
        }
        if (++_headerCount > _limits.MaxHeaderCount)
        {
            return Fail(MsrpParseError.TooManyHeaders, pos);
        }
        // RFC 4975 §9: hname = ALPHA *token; ext-header = hname ":" SP hval CRLF.
        if (!MsrpChars.IsAlpha(line[0]))
        {
            return Fail(MsrpParseError.InvalidHeaderName, pos);
        }
        int i = 1;
        while (i < line.Length && MsrpChars.IsToken(line[i]))
        {
            i++;
        }
        if (i >= line.Length || line[i] != (byte)':')
        {
            return Fail(i >= line.Length || line[i] is (byte)' ' or (byte)'\t' ? MsrpParseError.MissingHeaderColon : MsrpParseError.InvalidHeaderName, pos + i);
        }
        var rawName = line[..i];
        i++;
        // The ABNF has exactly one SP after the colon; readers accept any run of SP/HTAB (and none).
        while (i < line.Length && (line[i] == (byte)' ' || line[i] == (byte)'\t'))
        {
            i++;
        }
        int end = line.Length;
        while (end > i && (line[end - 1] == (byte)' ' || line[end - 1] == (byte)'\t'))
        {
            end--;
        }
        var value = line[i..end];
        // RFC 4975 §9: hval = utf8text; a bare CR or other control character is not text.
        int bad = MsrpChars.FirstNonText(value);
        if (bad >= 0)
        {
            return Fail(value[bad] == (byte)'\r' ? MsrpParseError.InvalidLineEnding : MsrpParseError.InvalidHeaderValue, pos + i + bad);
        }
        _position = pos + lf + 1;
        header = new MsrpHeaderField(MsrpHeaderNames.Lookup(rawName), rawName, value, pos, pos + i);
        return true;
    }

    /// <summary>
    /// Reads the end-line of a message without body (valid when <see cref="IsAtEndLine"/>):
    /// <c>"-------" transact-id continuation-flag CRLF</c> with this message's id (RFC 4975 §7.1, §9).
    /// </summary>
    public bool ReadEndLine(out MsrpContinuation continuation)
    {
        continuation = MsrpContinuation.None;
        if (_state != 3)
        {
            return _state != 5 && Fail(MsrpParseError.InvalidEndLine, _position, "not at an end-line");
        }
        var rest = _buffer[_position..];
        var r = MsrpEndLine.Match(rest, 7, _transactionId, out continuation);
        if (r != MsrpEndLine.Result.Match)
        {
            return Fail(r == MsrpEndLine.Result.NeedMore ? MsrpParseError.Incomplete : MsrpParseError.InvalidEndLine, _position);
        }
        _position += MsrpEndLine.Length(7, _transactionId.Length);
        _state = 4;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Fail(MsrpParseError error, long offset, string? detail = null)
    {
        _state = 5;
        _error = new MsrpParseResult(error, offset, detail);
        return false;
    }
}

/// <summary>End-line matching shared by the span parser and the frame reader (RFC 4975 §7.1, §9).</summary>
internal static class MsrpEndLine
{
    internal enum Result : byte
    {
        NoMatch = 0,
        Match = 1,
        NeedMore = 2,
        Invalid = 3,
    }

    /// <summary>Bytes of "[CRLF] -------tid flag CRLF" for a prefix of <paramref name="prefixLength"/> (7 or 9) bytes before the id.</summary>
    public static int Length(int prefixLength, int tidLength) => prefixLength + tidLength + 3;

    /// <summary>
    /// Matches <c>[CRLF] "-------" tid flag CRLF</c> at the start of <paramref name="s"/>. <paramref name="prefixLength"/>
    /// is 9 when the CRLF that precedes the end-line after a body is included, 7 when it is not.
    /// NoMatch: these bytes are not the end-line (body data). NeedMore: they could still be. Invalid: the id and a
    /// continuation flag are there but CRLF does not follow (RFC 4975 §7.1: the body never contains the end-line).
    /// </summary>
    public static Result Match(ReadOnlySpan<byte> s, int prefixLength, ReadOnlySpan<byte> tid, out MsrpContinuation flag)
    {
        flag = MsrpContinuation.None;
        var dashes = prefixLength == 9 ? "\r\n-------"u8 : "-------"u8;
        int n = Math.Min(s.Length, dashes.Length);
        if (!s[..n].SequenceEqual(dashes[..n]))
        {
            return Result.NoMatch;
        }
        if (s.Length <= dashes.Length)
        {
            return Result.NeedMore;
        }
        var afterDashes = s[dashes.Length..];
        n = Math.Min(afterDashes.Length, tid.Length);
        if (!afterDashes[..n].SequenceEqual(tid[..n]))
        {
            return Result.NoMatch;
        }
        if (afterDashes.Length <= tid.Length)
        {
            return Result.NeedMore;
        }
        var tail = afterDashes[tid.Length..];
        byte f = tail[0];
        if (f is not ((byte)'$' or (byte)'+' or (byte)'#'))
        {
            return Result.NoMatch; // "-------<tid>x...": the id continues; not this message's end-line.
        }
        if (tail.Length < 2)
        {
            return Result.NeedMore;
        }
        if (tail[1] != (byte)'\r')
        {
            return Result.Invalid;
        }
        if (tail.Length < 3)
        {
            return Result.NeedMore;
        }
        if (tail[2] != (byte)'\n')
        {
            return Result.Invalid;
        }
        flag = (MsrpContinuation)f;
        return Result.Match;
    }
}
