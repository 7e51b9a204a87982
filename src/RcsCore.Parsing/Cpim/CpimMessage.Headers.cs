namespace RcsCore.Parsing.Cpim;

/// <summary>Header list helpers: kinds, canonical order, namespace resolution (RFC 3862 §3.3).</summary>
public sealed partial class CpimMessage
{
    private static CpimHeaderKind KindOf(CpimHeader header) =>
        header.Name.Contains('.', StringComparison.Ordinal) ? CpimHeaderKind.Other : CpimHeaderNames.LookupMessage(header.Name);

    // The order new headers are inserted in: From, To, cc, DateTime, Subject, NS, Require, extensions.
    private static int Rank(CpimHeader header) => KindOf(header) switch
    {
        CpimHeaderKind.From => 0,
        CpimHeaderKind.To => 1,
        CpimHeaderKind.Cc => 2,
        CpimHeaderKind.DateTime => 3,
        CpimHeaderKind.Subject => 4,
        CpimHeaderKind.Namespace => 5,
        CpimHeaderKind.Require => 6,
        _ => 7,
    };

    private static string? LanguageOf(string parameters)
    {
        if (parameters.Length == 0)
        {
            return null;
        }

        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(parameters);
        int i = 0;
        while (i < bytes.Length && CpimChars.TryReadParameter(bytes, ref i, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(name, "lang"u8))
            {
                return CpimText.TryUnquote(value, out string quoted) ? quoted : System.Text.Encoding.UTF8.GetString(value);
            }
        }

        return null;
    }

    private static bool IsPrefixTaken(IReadOnlyList<CpimNamespace> declared, string prefix)
    {
        foreach (CpimNamespace ns in declared)
        {
            if (string.Equals(ns.Prefix, prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private void InsertCanonical(CpimHeader header)
    {
        int rank = Rank(header);
        for (int i = 0; i < _headers.Count; i++)
        {
            if (Rank(_headers[i]) > rank)
            {
                _headers.Insert(i, header);
                return;
            }
        }

        _headers.Add(header);
    }

    private CpimHeader? FindDefault(CpimHeaderKind kind)
    {
        foreach (CpimHeader header in _headers)
        {
            if (KindOf(header) == kind)
            {
                return header;
            }
        }

        return null;
    }

    private void RemoveDefault(CpimHeaderKind kind) => _headers.RemoveAll(h => KindOf(h) == kind);

    private void SetDefault(CpimHeaderKind kind, string? value)
    {
        if (value is null)
        {
            RemoveDefault(kind);
            return;
        }

        var header = new CpimHeader(CpimHeaderNames.Canonical(kind)!, value);
        int first = _headers.FindIndex(h => KindOf(h) == kind);
        if (first < 0)
        {
            InsertCanonical(header);
            return;
        }

        _headers[first] = header;
        for (int i = _headers.Count - 1; i > first; i--)
        {
            if (KindOf(_headers[i]) == kind)
            {
                _headers.RemoveAt(i);
            }
        }
    }

    private List<CpimAddress> Addresses(CpimHeaderKind kind)
    {
        var list = new List<CpimAddress>();
        foreach (CpimHeader header in _headers)
        {
            if (KindOf(header) == kind && CpimAddress.TryParse(header.Value, out CpimAddress? address))
            {
                list.Add(address!);
            }
        }

        return list;
    }

    private void SetAddresses(CpimHeaderKind kind, IReadOnlyList<CpimAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        RemoveDefault(kind);
        foreach (CpimAddress address in addresses)
        {
            AddDefault(kind, address);
        }
    }

    private void AddDefault(CpimHeaderKind kind, CpimAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        InsertCanonical(new CpimHeader(CpimHeaderNames.Canonical(kind)!, address.ToString()));
    }

    private CpimHeader NewHeader(string namespaceUri, string name, string text, string preferredPrefix)
    {
        ArgumentNullException.ThrowIfNull(namespaceUri);
        ArgumentNullException.ThrowIfNull(name);
        if (!CpimChars.IsName(name))
        {
            throw new ArgumentException("The header name is not 1*NAMECHAR (RFC 3862 §3.4).", nameof(name));
        }

        if (string.Equals(namespaceUri, DefaultNamespaceUri, StringComparison.OrdinalIgnoreCase))
        {
            return new CpimHeader(name, CpimText.Escape(text));
        }

        string prefix = DeclareNamespace(namespaceUri, preferredPrefix);
        return new CpimHeader(string.Concat(prefix, ".", name), CpimText.Escape(text));
    }

    private int IndexOf(string namespaceUri, string name, int start)
    {
        ArgumentNullException.ThrowIfNull(namespaceUri);
        ArgumentNullException.ThrowIfNull(name);
        for (int i = start; i < _headers.Count; i++)
        {
            CpimHeader header = _headers[i];
            if (!string.Equals(header.LocalName, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string? uri = ResolveAt(i, header.Prefix);
            if (uri is not null && string.Equals(uri, namespaceUri, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    // RFC 3862 §3.3: a prefix is bound by an NS header; the nearest declaration before the header wins, and a
    // declaration after it is accepted as well (lenient).
    private string? ResolveAt(int index, string prefix)
    {
        if (prefix.Length == 0)
        {
            return DefaultNamespaceUri;
        }

        for (int j = Math.Min(index, _headers.Count) - 1; j >= 0; j--)
        {
            if (TryNamespace(_headers[j], prefix, out string? uri))
            {
                return uri;
            }
        }

        for (int j = index + 1; j < _headers.Count; j++)
        {
            if (TryNamespace(_headers[j], prefix, out string? uri))
            {
                return uri;
            }
        }

        return null;
    }

    private static bool TryNamespace(CpimHeader header, string prefix, out string? uri)
    {
        uri = null;
        if (KindOf(header) == CpimHeaderKind.Namespace
            && CpimNamespace.TryParse(header.Value, out CpimNamespace ns)
            && string.Equals(ns.Prefix, prefix, StringComparison.OrdinalIgnoreCase))
        {
            uri = ns.Uri;
            return true;
        }

        return false;
    }
}
