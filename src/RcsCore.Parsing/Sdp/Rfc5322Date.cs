using System.Globalization;

namespace RcsCore.Parsing.Sdp;

/// <summary>Parses and formats the RFC 5322 §3.3 date-time that RFC 5547 §6 uses in <c>a=file-date</c>.</summary>
internal static class Rfc5322Date
{
    private static readonly string[] s_months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] s_days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>Formats as <c>Mon, 15 May 2006 15:01:31 +0300</c>.</summary>
    public static string Format(DateTimeOffset value)
    {
        TimeSpan offset = value.Offset;
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        if (offset < TimeSpan.Zero)
        {
            offset = offset.Negate();
        }

        DateTime local = value.DateTime;
        return string.Concat(
            s_days[(int)local.DayOfWeek],
            ", ",
            local.ToString("d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture),
            sign.ToString(),
            offset.Hours.ToString("00", CultureInfo.InvariantCulture),
            offset.Minutes.ToString("00", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// RFC 5322 §3.3: [day-of-week ","] day month year hour ":" minute [":" second] zone, with the obsolete
    /// named zones of §4.3. Returns null for anything else, including impossible dates.
    /// </summary>
    public static DateTimeOffset? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        ReadOnlySpan<char> rest = text.AsSpan().Trim();

        // Optional day-of-week: its name is not checked against the date (RFC 5322 §3.3 says it SHOULD match).
        int comma = rest.IndexOf(',');
        if (comma >= 0)
        {
            if (IndexOf(s_days, rest.Slice(0, comma).Trim()) < 0)
            {
                return null;
            }

            rest = rest.Slice(comma + 1);
        }

        if (!NextWord(ref rest, out ReadOnlySpan<char> dayText)
            || !NextWord(ref rest, out ReadOnlySpan<char> monthText)
            || !NextWord(ref rest, out ReadOnlySpan<char> yearText)
            || !NextWord(ref rest, out ReadOnlySpan<char> timeText)
            || !NextWord(ref rest, out ReadOnlySpan<char> zoneText)
            || !rest.Trim().IsEmpty)
        {
            return null;
        }

        int month = IndexOf(s_months, monthText) + 1;
        if (dayText.Length > 2
            || !int.TryParse(dayText, NumberStyles.None, CultureInfo.InvariantCulture, out int day)
            || month == 0
            || yearText.Length < 2 || yearText.Length > 4
            || !int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out int year))
        {
            return null;
        }

        // RFC 5322 §4.3: a two-digit year below 50 is 20yy, otherwise (and three digits) add 1900.
        if (yearText.Length == 2 && year < 50)
        {
            year += 2000;
        }
        else if (yearText.Length < 4)
        {
            year += 1900;
        }

        // Year 9999 is refused so that no offset can push the UTC instant past DateTimeOffset.MaxValue.
        if (year < 1900 || year > 9998 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        if (!TryParseTime(timeText, out int hour, out int minute, out int second) || !TryParseZone(zoneText, out int zoneMinutes))
        {
            return null;
        }

        return new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromMinutes(zoneMinutes));
    }

    private static bool TryParseTime(ReadOnlySpan<char> text, out int hour, out int minute, out int second)
    {
        hour = minute = second = 0;
        if (text.Length != 5 && text.Length != 8)
        {
            return false;
        }

        if (text[2] != ':' || (text.Length == 8 && text[5] != ':'))
        {
            return false;
        }

        if (!TwoDigits(text.Slice(0, 2), out hour) || hour > 23 || !TwoDigits(text.Slice(3, 2), out minute) || minute > 59)
        {
            return false;
        }

        if (text.Length == 8)
        {
            // RFC 5322 §3.3 allows second 60 for a leap second; DateTimeOffset does not, so it is clamped.
            if (!TwoDigits(text.Slice(6, 2), out second) || second > 60)
            {
                return false;
            }

            second = Math.Min(second, 59);
        }

        return true;
    }

    private static bool TryParseZone(ReadOnlySpan<char> text, out int minutes)
    {
        minutes = 0;
        if (text.Length == 5 && (text[0] == '+' || text[0] == '-'))
        {
            if (!TwoDigits(text.Slice(1, 2), out int hours) || !TwoDigits(text.Slice(3, 2), out int mins) || mins > 59)
            {
                return false;
            }

            minutes = (hours * 60) + mins;

            // DateTimeOffset accepts at most ±14 hours.
            if (minutes > 14 * 60)
            {
                return false;
            }

            minutes = text[0] == '-' ? -minutes : minutes;
            return true;
        }

        // RFC 5322 §4.3 obsolete zones.
        minutes = text switch
        {
            "UT" or "GMT" or "Z" => 0,
            "EST" => -5 * 60,
            "EDT" => -4 * 60,
            "CST" => -6 * 60,
            "CDT" => -5 * 60,
            "MST" => -7 * 60,
            "MDT" => -6 * 60,
            "PST" => -8 * 60,
            "PDT" => -7 * 60,
            _ => int.MinValue,
        };
        return minutes != int.MinValue;
    }

    private static bool TwoDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.Length != 2 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]))
        {
            return false;
        }

        value = ((text[0] - '0') * 10) + (text[1] - '0');
        return true;
    }

    private static bool NextWord(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> word)
    {
        rest = rest.TrimStart();
        int end = rest.IndexOfAny(' ', '\t');
        if (end < 0)
        {
            end = rest.Length;
        }

        word = rest.Slice(0, end);
        rest = rest.Slice(end);
        return !word.IsEmpty;
    }

    private static int IndexOf(string[] names, ReadOnlySpan<char> name)
    {
        for (int i = 0; i < names.Length; i++)
        {
            if (name.Equals(names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
