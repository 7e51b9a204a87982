namespace RcsCore.Parsing.Sip;

/// <summary>Parsers for scalar header values (CSeq, numbers, Call-ID, Content-Type, Date, token lists). Allocation-free.</summary>
public static class SipValueParsers
{
    /// <summary>Largest CSeq number: RFC 3261 §8.1.1.5 requires it to be less than 2**31.</summary>
    public const uint MaxCSeq = int.MaxValue;

    /// <summary>Largest delta-seconds value (RFC 3261 §25.1: a 32-bit unsigned integer).</summary>
    public const uint MaxDeltaSeconds = uint.MaxValue;

    /// <summary>CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16).</summary>
    public static SipParseError TryParseCSeq(ReadOnlySpan<byte> value, out uint number, out ReadOnlySpan<byte> method)
    {
        number = 0;
        method = default;
        int i = 0;
        while (i < value.Length && SipChars.IsDigit(value[i]))
        {
            i++;
        }
        if (!SipChars.TryParseDecimal(value[..i], MaxCSeq, out ulong n))
        {
            return SipParseError.InvalidCSeq;
        }
        int j = SipChars.SkipLws(value, i);
        if (j == i)
        {
            return SipParseError.InvalidCSeq;
        }
        method = value[j..];
        if (!SipChars.AllToken(method))
        {
            return SipParseError.InvalidCSeq;
        }
        number = (uint)n;
        return SipParseError.None;
    }

    /// <summary>1*DIGIT with an upper bound; LWS around the value is ignored.</summary>
    public static bool TryParseUInt32(ReadOnlySpan<byte> value, uint max, out uint result)
    {
        bool ok = SipChars.TryParseDecimal(SipChars.TrimLws(value), max, out ulong v);
        result = ok ? (uint)v : 0;
        return ok;
    }

    /// <summary>Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (RFC 3261 §20.33): returns the seconds.</summary>
    public static SipParseError TryParseRetryAfter(ReadOnlySpan<byte> value, out uint seconds)
    {
        int i = 0;
        while (i < value.Length && SipChars.IsDigit(value[i]))
        {
            i++;
        }
        if (!SipChars.TryParseDecimal(value[..i], MaxDeltaSeconds, out ulong v))
        {
            seconds = 0;
            return SipParseError.InvalidNumber;
        }
        seconds = (uint)v;
        return SipParseError.None;
    }

    /// <summary>Call-ID = word [ "@" word ] (RFC 3261 §20.8).</summary>
    public static SipParseError ValidateCallId(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return SipParseError.InvalidCallId;
        }
        int at = -1;
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'@')
            {
                if (at >= 0 || i == 0 || i == value.Length - 1)
                {
                    return SipParseError.InvalidCallId;
                }
                at = i;
            }
            else if (!SipChars.IsWord(b))
            {
                return SipParseError.InvalidCallId;
            }
        }
        return SipParseError.None;
    }

    /// <summary>media-type = m-type SLASH m-subtype *( SEMI m-parameter ) (RFC 3261 §20.15).</summary>
    public static SipParseError TryParseMediaType(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> type, out ReadOnlySpan<byte> subtype, out ReadOnlySpan<byte> parameters)
    {
        type = subtype = parameters = default;
        int i = 0;
        while (i < value.Length && SipChars.IsToken(value[i]))
        {
            i++;
        }
        if (i == 0)
        {
            return SipParseError.InvalidContentType;
        }
        type = value[..i];
        i = SipChars.SkipLws(value, i);
        if (i >= value.Length || value[i] != (byte)'/')
        {
            return SipParseError.InvalidContentType;
        }
        i = SipChars.SkipLws(value, i + 1);
        int ss = i;
        while (i < value.Length && SipChars.IsToken(value[i]))
        {
            i++;
        }
        if (i == ss)
        {
            return SipParseError.InvalidContentType;
        }
        subtype = value[ss..i];
        int ps = i;
        var err = SipParameters.ValidateHeaderParams(value, ref i);
        if (err != SipParseError.None || SipChars.SkipLws(value, i) != value.Length)
        {
            return SipParseError.InvalidContentType;
        }
        parameters = value[ps..i];
        return SipParseError.None;
    }

    /// <summary>A comma-separated list of tokens (Require, Supported, Allow...; RFC 3261 §7.3.1 allows empty elements).</summary>
    public static SipParseError ValidateTokenList(ReadOnlySpan<byte> value)
    {
        int i = 0;
        while (i < value.Length)
        {
            i = SipChars.SkipLws(value, i);
            while (i < value.Length && SipChars.IsToken(value[i]))
            {
                i++;
            }
            i = SipChars.SkipLws(value, i);
            if (i < value.Length)
            {
                if (value[i] != (byte)',')
                {
                    return SipParseError.InvalidHeaderValue;
                }
                i++;
            }
        }
        return SipParseError.None;
    }

    private static ReadOnlySpan<byte> Days => "MonTueWedThuFriSatSun"u8;

    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    /// <summary>SIP-date = rfc1123-date, e.g. <c>Sat, 13 Nov 2010 23:29:00 GMT</c>; only GMT is allowed (RFC 3261 §20.17).</summary>
    public static SipParseError ValidateDate(ReadOnlySpan<byte> value)
    {
        // wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
        if (value.Length != 29 || value[3] != (byte)',' || value[4] != (byte)' ' || value[7] != (byte)' ' || value[11] != (byte)' '
            || value[16] != (byte)' ' || value[19] != (byte)':' || value[22] != (byte)':' || value[25] != (byte)' ' || !value[26..].SequenceEqual("GMT"u8))
        {
            return SipParseError.InvalidDate;
        }
        if (!ContainsTriple(Days, value[..3]) || !ContainsTriple(Months, value[8..11]))
        {
            return SipParseError.InvalidDate;
        }
        ReadOnlySpan<int> digits = [5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24];
        foreach (int d in digits)
        {
            if (!SipChars.IsDigit(value[d]))
            {
                return SipParseError.InvalidDate;
            }
        }
        return SipParseError.None;
    }

    private static bool ContainsTriple(ReadOnlySpan<byte> table, ReadOnlySpan<byte> triple)
    {
        for (int i = 0; i + 3 <= table.Length; i += 3)
        {
            if (table.Slice(i, 3).SequenceEqual(triple))
            {
                return true;
            }
        }
        return false;
    }
}
