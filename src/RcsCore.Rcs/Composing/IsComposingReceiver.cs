namespace RcsCore.Rcs.Composing;

/// <summary>
/// The receiver side of RFC 3994 §4: tracks whether the peer is composing. An <c>active</c> document makes it active
/// until its <c>refresh</c> interval (or <see cref="IsComposingOptions.RefreshInterval"/> when it has none) passes
/// without a refresh; an <c>idle</c> document or an arriving message makes it idle.
/// </summary>
/// <remarks>Thread-safe. <see cref="StateChanged"/> is raised outside the lock, once per change.</remarks>
public sealed class IsComposingReceiver : IDisposable
{
    private readonly TimeProvider _time;
    private readonly IsComposingOptions _options;
    private readonly ITimer _refreshTimer;
    private readonly Lock _lock = new();
    private IsComposingState _state;
    private DateTimeOffset _expires;
    private DateTimeOffset? _lastActive;
    private string? _contentType;
    private bool _disposed;

    /// <summary>Creates a receiver in the idle state.</summary>
    /// <param name="timeProvider">The clock and timers.</param>
    /// <param name="options">Timers; null for <see cref="IsComposingOptions.Default"/>.</param>
    public IsComposingReceiver(TimeProvider timeProvider, IsComposingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _options = options ?? IsComposingOptions.Default;
        _refreshTimer = timeProvider.CreateTimer(static s => ((IsComposingReceiver)s!).OnRefreshTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Raised when <see cref="State"/> changes, with the new state.</summary>
    public event EventHandler<IsComposingState>? StateChanged;

    /// <summary>The peer's current state.</summary>
    public IsComposingState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>When the peer was last active, from the last idle document (or the time of the last active one).</summary>
    public DateTimeOffset? LastActive
    {
        get
        {
            lock (_lock)
            {
                return _lastActive;
            }
        }
    }

    /// <summary>The content type the peer is composing, from the last document that named one.</summary>
    public string? ContentType
    {
        get
        {
            lock (_lock)
            {
                return _contentType;
            }
        }
    }

    /// <summary>Applies a received document.</summary>
    /// <param name="document">The document.</param>
    public void Receive(IsComposingDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        bool changed;
        IsComposingState state;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (document.ContentType is not null)
            {
                _contentType = document.ContentType;
            }

            if (document.State == IsComposingState.Active)
            {
                // RFC 3994 §4: active until the refresh interval passes without another active indication.
                TimeSpan refresh = document.Refresh is { } seconds ? TimeSpan.FromSeconds(seconds) : _options.RefreshInterval;
                _lastActive = _time.GetUtcNow();
                _expires = _lastActive.Value + refresh;
                _refreshTimer.Change(refresh, Timeout.InfiniteTimeSpan);
                changed = SetLocked(IsComposingState.Active);
            }
            else
            {
                _lastActive = document.LastActive ?? _lastActive;
                _refreshTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                changed = SetLocked(IsComposingState.Idle);
            }

            state = _state;
        }

        Raise(changed, state);
    }

    /// <summary>A message from the peer arrived: it is idle now (RFC 3994 §4).</summary>
    public void MessageReceived()
    {
        bool changed;
        IsComposingState state;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _refreshTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            changed = SetLocked(IsComposingState.Idle);
            state = _state;
        }

        Raise(changed, state);
    }

    /// <summary>Stops the timer; no event is raised afterwards.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _refreshTimer.Dispose();
    }

    private bool SetLocked(IsComposingState state)
    {
        if (_state == state)
        {
            return false;
        }

        _state = state;
        return true;
    }

    private void OnRefreshTimer()
    {
        bool changed;
        IsComposingState state;
        lock (_lock)
        {
            if (_disposed || _state != IsComposingState.Active)
            {
                return;
            }

            TimeSpan left = _expires - _time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _refreshTimer.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }

            // RFC 3994 §4: no refresh within the interval; the peer is considered idle.
            changed = SetLocked(IsComposingState.Idle);
            state = _state;
        }

        Raise(changed, state);
    }

    private void Raise(bool changed, IsComposingState state)
    {
        if (changed)
        {
            StateChanged?.Invoke(this, state);
        }
    }
}
