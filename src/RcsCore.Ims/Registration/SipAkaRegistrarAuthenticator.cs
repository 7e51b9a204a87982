using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Ims.Authentication;
using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Registration;

/// <summary>Settings of a <see cref="SipAkaRegistrarAuthenticator"/>.</summary>
public sealed class SipAkaAuthenticatorOptions
{
    /// <summary>The realm; null to use the domain of the To URI (the home network domain, 3GPP TS 24.229 §5.4.1.2.1).</summary>
    public string? Realm { get; init; }

    /// <summary>AKAv1-MD5 (RFC 3310) or AKAv2-MD5 (RFC 4169).</summary>
    public SipDigestAlgorithm Algorithm { get; init; } = SipDigestAlgorithm.AkaV1Md5;

    /// <summary>How long a vector's nonce may be used; later it is stale (RFC 7616 §3.3).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Bits of IND in SQN, matching the USIMs (3GPP TS 33.102 Annex C.1.2).</summary>
    public int IndexBits { get; init; } = 5;
}

/// <summary>
/// IMS AKA authentication of REGISTER requests (RFC 3310, RFC 4169, 3GPP TS 33.203 §6.1, TS 24.229 §5.4.1.2): a
/// simulated HSS generates a vector from the subscriber's K, OPc and SEQ (3GPP TS 33.102 §6.3.2) and the registrar
/// challenges with nonce = base64(RAND ‖ AUTN); the answer is checked with XRES as the Digest password (AKAv1) or the
/// password derived from XRES, IK and CK (AKAv2). An <c>auts</c> resynchronises SEQ and brings a fresh challenge
/// (RFC 3310 §3.4, 3GPP TS 33.102 §6.3.5); the new SEQ is written back to the <see cref="ISubscriberStore"/>.
/// </summary>
public sealed partial class SipAkaRegistrarAuthenticator : ISipRegistrarAuthenticator, IDisposable
{
    private readonly ISubscriberStore _subscribers;
    private readonly SipAkaAuthenticatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ImsAkaServer> _hss = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private int _issued;

    private sealed class Pending(string impi, ImsAkaVector vector, long issuedTicks)
    {
        public string Impi { get; } = impi;
        public ImsAkaVector Vector { get; } = vector;
        public SipNonceCounter Counter { get; } = new(issuedTicks);
    }

    /// <summary>Creates the authenticator.</summary>
    public SipAkaRegistrarAuthenticator(ISubscriberStore subscribers, SipAkaAuthenticatorOptions? options = null, TimeProvider? timeProvider = null,
        ILogger<SipAkaRegistrarAuthenticator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(subscribers);
        options ??= new SipAkaAuthenticatorOptions();
        if (!SipDigestAlgorithms.IsAka(options.Algorithm))
        {
            throw new ArgumentException("The algorithm must be AKAv1-MD5 or AKAv2-MD5.", nameof(options));
        }
        _subscribers = subscribers;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Number of outstanding vectors (for tests and metrics).</summary>
    public int PendingVectors => _pending.Count;

    /// <inheritdoc />
    public async ValueTask<SipAuthenticationResult> AuthenticateAsync(SipRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string realm = SipAuthorizationHeaders.RealmFor(request, _options.Realm);
        var credentials = SipAuthorizationHeaders.Find(request, realm, out bool malformed);
        if (credentials is null && malformed)
        {
            return Refuse(SipAuthenticationResult.BadRequest("malformed Authorization"));
        }
        if (credentials is { Nonce.Length: > 0 } && _pending.TryGetValue(credentials.Nonce, out var pending))
        {
            return await AnswerAsync(request, realm, credentials, pending, ct).ConfigureAwait(false);
        }
        // 3GPP TS 24.229 §5.1.1.2.1: the initial REGISTER carries the IMPI in an Authorization with an empty nonce;
        // without one the IMPI is found from the public identity in To.
        var subscriber = credentials is not null
            ? await _subscribers.FindByImpiAsync(credentials.Username, ct).ConfigureAwait(false)
            : request.To is { } to ? await _subscribers.FindByImpuAsync(to.Uri.ToAddressOfRecord(), ct).ConfigureAwait(false) : null;
        if (subscriber?.Aka is null)
        {
            return Refuse(SipAuthenticationResult.Forbidden("unknown user or no AKA subscription"));
        }
        return await ChallengeAsync(subscriber, realm, false, credentials is null ? "no credentials" : "unknown nonce", ct).ConfigureAwait(false);
    }

    private async ValueTask<SipAuthenticationResult> AnswerAsync(SipRequest request, string realm, SipDigestCredentials credentials, Pending pending, CancellationToken ct)
    {
        if (!string.Equals(credentials.Username, pending.Impi, StringComparison.Ordinal))
        {
            return Refuse(SipAuthenticationResult.Forbidden("user name is not the challenged IMPI"));
        }
        var subscriber = await _subscribers.FindByImpiAsync(pending.Impi, ct).ConfigureAwait(false);
        if (subscriber?.Aka is null)
        {
            return Refuse(SipAuthenticationResult.Forbidden("subscriber gone"));
        }
        if (!SipUri.TryParse(credentials.Uri, out var digestUri) || digestUri != request.RequestUri)
        {
            // RFC 7616 §3.4.6.
            return Refuse(SipAuthenticationResult.BadRequest("digest-uri does not match the Request-URI"));
        }
        var hss = Hss(subscriber);
        var verdict = hss.Verify(credentials, request.Method, pending.Vector, request.Body.Span);
        switch (verdict)
        {
            case ImsAkaVerifyResult.Authenticated:
                break;
            case ImsAkaVerifyResult.Resynchronised:
                // RFC 3310 §3.4, 3GPP TS 33.102 §6.3.5: SQN reset from AUTS; challenge again with a fresh vector.
                _pending.TryRemove(credentials.Nonce, out _);
                await _subscribers.UpdateAkaSequenceAsync(subscriber.Impi, hss.Sequence, ct).ConfigureAwait(false);
                Log.Resynchronised(_logger, subscriber.Impi, hss.Sequence);
                return await ChallengeAsync(subscriber, realm, false, "resynchronised", ct).ConfigureAwait(false);
            case ImsAkaVerifyResult.NonceMismatch or ImsAkaVerifyResult.UnsupportedAlgorithm:
                return await ChallengeAsync(subscriber, realm, false, verdict.ToString(), ct).ConfigureAwait(false);
            default:
                // Wrong RES, bad AUTS, or the UE failed to authenticate the network (3GPP TS 24.229 §5.4.1.2.3).
                _pending.TryRemove(credentials.Nonce, out _);
                return Refuse(SipAuthenticationResult.Forbidden(verdict.ToString()));
        }
        long age = _time.GetUtcNow().UtcTicks - pending.Counter.IssuedTicks;
        if (age > _options.NonceLifetime.Ticks)
        {
            // RFC 7616 §3.3: right answer, expired nonce: stale=true with a fresh vector.
            _pending.TryRemove(credentials.Nonce, out _);
            return await ChallengeAsync(subscriber, realm, true, "stale nonce", ct).ConfigureAwait(false);
        }
        if (!pending.Counter.TryAccept(credentials.NonceCount, credentials.Qop != SipDigestQop.None))
        {
            // RFC 7616 §3.4: a reused or lower nc is a replay.
            return await ChallengeAsync(subscriber, realm, false, "nonce count replayed", ct).ConfigureAwait(false);
        }
        Log.Authenticated(_logger, subscriber.Impi);
        return SipAuthenticationResult.Authenticated(subscriber);
    }

    private async ValueTask<SipAuthenticationResult> ChallengeAsync(SipSubscriber subscriber, string realm, bool stale, string detail, CancellationToken ct)
    {
        var hss = Hss(subscriber);
        var vector = hss.GenerateVector(subscriber.Aka!.Amf.Span);
        // 3GPP TS 33.102 Annex C.3: SEQ_HE moves with every vector; keep it so a restart does not reuse SQNs.
        await _subscribers.UpdateAkaSequenceAsync(subscriber.Impi, hss.Sequence, ct).ConfigureAwait(false);
        long now = _time.GetUtcNow().UtcTicks;
        _pending[vector.Nonce] = new Pending(subscriber.Impi, vector, now);
        if (Interlocked.Increment(ref _issued) % 256 == 0)
        {
            Purge(now);
        }
        // 3GPP TS 24.229 §5.4.1.2.1: algorithm AKAv1-MD5 (or v2) and qop="auth".
        var challenge = ImsAkaServer.CreateChallenge(vector, realm, _options.Algorithm, SipDigestQop.Auth);
        if (stale)
        {
            challenge = new SipDigestChallenge(challenge.Realm, challenge.Nonce)
            {
                AlgorithmName = challenge.AlgorithmName,
                Qop = challenge.Qop,
                Stale = true,
            };
        }
        Log.Challenged(_logger, subscriber.Impi, detail);
        return SipAuthenticationResult.Challenge([challenge], detail);
    }

    private void Purge(long now)
    {
        long oldest = now - 2 * _options.NonceLifetime.Ticks;
        foreach (var pair in _pending)
        {
            if (pair.Value.Counter.IssuedTicks < oldest)
            {
                _pending.TryRemove(pair);
            }
        }
    }

    // The simulated HSS/AuC of one subscriber, created from the stored K, OPc and SEQ_HE and kept while the process runs.
    private ImsAkaServer Hss(SipSubscriber subscriber) => _hss.GetOrAdd(subscriber.Impi, static (_, s) =>
        new ImsAkaServer(s.Subscriber.Aka!.K.Span, s.Subscriber.Aka.Opc.Span, s.Subscriber.Aka.Sequence, s.IndexBits), (Subscriber: subscriber, _options.IndexBits));

    private SipAuthenticationResult Refuse(SipAuthenticationResult result)
    {
        Log.Refused(_logger, result.StatusCode, result.Detail);
        return result;
    }

    /// <summary>Wipes the keys of the simulated HSS.</summary>
    public void Dispose()
    {
        foreach (var pair in _hss)
        {
            pair.Value.Dispose();
        }
        _hss.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4120, Level = LogLevel.Debug, Message = "AKA challenge for {Impi}: {Detail}")]
        public static partial void Challenged(ILogger logger, string impi, string detail);

        [LoggerMessage(EventId = 4121, Level = LogLevel.Information, Message = "AKA refused with {Status}: {Detail}")]
        public static partial void Refused(ILogger logger, int status, string detail);

        [LoggerMessage(EventId = 4122, Level = LogLevel.Debug, Message = "{Impi} authenticated with AKA")]
        public static partial void Authenticated(ILogger logger, string impi);

        [LoggerMessage(EventId = 4123, Level = LogLevel.Information, Message = "AKA resynchronised for {Impi}: SEQ_HE {Sequence}")]
        public static partial void Resynchronised(ILogger logger, string impi, ulong sequence);
    }
}

/// <summary>
/// Chooses Digest or IMS AKA per request: credentials with an AKA algorithm go to AKA and others to Digest; without
/// usable credentials the subscriber's data decides (AKA keys and no password → AKA). Lets one registrar serve
/// both kinds of subscribers.
/// </summary>
public sealed class SipSubscriberAuthenticator : ISipRegistrarAuthenticator
{
    private readonly ISubscriberStore _subscribers;
    private readonly ISipRegistrarAuthenticator _digest;
    private readonly ISipRegistrarAuthenticator _aka;
    private readonly string? _realm;

    /// <summary>Creates the selector.</summary>
    public SipSubscriberAuthenticator(ISubscriberStore subscribers, ISipRegistrarAuthenticator digest, ISipRegistrarAuthenticator aka, string? realm = null)
    {
        ArgumentNullException.ThrowIfNull(subscribers);
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentNullException.ThrowIfNull(aka);
        _subscribers = subscribers;
        _digest = digest;
        _aka = aka;
        _realm = realm;
    }

    /// <inheritdoc />
    public async ValueTask<SipAuthenticationResult> AuthenticateAsync(SipRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var credentials = SipAuthorizationHeaders.Find(request, SipAuthorizationHeaders.RealmFor(request, _realm), out _);
        if (credentials is { Nonce.Length: > 0 })
        {
            return SipDigestAlgorithms.IsAka(credentials.Algorithm)
                ? await _aka.AuthenticateAsync(request, ct).ConfigureAwait(false)
                : await _digest.AuthenticateAsync(request, ct).ConfigureAwait(false);
        }
        var subscriber = credentials is not null
            ? await _subscribers.FindByImpiAsync(credentials.Username, ct).ConfigureAwait(false)
            : request.To is { } to ? await _subscribers.FindByImpuAsync(to.Uri.ToAddressOfRecord(), ct).ConfigureAwait(false) : null;
        bool aka = subscriber is { Aka: not null, HasDigestCredentials: false };
        return aka ? await _aka.AuthenticateAsync(request, ct).ConfigureAwait(false) : await _digest.AuthenticateAsync(request, ct).ConfigureAwait(false);
    }
}
