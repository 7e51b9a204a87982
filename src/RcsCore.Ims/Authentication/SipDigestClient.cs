using System.Security.Cryptography;
using System.Text;

namespace RcsCore.Ims.Authentication;

/// <summary>Why a client could not answer a challenge.</summary>
public enum SipDigestError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The challenge names an algorithm this stack does not implement: ignore it (RFC 7616 §3.3).</summary>
    UnsupportedAlgorithm = 1,
    /// <summary>A -sess algorithm without a qop the client supports: there is no cnonce to hash (RFC 7616 §3.4.2).</summary>
    SessionRequiresQop = 2,
    /// <summary>The challenge offers only qop values this stack does not implement.</summary>
    UnsupportedQop = 3,
    /// <summary>An AKA nonce that is not base64 of at least RAND || AUTN (RFC 3310 §3.2).</summary>
    InvalidAkaNonce = 4,
    /// <summary>An AKA challenge answered without an AKA client, or an AKA client given a non-AKA challenge.</summary>
    AlgorithmMismatch = 5,
}

/// <summary>
/// The client side of Digest: answers challenges, generating the cnonce and counting nc per nonce
/// (RFC 7616 §3.4: nc counts the requests the client sent with this nonce, starting at 00000001). Thread-safe.
/// </summary>
public sealed class SipDigestClient
{
    /// <summary>How many nonces the client remembers counts for; beyond it the oldest counts are dropped.</summary>
    public const int MaxTrackedNonces = 64;

    private readonly RandomNumberGenerator? _random;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, uint> _counts = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Creates a client; <paramref name="random"/> supplies cnonce bytes (a test can pass a fixed source).</summary>
    public SipDigestClient(RandomNumberGenerator? random = null) => _random = random;

    /// <summary>The qop to use when the challenge offers both (default <see cref="SipDigestQop.Auth"/>).</summary>
    public SipDigestQop PreferredQop { get; init; } = SipDigestQop.Auth;

    /// <summary>The next nc for <paramref name="nonce"/>: 1 for a new nonce, then 2, 3, … (RFC 7616 §3.4).</summary>
    public uint NextNonceCount(string nonce)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        lock (_lock)
        {
            if (_counts.TryGetValue(nonce, out uint count))
            {
                _counts[nonce] = ++count;
                return count;
            }
            if (_counts.Count >= MaxTrackedNonces)
            {
                _counts.Remove(_order.Dequeue());
            }
            _counts[nonce] = 1;
            _order.Enqueue(nonce);
            return 1;
        }
    }

    /// <summary>A fresh cnonce: 16 random bytes in hex (RFC 7616 §3.4: an opaque quoted string value).</summary>
    public string NewCnonce()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (_random is null)
        {
            RandomNumberGenerator.Fill(bytes);
        }
        else
        {
            _random.GetBytes(bytes);
        }
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>Answers a non-AKA challenge with a text password (UTF-8).</summary>
    public SipDigestError TryCreateCredentials(SipDigestChallenge challenge, string username, string password, string method, string uri,
        ReadOnlySpan<byte> body, out SipDigestCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(password);
        return TryCreateCredentials(challenge, username, Encoding.UTF8.GetBytes(password), method, uri, body, out credentials);
    }

    /// <summary>
    /// Answers a challenge with a password: picks the qop (<see cref="PreferredQop"/> if offered), a cnonce and the next nc,
    /// and computes the response (RFC 7616 §3.4). For AKA challenges use <see cref="TryCreateAkaCredentials"/>.
    /// </summary>
    public SipDigestError TryCreateCredentials(SipDigestChallenge challenge, string username, ReadOnlySpan<byte> password, string method, string uri,
        ReadOnlySpan<byte> body, out SipDigestCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        credentials = null;
        if (SipDigestAlgorithms.IsAka(challenge.Algorithm))
        {
            return SipDigestError.AlgorithmMismatch;
        }
        var error = Prepare(challenge, out var qop, out var cnonce, out uint nc);
        if (error != SipDigestError.None)
        {
            return error;
        }
        credentials = SipDigest.CreateCredentials(challenge, username, password, method, uri, body, qop, cnonce, nc);
        return SipDigestError.None;
    }

    /// <summary>
    /// Answers an AKA challenge (RFC 3310 §3.3–3.4, RFC 4169 §3, 3GPP TS 24.229 §5.1.1.5): runs the AKA client on the
    /// nonce and builds the credentials its outcome calls for — the response keyed with RES (or the AKAv2 password) on
    /// success, an empty-password response plus <c>auts</c> on a synchronisation failure, and an empty response with
    /// no <c>auts</c> when the network failed to authenticate (MAC mismatch).
    /// </summary>
    /// <param name="challenge">An AKAv1-MD5 or AKAv2-MD5 challenge.</param>
    /// <param name="username">The private user identity (IMPI).</param>
    /// <param name="usim">The AKA client holding K and OPc.</param>
    /// <param name="method">The request method.</param>
    /// <param name="uri">The digest-uri.</param>
    /// <param name="body">The body, for auth-int.</param>
    /// <param name="aka">The AKA outcome: keys for sec-agree on success, AUTS on resync.</param>
    /// <param name="credentials">The Authorization value to send, or null on error.</param>
    public SipDigestError TryCreateAkaCredentials(SipDigestChallenge challenge, string username, ImsAkaClient usim, string method, string uri,
        ReadOnlySpan<byte> body, out ImsAkaResult? aka, out SipDigestCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(usim);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        aka = null;
        credentials = null;
        if (!SipDigestAlgorithms.IsAka(challenge.Algorithm))
        {
            return SipDigestError.AlgorithmMismatch;
        }
        if (!ImsAkaNonce.TryDecode(challenge.Nonce, out var nonce))
        {
            return SipDigestError.InvalidAkaNonce;
        }
        aka = usim.Authenticate(nonce.Rand.Span, nonce.Autn.Span);
        switch (aka.Outcome)
        {
            case ImsAkaOutcome.Success:
            {
                var error = Prepare(challenge, out var qop, out var cnonce, out uint nc);
                if (error != SipDigestError.None)
                {
                    return error;
                }
                // RFC 3310 §3.3: RES is the password; RFC 4169 §3: AKAv2 derives it from RES, IK and CK.
                var password = ImsAka.DigestPassword(challenge.Algorithm, aka.Res.Span, aka.Ik.Span, aka.Ck.Span);
                credentials = SipDigest.CreateCredentials(challenge, username, password, method, uri, body, qop, cnonce, nc);
                return SipDigestError.None;
            }
            case ImsAkaOutcome.SynchronisationFailure:
            {
                var error = Prepare(challenge, out var qop, out var cnonce, out uint nc);
                if (error != SipDigestError.None)
                {
                    return error;
                }
                // RFC 3310 §3.4: on a synchronisation failure the response is computed with an empty password and the
                // AUTS goes in the auts parameter for the server to resynchronise (3GPP TS 33.102 §6.3.5).
                var c = SipDigest.CreateCredentials(challenge, username, default, method, uri, body, qop, cnonce, nc);
                credentials = With(c, c.Response, Convert.ToBase64String(aka.Auts.Span));
                return SipDigestError.None;
            }
            default:
            {
                // 3GPP TS 24.229 §5.1.1.5.3: when the UE deems the MAC invalid, the next REGISTER carries no "auts"
                // and an empty "response", i.e. no answer to the challenge: nothing derived from K leaves the client.
                credentials = new SipDigestCredentials(username, challenge.Realm, challenge.Nonce, uri, string.Empty)
                {
                    AlgorithmName = challenge.AlgorithmName,
                    Opaque = challenge.Opaque,
                };
                return SipDigestError.None;
            }
        }
    }

    private SipDigestError Prepare(SipDigestChallenge challenge, out SipDigestQop qop, out string? cnonce, out uint nc)
    {
        qop = SipDigestQop.None;
        cnonce = null;
        nc = 0;
        if (challenge.Algorithm == SipDigestAlgorithm.Unknown)
        {
            return SipDigestError.UnsupportedAlgorithm;
        }
        var offered = challenge.Qop;
        if (offered != SipDigestQop.None)
        {
            qop = (offered & PreferredQop) != 0 ? PreferredQop : (offered & SipDigestQop.Auth) != 0 ? SipDigestQop.Auth : SipDigestQop.AuthInt;
        }
        else if (challenge.QopPresent)
        {
            // A qop parameter with none of auth / auth-int: answering in RFC 2069 form would be refused anyway.
            return SipDigestError.UnsupportedQop;
        }
        if (qop == SipDigestQop.None && SipDigestAlgorithms.IsSession(challenge.Algorithm))
        {
            return SipDigestError.SessionRequiresQop;
        }
        if (qop != SipDigestQop.None)
        {
            cnonce = NewCnonce();
            nc = NextNonceCount(challenge.Nonce);
        }
        return SipDigestError.None;
    }

    private static SipDigestCredentials With(SipDigestCredentials c, string response, string? auts) =>
        new(c.Username, c.Realm, c.Nonce, c.Uri, response)
        {
            AlgorithmName = c.AlgorithmName,
            Cnonce = c.Cnonce,
            Opaque = c.Opaque,
            Qop = c.Qop,
            NonceCount = c.NonceCount,
            UserHash = c.UserHash,
            Auts = auts,
            Extensions = c.Extensions,
        };
}
