using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>Dialogs created by non-INVITE requests: subscriptions (RFC 6665) and REFER (RFC 3515).</summary>
public sealed partial class SipUserAgent
{
    /// <summary>
    /// Creates the UAC dialog that a 2xx to a SUBSCRIBE or REFER sent with <see cref="SendRequestAsync"/> creates
    /// (RFC 6665 §4.1.2.1, RFC 3261 §12.1.2) and keeps it, so that NOTIFYs in it reach the NOTIFY handler with
    /// <see cref="SipIncomingRequest.Dialog"/> set instead of getting 481 (RFC 3261 §12.2.2). Returns the dialog
    /// already kept for the same ID, or null when the response cannot create one.
    /// </summary>
    /// <param name="request">The SUBSCRIBE or REFER this UA sent.</param>
    /// <param name="response">Its 2xx response.</param>
    /// <param name="peer">Where the request went: in-dialog requests use this flow unless a next-hop resolver is configured.</param>
    public SipDialog? AddDialog(SipRequest request, SipResponse response, SipEndPoint peer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (request.Method is not ("SUBSCRIBE" or "REFER") || !response.IsSuccess
            || !SipDialog.TryCreateUac(request, response, peer.Protocol == SipTransportProtocol.Tls, out var dialog))
        {
            return null;
        }
        if (FindDialog(dialog.Id) is { } existing)
        {
            return existing;
        }
        RegisterDialog(dialog, peer);
        return dialog;
    }

    /// <summary>
    /// Ends a dialog without sending anything and forgets it: a subscription that terminated (RFC 6665 §4.1.2.4,
    /// §4.4.1). For INVITE dialogs use <see cref="SipDialog.ByeAsync"/>.
    /// </summary>
    public void EndDialog(SipDialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        TerminateDialog(dialog, SipDialogTerminationReason.Ended);
    }
}
