namespace RcsCore.Rcs.MessageCentre;

/// <summary>Settings of a <see cref="MessageCentre"/>.</summary>
public sealed class MessageCentreOptions
{
    /// <summary>
    /// Largest pager-mode content in bytes (RFC 3428 §8: 1300 bytes unless the path is known to take more; GSMA RCS
    /// standalone messaging sends bigger content in large-message mode). Bigger MESSAGE requests get 413.
    /// </summary>
    public int MaxPagerContentBytes { get; init; } = 1300;

    /// <summary>How long a stored message waits for its recipient before it is dropped with a failure notification.</summary>
    public TimeSpan MessageExpiry { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a MESSAGE forwarded to registered contacts may go unanswered before the centre stores it and answers
    /// 202 (the sender's own transaction would time out at Timer F, RFC 3261 §17.1.2.2, before the forwarded one).
    /// </summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>The first retry delay after a failed delivery from the store; it doubles per failure.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many recipients' queues are delivered at once (each queue is delivered in order, one message at a time).</summary>
    public int MaxConcurrentDeliveries { get; init; } = 16;

    /// <summary>How often pending messages are checked for expiry.</summary>
    public TimeSpan ExpirySweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Also send the delivery notification for messages delivered at once (not stored), when asked for. Off by
    /// default: an online recipient's client sends its own (RFC 5438 §7.2.1.1); the centre notifies for the messages it
    /// stored.
    /// </summary>
    public bool NotifyDirectDelivery { get; init; }

    /// <summary>
    /// The largest large-message-mode message the centre stores for an offline recipient, in bytes (its a=max-size,
    /// RFC 4975 §8.7; bigger ones are refused with MSRP 413). Default 16 MiB.
    /// </summary>
    public int MaxLargeMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPagerContentBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLargeMessageBytes, MaxPagerContentBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MessageExpiry, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ForwardTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryInitialDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryMaxDelay, RetryInitialDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentDeliveries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ExpirySweepInterval, TimeSpan.Zero);
    }
}

/// <summary>The users the message centre serves (the host's subscribers and location service).</summary>
public interface IMessageRecipientDirectory
{
    /// <summary>
    /// The address of record of the local user a Request-URI designates (its canonical form, as the location service
    /// keys bindings), or null when no such user is served here (the centre answers 404).
    /// </summary>
    ValueTask<string?> FindUserAsync(RcsCore.Sip.Messages.SipUri uri, CancellationToken ct = default);
}
