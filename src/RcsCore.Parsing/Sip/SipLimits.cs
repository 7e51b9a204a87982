namespace RcsCore.Parsing.Sip;

/// <summary>
/// Bounds applied before and during parsing so that hostile input can never make the reader buffer
/// without limit. Exceeding a bound is an error, never a reason to read on.
/// </summary>
public sealed record SipLimits
{
    /// <summary>The defaults: 64 KiB messages, 256 header fields, 8 KiB per header field.</summary>
    public static SipLimits Default { get; } = new();

    /// <summary>Largest accepted message (start line + headers + body), in bytes.</summary>
    public int MaxMessageSize { get; init; } = 64 * 1024;

    /// <summary>Largest accepted header section (start line + headers + blank line), in bytes.</summary>
    public int MaxHeaderSectionSize { get; init; } = 32 * 1024;

    /// <summary>Most header fields accepted in one message.</summary>
    public int MaxHeaderCount { get; init; } = 256;

    /// <summary>Longest header field (name, colon and folded value), in bytes.</summary>
    public int MaxHeaderLineLength { get; init; } = 8 * 1024;
}
