using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RcsCore.Msrp;

/// <summary>Digest credentials for MSRP AUTH (RFC 4976 §5.1, digest of RFC 2617 / RFC 7616).</summary>
public interface IMsrpDigestCredentials
{
    /// <summary>The username.</summary>
    string Username { get; }

    /// <summary>
    /// HA1 = H(username ":" realm ":" password) in lower-case hex, for <paramref name="algorithm"/> (<c>MD5</c> or
    /// <c>SHA-256</c>, RFC 7616 §3.4.2). A store that keeps HA1 values can return them without the password.
    /// </summary>
    string ComputeHa1(string realm, string algorithm);
}

/// <summary>Username and password credentials.</summary>
public sealed class MsrpPasswordCredentials : IMsrpDigestCredentials
{
    private readonly string _password;

    /// <summary>Creates the credentials.</summary>
    public MsrpPasswordCredentials(string username, string password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(password);
        Username = username;
        _password = password;
    }

    /// <inheritdoc />
    public string Username { get; }

    /// <inheritdoc />
    public string ComputeHa1(string realm, string algorithm) => MsrpDigest.Hash(algorithm, $"{Username}:{realm}:{_password}");
}

/// <summary>The digest computations MSRP AUTH needs (RFC 4976 §5.1 with RFC 2617 §3.2.2 / RFC 7616 §3.4.1).</summary>
internal static class MsrpDigest
{
    /// <summary>Lower-case hex of MD5 or SHA-256 (RFC 7616 §3.4.2) of the UTF-8 text.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "RFC 4976 §5.1 uses HTTP Digest, whose default algorithm is MD5 (RFC 7616 §3.3); relays such as Kamailio require it.")]
    public static string Hash(string algorithm, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var hash = IsSha256(algorithm) ? SHA256.HashData(bytes) : MD5.HashData(bytes);
        return Convert.ToHexStringLower(hash);
    }

    private static bool IsSha256(string algorithm) =>
        algorithm.StartsWith("SHA-256", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// request-digest (RFC 2617 §3.2.2.1): with qop, H(HA1:nonce:nc:cnonce:qop:HA2), else H(HA1:nonce:HA2);
    /// HA2 = H(method:digest-uri), method AUTH and digest-uri the relay URI (RFC 4976 §5.1).
    /// </summary>
    public static string Response(string algorithm, string ha1, string nonce, string? nc, string? cnonce, string? qop, string method, string uri)
    {
        string ha2 = Hash(algorithm, method + ":" + uri);
        return qop is null
            ? Hash(algorithm, $"{ha1}:{nonce}:{ha2}")
            : Hash(algorithm, $"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
    }

    /// <summary>Parses <c>Digest k=v, k="v", ...</c> into parameters (names lower-cased); false when not Digest.</summary>
    public static bool TryParse(string? header, out Dictionary<string, string> parameters)
    {
        parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (header is null)
        {
            return false;
        }
        var text = header.AsSpan().Trim();
        if (!text.StartsWith("Digest", StringComparison.OrdinalIgnoreCase) || (text.Length > 6 && text[6] != ' '))
        {
            return false;
        }
        text = text[6..];
        while (true)
        {
            text = text.TrimStart(" ,\t");
            if (text.IsEmpty)
            {
                return true;
            }
            int eq = text.IndexOf('=');
            if (eq <= 0)
            {
                return false;
            }
            string name = text[..eq].Trim().ToString();
            text = text[(eq + 1)..].TrimStart();
            string value;
            if (!text.IsEmpty && text[0] == '"')
            {
                var sb = new StringBuilder();
                int i = 1;
                for (; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    sb.Append(text[i]);
                }
                if (i >= text.Length)
                {
                    return false;
                }
                value = sb.ToString();
                text = text[(i + 1)..];
            }
            else
            {
                int comma = text.IndexOf(',');
                value = (comma < 0 ? text : text[..comma]).Trim().ToString();
                text = comma < 0 ? default : text[comma..];
            }
            parameters[name] = value;
        }
    }

    /// <summary>Builds the Authorization value answering a challenge (RFC 4976 §5.1, RFC 7616 §3.4).</summary>
    public static string Authorize(IReadOnlyDictionary<string, string> challenge, IMsrpDigestCredentials credentials, string uri, int nonceCount)
    {
        string realm = challenge.TryGetValue("realm", out var r) ? r : string.Empty;
        string nonce = challenge.TryGetValue("nonce", out var n) ? n : string.Empty;
        string algorithm = challenge.TryGetValue("algorithm", out var a) ? a : "MD5";
        string? qop = null;
        if (challenge.TryGetValue("qop", out var qops))
        {
            foreach (var q in qops.Split(',', StringSplitOptions.TrimEntries))
            {
                if (q.Equals("auth", StringComparison.OrdinalIgnoreCase))
                {
                    qop = "auth";
                }
            }
        }
        string nc = nonceCount.ToString("x8", CultureInfo.InvariantCulture);
        string cnonce = MsrpWire.NewId(16);
        string ha1 = credentials.ComputeHa1(realm, algorithm);
        string response = Response(algorithm, ha1, nonce, nc, cnonce, qop, "AUTH", uri);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Digest username=\"{credentials.Username}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"");
        if (challenge.ContainsKey("algorithm"))
        {
            sb.Append(", algorithm=").Append(algorithm);
        }
        if (qop is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"");
        }
        if (challenge.TryGetValue("opaque", out var opaque))
        {
            sb.Append(", opaque=\"").Append(opaque).Append('"');
        }
        return sb.ToString();
    }
}
