namespace RcsCore.Parsing.Sip;

/// <summary>
/// Reads the body parts of a multipart body (RFC 2046 §5.1, used by SIP per RFC 5621) without copying:
/// each part's header section and content are spans into the body; binary content is kept byte-exact.
/// </summary>
public ref struct SipMultipartReader
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly ReadOnlySpan<byte> _boundary;
    private int _pos;
    private bool _done;

    /// <summary>Creates a reader. <paramref name="boundary"/> is the Content-Type boundary parameter without quotes.</summary>
    public SipMultipartReader(ReadOnlySpan<byte> body, ReadOnlySpan<byte> boundary)
    {
        _body = body;
        _boundary = boundary;
        _pos = -1;
        _done = false;
        Error = SipParseError.None;
    }

    /// <summary>Set when a read failed.</summary>
    public SipParseError Error { get; private set; }

    /// <summary>Gets the boundary parameter of a Content-Type value (RFC 2046 §5.1.1), unquoting it; false when absent.</summary>
    public static bool TryGetBoundary(ReadOnlySpan<byte> contentType, out ReadOnlySpan<byte> boundary)
    {
        boundary = default;
        if (SipValueParsers.TryParseMediaType(contentType, out _, out _, out var parameters) != SipParseError.None
            || !SipParameters.TryGet(parameters, "boundary"u8, out var b))
        {
            return false;
        }
        if (b.Length >= 2 && b[0] == (byte)'"' && b[^1] == (byte)'"')
        {
            b = b[1..^1];
        }
        // RFC 2046 §5.1.1: 1 to 70 characters.
        if (b.IsEmpty || b.Length > 70)
        {
            return false;
        }
        boundary = b;
        return true;
    }

    /// <summary>Reads the next part; false at the close delimiter or on an error (then <see cref="Error"/> is set).</summary>
    public bool ReadPart(out ReadOnlySpan<byte> headers, out ReadOnlySpan<byte> content)
    {
        headers = content = default;
        if (_done || _boundary.IsEmpty)
        {
            if (_boundary.IsEmpty)
            {
                Error = SipParseError.InvalidMultipart;
            }
            return false;
        }
        if (_pos < 0)
        {
            // The first delimiter may start the body (no preceding CRLF); a preamble before it is ignored.
            int first = FindDelimiter(_body, 0, true);
            if (first < 0)
            {
                return Fail();
            }
            _pos = first;
        }

        // _pos is at "--boundary"; after it comes "--" (close) or transport padding then CRLF.
        int i = _pos + 2 + _boundary.Length;
        if (i + 2 <= _body.Length && _body[i] == (byte)'-' && _body[i + 1] == (byte)'-')
        {
            _done = true;
            return false;
        }
        while (i < _body.Length && (_body[i] == (byte)' ' || _body[i] == (byte)'\t'))
        {
            i++;
        }
        if (i < _body.Length && _body[i] == (byte)'\r')
        {
            i++;
        }
        if (i >= _body.Length || _body[i] != (byte)'\n')
        {
            return Fail();
        }
        i++;

        int next = FindDelimiter(_body, i, false);
        if (next < 0)
        {
            return Fail();
        }
        // The CRLF before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        int partEnd = next;
        if (partEnd > i && _body[partEnd - 1] == (byte)'\n')
        {
            partEnd--;
            if (partEnd > i && _body[partEnd - 1] == (byte)'\r')
            {
                partEnd--;
            }
        }
        var part = _body[i..partEnd];
        // A part with no headers starts with its blank line.
        int hdrEnd;
        if (!part.IsEmpty && (part[0] == (byte)'\n' || (part.Length > 1 && part[0] == (byte)'\r' && part[1] == (byte)'\n')))
        {
            hdrEnd = part[0] == (byte)'\n' ? 1 : 2;
            headers = default;
        }
        else
        {
            hdrEnd = SipMessageParser.FindEndOfHeaders(part);
            if (hdrEnd < 0)
            {
                return Fail();
            }
            headers = part[..hdrEnd];
        }
        content = part[hdrEnd..];
        _pos = next;
        return true;
    }

    private int FindDelimiter(ReadOnlySpan<byte> s, int from, bool allowAtStart)
    {
        int i = from;
        while (i < s.Length)
        {
            int idx = s[i..].IndexOf(_boundary);
            if (idx < 0)
            {
                return -1;
            }
            int b = i + idx;
            bool dashes = b >= 2 && s[b - 1] == (byte)'-' && s[b - 2] == (byte)'-';
            int start = b - 2;
            bool lineStart = start == 0 ? allowAtStart || from == 0 : start > 0 && s[start - 1] == (byte)'\n';
            if (dashes && start >= from && lineStart)
            {
                return start;
            }
            i = b + 1;
        }
        return -1;
    }

    private bool Fail()
    {
        Error = SipParseError.InvalidMultipart;
        _done = true;
        return false;
    }
}
