using RcsCore.Ims.Authentication;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Registration;

/// <summary>Authenticates REGISTER requests for a <see cref="SipRegistrar"/> (RFC 3261 §10.3 step 3, §22).</summary>
public interface ISipRegistrarAuthenticator
{
    /// <summary>Decides whether the request is authenticated, must be challenged, or is refused. Never throws on bad input.</summary>
    ValueTask<SipAuthenticationResult> AuthenticateAsync(SipRequest request, CancellationToken ct = default);
}

/// <summary>The verdict of an <see cref="ISipRegistrarAuthenticator"/>.</summary>
public enum SipAuthenticationOutcome : byte
{
    /// <summary>The credentials are valid: <see cref="SipAuthenticationResult.Subscriber"/> is who sent them.</summary>
    Authenticated = 0,
    /// <summary>No (usable) credentials: answer 401 with the challenges (RFC 3261 §22.1).</summary>
    Challenge = 1,
    /// <summary>The credentials are wrong or the user is unknown: answer 403.</summary>
    Forbidden = 2,
    /// <summary>The Authorization header is malformed or does not match the request: answer 400.</summary>
    BadRequest = 3,
}

/// <summary>The result of authenticating a request (an error is a value, STYLE.md §2.5).</summary>
public sealed class SipAuthenticationResult
{
    private SipAuthenticationResult(SipAuthenticationOutcome outcome, SipSubscriber? subscriber, IReadOnlyList<SipDigestChallenge> challenges, string detail)
    {
        Outcome = outcome;
        Subscriber = subscriber;
        Challenges = challenges;
        Detail = detail;
    }

    /// <summary>The verdict.</summary>
    public SipAuthenticationOutcome Outcome { get; }

    /// <summary>The authenticated subscriber (IMPI), when <see cref="Outcome"/> is Authenticated.</summary>
    public SipSubscriber? Subscriber { get; }

    /// <summary>The WWW-Authenticate challenges to send with a 401 (preferred first, RFC 8760 §2.4).</summary>
    public IReadOnlyList<SipDigestChallenge> Challenges { get; }

    /// <summary>Why (for logs).</summary>
    public string Detail { get; }

    /// <summary>The response status: 200 (go on), 401, 403 or 400.</summary>
    public int StatusCode => Outcome switch
    {
        SipAuthenticationOutcome.Authenticated => 200,
        SipAuthenticationOutcome.Challenge => 401,
        SipAuthenticationOutcome.Forbidden => 403,
        _ => 400,
    };

    /// <summary>The request is authenticated.</summary>
    public static SipAuthenticationResult Authenticated(SipSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return new(SipAuthenticationOutcome.Authenticated, subscriber, [], string.Empty);
    }

    /// <summary>Challenge the request.</summary>
    public static SipAuthenticationResult Challenge(IReadOnlyList<SipDigestChallenge> challenges, string detail)
    {
        ArgumentNullException.ThrowIfNull(challenges);
        if (challenges.Count == 0)
        {
            throw new ArgumentException("A challenge needs at least one WWW-Authenticate value.", nameof(challenges));
        }
        return new(SipAuthenticationOutcome.Challenge, null, challenges, detail);
    }

    /// <summary>Refuse the request with 403.</summary>
    public static SipAuthenticationResult Forbidden(string detail) => new(SipAuthenticationOutcome.Forbidden, null, [], detail);

    /// <summary>Refuse the request with 400.</summary>
    public static SipAuthenticationResult BadRequest(string detail) => new(SipAuthenticationOutcome.BadRequest, null, [], detail);
}

/// <summary>Helpers shared by the authenticators.</summary>
internal static class SipAuthorizationHeaders
{
    /// <summary>
    /// The Digest credentials of the request for <paramref name="realm"/> (RFC 3261 §22.4: a request may carry several,
    /// one per realm); null when none. <paramref name="malformed"/> is set when a header could not be parsed.
    /// </summary>
    public static SipDigestCredentials? Find(SipRequest request, string realm, out bool malformed)
    {
        malformed = false;
        for (int i = request.IndexOf(SipHeaderName.Authorization, 0); i >= 0; i = request.IndexOf(SipHeaderName.Authorization, i + 1))
        {
            if (SipDigestCredentials.TryParse(request.GetRawValue(i), out var c).IsSuccess && c is not null)
            {
                if (string.Equals(c.Realm, realm, StringComparison.Ordinal))
                {
                    return c;
                }
            }
            else
            {
                malformed = true;
            }
        }
        return null;
    }

    /// <summary>The realm to use: the configured one, else the domain of the AoR in To (the home network domain).</summary>
    public static string RealmFor(SipRequest request, string? configured) =>
        configured ?? request.To?.Uri.Host.ToLowerInvariant() ?? request.RequestUri.Host.ToLowerInvariant();
}
