using System.Text;
using System.Text.Unicode;

namespace RcsCore.Parsing.Cpim;

/// <summary>
/// A forward-only, allocation-free reader of a complete <c>message/cpim</c> object (RFC 3862 §2): optional outer MIME
/// headers, the message headers, a blank line, the MIME headers of the encapsulated object, a blank line, then the
/// content. Each <see cref="TryReadHeader"/> call yields one header of any section; when it returns false without an
/// <see cref="Error"/>, <see cref="Content"/> holds the encapsulated content.
/// </summary>
/// <remarks>
/// <para>
/// A CPIM object always arrives whole (a SIP MESSAGE body, or an MSRP message after its chunks are joined), so the
/// reader works on a complete buffer. Cut input gives <see cref="CpimParseError.UnterminatedHeaders"/> or
/// <see cref="CpimParseError.ContentTruncated"/>, never an exception.
/// </para>
/// <para>
/// Leniency, each for something deployed or published: lines may end with a bare LF; the colon of a message header may
/// be followed by no space; a leading <c>Content-Type: message/cpim</c> block (as RFC 3862 §5.1 prints it) is read as
/// <see cref="CpimSection.OuterHeaders"/>; and a <c>Content-*</c> header among the message headers starts the content
/// headers even without the blank line (RFC 5438 §7.1.1.3 prints its example that way), which sets
/// <see cref="SeparatorMissing"/>. A Content-Length smaller than the content is accepted (RFC 5438 §7.1.1.3 again): the
/// content is everything after the headers.
/// </para>
/// </remarks>
public ref struct CpimReader
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly int _maxMessageSize;
    private readonly int _maxLineLength;
    private readonly int _maxHeaderCount;
    private int _position;
    private int _headerCount;
    private long _contentLength;
    private CpimSection _section;
    private CpimParseResult _error;
    private bool _hasOuterHeaders;
    private bool _separatorMissing;

    /// <summary>Creates a reader over <paramref name="input"/> with <see cref="CpimLimits.Default"/>.</summary>
    /// <param name="input">The complete <c>message/cpim</c> object.</param>
    public CpimReader(ReadOnlySpan<byte> input)
        : this(input, CpimLimits.Default)
    {
    }

    /// <summary>Creates a reader over <paramref name="input"/>.</summary>
    /// <param name="input">The complete <c>message/cpim</c> object.</param>
    /// <param name="limits">Size, line length and header count bounds.</param>
    public CpimReader(ReadOnlySpan<byte> input, CpimLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _input = input;
        _maxMessageSize = limits.MaxMessageSize;
        _maxLineLength = limits.MaxLineLength;
        _maxHeaderCount = limits.MaxHeaderCount;
        _position = 0;
        _headerCount = 0;
        _contentLength = -1;
        _section = CpimSection.None;
        _error = default;
        _hasOuterHeaders = false;
        _separatorMissing = false;
    }

    /// <summary>The section of the last header read, or <see cref="CpimSection.Content"/> once the headers are done.</summary>
    public readonly CpimSection Section => _section;

    /// <summary>The byte offset of the next unread line (of the content once <see cref="IsAtContent"/>).</summary>
    public readonly int Position => _position;

    /// <summary>The error that stopped the reader, or a success result if it has not failed.</summary>
    public readonly CpimParseResult Error => _error;

    /// <summary>True once every header has been read and <see cref="Content"/> is available.</summary>
    public readonly bool IsAtContent => _section == CpimSection.Content && _error.IsSuccess;

    /// <summary>True when the input started with the object's own MIME headers (<c>Content-Type: message/cpim</c>).</summary>
    public readonly bool HasOuterHeaders => _hasOuterHeaders;

    /// <summary>True when the content headers began without the blank line after the message headers (lenient).</summary>
    public readonly bool SeparatorMissing => _separatorMissing;

    /// <summary>The Content-Length of the encapsulated object, or -1 when it has none (valid once seen).</summary>
    public readonly long ContentLength => _contentLength;

    /// <summary>The encapsulated content: every byte after the blank line ending the content headers; empty before.</summary>
    public readonly ReadOnlySpan<byte> Content => IsAtContent ? _input[_position..] : default;

    /// <summary>Reads the next header of any section.</summary>
    /// <param name="header">The header; spans into the input.</param>
    /// <returns>
    /// True if a header was read; false at the content (then <see cref="IsAtContent"/>) or on an error (then
    /// <see cref="Error"/> is set).
    /// </returns>
    public bool TryReadHeader(out CpimHeaderLine header)
    {
        header = default;
        if (!_error.IsSuccess || _section == CpimSection.Content)
        {
            return false;
        }

        if (_section == CpimSection.None)
        {
            if (_input.IsEmpty)
            {
                return Fail(CpimParseError.EmptyInput, 0, "No input.");
            }

            if (_input.Length > _maxMessageSize)
            {
                return Fail(CpimParseError.MessageTooLarge, 0, "Input longer than CpimLimits.MaxMessageSize.");
            }

            // RFC 3862 §5.1 prints the object with its own MIME header first; in SIP and MSRP that header is outside.
            _hasOuterHeaders = StartsWithCpimContentType(_input);
            _section = _hasOuterHeaders ? CpimSection.OuterHeaders : CpimSection.MessageHeaders;
        }

        while (true)
        {
            int start = _position;
            if (!TryTakeLine(start, out ReadOnlySpan<byte> line, out int next))
            {
                return false;
            }

            if (line.IsEmpty)
            {
                // RFC 3862 §2: a blank line ends each header section.
                _position = next;
                switch (_section)
                {
                    case CpimSection.OuterHeaders:
                        _section = CpimSection.MessageHeaders;
                        continue;
                    case CpimSection.MessageHeaders:
                        _section = CpimSection.ContentHeaders;
                        continue;
                    default:
                        return EnterContent();
                }
            }

            if (_headerCount >= _maxHeaderCount)
            {
                return Fail(CpimParseError.TooManyHeaders, start, "More headers than CpimLimits.MaxHeaderCount.");
            }

            if (_section == CpimSection.MessageHeaders && line.Length > 8 && Ascii.EqualsIgnoreCase(line[..8], "Content-"u8))
            {
                // RFC 5438 §7.1.1.3 prints the content headers straight after the message headers; no CPIM header is
                // named Content-*, so this can only be the start of the encapsulated object.
                _separatorMissing = true;
                _section = CpimSection.ContentHeaders;
            }

            bool ok = _section == CpimSection.MessageHeaders
                ? TryMessageHeader(line, start, next, out header)
                : TryMimeHeader(line, start, next, out header);
            if (!ok)
            {
                return false;
            }

            _headerCount++;
            return true;
        }
    }

    /// <summary>Reads every remaining header and stops at the content or at an error.</summary>
    /// <returns>True at the content; false on an error (then <see cref="Error"/> is set).</returns>
    public bool SkipToContent()
    {
        while (TryReadHeader(out _))
        {
        }

        return IsAtContent;
    }

    private static bool StartsWithCpimContentType(ReadOnlySpan<byte> input)
    {
        if (input.Length < 13 || !Ascii.EqualsIgnoreCase(input[..13], "Content-Type:"u8))
        {
            return false;
        }

        ReadOnlySpan<byte> value = input[13..].TrimStart(" \t"u8);
        return value.Length >= 12 && Ascii.EqualsIgnoreCase(value[..12], "message/cpim"u8);
    }

    private bool TryTakeLine(int start, out ReadOnlySpan<byte> line, out int next)
    {
        line = default;
        next = start;
        ReadOnlySpan<byte> rest = _input[start..];
        if (rest.IsEmpty)
        {
            return Fail(CpimParseError.UnterminatedHeaders, start, "Input ends before the blank line that ends the headers.");
        }

        // Search only as far as the longest allowed line (+ CRLF) so hostile input cannot make us scan it all.
        int window = (long)rest.Length > (long)_maxLineLength + 2 ? _maxLineLength + 2 : rest.Length;
        int lf = rest[..window].IndexOf((byte)'\n');
        if (lf < 0)
        {
            return window == rest.Length
                ? Fail(CpimParseError.UnterminatedHeaders, start, "Input ends inside a header line.")
                : Fail(CpimParseError.LineTooLong, start, "Line longer than CpimLimits.MaxLineLength.");
        }

        line = rest[..lf];
        next = start + lf + 1;

        // RFC 3862 §3.1: lines end with CRLF; a bare LF is accepted as well.
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Length > _maxLineLength)
        {
            return Fail(CpimParseError.LineTooLong, start, "Line longer than CpimLimits.MaxLineLength.");
        }

        if (line.IndexOfAny((byte)'\r', (byte)0) >= 0)
        {
            return Fail(CpimParseError.InvalidLine, start, "Line holds a NUL or a bare CR.");
        }

        return true;
    }

    private bool TryMessageHeader(ReadOnlySpan<byte> line, int start, int next, out CpimHeaderLine header)
    {
        header = default;

        // RFC 3862 §3.1: no folding; every header is one line.
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            return Fail(CpimParseError.InvalidLine, start, "Message header line starts with whitespace.");
        }

        int colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            return Fail(CpimParseError.InvalidLine, start, "Header line has no colon.");
        }

        // RFC 3862 §3.4: Header-name = [ Name-prefix "." ] Name, both 1*NAMECHAR.
        ReadOnlySpan<byte> name = line[..colon];
        int prefixLength = CpimChars.HeaderNamePrefixLength(name);
        if (prefixLength < 0)
        {
            return Fail(CpimParseError.InvalidHeaderName, start, "Header name is not [prefix.]name of NAMECHARs.");
        }

        // RFC 3862 §3.4: Header = Header-name ":" *( ";" Parameter ) SP Header-value CRLF
        int i = colon + 1;
        int parametersStart = i;
        while (i < line.Length && line[i] == (byte)';')
        {
            if (!CpimChars.TryReadParameter(line, ref i, out _, out _))
            {
                return Fail(CpimParseError.InvalidParameter, start, "Malformed ;name=value parameter.");
            }
        }

        ReadOnlySpan<byte> parameters = line[parametersStart..i];

        // Exactly one SP separates name (and parameters) from the value; a missing one is tolerated.
        if (i < line.Length && line[i] == (byte)' ')
        {
            i++;
        }

        ReadOnlySpan<byte> value = line[i..];

        // RFC 3862 §3.1, §3.2: UTF-8, and control characters must be escaped (HT is tolerated).
        foreach (byte b in value)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                return Fail(CpimParseError.InvalidHeaderValue, start, "Header value holds a control character.");
            }
        }

        if (!Utf8.IsValid(line))
        {
            return Fail(CpimParseError.InvalidHeaderValue, start, "Header is not UTF-8.");
        }

        CpimHeaderKind kind = prefixLength == 0 ? CpimHeaderNames.LookupMessage(name) : CpimHeaderKind.Other;
        header = new CpimHeaderLine(CpimSection.MessageHeaders, kind, name, prefixLength, parameters, value, start);
        _position = next;
        return true;
    }

    private bool TryMimeHeader(ReadOnlySpan<byte> line, int start, int next, out CpimHeaderLine header)
    {
        header = default;
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            return Fail(CpimParseError.InvalidLine, start, "Header line starts with whitespace and continues nothing.");
        }

        int colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            return Fail(CpimParseError.InvalidLine, start, "Header line has no colon.");
        }

        // RFC 5322 §3.6.8: field-name = 1*ftext; whitespace before the colon is obsolete syntax (§4.5), tolerated.
        ReadOnlySpan<byte> name = line[..colon].TrimEnd(" \t"u8);
        if (!CpimChars.IsMimeName(name))
        {
            return Fail(CpimParseError.InvalidHeaderName, start, "MIME header name holds a character outside ftext.");
        }

        // RFC 5322 §2.2.3: a line starting with whitespace continues the header (folding); keep it in the value.
        int end = start + line.Length;
        int after = next;
        while (after < _input.Length && _input[after] is (byte)' ' or (byte)'\t')
        {
            if (!TryTakeLine(after, out ReadOnlySpan<byte> continuation, out int nextAfter))
            {
                return false;
            }

            end = after + continuation.Length;
            after = nextAfter;
            if (end - start > _maxLineLength)
            {
                return Fail(CpimParseError.LineTooLong, start, "Folded header longer than CpimLimits.MaxLineLength.");
            }
        }

        ReadOnlySpan<byte> value = _input[(start + colon + 1)..end].Trim(" \t\r\n"u8);
        CpimHeaderKind kind = CpimHeaderNames.LookupMime(name);
        if (kind == CpimHeaderKind.ContentLength && _section == CpimSection.ContentHeaders && !TrySetContentLength(value))
        {
            return Fail(CpimParseError.InvalidContentLength, start, "Content-Length is not a decimal number or disagrees with another.");
        }

        header = new CpimHeaderLine(_section, kind, name, 0, default, value, start);
        _position = after;
        return true;
    }

    private bool TrySetContentLength(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        long length = 0;
        foreach (byte b in value)
        {
            length = (length * 10) + (b - '0');
        }

        if (_contentLength >= 0 && _contentLength != length)
        {
            return false;
        }

        _contentLength = length;
        return true;
    }

    private bool EnterContent()
    {
        _section = CpimSection.Content;

        // The content runs to the end of the input; a declared length beyond it means the object was cut.
        if (_contentLength > _input.Length - _position)
        {
            return Fail(CpimParseError.ContentTruncated, _position, "Content shorter than its Content-Length.");
        }

        return false;
    }

    private bool Fail(CpimParseError error, int offset, string message)
    {
        _error = new CpimParseResult(error, offset, message);
        return false;
    }
}
