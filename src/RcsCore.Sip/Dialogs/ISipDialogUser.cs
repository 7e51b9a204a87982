using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Dialogs;

/// <summary>
/// What a dialog needs from the layer above that owns it (the user agent core): Vias for its requests and a way
/// to send them. Keeps the dependency pointing from UserAgent down to Dialogs.
/// </summary>
internal interface ISipDialogUser
{
    /// <summary>A top Via with a new branch for a request sent in <paramref name="dialog"/>.</summary>
    SipViaHeader CreateVia(SipDialog dialog);

    /// <summary>Sends a request in the dialog and returns its final response.</summary>
    Task<SipResponse> SendInDialogAsync(SipDialog dialog, SipRequest request, IProgress<SipResponse>? provisional, CancellationToken ct);

    /// <summary>Terminates the dialog with a BYE.</summary>
    Task<SipResponse> ByeAsync(SipDialog dialog, SipDialogTerminationReason reason, CancellationToken ct);
}
