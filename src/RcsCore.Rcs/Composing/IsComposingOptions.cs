namespace RcsCore.Rcs.Composing;

/// <summary>Timers of the RFC 3994 §4 composing state machines.</summary>
public sealed class IsComposingOptions
{
    /// <summary>The options used when none are given.</summary>
    public static IsComposingOptions Default { get; } = new();

    /// <summary>
    /// How long the composer stays active after the last keystroke before it goes idle and says so (RFC 3994 §4:
    /// 15 seconds by default).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan IdleTimeout
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The active-state refresh interval (RFC 3994 §4: 120 seconds by default). The composer advertises it in
    /// <c>refresh</c> and sends a new active indication before it runs out; the receiver falls back to idle when it
    /// does, and uses it when a document has no <c>refresh</c>. Whole seconds.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than one second.</exception>
    public TimeSpan RefreshInterval
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1));
            field = value;
        }
    } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How long before the refresh interval runs out the composer sends its refresh: 10 % of
    /// <see cref="RefreshInterval"/> when null.
    /// </summary>
    public TimeSpan? RefreshLead { get; init; }

    /// <summary>The <c>contenttype</c> the composer announces, or null for none. Default <c>text/plain</c>.</summary>
    public string? ContentType { get; init; } = "text/plain";

    internal TimeSpan RefreshDue
    {
        get
        {
            TimeSpan lead = RefreshLead ?? RefreshInterval / 10;
            TimeSpan due = RefreshInterval - lead;
            return due > TimeSpan.Zero ? due : RefreshInterval;
        }
    }

    internal int RefreshSeconds => (int)Math.Min(int.MaxValue, Math.Max(1, Math.Floor(RefreshInterval.TotalSeconds)));
}
