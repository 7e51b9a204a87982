using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Rcs.MessageCentre;

/// <summary>
/// Decides whether a sender may message a recipient through the message centre (the hook for rate limits,
/// block lists, anti-spam or marketing rules). Called once per MESSAGE before it is forwarded or stored.
/// Implementations must be thread-safe and should answer quickly: the sender waits.
/// </summary>
public interface IMessagingPolicy
{
    /// <summary>Allows the message or refuses it with a SIP status.</summary>
    ValueTask<MessagingDecision> CheckAsync(MessagingRequest request, CancellationToken ct = default);
}

/// <summary>A message the policy is asked about.</summary>
public sealed class MessagingRequest
{
    /// <summary>The sender's address of record (P-Asserted-Identity when present, else From).</summary>
    public required string Sender { get; init; }

    /// <summary>The recipient's address of record.</summary>
    public required string Recipient { get; init; }

    /// <summary>The Content-Type of the SIP body (<c>message/cpim</c> for CPM, RFC 3862), or null.</summary>
    public string? ContentType { get; init; }

    /// <summary>The SIP body (for content rules; the CPIM object for CPM messages).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Where the request came from (the previous hop).</summary>
    public SipEndPoint Source { get; init; }

    /// <summary>The request itself.</summary>
    public required SipRequest Request { get; init; }
}

/// <summary>What a <see cref="IMessagingPolicy"/> decided.</summary>
public sealed class MessagingDecision
{
    private MessagingDecision(int statusCode, string? reason, TimeSpan? retryAfter)
    {
        StatusCode = statusCode;
        Reason = reason;
        RetryAfter = retryAfter;
    }

    /// <summary>The message may go on.</summary>
    public static MessagingDecision Allow { get; } = new(0, null, null);

    /// <summary>True when the message may go on.</summary>
    public bool IsAllowed => StatusCode == 0;

    /// <summary>The status to refuse with (403, 429...); 0 when allowed.</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase to send, or null for the default one.</summary>
    public string? Reason { get; }

    /// <summary>Sent as Retry-After (RFC 3261 §20.33; RFC 6585 §4 for 429), or null.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Refuses the message: 403 Forbidden (RFC 3261 §21.4.4), 429 Too Many Requests (RFC 6585 §4), or another 4xx/6xx.</summary>
    public static MessagingDecision Deny(int statusCode, string? reason = null, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 699);
        return new MessagingDecision(statusCode, reason, retryAfter);
    }
}
