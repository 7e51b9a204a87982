using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Ims.Authentication;
using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Registration;

/// <summary>Settings of a <see cref="SipDigestRegistrarAuthenticator"/>.</summary>
public sealed class SipDigestAuthenticatorOptions
{
    /// <summary>The realm; null to use the domain of the To URI (the home network domain, 3GPP TS 24.229 §5.4.1.2.1).</summary>
    public string? Realm { get; init; }

    /// <summary>
    /// The algorithms offered, preferred first: one WWW-Authenticate per algorithm (RFC 8760 §2.4, RFC 7616 §3.7).
    /// Credentials with another algorithm are challenged again.
    /// </summary>
    public IReadOnlyList<SipDigestAlgorithm> Algorithms { get; init; } = [SipDigestAlgorithm.Sha256, SipDigestAlgorithm.Md5];

    /// <summary>The qop offered (RFC 7616 §3.3); auth by default, so nc gives replay protection.</summary>
    public SipDigestQop Qop { get; init; } = SipDigestQop.Auth;

    /// <summary>How long a nonce may be used; later it is stale and the client is challenged with stale=true (RFC 7616 §3.3).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Digest authentication of REGISTER requests (RFC 3261 §22, RFC 7616, RFC 8760): challenges with 401 and one
/// WWW-Authenticate per configured algorithm, checks the realm, the nonce (issued here, fresh: else stale=true),
/// the digest-uri against the Request-URI (RFC 7616 §3.4.6), nc against replays (RFC 7616 §3.4) and the response
/// against the subscriber's password or H(A1). The user name is the IMPI (3GPP TS 24.229 §5.4.1.2.1).
/// </summary>
public sealed partial class SipDigestRegistrarAuthenticator : ISipRegistrarAuthenticator
{
    private readonly ISubscriberStore _subscribers;
    private readonly SipDigestAuthenticatorOptions _options;
    private readonly SipNonceManager _nonces;
    private readonly ILogger _logger;

    /// <summary>Creates the authenticator.</summary>
    public SipDigestRegistrarAuthenticator(ISubscriberStore subscribers, SipDigestAuthenticatorOptions? options = null, TimeProvider? timeProvider = null,
        ILogger<SipDigestRegistrarAuthenticator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(subscribers);
        options ??= new SipDigestAuthenticatorOptions();
        if (options.Algorithms.Count == 0 || options.Algorithms.Any(a => a == SipDigestAlgorithm.Unknown || SipDigestAlgorithms.IsAka(a)))
        {
            throw new ArgumentException("Offer at least one non-AKA Digest algorithm.", nameof(options));
        }
        _subscribers = subscribers;
        _options = options;
        _nonces = new SipNonceManager(timeProvider ?? TimeProvider.System, options.NonceLifetime);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Number of nonces whose nc is being tracked (for tests and metrics).</summary>
    public int TrackedNonces => _nonces.TrackedCount;

    /// <inheritdoc />
    public async ValueTask<SipAuthenticationResult> AuthenticateAsync(SipRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string realm = SipAuthorizationHeaders.RealmFor(request, _options.Realm);
        var credentials = SipAuthorizationHeaders.Find(request, realm, out bool malformed);
        if (credentials is null)
        {
            // RFC 3261 §22.1: no credentials for our realm: challenge. A malformed header is a bad request.
            return malformed ? Refuse(SipAuthenticationResult.BadRequest("malformed Authorization")) : Challenge(realm, false, "no credentials");
        }
        if (!_options.Algorithms.Contains(credentials.Algorithm) || credentials.UserHash)
        {
            return Challenge(realm, false, "algorithm not offered");
        }
        var state = _nonces.Check(credentials.Nonce, out long issued);
        if (state == SipNonceState.Unknown)
        {
            return Challenge(realm, false, "nonce not issued here");
        }
        if (_options.Qop != SipDigestQop.None && credentials.Qop == SipDigestQop.None)
        {
            // We offered a qop: an RFC 2069 answer would bypass nc replay protection.
            return Challenge(realm, false, "no qop");
        }
        // RFC 7616 §3.4.6: the digest-uri must be the Request-URI.
        if (!SipUri.TryParse(credentials.Uri, out var digestUri) || digestUri != request.RequestUri)
        {
            return Refuse(SipAuthenticationResult.BadRequest("digest-uri does not match the Request-URI"));
        }
        var subscriber = await _subscribers.FindByImpiAsync(credentials.Username, ct).ConfigureAwait(false);
        if (subscriber is null || !subscriber.HasDigestCredentials)
        {
            return Refuse(SipAuthenticationResult.Forbidden("unknown user"));
        }
        var verdict = Verify(subscriber, credentials, request);
        if (verdict != SipDigestVerifyResult.Valid)
        {
            return verdict == SipDigestVerifyResult.UnsupportedAlgorithm
                ? Challenge(realm, false, "no stored credential for the algorithm")
                : Refuse(SipAuthenticationResult.Forbidden("wrong credentials"));
        }
        if (state == SipNonceState.Stale)
        {
            // RFC 7616 §3.3: the credentials were right but the nonce expired: stale=true, the client retries at once.
            return Challenge(realm, true, "stale nonce");
        }
        if (!_nonces.TryAcceptCount(credentials.Nonce, issued, credentials.NonceCount, credentials.Qop != SipDigestQop.None))
        {
            // RFC 7616 §3.4, §5.12: a reused or lower nc is a replay.
            return Challenge(realm, false, "nonce count replayed");
        }
        Log.Authenticated(_logger, subscriber.Impi, credentials.AlgorithmName ?? "MD5");
        return SipAuthenticationResult.Authenticated(subscriber);
    }

    private static SipDigestVerifyResult Verify(SipSubscriber subscriber, SipDigestCredentials credentials, SipRequest request)
    {
        if (subscriber.Password is { } password)
        {
            return SipDigest.VerifyPassword(credentials, request.Method, Encoding.UTF8.GetBytes(password), request.Body.Span);
        }
        if (subscriber.Ha1 is { } ha1 && subscriber.Ha1Algorithm == BaseAlgorithm(credentials.Algorithm)
            && (subscriber.Ha1Realm is null || string.Equals(subscriber.Ha1Realm, credentials.Realm, StringComparison.Ordinal)))
        {
            return SipDigest.VerifyHa1(credentials, request.Method, ha1, request.Body.Span);
        }
        return SipDigestVerifyResult.UnsupportedAlgorithm;
    }

    // The -sess variants use the same stored H(A1) as their base algorithm (RFC 7616 §3.4.2).
    private static SipDigestAlgorithm BaseAlgorithm(SipDigestAlgorithm a) => a switch
    {
        SipDigestAlgorithm.Md5Sess => SipDigestAlgorithm.Md5,
        SipDigestAlgorithm.Sha256Sess => SipDigestAlgorithm.Sha256,
        SipDigestAlgorithm.Sha512T256Sess => SipDigestAlgorithm.Sha512T256,
        _ => a,
    };

    private SipAuthenticationResult Challenge(string realm, bool stale, string detail)
    {
        string nonce = _nonces.Issue();
        var challenges = new SipDigestChallenge[_options.Algorithms.Count];
        for (int i = 0; i < challenges.Length; i++)
        {
            challenges[i] = new SipDigestChallenge(realm, nonce)
            {
                AlgorithmName = SipDigestAlgorithms.GetName(_options.Algorithms[i]),
                Qop = _options.Qop,
                Stale = stale,
            };
        }
        Log.Challenged(_logger, realm, detail);
        return SipAuthenticationResult.Challenge(challenges, detail);
    }

    private SipAuthenticationResult Refuse(SipAuthenticationResult result)
    {
        Log.Refused(_logger, result.StatusCode, result.Detail);
        return result;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4110, Level = LogLevel.Debug, Message = "digest challenge for realm {Realm}: {Detail}")]
        public static partial void Challenged(ILogger logger, string realm, string detail);

        [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "digest refused with {Status}: {Detail}")]
        public static partial void Refused(ILogger logger, int status, string detail);

        [LoggerMessage(EventId = 4112, Level = LogLevel.Debug, Message = "{Impi} authenticated with digest {Algorithm}")]
        public static partial void Authenticated(ILogger logger, string impi, string algorithm);
    }
}
