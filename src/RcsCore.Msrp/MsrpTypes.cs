using RcsCore.Parsing.Msrp;

namespace RcsCore.Msrp;

/// <summary>MSRP status codes (RFC 4975 §10, RFC 4976 §5) and their reason phrases.</summary>
public static class MsrpStatus
{
    /// <summary>200 OK.</summary>
    public const int Ok = 200;
    /// <summary>400 Bad Request (RFC 4975 §10.2).</summary>
    public const int BadRequest = 400;
    /// <summary>401 Unauthorized (RFC 4976 §5.1).</summary>
    public const int Unauthorized = 401;
    /// <summary>403 Forbidden (RFC 4975 §10.3).</summary>
    public const int Forbidden = 403;
    /// <summary>408 Request Timeout (RFC 4975 §10.4): generated locally when a transaction gets no response.</summary>
    public const int RequestTimeout = 408;
    /// <summary>413 Request Entity Too Large (RFC 4975 §10.5): the receiver wants the sender to stop the message.</summary>
    public const int TooLarge = 413;
    /// <summary>415 Unsupported Media Type (RFC 4975 §10.6).</summary>
    public const int UnsupportedMediaType = 415;
    /// <summary>423 Interval Out-of-Bounds (RFC 4976 §5.1): the AUTH Expires is outside Min-/Max-Expires.</summary>
    public const int IntervalOutOfBounds = 423;
    /// <summary>481 Session Does Not Exist (RFC 4975 §10.7).</summary>
    public const int SessionDoesNotExist = 481;
    /// <summary>501 Not Implemented (RFC 4975 §10.8): unknown method.</summary>
    public const int NotImplemented = 501;
    /// <summary>506 Wrong Connection (RFC 4975 §10.9): the session is bound to another connection.</summary>
    public const int WrongConnection = 506;

    /// <summary>The reason phrase written after a status code.</summary>
    public static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        408 => "Request Timeout",
        413 => "Too Large",
        415 => "Unsupported Media Type",
        423 => "Interval Out-of-Bounds",
        481 => "Session Does Not Exist",
        501 => "Not Implemented",
        506 => "Wrong Connection",
        _ => "Status",
    };
}

/// <summary>
/// What reports a sender asks for (RFC 4975 §7.1.2): <see cref="SuccessReport"/> requests a REPORT after the
/// receiver has the whole message; <see cref="FailureReport"/> says which transaction responses and failure
/// REPORTs the sender wants (yes: all; partial: only failures; no: none).
/// </summary>
/// <param name="SuccessReport">True writes <c>Success-Report: yes</c>.</param>
/// <param name="FailureReport">The Failure-Report value; <see cref="MsrpReportMode.Default"/> omits the header (same as yes).</param>
public readonly record struct MsrpReportPolicy(bool SuccessReport, MsrpReportMode FailureReport)
{
    /// <summary>No Success-Report, default Failure-Report (yes): each chunk gets a 200 or an error response.</summary>
    public static MsrpReportPolicy Default => default;

    /// <summary>Success-Report yes and Failure-Report yes.</summary>
    public static MsrpReportPolicy Full => new(true, MsrpReportMode.Yes);
}

/// <summary>How a send ended.</summary>
public enum MsrpSendOutcome : byte
{
    /// <summary>Every chunk was accepted (200) or, with Failure-Report no/partial, written without error.</summary>
    Sent = 1,
    /// <summary>A success REPORT confirmed delivery of all bytes (RFC 4975 §7.1.2).</summary>
    Delivered = 2,
    /// <summary>A chunk was rejected, a failure REPORT arrived, a transaction timed out or the connection failed.</summary>
    Failed = 3,
}

/// <summary>The result of <see cref="MsrpSession.SendAsync(ReadOnlyMemory{byte}, string, MsrpReportPolicy, IProgress{long}?, CancellationToken)"/>.</summary>
/// <param name="MessageId">The Message-ID used (keep it to resume the message).</param>
/// <param name="Outcome">How the send ended.</param>
/// <param name="StatusCode">200 on success; the error response or REPORT status otherwise (408 for a timeout).</param>
/// <param name="BytesSent">Body bytes written, counted from the start of the message (resume offset included).</param>
/// <param name="Reason">A short description of a failure, or null.</param>
public sealed record MsrpSendResult(string MessageId, MsrpSendOutcome Outcome, int StatusCode, long BytesSent, string? Reason = null)
{
    /// <summary>True unless <see cref="Outcome"/> is <see cref="MsrpSendOutcome.Failed"/>.</summary>
    public bool IsSuccess => Outcome != MsrpSendOutcome.Failed;
}

/// <summary>Options of one send beyond the content and content type.</summary>
public sealed record MsrpSendOptions
{
    /// <summary>The reports to request.</summary>
    public MsrpReportPolicy Reports { get; init; }

    /// <summary>
    /// A fixed chunk size in bytes for this send; null uses <see cref="MsrpEndpointOptions.ChunkSize"/>, growing up to
    /// <see cref="MsrpEndpointOptions.MaxChunkSize"/> while the connection is otherwise idle.
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// The Message-ID; null generates one. Pass the id of an interrupted message together with
    /// <see cref="StartOffset"/> to resume it (RFC 4975 §7.1.1, RFC 5547 a=file-range).
    /// </summary>
    public string? MessageId { get; init; }

    /// <summary>0-based offset of the first byte of the content within the whole message (resume); 0 by default.</summary>
    public long StartOffset { get; init; }

    /// <summary>
    /// Size of the whole message in bytes, or -1 when unknown (written as <c>*</c>, RFC 4975 §7.1.1). Null takes the
    /// length of a memory or seekable stream content (plus <see cref="StartOffset"/>), else -1.
    /// </summary>
    public long? TotalSize { get; init; }

    /// <summary>Receives the number of body bytes sent so far (from the start of the message).</summary>
    public IProgress<long>? Progress { get; init; }
}
