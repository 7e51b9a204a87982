using System.Buffers.Text;
using System.Globalization;

namespace RcsCore.Parsing.Msrp;

/// <summary>
/// A Byte-Range value (RFC 4975 §7.1.1, §9): <c>range-start "-" range-end "/" total</c>, 1-based and inclusive,
/// where range-end and total may be <c>*</c> (unknown, stored as -1).
/// </summary>
public readonly record struct MsrpByteRange
{
    /// <summary>Creates a range; pass -1 for an unknown end or total.</summary>
    public MsrpByteRange(long start, long end, long total)
    {
        if (start < 1 || end < -1 || total < -1 || (end >= 0 && end < start - 1) || (total >= 0 && ((end >= 0 && end > total) || start > total + 1)))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"{start}-{end}/{total} is not a valid Byte-Range");
        }
        Start = start;
        End = end;
        Total = total;
    }

    /// <summary>First byte of the chunk in the whole message, 1-based.</summary>
    public long Start { get; }

    /// <summary>Last byte of the chunk, 1-based and inclusive; -1 when <c>*</c>.</summary>
    public long End { get; }

    /// <summary>Size of the whole message; -1 when <c>*</c>.</summary>
    public long Total { get; }

    /// <summary>True when range-end is a number.</summary>
    public bool IsEndKnown => End >= 0;

    /// <summary>True when total is a number.</summary>
    public bool IsTotalKnown => Total >= 0;

    /// <summary>Bytes the range says the chunk holds, or -1 when the end is unknown.</summary>
    public long Length => End >= 0 ? End - Start + 1 : -1;

    /// <summary>
    /// The range of a chunk of <paramref name="length"/> bytes at 0-based <paramref name="offset"/> of a message of
    /// <paramref name="total"/> bytes (-1 when unknown). <paramref name="endKnown"/> false writes range-end as <c>*</c>
    /// (RFC 4975 §7.1.1: a sender that may interrupt the chunk does not know where it ends).
    /// </summary>
    public static MsrpByteRange ForChunk(long offset, long length, long total, bool endKnown = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new MsrpByteRange(offset + 1, endKnown ? offset + length : -1, total);
    }

    /// <summary>Parses a Byte-Range value; false when malformed or contradictory.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out MsrpByteRange range)
    {
        range = default;
        int dash = value.IndexOf((byte)'-');
        int slash = value.IndexOf((byte)'/');
        if (dash <= 0 || slash < dash + 2 || slash == value.Length - 1)
        {
            return false;
        }
        if (!MsrpChars.TryParseDecimal(value[..dash], long.MaxValue, out long start) || start < 1)
        {
            return false;
        }
        if (!TryParseStarOrNumber(value[(dash + 1)..slash], out long end) || !TryParseStarOrNumber(value[(slash + 1)..], out long total))
        {
            return false;
        }
        // RFC 4975 §7.1.1: range-end is the last byte of the chunk (start-1 for an empty chunk); both fit in total.
        if ((end >= 0 && end < start - 1) || (total >= 0 && ((end >= 0 && end > total) || start > total + 1)))
        {
            return false;
        }
        range = new MsrpByteRange(start, end, total);
        return true;
    }

    private static bool TryParseStarOrNumber(ReadOnlySpan<byte> s, out long value)
    {
        if (s.Length == 1 && s[0] == (byte)'*')
        {
            value = -1;
            return true;
        }
        return MsrpChars.TryParseDecimal(s, long.MaxValue, out value);
    }

    /// <summary>Formats the value as written on the wire (<c>1-2048/*</c>).</summary>
    public bool TryFormat(Span<byte> destination, out int written)
    {
        written = 0;
        if (!Utf8Formatter.TryFormat(Start, destination, out int n) || n >= destination.Length)
        {
            return false;
        }
        destination[n++] = (byte)'-';
        if (!Part(End, destination, ref n) || n >= destination.Length)
        {
            return false;
        }
        destination[n++] = (byte)'/';
        if (!Part(Total, destination, ref n))
        {
            return false;
        }
        written = n;
        return true;

        static bool Part(long v, Span<byte> d, ref int n)
        {
            if (v < 0)
            {
                if (n >= d.Length)
                {
                    return false;
                }
                d[n++] = (byte)'*';
                return true;
            }
            if (!Utf8Formatter.TryFormat(v, d[n..], out int w))
            {
                return false;
            }
            n += w;
            return true;
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Start}-{(End < 0 ? "*" : End.ToString(CultureInfo.InvariantCulture))}/{(Total < 0 ? "*" : Total.ToString(CultureInfo.InvariantCulture))}");
}

/// <summary>A Success-Report or Failure-Report value (RFC 4975 §7.1.2, §9).</summary>
public enum MsrpReportMode : byte
{
    /// <summary>Header absent: Success-Report defaults to no, Failure-Report to yes (RFC 4975 §7.1.2).</summary>
    Default = 0,
    /// <summary><c>no</c>.</summary>
    No = 1,
    /// <summary><c>yes</c>.</summary>
    Yes = 2,
    /// <summary><c>partial</c> (Failure-Report only: report failures, not the 200 responses).</summary>
    Partial = 3,
}

/// <summary>Allocation-free parsers for MSRP header values (RFC 4975 §9, RFC 4976 §9).</summary>
public static class MsrpValueParsers
{
    /// <summary>Largest Expires / Min-Expires / Max-Expires value accepted (2^32-1 seconds).</summary>
    public const long MaxExpires = uint.MaxValue;

    /// <summary>RFC 4975 §9: Success-Report = yes / no; Failure-Report = yes / no / partial (case-insensitive).</summary>
    public static bool TryParseReport(ReadOnlySpan<byte> value, bool allowPartial, out MsrpReportMode mode)
    {
        if (System.Text.Ascii.EqualsIgnoreCase(value, "yes"u8))
        {
            mode = MsrpReportMode.Yes;
            return true;
        }
        if (System.Text.Ascii.EqualsIgnoreCase(value, "no"u8))
        {
            mode = MsrpReportMode.No;
            return true;
        }
        if (allowPartial && System.Text.Ascii.EqualsIgnoreCase(value, "partial"u8))
        {
            mode = MsrpReportMode.Partial;
            return true;
        }
        mode = MsrpReportMode.Default;
        return false;
    }

    /// <summary>RFC 4975 §9: Status = namespace SP status-code [SP text-reason], namespace and code being 3DIGIT.</summary>
    public static bool TryParseStatus(ReadOnlySpan<byte> value, out int statusNamespace, out int statusCode, out ReadOnlySpan<byte> comment)
    {
        statusNamespace = statusCode = 0;
        comment = default;
        if (value.Length < 7 || value[3] != (byte)' ' || !TryThreeDigits(value[..3], out statusNamespace) || !TryThreeDigits(value.Slice(4, 3), out statusCode))
        {
            return false;
        }
        if (value.Length > 7)
        {
            if (value[7] != (byte)' ')
            {
                return false;
            }
            comment = value[8..];
            if (MsrpChars.FirstNonText(comment) >= 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 4976 §9: Expires / Min-Expires / Max-Expires = 1*DIGIT (seconds).</summary>
    public static bool TryParseExpires(ReadOnlySpan<byte> value, out long seconds) => MsrpChars.TryParseDecimal(value, MaxExpires, out seconds);

    /// <summary>
    /// RFC 4975 §9: ident = ALPHANUM 3*31ident-char (transaction ids and Message-ID). <paramref name="strict"/>
    /// enforces the 4–32 length; otherwise 1–32 is accepted, as readers do.
    /// </summary>
    public static bool IsIdent(ReadOnlySpan<byte> value, bool strict = false) => MsrpChars.IsIdent(value, strict ? 4 : 1, 32);

    internal static bool TryThreeDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (s.Length != 3 || !MsrpChars.IsDigit(s[0]) || !MsrpChars.IsDigit(s[1]) || !MsrpChars.IsDigit(s[2]))
        {
            return false;
        }
        value = ((s[0] - '0') * 100) + ((s[1] - '0') * 10) + (s[2] - '0');
        return true;
    }
}
