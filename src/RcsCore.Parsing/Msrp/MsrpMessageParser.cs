using System.Buffers;
using RcsCore.Parsing.Sip;

namespace RcsCore.Parsing.Msrp;

/// <summary>
/// Receives the start line and headers of a message as the parser validates them (Kestrel
/// <c>IHttpHeadersHandler</c> style). Spans are valid only during the call: copy what you keep. When the parse
/// then fails, discard what was collected.
/// </summary>
public interface IMsrpMessageHandler
{
    /// <summary>Called once with the start line.</summary>
    void OnStartLine(scoped in MsrpStartLine startLine);

    /// <summary>Called for every header field, in order, after its value was validated.</summary>
    void OnHeader(scoped in MsrpHeaderField header);
}

/// <summary>Facts about a parsed message; offsets are relative to the start of the input.</summary>
public struct MsrpMessageInfo
{
    /// <summary>Request or response.</summary>
    public MsrpMessageKind Kind { get; internal set; }

    /// <summary>The request method (<see cref="MsrpMethod.Other"/> for extensions and responses).</summary>
    public MsrpMethod Method { get; internal set; }

    /// <summary>The response status code (0 for requests).</summary>
    public int StatusCode { get; internal set; }

    /// <summary>Length of the transaction id, which starts at byte 5 (after <c>MSRP SP</c>).</summary>
    public int TransactionIdLength { get; internal set; }

    /// <summary>Number of header fields.</summary>
    public int HeaderCount { get; internal set; }

    /// <summary>True when a blank line after the headers introduced a body (possibly empty).</summary>
    public bool HasBody { get; internal set; }

    /// <summary>Offset of the first body byte (of the end-line when there is no body).</summary>
    public int BodyOffset { get; internal set; }

    /// <summary>Bytes of body data (RFC 4975 §9 data: excludes the CRLF before the end-line).</summary>
    public int BodyLength { get; internal set; }

    /// <summary>The end-line's continuation flag.</summary>
    public MsrpContinuation Continuation { get; internal set; }

    /// <summary>Bytes this message occupies, end-line included; the rest of the input belongs to the next message.</summary>
    public int MessageLength { get; internal set; }

    /// <summary>True when the message has a Byte-Range header (then see <see cref="ByteRange"/>).</summary>
    public bool HasByteRange { get; internal set; }

    /// <summary>The Byte-Range value when <see cref="HasByteRange"/>.</summary>
    public MsrpByteRange ByteRange { get; internal set; }
}

/// <summary>Facts about a validated header section, shared by the span parser and the frame reader.</summary>
internal struct MsrpHead
{
    public MsrpMessageKind Kind;
    public MsrpMethod Method;
    public int StatusCode;
    public int TransactionIdLength;
    public int HeaderCount;
    public bool HasBody;
    /// <summary>Bytes before the body (blank line included) or before the end-line of a message without body.</summary>
    public int HeaderLength;
    /// <summary>Bytes of the whole section: through the blank line, or through the end-line.</summary>
    public int SectionLength;
    public MsrpContinuation Continuation;
    public bool HasByteRange;
    public MsrpByteRange ByteRange;
}

internal enum MsrpScanStatus : byte
{
    /// <summary>The end-line starts at the returned offset.</summary>
    Found = 0,
    /// <summary>No end-line yet; bytes from the returned offset on may start it and must be held back.</summary>
    Hold = 1,
    /// <summary>An end-line with this id and a flag is at the returned offset but no CRLF follows it.</summary>
    Invalid = 2,
}

/// <summary>
/// Parses and validates one complete MSRP message held in a span (RFC 4975 §7, §9; RFC 4976 §9): the framing checks
/// of <see cref="MsrpReader"/>, the grammar of every known header, the mandatory To-Path and From-Path, and the body
/// up to the end-line. Never throws on input. For a stream, use <see cref="MsrpFrameReader"/>, which gives the same
/// results without buffering bodies.
/// </summary>
public static class MsrpMessageParser
{
    private struct NullHandler : IMsrpMessageHandler
    {
        public readonly void OnStartLine(scoped in MsrpStartLine startLine)
        {
        }

        public readonly void OnHeader(scoped in MsrpHeaderField header)
        {
        }
    }

    /// <summary>Parses and validates one message with the default limits.</summary>
    public static MsrpParseResult Parse(ReadOnlySpan<byte> data, out MsrpMessageInfo info) => Parse(data, MsrpLimits.Default, out info);

    /// <summary>Parses and validates one message.</summary>
    public static MsrpParseResult Parse(ReadOnlySpan<byte> data, MsrpLimits limits, out MsrpMessageInfo info)
    {
        var handler = default(NullHandler);
        return Parse(data, limits, ref handler, out info);
    }

    /// <summary>
    /// Parses and validates one message, calling <paramref name="handler"/> for the start line and each header.
    /// Returns <see cref="MsrpParseError.Incomplete"/> when <paramref name="data"/> is a proper prefix of a message.
    /// </summary>
    public static MsrpParseResult Parse<THandler>(ReadOnlySpan<byte> data, MsrpLimits limits, ref THandler handler, out MsrpMessageInfo info)
        where THandler : IMsrpMessageHandler, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(limits);
        info = default;
        var found = FindHeaderSection(data, limits, out int sectionLength);
        if (!found.IsSuccess)
        {
            return found;
        }
        var section = data[..sectionLength];
        var result = ParseHeaderSection(section, limits, ref handler, out var head);
        if (!result.IsSuccess)
        {
            return result;
        }
        info.Kind = head.Kind;
        info.Method = head.Method;
        info.StatusCode = head.StatusCode;
        info.TransactionIdLength = head.TransactionIdLength;
        info.HeaderCount = head.HeaderCount;
        info.HasBody = head.HasBody;
        info.HasByteRange = head.HasByteRange;
        info.ByteRange = head.ByteRange;
        info.BodyOffset = head.HeaderLength;
        if (!head.HasBody)
        {
            info.Continuation = head.Continuation;
            info.MessageLength = head.SectionLength;
            return MsrpParseResult.Success;
        }

        var tid = data.Slice(5, head.TransactionIdLength);
        var body = data[sectionLength..];
        var status = ScanBody(body, tid, out int at, out int endLineLength, out var flag);
        // RFC 4975 §7.1: the body is never buffered by the stream reader, so its limit is checked on the bytes that
        // are certainly body (before the end-line, or before a tail that may start it), exactly as that reader does.
        if (at > limits.MaxBodySize)
        {
            return new MsrpParseResult(MsrpParseError.BodyTooLarge, sectionLength + limits.MaxBodySize);
        }
        switch (status)
        {
            case MsrpScanStatus.Found:
                info.BodyLength = at;
                info.Continuation = flag;
                info.MessageLength = sectionLength + at + endLineLength;
                return MsrpParseResult.Success;
            case MsrpScanStatus.Invalid:
                return new MsrpParseResult(MsrpParseError.InvalidEndLine, sectionLength + at);
            default:
                info = default;
                return new MsrpParseResult(MsrpParseError.Incomplete, data.Length);
        }
    }

    /// <summary>
    /// Finds the end of the header section: through the blank line (body follows) or through the end-line of a message
    /// without body. Only the first <see cref="MsrpLimits.MaxHeaderSectionSize"/> + 1 bytes are looked at, so a
    /// reader that linearises that much of a stream gets the same answer. Incomplete means "wait for more".
    /// </summary>
    internal static MsrpParseResult FindHeaderSection(ReadOnlySpan<byte> data, MsrpLimits limits, out int sectionLength)
    {
        sectionLength = 0;
        int maxSection = limits.MaxHeaderSectionSize;
        if (data.Length > maxSection + 1)
        {
            data = data[..(maxSection + 1)];
        }
        // RFC 4975 §9: pMSRP = "MSRP" in caps, then SP. Reject anything else at once rather than wait for a line end.
        int head = Math.Min(5, data.Length);
        if (!data[..head].SequenceEqual("MSRP "u8[..head]))
        {
            return new MsrpParseResult(MsrpParseError.InvalidStartLine, 0);
        }
        int maxStart = limits.MaxStartLineLength;
        int lf = data[..Math.Min(data.Length, maxStart + 2)].IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (data.Length >= maxStart + 2)
            {
                return new MsrpParseResult(MsrpParseError.StartLineTooLong, 0);
            }
            return Incomplete(data, maxSection);
        }
        int pos = lf + 1;
        int maxLine = limits.MaxHeaderLineLength;
        int count = 0;
        while (true)
        {
            var window = data[pos..Math.Min(data.Length, pos + maxLine + 2)];
            int k = window.IndexOf((byte)'\n');
            if (k < 0)
            {
                if (window.Length >= maxLine + 2)
                {
                    return new MsrpParseResult(MsrpParseError.HeaderLineTooLong, pos);
                }
                return Incomplete(data, maxSection);
            }
            int next = pos + k + 1;
            if (next > maxSection)
            {
                return new MsrpParseResult(MsrpParseError.HeaderSectionTooLarge, pos);
            }
            var line = window[..k];
            if (line.IsEmpty || (line.Length == 1 && line[0] == (byte)'\r') || line.StartsWith("-------"u8))
            {
                sectionLength = next;
                return MsrpParseResult.Success;
            }
            if (++count > limits.MaxHeaderCount)
            {
                return new MsrpParseResult(MsrpParseError.TooManyHeaders, pos);
            }
            pos = next;
        }

        static MsrpParseResult Incomplete(ReadOnlySpan<byte> data, int maxSection) => data.Length > maxSection
            ? new MsrpParseResult(MsrpParseError.HeaderSectionTooLarge, 0)
            : new MsrpParseResult(MsrpParseError.Incomplete, data.Length);
    }

    /// <summary>Validates a complete header section (from <see cref="FindHeaderSection"/>) and calls the handler.</summary>
    internal static MsrpParseResult ParseHeaderSection<THandler>(ReadOnlySpan<byte> section, MsrpLimits limits, ref THandler handler, out MsrpHead head)
        where THandler : IMsrpMessageHandler, allows ref struct
    {
        head = default;
        var reader = new MsrpReader(section, limits);
        if (!reader.ReadStartLine(out var startLine))
        {
            return reader.Error;
        }
        head.Kind = startLine.Kind;
        head.Method = startLine.Method;
        head.StatusCode = startLine.StatusCode;
        head.TransactionIdLength = startLine.TransactionId.Length;
        handler.OnStartLine(in startLine);

        uint seen = 0;
        bool hasContentType = false;
        while (reader.ReadHeader(out var header))
        {
            var name = header.Name;
            // Headers that carry one value per message (RFC 4975 §9, RFC 4976 §9).
            if (name is not (MsrpHeaderName.Unknown or MsrpHeaderName.WwwAuthenticate or MsrpHeaderName.ContentId or MsrpHeaderName.ContentDescription or MsrpHeaderName.ContentDisposition))
            {
                uint bit = 1u << (int)name;
                if ((seen & bit) != 0)
                {
                    return new MsrpParseResult(MsrpParseError.DuplicateHeader, header.NameOffset, MsrpHeaderNames.GetName(name));
                }
                seen |= bit;
            }
            var err = ValidateHeader(in header, ref head, out int errorAt);
            if (err != MsrpParseError.None)
            {
                return new MsrpParseResult(err, header.ValueOffset + errorAt, MsrpHeaderNames.GetName(name));
            }
            hasContentType |= name == MsrpHeaderName.ContentType;
            handler.OnHeader(in header);
        }
        if (!reader.IsAtBody && !reader.IsAtEndLine)
        {
            return reader.Error;
        }
        head.HeaderCount = reader.HeaderCount;
        head.HeaderLength = reader.Position;
        // RFC 4975 §7.1 / §9: headers = To-Path CRLF From-Path CRLF *(header CRLF), in requests and responses.
        if ((seen & (1u << (int)MsrpHeaderName.ToPath)) == 0)
        {
            return new MsrpParseResult(MsrpParseError.MissingToPath, reader.Position);
        }
        if ((seen & (1u << (int)MsrpHeaderName.FromPath)) == 0)
        {
            return new MsrpParseResult(MsrpParseError.MissingFromPath, reader.Position);
        }
        if (reader.IsAtBody)
        {
            // RFC 4975 §9: msrp-response = resp-start headers end-line (no body); content-stuff ends with Content-Type.
            if (head.Kind == MsrpMessageKind.Response)
            {
                return new MsrpParseResult(MsrpParseError.ResponseWithBody, reader.Position - 2);
            }
            if (!hasContentType)
            {
                return new MsrpParseResult(MsrpParseError.MissingContentType, reader.Position - 2);
            }
            head.HasBody = true;
            head.SectionLength = reader.Position;
            return MsrpParseResult.Success;
        }
        if (!reader.ReadEndLine(out var flag))
        {
            return reader.Error;
        }
        head.Continuation = flag;
        head.SectionLength = reader.Position;
        return MsrpParseResult.Success;
    }

    private static MsrpParseError ValidateHeader(scoped in MsrpHeaderField header, ref MsrpHead head, out int errorAt)
    {
        errorAt = 0;
        var v = header.Value;
        switch (header.Name)
        {
            case MsrpHeaderName.ToPath:
            case MsrpHeaderName.FromPath:
            case MsrpHeaderName.UsePath:
                // RFC 4975 §9: To-Path = "To-Path:" SP MSRP-URI *( SP MSRP-URI ); RFC 4976 §9 Use-Path likewise.
                return MsrpUriParser.ValidatePath(v, out errorAt);
            case MsrpHeaderName.MessageId:
                // RFC 4975 §9: Message-ID = "Message-ID:" SP ident. Readers accept any length up to 255.
                return MsrpChars.IsIdent(v, 1, 255) ? MsrpParseError.None : MsrpParseError.InvalidMessageId;
            case MsrpHeaderName.ByteRange:
                if (!MsrpByteRange.TryParse(v, out var range))
                {
                    return MsrpParseError.InvalidByteRange;
                }
                head.HasByteRange = true;
                head.ByteRange = range;
                return MsrpParseError.None;
            case MsrpHeaderName.SuccessReport:
                return MsrpValueParsers.TryParseReport(v, allowPartial: false, out _) ? MsrpParseError.None : MsrpParseError.InvalidReportValue;
            case MsrpHeaderName.FailureReport:
                return MsrpValueParsers.TryParseReport(v, allowPartial: true, out _) ? MsrpParseError.None : MsrpParseError.InvalidReportValue;
            case MsrpHeaderName.Status:
                return MsrpValueParsers.TryParseStatus(v, out _, out _, out _) ? MsrpParseError.None : MsrpParseError.InvalidStatus;
            case MsrpHeaderName.ContentType:
                // RFC 4975 §9: media-type = type "/" subtype *( ";" gen-param ) — the RFC 3261 media-type grammar.
                return SipValueParsers.TryParseMediaType(v, out _, out _, out _) == SipParseError.None ? MsrpParseError.None : MsrpParseError.InvalidContentType;
            case MsrpHeaderName.Expires:
            case MsrpHeaderName.MinExpires:
            case MsrpHeaderName.MaxExpires:
                return MsrpValueParsers.TryParseExpires(v, out _) ? MsrpParseError.None : MsrpParseError.InvalidExpires;
            case MsrpHeaderName.WwwAuthenticate:
            case MsrpHeaderName.Authorization:
            case MsrpHeaderName.AuthenticationInfo:
                // RFC 4976 §9: the RFC 2617 challenge/credentials grammars; the authentication layer parses them.
                return v.IsEmpty ? MsrpParseError.InvalidHeaderValue : MsrpParseError.None;
            default:
                return MsrpParseError.None;
        }
    }

    /// <summary>The bytes every end-line after a body starts with: CRLF, seven '-' and the transaction id.</summary>
    internal static int BuildEndLinePattern(ReadOnlySpan<byte> tid, Span<byte> destination)
    {
        "\r\n-------"u8.CopyTo(destination);
        tid.CopyTo(destination[9..]);
        return 9 + tid.Length;
    }

    /// <summary>
    /// Finds the end-line in body bytes that start right after the blank line (RFC 4975 §7.1): <c>CRLF -------tid
    /// flag CRLF</c>, the CRLF not being body data. For robustness an end-line directly after the blank line (no CRLF
    /// of its own) also ends an empty body. <paramref name="at"/> is the body length (Found), the first byte that
    /// must be held back (Hold), or where the malformed end-line starts (Invalid).
    /// </summary>
    internal static MsrpScanStatus ScanBody(ReadOnlySpan<byte> body, ReadOnlySpan<byte> tid, out int at, out int endLineLength, out MsrpContinuation flag)
    {
        endLineLength = 0;
        switch (MsrpEndLine.Match(body, 7, tid, out flag))
        {
            case MsrpEndLine.Result.Match:
                at = 0;
                endLineLength = MsrpEndLine.Length(7, tid.Length);
                return MsrpScanStatus.Found;
            case MsrpEndLine.Result.NeedMore:
                at = 0;
                return MsrpScanStatus.Hold;
            case MsrpEndLine.Result.Invalid:
                at = 0;
                return MsrpScanStatus.Invalid;
        }
        Span<byte> pattern = stackalloc byte[9 + MsrpLimits.TransactionIdCapacity];
        pattern = pattern[..BuildEndLinePattern(tid, pattern)];
        int i = 0;
        while (true)
        {
            int k = body[i..].IndexOf(pattern);
            if (k < 0)
            {
                break;
            }
            int m = i + k;
            switch (MsrpEndLine.Match(body[m..], 9, tid, out flag))
            {
                case MsrpEndLine.Result.Match:
                    at = m;
                    endLineLength = MsrpEndLine.Length(9, tid.Length);
                    return MsrpScanStatus.Found;
                case MsrpEndLine.Result.NeedMore:
                    at = m;
                    return MsrpScanStatus.Hold;
                case MsrpEndLine.Result.Invalid:
                    at = m;
                    return MsrpScanStatus.Invalid;
            }
            i = m + 1;
        }
        // A tail shorter than the pattern may be its start. The pattern has one CR (its first byte), so only the last
        // CR of the tail can begin such a prefix.
        int tailStart = Math.Max(i, body.Length - (pattern.Length - 1));
        int cr = body[tailStart..].LastIndexOf((byte)'\r');
        if (cr >= 0 && pattern.StartsWith(body[(tailStart + cr)..]))
        {
            at = tailStart + cr;
            return MsrpScanStatus.Hold;
        }
        at = body.Length;
        return MsrpScanStatus.Hold;
    }

    /// <summary>Sequence form of <see cref="ScanBody(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out int, out int, out MsrpContinuation)"/>: same answers for any segmentation.</summary>
    internal static MsrpScanStatus ScanBody(in ReadOnlySequence<byte> body, ReadOnlySpan<byte> tid, bool atBodyStart, out long at, out int endLineLength, out MsrpContinuation flag)
    {
        endLineLength = 0;
        flag = MsrpContinuation.None;
        Span<byte> pattern = stackalloc byte[9 + MsrpLimits.TransactionIdCapacity];
        pattern = pattern[..BuildEndLinePattern(tid, pattern)];
        Span<byte> window = stackalloc byte[9 + MsrpLimits.TransactionIdCapacity + 3];
        window = window[..(pattern.Length + 3)];

        if (atBodyStart)
        {
            int n = CopyWindow(body, body.Start, window);
            switch (MsrpEndLine.Match(window[..n], 7, tid, out flag))
            {
                case MsrpEndLine.Result.Match:
                    at = 0;
                    endLineLength = MsrpEndLine.Length(7, tid.Length);
                    return MsrpScanStatus.Found;
                case MsrpEndLine.Result.NeedMore:
                    at = 0;
                    return MsrpScanStatus.Hold;
                case MsrpEndLine.Result.Invalid:
                    at = 0;
                    return MsrpScanStatus.Invalid;
            }
        }

        long segmentOffset = 0;
        var next = body.Start;
        while (true)
        {
            var segmentStart = next;
            if (!body.TryGet(ref next, out var memory))
            {
                break;
            }
            var s = memory.Span;
            int i = 0;
            while (true)
            {
                int k = s[i..].IndexOf(pattern);
                if (k < 0)
                {
                    break;
                }
                int m = i + k;
                var r = MatchAt(body, body.GetPosition(m, segmentStart), window, tid, out flag);
                if (r != MsrpEndLine.Result.NoMatch)
                {
                    at = segmentOffset + m;
                    return Classify(r, tid.Length, ref endLineLength);
                }
                i = m + 1;
            }
            // Candidates that start in this segment's tail and run on into the next segments.
            int t = Math.Max(i, s.Length - (pattern.Length - 1));
            while (t < s.Length)
            {
                int c = s[t..].IndexOf((byte)'\r');
                if (c < 0)
                {
                    break;
                }
                t += c;
                var r = MatchAt(body, body.GetPosition(t, segmentStart), window, tid, out flag);
                if (r != MsrpEndLine.Result.NoMatch)
                {
                    at = segmentOffset + t;
                    return Classify(r, tid.Length, ref endLineLength);
                }
                t++;
            }
            segmentOffset += s.Length;
        }
        at = body.Length;
        return MsrpScanStatus.Hold;

        static MsrpScanStatus Classify(MsrpEndLine.Result r, int tidLength, ref int endLineLength)
        {
            if (r == MsrpEndLine.Result.Match)
            {
                endLineLength = MsrpEndLine.Length(9, tidLength);
                return MsrpScanStatus.Found;
            }
            return r == MsrpEndLine.Result.NeedMore ? MsrpScanStatus.Hold : MsrpScanStatus.Invalid;
        }

        static MsrpEndLine.Result MatchAt(in ReadOnlySequence<byte> body, SequencePosition position, Span<byte> window, ReadOnlySpan<byte> tid, out MsrpContinuation flag)
        {
            int n = CopyWindow(body, position, window);
            return MsrpEndLine.Match(window[..n], 9, tid, out flag);
        }
    }

    private static int CopyWindow(in ReadOnlySequence<byte> body, SequencePosition position, Span<byte> window)
    {
        var tail = body.Slice(position);
        int n = (int)Math.Min(tail.Length, window.Length);
        tail.Slice(0, n).CopyTo(window);
        return n;
    }
}
