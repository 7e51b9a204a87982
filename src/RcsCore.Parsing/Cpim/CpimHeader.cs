namespace RcsCore.Parsing.Cpim;

/// <summary>
/// One header of a <see cref="CpimMessage"/> as written on the wire: the name (with any RFC 3862 §3.3 prefix), the raw
/// <c>;name=value</c> parameters and the value with its RFC 3862 §3.2 escapes. Writing it gives back the same bytes.
/// </summary>
public sealed class CpimHeader : IEquatable<CpimHeader>
{
    /// <summary>Creates a header from wire-form parts (nothing is escaped; see <see cref="CpimText.Escape(string)"/>).</summary>
    /// <param name="name">The header name, e.g. <c>From</c>, <c>imdn.Message-ID</c>, <c>Content-Type</c>.</param>
    /// <param name="value">The value as written.</param>
    /// <param name="parameters">The raw parameters after the colon, e.g. <c>;lang=fr</c>, or empty.</param>
    public CpimHeader(string name, string value, string parameters = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(parameters);
        Name = name;
        Value = value;
        Parameters = parameters;
    }

    /// <summary>The header name as written, prefix included.</summary>
    public string Name { get; }

    /// <summary>The raw parameters between the colon and the value (<c>;lang=fr</c>), or empty.</summary>
    public string Parameters { get; }

    /// <summary>The value as written, RFC 3862 §3.2 escapes unresolved.</summary>
    public string Value { get; }

    /// <summary>The name prefix (<c>imdn</c> of <c>imdn.Message-ID</c>), or empty.</summary>
    public string Prefix
    {
        get
        {
            int dot = Name.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? string.Empty : Name[..dot];
        }
    }

    /// <summary>The name without its prefix.</summary>
    public string LocalName
    {
        get
        {
            int dot = Name.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? Name : Name[(dot + 1)..];
        }
    }

    /// <summary>The value with RFC 3862 §3.2 escapes resolved.</summary>
    public string Text => CpimText.Unescape(Value);

    /// <inheritdoc/>
    public bool Equals(CpimHeader? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(Parameters, other.Parameters, StringComparison.Ordinal)
        && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CpimHeader);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(
        StringComparer.Ordinal.GetHashCode(Name), StringComparer.Ordinal.GetHashCode(Parameters), StringComparer.Ordinal.GetHashCode(Value));

    /// <summary>The header line without its terminator: <c>Name:params value</c>.</summary>
    /// <returns>The line.</returns>
    public override string ToString() => string.Concat(Name, ":", Parameters, " ", Value);
}
