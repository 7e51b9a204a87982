namespace RcsCore.Sip.Dialogs;

/// <summary>The states of a dialog (RFC 3261 §12: early, confirmed, and ended).</summary>
public enum SipDialogState : byte
{
    /// <summary>Created by a provisional response with a To tag (RFC 3261 §12.1): it may still fail.</summary>
    Early = 0,
    /// <summary>Created or confirmed by a 2xx response (RFC 3261 §12.1).</summary>
    Confirmed = 1,
    /// <summary>Ended by a BYE, a failure response or a timeout (RFC 3261 §12.3, §15).</summary>
    Terminated = 2,
}

/// <summary>Which side of the dialog-creating request this UA was (RFC 3261 §12.1.1, §12.1.2).</summary>
public enum SipDialogRole : byte
{
    /// <summary>This UA sent the request that created the dialog.</summary>
    Uac = 0,
    /// <summary>This UA received the request that created the dialog.</summary>
    Uas = 1,
}

/// <summary>Why a dialog ended.</summary>
public enum SipDialogTerminationReason : byte
{
    /// <summary>This UA sent a BYE (RFC 3261 §15.1.1).</summary>
    LocalBye = 0,
    /// <summary>The peer sent a BYE (RFC 3261 §15.1.2).</summary>
    RemoteBye = 1,
    /// <summary>The INVITE got a non-2xx final response, which ends its early dialogs (RFC 3261 §12.3).</summary>
    Rejected = 2,
    /// <summary>The INVITE was cancelled (RFC 3261 §9).</summary>
    Cancelled = 3,
    /// <summary>No ACK arrived for the 2xx within 64*T1; a BYE was sent (RFC 3261 §13.3.1.4).</summary>
    AckTimeout = 4,
    /// <summary>An in-dialog request got 481 or 408 (RFC 3261 §12.2.1.2).</summary>
    RequestFailed = 5,
    /// <summary>An extra 2xx from another fork: the dialog was ACKed and released with a BYE (RFC 3261 §13.2.2.4).</summary>
    ForkReleased = 6,
    /// <summary>An early dialog whose fork never answered with a 2xx after another fork did (RFC 3261 §13.2.2.4).</summary>
    EarlyDialogExpired = 7,
    /// <summary>The user agent was disposed.</summary>
    Shutdown = 8,
    /// <summary>Its owner ended it without a request: a subscription that terminated (RFC 6665 §4.4.1).</summary>
    Ended = 9,
}

/// <summary>
/// A dialog identifier (RFC 3261 §12): Call-ID, local tag and remote tag, compared byte for byte (§8.1.1.4).
/// A missing tag of an RFC 2543 peer is the empty string.
/// </summary>
/// <param name="CallId">The Call-ID.</param>
/// <param name="LocalTag">The tag this UA chose (From tag of its requests).</param>
/// <param name="RemoteTag">The tag the peer chose.</param>
public readonly record struct SipDialogId(string CallId, string LocalTag, string RemoteTag)
{
    /// <inheritdoc />
    public override string ToString() => $"{CallId};local={LocalTag};remote={RemoteTag}";
}

/// <summary>Data of <see cref="UserAgent.SipUserAgent.DialogTerminated"/>.</summary>
public sealed class SipDialogTerminatedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public SipDialogTerminatedEventArgs(SipDialog dialog, SipDialogTerminationReason reason)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        Dialog = dialog;
        Reason = reason;
    }

    /// <summary>The dialog, now in <see cref="SipDialogState.Terminated"/>.</summary>
    public SipDialog Dialog { get; }

    /// <summary>Why it ended.</summary>
    public SipDialogTerminationReason Reason { get; }
}
