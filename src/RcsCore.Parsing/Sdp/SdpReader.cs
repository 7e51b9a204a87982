namespace RcsCore.Parsing.Sdp;

/// <summary>
/// A forward-only, allocation-free reader of SDP lines (RFC 8866 §5) over a complete body.
/// Each call to <see cref="TryReadLine"/> yields one <c>type=value</c> line; the reader checks only
/// line syntax, never what a line means or where it may appear.
/// </summary>
/// <remarks>
/// Lines end with CRLF or a bare LF (RFC 8866 §5: parsers SHOULD accept LF). The last line may lack a
/// terminator, and trailing empty lines at the very end are ignored, because SIP bodies often carry them.
/// Once an error is found the reader stops and <see cref="Error"/> keeps it.
/// </remarks>
public ref struct SdpReader
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly int _maxLines;
    private readonly int _maxLineLength;
    private int _position;
    private int _lineCount;
    private SdpParseResult _error;

    /// <summary>Creates a reader over <paramref name="input"/> with <see cref="SdpLimits.Default"/>.</summary>
    /// <param name="input">The complete SDP body.</param>
    public SdpReader(ReadOnlySpan<byte> input)
        : this(input, SdpLimits.Default)
    {
    }

    /// <summary>Creates a reader over <paramref name="input"/>.</summary>
    /// <param name="input">The complete SDP body.</param>
    /// <param name="limits">Line count and line length bounds.</param>
    public SdpReader(ReadOnlySpan<byte> input, SdpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _input = input;
        _maxLines = limits.MaxLines;
        _maxLineLength = limits.MaxLineLength;
        _position = 0;
        _lineCount = 0;
        _error = default;
    }

    /// <summary>The byte offset of the next unread line.</summary>
    public readonly int Position => _position;

    /// <summary>The number of lines returned so far.</summary>
    public readonly int LineCount => _lineCount;

    /// <summary>The error that stopped the reader, or a success result if it has not failed.</summary>
    public readonly SdpParseResult Error => _error;

    /// <summary>Reads the next line.</summary>
    /// <param name="type">The line type letter, <c>'a'</c> to <c>'z'</c>.</param>
    /// <param name="value">The bytes after <c>=</c>, without the line terminator.</param>
    /// <param name="offset">The byte offset of the type letter in the input.</param>
    /// <returns>
    /// True if a line was read; false at the end of input or on an error (then <see cref="Error"/> is set).
    /// </returns>
    public bool TryReadLine(out char type, out ReadOnlySpan<byte> value, out int offset)
    {
        type = '\0';
        value = default;
        offset = _position;
        if (!_error.IsSuccess)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = _input.Slice(_position);
        if (rest.IsEmpty)
        {
            return false;
        }

        // Only line terminators left: a trailing blank line after the last SDP line, common in SIP bodies.
        if (rest.IndexOfAnyExcept((byte)'\r', (byte)'\n') < 0)
        {
            _position = _input.Length;
            return false;
        }

        if (_lineCount >= _maxLines)
        {
            return Fail(SdpParseError.TooManyLines, "More lines than SdpLimits.MaxLines.");
        }

        // Search only as far as the longest allowed line (+ CRLF) so a hostile body cannot make us scan it all.
        int window = rest.Length;
        if ((long)window > (long)_maxLineLength + 2)
        {
            window = _maxLineLength + 2;
        }

        ReadOnlySpan<byte> line;
        int consumed;
        int lf = rest.Slice(0, window).IndexOf((byte)'\n');
        if (lf >= 0)
        {
            line = rest.Slice(0, lf);
            consumed = lf + 1;

            // RFC 8866 §5: lines end with CRLF, but a bare LF is accepted too.
            if (!line.IsEmpty && line[line.Length - 1] == (byte)'\r')
            {
                line = line.Slice(0, line.Length - 1);
            }
        }
        else if (window == rest.Length)
        {
            // The last line has no terminator.
            line = rest;
            consumed = rest.Length;
        }
        else
        {
            return Fail(SdpParseError.LineTooLong, "Line longer than SdpLimits.MaxLineLength.");
        }

        if (line.Length > _maxLineLength)
        {
            return Fail(SdpParseError.LineTooLong, "Line longer than SdpLimits.MaxLineLength.");
        }

        // RFC 8866 §5: <type>=<value>, type is exactly one case-significant letter, no whitespace around '='.
        if (line.Length < 2 || line[1] != (byte)'=')
        {
            return Fail(SdpParseError.InvalidLine, "Line is not of the form x=value.");
        }

        byte letter = line[0];
        if ((uint)(letter - 'a') > 'z' - 'a')
        {
            return Fail(SdpParseError.InvalidLine, "Line type is not a lowercase letter.");
        }

        ReadOnlySpan<byte> lineValue = line.Slice(2);

        // RFC 8866 §5: values never hold NUL, CR or LF; a CR here is a stray bare CR.
        if (lineValue.IndexOfAny((byte)0, (byte)'\r') >= 0)
        {
            return Fail(SdpParseError.InvalidLine, "Line holds a NUL or a bare CR.");
        }

        type = (char)letter;
        value = lineValue;
        _position += consumed;
        _lineCount++;
        return true;
    }

    private bool Fail(SdpParseError error, string message)
    {
        _error = new SdpParseResult(error, _position, message);
        return false;
    }
}
