using System.Globalization;

namespace RcsCore.Sip.Features;

/// <summary>The kind of one feature tag value (RFC 3840 §9: <c>tag-value</c> / <c>string-value</c>).</summary>
public enum SipFeatureValueKind : byte
{
    /// <summary><c>TRUE</c> or <c>FALSE</c>; a parameter without a value is TRUE (RFC 3840 §9).</summary>
    Boolean = 0,
    /// <summary>A token (<c>token-nobang</c>), compared case-insensitively after percent-decoding.</summary>
    Token = 1,
    /// <summary>A string in angle brackets (<c>"&lt;...&gt;"</c>), compared case-sensitively.</summary>
    QuotedString = 2,
    /// <summary>A numeric range: <c>#=n</c>, <c>#&gt;=n</c>, <c>#&lt;=n</c> or <c>#a:b</c>.</summary>
    Numeric = 3,
}

/// <summary>
/// One value of a feature parameter (RFC 3840 §9 <c>tag-value</c>), as a view over the parameter text: a boolean, a
/// token, a string or a numeric range, possibly negated (<c>!</c>). Read with <see cref="SipFeatureValueReader"/>.
/// </summary>
public readonly ref struct SipFeatureValue
{
    internal SipFeatureValue(SipFeatureValueKind kind, bool negated, ReadOnlySpan<char> text, double low, double high)
    {
        Kind = kind;
        IsNegated = negated;
        Text = text;
        Low = low;
        High = high;
    }

    /// <summary>The kind.</summary>
    public SipFeatureValueKind Kind { get; }

    /// <summary>True for <c>!value</c>: any value but this one (RFC 3840 §9, RFC 2533 §4.1 negation).</summary>
    public bool IsNegated { get; }

    /// <summary>The token, the string without its angle brackets, or <c>TRUE</c>/<c>FALSE</c>; empty for numeric values.</summary>
    public ReadOnlySpan<char> Text { get; }

    /// <summary>Lower bound of a numeric value (inclusive; <see cref="double.NegativeInfinity"/> for <c>#&lt;=</c>).</summary>
    public double Low { get; }

    /// <summary>Upper bound of a numeric value (inclusive; <see cref="double.PositiveInfinity"/> for <c>#&gt;=</c>).</summary>
    public double High { get; }

    /// <summary>For a boolean value, its truth (TRUE); false otherwise.</summary>
    public bool IsTrue => Kind == SipFeatureValueKind.Boolean && Text.Equals("TRUE", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when some feature value satisfies both this value and <paramref name="other"/> (the per-tag step of the
    /// RFC 2533 §6 / RFC 3841 §7.2.4 match: the two predicates have a common feature collection).
    /// </summary>
    public bool Intersects(SipFeatureValue other)
    {
        if (!IsNegated && !other.IsNegated)
        {
            return Kind == other.Kind && Overlaps(this, other);
        }
        if (IsNegated && other.IsNegated)
        {
            // Two exclusions leave values over unless they exclude the whole boolean domain {TRUE, FALSE}.
            return !(Kind == SipFeatureValueKind.Boolean && other.Kind == SipFeatureValueKind.Boolean && IsTrue != other.IsTrue);
        }
        var positive = IsNegated ? other : this;
        var negative = IsNegated ? this : other;
        // p AND NOT n is satisfiable unless every value p allows is one n excludes.
        return positive.Kind != negative.Kind || !Contains(negative, positive);
    }

    private static bool Overlaps(SipFeatureValue a, SipFeatureValue b) => a.Kind switch
    {
        SipFeatureValueKind.Numeric => a.Low <= b.High && b.Low <= a.High,
        SipFeatureValueKind.QuotedString => a.Text.SequenceEqual(b.Text),
        SipFeatureValueKind.Token => SipFeatureEncoding.TokensEqual(a.Text, b.Text),
        _ => a.IsTrue == b.IsTrue,
    };

    // True when every value of 'inner' is a value of 'outer' (same kind).
    private static bool Contains(SipFeatureValue outer, SipFeatureValue inner) => outer.Kind == SipFeatureValueKind.Numeric
        ? outer.Low <= inner.Low && inner.High <= outer.High
        : Overlaps(outer, inner);

    /// <inheritdoc />
    public override string ToString()
    {
        string neg = IsNegated ? "!" : string.Empty;
        return Kind switch
        {
            SipFeatureValueKind.Numeric when Low == High => neg + "#=" + Low.ToString(CultureInfo.InvariantCulture),
            SipFeatureValueKind.Numeric when double.IsNegativeInfinity(Low) => neg + "#<=" + High.ToString(CultureInfo.InvariantCulture),
            SipFeatureValueKind.Numeric when double.IsPositiveInfinity(High) => neg + "#>=" + Low.ToString(CultureInfo.InvariantCulture),
            SipFeatureValueKind.Numeric => neg + "#" + Low.ToString(CultureInfo.InvariantCulture) + ":" + High.ToString(CultureInfo.InvariantCulture),
            SipFeatureValueKind.QuotedString => "<" + Text.ToString() + ">",
            _ => neg + Text.ToString(),
        };
    }
}

/// <summary>
/// Reads the values of one feature parameter without allocating (RFC 3840 §9): <c>null</c> (a flag: TRUE),
/// <c>"TRUE"</c>, <c>"a,!b,c"</c>, <c>"#&gt;=2,#=1"</c>, <c>"&lt;string&gt;"</c>. Quotes are optional on input.
/// Malformed values end the enumeration and set <see cref="IsMalformed"/>.
/// </summary>
public ref struct SipFeatureValueReader
{
    private static readonly System.Buffers.SearchValues<char> s_numberChars = System.Buffers.SearchValues.Create("+-.0123456789");
    private ReadOnlySpan<char> _rest;
    private bool _flag;

    /// <summary>Reads <paramref name="value"/>, the parameter value as written (with its quotes), or default for a flag.</summary>
    public SipFeatureValueReader(ReadOnlySpan<char> value, bool isFlag)
    {
        _flag = isFlag;
        var v = value.Trim();
        if (v.Length >= 2 && v[0] == '"' && v[^1] == '"')
        {
            v = v[1..^1];
        }
        _rest = v;
        IsMalformed = false;
    }

    /// <summary>True when a value could not be read (the enumeration stopped there).</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>Reads the next value; false at the end or on malformed input.</summary>
    public bool TryRead(out SipFeatureValue value)
    {
        value = default;
        if (_flag)
        {
            // RFC 3840 §9: a feature parameter without a value is the boolean TRUE.
            _flag = false;
            value = new SipFeatureValue(SipFeatureValueKind.Boolean, false, "TRUE", 0, 0);
            return true;
        }
        var s = _rest.TrimStart();
        if (s.IsEmpty)
        {
            return false;
        }
        if (s[0] == '<')
        {
            // RFC 3840 §9: string-value = "<" *(qdtext-no-abkt / quoted-pair) ">", the whole value.
            int end = s.IndexOf('>');
            if (end < 0)
            {
                return Fail();
            }
            value = new SipFeatureValue(SipFeatureValueKind.QuotedString, false, s[1..end], 0, 0);
            _rest = s[(end + 1)..].TrimStart();
            if (!_rest.IsEmpty && _rest[0] == ',')
            {
                _rest = _rest[1..];
            }
            return true;
        }
        int comma = s.IndexOf(',');
        var item = (comma < 0 ? s : s[..comma]).Trim();
        _rest = comma < 0 ? default : s[(comma + 1)..];
        bool negated = false;
        if (!item.IsEmpty && item[0] == '!')
        {
            negated = true;
            item = item[1..].TrimStart();
        }
        if (item.IsEmpty)
        {
            return Fail();
        }
        if (item[0] == '#')
        {
            return TryNumeric(item[1..].TrimStart(), negated, out value) || Fail();
        }
        if (item.Equals("TRUE", StringComparison.OrdinalIgnoreCase) || item.Equals("FALSE", StringComparison.OrdinalIgnoreCase))
        {
            value = new SipFeatureValue(SipFeatureValueKind.Boolean, negated, item, 0, 0);
            return true;
        }
        value = new SipFeatureValue(SipFeatureValueKind.Token, negated, item, 0, 0);
        return true;
    }

    // RFC 3840 §9: numeric = "#" numeric-relation number; numeric-relation = ">=" / "<=" / "=" / (number ":").
    private static bool TryNumeric(ReadOnlySpan<char> s, bool negated, out SipFeatureValue value)
    {
        value = default;
        double low, high;
        if (s.StartsWith(">="))
        {
            if (!TryNumber(s[2..], out low))
            {
                return false;
            }
            high = double.PositiveInfinity;
        }
        else if (s.StartsWith("<="))
        {
            if (!TryNumber(s[2..], out high))
            {
                return false;
            }
            low = double.NegativeInfinity;
        }
        else if (s.StartsWith("="))
        {
            if (!TryNumber(s[1..], out low))
            {
                return false;
            }
            high = low;
        }
        else
        {
            int colon = s.IndexOf(':');
            if (colon < 0 || !TryNumber(s[..colon], out low) || !TryNumber(s[(colon + 1)..], out high) || low > high)
            {
                return false;
            }
        }
        value = new SipFeatureValue(SipFeatureValueKind.Numeric, negated, default, low, high);
        return true;
    }

    // RFC 3840 §9: number = [ "+" / "-" ] 1*DIGIT ["." 0*DIGIT].
    private static bool TryNumber(ReadOnlySpan<char> s, out double n)
    {
        s = s.Trim();
        n = 0;
        if (s.IsEmpty || s.ContainsAnyExcept(s_numberChars))
        {
            return false;
        }
        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out n);
    }

    private bool Fail()
    {
        IsMalformed = true;
        _rest = default;
        return false;
    }
}
