using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.UserAgent;

/// <summary>The outcome of an INVITE sent by <see cref="SipUserAgent.InviteAsync"/>.</summary>
public sealed class SipInviteResult
{
    internal SipInviteResult(SipResponse response, SipDialog? dialog)
    {
        Response = response;
        Dialog = dialog;
    }

    /// <summary>The final response: the first 2xx, or the failure (408 on timeout, 503 on a transport error, 487 when cancelled).</summary>
    public SipResponse Response { get; }

    /// <summary>The status code of <see cref="Response"/>.</summary>
    public int StatusCode => Response.StatusCode;

    /// <summary>True for a 2xx.</summary>
    public bool IsSuccess => Response.IsSuccess;

    /// <summary>The confirmed dialog for a 2xx (already ACKed, RFC 3261 §13.2.2.4); null otherwise.</summary>
    public SipDialog? Dialog { get; }
}
