namespace RcsCore.Parsing.Cpim;

/// <summary>
/// Why a <c>message/cpim</c> object (RFC 3862) was rejected. The numeric values are stable and may be logged or persisted.
/// </summary>
public enum CpimParseError
{
    /// <summary>No error: the input parsed.</summary>
    None = 0,

    /// <summary>The input was empty.</summary>
    EmptyInput = 1,

    /// <summary>The input is longer than <see cref="CpimLimits.MaxMessageSize"/>.</summary>
    MessageTooLarge = 2,

    /// <summary>A header line is longer than <see cref="CpimLimits.MaxLineLength"/>.</summary>
    LineTooLong = 3,

    /// <summary>There are more headers than <see cref="CpimLimits.MaxHeaderCount"/>.</summary>
    TooManyHeaders = 4,

    /// <summary>
    /// A header line has no colon, holds a NUL or a bare CR, or starts with whitespace where folding is not allowed
    /// (RFC 3862 §3.1: message headers are single lines).
    /// </summary>
    InvalidLine = 5,

    /// <summary>A header name is empty or holds characters outside RFC 3862 §3.4 NAMECHAR (or, for MIME headers, RFC 5322 ftext).</summary>
    InvalidHeaderName = 6,

    /// <summary>A <c>;name=value</c> parameter after the colon of a message header is malformed (RFC 3862 §3.4).</summary>
    InvalidParameter = 7,

    /// <summary>A message header value holds a control character or is not UTF-8 (RFC 3862 §3.1, §3.2).</summary>
    InvalidHeaderValue = 8,

    /// <summary>The input ends inside a header section, before the blank line that ends it (RFC 3862 §2).</summary>
    UnterminatedHeaders = 9,

    /// <summary>A Content-Length of the encapsulated MIME object is not a decimal number, or two disagree.</summary>
    InvalidContentLength = 10,

    /// <summary>The content is shorter than its Content-Length.</summary>
    ContentTruncated = 11,

    /// <summary>A From, To or cc value is not <c>[Formal-name] &lt;URI&gt;</c> (RFC 3862 §4.1–§4.3).</summary>
    InvalidAddress = 12,

    /// <summary>A DateTime value is not an RFC 3339 date-time (RFC 3862 §4.4).</summary>
    InvalidDateTime = 13,

    /// <summary>An NS value is not <c>[Name-prefix] &lt;URI&gt;</c> (RFC 3862 §4.6).</summary>
    InvalidNamespace = 14,
}
