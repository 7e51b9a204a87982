using System.Diagnostics.CodeAnalysis;
using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>
/// An owned SIP, SIPS, tel or other absolute URI (RFC 3261 §19.1, RFC 3966). Immutable. Equality follows
/// RFC 3261 §19.1.4 for SIP/SIPS (escapes decoded, host and scheme case-insensitive, significant parameters compared).
/// </summary>
public sealed class SipUri : IEquatable<SipUri>
{
    private SipUri(string text, SipUriScheme scheme, string schemeText, string? user, string? password, string host, int port,
        SipParameterList parameters, string? headers, string? opaque)
    {
        Text = text;
        Scheme = scheme;
        SchemeText = schemeText;
        User = user;
        Password = password;
        Host = host;
        Port = port;
        Parameters = parameters;
        Headers = headers;
        Opaque = opaque;
    }

    /// <summary>The URI exactly as written.</summary>
    public string Text { get; }

    /// <summary>The scheme kind.</summary>
    public SipUriScheme Scheme { get; }

    /// <summary>The scheme as written.</summary>
    public string SchemeText { get; }

    /// <summary>The user part with escapes decoded (SIP), or the telephone number (tel); null when absent.</summary>
    public string? User { get; }

    /// <summary>The password, if any (deprecated, RFC 3261 §19.1.1).</summary>
    public string? Password { get; }

    /// <summary>The host (IPv6 references keep their brackets); empty for tel and other schemes.</summary>
    public string Host { get; }

    /// <summary>The port, or -1.</summary>
    public int Port { get; }

    /// <summary>URI parameters in order (names and values with escapes kept as written).</summary>
    public SipParameterList Parameters { get; }

    /// <summary>The headers component after '?', undecoded; null when absent.</summary>
    public string? Headers { get; }

    /// <summary>For schemes other than sip/sips/tel: the part after the colon.</summary>
    public string? Opaque { get; }

    /// <summary>The transport parameter, lower-cased, or null.</summary>
    public string? Transport => GetParameter("transport")?.ToLowerInvariant();

    /// <summary>True when the lr parameter (loose routing, RFC 3261 §16.12) is present.</summary>
    public bool IsLooseRouting => HasParameter("lr");

    /// <summary>Parses a URI; throws <see cref="FormatException"/> for invalid input (use <see cref="TryParse(string, out SipUri?)"/> on untrusted input).</summary>
    public static SipUri Parse(string text)
    {
        if (!TryParse(text, out var uri))
        {
            throw new FormatException($"'{text}' is not a valid URI.");
        }
        return uri;
    }

    /// <summary>Parses a URI.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SipUri? uri)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(Encoding.UTF8.GetBytes(text), out uri);
    }

    /// <summary>Parses a URI from bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out SipUri? uri)
    {
        uri = null;
        if (SipUriParser.TryParse(bytes, out var p) != SipParseError.None)
        {
            return false;
        }
        uri = new SipUri(
            Encoding.UTF8.GetString(bytes),
            p.Scheme,
            p.Scheme switch
            {
                SipUriScheme.Sip when p.SchemeText.SequenceEqual("sip"u8) => "sip",
                SipUriScheme.Sips when p.SchemeText.SequenceEqual("sips"u8) => "sips",
                SipUriScheme.Tel when p.SchemeText.SequenceEqual("tel"u8) => "tel",
                _ => Encoding.ASCII.GetString(p.SchemeText),
            },
            p.Scheme == SipUriScheme.Tel ? Encoding.UTF8.GetString(p.User) : p.HasUserInfo ? SipText.Unescape(p.User) : null,
            p.Password.IsEmpty ? null : SipText.Unescape(p.Password),
            Encoding.UTF8.GetString(p.Host),
            p.Port,
            SipParameterList.FromBytes(p.Parameters),
            p.Headers.IsEmpty ? null : Encoding.UTF8.GetString(p.Headers),
            p.Scheme == SipUriScheme.Other ? Encoding.UTF8.GetString(p.Opaque) : null);
        return true;
    }

    /// <summary>Creates a SIP URI from parts.</summary>
    public static SipUri Create(string? user, string host, int port = -1, bool secure = false, string? transport = null)
    {
        var sb = new StringBuilder(secure ? "sips:" : "sip:");
        if (!string.IsNullOrEmpty(user))
        {
            sb.Append(user).Append('@');
        }
        sb.Append(host);
        if (port >= 0)
        {
            sb.Append(':').Append(port);
        }
        if (transport is not null)
        {
            sb.Append(";transport=").Append(transport);
        }
        return Parse(sb.ToString());
    }

    /// <summary>Gets a parameter value (case-insensitive name); empty string for a flag, null when absent.</summary>
    public string? GetParameter(string name) => Parameters.Get(name);

    /// <summary>True when the parameter is present.</summary>
    public bool HasParameter(string name) => GetParameter(name) is not null;

    /// <summary>The address-of-record form: scheme, user and host only (RFC 3261 §10.3 canonicalisation).</summary>
    public string ToAddressOfRecord() => Scheme switch
    {
        SipUriScheme.Sip or SipUriScheme.Sips => User is null ? $"{SchemeText.ToLowerInvariant()}:{Host.ToLowerInvariant()}" : $"{SchemeText.ToLowerInvariant()}:{User}@{Host.ToLowerInvariant()}",
        SipUriScheme.Tel => $"tel:{User}",
        _ => Text,
    };

    /// <inheritdoc />
    public override string ToString() => Text;

    /// <inheritdoc />
    public bool Equals(SipUri? other)
    {
        if (other is null)
        {
            return false;
        }
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (Scheme != other.Scheme)
        {
            return false;
        }
        if (Scheme == SipUriScheme.Other)
        {
            return string.Equals(Text, other.Text, StringComparison.OrdinalIgnoreCase);
        }
        if (Scheme == SipUriScheme.Tel)
        {
            // RFC 3966 §4: visual separators are not significant.
            return string.Equals(StripVisual(User), StripVisual(other.User), StringComparison.OrdinalIgnoreCase) && SameParameters(this, other, true);
        }
        // RFC 3261 §19.1.4: user/password case-sensitive after unescaping; host case-insensitive; ports must match
        // (absent is not equal to 5060); user, ttl, method, maddr and transport parameters must match when in either;
        // other parameters only compared when in both; headers must match.
        return string.Equals(User, other.User, StringComparison.Ordinal)
            && string.Equals(Password, other.Password, StringComparison.Ordinal)
            && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
            && Port == other.Port
            && SameParameters(this, other, false)
            && string.Equals(Headers is null ? null : SipText.Unescape(Encoding.UTF8.GetBytes(Headers)), other.Headers is null ? null : SipText.Unescape(Encoding.UTF8.GetBytes(other.Headers)), StringComparison.OrdinalIgnoreCase);
    }

    private static readonly string[] s_mustMatch = ["user", "ttl", "method", "maddr", "transport"];

    private static bool SameParameters(SipUri a, SipUri b, bool all)
    {
        foreach (var name in s_mustMatch)
        {
            var va = a.GetUnescapedParameter(name);
            var vb = b.GetUnescapedParameter(name);
            if (!string.Equals(va, vb, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        foreach (var p in a.Parameters)
        {
            var vb = b.GetUnescapedParameter(SipText.Unescape(Encoding.UTF8.GetBytes(p.Key)));
            var va = p.Value is null ? string.Empty : SipText.Unescape(Encoding.UTF8.GetBytes(p.Value));
            if (vb is null)
            {
                if (all)
                {
                    return false;
                }
                continue;
            }
            if (!string.Equals(va, vb, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return !all || a.Parameters.Count == b.Parameters.Count;
    }

    private string? GetUnescapedParameter(string name)
    {
        foreach (var p in Parameters)
        {
            if (string.Equals(SipText.Unescape(Encoding.UTF8.GetBytes(p.Key)), name, StringComparison.OrdinalIgnoreCase))
            {
                return p.Value is null ? string.Empty : SipText.Unescape(Encoding.UTF8.GetBytes(p.Value));
            }
        }
        return null;
    }

    private static string? StripVisual(string? number) => number?.Replace("-", string.Empty, StringComparison.Ordinal).Replace(".", string.Empty, StringComparison.Ordinal)
        .Replace("(", string.Empty, StringComparison.Ordinal).Replace(")", string.Empty, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SipUri u && Equals(u);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Scheme, User, Host.ToLowerInvariant(), Port);

    /// <summary>Equality per RFC 3261 §19.1.4.</summary>
    public static bool operator ==(SipUri? left, SipUri? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(SipUri? left, SipUri? right) => !(left == right);
}
