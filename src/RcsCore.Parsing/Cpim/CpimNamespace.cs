namespace RcsCore.Parsing.Cpim;

/// <summary>An NS header (RFC 3862 §4.6): a name prefix bound to a namespace URI, e.g. <c>imdn &lt;urn:ietf:params:imdn&gt;</c>.</summary>
/// <param name="Prefix">The name prefix, or empty for a declaration without one.</param>
/// <param name="Uri">The namespace URI as written.</param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "URNs as written.")]
public readonly record struct CpimNamespace(string Prefix, string Uri)
{
    /// <summary>Parses an NS value, <c>[ Name-prefix SP ] "&lt;" URI "&gt;"</c>; false when malformed.</summary>
    /// <param name="value">The value as written.</param>
    /// <param name="ns">The declaration.</param>
    /// <returns>True when the value is a declaration.</returns>
    public static bool TryParse(string value, out CpimNamespace ns)
    {
        ArgumentNullException.ThrowIfNull(value);
        ns = default;
        ReadOnlySpan<char> s = value.AsSpan().Trim(" \t");
        int lt = s.IndexOf('<');
        if (lt < 0 || s.Length < 2 || s[^1] != '>')
        {
            return false;
        }

        ReadOnlySpan<char> prefix = s[..lt].TrimEnd(" \t");
        if (!prefix.IsEmpty && !CpimChars.IsName(prefix))
        {
            return false;
        }

        string uri = s[(lt + 1)..^1].ToString();
        if (!CpimAddress.IsValidUri(uri))
        {
            return false;
        }

        ns = new CpimNamespace(prefix.ToString(), uri);
        return true;
    }

    /// <summary>The NS value: <c>prefix &lt;uri&gt;</c>, or <c>&lt;uri&gt;</c> without a prefix.</summary>
    /// <returns>The value to write.</returns>
    public override string ToString() => Prefix.Length == 0 ? string.Concat("<", Uri, ">") : string.Concat(Prefix, " <", Uri, ">");
}
