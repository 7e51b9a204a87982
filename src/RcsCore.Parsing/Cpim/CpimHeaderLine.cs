namespace RcsCore.Parsing.Cpim;

/// <summary>
/// One header returned by <see cref="CpimReader.TryReadHeader"/>: spans into the input, nothing copied or decoded.
/// </summary>
public readonly ref struct CpimHeaderLine
{
    private readonly int _prefixLength;

    internal CpimHeaderLine(
        CpimSection section,
        CpimHeaderKind kind,
        ReadOnlySpan<byte> name,
        int prefixLength,
        ReadOnlySpan<byte> parameters,
        ReadOnlySpan<byte> value,
        int offset)
    {
        Section = section;
        Kind = kind;
        Name = name;
        _prefixLength = prefixLength;
        Parameters = parameters;
        Value = value;
        Offset = offset;
    }

    /// <summary>The section the header belongs to: outer, message or content headers.</summary>
    public CpimSection Section { get; }

    /// <summary>The recognised header, or <see cref="CpimHeaderKind.Other"/>.</summary>
    public CpimHeaderKind Kind { get; }

    /// <summary>The header name as written, prefix included (<c>imdn.Message-ID</c>).</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>The RFC 3862 §3.3 name prefix (<c>imdn</c>), empty when the header is in the default namespace.</summary>
    public ReadOnlySpan<byte> Prefix => _prefixLength > 0 ? Name[.._prefixLength] : default;

    /// <summary>The name without its prefix (<c>Message-ID</c>).</summary>
    public ReadOnlySpan<byte> LocalName => _prefixLength > 0 ? Name[(_prefixLength + 1)..] : Name;

    /// <summary>
    /// The raw <c>;name=value</c> parameters between the colon and the value (RFC 3862 §3.4), e.g. <c>;lang=fr</c> of
    /// a Subject; empty when there are none. Only message headers have them.
    /// </summary>
    public ReadOnlySpan<byte> Parameters { get; }

    /// <summary>
    /// The value as written: for a message header without RFC 3862 §3.2 escapes resolved (see <see cref="CpimText"/>),
    /// for a MIME header without surrounding whitespace and with any folding left in place.
    /// </summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The byte offset of the header name in the input.</summary>
    public int Offset { get; }

    /// <summary>Finds a parameter by name (ASCII case-insensitive).</summary>
    /// <param name="name">The parameter name, e.g. <c>lang</c>.</param>
    /// <param name="value">The raw value (a quoted String keeps its quotes), empty when the parameter has none.</param>
    /// <returns>True when the parameter is present.</returns>
    public bool TryGetParameter(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> parameters = Parameters;
        int i = 0;
        while (i < parameters.Length && CpimChars.TryReadParameter(parameters, ref i, out ReadOnlySpan<byte> n, out ReadOnlySpan<byte> v))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(n, name))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }
}
