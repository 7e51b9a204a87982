using System.Globalization;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>What to subscribe to and how (RFC 6665 §4.1.2.1). Any event package: reg, presence, dialog...</summary>
public sealed class SipSubscribeOptions
{
    /// <summary>The Request-URI: the resource whose state is watched (RFC 6665 §4.1.2.1).</summary>
    public required SipUri Target { get; init; }

    /// <summary>Where the initial SUBSCRIBE goes (the outbound proxy or the notifier); in-dialog requests use this flow too.</summary>
    public required SipEndPoint Destination { get; init; }

    /// <summary>The event package, the event-type of the Event header (RFC 6665 §8.2.1), e.g. <c>reg</c> or <c>presence</c>.</summary>
    public required string Event { get; init; }

    /// <summary>The <c>id</c> parameter of the Event header, which tells several subscriptions in one dialog apart (RFC 6665 §8.2.1).</summary>
    public string? EventId { get; init; }

    /// <summary>The duration asked for, in seconds (RFC 6665 §4.1.2.1 Expires); 0 is a fetch: one NOTIFY, then the end.</summary>
    public uint Expires { get; init; } = 3600;

    /// <summary>Body types listed in Accept (RFC 6665 §4.1.2.1: the package's default when empty).</summary>
    public IReadOnlyList<string> Accept { get; init; } = [];

    /// <summary>The To; the Target when null.</summary>
    public SipNameAddress? To { get; init; }

    /// <summary>The From (without a tag); the user agent's local identity when null.</summary>
    public SipNameAddress? From { get; init; }

    /// <summary>A preloaded route for the initial SUBSCRIBE (RFC 3261 §8.1.2), such as an IMS Service-Route (RFC 3608).</summary>
    public IReadOnlyList<SipNameAddress> Route { get; init; } = [];

    /// <summary>Our Contact, the target of the NOTIFYs; derived from the destination when null.</summary>
    public SipUri? Contact { get; init; }

    /// <summary>Adds headers or a body (a filter, say) to the initial SUBSCRIBE and to every refresh.</summary>
    public Action<SipRequestBuilder>? Customize { get; init; }

    /// <summary>
    /// When to refresh, given the duration granted; null for the default: 600 s before the end when more than 1200 s
    /// were granted, else at half (the 3GPP TS 24.229 §5.1.1.3 timing; RFC 6665 leaves the choice to the subscriber).
    /// </summary>
    public Func<TimeSpan, TimeSpan>? RefreshAt { get; init; }

    /// <summary>Refresh before expiry (RFC 6665 §4.1.2.2); false leaves refreshing to <see cref="SipSubscription.RefreshAsync"/>.</summary>
    public bool AutoRefresh { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is missing.</summary>
    public void Validate()
    {
        if (Target is null)
        {
            throw new ArgumentException("Target is required.", nameof(Target));
        }
        if (string.IsNullOrWhiteSpace(Event) || Event.Contains(';', StringComparison.Ordinal))
        {
            throw new ArgumentException("Event must be an event-type token; put the id in EventId.", nameof(Event));
        }
        if (Accept is null || Route is null)
        {
            throw new ArgumentException("Accept and Route must not be null.", nameof(Accept));
        }
    }

    internal TimeSpan RefreshDelay(TimeSpan granted)
    {
        if (RefreshAt is { } custom)
        {
            return custom(granted);
        }
        return granted > TimeSpan.FromSeconds(1200) ? granted - TimeSpan.FromSeconds(600) : granted / 2;
    }
}

/// <summary>The states of a subscription (RFC 6665 §4.1.2.4, Subscription-State substates).</summary>
public enum SipSubscriptionState : byte
{
    /// <summary>Created, no SUBSCRIBE sent yet.</summary>
    Idle = 0,
    /// <summary>The SUBSCRIBE is out (a 2xx may have come); no NOTIFY yet. Timer N runs (RFC 6665 §4.1.2.4).</summary>
    Subscribing = 1,
    /// <summary>The last NOTIFY said <c>pending</c>: accepted, not yet authorised (RFC 6665 §4.1.2.4).</summary>
    Pending = 2,
    /// <summary>The last NOTIFY said <c>active</c> (RFC 6665 §4.1.2.4).</summary>
    Active = 3,
    /// <summary>Ended: by a NOTIFY, a failure, expiry, Timer N or unsubscription (see <see cref="SipSubscription.Termination"/>).</summary>
    Terminated = 4,
}

/// <summary>Why and how a subscription ended.</summary>
public sealed class SipSubscriptionTermination
{
    /// <summary>Creates the record.</summary>
    /// <param name="reason">The Subscription-State reason (RFC 6665 §4.2.2), or a local one (see the constants).</param>
    /// <param name="retryAfter">The retry-after of the terminating NOTIFY (RFC 6665 §4.1.3).</param>
    /// <param name="statusCode">The status of the SUBSCRIBE that failed, or 0.</param>
    /// <param name="byNotifier">True when a NOTIFY with Subscription-State terminated ended it.</param>
    public SipSubscriptionTermination(string? reason, TimeSpan? retryAfter = null, int statusCode = 0, bool byNotifier = false)
    {
        Reason = reason;
        RetryAfter = retryAfter;
        StatusCode = statusCode;
        ByNotifier = byNotifier;
    }

    /// <summary>Local reason: no NOTIFY within Timer N of the SUBSCRIBE (RFC 6665 §4.1.2.4).</summary>
    public const string TimerN = "timer-n";
    /// <summary>Local reason: the SUBSCRIBE (initial or refresh) was refused; see <see cref="StatusCode"/> (RFC 6665 §4.1.2.1, §4.1.2.2).</summary>
    public const string Failed = "failed";
    /// <summary>Local reason: the duration ran out without a refresh or a NOTIFY (RFC 6665 §4.1.2.2).</summary>
    public const string Expired = "expired";
    /// <summary>Local reason: this side unsubscribed (RFC 6665 §4.1.2.3).</summary>
    public const string Unsubscribed = "unsubscribed";
    /// <summary>Local reason: the user agent stopped, or the dialog ended under the subscription.</summary>
    public const string Shutdown = "shutdown";
    /// <summary>Local reason: the caller cancelled the initial SUBSCRIBE before it was accepted.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The reason, or null when the terminating NOTIFY gave none.</summary>
    public string? Reason { get; }

    /// <summary>How long to wait before subscribing again, when the notifier said (RFC 6665 §4.1.3).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The final status of the SUBSCRIBE for <see cref="Failed"/>; 0 otherwise.</summary>
    public int StatusCode { get; }

    /// <summary>True when the notifier ended the subscription with a NOTIFY.</summary>
    public bool ByNotifier { get; }

    /// <summary>
    /// What RFC 6665 §4.1.3 lets the subscriber do next: subscribe again at once (deactivated, timeout, no reason),
    /// after <see cref="RetryAfter"/> (probation, giveup), or not at all (rejected, noresource, invariant).
    /// Local reasons other than <see cref="Expired"/> and <see cref="TimerN"/> say no.
    /// </summary>
    public bool MayResubscribe => Reason switch
    {
        "rejected" or "noresource" or "invariant" => false,
        Failed or Unsubscribed or Shutdown or Cancelled => false,
        _ => true,
    };

    /// <inheritdoc />
    public override string ToString() =>
        (Reason ?? "terminated") + (StatusCode != 0 ? " " + StatusCode.ToString(CultureInfo.InvariantCulture) : string.Empty)
        + (RetryAfter is { } r ? ";retry-after=" + ((long)r.TotalSeconds).ToString(CultureInfo.InvariantCulture) : string.Empty);
}

/// <summary>Data of <see cref="SipSubscription.NotifyReceived"/>: one NOTIFY of the subscription (RFC 6665 §4.1.2.4).</summary>
public sealed class SipNotifyEventArgs : EventArgs
{
    internal SipNotifyEventArgs(SipSubscription subscription, SipRequest request, SipSubscriptionStateHeader state)
    {
        Subscription = subscription;
        Request = request;
        State = state.State;
        Expires = state.Expires is { } e ? TimeSpan.FromSeconds(e) : null;
        Reason = state.Reason;
        RetryAfter = state.RetryAfter is { } r ? TimeSpan.FromSeconds(r) : null;
    }

    /// <summary>The subscription the NOTIFY belongs to (a fork may be a different one than the one subscribed).</summary>
    public SipSubscription Subscription { get; }

    /// <summary>The NOTIFY.</summary>
    public SipRequest Request { get; }

    /// <summary>Its Subscription-State: <see cref="SipSubscriptionState.Pending"/>, <see cref="SipSubscriptionState.Active"/> or <see cref="SipSubscriptionState.Terminated"/>.</summary>
    public SipSubscriptionState State { get; }

    /// <summary>The expires parameter of Subscription-State, when present.</summary>
    public TimeSpan? Expires { get; }

    /// <summary>The reason parameter, for a terminated subscription.</summary>
    public string? Reason { get; }

    /// <summary>The retry-after parameter.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The state document.</summary>
    public ReadOnlyMemory<byte> Body => Request.Body;

    /// <summary>Its media type, or null without a body.</summary>
    public string? ContentType => Request.ContentType;
}

/// <summary>Data of <see cref="SipSubscription.Terminated"/>.</summary>
public sealed class SipSubscriptionTerminatedEventArgs : EventArgs
{
    internal SipSubscriptionTerminatedEventArgs(SipSubscription subscription, SipSubscriptionTermination termination)
    {
        Subscription = subscription;
        Termination = termination;
    }

    /// <summary>The subscription, now terminated.</summary>
    public SipSubscription Subscription { get; }

    /// <summary>Why it ended.</summary>
    public SipSubscriptionTermination Termination { get; }
}

/// <summary>Data of <see cref="SipSubscription.Forked"/>: a forked SUBSCRIBE created another subscription (RFC 6665 §4.5.2).</summary>
public sealed class SipSubscriptionForkedEventArgs : EventArgs
{
    internal SipSubscriptionForkedEventArgs(SipSubscription fork) => Fork = fork;

    /// <summary>The new subscription, with its own dialog; it already has the original's event handlers.</summary>
    public SipSubscription Fork { get; }
}

/// <summary>A parsed Subscription-State header (RFC 6665 §8.2.3): substate, expires, reason, retry-after.</summary>
internal readonly record struct SipSubscriptionStateHeader(SipSubscriptionState State, uint? Expires, string? Reason, uint? RetryAfter)
{
    /// <summary>Parses the value; false when it is missing or its substate is empty.</summary>
    public static bool TryParse(string? value, out SipSubscriptionStateHeader header)
    {
        header = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        var parts = value.Split(';');
        string substate = parts[0].Trim();
        if (substate.Length == 0)
        {
            return false;
        }
        // RFC 6665 §4.1.3: an unknown substate is treated as pending.
        var state = substate.ToLowerInvariant() switch
        {
            "active" => SipSubscriptionState.Active,
            "terminated" => SipSubscriptionState.Terminated,
            _ => SipSubscriptionState.Pending,
        };
        uint? expires = null, retryAfter = null;
        string? reason = null;
        for (int i = 1; i < parts.Length; i++)
        {
            var p = parts[i].Split('=', 2);
            string name = p[0].Trim();
            string? v = p.Length == 2 ? p[1].Trim().Trim('"') : null;
            if (name.Equals("expires", StringComparison.OrdinalIgnoreCase))
            {
                expires = ParseSeconds(v);
            }
            else if (name.Equals("retry-after", StringComparison.OrdinalIgnoreCase))
            {
                retryAfter = ParseSeconds(v);
            }
            else if (name.Equals("reason", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(v))
            {
                // RFC 6665 §8.2.3: event-reason-value is a token; compare lower case.
                reason = v.ToLowerInvariant();
            }
        }
        header = new SipSubscriptionStateHeader(state, expires, reason, retryAfter);
        return true;
    }

    private static uint? ParseSeconds(string? v) =>
        uint.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? n : null;
}

/// <summary>An Event header value split into event-type and id (RFC 6665 §8.2.1).</summary>
internal readonly record struct SipEventHeader(string Type, string? Id)
{
    public static bool TryParse(string? value, out SipEventHeader header)
    {
        header = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        var parts = value.Split(';');
        string type = parts[0].Trim();
        if (type.Length == 0)
        {
            return false;
        }
        string? id = null;
        for (int i = 1; i < parts.Length; i++)
        {
            var p = parts[i].Split('=', 2);
            if (p[0].Trim().Equals("id", StringComparison.OrdinalIgnoreCase) && p.Length == 2)
            {
                id = p[1].Trim();
            }
        }
        header = new SipEventHeader(type, id);
        return true;
    }

    /// <summary>
    /// RFC 6665 §8.2.1: two Event headers match when their event-types are the same byte for byte and their id
    /// parameters are both absent or the same byte for byte.
    /// </summary>
    public bool Matches(string type, string? id) =>
        string.Equals(Type, type, StringComparison.Ordinal) && string.Equals(Id, id, StringComparison.Ordinal);

    public static string Format(string type, string? id) => id is null ? type : type + ";id=" + id;
}
