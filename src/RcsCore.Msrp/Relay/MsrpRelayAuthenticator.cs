using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace RcsCore.Msrp.Relay;

/// <summary>
/// Where an <see cref="MsrpRelay"/> finds the credentials of the clients that AUTH to it (RFC 4976 §6.3). The relay
/// does the Digest exchange itself (nonces, replay checks, the response check); this interface only answers with
/// H(A1), so a subscriber store that keeps passwords or H(A1) values can be plugged in. Must be thread-safe.
/// </summary>
public interface IMsrpRelayAuthenticator
{
    /// <summary>
    /// H(A1) = H(username ":" realm ":" password) in lower-case hex (RFC 7616 §3.4.2) for <paramref name="algorithm"/>
    /// (<c>MD5</c> or <c>SHA-256</c>); null when the user is unknown or may not use the relay (the relay answers 403).
    /// </summary>
    ValueTask<string?> GetHa1Async(string username, string realm, string algorithm, CancellationToken ct = default);
}

/// <summary>An <see cref="IMsrpRelayAuthenticator"/> over a fixed map of user names to passwords (tests, small labs).</summary>
public sealed class MsrpPasswordAuthenticator : IMsrpRelayAuthenticator
{
    private readonly Dictionary<string, string> _passwords;

    /// <summary>Creates the authenticator; the map is copied (user names compare ordinally).</summary>
    public MsrpPasswordAuthenticator(IEnumerable<KeyValuePair<string, string>> passwords)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        _passwords = new Dictionary<string, string>(passwords, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public ValueTask<string?> GetHa1Async(string username, string realm, string algorithm, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        ArgumentNullException.ThrowIfNull(algorithm);
        return ValueTask.FromResult(_passwords.TryGetValue(username, out var password)
            ? MsrpDigest.Hash(algorithm, $"{username}:{realm}:{password}")
            : null);
    }
}

/// <summary>What the relay decided about an AUTH request's credentials.</summary>
internal enum MsrpAuthVerdict : byte
{
    /// <summary>Valid: the user is <see cref="MsrpAuthResult.Username"/>.</summary>
    Authenticated = 0,
    /// <summary>No credentials, or an unknown or stale nonce: 401 with a new challenge (RFC 4976 §6.3).</summary>
    Challenge = 1,
    /// <summary>Wrong credentials or unknown user: 403 (RFC 4976 §6.3).</summary>
    Forbidden = 2,
}

internal readonly record struct MsrpAuthResult(MsrpAuthVerdict Verdict, string? Username, bool Stale, string Detail);

/// <summary>
/// The relay side of MSRP Digest (RFC 4976 §6.3 with RFC 7616): issues nonces, remembers the highest nonce-count
/// seen per nonce (replay protection, RFC 7616 §3.4), and checks Authorization values.
/// </summary>
internal sealed class MsrpDigestVerifier
{
    private readonly ConcurrentDictionary<string, NonceState> _nonces = new(StringComparer.Ordinal);
    private readonly IMsrpRelayAuthenticator _authenticator;
    private readonly MsrpRelayOptions _options;
    private readonly string _realm;

    public MsrpDigestVerifier(IMsrpRelayAuthenticator authenticator, MsrpRelayOptions options, string realm)
    {
        _authenticator = authenticator;
        _options = options;
        _realm = realm;
    }

    public int NonceCount => _nonces.Count;

    /// <summary>A WWW-Authenticate value with a fresh nonce (RFC 7616 §3.3; qop auth as RFC 4976 §5.1 shows).</summary>
    public string Challenge(bool stale)
    {
        string nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _nonces[nonce] = new NonceState(_options.TimeProvider.GetTimestamp());
        var sb = new StringBuilder("Digest realm=\"").Append(_realm).Append("\", nonce=\"").Append(nonce).Append("\", qop=\"auth\"");
        if (!string.Equals(_options.DigestAlgorithm, "MD5", StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(", algorithm=").Append(_options.DigestAlgorithm);
        }
        if (stale)
        {
            sb.Append(", stale=true");
        }
        return sb.ToString();
    }

    /// <summary>Checks the Authorization of an AUTH whose first To-Path URI is <paramref name="toUri"/>.</summary>
    public async ValueTask<MsrpAuthResult> VerifyAsync(string? authorization, string toUri, CancellationToken ct)
    {
        if (authorization is null)
        {
            return new(MsrpAuthVerdict.Challenge, null, false, "no credentials");
        }
        if (!MsrpDigest.TryParse(authorization, out var p)
            || !p.TryGetValue("username", out var username)
            || !p.TryGetValue("nonce", out var nonce)
            || !p.TryGetValue("response", out var response))
        {
            return new(MsrpAuthVerdict.Forbidden, null, false, "malformed Authorization");
        }
        if (!p.TryGetValue("realm", out var realm) || !string.Equals(realm, _realm, StringComparison.Ordinal))
        {
            return new(MsrpAuthVerdict.Challenge, null, false, "credentials for another realm");
        }
        string algorithm = p.TryGetValue("algorithm", out var a) ? a : "MD5";
        if (!string.Equals(algorithm, _options.DigestAlgorithm, StringComparison.OrdinalIgnoreCase))
        {
            return new(MsrpAuthVerdict.Challenge, null, false, "algorithm not offered");
        }
        if (!_nonces.TryGetValue(nonce, out var state))
        {
            return new(MsrpAuthVerdict.Challenge, null, false, "nonce not issued here");
        }
        var time = _options.TimeProvider;
        if (time.GetElapsedTime(state.Issued) > _options.NonceLifetime)
        {
            _nonces.TryRemove(nonce, out _);
            return new(MsrpAuthVerdict.Challenge, null, true, "stale nonce");
        }
        // RFC 7616 §3.4.6: the digest-uri names the request target; for AUTH it is the relay URI in To-Path (RFC 4976 §5.1).
        if (!p.TryGetValue("uri", out var uri) || !string.Equals(uri, toUri, StringComparison.Ordinal))
        {
            return new(MsrpAuthVerdict.Forbidden, username, false, "digest-uri does not match To-Path");
        }
        string? qop = null;
        string? nc = null;
        string? cnonce = null;
        if (p.TryGetValue("qop", out var q))
        {
            if (!string.Equals(q, "auth", StringComparison.OrdinalIgnoreCase)
                || !p.TryGetValue("nc", out nc) || !p.TryGetValue("cnonce", out cnonce)
                || !long.TryParse(nc, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out long count))
            {
                return new(MsrpAuthVerdict.Forbidden, username, false, "bad qop, nc or cnonce");
            }
            qop = "auth";
            // RFC 7616 §3.4: a nonce-count must grow; a repeated one is a replay.
            if (!state.TryUse(count))
            {
                return new(MsrpAuthVerdict.Challenge, null, true, "nonce-count replayed");
            }
        }
        else
        {
            // We offered qop=auth (RFC 7616 §3.3): credentials without it cannot be checked for replays.
            return new(MsrpAuthVerdict.Forbidden, username, false, "qop missing");
        }
        string? ha1 = await _authenticator.GetHa1Async(username, realm, algorithm, ct).ConfigureAwait(false);
        if (ha1 is null)
        {
            return new(MsrpAuthVerdict.Forbidden, username, false, "unknown user");
        }
        string expected = MsrpDigest.Response(algorithm, ha1, nonce, nc, cnonce, qop, "AUTH", uri);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(response.ToLowerInvariant())))
        {
            return new(MsrpAuthVerdict.Forbidden, username, false, "wrong response");
        }
        return new(MsrpAuthVerdict.Authenticated, username, false, string.Empty);
    }

    /// <summary>Forgets nonces older than twice their lifetime.</summary>
    public void Sweep()
    {
        var time = _options.TimeProvider;
        foreach (var pair in _nonces)
        {
            if (time.GetElapsedTime(pair.Value.Issued) > _options.NonceLifetime * 2)
            {
                _nonces.TryRemove(pair);
            }
        }
    }

    private sealed class NonceState(long issued)
    {
        private long _lastCount;

        public long Issued { get; } = issued;

        public bool TryUse(long count)
        {
            while (true)
            {
                long last = Volatile.Read(ref _lastCount);
                if (count <= last)
                {
                    return false;
                }
                if (Interlocked.CompareExchange(ref _lastCount, count, last) == last)
                {
                    return true;
                }
            }
        }
    }
}
