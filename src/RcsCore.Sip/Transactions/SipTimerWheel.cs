using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RcsCore.Sip.Transactions;

/// <summary>
/// A hashed timer wheel (Varghese and Lauck) driving every transaction timer from one <see cref="ITimer"/>:
/// scheduling and cancelling are O(1), a tick visits one slot. Time comes from the injected
/// <see cref="TimeProvider"/>, so tests advance a virtual clock. The <see cref="ITimer"/> only runs while timers
/// are pending. Callbacks run on the timer thread, outside the wheel's lock, in due order (ties in schedule order),
/// at most one resolution late.
/// </summary>
internal sealed class SipTimerWheel : IDisposable
{
    private const int SlotCount = 1024; // a power of two: 10.24 s per revolution at 10 ms

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly long _resolutionTicks;
    private readonly SipTimerHandle?[] _slots = new SipTimerHandle?[SlotCount];
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly ILogger _logger;
    private long _currentTick;
    private long _sequence;
    private int _count;
    private bool _running;
    private bool _disposed;

    public SipTimerWheel(TimeProvider timeProvider, TimeSpan resolution, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, TimeSpan.FromMilliseconds(1));
        _time = timeProvider;
        _resolutionTicks = resolution.Ticks;
        _logger = logger ?? NullLogger.Instance;
        _startTimestamp = timeProvider.GetTimestamp();
        _timer = timeProvider.CreateTimer(static s => ((SipTimerWheel)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The tick length.</summary>
    public TimeSpan Resolution => TimeSpan.FromTicks(_resolutionTicks);

    /// <summary>Number of timers scheduled and not yet fired or cancelled.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Schedules <paramref name="callback"/>(<paramref name="state"/>) after <paramref name="delay"/>.</summary>
    public SipTimerHandle Schedule(TimeSpan delay, Action<object?> callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }
        var handle = new SipTimerHandle(this, callback, state);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long now = Now();
            if (!_running)
            {
                // Nothing was pending, so no tick was missed: restart the wheel at the current tick.
                _currentTick = now / _resolutionTicks;
                _running = true;
                _timer.Change(Resolution, Resolution);
            }
            long due = now + delay.Ticks;
            long deadline = (due + _resolutionTicks - 1) / _resolutionTicks;
            if (deadline <= _currentTick)
            {
                deadline = _currentTick + 1;
            }
            handle.Due = due;
            handle.Deadline = deadline;
            handle.Sequence = ++_sequence;
            Link(handle, (int)(deadline & (SlotCount - 1)));
            _count++;
        }
        return handle;
    }

    /// <summary>Cancels a pending timer; false when it already fired or was cancelled.</summary>
    internal bool Cancel(SipTimerHandle handle)
    {
        lock (_gate)
        {
            if (handle.Slot < 0)
            {
                return false;
            }
            Unlink(handle);
            handle.Cancelled = true;
            _count--;
            return true;
        }
    }

    /// <summary>Fires every timer due by now (the <see cref="ITimer"/> callback).</summary>
    internal void OnTick()
    {
        List<SipTimerHandle>? due = null;
        lock (_gate)
        {
            if (_disposed || !_running)
            {
                return;
            }
            long target = Now() / _resolutionTicks;
            long steps = Math.Min(target - _currentTick, SlotCount);
            for (long t = _currentTick + 1, end = _currentTick + steps; t <= end; t++)
            {
                int slot = (int)(t & (SlotCount - 1));
                var e = _slots[slot];
                while (e is not null)
                {
                    var next = e.Next;
                    if (e.Deadline <= target)
                    {
                        Unlink(e);
                        _count--;
                        (due ??= []).Add(e);
                    }
                    e = next;
                }
            }
            if (target > _currentTick)
            {
                _currentTick = target;
            }
            if (_count == 0)
            {
                _running = false;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
        if (due is null)
        {
            return;
        }
        if (due.Count > 1)
        {
            due.Sort(static (a, b) => a.Due != b.Due ? a.Due.CompareTo(b.Due) : a.Sequence.CompareTo(b.Sequence));
        }
        foreach (var e in due)
        {
            try
            {
                e.Callback(e.State);
            }
            catch (Exception ex)
            {
                // A failing callback must not stop the wheel (every transaction depends on it).
                SipTransactionLog.TimerCallbackFailed(_logger, ex);
            }
        }
    }

    private long Now() => _time.GetElapsedTime(_startTimestamp).Ticks;

    private void Link(SipTimerHandle e, int slot)
    {
        e.Slot = slot;
        e.Prev = null;
        e.Next = _slots[slot];
        if (e.Next is not null)
        {
            e.Next.Prev = e;
        }
        _slots[slot] = e;
    }

    private void Unlink(SipTimerHandle e)
    {
        if (e.Prev is not null)
        {
            e.Prev.Next = e.Next;
        }
        else
        {
            _slots[e.Slot] = e.Next;
        }
        if (e.Next is not null)
        {
            e.Next.Prev = e.Prev;
        }
        e.Prev = e.Next = null;
        e.Slot = -1;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Array.Clear(_slots);
            _count = 0;
        }
        _timer.Dispose();
    }
}

/// <summary>A scheduled timer of a <see cref="SipTimerWheel"/>; an intrusive list node of its slot.</summary>
internal sealed class SipTimerHandle
{
    private readonly SipTimerWheel _wheel;

    internal SipTimerHandle(SipTimerWheel wheel, Action<object?> callback, object? state)
    {
        _wheel = wheel;
        Callback = callback;
        State = state;
    }

    internal Action<object?> Callback { get; }
    internal object? State { get; }
    internal long Due { get; set; }
    internal long Deadline { get; set; }
    internal long Sequence { get; set; }
    internal int Slot { get; set; } = -1;
    internal SipTimerHandle? Prev { get; set; }
    internal SipTimerHandle? Next { get; set; }
    internal bool Cancelled { get; set; }

    /// <summary>Cancels the timer; false when it already fired (its callback may be running) or was cancelled.</summary>
    public bool Cancel() => _wheel.Cancel(this);
}
