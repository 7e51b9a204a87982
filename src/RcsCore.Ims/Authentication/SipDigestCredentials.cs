using System.Globalization;
using System.Text;

namespace RcsCore.Ims.Authentication;

/// <summary>
/// <c>Digest</c> credentials: the value of an Authorization or Proxy-Authorization header field
/// (RFC 3261 §20.7, §20.28, §25.1 dig-resp; RFC 7616 §3.4; RFC 3310 §3.4 auts). Immutable.
/// </summary>
public sealed class SipDigestCredentials
{
    private readonly string? _algorithmName;

    /// <summary>Creates credentials.</summary>
    public SipDigestCredentials(string username, string realm, string nonce, string uri, string response)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(response);
        Username = username;
        Realm = realm;
        Nonce = nonce;
        Uri = uri;
        Response = response;
    }

    /// <summary>The user name, or its hash when <see cref="UserHash"/> is set (RFC 7616 §3.4.4).</summary>
    public string Username { get; }

    /// <summary>The realm of the challenge.</summary>
    public string Realm { get; }

    /// <summary>The nonce of the challenge (empty in an initial IMS REGISTER, 3GPP TS 24.229 §5.1.1.2.1).</summary>
    public string Nonce { get; }

    /// <summary>The digest-uri: the Request-URI of the request (RFC 3261 §22.4).</summary>
    public string Uri { get; }

    /// <summary>The request-digest in lower-case hex; empty when there is none (RFC 3310 / 3GPP TS 24.229 §5.1.1.5.3).</summary>
    public string Response { get; }

    /// <summary>The algorithm name as written, or null when absent (MD5). Setting it also sets <see cref="Algorithm"/>.</summary>
    public string? AlgorithmName
    {
        get => _algorithmName;
        init
        {
            _algorithmName = value;
            Algorithm = value is null ? SipDigestAlgorithm.Md5 : SipDigestAlgorithms.Parse(value);
        }
    }

    /// <summary>The algorithm; <see cref="SipDigestAlgorithm.Md5"/> when absent.</summary>
    public SipDigestAlgorithm Algorithm { get; private init; } = SipDigestAlgorithm.Md5;

    /// <summary>The client nonce; required with a qop (RFC 7616 §3.4).</summary>
    public string? Cnonce { get; init; }

    /// <summary>The opaque value of the challenge, returned unchanged.</summary>
    public string? Opaque { get; init; }

    /// <summary>The qop chosen: <see cref="SipDigestQop.None"/>, <see cref="SipDigestQop.Auth"/> or <see cref="SipDigestQop.AuthInt"/>.</summary>
    public SipDigestQop Qop { get; init; }

    /// <summary>The nonce count (nc), how many requests used this nonce including this one; 0 when absent.</summary>
    public uint NonceCount { get; init; }

    /// <summary>True when <see cref="Username"/> is hashed (RFC 7616 §3.4.4).</summary>
    public bool UserHash { get; init; }

    /// <summary>The base64 AUTS of an AKA synchronisation failure (RFC 3310 §3.4), or null.</summary>
    public string? Auts { get; init; }

    /// <summary>Parameters without a property, in order.</summary>
    public IReadOnlyList<SipAuthParameter> Extensions { get; init; } = [];

    /// <summary>Parses a header value (UTF-8 bytes, without the header name). Never throws on bad input.</summary>
    public static SipDigestParseResult TryParse(ReadOnlySpan<byte> value, out SipDigestCredentials? credentials)
    {
        credentials = null;
        var reader = new SipAuthParamReader(value);
        var result = reader.ReadDigestScheme();
        if (!result.IsSuccess)
        {
            return result;
        }
        string? username = null, realm = null, nonce = null, uri = null, response = null, algorithm = null, cnonce = null, opaque = null, auts = null;
        var qop = SipDigestQop.None;
        bool seenQop = false, seenNc = false, seenUserHash = false, userHash = false;
        uint nc = 0;
        int qopAt = 0;
        List<SipAuthParameter>? extensions = null;
        while (reader.TryNext(out var p, out result))
        {
            if (!p.HasValue)
            {
                return new(SipDigestParseError.InvalidParameter, p.NameOffset, Encoding.ASCII.GetString(p.Name));
            }
            bool duplicate;
            if (p.Is("username"u8))
            {
                duplicate = username is not null;
                username = p.ValueString();
            }
            else if (p.Is("realm"u8))
            {
                duplicate = realm is not null;
                realm = p.ValueString();
            }
            else if (p.Is("nonce"u8))
            {
                duplicate = nonce is not null;
                nonce = p.ValueString();
            }
            else if (p.Is("uri"u8))
            {
                duplicate = uri is not null;
                uri = p.ValueString();
            }
            else if (p.Is("response"u8))
            {
                duplicate = response is not null;
                response = p.ValueString();
            }
            else if (p.Is("algorithm"u8))
            {
                duplicate = algorithm is not null;
                algorithm = p.ValueString();
            }
            else if (p.Is("cnonce"u8))
            {
                duplicate = cnonce is not null;
                cnonce = p.ValueString();
            }
            else if (p.Is("opaque"u8))
            {
                duplicate = opaque is not null;
                opaque = p.ValueString();
            }
            else if (p.Is("auts"u8))
            {
                duplicate = auts is not null;
                auts = p.ValueString();
            }
            else if (p.Is("qop"u8))
            {
                duplicate = seenQop;
                seenQop = true;
                qopAt = p.ValueOffset;
                // RFC 3261 §25.1: message-qop = "qop" EQUAL qop-value — a single value.
                qop = SipDigestChallenge.QopValue(p.Value);
                if (qop == SipDigestQop.None)
                {
                    return new(SipDigestParseError.InvalidValue, p.ValueOffset, "qop");
                }
            }
            else if (p.Is("nc"u8))
            {
                duplicate = seenNc;
                seenNc = true;
                // RFC 3261 §25.1: nonce-count = "nc" EQUAL 8LHEX
                if (p.Value.Length != 8 || !uint.TryParse(Encoding.ASCII.GetString(p.Value), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out nc))
                {
                    return new(SipDigestParseError.InvalidValue, p.ValueOffset, "nc");
                }
            }
            else if (p.Is("userhash"u8))
            {
                duplicate = seenUserHash;
                seenUserHash = true;
                userHash = System.Text.Ascii.EqualsIgnoreCase(p.Value, "true"u8);
            }
            else
            {
                var name = Encoding.ASCII.GetString(p.Name);
                extensions ??= [];
                foreach (var e in extensions)
                {
                    if (e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                    {
                        return new(SipDigestParseError.DuplicateParameter, p.NameOffset, name);
                    }
                }
                extensions.Add(new SipAuthParameter(name, p.ValueString(), p.Quoted));
                continue;
            }
            if (duplicate)
            {
                return new(SipDigestParseError.DuplicateParameter, p.NameOffset, Encoding.ASCII.GetString(p.Name));
            }
        }
        if (!result.IsSuccess)
        {
            return result;
        }
        // RFC 7616 §3.4: username, realm, nonce, uri and response are required; cnonce and nc come with a qop.
        string? missing = username is null ? "username" : realm is null ? "realm" : nonce is null ? "nonce" : uri is null ? "uri" : response is null ? "response" : null;
        if (missing is null && seenQop)
        {
            missing = cnonce is null ? "cnonce" : !seenNc ? "nc" : null;
        }
        if (missing is not null)
        {
            return new(SipDigestParseError.MissingParameter, seenQop && missing is "cnonce" or "nc" ? qopAt : reader.Position, missing);
        }
        credentials = new SipDigestCredentials(username!, realm!, nonce!, uri!, response!)
        {
            AlgorithmName = algorithm,
            Cnonce = cnonce,
            Opaque = opaque,
            Qop = qop,
            NonceCount = nc,
            UserHash = userHash,
            Auts = auts,
            Extensions = extensions is null ? [] : extensions.ToArray(),
        };
        return SipDigestParseResult.Success;
    }

    /// <summary>Parses a header value. Never throws on bad input.</summary>
    public static SipDigestParseResult TryParse(string value, out SipDigestCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (result, parsed) = SipAuthParamReader.WithUtf8(value, static bytes =>
        {
            var r = TryParse(bytes, out var c);
            return (r, c);
        });
        credentials = parsed;
        return result;
    }

    /// <summary>
    /// The header value. RFC 7616 §3.4: username, realm, nonce, uri, response, cnonce and opaque are quoted-strings;
    /// algorithm, qop and nc are not.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Digest username=");
        SipAuthParamReader.AppendQuoted(sb, Username);
        sb.Append(", realm=");
        SipAuthParamReader.AppendQuoted(sb, Realm);
        sb.Append(", nonce=");
        SipAuthParamReader.AppendQuoted(sb, Nonce);
        sb.Append(", uri=");
        SipAuthParamReader.AppendQuoted(sb, Uri);
        sb.Append(", response=");
        SipAuthParamReader.AppendQuoted(sb, Response);
        if (AlgorithmName is not null)
        {
            sb.Append(", algorithm=").Append(AlgorithmName);
        }
        if (Cnonce is not null)
        {
            sb.Append(", cnonce=");
            SipAuthParamReader.AppendQuoted(sb, Cnonce);
        }
        if (Opaque is not null)
        {
            sb.Append(", opaque=");
            SipAuthParamReader.AppendQuoted(sb, Opaque);
        }
        if (Qop != SipDigestQop.None)
        {
            sb.Append(", qop=").Append(Qop == SipDigestQop.AuthInt ? "auth-int" : "auth");
            // RFC 3261 §25.1: nonce-count = "nc" EQUAL 8LHEX
            sb.Append(", nc=").Append(NonceCount.ToString("x8", CultureInfo.InvariantCulture));
        }
        if (UserHash)
        {
            sb.Append(", userhash=true");
        }
        if (Auts is not null)
        {
            // RFC 3310 §3.4: auts = "auts" EQUAL auts-param-value (a quoted base64 AUTS).
            sb.Append(", auts=");
            SipAuthParamReader.AppendQuoted(sb, Auts);
        }
        SipDigestChallenge.AppendExtensions(sb, Extensions);
        return sb.ToString();
    }
}
