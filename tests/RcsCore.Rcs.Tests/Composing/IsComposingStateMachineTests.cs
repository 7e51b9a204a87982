using Microsoft.Extensions.Time.Testing;
using RcsCore.Rcs.Composing;
using Xunit;

namespace RcsCore.Rcs.Tests.Composing;

/// <summary>RFC 3994 §4 timers, driven by a FakeTimeProvider (no real waiting).</summary>
public class IsComposingStateMachineTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<(TimeSpan At, IsComposingDocument Document)> _sent = [];
    private readonly DateTimeOffset _start;

    public IsComposingStateMachineTests()
    {
        _start = _time.GetUtcNow();
    }

    private IsComposingSender Sender(IsComposingOptions? options = null) =>
        new(d => _sent.Add((_time.GetUtcNow() - _start, d)), _time, options);

    [Fact]
    public void FirstKeystrokeSendsActiveThenIdleAfterFifteenSecondsOfSilence()
    {
        using IsComposingSender sender = Sender();
        Assert.Equal(IsComposingState.Idle, sender.State);

        sender.Typing();
        Assert.Equal(IsComposingState.Active, sender.State);
        (TimeSpan at, IsComposingDocument active) = Assert.Single(_sent);
        Assert.Equal(TimeSpan.Zero, at);
        Assert.Equal(new IsComposingDocument(IsComposingState.Active) { ContentType = "text/plain", Refresh = 120 }, active);

        // More keystrokes keep it active without sending anything and push the idle timeout back.
        _time.Advance(TimeSpan.FromSeconds(10));
        sender.Typing();
        _time.Advance(TimeSpan.FromSeconds(10));
        sender.Typing();
        Assert.Single(_sent);

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Single(_sent);
        Assert.Equal(IsComposingState.Active, sender.State);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IsComposingState.Idle, sender.State);
        Assert.Equal(2, _sent.Count);
        Assert.Equal(TimeSpan.FromSeconds(35), _sent[1].At);
        Assert.Equal(
            new IsComposingDocument(IsComposingState.Idle) { LastActive = _start.AddSeconds(20), ContentType = "text/plain" },
            _sent[1].Document);

        // Nothing more while idle.
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2, _sent.Count);
    }

    [Fact]
    public void ContinuousTypingRefreshesBeforeTheIntervalRunsOut()
    {
        using IsComposingSender sender = Sender();
        for (int second = 0; second <= 250; second++)
        {
            if (second % 5 == 0)
            {
                sender.Typing();
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Active at 0, refreshes at 108 s and 216 s (90 % of 120 s), never idle while typing.
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(108), TimeSpan.FromSeconds(216)], _sent.Select(s => s.At));
        Assert.All(_sent, s => Assert.Equal(IsComposingState.Active, s.Document.State));
        Assert.All(_sent, s => Assert.Equal(120, s.Document.Refresh));
    }

    [Fact]
    public void SendingTheMessageGoesIdleSilently()
    {
        using IsComposingSender sender = Sender();
        sender.Typing();
        sender.MessageSent();
        Assert.Equal(IsComposingState.Idle, sender.State);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(_sent);

        // The next keystroke starts a new active period.
        sender.Typing();
        Assert.Equal(2, _sent.Count);
        Assert.Equal(IsComposingState.Active, _sent[1].Document.State);
    }

    [Fact]
    public void OptionsChangeTheTimersAndDisposeStopsThem()
    {
        var options = new IsComposingOptions { IdleTimeout = TimeSpan.FromSeconds(5), RefreshInterval = TimeSpan.FromSeconds(60), RefreshLead = TimeSpan.FromSeconds(20), ContentType = null };
        IsComposingSender sender = Sender(options);
        sender.Typing();
        for (int second = 1; second <= 60; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            if (second % 3 == 0)
            {
                sender.Typing();
            }
        }

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(40)], _sent.Select(s => s.At));
        Assert.Equal(new IsComposingDocument(IsComposingState.Active) { Refresh = 60 }, _sent[0].Document);
        sender.Dispose();
        sender.Typing();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, _sent.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new IsComposingOptions { IdleTimeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new IsComposingOptions { RefreshInterval = TimeSpan.FromMilliseconds(500) });
    }

    [Fact]
    public void ReceiverTimesOutActiveAfterTheAdvertisedRefresh()
    {
        using var receiver = new IsComposingReceiver(_time);
        var changes = new List<(TimeSpan, IsComposingState)>();
        receiver.StateChanged += (_, state) => changes.Add((_time.GetUtcNow() - _start, state));

        receiver.Receive(new IsComposingDocument(IsComposingState.Active) { Refresh = 90, ContentType = "text/plain" });
        Assert.Equal(IsComposingState.Active, receiver.State);
        Assert.Equal("text/plain", receiver.ContentType);

        // A refresh 60 s later restarts the 90 s timer.
        _time.Advance(TimeSpan.FromSeconds(60));
        receiver.Receive(new IsComposingDocument(IsComposingState.Active) { Refresh = 90 });
        _time.Advance(TimeSpan.FromSeconds(89));
        Assert.Equal(IsComposingState.Active, receiver.State);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IsComposingState.Idle, receiver.State);
        Assert.Equal([(TimeSpan.Zero, IsComposingState.Active), (TimeSpan.FromSeconds(150), IsComposingState.Idle)], changes);
        Assert.Equal(_start.AddSeconds(60), receiver.LastActive);
    }

    [Fact]
    public void ReceiverUsesTheDefaultRefreshAndGoesIdleOnIdleOrMessage()
    {
        using var receiver = new IsComposingReceiver(_time);
        var changes = new List<IsComposingState>();
        receiver.StateChanged += (_, state) => changes.Add(state);

        receiver.Receive(new IsComposingDocument(IsComposingState.Active));
        _time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(IsComposingState.Active, receiver.State);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IsComposingState.Idle, receiver.State);

        receiver.Receive(new IsComposingDocument(IsComposingState.Active));
        DateTimeOffset lastActive = _start.AddSeconds(100);
        receiver.Receive(new IsComposingDocument(IsComposingState.Idle) { LastActive = lastActive });
        Assert.Equal(IsComposingState.Idle, receiver.State);
        Assert.Equal(lastActive, receiver.LastActive);

        receiver.Receive(new IsComposingDocument(IsComposingState.Active));
        receiver.MessageReceived();
        Assert.Equal(IsComposingState.Idle, receiver.State);

        // The stale timers of the earlier active periods change nothing.
        _time.Advance(TimeSpan.FromMinutes(5));
        receiver.MessageReceived();
        Assert.Equal(
            [IsComposingState.Active, IsComposingState.Idle, IsComposingState.Active, IsComposingState.Idle, IsComposingState.Active, IsComposingState.Idle],
            changes);
    }

    [Fact]
    public void SenderAndReceiverTogetherAgreeOnTheState()
    {
        using var receiver = new IsComposingReceiver(_time);
        using var sender = new IsComposingSender(receiver.Receive, _time);
        sender.Typing();
        Assert.Equal(IsComposingState.Active, receiver.State);

        // Typing for five minutes: refreshes keep the receiver active the whole time.
        for (int second = 1; second <= 300; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            if (second % 10 == 0)
            {
                sender.Typing();
            }

            Assert.Equal(IsComposingState.Active, receiver.State);
        }

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(IsComposingState.Idle, sender.State);
        Assert.Equal(IsComposingState.Idle, receiver.State);
        Assert.Equal(_start.AddSeconds(300), receiver.LastActive);
    }
}
