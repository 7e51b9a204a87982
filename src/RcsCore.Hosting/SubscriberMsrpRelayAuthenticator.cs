using System.Security.Cryptography;
using System.Text;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Msrp.Relay;

namespace RcsCore.Hosting;

/// <summary>
/// Lets the message centre's MSRP relay authenticate its own subscribers (RFC 4976 §6.3): the AUTH user name is the
/// private identity (IMPI, e.g. <c>alice@example.test</c>) or a public identity (<c>sip:alice@example.test</c>), and the
/// credential is the subscriber's Digest password, or its stored H(A1) when that was made for the same realm and
/// algorithm. Subscribers with only IMS AKA keys cannot use the relay (MSRP AUTH is Digest only).
/// </summary>
internal sealed class SubscriberMsrpRelayAuthenticator(ISubscriberStore subscribers) : IMsrpRelayAuthenticator
{
    public async ValueTask<string?> GetHa1Async(string username, string realm, string algorithm, CancellationToken ct = default)
    {
        var subscriber = await subscribers.FindByImpiAsync(username, ct).ConfigureAwait(false)
            ?? await subscribers.FindByImpuAsync(username.Contains(':', StringComparison.Ordinal) ? username : "sip:" + username, ct).ConfigureAwait(false);
        if (subscriber is null)
        {
            return null;
        }
        if (subscriber.Password is { } password)
        {
            // RFC 7616 §3.4.2: H(A1) = H(username ":" realm ":" password), with the user name as sent in AUTH.
            return Hash(algorithm, $"{username}:{realm}:{password}");
        }
        bool sameAlgorithm = algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase) ? subscriber.Ha1Algorithm == SipDigestAlgorithm.Md5
            : algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase) && subscriber.Ha1Algorithm == SipDigestAlgorithm.Sha256;
        // A stored H(A1) only works when it was computed for this user name, realm and algorithm.
        return subscriber.Ha1 is { } ha1 && sameAlgorithm && string.Equals(subscriber.Ha1Realm, realm, StringComparison.Ordinal)
            && string.Equals(subscriber.Impi, username, StringComparison.Ordinal) ? ha1 : null;
    }

    private static string? Hash(string algorithm, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase))
        {
#pragma warning disable CA5351 // RFC 7616 / RFC 4976 Digest MD5 is the protocol's algorithm, not our choice of hash.
            return Convert.ToHexStringLower(MD5.HashData(bytes));
#pragma warning restore CA5351
        }
        return algorithm.Equals("SHA-256", StringComparison.OrdinalIgnoreCase) ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : null;
    }
}
