using System.Text;

namespace RcsCore.Parsing.Sdp;

/// <summary>
/// An <c>a=file-date</c> value (RFC 5547 §6): creation, modification and read dates, each an RFC 5322
/// date-time. The text is kept as written; the <c>...Date</c> properties parse it on demand.
/// </summary>
/// <param name="Creation">The <c>creation:</c> date as written, without quotes.</param>
/// <param name="Modification">The <c>modification:</c> date as written, without quotes.</param>
/// <param name="Read">The <c>read:</c> date as written, without quotes.</param>
public sealed record SdpFileDate(string? Creation, string? Modification, string? Read)
{
    /// <summary><see cref="Creation"/> as a date, or null if absent or not a valid RFC 5322 date-time.</summary>
    public DateTimeOffset? CreationDate => Rfc5322Date.Parse(Creation);

    /// <summary><see cref="Modification"/> as a date, or null if absent or not a valid RFC 5322 date-time.</summary>
    public DateTimeOffset? ModificationDate => Rfc5322Date.Parse(Modification);

    /// <summary><see cref="Read"/> as a date, or null if absent or not a valid RFC 5322 date-time.</summary>
    public DateTimeOffset? ReadDate => Rfc5322Date.Parse(Read);

    /// <summary>Builds a value from dates, formatting each as an RFC 5322 date-time.</summary>
    /// <param name="creation">The creation date, or null.</param>
    /// <param name="modification">The modification date, or null.</param>
    /// <param name="read">The last read date, or null.</param>
    /// <returns>The file date.</returns>
    public static SdpFileDate FromDates(DateTimeOffset? creation, DateTimeOffset? modification = null, DateTimeOffset? read = null) =>
        new(
            creation is { } c ? Rfc5322Date.Format(c) : null,
            modification is { } m ? Rfc5322Date.Format(m) : null,
            read is { } r ? Rfc5322Date.Format(r) : null);

    /// <summary>Formats the value; null when no date is set.</summary>
    internal string? Format()
    {
        var sb = new StringBuilder();
        Append(sb, "creation:\"", Creation);
        Append(sb, "modification:\"", Modification);
        Append(sb, "read:\"", Read);
        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>
    /// RFC 5547 §6: file-date-attr = "file-date:" date-param *(SP date-param), each param a quoted date-time.
    /// Unknown params are skipped; returns null when a known one is not quoted or there are none.
    /// </summary>
    internal static SdpFileDate? Parse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        string? creation = null;
        string? modification = null;
        string? read = null;
        int position = 0;
        while (SdpText.NextItem(value, ref position, out ReadOnlySpan<char> item))
        {
            int colon = item.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<char> key = item.Slice(0, colon);
            ReadOnlySpan<char> quoted = item.Slice(colon + 1);
            bool known = key.Equals("creation", StringComparison.OrdinalIgnoreCase)
                || key.Equals("modification", StringComparison.OrdinalIgnoreCase)
                || key.Equals("read", StringComparison.OrdinalIgnoreCase);
            if (!known)
            {
                continue;
            }

            if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"' || quoted[1..^1].Contains('"'))
            {
                return null;
            }

            string date = quoted[1..^1].ToString();
            switch (key[0])
            {
                case 'c' or 'C':
                    creation ??= date;
                    break;
                case 'm' or 'M':
                    modification ??= date;
                    break;
                default:
                    read ??= date;
                    break;
            }
        }

        return creation is null && modification is null && read is null ? null : new SdpFileDate(creation, modification, read);
    }

    private static void Append(StringBuilder sb, string prefix, string? date)
    {
        if (date is null)
        {
            return;
        }

        if (sb.Length != 0)
        {
            sb.Append(' ');
        }

        sb.Append(prefix).Append(date).Append('"');
    }
}
