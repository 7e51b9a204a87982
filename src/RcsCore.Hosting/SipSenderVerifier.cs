using RcsCore.Parsing.Sip;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Hosting;

/// <summary>
/// Who may send as one of our users: the P-CSCF's identity check of 3GPP TS 24.229 §5.2.6.3.3 (a request from a UE is
/// accepted only on the flow the user registered over) and RFC 3325 §5 (a P-Asserted-Identity from an untrusted
/// source is not believed). With a subscriber store, a MESSAGE or INVITE outside a dialog whose From,
/// P-Preferred-Identity or P-Asserted-Identity names one of our users must come from the address (or the connection)
/// that user registered from; otherwise it is refused with 403, so nobody can message in another user's name.
/// Requests of the message centre's own large-message depot are trusted (it sends stored messages in the original
/// sender's name).
/// </summary>
internal sealed class SipSenderVerifier(SipLocationRouter locations, IMessageRecipientDirectory users, Func<MessageCentre> centre)
{
    /// <summary>Null when the request may go on; otherwise why it is refused (the 403 reason).</summary>
    public async ValueTask<string?> CheckAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        var request = transaction.Request;
        if (centre().IsFromLargeMessageDepot(request, transaction.Remote))
        {
            return null;
        }
        string? verified = null;
        foreach (var identity in Identities(request))
        {
            if (await users.FindUserAsync(identity, ct).ConfigureAwait(false) is not { } user)
            {
                // Not one of ours: another network vouches for it (or nobody does); the policy hook decides.
                continue;
            }
            if (user == verified)
            {
                // From and P-Asserted-Identity usually name the same user: its bindings were checked already.
                continue;
            }
            var bindings = await locations.FindBindingsAsync(SipUri.Parse(user), ct).ConfigureAwait(false);
            bool registeredHere = false;
            foreach (var b in bindings)
            {
                // RFC 5626 §5.2: the flow is the source address and port (and the connection for stream transports).
                if ((b.Source is { } source && source.Equals(transaction.Remote))
                    || (b.ConnectionId != 0 && b.ConnectionId == transaction.Inbound.ConnectionId))
                {
                    registeredHere = true;
                    break;
                }
            }
            if (!registeredHere)
            {
                return $"{user} is not registered from {transaction.Remote}";
            }
            verified = user;
        }
        return null;
    }

    private static IEnumerable<SipUri> Identities(SipRequest request)
    {
        if (request.From?.Uri is { } from)
        {
            yield return from;
        }
        foreach (var ppi in request.GetNameAddresses(SipHeaderName.PPreferredIdentity))
        {
            yield return ppi.Uri;
        }
        foreach (var pai in request.GetNameAddresses(SipHeaderName.PAssertedIdentity))
        {
            yield return pai.Uri;
        }
    }
}

