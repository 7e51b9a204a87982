namespace RcsCore.Parsing.Sip;

/// <summary>How the bytes arrived, which decides how the body is delimited (RFC 3261 §18.3).</summary>
public enum SipFraming : byte
{
    /// <summary>UDP: one datagram is one message; without Content-Length the body is the rest of the datagram.</summary>
    Datagram = 0,
    /// <summary>TCP/TLS: Content-Length is mandatory; a short buffer means "wait for more".</summary>
    Stream = 1,
}

/// <summary>Receives the parts of a message as the parser validates them (Kestrel <c>IHttpHeadersHandler</c> style).</summary>
public interface ISipMessageHandler
{
    /// <summary>Called once with the start line.</summary>
    void OnStartLine(scoped in SipStartLine startLine);

    /// <summary>Called for every header field, in order.</summary>
    void OnHeader(scoped in SipHeaderField header);
}

/// <summary>Offsets and facts about a parsed message; all offsets are relative to the start of the input.</summary>
public struct SipMessageInfo
{
    /// <summary>Request or response.</summary>
    public SipStartLineKind Kind { get; internal set; }

    /// <summary>The status code (responses).</summary>
    public int StatusCode { get; internal set; }

    /// <summary>Offset where the start line begins (after leading CRLFs).</summary>
    public int StartOffset { get; internal set; }

    /// <summary>CRLFs skipped before the start line (keep-alives).</summary>
    public int LeadingCrlfCount { get; internal set; }

    /// <summary>Number of header fields.</summary>
    public int HeaderCount { get; internal set; }

    /// <summary>Offset of the first body byte.</summary>
    public int BodyOffset { get; internal set; }

    /// <summary>Length of the body.</summary>
    public int BodyLength { get; internal set; }

    /// <summary>Bytes this message occupies in the input (leading CRLFs included); the rest belongs to the next message or is ignored (datagram).</summary>
    public int MessageLength { get; internal set; }

    /// <summary>The Content-Length value, or -1 when absent.</summary>
    public int ContentLength { get; internal set; }

    /// <summary>True when several Content-Length headers disagree (RFC 4475 §3.3.9: answer 400).</summary>
    public bool HasConflictingContentLength { get; internal set; }

    /// <summary>Bytes after the message in a datagram that were ignored (RFC 4475 §3.1.1.8).</summary>
    public int TrailingBytes { get; internal set; }
}

/// <summary>
/// Parses and fully validates one SIP message: the reader's framing checks plus the grammar of every known header
/// (Via, name-addr headers, CSeq, Max-Forwards, Content-Length, Expires, Call-ID, Date, Content-Type, option tags),
/// the CSeq/method match and the body framing rules for datagrams and streams. Never throws on input.
/// </summary>
public static class SipMessageParser
{
    private struct NullHandler : ISipMessageHandler
    {
        public readonly void OnStartLine(scoped in SipStartLine startLine)
        {
        }

        public readonly void OnHeader(scoped in SipHeaderField header)
        {
        }
    }

    /// <summary>Parses and validates one message.</summary>
    public static SipParseResult Parse(ReadOnlySpan<byte> data, SipFraming framing, out SipMessageInfo info) => Parse(data, framing, SipLimits.Default, out info);

    /// <summary>Parses and validates one message with limits.</summary>
    public static SipParseResult Parse(ReadOnlySpan<byte> data, SipFraming framing, SipLimits limits, out SipMessageInfo info)
    {
        var handler = default(NullHandler);
        return Parse(data, framing, limits, ref handler, out info);
    }

    /// <summary>Parses and validates one message, calling <paramref name="handler"/> for the start line and each header.</summary>
    public static SipParseResult Parse<THandler>(ReadOnlySpan<byte> data, SipFraming framing, SipLimits limits, ref THandler handler, out SipMessageInfo info)
        where THandler : struct, ISipMessageHandler
    {
        ArgumentNullException.ThrowIfNull(limits);
        info = default;
        info.ContentLength = -1;

        if (framing == SipFraming.Stream)
        {
            // Find the end of the header section before parsing so that a partial message consumes nothing.
            int start = 0;
            while (start < data.Length && (data[start] == (byte)'\n' || (data[start] == (byte)'\r' && start + 1 < data.Length && data[start + 1] == (byte)'\n')))
            {
                start += data[start] == (byte)'\r' ? 2 : 1;
            }
            if (start >= data.Length || (data[start] == (byte)'\r' && start + 1 >= data.Length))
            {
                return new SipParseResult(SipParseError.Incomplete, data.Length);
            }
            int window = Math.Min(data.Length - start, limits.MaxHeaderSectionSize);
            if (FindEndOfHeaders(data.Slice(start, window)) < 0)
            {
                return data.Length - start > limits.MaxHeaderSectionSize
                    ? new SipParseResult(SipParseError.MessageTooLarge, start, "header section")
                    : new SipParseResult(SipParseError.Incomplete, data.Length);
            }
        }
        else if (data.Length > limits.MaxMessageSize)
        {
            return new SipParseResult(SipParseError.MessageTooLarge, limits.MaxMessageSize);
        }

        var reader = new SipReader(data, limits);
        if (!reader.ReadStartLine(out var startLine))
        {
            return reader.Error;
        }
        if (startLine.Kind == SipStartLineKind.Request)
        {
            // RFC 3261 §19.1.1 / RFC 4475 §3.1.2.11: the Request-URI grammar, including "no headers component".
            var uerr = SipUriParser.Validate(startLine.RequestUri, SipUriContext.RequestUri, out int uriErrorAt);
            if (uerr != SipParseError.None)
            {
                return new SipParseResult(SipParseError.InvalidRequestUri, startLine.RequestUriOffset + uriErrorAt);
            }
        }
        info.Kind = startLine.Kind;
        info.StatusCode = startLine.StatusCode;
        info.LeadingCrlfCount = reader.LeadingCrlfCount;
        handler.OnStartLine(in startLine);
        var method = startLine.Method;

        int contentLength = -1;
        while (reader.ReadHeader(out var header))
        {
            var err = ValidateHeader(in header, startLine.Kind, method, out int errorAt, ref contentLength, ref info);
            if (err != SipParseError.None)
            {
                return new SipParseResult(err, header.ValueOffset + errorAt, SipHeaderNames.GetName(header.Name));
            }
            handler.OnHeader(in header);
        }
        if (!reader.IsAtBody)
        {
            return reader.Error;
        }

        info.HeaderCount = reader.HeaderCount;
        info.BodyOffset = reader.BodyOffset;
        info.ContentLength = contentLength;
        int available = data.Length - reader.BodyOffset;
        if (framing == SipFraming.Datagram)
        {
            // RFC 3261 §18.3: a datagram without Content-Length carries its body to the end of the datagram;
            // with one, octets beyond it are discarded and a shortfall is an error (RFC 4475 §3.1.1.8, §3.1.2.2).
            if (contentLength < 0)
            {
                info.BodyLength = available;
            }
            else if (contentLength > available)
            {
                return new SipParseResult(SipParseError.ContentLengthExceedsBody, data.Length, $"Content-Length {contentLength}, {available} bytes present");
            }
            else
            {
                info.BodyLength = contentLength;
                info.TrailingBytes = available - contentLength;
            }
            info.MessageLength = info.BodyOffset + info.BodyLength;
        }
        else
        {
            if (contentLength < 0)
            {
                return new SipParseResult(SipParseError.MissingContentLength, reader.BodyOffset);
            }
            if (info.HasConflictingContentLength)
            {
                return new SipParseResult(SipParseError.InvalidContentLength, reader.BodyOffset, "conflicting Content-Length values");
            }
            if ((long)reader.BodyOffset + contentLength > limits.MaxMessageSize)
            {
                return new SipParseResult(SipParseError.MessageTooLarge, reader.BodyOffset);
            }
            if (contentLength > available)
            {
                return new SipParseResult(SipParseError.Incomplete, data.Length);
            }
            info.BodyLength = contentLength;
            info.MessageLength = info.BodyOffset + contentLength;
        }
        info.StartOffset = info.LeadingCrlfCount == 0 ? 0 : CountLeading(data);
        return SipParseResult.Success;
    }

    private static int CountLeading(ReadOnlySpan<byte> data)
    {
        int start = 0;
        while (start < data.Length && (data[start] == (byte)'\n' || (data[start] == (byte)'\r' && start + 1 < data.Length && data[start + 1] == (byte)'\n')))
        {
            start += data[start] == (byte)'\r' ? 2 : 1;
        }
        return start;
    }

    /// <summary>Index just past the empty line ending the header section (CRLFCRLF or LFLF), or -1.</summary>
    public static int FindEndOfHeaders(ReadOnlySpan<byte> data)
    {
        int i = 0;
        while (true)
        {
            int lf = data[i..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                return -1;
            }
            int next = i + lf + 1;
            if (next < data.Length && data[next] == (byte)'\n')
            {
                return next + 1;
            }
            if (next + 1 < data.Length && data[next] == (byte)'\r' && data[next + 1] == (byte)'\n')
            {
                return next + 2;
            }
            if (next + 1 >= data.Length && next < data.Length && data[next] == (byte)'\r')
            {
                return -1;
            }
            i = next;
        }
    }

    private static SipParseError ValidateHeader(scoped in SipHeaderField header, SipStartLineKind kind, ReadOnlySpan<byte> method, out int errorAt, ref int contentLength, ref SipMessageInfo info)
    {
        errorAt = 0;
        var v = header.Value;
        switch (header.Name)
        {
            case SipHeaderName.Via:
            {
                int pos = 0;
                do
                {
                    var err = SipViaParser.TryParseNext(v, ref pos, out _, out errorAt);
                    if (err != SipParseError.None)
                    {
                        return err;
                    }
                }
                while (pos < v.Length);
                return SipParseError.None;
            }
            case SipHeaderName.From:
            case SipHeaderName.To:
            case SipHeaderName.ReplyTo:
            case SipHeaderName.ReferTo:
            case SipHeaderName.ReferredBy:
            case SipHeaderName.PCalledPartyId:
            {
                int pos = 0;
                var err = SipNameAddrParser.TryParseNext(v, ref pos, false, out _, out errorAt);
                if (err == SipParseError.None && pos != v.Length)
                {
                    errorAt = pos;
                    return SipParseError.InvalidNameAddr; // a single-valued header holding a list
                }
                return err;
            }
            case SipHeaderName.Contact:
            case SipHeaderName.Route:
            case SipHeaderName.RecordRoute:
            case SipHeaderName.Path:
            case SipHeaderName.ServiceRoute:
            case SipHeaderName.PAssertedIdentity:
            case SipHeaderName.PPreferredIdentity:
            case SipHeaderName.PAssociatedUri:
            case SipHeaderName.AcceptContact:
            case SipHeaderName.RejectContact:
            {
                bool wildcard = header.Name is SipHeaderName.Contact or SipHeaderName.AcceptContact or SipHeaderName.RejectContact;
                int pos = 0;
                do
                {
                    var err = SipNameAddrParser.TryParseNext(v, ref pos, wildcard, out var na, out errorAt);
                    if (err != SipParseError.None)
                    {
                        return err;
                    }
                    if (header.Name == SipHeaderName.Contact && na.TryGetParameter("expires"u8, out var exp)
                        && !SipValueParsers.TryParseUInt32(exp, SipValueParsers.MaxDeltaSeconds, out _))
                    {
                        // RFC 4475 §3.1.2.4: an overlarge expires parameter is rejected, never wrapped.
                        return SipParseError.InvalidExpires;
                    }
                }
                while (pos < v.Length);
                return SipParseError.None;
            }
            case SipHeaderName.CSeq:
            {
                var err = SipValueParsers.TryParseCSeq(v, out _, out var cseqMethod);
                if (err != SipParseError.None)
                {
                    return err;
                }
                // RFC 3261 §8.1.1.5 / RFC 4475 §3.1.2.17–18: the CSeq method must match the request method.
                if (kind == SipStartLineKind.Request && !cseqMethod.SequenceEqual(method))
                {
                    return SipParseError.CSeqMethodMismatch;
                }
                return SipParseError.None;
            }
            case SipHeaderName.MaxForwards:
                return SipValueParsers.TryParseUInt32(v, 255, out _) ? SipParseError.None : SipParseError.InvalidMaxForwards;
            case SipHeaderName.ContentLength:
            {
                if (!SipValueParsers.TryParseUInt32(v, int.MaxValue, out uint cl))
                {
                    return SipParseError.InvalidContentLength;
                }
                if (contentLength >= 0 && contentLength != (int)cl)
                {
                    info.HasConflictingContentLength = true;
                }
                else
                {
                    contentLength = (int)cl;
                }
                return SipParseError.None;
            }
            case SipHeaderName.Expires:
            case SipHeaderName.MinExpires:
                return SipValueParsers.TryParseUInt32(v, SipValueParsers.MaxDeltaSeconds, out _) ? SipParseError.None : SipParseError.InvalidExpires;
            case SipHeaderName.RetryAfter:
                return SipValueParsers.TryParseRetryAfter(v, out _);
            case SipHeaderName.RSeq:
                return SipValueParsers.TryParseUInt32(v, uint.MaxValue, out _) ? SipParseError.None : SipParseError.InvalidNumber;
            case SipHeaderName.CallId:
                return SipValueParsers.ValidateCallId(v);
            case SipHeaderName.Date:
                return SipValueParsers.ValidateDate(v);
            case SipHeaderName.ContentType:
                return SipValueParsers.TryParseMediaType(v, out _, out _, out _);
            case SipHeaderName.Require:
            case SipHeaderName.ProxyRequire:
            case SipHeaderName.Supported:
            case SipHeaderName.Unsupported:
            case SipHeaderName.Allow:
                return SipValueParsers.ValidateTokenList(v);
            default:
                return SipParseError.None;
        }
    }
}
