using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace RcsCore.Parsing.Msrp;

/// <summary>
/// An owned, immutable MSRP URI (RFC 4975 §6): <c>msrp[s]://[userinfo@]host[:port][/session-id];transport[;params]</c>.
/// Equality follows the comparison rules of RFC 4975 §6.1 (see <see cref="MsrpUriParser.UriEquals"/>), so instances
/// can key dictionaries of sessions. Use <see cref="Matches"/> to compare with wire bytes without allocating.
/// </summary>
public sealed class MsrpUri : IEquatable<MsrpUri>
{
    private readonly string _text;
    private readonly string _hostKey;

    private MsrpUri(string text, bool isSecure, string? userInfo, string host, int port, string? sessionId, string transport, string parameters)
    {
        _text = text;
        IsSecure = isSecure;
        UserInfo = userInfo;
        Host = host;
        Port = port;
        SessionId = sessionId;
        Transport = transport;
        Parameters = parameters;
        // RFC 4975 §6.1: hosts compare case-insensitively, IP addresses as addresses.
        _hostKey = MsrpUriParser.TryParseAddress(Encoding.ASCII.GetBytes(host), out var ip) ? ip.ToString() : host.ToLowerInvariant();
    }

    /// <summary>The default port (2855) used when <see cref="Port"/> is absent.</summary>
    public const int DefaultPort = MsrpUriParser.DefaultPort;

    /// <summary>True for <c>msrps</c> (TLS).</summary>
    public bool IsSecure { get; }

    /// <summary><c>msrp</c> or <c>msrps</c>.</summary>
    public string Scheme => IsSecure ? "msrps" : "msrp";

    /// <summary>The userinfo, or null.</summary>
    public string? UserInfo { get; }

    /// <summary>The host as written (IPv6 references keep their brackets).</summary>
    public string Host { get; }

    /// <summary>The port, or -1 when absent.</summary>
    public int Port { get; }

    /// <summary>The port to connect to: <see cref="Port"/>, or 2855 when absent.</summary>
    public int EffectivePort => Port >= 0 ? Port : DefaultPort;

    /// <summary>The session-id, or null (relay URIs, RFC 4976).</summary>
    public string? SessionId { get; }

    /// <summary>The transport, usually <c>tcp</c>.</summary>
    public string Transport { get; }

    /// <summary>URI parameters after the transport, each with its leading ';' (empty when none).</summary>
    public string Parameters { get; }

    /// <summary>Creates a URI from parts; throws <see cref="ArgumentException"/> when they do not form a valid MSRP URI.</summary>
    public static MsrpUri Create(bool isSecure, string host, int port, string? sessionId, string transport = "tcp", string? userInfo = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(transport);
        var sb = new StringBuilder(isSecure ? "msrps://" : "msrp://");
        if (userInfo is not null)
        {
            sb.Append(userInfo).Append('@');
        }
        sb.Append(host);
        if (port >= 0)
        {
            sb.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }
        if (sessionId is not null)
        {
            sb.Append('/').Append(sessionId);
        }
        sb.Append(';').Append(transport);
        var text = sb.ToString();
        if (!TryParse(text, out var uri))
        {
            throw new ArgumentException($"'{text}' is not a valid MSRP URI (RFC 4975 §9).", nameof(host));
        }
        return uri;
    }

    /// <summary>Parses a URI; throws <see cref="FormatException"/> when invalid.</summary>
    public static MsrpUri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var uri) ? uri : throw new FormatException($"'{text}' is not a valid MSRP URI (RFC 4975 §9).");
    }

    /// <summary>Parses a URI given as a string.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out MsrpUri? uri)
    {
        uri = null;
        if (text is null || !Ascii.IsValid(text))
        {
            return false;
        }
        return TryParse(Encoding.ASCII.GetBytes(text), out uri);
    }

    /// <summary>Parses a URI from wire bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out MsrpUri? uri)
    {
        uri = null;
        if (MsrpUriParser.TryParse(utf8, out var p, out _) != MsrpParseError.None)
        {
            return false;
        }
        var scheme = p.IsSecure ? "msrps" : "msrp";
        // Keep the text as written except the scheme, which is canonicalised to lower case.
        var text = scheme + Encoding.ASCII.GetString(utf8[utf8.IndexOf((byte)':')..]);
        uri = new MsrpUri(
            text,
            p.IsSecure,
            p.UserInfo.IsEmpty && utf8.IndexOf((byte)'@') < 0 ? null : Encoding.ASCII.GetString(p.UserInfo),
            Encoding.ASCII.GetString(p.Host),
            p.Port,
            p.HasSessionId ? Encoding.ASCII.GetString(p.SessionId) : null,
            Encoding.ASCII.GetString(p.Transport),
            Encoding.ASCII.GetString(p.Parameters));
        return true;
    }

    /// <summary>Parses a path header value (To-Path, From-Path, Use-Path) into its URIs, in order.</summary>
    public static bool TryParsePath(ReadOnlySpan<byte> value, [NotNullWhen(true)] out IReadOnlyList<MsrpUri>? path)
    {
        path = null;
        var list = new List<MsrpUri>(2);
        foreach (var u in new MsrpPathEnumerator(value))
        {
            if (!TryParse(u, out var uri))
            {
                return false;
            }
            list.Add(uri);
        }
        if (list.Count == 0)
        {
            return false;
        }
        path = list;
        return true;
    }

    /// <summary>Formats URIs as a path header value (separated by one SP, RFC 4975 §9).</summary>
    public static string FormatPath(IEnumerable<MsrpUri> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return string.Join(' ', path.Select(static p => p._text));
    }

    /// <summary>True when <paramref name="utf8Uri"/> denotes this URI under RFC 4975 §6.1 (no allocation unless hosts are IP literals written differently).</summary>
    public bool Matches(ReadOnlySpan<byte> utf8Uri)
    {
        if (MsrpUriParser.TryParse(utf8Uri, out var p, out _) != MsrpParseError.None)
        {
            return false;
        }
        if (p.IsSecure != IsSecure || p.Port != Port || p.HasSessionId != (SessionId is not null) || !Ascii.EqualsIgnoreCase(p.Transport, Transport))
        {
            return false;
        }
        if (SessionId is not null && !Ascii.Equals(p.SessionId, SessionId))
        {
            return false;
        }
        if (Ascii.EqualsIgnoreCase(p.Host, Host))
        {
            return true;
        }
        return MsrpUriParser.TryParseAddress(p.Host, out var ip) && ip.ToString() == _hostKey;
    }

    /// <inheritdoc />
    public bool Equals(MsrpUri? other)
    {
        if (other is null)
        {
            return false;
        }
        // RFC 4975 §6.1: scheme, host, port, session-id (case-sensitive) and transport; never userinfo.
        return IsSecure == other.IsSecure
            && Port == other.Port
            && string.Equals(SessionId, other.SessionId, StringComparison.Ordinal)
            && string.Equals(Transport, other.Transport, StringComparison.OrdinalIgnoreCase)
            && string.Equals(_hostKey, other._hostKey, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MsrpUri u && Equals(u);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(IsSecure, Port, SessionId is null ? 0 : StringComparer.Ordinal.GetHashCode(SessionId), StringComparer.OrdinalIgnoreCase.GetHashCode(Transport), _hostKey);

    /// <summary>The URI as written (scheme in lower case).</summary>
    public override string ToString() => _text;

    /// <summary>Equality under RFC 4975 §6.1.</summary>
    public static bool operator ==(MsrpUri? left, MsrpUri? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality under RFC 4975 §6.1.</summary>
    public static bool operator !=(MsrpUri? left, MsrpUri? right) => !(left == right);
}
