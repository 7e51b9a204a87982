namespace RcsCore.Parsing.Msrp;

/// <summary>
/// Bounds applied before and during parsing so that hostile input can never make a reader buffer without limit.
/// Exceeding a bound is an error, never a reason to read on. The header section is bounded here; the body is never
/// buffered by <see cref="MsrpFrameReader"/>, so <see cref="MaxBodySize"/> bounds what a session accepts, not memory.
/// </summary>
public sealed record MsrpLimits
{
    /// <summary>Largest transaction id the readers can hold (the inline buffer of <see cref="MsrpFrameReader"/>).</summary>
    public const int TransactionIdCapacity = 64;

    /// <summary>The defaults: 1 KiB start line, 8 KiB header lines, 64 headers, 16 KiB header section, 32-byte ids.</summary>
    public static MsrpLimits Default { get; } = new();

    /// <summary>Longest start line (without CRLF), in bytes.</summary>
    public int MaxStartLineLength { get; init; } = 1024;

    /// <summary>Longest header line (name, colon and value, without CRLF), in bytes.</summary>
    public int MaxHeaderLineLength { get; init; } = 8 * 1024;

    /// <summary>Most header fields accepted in one message.</summary>
    public int MaxHeaderCount { get; init; } = 64;

    /// <summary>Largest header section: start line, headers and the line that ends them (blank line or end-line).</summary>
    public int MaxHeaderSectionSize { get; init; } = 16 * 1024;

    /// <summary>
    /// Longest transaction id. RFC 4975 §9: ident = ALPHANUM 3*31ident-char, so 32; at most
    /// <see cref="TransactionIdCapacity"/>. It also bounds the bytes the frame reader holds back at the end of a body.
    /// </summary>
    public int MaxTransactionIdLength { get; init; } = 32;

    /// <summary>
    /// Largest body of one message (chunk). The frame reader streams bodies without buffering them, so the default
    /// is unlimited; a session sets it from its a=max-size (RFC 4975 §8.6) or storage policy.
    /// </summary>
    public long MaxBodySize { get; init; } = long.MaxValue;

    /// <summary>Bytes of a body the frame reader may hold back while it waits to see whether they start the end-line.</summary>
    public int EndLineWindow => 2 + 7 + MaxTransactionIdLength + 1 + 2;

    internal void Validate()
    {
        if (MaxTransactionIdLength is < 1 or > TransactionIdCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTransactionIdLength), MaxTransactionIdLength, $"must be 1-{TransactionIdCapacity}");
        }
        if (MaxStartLineLength < 16 || MaxHeaderLineLength < 16 || MaxHeaderCount < 2 || MaxHeaderSectionSize < 64 || MaxBodySize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MsrpLimits), "limits are too small to hold any MSRP message");
        }
    }
}
