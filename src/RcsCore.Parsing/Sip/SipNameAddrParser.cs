namespace RcsCore.Parsing.Sip;

/// <summary>A name-addr or addr-spec with its header parameters (RFC 3261 §20.10, §25.1), as spans.</summary>
public readonly ref struct SipNameAddr
{
    internal SipNameAddr(ReadOnlySpan<byte> displayName, ReadOnlySpan<byte> uri, ReadOnlySpan<byte> parameters, bool bracketed, bool wildcard)
    {
        DisplayName = displayName;
        Uri = uri;
        Parameters = parameters;
        IsBracketed = bracketed;
        IsWildcard = wildcard;
    }

    /// <summary>The display name as written: a quoted string with its quotes, or LWS-separated tokens; empty when absent.</summary>
    public ReadOnlySpan<byte> DisplayName { get; }

    /// <summary>The URI text (without &lt;&gt;).</summary>
    public ReadOnlySpan<byte> Uri { get; }

    /// <summary>The header parameters including the leading ';' (LWS may remain inside).</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>True for the name-addr form (URI in &lt;&gt;).</summary>
    public bool IsBracketed { get; }

    /// <summary>True for the Contact wildcard <c>*</c> (RFC 3261 §20.10).</summary>
    public bool IsWildcard { get; }

    /// <summary>The tag parameter (RFC 3261 §19.3), empty when absent.</summary>
    public ReadOnlySpan<byte> Tag => SipParameters.TryGet(Parameters, "tag"u8, out var v) ? v : default;

    /// <summary>Finds a header parameter (case-insensitive name).</summary>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => SipParameters.TryGet(Parameters, name, out value);
}

/// <summary>Parses name-addr / addr-spec values and comma-separated lists of them without allocating.</summary>
public static class SipNameAddrParser
{
    /// <summary>Parses a header value that holds exactly one name-addr / addr-spec (From, To, Refer-To...).</summary>
    public static SipParseError TryParse(ReadOnlySpan<byte> value, out SipNameAddr result)
    {
        int pos = 0;
        var err = TryParseNext(value, ref pos, false, out result, out _);
        if (err == SipParseError.None && pos != value.Length)
        {
            return SipParseError.InvalidNameAddr;
        }
        return err;
    }

    /// <summary>
    /// Splits one name-addr / addr-spec value into display name, URI and parameters without re-validating the URI
    /// and parameter grammar: the fast accessor for values that <see cref="SipMessageParser"/> already validated.
    /// Structural problems (unbalanced quotes or brackets) are still errors; it never throws.
    /// </summary>
    public static SipParseError TrySplit(ReadOnlySpan<byte> value, out SipNameAddr result)
    {
        result = default;
        var s = value;
        int i = 0;
        while (i < s.Length && SipChars.IsLws(s[i]))
        {
            i++;
        }
        if (i >= s.Length)
        {
            return SipParseError.InvalidNameAddr;
        }
        ReadOnlySpan<byte> display = default;
        int lt;
        if (s[i] == (byte)'"')
        {
            int end = SipChars.SkipQuotedString(s, i);
            if (end < 0)
            {
                return SipParseError.UnterminatedQuotedString;
            }
            display = s[i..end];
            lt = s[end..].IndexOf((byte)'<');
            if (lt < 0)
            {
                return SipParseError.InvalidNameAddr;
            }
            lt += end;
        }
        else
        {
            lt = s[i..].IndexOf((byte)'<');
            if (lt >= 0)
            {
                lt += i;
                // A '<' after the first ';' belongs to a parameter of an addr-spec (e.g. +sip.instance="<urn:...>").
                int semi = s[i..lt].IndexOf((byte)';');
                if (semi >= 0)
                {
                    lt = -1;
                }
                else
                {
                    display = SipChars.TrimLws(s[i..lt]);
                }
            }
        }
        if (lt >= 0)
        {
            int gt = s[(lt + 1)..].IndexOf((byte)'>');
            if (gt < 0)
            {
                return SipParseError.InvalidNameAddr;
            }
            result = new SipNameAddr(display, s.Slice(lt + 1, gt), SipChars.TrimLws(s[(lt + 2 + gt)..]), true, false);
            return SipParseError.None;
        }
        int k = i;
        while (k < s.Length && s[k] != (byte)';' && !SipChars.IsLws(s[k]))
        {
            k++;
        }
        result = new SipNameAddr(default, s[i..k], SipChars.TrimLws(s[k..]), false, s[i..k].SequenceEqual("*"u8));
        return SipParseError.None;
    }

    /// <summary>
    /// Parses one element of a list starting at <paramref name="pos"/> and moves <paramref name="pos"/> past the
    /// following comma (or to the end). <paramref name="errorAt"/> is the offset of a problem.
    /// </summary>
    public static SipParseError TryParseNext(ReadOnlySpan<byte> value, scoped ref int pos, bool allowWildcard, out SipNameAddr result, out int errorAt)
    {
        result = default;
        var s = value;
        int i = SipChars.SkipLws(s, pos);
        errorAt = i;
        if (i >= s.Length)
        {
            return SipParseError.InvalidNameAddr;
        }

        ReadOnlySpan<byte> display = default;
        ReadOnlySpan<byte> uri;
        bool bracketed = false;

        if (allowWildcard && s[i] == (byte)'*')
        {
            int j = SipChars.SkipLws(s, i + 1);
            if (j >= s.Length || s[j] == (byte)';' || s[j] == (byte)',')
            {
                int pstart = j;
                var perr = SipParameters.ValidateHeaderParams(s, ref j);
                if (perr != SipParseError.None)
                {
                    errorAt = j;
                    return perr;
                }
                result = new SipNameAddr(default, s.Slice(i, 1), s[pstart..j], false, true);
                return FinishElement(s, ref pos, j, out errorAt);
            }
        }

        if (s[i] == (byte)'"')
        {
            int end = SipChars.SkipQuotedString(s, i);
            if (end < 0)
            {
                return SipParseError.UnterminatedQuotedString;
            }
            display = s[i..end];
            i = SipChars.SkipLws(s, end);
            if (i >= s.Length || s[i] != (byte)'<')
            {
                errorAt = i;
                return SipParseError.InvalidNameAddr;
            }
        }
        else if (s[i] != (byte)'<')
        {
            // Either display-name tokens followed by '<', or an addr-spec (a token followed by ':' is a scheme).
            int ds = i;
            int j = i;
            int lastTokenEnd = i;
            bool isAddrSpec = false;
            while (true)
            {
                int ts = j;
                while (j < s.Length && SipChars.IsToken(s[j]))
                {
                    j++;
                }
                if (j == ts)
                {
                    errorAt = j;
                    return SipParseError.InvalidNameAddr;
                }
                if (j < s.Length && s[j] == (byte)':' && ts == ds)
                {
                    isAddrSpec = true;
                    break;
                }
                lastTokenEnd = j;
                j = SipChars.SkipLws(s, j);
                if (j < s.Length && s[j] == (byte)'<')
                {
                    break;
                }
                if (j >= s.Length || !SipChars.IsToken(s[j]))
                {
                    // RFC 4475 §3.1.2.15: non-token characters in an unquoted display name.
                    errorAt = j;
                    return SipParseError.InvalidNameAddr;
                }
            }
            if (!isAddrSpec)
            {
                display = s[ds..lastTokenEnd];
                i = j;
            }
            else
            {
                // addr-spec: the URI runs to ';', ',' or LWS; it may not hold ',', ';' or '?' (RFC 3261 §20.10).
                int us = ds;
                int k = us;
                while (k < s.Length && s[k] != (byte)';' && s[k] != (byte)',' && !SipChars.IsLws(s[k]))
                {
                    k++;
                }
                uri = s[us..k];
                var uerr = SipUriParser.Validate(uri, SipUriContext.AddrSpec, out int uat);
                if (uerr != SipParseError.None)
                {
                    errorAt = us + uat;
                    return SipParseError.InvalidNameAddr;
                }
                int pstart = k;
                var perr = SipParameters.ValidateHeaderParams(s, ref k);
                if (perr != SipParseError.None)
                {
                    errorAt = k;
                    return perr;
                }
                result = new SipNameAddr(default, uri, s[pstart..k], false, false);
                return FinishElement(s, ref pos, k, out errorAt);
            }
        }

        // name-addr: LAQUOT addr-spec RAQUOT with no LWS inside the brackets (RFC 4475 §3.1.2.14).
        int close = s[(i + 1)..].IndexOf((byte)'>');
        if (close < 0)
        {
            errorAt = i;
            return SipParseError.InvalidNameAddr;
        }
        uri = s.Slice(i + 1, close);
        bracketed = true;
        if (uri.IsEmpty || uri.IndexOfAny((byte)' ', (byte)'\t', (byte)'\r') >= 0 || uri.IndexOf((byte)'\n') >= 0)
        {
            errorAt = i + 1;
            return SipParseError.InvalidNameAddr;
        }
        var err2 = SipUriParser.Validate(uri, SipUriContext.NameAddr, out int at2);
        if (err2 != SipParseError.None)
        {
            errorAt = i + 1 + at2;
            return SipParseError.InvalidNameAddr;
        }
        int after = i + 1 + close + 1;
        int ps = after;
        var perr2 = SipParameters.ValidateHeaderParams(s, ref after);
        if (perr2 != SipParseError.None)
        {
            errorAt = after;
            return perr2;
        }
        result = new SipNameAddr(display, uri, s[ps..after], bracketed, false);
        return FinishElement(s, ref pos, after, out errorAt);
    }

    private static SipParseError FinishElement(ReadOnlySpan<byte> s, scoped ref int pos, int i, out int errorAt)
    {
        i = SipChars.SkipLws(s, i);
        errorAt = i;
        if (i >= s.Length)
        {
            pos = s.Length;
            return SipParseError.None;
        }
        if (s[i] == (byte)',')
        {
            pos = i + 1;
            if (SipChars.SkipLws(s, pos) >= s.Length)
            {
                return SipParseError.InvalidNameAddr; // dangling comma
            }
            return SipParseError.None;
        }
        return SipParseError.InvalidNameAddr;
    }
}
