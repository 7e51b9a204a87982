using System.Collections;
using System.Text;

namespace RcsCore.Sip.Features;

/// <summary>
/// One feature parameter of a Contact, Accept-Contact or Reject-Contact value (RFC 3840 §9): its name as written
/// (<c>audio</c>, <c>+g.3gpp.icsi-ref</c>) and its value as written with the quotes (<c>"urn%3Aurn-7%3A..."</c>),
/// or null for a flag (boolean TRUE).
/// </summary>
/// <param name="Name">The encoded feature tag name.</param>
/// <param name="Value">The value as written, or null for a flag.</param>
public readonly record struct SipFeatureParameter(string Name, string? Value)
{
    /// <summary>True for a parameter without a value (the boolean TRUE, RFC 3840 §9).</summary>
    public bool IsFlag => Value is null;

    /// <summary>Reads the values (a flag reads as one TRUE).</summary>
    public SipFeatureValueReader ReadValues() => new(Value, Value is null);

    /// <summary>True when one of the (non-negated) values is the token <paramref name="token"/> (compared as <see cref="SipFeatureEncoding.TokensEqual"/>).</summary>
    public bool HasToken(ReadOnlySpan<char> token)
    {
        var reader = ReadValues();
        while (reader.TryRead(out var v))
        {
            if (!v.IsNegated && v.Kind == SipFeatureValueKind.Token && SipFeatureEncoding.TokensEqual(v.Text, token))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The positive token values, percent-decoded (e.g. the ICSI URNs of <c>+g.3gpp.icsi-ref</c>).</summary>
    public IReadOnlyList<string> DecodeTokens()
    {
        var list = new List<string>();
        var reader = ReadValues();
        while (reader.TryRead(out var v))
        {
            if (!v.IsNegated && v.Kind == SipFeatureValueKind.Token)
            {
                list.Add(SipFeatureEncoding.DecodeToken(v.Text));
            }
        }
        return list;
    }

    /// <summary>
    /// True when the two parameters (same tag) admit a common value: some value of one intersects some value of the
    /// other (RFC 3841 §7.2.4 applying the RFC 2533 matching to one feature tag, each side being a disjunction).
    /// </summary>
    public bool Intersects(SipFeatureParameter other)
    {
        var mine = ReadValues();
        while (mine.TryRead(out var a))
        {
            var theirs = other.ReadValues();
            while (theirs.TryRead(out var b))
            {
                if (a.Intersects(b))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Value is null ? Name : Name + "=" + Value;
}

/// <summary>
/// The feature parameters of one Contact / Accept-Contact / Reject-Contact value (RFC 3840 §9, RFC 3841 §9): an
/// immutable list in the order written; other parameters (q, expires, require, explicit, generic ones) are not
/// part of it. Parsing makes one string per name and value; lookups and matching allocate nothing.
/// </summary>
public sealed class SipFeatureSet : IReadOnlyList<SipFeatureParameter>
{
    private readonly SipFeatureParameter[] _items;

    private SipFeatureSet(SipFeatureParameter[] items)
    {
        _items = items;
    }

    /// <summary>Creates a set from parameters (kept as given, in order; a later one with the same name replaces an earlier one).</summary>
    public SipFeatureSet(IEnumerable<SipFeatureParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = new List<SipFeatureParameter>();
        foreach (var p in parameters)
        {
            ArgumentException.ThrowIfNullOrEmpty(p.Name);
            int existing = list.FindIndex(x => string.Equals(x.Name, p.Name, StringComparison.OrdinalIgnoreCase));
            if (existing >= 0)
            {
                list[existing] = p;
            }
            else
            {
                list.Add(p);
            }
        }
        _items = [.. list];
    }

    /// <summary>No feature parameters.</summary>
    public static SipFeatureSet Empty { get; } = new([]);

    /// <summary>True when there are no feature parameters (a contact "immune" to caller preferences, RFC 3841 §7.2.4).</summary>
    public bool IsEmpty => _items.Length == 0;

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public SipFeatureParameter this[int index] => _items[index];

    /// <summary>
    /// Reads the feature parameters out of parameter text (<c>;audio;+g.3gpp.icsi-ref="..."</c>, the leading ';'
    /// optional), skipping every parameter that is not a feature tag (<see cref="SipFeatureEncoding.IsFeatureTag"/>).
    /// </summary>
    public static SipFeatureSet Parse(ReadOnlySpan<char> parameters)
    {
        var reader = new SipParameterTextReader(parameters);
        List<SipFeatureParameter>? list = null;
        while (reader.TryRead(out var name, out var value, out bool hasValue))
        {
            if (SipFeatureEncoding.IsFeatureTag(name))
            {
                (list ??= []).Add(new SipFeatureParameter(name.ToString(), hasValue ? value.ToString() : null));
            }
        }
        return list is null ? Empty : new SipFeatureSet(list);
    }

    /// <summary>The feature parameters among name/value pairs (e.g. <see cref="Messages.SipNameAddress.Parameters"/>).</summary>
    public static SipFeatureSet FromParameters(IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters is Messages.SipParameterList list)
        {
            return Parse(list.Text);
        }
        var items = new List<SipFeatureParameter>();
        foreach (var p in parameters)
        {
            if (SipFeatureEncoding.IsFeatureTag(p.Key))
            {
                items.Add(new SipFeatureParameter(p.Key, p.Value));
            }
        }
        return items.Count == 0 ? Empty : new SipFeatureSet(items);
    }

    /// <summary>The index of the parameter named <paramref name="name"/> (case-insensitive, RFC 3840 §9), or -1.</summary>
    public int IndexOf(ReadOnlySpan<char> name)
    {
        for (int i = 0; i < _items.Length; i++)
        {
            if (name.Equals(_items[i].Name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>True when the set has a parameter named <paramref name="name"/>.</summary>
    public bool Contains(ReadOnlySpan<char> name) => IndexOf(name) >= 0;

    /// <summary>The parameter named <paramref name="name"/>, or null.</summary>
    public SipFeatureParameter? Find(ReadOnlySpan<char> name)
    {
        int i = IndexOf(name);
        return i < 0 ? null : _items[i];
    }

    /// <summary>True when parameter <paramref name="name"/> lists the token <paramref name="token"/> (e.g. an ICSI in <c>+g.3gpp.icsi-ref</c>; encoded or not).</summary>
    public bool HasToken(ReadOnlySpan<char> name, ReadOnlySpan<char> token)
    {
        int i = IndexOf(name);
        return i >= 0 && _items[i].HasToken(token);
    }

    /// <summary>True when the flag <paramref name="name"/> is present and TRUE (<c>;video</c>, <c>;+g.gsma.rcs.isbot</c>).</summary>
    public bool IsTrue(ReadOnlySpan<char> name)
    {
        int i = IndexOf(name);
        if (i < 0)
        {
            return false;
        }
        var reader = _items[i].ReadValues();
        return reader.TryRead(out var v) && v.Kind == SipFeatureValueKind.Boolean && v.IsTrue && !v.IsNegated;
    }

    /// <summary>The decoded tokens of parameter <paramref name="name"/> (empty when absent).</summary>
    public IReadOnlyList<string> GetTokens(ReadOnlySpan<char> name)
    {
        int i = IndexOf(name);
        return i < 0 ? [] : _items[i].DecodeTokens();
    }

    /// <summary>Returns a copy with a parameter set (replacing one of the same name).</summary>
    public SipFeatureSet With(string name, string? value) => new((IEnumerable<SipFeatureParameter>)[.. _items, new SipFeatureParameter(name, value)]);

    /// <summary>
    /// The union of several feature sets (the capabilities of an AoR from all its contacts): token and numeric
    /// lists of the same tag are merged without duplicates, a TRUE flag wins over anything else, and other values
    /// keep the first one seen.
    /// </summary>
    public static SipFeatureSet Union(IEnumerable<SipFeatureSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var merged = new List<SipFeatureParameter>();
        foreach (var set in sets)
        {
            foreach (var p in set._items)
            {
                int i = merged.FindIndex(x => string.Equals(x.Name, p.Name, StringComparison.OrdinalIgnoreCase));
                if (i < 0)
                {
                    merged.Add(p);
                }
                else
                {
                    merged[i] = Merge(merged[i], p);
                }
            }
        }
        return merged.Count == 0 ? Empty : new SipFeatureSet([.. merged]);
    }

    private static SipFeatureParameter Merge(SipFeatureParameter a, SipFeatureParameter b)
    {
        if (a.IsFlag || b.IsFlag)
        {
            return a.IsFlag ? a : b;
        }
        var items = new List<string>();
        foreach (var side in (ReadOnlySpan<SipFeatureParameter>)[a, b])
        {
            var reader = side.ReadValues();
            while (reader.TryRead(out var v))
            {
                if (v.Kind == SipFeatureValueKind.QuotedString)
                {
                    return a; // a string value is the whole value: no list to merge
                }
                bool seen = false;
                foreach (var s in items)
                {
                    if (SipFeatureEncoding.TokensEqual(s, v.ToString()))
                    {
                        seen = true;
                        break;
                    }
                }
                if (!seen)
                {
                    items.Add(v.Kind == SipFeatureValueKind.Token ? (v.IsNegated ? "!" : string.Empty) + v.Text.ToString() : v.ToString());
                }
            }
        }
        return new SipFeatureParameter(a.Name, "\"" + string.Join(',', items) + "\"");
    }

    /// <summary>Appends the parameters, each as <c>;name[=value]</c>.</summary>
    public StringBuilder AppendTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        foreach (var p in _items)
        {
            sb.Append(';').Append(p.Name);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }
        return sb;
    }

    /// <summary>The parameters as header parameter text: <c>;audio;+g.3gpp.icsi-ref="..."</c> (empty when none).</summary>
    public override string ToString() => _items.Length == 0 ? string.Empty : AppendTo(new StringBuilder()).ToString();

    /// <inheritdoc />
    public IEnumerator<SipFeatureParameter> GetEnumerator() => ((IEnumerable<SipFeatureParameter>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Splits <c>;name[=value]</c> parameter text without allocating; ';' and ',' inside quotes do not split.</summary>
internal ref struct SipParameterTextReader
{
    private ReadOnlySpan<char> _rest;

    public SipParameterTextReader(ReadOnlySpan<char> text)
    {
        _rest = text;
    }

    public bool TryRead(out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue)
    {
        name = value = default;
        hasValue = false;
        while (true)
        {
            var s = _rest.TrimStart();
            while (!s.IsEmpty && s[0] == ';')
            {
                s = s[1..].TrimStart();
            }
            if (s.IsEmpty)
            {
                _rest = default;
                return false;
            }
            int end = 0;
            bool quoted = false;
            while (end < s.Length)
            {
                char c = s[end];
                if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (c == '\\' && quoted)
                {
                    end++;
                }
                else if (c == ';' && !quoted)
                {
                    break;
                }
                end++;
            }
            var segment = s[..Math.Min(end, s.Length)];
            _rest = end < s.Length ? s[end..] : default;
            int eq = segment.IndexOf('=');
            if (eq < 0)
            {
                name = segment.Trim();
            }
            else
            {
                name = segment[..eq].Trim();
                value = segment[(eq + 1)..].Trim();
                hasValue = true;
            }
            if (!name.IsEmpty)
            {
                return true;
            }
        }
    }
}
