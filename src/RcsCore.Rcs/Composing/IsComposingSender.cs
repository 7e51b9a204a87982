namespace RcsCore.Rcs.Composing;

/// <summary>
/// The composer side of RFC 3994 §4: turns keystrokes into active and idle indications. The first keystroke sends
/// <c>active</c> (with <c>refresh</c>); while typing continues an active refresh goes out before the refresh interval
/// runs out; after <see cref="IsComposingOptions.IdleTimeout"/> without a keystroke it sends <c>idle</c> (with
/// <c>lastactive</c>); sending the message returns to idle silently, as the message itself tells the other side.
/// </summary>
/// <remarks>Thread-safe. Timers come from the injected <see cref="TimeProvider"/>. The send callback runs outside the lock.</remarks>
public sealed class IsComposingSender : IDisposable
{
    private readonly Action<IsComposingDocument> _send;
    private readonly TimeProvider _time;
    private readonly IsComposingOptions _options;
    private readonly ITimer _idleTimer;
    private readonly ITimer _refreshTimer;
    private readonly Lock _lock = new();
    private IsComposingState _state;
    private DateTimeOffset _lastActivity;
    private DateTimeOffset _refreshDue;
    private bool _disposed;

    /// <summary>Creates a composer in the idle state.</summary>
    /// <param name="send">Sends a document to the peer (e.g. as a SIP MESSAGE or MSRP SEND); must not block long.</param>
    /// <param name="timeProvider">The clock and timers.</param>
    /// <param name="options">Timers; null for <see cref="IsComposingOptions.Default"/>.</param>
    public IsComposingSender(Action<IsComposingDocument> send, TimeProvider timeProvider, IsComposingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _send = send;
        _time = timeProvider;
        _options = options ?? IsComposingOptions.Default;
        _idleTimer = timeProvider.CreateTimer(static s => ((IsComposingSender)s!).OnIdleTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _refreshTimer = timeProvider.CreateTimer(static s => ((IsComposingSender)s!).OnRefreshTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The current state.</summary>
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

    /// <summary>The user typed: go (or stay) active and restart the idle timeout.</summary>
    public void Typing()
    {
        IsComposingDocument? toSend = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _lastActivity = _time.GetUtcNow();
            _idleTimer.Change(_options.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (_state == IsComposingState.Idle)
            {
                // RFC 3994 §4: idle -> active on composition; tell the peer, with the refresh interval.
                _state = IsComposingState.Active;
                toSend = ActiveLocked();
            }
        }

        Send(toSend);
    }

    /// <summary>The message was sent: back to idle without an idle indication (RFC 3994 §4).</summary>
    public void MessageSent()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _state = IsComposingState.Idle;
            StopTimersLocked();
        }
    }

    /// <summary>Stops the timers; no indication is sent afterwards.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            StopTimersLocked();
        }

        _idleTimer.Dispose();
        _refreshTimer.Dispose();
    }

    private IsComposingDocument ActiveLocked()
    {
        _refreshDue = _time.GetUtcNow() + _options.RefreshDue;
        _refreshTimer.Change(_options.RefreshDue, Timeout.InfiniteTimeSpan);
        return new IsComposingDocument(IsComposingState.Active)
        {
            ContentType = _options.ContentType,
            Refresh = _options.RefreshSeconds,
        };
    }

    private void StopTimersLocked()
    {
        _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _refreshTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void OnIdleTimer()
    {
        IsComposingDocument? toSend = null;
        lock (_lock)
        {
            if (_disposed || _state != IsComposingState.Active)
            {
                return;
            }

            // A keystroke may have moved the deadline after this callback was queued.
            TimeSpan left = _lastActivity + _options.IdleTimeout - _time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _idleTimer.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }

            // RFC 3994 §4: active -> idle after the idle timeout; say when the composer was last active.
            _state = IsComposingState.Idle;
            StopTimersLocked();
            toSend = new IsComposingDocument(IsComposingState.Idle)
            {
                LastActive = _lastActivity,
                ContentType = _options.ContentType,
            };
        }

        Send(toSend);
    }

    private void OnRefreshTimer()
    {
        IsComposingDocument? toSend = null;
        lock (_lock)
        {
            if (_disposed || _state != IsComposingState.Active)
            {
                return;
            }

            TimeSpan left = _refreshDue - _time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _refreshTimer.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }

            // RFC 3994 §4: still active; refresh before the receiver's refresh timer runs out.
            toSend = ActiveLocked();
        }

        Send(toSend);
    }

    private void Send(IsComposingDocument? document)
    {
        if (document is not null)
        {
            _send(document);
        }
    }
}
