using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Features;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;
using RcsCore.Sip.Transport;

namespace RcsCore.Rcs.MessageCentre;

/// <summary>
/// Deferred large messages (OMA CPM large-message mode, GSMA RCC.07): a large-message INVITE for a user with no
/// contact is answered by the centre's depot, which stores the MSRP message and delivers it when the user registers.
/// </summary>
public sealed partial class MessageCentre
{
    // The CPM headers of a large-message session that travel with the stored message (GSMA RCC.07 §3.2).
    private static readonly SipHeaderName[] s_cpmHeaders = [SipHeaderName.ContributionId, SipHeaderName.ConversationId, SipHeaderName.InReplyToContributionId];

    private LargeMessageDepot? _depot;

    /// <summary>Where the large-message depot listens for SIP once started, else null.</summary>
    public SipEndPoint? LargeMessageEndPoint => _depot?.LocalEndPoint;

    /// <summary>
    /// Starts the large-message depot: the centre's own user agent on a new SIP listener next to the server at
    /// <paramref name="server"/> (same address and transport, a free port), to which <see cref="RouteLargeMessage"/>
    /// sends large-message INVITEs for users with no contact, and which sends stored large messages through
    /// <paramref name="server"/> when their recipients register.
    /// </summary>
    /// <param name="server">The server's own listener (the depot's next hop for everything it sends).</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="ct">Cancels the start.</param>
    public async Task StartLargeMessageDepotAsync(SipEndPoint server, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_depot is not null)
        {
            throw new InvalidOperationException("The large-message depot is already running.");
        }
        _depot = await LargeMessageDepot.StartAsync(this, server, loggerFactory ?? NullLoggerFactory.Instance, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The routing hook of the host's proxy: when <paramref name="decision"/> (the location service's) has no target
    /// because the recipient is a user of ours with no contact, and <paramref name="request"/> is a large-message
    /// INVITE outside a dialog (the CPM large-message ICSI in P-Preferred-Service, P-Asserted-Service or Accept-Contact),
    /// the request goes to the depot instead of failing with 480. Otherwise the decision stands.
    /// </summary>
    /// <param name="request">The request being routed.</param>
    /// <param name="decision">The location service's decision.</param>
    /// <returns>The decision to use.</returns>
    public SipProxyDecision RouteLargeMessage(SipRequest request, SipProxyDecision decision)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decision);
        if (_depot is not { } depot || decision.Targets.Count > 0 || decision.RejectStatus != 480
            || decision.RejectReason == SipCallerPreferences.NoMatchingContactReason
            || request.Method != "INVITE" || request.To?.Tag is not null || !CpmServices.RequestsService(request, CpmServices.LargeMessageIcsi) || IsFromLargeMessageDepot(request))
        {
            return decision;
        }
        // RFC 3261 §16.5: the target keeps the user's Request-URI (the depot reads the recipient from it) and the
        // depot's listener is the fixed next hop, as for a registration's Path or flow.
        return SipProxyDecision.Forward([new SipProxyTarget(request.RequestUri, Destination: depot.LocalEndPoint)]);
    }

    /// <summary>
    /// True when <paramref name="request"/> was sent by the large-message depot (its Via names the depot's listener)
    /// and, when <paramref name="source"/> is given, arrived from the depot's address: the depot sends stored messages
    /// in their original sender's name, so the host trusts these (and does not route them back to the depot).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="source">Where it came from, or null when unknown (routing).</param>
    /// <returns>True for the depot's own requests.</returns>
    public bool IsFromLargeMessageDepot(SipRequest request, SipEndPoint? source = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _depot is { } depot && depot.IsFromDepot(request)
            && (source is not { } from || from.Address.Address.Equals(depot.LocalEndPoint.Address.Address));
    }

    /// <summary>The checks a deferred large message passes before the depot answers: a user of ours (404), the policy (403/429...).</summary>
    internal async ValueTask<DeferredAdmission> AdmitDeferredAsync(SipRequest request, SipEndPoint source, CancellationToken ct)
    {
        var recipient = await _directory.FindUserAsync(request.RequestUri, ct).ConfigureAwait(false);
        if (recipient is null)
        {
            return new DeferredAdmission(404, null, null, null, null);
        }
        string sender = await CanonicalAsync(SenderOf(request), ct).ConfigureAwait(false);
        if (_policy is not null)
        {
            var decision = await _policy.CheckAsync(new MessagingRequest
            {
                Sender = sender,
                Recipient = recipient,
                ContentType = request.ContentType,
                Source = source,
                Request = request,
            }, ct).ConfigureAwait(false);
            if (!decision.IsAllowed)
            {
                Log.Refused(_logger, sender, recipient, decision.StatusCode);
                return new DeferredAdmission(decision.StatusCode, decision.Reason, decision.RetryAfter, sender, recipient);
            }
        }
        return new DeferredAdmission(0, null, null, sender, recipient);
    }

    /// <summary>
    /// Stores a large message the depot received and queues it for its recipient (delivered when they register, in
    /// order with their pager-mode messages).
    /// </summary>
    internal async Task StoreDeferredAsync(SipRequest invite, string sender, string recipient, string contentType, byte[] body)
    {
        var message = Capture(invite, sender, recipient, contentType, body, static id => Array.IndexOf(s_cpmHeaders, id) >= 0);
        await EnqueueQuietlyAsync(message).ConfigureAwait(false);
        TrackQueue(recipient);
        _ = Kick(recipient);
        Log.LargeStored(_logger, sender, recipient, body.Length);
    }

    /// <summary>The depot's verdict on a deferred large message: <see cref="Status"/> 0 to accept.</summary>
    internal readonly record struct DeferredAdmission(int Status, string? Reason, TimeSpan? RetryAfter, string? Sender, string? Recipient);
}
