using System.Text;

namespace RcsCore.Ims.Authentication;

/// <summary>
/// A <c>Digest</c> challenge: the value of a WWW-Authenticate or Proxy-Authenticate header field
/// (RFC 3261 §20.44, §20.27, §25.1 digest-cln; RFC 7616 §3.3; RFC 3310 §3.2 for AKA nonces). Immutable.
/// </summary>
public sealed class SipDigestChallenge
{
    /// <summary>Creates a challenge.</summary>
    public SipDigestChallenge(string realm, string nonce)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(nonce);
        Realm = realm;
        Nonce = nonce;
    }

    /// <summary>The protection space (RFC 7616 §3.3 realm).</summary>
    public string Realm { get; }

    /// <summary>The server nonce; for AKA the base64 of RAND || AUTN [|| server data] (RFC 3310 §3.2).</summary>
    public string Nonce { get; }

    /// <summary>Data the client returns unchanged (RFC 7616 §3.3 opaque).</summary>
    public string? Opaque { get; init; }

    /// <summary>
    /// The algorithm name as written, or null when absent (then MD5, RFC 7616 §3.3). Setting it also sets
    /// <see cref="Algorithm"/>.
    /// </summary>
    public string? AlgorithmName
    {
        get => _algorithmName;
        init
        {
            _algorithmName = value;
            Algorithm = value is null ? SipDigestAlgorithm.Md5 : SipDigestAlgorithms.Parse(value);
        }
    }

    private readonly string? _algorithmName;

    /// <summary>The algorithm; <see cref="SipDigestAlgorithm.Md5"/> when the parameter is absent, <see cref="SipDigestAlgorithm.Unknown"/> when not implemented.</summary>
    public SipDigestAlgorithm Algorithm { get; private init; } = SipDigestAlgorithm.Md5;

    /// <summary>The qop values offered; <see cref="SipDigestQop.None"/> when the parameter is absent (RFC 2069 compatibility).</summary>
    public SipDigestQop Qop { get; init; }

    /// <summary>True when a qop parameter was present, even if none of its values is known.</summary>
    internal bool QopPresent { get; init; }

    /// <summary>True when the previous request was rejected only because its nonce was stale (RFC 7616 §3.3 stale).</summary>
    public bool Stale { get; init; }

    /// <summary>The space-separated URIs of the protection space (RFC 7616 §3.3 domain), as written.</summary>
    public string? Domain { get; init; }

    /// <summary>True when the server supports hashed user names (RFC 7616 §3.3 userhash).</summary>
    public bool UserHash { get; init; }

    /// <summary>The charset the server expects for user name and password, only ever <c>UTF-8</c> (RFC 7616 §3.3 charset).</summary>
    public string? Charset { get; init; }

    /// <summary>Parameters without a property (for example the <c>ik</c>/<c>ck</c> an S-CSCF gives a P-CSCF, 3GPP TS 24.229 §5.4.1.2.1).</summary>
    public IReadOnlyList<SipAuthParameter> Extensions { get; init; } = [];

    /// <summary>Parses a header value (UTF-8 bytes, without the header name). Never throws on bad input.</summary>
    public static SipDigestParseResult TryParse(ReadOnlySpan<byte> value, out SipDigestChallenge? challenge)
    {
        challenge = null;
        var reader = new SipAuthParamReader(value);
        var result = reader.ReadDigestScheme();
        if (!result.IsSuccess)
        {
            return result;
        }
        string? realm = null, nonce = null, opaque = null, algorithm = null, domain = null, charset = null;
        bool stale = false, userHash = false, seenStale = false, seenUserHash = false, seenQop = false, qopOpen = false;
        var qop = SipDigestQop.None;
        List<SipAuthParameter>? extensions = null;
        while (reader.TryNext(out var p, out result))
        {
            if (!p.HasValue)
            {
                // Some servers write an unquoted list: qop=auth,auth-int. Accept its continuation.
                if (qopOpen && SipAuthParamReader.IsToken(p.Name))
                {
                    qop |= QopValue(p.Name);
                    continue;
                }
                return new(SipDigestParseError.InvalidParameter, p.NameOffset, Encoding.ASCII.GetString(p.Name));
            }
            qopOpen = false;
            bool duplicate;
            if (p.Is("realm"u8))
            {
                duplicate = realm is not null;
                realm = p.ValueString();
            }
            else if (p.Is("nonce"u8))
            {
                duplicate = nonce is not null;
                nonce = p.ValueString();
            }
            else if (p.Is("opaque"u8))
            {
                duplicate = opaque is not null;
                opaque = p.ValueString();
            }
            else if (p.Is("algorithm"u8))
            {
                duplicate = algorithm is not null;
                algorithm = p.ValueString();
            }
            else if (p.Is("domain"u8))
            {
                duplicate = domain is not null;
                domain = p.ValueString();
            }
            else if (p.Is("charset"u8))
            {
                duplicate = charset is not null;
                charset = p.ValueString();
            }
            else if (p.Is("stale"u8))
            {
                duplicate = seenStale;
                seenStale = true;
                // RFC 7616 §3.3: stale is TRUE case-insensitively; anything else means FALSE.
                stale = System.Text.Ascii.EqualsIgnoreCase(p.Value, "true"u8);
            }
            else if (p.Is("userhash"u8))
            {
                duplicate = seenUserHash;
                seenUserHash = true;
                userHash = System.Text.Ascii.EqualsIgnoreCase(p.Value, "true"u8);
            }
            else if (p.Is("qop"u8))
            {
                duplicate = seenQop;
                seenQop = true;
                // RFC 7616 §3.3: qop = quoted list of qop-value; unknown tokens are ignored.
                foreach (var range in p.Value.Split((byte)','))
                {
                    qop |= QopValue(Trim(p.Value[range]));
                }
                qopOpen = !p.Quoted;
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
        // RFC 3261 §25.1 / RFC 7616 §3.3: realm and nonce are required.
        if (realm is null)
        {
            return new(SipDigestParseError.MissingParameter, reader.Position, "realm");
        }
        if (nonce is null)
        {
            return new(SipDigestParseError.MissingParameter, reader.Position, "nonce");
        }
        challenge = new SipDigestChallenge(realm, nonce)
        {
            Opaque = opaque,
            AlgorithmName = algorithm,
            Qop = qop,
            QopPresent = seenQop,
            Stale = stale,
            Domain = domain,
            UserHash = userHash,
            Charset = charset,
            Extensions = extensions is null ? [] : extensions.ToArray(),
        };
        return SipDigestParseResult.Success;
    }

    /// <summary>Parses a header value. Never throws on bad input.</summary>
    public static SipDigestParseResult TryParse(string value, out SipDigestChallenge? challenge)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (result, parsed) = SipAuthParamReader.WithUtf8(value, static bytes =>
        {
            var r = TryParse(bytes, out var c);
            return (r, c);
        });
        challenge = parsed;
        return result;
    }

    /// <summary>The header value: <c>Digest realm="…", nonce="…", …</c>, quoting as RFC 7616 §3.3 and RFC 3261 §25.1 do.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Digest realm=");
        SipAuthParamReader.AppendQuoted(sb, Realm);
        if (Domain is not null)
        {
            sb.Append(", domain=");
            SipAuthParamReader.AppendQuoted(sb, Domain);
        }
        sb.Append(", nonce=");
        SipAuthParamReader.AppendQuoted(sb, Nonce);
        if (Opaque is not null)
        {
            sb.Append(", opaque=");
            SipAuthParamReader.AppendQuoted(sb, Opaque);
        }
        if (Stale)
        {
            sb.Append(", stale=true");
        }
        if (AlgorithmName is not null)
        {
            sb.Append(", algorithm=").Append(AlgorithmName);
        }
        if (Qop != SipDigestQop.None)
        {
            // RFC 3261 §25.1: qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT
            sb.Append(", qop=\"").Append(Qop switch
            {
                SipDigestQop.Auth => "auth",
                SipDigestQop.AuthInt => "auth-int",
                _ => "auth,auth-int",
            }).Append('"');
        }
        if (Charset is not null)
        {
            sb.Append(", charset=").Append(Charset);
        }
        if (UserHash)
        {
            sb.Append(", userhash=true");
        }
        AppendExtensions(sb, Extensions);
        return sb.ToString();
    }

    internal static void AppendExtensions(StringBuilder sb, IReadOnlyList<SipAuthParameter> extensions)
    {
        foreach (var e in extensions)
        {
            sb.Append(", ").Append(e.Name).Append('=');
            if (e.Quoted)
            {
                SipAuthParamReader.AppendQuoted(sb, e.Value);
            }
            else
            {
                sb.Append(e.Value);
            }
        }
    }

    internal static SipDigestQop QopValue(ReadOnlySpan<byte> token) =>
        System.Text.Ascii.EqualsIgnoreCase(token, "auth"u8) ? SipDigestQop.Auth
        : System.Text.Ascii.EqualsIgnoreCase(token, "auth-int"u8) ? SipDigestQop.AuthInt
        : SipDigestQop.None;

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        int a = 0, b = s.Length;
        while (a < b && SipAuthParamReader.IsLws(s[a]))
        {
            a++;
        }
        while (b > a && SipAuthParamReader.IsLws(s[b - 1]))
        {
            b--;
        }
        return s[a..b];
    }
}
