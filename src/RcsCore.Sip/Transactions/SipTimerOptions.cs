namespace RcsCore.Sip.Transactions;

/// <summary>
/// The RFC 3261 timer base values (§17.1.1.1, Table 4 in Appendix A) and the resolution of the timer wheel that
/// drives them. The per-transaction timers are derived: B, F, H, J, L and M are 64*T1; D is <see cref="TimerD"/>
/// on unreliable transports; I and K are T4 on unreliable transports. On reliable transports A, E and G are not
/// used and D, I, J and K are zero.
/// </summary>
public sealed class SipTimerOptions
{
    /// <summary>The defaults of RFC 3261: T1 500 ms, T2 4 s, T4 5 s, Timer D 32 s.</summary>
    public static SipTimerOptions Default { get; } = new();

    /// <summary>T1, the RTT estimate (RFC 3261 §17.1.1.1); default 500 ms.</summary>
    public TimeSpan T1 { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>T2, the maximum retransmit interval for non-INVITE requests and INVITE responses; default 4 s.</summary>
    public TimeSpan T2 { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>T4, the maximum duration a message remains in the network; default 5 s.</summary>
    public TimeSpan T4 { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timer D on unreliable transports (RFC 3261 §17.1.1.2: at least 32 s); default 32 s.</summary>
    public TimeSpan TimerD { get; init; } = TimeSpan.FromSeconds(32);

    /// <summary>
    /// How long an INVITE server transaction waits for the TU before it sends 100 Trying itself
    /// (RFC 3261 §17.2.1: "if the TU will not generate a provisional response within 200 ms"); default 200 ms.
    /// </summary>
    public TimeSpan TryingDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The tick of the timer wheel: timers fire up to one tick late; default 10 ms.</summary>
    public TimeSpan TimerResolution { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>64*T1: Timers B, F, H, J, L and M (RFC 3261 §17, RFC 6026 §8.4, §8.7).</summary>
    public TimeSpan Timeout64T1 => T1 * 64;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (T1 <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(T1), T1, "T1 must be positive.");
        }
        if (T2 < T1)
        {
            throw new ArgumentOutOfRangeException(nameof(T2), T2, "T2 must be at least T1.");
        }
        if (T4 < TimeSpan.Zero || TimerD < TimeSpan.Zero || TryingDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(T4), "T4, TimerD and TryingDelay must not be negative.");
        }
        if (TimerResolution < TimeSpan.FromMilliseconds(1) || TimerResolution > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(TimerResolution), TimerResolution, "The timer resolution must be between 1 ms and 1 s.");
        }
    }
}
