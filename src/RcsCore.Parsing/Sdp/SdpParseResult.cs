namespace RcsCore.Parsing.Sdp;

/// <summary>
/// The outcome of parsing an SDP body: an error code, the byte offset where it was found and a fixed message.
/// Bad input is reported here, never by an exception.
/// </summary>
public readonly struct SdpParseResult
{
    private readonly string? _message;

    /// <summary>Creates a result.</summary>
    /// <param name="error">The error code, <see cref="SdpParseError.None"/> for success.</param>
    /// <param name="offset">Byte offset into the input where the problem starts.</param>
    /// <param name="message">A short, constant description of the problem.</param>
    public SdpParseResult(SdpParseError error, int offset, string message)
    {
        Error = error;
        Offset = offset;
        _message = message;
    }

    /// <summary>A successful result.</summary>
    public static SdpParseResult Success => default;

    /// <summary>The error code; <see cref="SdpParseError.None"/> on success.</summary>
    public SdpParseError Error { get; }

    /// <summary>Byte offset into the input of the offending line (or of the end of input for a missing line).</summary>
    public int Offset { get; }

    /// <summary>A short, constant description of the problem; empty on success.</summary>
    public string Message => _message ?? string.Empty;

    /// <summary>True when <see cref="Error"/> is <see cref="SdpParseError.None"/>.</summary>
    public bool IsSuccess => Error == SdpParseError.None;

    /// <summary>Returns <c>Error at Offset: Message</c>, for diagnostics.</summary>
    /// <returns>A human-readable description.</returns>
    public override string ToString() => IsSuccess
        ? "None"
        : string.Concat(Error.ToString(), " at ", Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), ": ", Message);
}
