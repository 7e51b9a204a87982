using System.Collections;
using System.Text;

namespace RcsCore.Sip.Messages;

/// <summary>
/// Parameters of a URI or header value (<c>;name[=value]</c>), kept as their text and split only when enumerated:
/// looking one up by name allocates nothing but the returned value. Quoted values keep their quotes.
/// </summary>
public sealed class SipParameterList : IReadOnlyList<KeyValuePair<string, string?>>
{
    private List<KeyValuePair<string, string?>>? _items;

    private SipParameterList(string text)
    {
        Text = text;
    }

    /// <summary>No parameters.</summary>
    public static SipParameterList Empty { get; } = new(string.Empty);

    /// <summary>The parameters as written, including the leading ';' (LWS may remain around separators).</summary>
    public string Text { get; }

    /// <summary>Wraps parameter text (starting with ';').</summary>
    public static SipParameterList FromText(string text) => string.IsNullOrEmpty(text) ? Empty : new SipParameterList(text);

    internal static SipParameterList FromBytes(ReadOnlySpan<byte> text) => text.IsEmpty ? Empty : new SipParameterList(SipText.Decode(text));

    /// <summary>Builds a list from pairs (value null for a flag parameter).</summary>
    public static SipParameterList FromPairs(IEnumerable<KeyValuePair<string, string?>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs is SipParameterList list)
        {
            return list;
        }
        var sb = new StringBuilder();
        foreach (var p in pairs)
        {
            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }
        return FromText(sb.ToString());
    }

    /// <summary>Gets a parameter value by name (case-insensitive); empty string for a flag, null when absent.</summary>
    public string? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = Text.AsSpan();
        int i = 0;
        while (Next(s, ref i, out var n, out var v, out bool hasValue))
        {
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return hasValue ? v.ToString() : string.Empty;
            }
        }
        return null;
    }

    /// <summary>True when a parameter with this name is present.</summary>
    public bool Contains(string name)
    {
        var s = Text.AsSpan();
        int i = 0;
        while (Next(s, ref i, out var n, out _, out _))
        {
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Next(ReadOnlySpan<char> s, ref int i, out ReadOnlySpan<char> name, out ReadOnlySpan<char> value, out bool hasValue)
    {
        name = value = default;
        hasValue = false;
        while (i < s.Length && s[i] != ';')
        {
            i++;
        }
        if (i >= s.Length)
        {
            return false;
        }
        i++;
        int start = i;
        bool quoted = false;
        while (i < s.Length)
        {
            char c = s[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\\' && quoted)
            {
                i++;
            }
            else if (c == ';' && !quoted)
            {
                break;
            }
            i++;
        }
        var segment = s[start..Math.Min(i, s.Length)];
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
        return true;
    }

    private List<KeyValuePair<string, string?>> Items
    {
        get
        {
            if (_items is null)
            {
                var list = new List<KeyValuePair<string, string?>>();
                var s = Text.AsSpan();
                int i = 0;
                while (Next(s, ref i, out var n, out var v, out bool hasValue))
                {
                    if (!n.IsEmpty)
                    {
                        list.Add(new KeyValuePair<string, string?>(n.ToString(), hasValue ? v.ToString() : null));
                    }
                }
                _items = list;
            }
            return _items;
        }
    }

    /// <inheritdoc />
    public int Count => Text.Length == 0 ? 0 : Items.Count;

    /// <inheritdoc />
    public KeyValuePair<string, string?> this[int index] => Items[index];

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string?>> GetEnumerator() => (Text.Length == 0 ? [] : Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => Text;
}
