namespace RcsCore.Parsing.Sip;

/// <summary>One parameter: name and (possibly empty) value, both spans; the value keeps its quotes if it was quoted.</summary>
public readonly ref struct SipParameter
{
    internal SipParameter(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue)
    {
        Name = name;
        Value = value;
        HasValue = hasValue;
    }

    /// <summary>The parameter name.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The value as written (quoted strings keep their quotes); empty for a flag.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>True when the parameter had '='.</summary>
    public bool HasValue { get; }
}

/// <summary>
/// Enumerates <c>;name[=value]</c> parameters of a URI or a header (RFC 3261 §25.1 generic-param), tolerating LWS
/// around ';' and '=' as header parameters allow. Input must already be validated (see <see cref="SipParameters.Validate"/>);
/// on malformed input enumeration simply stops.
/// </summary>
public ref struct SipParameterEnumerator
{
    private readonly ReadOnlySpan<byte> _text;
    private int _pos;

    /// <summary>Creates an enumerator over parameters text that starts with ';' (leading LWS allowed).</summary>
    public SipParameterEnumerator(ReadOnlySpan<byte> text)
    {
        _text = text;
        _pos = 0;
        Current = default;
    }

    /// <summary>The current parameter.</summary>
    public SipParameter Current { get; private set; }

    /// <summary>Returns this enumerator (for foreach).</summary>
    public readonly SipParameterEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next parameter.</summary>
    public bool MoveNext()
    {
        var s = _text;
        int i = SipChars.SkipLws(s, _pos);
        if (i >= s.Length || s[i] != (byte)';')
        {
            return false;
        }
        i = SipChars.SkipLws(s, i + 1);
        int ns = i;
        while (i < s.Length && s[i] != (byte)'=' && s[i] != (byte)';' && !SipChars.IsLws(s[i]))
        {
            i++;
        }
        var name = s[ns..i];
        i = SipChars.SkipLws(s, i);
        if (i < s.Length && s[i] == (byte)'=')
        {
            i = SipChars.SkipLws(s, i + 1);
            int vs = i;
            if (i < s.Length && s[i] == (byte)'"')
            {
                int end = SipChars.SkipQuotedString(s, i);
                i = end < 0 ? s.Length : end;
            }
            else
            {
                while (i < s.Length && s[i] != (byte)';' && !SipChars.IsLws(s[i]))
                {
                    i++;
                }
            }
            Current = new SipParameter(name, s[vs..i], true);
        }
        else
        {
            Current = new SipParameter(name, default, false);
        }
        _pos = i;
        return name.Length > 0;
    }
}

/// <summary>Helpers for parameter lists.</summary>
public static class SipParameters
{
    /// <summary>Finds a parameter by name (case-insensitive, RFC 3261 §19.1.4 / §7.3.1).</summary>
    public static bool TryGet(ReadOnlySpan<byte> parameters, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (var p in new SipParameterEnumerator(parameters))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(p.Name, name))
            {
                value = p.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>
    /// Validates header parameters <c>*( SEMI generic-param )</c> starting at <paramref name="pos"/> and stops at ','
    /// or the end. generic-param = token [ EQUAL gen-value ], gen-value = token / host / quoted-string (RFC 3261 §25.1).
    /// </summary>
    internal static SipParseError ValidateHeaderParams(ReadOnlySpan<byte> s, ref int pos)
    {
        while (true)
        {
            int i = SipChars.SkipLws(s, pos);
            if (i >= s.Length || s[i] != (byte)';')
            {
                pos = i;
                return SipParseError.None;
            }
            i = SipChars.SkipLws(s, i + 1);
            int ns = i;
            int nameEnd = s[i..].IndexOfAnyExcept(SipChars.TokenValues);
            i = nameEnd < 0 ? s.Length : i + nameEnd;
            if (i == ns)
            {
                pos = i;
                return SipParseError.InvalidParameter;
            }
            int afterName = i;
            i = SipChars.SkipLws(s, i);
            if (i < s.Length && s[i] == (byte)'=')
            {
                i = SipChars.SkipLws(s, i + 1);
                if (i < s.Length && s[i] == (byte)'"')
                {
                    int end = SipChars.SkipQuotedString(s, i);
                    if (end < 0)
                    {
                        pos = i;
                        return SipParseError.UnterminatedQuotedString;
                    }
                    i = end;
                }
                else
                {
                    int vs = i;
                    int valueEnd = s[i..].IndexOfAnyExcept(SipChars.GenValueValues);
                    i = valueEnd < 0 ? s.Length : i + valueEnd;
                    if (i == vs)
                    {
                        pos = i;
                        return SipParseError.InvalidParameter;
                    }
                }
                pos = i;
            }
            else
            {
                pos = afterName;
            }
        }
    }

    /// <summary>Validates a whole header-parameter list; returns the offset of the first error in <paramref name="errorAt"/>.</summary>
    public static SipParseError Validate(ReadOnlySpan<byte> parameters, out int errorAt)
    {
        int pos = 0;
        var err = ValidateHeaderParams(parameters, ref pos);
        errorAt = pos;
        if (err == SipParseError.None && pos != parameters.Length)
        {
            return SipParseError.InvalidParameter;
        }
        return err;
    }
}
