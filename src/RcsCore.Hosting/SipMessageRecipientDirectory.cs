using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;

namespace RcsCore.Hosting;

/// <summary>
/// The users the message centre serves: with a subscriber store, every public identity of a subscriber (registered
/// or not: messages for them are stored); with open registration, the users registered now or with a static route.
/// A Request-URI at the server's own address (sip:bob@127.0.0.1:5060) means the user in one of its domains.
/// </summary>
internal sealed class SipMessageRecipientDirectory(SipLocationRouter router, StaticLocationRouter staticRoutes, ISubscriberStore? subscribers, IEnumerable<string> domains)
    : IMessageRecipientDirectory
{
    public async ValueTask<string?> FindUserAsync(SipUri uri, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.User is null || uri.Scheme is not (SipUriScheme.Sip or SipUriScheme.Sips))
        {
            return null;
        }
        string aor = uri.ToAddressOfRecord();
        if (subscribers is not null)
        {
            if (await subscribers.FindByImpuAsync(aor, ct).ConfigureAwait(false) is not null)
            {
                return aor;
            }
            if (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
            {
                foreach (var domain in domains)
                {
                    string alias = SipUri.Create(uri.User, domain, secure: uri.Scheme == SipUriScheme.Sips).ToAddressOfRecord();
                    if (await subscribers.FindByImpuAsync(alias, ct).ConfigureAwait(false) is not null)
                    {
                        return alias;
                    }
                }
            }
        }
        var bindings = await router.FindBindingsAsync(uri, ct).ConfigureAwait(false);
        if (bindings.Count > 0)
        {
            return bindings[0].AddressOfRecord;
        }
        return staticRoutes.Contains(uri.User) ? aor : null;
    }
}
