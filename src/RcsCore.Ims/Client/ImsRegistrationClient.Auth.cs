using RcsCore.Ims.Authentication;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Client;

/// <summary>Answering registration challenges: Digest (RFC 7616, RFC 8760) and IMS AKA (RFC 3310, RFC 4169).</summary>
public sealed partial class ImsRegistrationClient
{
    /// <summary>
    /// The Authorization to send before any challenge in this exchange. With a remembered Digest challenge the
    /// answer is computed again with the next nc (RFC 7616 §3.4), so refreshes need no round trip while the nonce
    /// lasts. With AKA (and no usable challenge) it is the TS 24.229 §5.1.1.2.1 form: username = IMPI, the home
    /// realm, uri, and empty nonce and response, so the S-CSCF knows which private identity to challenge.
    /// </summary>
    private (SipDigestCredentials? Credentials, bool Proxy) PreemptiveCredentials()
    {
        SipDigestChallenge? challenge;
        bool proxy;
        lock (_lock)
        {
            challenge = _challenge;
            proxy = _challengeIsProxy;
        }
        var uri = _options.Registrar.Text;
        if (challenge is not null && !SipDigestAlgorithms.IsAka(challenge.Algorithm) && _options.Credentials?.Password is { } password
            && _digest.TryCreateCredentials(challenge, _options.PrivateIdentity, password, "REGISTER", uri, default, out var again) == SipDigestError.None)
        {
            return (again, proxy);
        }
        if (_aka is not null)
        {
            // TS 24.229 §5.1.1.2.1 b): an Authorization with the private user identity and empty nonce and response.
            return (new SipDigestCredentials(_options.PrivateIdentity, _options.Realm ?? _options.Registrar.Host, string.Empty, uri, string.Empty), false);
        }
        return (null, false);
    }

    /// <summary>
    /// The challenge to answer among those in the response: the strongest algorithm the credentials can answer
    /// (RFC 8760 §2.4: the client uses the first supported algorithm in its own order of preference; RFC 3261 §22.4).
    /// </summary>
    private SipDigestChallenge? PickChallenge(SipResponse response, bool proxy)
    {
        SipDigestChallenge? best = null;
        int bestRank = 0;
        foreach (var value in response.GetHeaders(proxy ? SipHeaderName.ProxyAuthenticate : SipHeaderName.WwwAuthenticate))
        {
            if (!SipDigestChallenge.TryParse(value, out var challenge).IsSuccess || challenge is null)
            {
                continue;
            }
            int rank = Rank(challenge.Algorithm);
            if (rank > bestRank)
            {
                best = challenge;
                bestRank = rank;
            }
        }
        return best;
    }

    private int Rank(SipDigestAlgorithm algorithm)
    {
        if (SipDigestAlgorithms.IsAka(algorithm))
        {
            // RFC 4169 §1: AKAv2 binds the password to IK/CK; prefer it over AKAv1.
            return _aka is null ? 0 : algorithm == SipDigestAlgorithm.AkaV2Md5 ? 20 : 10;
        }
        if (_options.Credentials?.Password is null)
        {
            return 0;
        }
        return algorithm switch
        {
            SipDigestAlgorithm.Sha512T256 or SipDigestAlgorithm.Sha512T256Sess => 6,
            SipDigestAlgorithm.Sha256 or SipDigestAlgorithm.Sha256Sess => 5,
            SipDigestAlgorithm.Md5 or SipDigestAlgorithm.Md5Sess => 4,
            _ => 0,
        };
    }

    /// <summary>The credentials answering a challenge, or null when they cannot be computed.</summary>
    private SipDigestCredentials? Answer(SipDigestChallenge challenge, SipRequest request, out ImsAkaOutcome? aka)
    {
        aka = null;
        var uri = request.RequestUriText;
        if (SipDigestAlgorithms.IsAka(challenge.Algorithm))
        {
            if (_aka is null)
            {
                return null;
            }
            var error = _digest.TryCreateAkaCredentials(challenge, _options.PrivateIdentity, _aka, "REGISTER", uri, default, out var result, out var akaCredentials);
            if (error != SipDigestError.None || result is null)
            {
                return null;
            }
            aka = result.Outcome;
            if (result.Outcome != ImsAkaOutcome.Success)
            {
                // RFC 3310 §3.4: a synchronisation failure is answered with auts; TS 24.229 §5.1.1.5.3: a wrong MAC
                // with an empty response and no auts.
                ImsRegistrationLog.AkaOutcome(_logger, result.Outcome, result.Sqn);
            }
            return akaCredentials;
        }
        if (_options.Credentials?.Password is not { } password)
        {
            return null;
        }
        return _digest.TryCreateCredentials(challenge, _options.PrivateIdentity, password, "REGISTER", uri, default, out var credentials) == SipDigestError.None
            ? credentials
            : null;
    }

    private void ForgetChallenge()
    {
        lock (_lock)
        {
            _challenge = null;
        }
    }
}
