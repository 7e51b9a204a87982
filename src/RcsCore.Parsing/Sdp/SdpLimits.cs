namespace RcsCore.Parsing.Sdp;

/// <summary>
/// Bounds applied before and while parsing an SDP body so that hostile input cannot make the parser
/// work or allocate without limit.
/// </summary>
public sealed class SdpLimits
{
    /// <summary>The limits used when none are given: 1024 lines of at most 4096 bytes each.</summary>
    public static SdpLimits Default { get; } = new();

    /// <summary>The maximum number of lines; more gives <see cref="SdpParseError.TooManyLines"/>. Default 1024.</summary>
    public int MaxLines { get; init; } = 1024;

    /// <summary>
    /// The maximum length of one line in bytes, excluding its terminator; longer gives
    /// <see cref="SdpParseError.LineTooLong"/>. Default 4096.
    /// </summary>
    public int MaxLineLength { get; init; } = 4096;
}
