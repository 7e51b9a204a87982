using System.Diagnostics.CodeAnalysis;
using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>An owned name-addr with header parameters: From, To, Contact, Route, P-Asserted-Identity... (RFC 3261 §20.10).</summary>
public sealed class SipNameAddress
{
    /// <summary>Creates a value.</summary>
    public SipNameAddress(SipUri uri, string? displayName = null, IEnumerable<KeyValuePair<string, string?>>? parameters = null, bool isWildcard = false)
    {
        ArgumentNullException.ThrowIfNull(uri);
        Uri = uri;
        DisplayName = displayName;
        Parameters = parameters is null ? SipParameterList.Empty : SipParameterList.FromPairs(parameters);
        IsWildcard = isWildcard;
    }

    /// <summary>The URI.</summary>
    public SipUri Uri { get; }

    /// <summary>The display name, unquoted; null when absent.</summary>
    public string? DisplayName { get; }

    /// <summary>Header parameters in order (quoted values keep their quotes).</summary>
    public SipParameterList Parameters { get; }

    /// <summary>True for <c>Contact: *</c>.</summary>
    public bool IsWildcard { get; }

    /// <summary>The tag parameter (RFC 3261 §19.3), or null.</summary>
    public string? Tag => GetParameter("tag");

    /// <summary>Gets a header parameter (case-insensitive); empty for a flag, null when absent.</summary>
    public string? GetParameter(string name) => Parameters.Get(name);

    /// <summary>Returns a copy with a parameter set (replacing one of the same name).</summary>
    public SipNameAddress WithParameter(string name, string? value)
    {
        var list = new List<KeyValuePair<string, string?>>(Parameters.Count + 1);
        foreach (var p in Parameters)
        {
            if (!string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                list.Add(p);
            }
        }
        list.Add(new KeyValuePair<string, string?>(name, value));
        return new SipNameAddress(Uri, DisplayName, list, IsWildcard);
    }

    /// <summary>Parses one name-addr / addr-spec value.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SipNameAddress? value)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(Encoding.UTF8.GetBytes(text), out value);
    }

    /// <summary>Parses one name-addr / addr-spec value from bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out SipNameAddress? value)
    {
        value = null;
        int pos = 0;
        if (SipNameAddrParser.TryParseNext(bytes, ref pos, true, out var na, out _) != SipParseError.None || pos != bytes.Length)
        {
            return false;
        }
        return TryCreate(na, out value);
    }

    /// <summary>Parses a comma-separated list (Contact, Route, Record-Route...); false when any element is malformed.</summary>
    public static bool TryParseList(ReadOnlySpan<byte> bytes, List<SipNameAddress> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (SipNameAddrParser.TryParseNext(bytes, ref pos, true, out var na, out _) != SipParseError.None || !TryCreate(na, out var v))
            {
                return false;
            }
            into.Add(v);
        }
        return true;
    }

    internal static bool TryCreate(scoped in SipNameAddr na, [NotNullWhen(true)] out SipNameAddress? value)
    {
        value = null;
        SipUri? uri;
        if (na.IsWildcard)
        {
            uri = s_wildcardUri;
        }
        else if (!SipUri.TryParse(na.Uri, out uri))
        {
            return false;
        }
        string? display = na.DisplayName.IsEmpty ? null : SipText.Unquote(na.DisplayName);
        value = new SipNameAddress(uri, display, SipParameterList.FromBytes(na.Parameters), na.IsWildcard);
        return true;
    }

    // "*" is not a URI (RFC 3261 §20.10): the wildcard carries a placeholder in the reserved .invalid domain (RFC 2606).
    private static readonly SipUri s_wildcardUri = SipUri.Parse("sip:wildcard.invalid");

    /// <summary>Writes the canonical name-addr form: <c>"Display" &lt;uri&gt;;param=value</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (IsWildcard)
        {
            sb.Append('*');
        }
        else
        {
            if (!string.IsNullOrEmpty(DisplayName))
            {
                sb.Append(SipText.QuoteIfNeeded(DisplayName)).Append(' ');
            }
            sb.Append('<').Append(Uri.Text).Append('>');
        }
        foreach (var p in Parameters)
        {
            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }
        return sb.ToString();
    }
}

/// <summary>An owned Via value (RFC 3261 §20.42, RFC 3581).</summary>
public sealed class SipViaHeader
{
    /// <summary>Creates a Via value.</summary>
    public SipViaHeader(string transport, string host, int port, IEnumerable<KeyValuePair<string, string?>>? parameters = null)
    {
        Transport = transport;
        Host = host;
        Port = port;
        Parameters = parameters is null ? SipParameterList.Empty : SipParameterList.FromPairs(parameters);
    }

    /// <summary>The transport token, upper-case as written (UDP, TCP, TLS...).</summary>
    public string Transport { get; }

    /// <summary>sent-by host.</summary>
    public string Host { get; }

    /// <summary>sent-by port, or -1.</summary>
    public int Port { get; }

    /// <summary>Parameters in order.</summary>
    public SipParameterList Parameters { get; }

    /// <summary>The branch parameter, or null.</summary>
    public string? Branch => GetParameter("branch");

    /// <summary>The received parameter, or null.</summary>
    public string? Received => GetParameter("received");

    /// <summary>The maddr parameter, or null.</summary>
    public string? MAddr => GetParameter("maddr");

    /// <summary>True when rport is present (RFC 3581).</summary>
    public bool HasRPort => GetParameter("rport") is not null;

    /// <summary>The rport value when filled in, or null.</summary>
    public int? RPort => int.TryParse(GetParameter("rport"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) ? p : null;

    /// <summary>True when the branch carries the RFC 3261 magic cookie (§8.1.1.7).</summary>
    public bool HasRfc3261Branch => Branch?.StartsWith("z9hG4bK", StringComparison.Ordinal) == true;

    /// <summary>Gets a parameter (case-insensitive); empty for a flag, null when absent.</summary>
    public string? GetParameter(string name) => Parameters.Get(name);

    internal static SipViaHeader Create(scoped in SipVia via) => new(
        TransportName(via.Transport),
        Encoding.ASCII.GetString(via.Host),
        via.Port,
        SipParameterList.FromBytes(via.Parameters));

    private static string TransportName(ReadOnlySpan<byte> t) =>
        System.Text.Ascii.EqualsIgnoreCase(t, "UDP"u8) ? "UDP"
        : System.Text.Ascii.EqualsIgnoreCase(t, "TCP"u8) ? "TCP"
        : System.Text.Ascii.EqualsIgnoreCase(t, "TLS"u8) ? "TLS"
        : Encoding.ASCII.GetString(t).ToUpperInvariant();

    /// <summary>Writes <c>SIP/2.0/TRANSPORT host:port;params</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("SIP/2.0/").Append(Transport).Append(' ').Append(Host);
        if (Port >= 0)
        {
            sb.Append(':').Append(Port);
        }
        foreach (var p in Parameters)
        {
            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }
        return sb.ToString();
    }
}

/// <summary>A CSeq value (RFC 3261 §20.16).</summary>
/// <param name="Number">The sequence number (&lt; 2^31).</param>
/// <param name="Method">The method.</param>
public readonly record struct SipCSeq(uint Number, string Method)
{
    /// <inheritdoc />
    public override string ToString() => $"{Number} {Method}";
}
