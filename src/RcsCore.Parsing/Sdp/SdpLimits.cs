namespace RcsCore.Parsing.Sdp;

/// <summary>
/// Bounds applied before and while parsing an SDP body so that hostile input cannot make the parser
/// work or allocate without limit.
/// </summary>
public sealed class SdpLimits
{
    private readonly int _maxLines = 1024;
    private readonly int _maxLineLength = 4096;

    /// <summary>The limits used when none are given: 1024 lines of at most 4096 bytes each.</summary>
    public static SdpLimits Default { get; } = new();

    /// <summary>The maximum number of lines; more gives <see cref="SdpParseError.TooManyLines"/>. Default 1024.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxLines
    {
        get => _maxLines;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxLines = value;
        }
    }

    /// <summary>
    /// The maximum length of one line in bytes, excluding its terminator; longer gives
    /// <see cref="SdpParseError.LineTooLong"/>. Default 4096.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 2 (the shortest line is <c>x=</c>).</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            _maxLineLength = value;
        }
    }
}
