using Microsoft.Extensions.Time.Testing;
using RcsCore.Sip.Transactions;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class SipTimerWheelTests
{
    private static readonly TimeSpan s_resolution = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void TenThousandTimersFireInDueOrderAndCancelledOnesDoNot()
    {
        var time = new FakeTimeProvider();
        using var wheel = new SipTimerWheel(time, s_resolution);
        var start = time.GetUtcNow();
        var random = new Random(1234);
        var fired = new List<(int Id, TimeSpan Due, TimeSpan At)>();
        var dues = new TimeSpan[10_000];
        var handles = new SipTimerHandle[dues.Length];
        for (int i = 0; i < dues.Length; i++)
        {
            // Up to 70 s: several revolutions of the 1024-slot wheel (10.24 s at 10 ms).
            dues[i] = TimeSpan.FromMilliseconds(random.Next(0, 70_000));
            int id = i;
            handles[i] = wheel.Schedule(dues[i], _ => fired.Add((id, dues[id], time.GetUtcNow() - start)), null);
        }
        var cancelled = new HashSet<int>();
        for (int i = 0; i < dues.Length; i += 3)
        {
            Assert.True(handles[i].Cancel());
            Assert.False(handles[i].Cancel());
            cancelled.Add(i);
        }
        Assert.Equal(dues.Length - cancelled.Count, wheel.Count);

        // Advance in uneven steps (1-9 ms, sometimes 25 ms) so ticks are processed one at a time and in batches.
        // FakeTimeProvider runs timer callbacks at the end time of each Advance, so steps stay small.
        var elapsed = TimeSpan.Zero;
        while (elapsed < TimeSpan.FromSeconds(71))
        {
            var step = TimeSpan.FromMilliseconds(random.Next(10) == 0 ? 25 : random.Next(1, 10));
            time.Advance(step);
            elapsed += step;
        }

        Assert.Equal(dues.Length - cancelled.Count, fired.Count);
        Assert.DoesNotContain(fired, f => cancelled.Contains(f.Id));
        Assert.Equal(fired.Count, fired.Select(f => f.Id).Distinct().Count());
        for (int i = 1; i < fired.Count; i++)
        {
            Assert.True(fired[i - 1].Due <= fired[i].Due, $"timer {fired[i].Id} fired out of order");
        }
        foreach (var f in fired)
        {
            // Never early; at most one tick plus one clock step late.
            Assert.True(f.At >= f.Due, $"timer {f.Id} due {f.Due} fired early at {f.At}");
            Assert.True(f.At <= f.Due + s_resolution + TimeSpan.FromMilliseconds(25), $"timer {f.Id} due {f.Due} fired late at {f.At}");
        }
        Assert.Equal(0, wheel.Count);
    }

    /// <summary>Advances in 1 ms steps: FakeTimeProvider runs callbacks at the end time of each Advance.</summary>
    internal static void Step(FakeTimeProvider time, TimeSpan total)
    {
        for (var t = TimeSpan.Zero; t < total; t += TimeSpan.FromMilliseconds(1))
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    [Fact]
    public void FiresAtTheVirtualTimeNotBefore()
    {
        var time = new FakeTimeProvider();
        using var wheel = new SipTimerWheel(time, s_resolution);
        int fired = 0;
        wheel.Schedule(TimeSpan.FromMilliseconds(500), _ => fired++, null);
        time.Advance(TimeSpan.FromMilliseconds(490));
        Assert.Equal(0, fired);
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void DelayLongerThanOneRevolutionIsNotFiredEarly()
    {
        var time = new FakeTimeProvider();
        using var wheel = new SipTimerWheel(time, s_resolution);
        int fired = 0;
        wheel.Schedule(TimeSpan.FromSeconds(100), _ => fired++, null); // ~9.8 revolutions
        Step(time, TimeSpan.FromSeconds(99.99));
        Assert.Equal(0, fired);
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void RestartsAfterIdlingAndKeepsTime()
    {
        var time = new FakeTimeProvider();
        using var wheel = new SipTimerWheel(time, s_resolution);
        var start = time.GetUtcNow();
        var at = new List<TimeSpan>();
        wheel.Schedule(TimeSpan.FromMilliseconds(100), _ => at.Add(time.GetUtcNow() - start), null);
        Step(time, TimeSpan.FromSeconds(5)); // the wheel goes idle after the first timer
        Assert.Equal(0, wheel.Count);
        time.Advance(TimeSpan.FromMilliseconds(3)); // restart off a tick boundary
        wheel.Schedule(TimeSpan.FromMilliseconds(250), _ => at.Add(time.GetUtcNow() - start), null);
        Step(time, TimeSpan.FromSeconds(1));
        Assert.Equal(2, at.Count);
        Assert.Equal(100, at[0].TotalMilliseconds);
        Assert.InRange(at[1].TotalMilliseconds, 5_253, 5_253 + 2 * s_resolution.TotalMilliseconds);
    }

    [Fact]
    public void CallbackMayScheduleAndAThrowingCallbackDoesNotStopTheOthers()
    {
        var time = new FakeTimeProvider();
        using var wheel = new SipTimerWheel(time, s_resolution);
        var order = new List<string>();
        wheel.Schedule(TimeSpan.FromMilliseconds(20), _ => throw new InvalidOperationException("boom"), null);
        wheel.Schedule(TimeSpan.FromMilliseconds(20), _ =>
        {
            order.Add("second");
            wheel.Schedule(TimeSpan.FromMilliseconds(30), _ => order.Add("rescheduled"), null);
        }, null);
        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(["second"], order);
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal(["second", "rescheduled"], order);
    }

    [Fact]
    public void ZeroDelayFiresOnTheNextTick()
    {
        var time = new FakeTimeProvider();
        using var wheel = new SipTimerWheel(time, s_resolution);
        int fired = 0;
        wheel.Schedule(TimeSpan.Zero, _ => fired++, null);
        Assert.Equal(0, fired);
        time.Advance(s_resolution);
        Assert.Equal(1, fired);
    }
}
