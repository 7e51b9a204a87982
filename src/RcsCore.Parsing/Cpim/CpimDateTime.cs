using System.Globalization;

namespace RcsCore.Parsing.Cpim;

/// <summary>
/// The RFC 3339 §5.6 date-time of the CPIM DateTime header (RFC 3862 §4.4) and of the IMDN <c>datetime</c> element
/// (RFC 5438 §9): <c>2000-12-13T13:40:00-08:00</c>, <c>2008-04-04T12:16:49.123Z</c>.
/// </summary>
public static class CpimDateTime
{
    /// <summary>
    /// Formats <paramref name="value"/> as RFC 3339: seconds always, a fraction only when non-zero (up to 7 digits,
    /// trailing zeros dropped), <c>Z</c> for a zero offset, else <c>±hh:mm</c>.
    /// </summary>
    /// <param name="value">The instant with its offset.</param>
    /// <returns>The text.</returns>
    public static string Format(DateTimeOffset value)
    {
        string text = value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        return value.Offset == TimeSpan.Zero
            ? text + "Z"
            : text + value.ToString("zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>Parses an RFC 3339 §5.6 date-time; false for anything else, including impossible dates.</summary>
    /// <param name="text">The text, e.g. <c>2006-04-04T12:16:49-05:00</c>; surrounding whitespace is ignored.</param>
    /// <param name="value">The instant with its offset.</param>
    /// <returns>True when the text is a date-time.</returns>
    /// <remarks>
    /// Lower-case <c>t</c> and <c>z</c> are accepted (RFC 3339 §5.6 NOTE); fractions beyond 7 digits are truncated to
    /// .NET ticks; a leap second (<c>:60</c>) and offsets beyond ±14:00 are rejected, as <see cref="DateTimeOffset"/>
    /// cannot hold them.
    /// </remarks>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        ReadOnlySpan<char> s = text.Trim();

        // full-date "T" partial-time: 2000-12-13T13:40:00 is 19 characters, then [.frac] and Z / ±hh:mm.
        if (s.Length < 20
            || s[4] != '-' || s[7] != '-' || (s[10] is not ('T' or 't')) || s[13] != ':' || s[16] != ':'
            || !TryDigits(s[0..4], out int year) || !TryDigits(s[5..7], out int month) || !TryDigits(s[8..10], out int day)
            || !TryDigits(s[11..13], out int hour) || !TryDigits(s[14..16], out int minute) || !TryDigits(s[17..19], out int second))
        {
            return false;
        }

        int i = 19;
        long fractionTicks = 0;
        if (s[i] == '.')
        {
            i++;
            int digits = 0;
            long scale = TimeSpan.TicksPerSecond;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                if (digits < 7)
                {
                    scale /= 10;
                    fractionTicks += (s[i] - '0') * scale;
                }

                digits++;
                i++;
            }

            if (digits == 0)
            {
                return false;
            }
        }

        if (i >= s.Length)
        {
            return false;
        }

        TimeSpan offset;
        ReadOnlySpan<char> zone = s[i..];
        if (zone is "Z" or "z")
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 6 && zone[0] is '+' or '-' && zone[3] == ':'
            && TryDigits(zone[1..3], out int oh) && TryDigits(zone[4..6], out int om) && oh <= 14 && om <= 59)
        {
            offset = new TimeSpan(oh, om, 0);
            if (zone[0] == '-')
            {
                offset = offset.Negate();
            }

            if (offset.Duration() > TimeSpan.FromHours(14))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fractionTicks);

        // DateTimeOffset needs the UTC instant inside DateTime's range too.
        long utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(local, offset);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
