using System.Globalization;

namespace RcsCore.Parsing.Sdp;

/// <summary>An <c>a=file-range</c> value (RFC 5547 §6): the 1-based, inclusive byte range to transfer.</summary>
/// <param name="Start">The first byte, counting from 1.</param>
/// <param name="Stop">The last byte, or null for <c>*</c> (the size is not known).</param>
public sealed record SdpFileRange(long Start, long? Stop)
{
    /// <summary>Formats the value as <c>start-stop</c> or <c>start-*</c>.</summary>
    internal string Format() => Stop is { } stop
        ? string.Concat(Start.ToString(CultureInfo.InvariantCulture), "-", stop.ToString(CultureInfo.InvariantCulture))
        : string.Concat(Start.ToString(CultureInfo.InvariantCulture), "-*");

    /// <summary>RFC 5547 §6: file-range-attr = "file-range:" start-offset "-" stop-offset; stop may be "*".</summary>
    internal static SdpFileRange? Parse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        ReadOnlySpan<char> text = value.AsSpan().Trim(' ');
        int dash = text.IndexOf('-');
        if (dash <= 0 || !SdpText.TryParseDigits(text.Slice(0, dash), out long start))
        {
            return null;
        }

        ReadOnlySpan<char> stopText = text.Slice(dash + 1);
        if (stopText.SequenceEqual("*"))
        {
            return new SdpFileRange(start, null);
        }

        return SdpText.TryParseDigits(stopText, out long stop) ? new SdpFileRange(start, stop) : null;
    }
}
