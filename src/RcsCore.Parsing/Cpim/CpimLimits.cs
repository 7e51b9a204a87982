namespace RcsCore.Parsing.Cpim;

/// <summary>
/// Bounds applied before and while reading a <c>message/cpim</c> object so that hostile input cannot make the reader
/// work or allocate without limit.
/// </summary>
public sealed class CpimLimits
{
    private readonly int _maxMessageSize = 16 * 1024 * 1024;
    private readonly int _maxLineLength = 8192;
    private readonly int _maxHeaderCount = 128;

    /// <summary>The limits used when none are given: 16 MiB, lines of 8192 bytes, 128 headers.</summary>
    public static CpimLimits Default { get; } = new();

    /// <summary>
    /// The largest input accepted, headers and content, in bytes; larger gives <see cref="CpimParseError.MessageTooLarge"/>
    /// before anything is read. Default 16 MiB.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxMessageSize
    {
        get => _maxMessageSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxMessageSize = value;
        }
    }

    /// <summary>
    /// The longest header in bytes (a folded MIME header counts all its lines), excluding the final line terminator;
    /// longer gives <see cref="CpimParseError.LineTooLong"/>. Default 8192.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 4.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 4);
            _maxLineLength = value;
        }
    }

    /// <summary>
    /// The most headers in all sections together; more gives <see cref="CpimParseError.TooManyHeaders"/>. Default 128.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxHeaderCount
    {
        get => _maxHeaderCount;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxHeaderCount = value;
        }
    }
}
