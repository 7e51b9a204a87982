using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;

namespace RcsCore.Hosting.ContentServer;

/// <summary>
/// HTTP Digest authentication of uploads (RFC 7616) against the subscriber store the SIP server uses, with the stack's
/// Digest computations (<see cref="SipDigest"/>). The user name is the IMPI or a public identity, as for the MSRP relay.
/// </summary>
/// <remarks>
/// Simplification: GSMA RCC.07 lets the content server authenticate with GBA or an operator token; this server only
/// does Digest with the subscriber's password (or stored H(A1) for the same realm and algorithm). qop=auth only.
/// </remarks>
internal sealed class ContentServerAuthenticator
{
    private const int MaxTrackedNonces = 10_000;
    private readonly ISubscriberStore _subscribers;
    private readonly ContentServerOptions _options;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (long Issued, uint Highest)> _counts = new(StringComparer.Ordinal);

    public ContentServerAuthenticator(ISubscriberStore subscribers, ContentServerOptions options)
    {
        _subscribers = subscribers;
        _options = options;
    }

    /// <summary>The authenticated subscriber's IMPI, or null after a 401/400 response has been written.</summary>
    public async ValueTask<string?> AuthenticateAsync(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            // RFC 7616 §3.3: no credentials: 401 with one challenge per algorithm (§3.7: preferred first).
            return Challenge(context, stale: false);
        }

        if (!SipDigestCredentials.TryParse(header, out SipDigestCredentials? credentials).IsSuccess || credentials is null)
        {
            return await Refuse(context, StatusCodes.Status400BadRequest, "malformed Authorization header").ConfigureAwait(false);
        }

        if (!string.Equals(credentials.Realm, _options.Realm, StringComparison.Ordinal) || !_options.DigestAlgorithms.Contains(credentials.Algorithm)
            || credentials.UserHash || credentials.Qop != SipDigestQop.Auth)
        {
            return Challenge(context, stale: false);
        }

        // RFC 7616 §3.4.6: the digest-uri must be the request-target of this request.
        string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString);
        if (!string.Equals(credentials.Uri, target, StringComparison.Ordinal))
        {
            return await Refuse(context, StatusCodes.Status400BadRequest, "digest uri does not match the request target").ConfigureAwait(false);
        }

        NonceState state = Check(credentials.Nonce, out long issued);
        if (state == NonceState.Unknown)
        {
            return Challenge(context, stale: false);
        }

        var subscriber = await _subscribers.FindByImpiAsync(credentials.Username, context.RequestAborted).ConfigureAwait(false)
            ?? await _subscribers.FindByImpuAsync(credentials.Username.Contains(':', StringComparison.Ordinal) ? credentials.Username : "sip:" + credentials.Username, context.RequestAborted).ConfigureAwait(false);
        if (subscriber is null || Verify(subscriber, credentials, context.Request.Method) != SipDigestVerifyResult.Valid)
        {
            // Wrong user or password: challenge again, as RFC 7235 §3.1 has 401 for credentials that were refused.
            return Challenge(context, stale: false);
        }

        if (state == NonceState.Stale)
        {
            // RFC 7616 §3.3: right credentials, old nonce: stale=true lets the client retry without asking the user.
            return Challenge(context, stale: true);
        }

        if (!TryAcceptCount(credentials.Nonce, issued, credentials.NonceCount))
        {
            // RFC 7616 §3.4, §5.12: nc must grow per nonce; a reused one is a replay.
            return Challenge(context, stale: false);
        }

        return subscriber.Impi;
    }

    private static SipDigestVerifyResult Verify(SipSubscriber subscriber, SipDigestCredentials credentials, string method)
    {
        if (subscriber.Password is { } password)
        {
            return SipDigest.VerifyPassword(credentials, method, Encoding.UTF8.GetBytes(password));
        }

        // A stored H(A1) works only for the user name, realm and algorithm it was made with (RFC 7616 §3.4.2).
        return subscriber.Ha1 is { } ha1 && subscriber.Ha1Algorithm == credentials.Algorithm
            && string.Equals(subscriber.Ha1Realm ?? credentials.Realm, credentials.Realm, StringComparison.Ordinal)
            && string.Equals(subscriber.Impi, credentials.Username, StringComparison.Ordinal)
            ? SipDigest.VerifyHa1(credentials, method, ha1)
            : SipDigestVerifyResult.ResponseMismatch;
    }

    private string? Challenge(HttpContext context, bool stale)
    {
        string nonce = IssueNonce();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        foreach (SipDigestAlgorithm algorithm in _options.DigestAlgorithms)
        {
            var challenge = new SipDigestChallenge(_options.Realm, nonce)
            {
                AlgorithmName = SipDigestAlgorithms.GetName(algorithm),
                Qop = SipDigestQop.Auth,
                Stale = stale,
            };
            context.Response.Headers.Append("WWW-Authenticate", challenge.ToString());
        }

        return null;
    }

    private static async ValueTask<string?> Refuse(HttpContext context, int status, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason, context.RequestAborted).ConfigureAwait(false);
        return null;
    }

    private enum NonceState : byte
    {
        Unknown,
        Fresh,
        Stale,
    }

    // Nonce: base64url(issued ticks ‖ 8 random bytes ‖ first 16 bytes of HMAC-SHA-256 under a per-process key), so
    // authenticity and age are checked without state (RFC 7616 §3.3 leaves the nonce format to the server).
    private string IssueNonce()
    {
        Span<byte> raw = stackalloc byte[32];
        BinaryPrimitives.WriteInt64BigEndian(raw, _options.TimeProvider.GetUtcNow().UtcTicks);
        RandomNumberGenerator.Fill(raw.Slice(8, 8));
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, raw[..16], mac);
        mac[..16].CopyTo(raw[16..]);
        return Convert.ToBase64String(raw).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private NonceState Check(string nonce, out long issued)
    {
        issued = 0;
        Span<byte> raw = stackalloc byte[33];
        if (nonce.Length != 43)
        {
            return NonceState.Unknown;
        }

        string b64 = nonce.Replace('-', '+').Replace('_', '/') + "=";
        if (!Convert.TryFromBase64String(b64, raw, out int n) || n != 32)
        {
            return NonceState.Unknown;
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, raw[..16], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..16], raw.Slice(16, 16)))
        {
            return NonceState.Unknown;
        }

        issued = BinaryPrimitives.ReadInt64BigEndian(raw);
        long age = _options.TimeProvider.GetUtcNow().UtcTicks - issued;
        return age < 0 || age > _options.NonceLifetime.Ticks ? NonceState.Stale : NonceState.Fresh;
    }

    private bool TryAcceptCount(string nonce, long issued, uint nc)
    {
        if (_counts.Count >= MaxTrackedNonces)
        {
            long oldest = _options.TimeProvider.GetUtcNow().UtcTicks - _options.NonceLifetime.Ticks;
            foreach (var pair in _counts)
            {
                if (pair.Value.Issued < oldest)
                {
                    _counts.TryRemove(pair);
                }
            }
        }

        while (true)
        {
            if (!_counts.TryGetValue(nonce, out var seen))
            {
                if (_counts.TryAdd(nonce, (issued, nc)))
                {
                    return true;
                }

                continue;
            }

            if (nc <= seen.Highest)
            {
                return false;
            }

            if (_counts.TryUpdate(nonce, (issued, nc), seen))
            {
                return true;
            }
        }
    }
}
