namespace RcsCore.Parsing.Sip;

/// <summary>
/// Why a SIP message was rejected. The numeric values are stable: they are printed by <c>rcs parse</c>,
/// stored in regression corpora and may be logged by hosts, so never renumber them.
/// </summary>
public enum SipParseError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The input ended before the message did (stream framing: wait for more bytes).</summary>
    Incomplete = 1,
    /// <summary>The message is larger than <see cref="SipLimits.MaxMessageSize"/>.</summary>
    MessageTooLarge = 2,
    /// <summary>More header fields than <see cref="SipLimits.MaxHeaderCount"/>.</summary>
    TooManyHeaders = 3,
    /// <summary>A header field (after unfolding) is longer than <see cref="SipLimits.MaxHeaderLineLength"/>.</summary>
    HeaderLineTooLong = 4,
    /// <summary>The start line is neither a Request-Line nor a Status-Line (RFC 3261 §7.1, §7.2).</summary>
    InvalidStartLine = 5,
    /// <summary>The method is not a token (RFC 3261 §25.1).</summary>
    InvalidMethod = 6,
    /// <summary>The Request-URI is malformed, enclosed in &lt;&gt;, contains LWS or carries headers (RFC 3261 §19.1.1, RFC 4475 §3.1.2.7–11).</summary>
    InvalidRequestUri = 7,
    /// <summary>The SIP-Version is malformed.</summary>
    InvalidVersion = 8,
    /// <summary>The SIP-Version is well formed but not 2.0: answer 505 (RFC 3261 §8.2.2... §21.5.7).</summary>
    UnsupportedVersion = 9,
    /// <summary>The Status-Code is not three digits in 100–699 (RFC 3261 §7.2).</summary>
    InvalidStatusCode = 10,
    /// <summary>The Reason-Phrase contains a control character.</summary>
    InvalidReasonPhrase = 11,
    /// <summary>A header field name is not a token.</summary>
    InvalidHeaderName = 12,
    /// <summary>A header line has no colon.</summary>
    MissingHeaderColon = 13,
    /// <summary>A line ends in a bare CR or contains a control character where none is allowed.</summary>
    InvalidLineEnding = 14,
    /// <summary>The header section has no terminating empty line.</summary>
    MissingEndOfHeaders = 15,
    /// <summary>A header value is malformed (generic; see the message text).</summary>
    InvalidHeaderValue = 16,
    /// <summary>A Via header value is malformed (RFC 3261 §20.42).</summary>
    InvalidVia = 17,
    /// <summary>A name-addr / addr-spec value (From, To, Contact, Route, ...) is malformed (RFC 3261 §20.10).</summary>
    InvalidNameAddr = 18,
    /// <summary>A URI is malformed (RFC 3261 §19.1, RFC 3966).</summary>
    InvalidUri = 19,
    /// <summary>A quoted string is not terminated.</summary>
    UnterminatedQuotedString = 20,
    /// <summary>A header or URI parameter is malformed (empty name, bad characters, dangling '=').</summary>
    InvalidParameter = 21,
    /// <summary>The CSeq value is malformed or its number exceeds 2^31-1 (RFC 3261 §8.1.1.5).</summary>
    InvalidCSeq = 22,
    /// <summary>The CSeq method differs from the request method (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17).</summary>
    CSeqMethodMismatch = 23,
    /// <summary>Max-Forwards is not an integer 0–255 (RFC 3261 §20.22).</summary>
    InvalidMaxForwards = 24,
    /// <summary>Content-Length is not a non-negative integer in range (RFC 3261 §20.14).</summary>
    InvalidContentLength = 25,
    /// <summary>Content-Length is larger than the bytes that were received (datagram) (RFC 3261 §18.3).</summary>
    ContentLengthExceedsBody = 26,
    /// <summary>A stream message has no Content-Length (RFC 3261 §18.3, §20.14).</summary>
    MissingContentLength = 27,
    /// <summary>An Expires value or expires parameter is not delta-seconds in range (RFC 3261 §20.19).</summary>
    InvalidExpires = 28,
    /// <summary>The Date header is not an RFC 1123 date in GMT (RFC 3261 §20.17).</summary>
    InvalidDate = 29,
    /// <summary>The Call-ID is not word ["@" word] (RFC 3261 §20.8).</summary>
    InvalidCallId = 30,
    /// <summary>A numeric header (Retry-After, RSeq, Min-Expires...) is malformed or overlarge.</summary>
    InvalidNumber = 31,
    /// <summary>A Content-Type media type is malformed (RFC 3261 §20.15).</summary>
    InvalidContentType = 32,
    /// <summary>A multipart body does not follow its boundary (RFC 2046 §5.1, RFC 5621).</summary>
    InvalidMultipart = 33,
}

/// <summary>The outcome of parsing: an error code, the byte offset it refers to and a human-readable description.</summary>
public readonly struct SipParseResult : IEquatable<SipParseResult>
{
    /// <summary>Creates a result.</summary>
    public SipParseResult(SipParseError error, int offset, string? detail = null)
    {
        Error = error;
        Offset = offset;
        Detail = detail;
    }

    /// <summary>A successful result.</summary>
    public static SipParseResult Success => default;

    /// <summary>The error code; <see cref="SipParseError.None"/> on success.</summary>
    public SipParseError Error { get; }

    /// <summary>Byte offset from the start of the message where the problem was found.</summary>
    public int Offset { get; }

    /// <summary>Optional extra detail (for example the header name).</summary>
    public string? Detail { get; }

    /// <summary>True when the message was accepted.</summary>
    public bool IsSuccess => Error == SipParseError.None;

    /// <summary>A one-line description: what went wrong and where.</summary>
    public string Message => Error == SipParseError.None
        ? "ok"
        : Detail is null
            ? $"{SipParseErrors.Describe(Error)} at byte {Offset}"
            : $"{SipParseErrors.Describe(Error)} ({Detail}) at byte {Offset}";

    /// <summary>The SIP status a server should answer a request rejected with this error (RFC 3261 §8.2, §21).</summary>
    public int SuggestedStatusCode => SipParseErrors.StatusFor(Error);

    /// <inheritdoc />
    public bool Equals(SipParseResult other) => Error == other.Error && Offset == other.Offset;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SipParseResult r && Equals(r);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Error, Offset);

    /// <inheritdoc />
    public override string ToString() => Message;

    /// <summary>Equality.</summary>
    public static bool operator ==(SipParseResult left, SipParseResult right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(SipParseResult left, SipParseResult right) => !left.Equals(right);
}

/// <summary>Descriptions and status codes of <see cref="SipParseError"/> values.</summary>
public static class SipParseErrors
{
    /// <summary>The stable kebab-case code of an error, as printed by <c>rcs parse</c>.</summary>
    public static string Code(SipParseError error) => error switch
    {
        SipParseError.None => "none",
        SipParseError.Incomplete => "incomplete",
        SipParseError.MessageTooLarge => "message-too-large",
        SipParseError.TooManyHeaders => "too-many-headers",
        SipParseError.HeaderLineTooLong => "header-line-too-long",
        SipParseError.InvalidStartLine => "invalid-start-line",
        SipParseError.InvalidMethod => "invalid-method",
        SipParseError.InvalidRequestUri => "invalid-request-uri",
        SipParseError.InvalidVersion => "invalid-version",
        SipParseError.UnsupportedVersion => "unsupported-version",
        SipParseError.InvalidStatusCode => "invalid-status-code",
        SipParseError.InvalidReasonPhrase => "invalid-reason-phrase",
        SipParseError.InvalidHeaderName => "invalid-header-name",
        SipParseError.MissingHeaderColon => "missing-header-colon",
        SipParseError.InvalidLineEnding => "invalid-line-ending",
        SipParseError.MissingEndOfHeaders => "missing-end-of-headers",
        SipParseError.InvalidHeaderValue => "invalid-header-value",
        SipParseError.InvalidVia => "invalid-via",
        SipParseError.InvalidNameAddr => "invalid-name-addr",
        SipParseError.InvalidUri => "invalid-uri",
        SipParseError.UnterminatedQuotedString => "unterminated-quoted-string",
        SipParseError.InvalidParameter => "invalid-parameter",
        SipParseError.InvalidCSeq => "invalid-cseq",
        SipParseError.CSeqMethodMismatch => "cseq-method-mismatch",
        SipParseError.InvalidMaxForwards => "invalid-max-forwards",
        SipParseError.InvalidContentLength => "invalid-content-length",
        SipParseError.ContentLengthExceedsBody => "content-length-exceeds-body",
        SipParseError.MissingContentLength => "missing-content-length",
        SipParseError.InvalidExpires => "invalid-expires",
        SipParseError.InvalidDate => "invalid-date",
        SipParseError.InvalidCallId => "invalid-call-id",
        SipParseError.InvalidNumber => "invalid-number",
        SipParseError.InvalidContentType => "invalid-content-type",
        SipParseError.InvalidMultipart => "invalid-multipart",
        _ => "unknown",
    };

    /// <summary>A short English description of an error.</summary>
    public static string Describe(SipParseError error) => error switch
    {
        SipParseError.None => "ok",
        SipParseError.Incomplete => "message is incomplete",
        SipParseError.MessageTooLarge => "message exceeds the size limit",
        SipParseError.TooManyHeaders => "too many header fields",
        SipParseError.HeaderLineTooLong => "header field exceeds the line length limit",
        SipParseError.InvalidStartLine => "start line is neither a Request-Line nor a Status-Line",
        SipParseError.InvalidMethod => "method is not a token",
        SipParseError.InvalidRequestUri => "Request-URI is malformed",
        SipParseError.InvalidVersion => "SIP-Version is malformed",
        SipParseError.UnsupportedVersion => "SIP-Version is not SIP/2.0",
        SipParseError.InvalidStatusCode => "Status-Code is not 100-699",
        SipParseError.InvalidReasonPhrase => "Reason-Phrase contains a control character",
        SipParseError.InvalidHeaderName => "header name is not a token",
        SipParseError.MissingHeaderColon => "header line has no colon",
        SipParseError.InvalidLineEnding => "bare CR or control character in the header section",
        SipParseError.MissingEndOfHeaders => "header section has no terminating empty line",
        SipParseError.InvalidHeaderValue => "header value is malformed",
        SipParseError.InvalidVia => "Via is malformed",
        SipParseError.InvalidNameAddr => "name-addr/addr-spec is malformed",
        SipParseError.InvalidUri => "URI is malformed",
        SipParseError.UnterminatedQuotedString => "quoted string is not terminated",
        SipParseError.InvalidParameter => "parameter is malformed",
        SipParseError.InvalidCSeq => "CSeq is malformed or out of range",
        SipParseError.CSeqMethodMismatch => "CSeq method differs from the request method",
        SipParseError.InvalidMaxForwards => "Max-Forwards is not 0-255",
        SipParseError.InvalidContentLength => "Content-Length is malformed or out of range",
        SipParseError.ContentLengthExceedsBody => "Content-Length exceeds the received body",
        SipParseError.MissingContentLength => "Content-Length is required on stream transports",
        SipParseError.InvalidExpires => "expires value is malformed or out of range",
        SipParseError.InvalidDate => "Date is not an RFC 1123 GMT date",
        SipParseError.InvalidCallId => "Call-ID is malformed",
        SipParseError.InvalidNumber => "numeric value is malformed or out of range",
        SipParseError.InvalidContentType => "Content-Type is malformed",
        SipParseError.InvalidMultipart => "multipart body is malformed",
        _ => "unknown error",
    };

    /// <summary>The status code to answer a request that failed with <paramref name="error"/>.</summary>
    public static int StatusFor(SipParseError error) => error switch
    {
        SipParseError.None => 200,
        SipParseError.UnsupportedVersion => 505,
        SipParseError.MessageTooLarge => 513,
        // RFC 3261 §21.5.13: the message exceeds what this element accepts (494 would mean sec-agree, RFC 3329).
        SipParseError.HeaderLineTooLong => 513,
        SipParseError.TooManyHeaders => 513,
        SipParseError.InvalidRequestUri => 400,
        _ => 400,
    };
}
