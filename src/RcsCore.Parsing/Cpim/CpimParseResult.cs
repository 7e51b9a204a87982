namespace RcsCore.Parsing.Cpim;

/// <summary>
/// The outcome of reading a <c>message/cpim</c> object: an error code, the byte offset where it was found and a fixed
/// message. Bad input is reported here, never by an exception.
/// </summary>
public readonly struct CpimParseResult : IEquatable<CpimParseResult>
{
    private readonly string? _message;

    /// <summary>Creates a result.</summary>
    /// <param name="error">The error code, <see cref="CpimParseError.None"/> for success.</param>
    /// <param name="offset">Byte offset into the input where the problem starts.</param>
    /// <param name="message">A short, constant description of the problem.</param>
    public CpimParseResult(CpimParseError error, int offset, string message)
    {
        Error = error;
        Offset = offset;
        _message = message;
    }

    /// <summary>A successful result.</summary>
    public static CpimParseResult Success => default;

    /// <summary>The error code; <see cref="CpimParseError.None"/> on success.</summary>
    public CpimParseError Error { get; }

    /// <summary>Byte offset into the input of the offending line (or of the end of input).</summary>
    public int Offset { get; }

    /// <summary>A short, constant description of the problem; empty on success.</summary>
    public string Message => _message ?? string.Empty;

    /// <summary>True when <see cref="Error"/> is <see cref="CpimParseError.None"/>.</summary>
    public bool IsSuccess => Error == CpimParseError.None;

    /// <summary>Compares two results by error and offset.</summary>
    public static bool operator ==(CpimParseResult left, CpimParseResult right) => left.Equals(right);

    /// <summary>Compares two results by error and offset.</summary>
    public static bool operator !=(CpimParseResult left, CpimParseResult right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(CpimParseResult other) => Error == other.Error && Offset == other.Offset;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CpimParseResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Error, Offset);

    /// <summary>Returns <c>Error at Offset: Message</c>, for diagnostics.</summary>
    /// <returns>A human-readable description.</returns>
    public override string ToString() => IsSuccess
        ? "None"
        : string.Concat(Error.ToString(), " at ", Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), ": ", Message);
}
