namespace RcsCore.Ims.Registration;

/// <summary>Limits of a <see cref="SipLocationService"/> (RFC 3261 §10.3 step 7).</summary>
public sealed class SipLocationServiceOptions
{
    /// <summary>The expiry used when neither the contact nor the request gives one (RFC 3261 §10.2.1.1: 3600 s).</summary>
    public TimeSpan DefaultExpires { get; init; } = TimeSpan.FromSeconds(3600);

    /// <summary>The shortest non-zero expiry accepted; shorter ones get 423 with Min-Expires (RFC 3261 §10.3 step 7).</summary>
    public TimeSpan MinExpires { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest expiry granted; longer ones are shortened to it (RFC 3261 §10.3 step 7).</summary>
    public TimeSpan MaxExpires { get; init; } = TimeSpan.FromSeconds(7200);

    /// <summary>The most bindings one AoR may have (protects memory); more get 403.</summary>
    public int MaxBindingsPerAor { get; init; } = 32;

    /// <summary>How often expired bindings are removed (and reported as expired); zero or negative disables the timer.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ArgumentException"/> when the values are inconsistent.</summary>
    public void Validate()
    {
        if (MinExpires < TimeSpan.Zero || MaxExpires < MinExpires || DefaultExpires <= TimeSpan.Zero)
        {
            throw new ArgumentException("Need 0 <= MinExpires <= MaxExpires and DefaultExpires > 0.");
        }
        if (MaxBindingsPerAor < 1)
        {
            throw new ArgumentException("MaxBindingsPerAor must be at least 1.", nameof(MaxBindingsPerAor));
        }
    }
}
