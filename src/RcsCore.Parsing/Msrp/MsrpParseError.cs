namespace RcsCore.Parsing.Msrp;

/// <summary>
/// Why an MSRP message was rejected. The numeric values are stable: they are printed by <c>rcs parse --msrp</c>,
/// stored in regression corpora and may be logged by hosts, so never renumber them.
/// </summary>
public enum MsrpParseError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The input ended before the message did (stream framing: wait for more bytes).</summary>
    Incomplete = 1,
    /// <summary>The start line is longer than <see cref="MsrpLimits.MaxStartLineLength"/>.</summary>
    StartLineTooLong = 2,
    /// <summary>A header line is longer than <see cref="MsrpLimits.MaxHeaderLineLength"/>.</summary>
    HeaderLineTooLong = 3,
    /// <summary>More header fields than <see cref="MsrpLimits.MaxHeaderCount"/>.</summary>
    TooManyHeaders = 4,
    /// <summary>The start line and headers exceed <see cref="MsrpLimits.MaxHeaderSectionSize"/>.</summary>
    HeaderSectionTooLarge = 5,
    /// <summary>The body exceeds <see cref="MsrpLimits.MaxBodySize"/>.</summary>
    BodyTooLarge = 6,
    /// <summary>The start line is not <c>MSRP SP transact-id SP method</c> or <c>MSRP SP transact-id SP status-code [SP comment]</c> (RFC 4975 §9).</summary>
    InvalidStartLine = 7,
    /// <summary>The transaction id is not an ident or is longer than <see cref="MsrpLimits.MaxTransactionIdLength"/> (RFC 4975 §9).</summary>
    InvalidTransactionId = 8,
    /// <summary>The method is not 1*UPALPHA (RFC 4975 §9).</summary>
    InvalidMethod = 9,
    /// <summary>The status code is not three digits (RFC 4975 §9).</summary>
    InvalidStatusCode = 10,
    /// <summary>The response comment contains a control character (utf8text, RFC 4975 §9).</summary>
    InvalidComment = 11,
    /// <summary>A header name is not ALPHA *token (RFC 4975 §9 hname).</summary>
    InvalidHeaderName = 12,
    /// <summary>A header line has no colon.</summary>
    MissingHeaderColon = 13,
    /// <summary>A line does not end in CRLF, or a bare CR / control character appears in the header section.</summary>
    InvalidLineEnding = 14,
    /// <summary>A header value is malformed (generic; see the detail).</summary>
    InvalidHeaderValue = 15,
    /// <summary>The end-line is not <c>-------</c> transact-id continuation-flag CRLF with the start line's id (RFC 4975 §7.1).</summary>
    InvalidEndLine = 16,
    /// <summary>The message has no To-Path header (RFC 4975 §7.1, §9).</summary>
    MissingToPath = 17,
    /// <summary>The message has no From-Path header (RFC 4975 §7.1, §9).</summary>
    MissingFromPath = 18,
    /// <summary>A header that may appear once appears twice (To-Path, From-Path, Message-ID, Byte-Range...).</summary>
    DuplicateHeader = 19,
    /// <summary>An MSRP URI in To-Path, From-Path or Use-Path is malformed (RFC 4975 §6, §9).</summary>
    InvalidUri = 20,
    /// <summary>The Message-ID is not an ident (RFC 4975 §9).</summary>
    InvalidMessageId = 21,
    /// <summary>Byte-Range is not range-start "-" range-end "/" total, or the numbers contradict each other (RFC 4975 §7.1.1, §9).</summary>
    InvalidByteRange = 22,
    /// <summary>Success-Report is not yes/no, or Failure-Report is not yes/no/partial (RFC 4975 §9).</summary>
    InvalidReportValue = 23,
    /// <summary>Status is not namespace SP status-code [SP comment] (RFC 4975 §9).</summary>
    InvalidStatus = 24,
    /// <summary>Content-Type is not a media-type (RFC 4975 §9).</summary>
    InvalidContentType = 25,
    /// <summary>Expires, Min-Expires or Max-Expires is not 1*DIGIT in range (RFC 4976 §5.1, §9).</summary>
    InvalidExpires = 26,
    /// <summary>A request has a body but no Content-Type (RFC 4975 §9 content-stuff).</summary>
    MissingContentType = 27,
    /// <summary>A response has a body; responses never carry one (RFC 4975 §7.2, §9 msrp-response).</summary>
    ResponseWithBody = 28,
}

/// <summary>The outcome of parsing: an error code, the byte offset it refers to and a human-readable description.</summary>
public readonly struct MsrpParseResult : IEquatable<MsrpParseResult>
{
    /// <summary>Creates a result.</summary>
    public MsrpParseResult(MsrpParseError error, long offset, string? detail = null)
    {
        Error = error;
        Offset = offset;
        Detail = detail;
    }

    /// <summary>A successful result.</summary>
    public static MsrpParseResult Success => default;

    /// <summary>The error code; <see cref="MsrpParseError.None"/> on success.</summary>
    public MsrpParseError Error { get; }

    /// <summary>Byte offset from the start of the message where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>Optional extra detail (for example the header name).</summary>
    public string? Detail { get; }

    /// <summary>True when the message was accepted.</summary>
    public bool IsSuccess => Error == MsrpParseError.None;

    /// <summary>A one-line description: what went wrong and where.</summary>
    public string Message => Error == MsrpParseError.None
        ? "ok"
        : Detail is null
            ? $"{MsrpParseErrors.Describe(Error)} at byte {Offset}"
            : $"{MsrpParseErrors.Describe(Error)} ({Detail}) at byte {Offset}";

    /// <summary>The MSRP status a receiver should answer a request rejected with this error (RFC 4975 §7.2, §10).</summary>
    public int SuggestedStatusCode => MsrpParseErrors.StatusFor(Error);

    /// <inheritdoc />
    public bool Equals(MsrpParseResult other) => Error == other.Error && Offset == other.Offset;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MsrpParseResult r && Equals(r);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Error, Offset);

    /// <inheritdoc />
    public override string ToString() => Message;

    /// <summary>Equality.</summary>
    public static bool operator ==(MsrpParseResult left, MsrpParseResult right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(MsrpParseResult left, MsrpParseResult right) => !left.Equals(right);
}

/// <summary>Codes, descriptions and status codes of <see cref="MsrpParseError"/> values.</summary>
public static class MsrpParseErrors
{
    /// <summary>The stable kebab-case code of an error, as printed by <c>rcs parse --msrp</c>.</summary>
    public static string Code(MsrpParseError error) => error switch
    {
        MsrpParseError.None => "none",
        MsrpParseError.Incomplete => "incomplete",
        MsrpParseError.StartLineTooLong => "start-line-too-long",
        MsrpParseError.HeaderLineTooLong => "header-line-too-long",
        MsrpParseError.TooManyHeaders => "too-many-headers",
        MsrpParseError.HeaderSectionTooLarge => "header-section-too-large",
        MsrpParseError.BodyTooLarge => "body-too-large",
        MsrpParseError.InvalidStartLine => "invalid-start-line",
        MsrpParseError.InvalidTransactionId => "invalid-transaction-id",
        MsrpParseError.InvalidMethod => "invalid-method",
        MsrpParseError.InvalidStatusCode => "invalid-status-code",
        MsrpParseError.InvalidComment => "invalid-comment",
        MsrpParseError.InvalidHeaderName => "invalid-header-name",
        MsrpParseError.MissingHeaderColon => "missing-header-colon",
        MsrpParseError.InvalidLineEnding => "invalid-line-ending",
        MsrpParseError.InvalidHeaderValue => "invalid-header-value",
        MsrpParseError.InvalidEndLine => "invalid-end-line",
        MsrpParseError.MissingToPath => "missing-to-path",
        MsrpParseError.MissingFromPath => "missing-from-path",
        MsrpParseError.DuplicateHeader => "duplicate-header",
        MsrpParseError.InvalidUri => "invalid-uri",
        MsrpParseError.InvalidMessageId => "invalid-message-id",
        MsrpParseError.InvalidByteRange => "invalid-byte-range",
        MsrpParseError.InvalidReportValue => "invalid-report-value",
        MsrpParseError.InvalidStatus => "invalid-status",
        MsrpParseError.InvalidContentType => "invalid-content-type",
        MsrpParseError.InvalidExpires => "invalid-expires",
        MsrpParseError.MissingContentType => "missing-content-type",
        MsrpParseError.ResponseWithBody => "response-with-body",
        _ => "unknown",
    };

    /// <summary>A short English description of an error.</summary>
    public static string Describe(MsrpParseError error) => error switch
    {
        MsrpParseError.None => "ok",
        MsrpParseError.Incomplete => "message is incomplete",
        MsrpParseError.StartLineTooLong => "start line exceeds the length limit",
        MsrpParseError.HeaderLineTooLong => "header line exceeds the length limit",
        MsrpParseError.TooManyHeaders => "too many header fields",
        MsrpParseError.HeaderSectionTooLarge => "header section exceeds the size limit",
        MsrpParseError.BodyTooLarge => "body exceeds the size limit",
        MsrpParseError.InvalidStartLine => "start line is not an MSRP request or response line",
        MsrpParseError.InvalidTransactionId => "transaction id is not an ident or too long",
        MsrpParseError.InvalidMethod => "method is not upper-case letters",
        MsrpParseError.InvalidStatusCode => "status code is not three digits",
        MsrpParseError.InvalidComment => "response comment contains a control character",
        MsrpParseError.InvalidHeaderName => "header name is malformed",
        MsrpParseError.MissingHeaderColon => "header line has no colon",
        MsrpParseError.InvalidLineEnding => "line does not end in CRLF or contains a control character",
        MsrpParseError.InvalidHeaderValue => "header value is malformed",
        MsrpParseError.InvalidEndLine => "end-line is malformed or does not match the transaction id",
        MsrpParseError.MissingToPath => "To-Path is missing",
        MsrpParseError.MissingFromPath => "From-Path is missing",
        MsrpParseError.DuplicateHeader => "header appears more than once",
        MsrpParseError.InvalidUri => "MSRP URI is malformed",
        MsrpParseError.InvalidMessageId => "Message-ID is not an ident",
        MsrpParseError.InvalidByteRange => "Byte-Range is malformed",
        MsrpParseError.InvalidReportValue => "Success-Report/Failure-Report value is invalid",
        MsrpParseError.InvalidStatus => "Status is malformed",
        MsrpParseError.InvalidContentType => "Content-Type is malformed",
        MsrpParseError.InvalidExpires => "expires value is malformed or out of range",
        MsrpParseError.MissingContentType => "request has a body but no Content-Type",
        MsrpParseError.ResponseWithBody => "response carries a body",
        _ => "unknown error",
    };

    /// <summary>
    /// The status to answer a request that failed with <paramref name="error"/>: 400 for a malformed request
    /// (RFC 4975 §10.2), 413 when the body is too large (RFC 4975 §10.5: the receiver wishes the sender to stop
    /// sending the message), 200 for none.
    /// </summary>
    public static int StatusFor(MsrpParseError error) => error switch
    {
        MsrpParseError.None => 200,
        MsrpParseError.BodyTooLarge => 413,
        _ => 400,
    };
}
