using System.Buffers.Text;

namespace RcsCore.Parsing.Sdp;

/// <summary>Small span helpers shared by the SDP parser and the typed attribute accessors.</summary>
internal static class SdpText
{
    /// <summary>RFC 8866 §9 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E.</summary>
    public static bool IsTokenChar(int c) =>
        c == 0x21
        || (c >= 0x23 && c <= 0x27)
        || c == 0x2A || c == 0x2B || c == 0x2D || c == 0x2E
        || (c >= 0x30 && c <= 0x39)
        || (c >= 0x41 && c <= 0x5A)
        || (c >= 0x5E && c <= 0x7E);

    /// <summary>True for a non-empty RFC 8866 token.</summary>
    public static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (!IsTokenChar(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for a non-empty RFC 8866 token.</summary>
    public static bool IsToken(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (!IsTokenChar(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 8866 §9 non-ws-string = 1*(VCHAR/%x80-FF): non-empty, no controls or spaces.</summary>
    public static bool IsNonWhitespace(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] <= 0x20 || value[i] == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses 1*DIGIT into a non-negative long, failing on overflow or anything else.</summary>
    public static bool TryParseDigits(ReadOnlySpan<byte> value, out long result)
    {
        result = 0;
        if (value.IsEmpty || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            return false;
        }

        return Utf8Parser.TryParse(value, out result, out int consumed) && consumed == value.Length;
    }

    /// <summary>Parses 1*DIGIT into an unsigned long, failing on overflow or anything else.</summary>
    public static bool TryParseDigits(ReadOnlySpan<byte> value, out ulong result)
    {
        result = 0;
        if (value.IsEmpty || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
        {
            return false;
        }

        return Utf8Parser.TryParse(value, out result, out int consumed) && consumed == value.Length;
    }

    /// <summary>Parses 1*DIGIT into a non-negative long, failing on overflow or anything else.</summary>
    public static bool TryParseDigits(ReadOnlySpan<char> value, out long result)
    {
        result = 0;
        if (value.IsEmpty || value.IndexOfAnyExceptInRange('0', '9') >= 0)
        {
            return false;
        }

        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out result);
    }

    /// <summary>
    /// Returns the next space-separated item of <paramref name="value"/> from <paramref name="position"/>,
    /// treating spaces inside double quotes as part of the item (RFC 5547 §6 quoted names and dates).
    /// </summary>
    public static bool NextItem(string value, ref int position, out ReadOnlySpan<char> item)
    {
        int i = position;
        while (i < value.Length && value[i] == ' ')
        {
            i++;
        }

        int start = i;
        bool quoted = false;
        while (i < value.Length && (quoted || value[i] != ' '))
        {
            if (value[i] == '"')
            {
                quoted = !quoted;
            }

            i++;
        }

        position = i;
        item = value.AsSpan(start, i - start);
        return !item.IsEmpty;
    }

    /// <summary>Splits a space-separated list, skipping empty items (a leading space is common, RFC 4976 §11).</summary>
    public static string[] SplitList(string? value)
    {
        if (value is null)
        {
            return [];
        }

        return value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
