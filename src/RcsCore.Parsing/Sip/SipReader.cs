using System.Runtime.CompilerServices;

namespace RcsCore.Parsing.Sip;

/// <summary>The kind of start line.</summary>
public enum SipStartLineKind : byte
{
    /// <summary>Request-Line (RFC 3261 §7.1).</summary>
    Request = 1,
    /// <summary>Status-Line (RFC 3261 §7.2).</summary>
    Response = 2,
}

/// <summary>A parsed start line: spans into the message bytes.</summary>
public readonly ref struct SipStartLine
{
    internal SipStartLine(SipStartLineKind kind, ReadOnlySpan<byte> method, ReadOnlySpan<byte> requestUri, ReadOnlySpan<byte> version, int statusCode, ReadOnlySpan<byte> reason, int lineOffset, int requestUriOffset, int reasonOffset)
    {
        LineOffset = lineOffset;
        ReasonPhraseOffset = reasonOffset;
        Kind = kind;
        Method = method;
        RequestUri = requestUri;
        Version = version;
        StatusCode = statusCode;
        ReasonPhrase = reason;
        RequestUriOffset = requestUriOffset;
    }

    /// <summary>Request or response.</summary>
    public SipStartLineKind Kind { get; }

    /// <summary>The method token (requests only).</summary>
    public ReadOnlySpan<byte> Method { get; }

    /// <summary>The Request-URI (requests only).</summary>
    public ReadOnlySpan<byte> RequestUri { get; }

    /// <summary>Byte offset of the Request-URI in the message.</summary>
    public int RequestUriOffset { get; }

    /// <summary>Byte offset of the start line (after leading CRLFs); the method of a request starts here.</summary>
    public int LineOffset { get; }

    /// <summary>Byte offset of the Reason-Phrase (responses only).</summary>
    public int ReasonPhraseOffset { get; }

    /// <summary>The SIP-Version, e.g. <c>SIP/2.0</c>.</summary>
    public ReadOnlySpan<byte> Version { get; }

    /// <summary>The Status-Code (responses only).</summary>
    public int StatusCode { get; }

    /// <summary>The Reason-Phrase (responses only; may be empty).</summary>
    public ReadOnlySpan<byte> ReasonPhrase { get; }
}

/// <summary>One header field: name and value as spans into the message. The value is trimmed of surrounding LWS and may contain folds (CRLF + WSP).</summary>
public readonly ref struct SipHeaderField
{
    internal SipHeaderField(SipHeaderName name, ReadOnlySpan<byte> rawName, ReadOnlySpan<byte> value, int nameOffset, int valueOffset)
    {
        Name = name;
        RawName = rawName;
        Value = value;
        NameOffset = nameOffset;
        ValueOffset = valueOffset;
    }

    /// <summary>The known header, or <see cref="SipHeaderName.Unknown"/>.</summary>
    public SipHeaderName Name { get; }

    /// <summary>The name as it appeared on the wire.</summary>
    public ReadOnlySpan<byte> RawName { get; }

    /// <summary>The value, LWS-trimmed, folds left in place.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of the name in the message.</summary>
    public int NameOffset { get; }

    /// <summary>Offset of the value in the message.</summary>
    public int ValueOffset { get; }
}

/// <summary>
/// A forward-only, allocation-free reader of one SIP message held in a span (RFC 3261 §7): the start line, then
/// header fields one at a time, then the body. It checks framing-level syntax (line endings, folding, header name
/// tokens, the start line) and the limits; header values are checked by the value parsers or by
/// <see cref="SipMessageParser"/>. Errors are values: when a read returns false, inspect <see cref="Error"/>.
/// </summary>
public ref struct SipReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly SipLimits _limits;
    private readonly int _maxHeaderCount;
    private readonly int _maxHeaderLineLength;
    private int _position;
    private int _headerCount;
    private byte _state; // 0 start line, 1 headers, 2 body, 3 error
    private SipParseResult _error;

    /// <summary>Creates a reader over a message with the default limits.</summary>
    public SipReader(ReadOnlySpan<byte> message)
        : this(message, SipLimits.Default)
    {
    }

    /// <summary>Creates a reader over a message.</summary>
    public SipReader(ReadOnlySpan<byte> message, SipLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _buffer = message;
        _limits = limits;
        _maxHeaderCount = limits.MaxHeaderCount;
        _maxHeaderLineLength = limits.MaxHeaderLineLength;
        _position = 0;
        _headerCount = 0;
        _state = 0;
        _error = default;
        LeadingCrlfCount = 0;
    }

    /// <summary>The error that stopped the reader, or success.</summary>
    public readonly SipParseResult Error => _error;

    /// <summary>Current byte offset.</summary>
    public readonly int Position => _position;

    /// <summary>Number of header fields read so far.</summary>
    public readonly int HeaderCount => _headerCount;

    /// <summary>How many CRLF / LF keep-alives preceded the start line (RFC 3261 §7.5, RFC 5626 §3.5.1).</summary>
    public int LeadingCrlfCount { get; private set; }

    /// <summary>True once the empty line that ends the header section has been read.</summary>
    public readonly bool IsAtBody => _state == 2;

    /// <summary>Offset of the first body byte (valid once <see cref="IsAtBody"/>).</summary>
    public readonly int BodyOffset => _state == 2 ? _position : -1;

    /// <summary>Everything after the empty line (valid once <see cref="IsAtBody"/>); framing decides how much of it is the body.</summary>
    public readonly ReadOnlySpan<byte> RemainingBytes => _state == 2 ? _buffer[_position..] : default;

    /// <summary>Reads the start line, skipping leading CRLFs.</summary>
    public bool ReadStartLine(out SipStartLine startLine)
    {
        startLine = default;
        if (_state != 0)
        {
            return _state != 3 && Fail(SipParseError.InvalidStartLine, _position, "start line already read");
        }

        // RFC 3261 §7.5: implementations processing SIP messages over stream-oriented transports MUST ignore
        // any CRLF appearing before the start-line.
        int pos = 0;
        while (pos < _buffer.Length && (_buffer[pos] == (byte)'\n' || (_buffer[pos] == (byte)'\r' && pos + 1 < _buffer.Length && _buffer[pos + 1] == (byte)'\n')))
        {
            pos += _buffer[pos] == (byte)'\r' ? 2 : 1;
            LeadingCrlfCount++;
        }

        var rest = _buffer[pos..];
        int limit = Math.Min(rest.Length, _limits.MaxHeaderLineLength);
        int lf = rest[..limit].IndexOf((byte)'\n');
        if (lf < 0)
        {
            return rest.Length > _limits.MaxHeaderLineLength
                ? Fail(SipParseError.HeaderLineTooLong, pos, "start line")
                : Fail(rest.IsEmpty ? SipParseError.Incomplete : SipParseError.MissingEndOfHeaders, pos + rest.Length);
        }
        int lineLen = lf > 0 && rest[lf - 1] == (byte)'\r' ? lf - 1 : lf;
        var line = rest[..lineLen];
        if (line.IndexOfAny((byte)'\r', (byte)0) >= 0)
        {
            return Fail(SipParseError.InvalidLineEnding, pos + line.IndexOfAny((byte)'\r', (byte)0));
        }

        _position = pos + lf + 1;
        _state = 1;

        if (line.Length >= 4 && (line[0] | 0x20) == 's' && (line[1] | 0x20) == 'i' && (line[2] | 0x20) == 'p' && line[3] == (byte)'/')
        {
            return ReadStatusLine(line, pos, out startLine);
        }
        return ReadRequestLine(line, pos, out startLine);
    }

    private bool ReadStatusLine(ReadOnlySpan<byte> line, int lineOffset, out SipStartLine startLine)
    {
        // RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
        startLine = default;
        int sp = line.IndexOf((byte)' ');
        if (sp < 0)
        {
            return Fail(SipParseError.InvalidStartLine, lineOffset + line.Length, "status line has no status code");
        }
        var version = line[..sp];
        var verr = CheckVersion(version);
        if (verr != SipParseError.None)
        {
            return Fail(verr, lineOffset);
        }
        var afterVersion = line[(sp + 1)..];
        int codeEnd = afterVersion.IndexOf((byte)' ');
        var codeText = codeEnd < 0 ? afterVersion : afterVersion[..codeEnd];
        if (codeText.Length != 3 || !SipChars.IsDigit(codeText[0]) || !SipChars.IsDigit(codeText[1]) || !SipChars.IsDigit(codeText[2]))
        {
            return Fail(SipParseError.InvalidStatusCode, lineOffset + sp + 1);
        }
        int code = ((codeText[0] - '0') * 100) + ((codeText[1] - '0') * 10) + (codeText[2] - '0');
        if (code < 100 || code > 699)
        {
            return Fail(SipParseError.InvalidStatusCode, lineOffset + sp + 1);
        }
        var reason = codeEnd < 0 ? default : afterVersion[(codeEnd + 1)..];
        foreach (byte b in reason)
        {
            // Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB)
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return Fail(SipParseError.InvalidReasonPhrase, lineOffset + sp + 1 + codeEnd + 1);
            }
        }
        int reasonOffset = codeEnd < 0 ? lineOffset + line.Length : lineOffset + sp + 1 + codeEnd + 1;
        startLine = new SipStartLine(SipStartLineKind.Response, default, default, version, code, reason, lineOffset, -1, reasonOffset);
        return true;
    }

    private bool ReadRequestLine(ReadOnlySpan<byte> line, int lineOffset, out SipStartLine startLine)
    {
        // RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF (exactly one SP each).
        startLine = default;
        int first = line.IndexOf((byte)' ');
        int last = line.LastIndexOf((byte)' ');
        if (first <= 0 || last == first)
        {
            return Fail(SipParseError.InvalidStartLine, lineOffset, "request line needs Method SP Request-URI SP SIP-Version");
        }
        var method = line[..first];
        if (!SipChars.AllToken(method))
        {
            return Fail(SipParseError.InvalidMethod, lineOffset);
        }
        var version = line[(last + 1)..];
        var verr = CheckVersion(version);
        if (verr != SipParseError.None)
        {
            return Fail(verr, lineOffset + last + 1);
        }
        var uri = line[(first + 1)..last];
        int uriOffset = lineOffset + first + 1;
        // RFC 4475 §3.1.2.7–3.1.2.9: no <>, no embedded LWS, one SP between elements.
        if (uri.IsEmpty || uri.IndexOfAny((byte)' ', (byte)'\t') >= 0 || uri[0] == (byte)'<')
        {
            return Fail(SipParseError.InvalidRequestUri, uriOffset);
        }
        // The URI grammar itself (RFC 3261 §19.1.1, §25.1) is checked by SipMessageParser, keeping the reader lean.
        startLine = new SipStartLine(SipStartLineKind.Request, method, uri, version, 0, default, lineOffset, uriOffset, -1);
        return true;
    }

    private static SipParseError CheckVersion(ReadOnlySpan<byte> version)
    {
        // RFC 3261 §7.1: SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (case-insensitive "SIP").
        if (version.Length == 7 && (version[0] | 0x20) == 's' && (version[1] | 0x20) == 'i' && (version[2] | 0x20) == 'p'
            && version[3] == (byte)'/' && version[4] == (byte)'2' && version[5] == (byte)'.' && version[6] == (byte)'0')
        {
            return SipParseError.None;
        }
        if (version.Length < 7 || (version[0] | 0x20) != 's' || (version[1] | 0x20) != 'i' || (version[2] | 0x20) != 'p' || version[3] != (byte)'/')
        {
            return SipParseError.InvalidVersion;
        }
        var num = version[4..];
        int dot = num.IndexOf((byte)'.');
        if (dot <= 0 || dot == num.Length - 1)
        {
            return SipParseError.InvalidVersion;
        }
        foreach (byte b in num)
        {
            if (b != (byte)'.' && !SipChars.IsDigit(b))
            {
                return SipParseError.InvalidVersion;
            }
        }
        return num[(dot + 1)..].IndexOf((byte)'.') >= 0 ? SipParseError.InvalidVersion : SipParseError.UnsupportedVersion;
    }

    /// <summary>
    /// Reads the next header field. Returns false at the empty line that ends the header section
    /// (then <see cref="IsAtBody"/> is true) or on an error (then <see cref="Error"/> says why).
    /// </summary>
    public bool ReadHeader(out SipHeaderField header)
    {
        header = default;
        if (_state != 1)
        {
            if (_state == 0)
            {
                return Fail(SipParseError.InvalidStartLine, _position, "ReadStartLine must come first");
            }
            return false;
        }

        var buf = _buffer;
        int pos = _position;
        if ((uint)pos >= (uint)buf.Length)
        {
            return Fail(SipParseError.MissingEndOfHeaders, pos);
        }

        byte first = buf[pos];
        if (first == (byte)'\r')
        {
            if (pos + 1 < buf.Length && buf[pos + 1] == (byte)'\n')
            {
                _position = pos + 2;
                _state = 2;
                return false;
            }
            return Fail(pos + 1 >= buf.Length ? SipParseError.MissingEndOfHeaders : SipParseError.InvalidLineEnding, pos);
        }
        if (first == (byte)'\n')
        {
            _position = pos + 1;
            _state = 2;
            return false;
        }
        if (SipChars.IsWsp(first))
        {
            // A continuation line with no header before it.
            return Fail(SipParseError.InvalidHeaderName, pos, "line starts with whitespace");
        }

        if (++_headerCount > _maxHeaderCount)
        {
            return Fail(SipParseError.TooManyHeaders, pos);
        }

        // field-name: token, then optional WSP, then ':' (RFC 3261 §7.3.1 HCOLON).
        int nameStart = pos;
        while (pos < buf.Length && SipChars.IsToken(buf[pos]))
        {
            pos++;
        }
        int nameEnd = pos;
        if (nameEnd == nameStart)
        {
            return Fail(SipParseError.InvalidHeaderName, nameStart);
        }
        while (pos < buf.Length && SipChars.IsWsp(buf[pos]))
        {
            pos++;
        }
        if (pos >= buf.Length)
        {
            return Fail(SipParseError.MissingEndOfHeaders, pos);
        }
        if (buf[pos] != (byte)':')
        {
            return Fail(buf[pos] is (byte)'\r' or (byte)'\n' ? SipParseError.MissingHeaderColon : SipParseError.InvalidHeaderName, pos);
        }
        pos++;

        // The value runs to the first line end not followed by WSP (a fold, RFC 3261 §7.3.1). One scan finds
        // CR and LF together: a CR must be followed by LF (a bare CR is an error).
        int valueStart = pos;
        int maxEnd = Math.Min(buf.Length, nameStart + _maxHeaderLineLength);
        int scan = pos;
        int valueEnd;
        while (true)
        {
            int hit = scan < maxEnd ? buf[scan..maxEnd].IndexOfAny((byte)'\r', (byte)'\n') : -1;
            if (hit < 0)
            {
                return maxEnd < buf.Length
                    ? Fail(SipParseError.HeaderLineTooLong, nameStart)
                    : Fail(SipParseError.MissingEndOfHeaders, buf.Length);
            }
            int lf = scan + hit;
            int end = lf;
            if (buf[lf] == (byte)'\r')
            {
                if (lf + 1 >= buf.Length)
                {
                    return Fail(SipParseError.MissingEndOfHeaders, buf.Length);
                }
                if (buf[lf + 1] != (byte)'\n')
                {
                    return Fail(SipParseError.InvalidLineEnding, lf);
                }
                lf++;
            }
            int next = lf + 1;
            if (next < buf.Length && SipChars.IsWsp(buf[next]))
            {
                scan = next;
                continue;
            }
            if (lf >= maxEnd && maxEnd < buf.Length)
            {
                return Fail(SipParseError.HeaderLineTooLong, nameStart);
            }
            valueEnd = end;
            _position = next;
            break;
        }

        var value = buf[valueStart..valueEnd];
        int trimStart = 0;
        while (trimStart < value.Length && SipChars.IsLws(value[trimStart]))
        {
            trimStart++;
        }
        int trimEnd = value.Length;
        while (trimEnd > trimStart && SipChars.IsLws(value[trimEnd - 1]))
        {
            trimEnd--;
        }

        var rawName = buf[nameStart..nameEnd];
        header = new SipHeaderField(SipHeaderNames.Lookup(rawName), rawName, value[trimStart..trimEnd], nameStart, valueStart + trimStart);
        return true;
    }

    /// <summary>Skips all remaining header fields; returns false on an error.</summary>
    public bool SkipToBody()
    {
        while (ReadHeader(out _))
        {
        }
        return _state == 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Fail(SipParseError error, int offset, string? detail = null)
    {
        _state = 3;
        _error = new SipParseResult(error, offset, detail);
        return false;
    }
}
