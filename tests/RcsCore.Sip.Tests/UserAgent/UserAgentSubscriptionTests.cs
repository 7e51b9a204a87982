using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Sip.Tests.UserAgent;

/// <summary>
/// A notifier scripted by the test on a <see cref="UaNode"/>: SUBSCRIBE gets 200 (or <see cref="Status"/>) with
/// Expires, its dialog is kept, and a NOTIFY follows the 200 or, with <see cref="NotifyFirst"/>, overtakes it.
/// </summary>
internal sealed class ScriptedNotifier
{
    private readonly UaNode _node;

    public ScriptedNotifier(UaNode node)
    {
        _node = node;
        node.Ua.Handle("SUBSCRIBE", HandleAsync);
    }

    public ConcurrentQueue<SipRequest> Subscribes { get; } = new();

    public SipDialog? Dialog { get; private set; }

    /// <summary>The status for a SUBSCRIBE (by arrival number, 1-based); 200 when null.</summary>
    public Func<SipRequest, int, int>? Status { get; set; }

    /// <summary>The Expires granted; the requested one when null.</summary>
    public uint? Granted { get; set; }

    /// <summary>Send the NOTIFY before answering the SUBSCRIBE (RFC 6665 §4.1.2.4 race).</summary>
    public bool NotifyFirst { get; set; }

    /// <summary>Send a NOTIFY for each accepted SUBSCRIBE (RFC 6665 §4.2.1.2).</summary>
    public bool AutoNotify { get; set; } = true;

    public string Event { get; set; } = "presence";

    public ConcurrentQueue<SipResponse> NotifyResponses { get; } = new();

    private async ValueTask<SipResponse?> HandleAsync(SipIncomingRequest incoming, CancellationToken ct)
    {
        var request = incoming.Request;
        Subscribes.Enqueue(request);
        int status = Status?.Invoke(request, Subscribes.Count) ?? 200;
        if (status != 200)
        {
            var failure = incoming.CreateResponse(status);
            if (status == 423)
            {
                failure.AddHeader(SipHeaderName.MinExpires, "600");
            }
            return ((SipResponseBuilder)failure).Build();
        }
        uint expires = Granted ?? request.Expires ?? 3600;
        var b = incoming.CreateResponse(200);
        b.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
        var response = ((SipResponseBuilder)b).Build();
        // RFC 6665 §4.2.1.1: the core adds the Contact to the 2xx.
        Assert.Single(response.Contacts);
        string state = expires == 0 ? "terminated;reason=timeout" : "active;expires=" + expires.ToString(CultureInfo.InvariantCulture);
        if (AutoNotify && NotifyFirst && incoming.Dialog is null)
        {
            // The NOTIFY overtakes the 200: sent from a dialog built ahead of the 200 the core will create it from.
            Assert.True(SipDialog.TryCreateUas(request, response, false, out var early));
            var n = early.CreateRequest("NOTIFY", _node.Ua.CreateVia(incoming.Remote));
            n.AddHeader(SipHeaderName.Event, request.GetHeader(SipHeaderName.Event)!);
            n.AddHeader(SipHeaderName.SubscriptionState, state);
            n.SetBody(Encoding.UTF8.GetBytes("state"), "text/plain");
            NotifyResponses.Enqueue(await _node.Ua.SendRequestAsync(n.Build(), incoming.Remote, ct: ct));
            await incoming.SendResponseAsync(response, ct);
            Dialog = incoming.Dialog;
            return null;
        }
        await incoming.SendResponseAsync(response, ct);
        // RFC 6665 §4.2.1: the core made the dialog from the 2xx.
        var dialog = incoming.Dialog;
        Assert.NotNull(dialog);
        if (request.To!.Tag is null)
        {
            Dialog = dialog;
        }
        if (AutoNotify)
        {
            NotifyResponses.Enqueue(await NotifyAsync(state, dialog));
        }
        return null;
    }

    /// <summary>Sends a NOTIFY in the dialog (or another one, for a fork).</summary>
    /// <param name="outside">Send it with the core, outside the dialog's bookkeeping (a 481 then does not end the dialog).</param>
    public Task<SipResponse> NotifyAsync(string subscriptionState, SipDialog? dialog = null, string? eventHeader = null, string? body = null, bool outside = false)
    {
        var d = dialog ?? Dialog ?? throw new InvalidOperationException("no subscription dialog");
        var b = d.CreateRequest("NOTIFY");
        b.AddHeader(SipHeaderName.Event, eventHeader ?? Event);
        if (subscriptionState.Length > 0)
        {
            b.AddHeader(SipHeaderName.SubscriptionState, subscriptionState);
        }
        b.SetBody(Encoding.UTF8.GetBytes(body ?? "state"), "text/plain");
        return outside ? _node.Ua.SendRequestAsync(b.Build(), d.Peer) : d.SendRequestAsync(b.Build());
    }

    /// <summary>A second dialog for the same SUBSCRIBE, as another fork would create (another To tag).</summary>
    public SipDialog Fork(string tag, Transport.SipEndPoint subscriber)
    {
        var request = Subscribes.First();
        var b = SipResponseBuilder.For(request, 200, null, tag);
        b.AddHeader(SipHeaderName.Contact, "<sip:fork@192.0.2.2>");
        Assert.True(SipDialog.TryCreateUas(request, b.Build(), false, out var dialog));
        _node.Ua.RegisterDialog(dialog, subscriber);
        return dialog;
    }
}

/// <summary>The subscriber side of SUBSCRIBE/NOTIFY (RFC 6665 §4.1) in the user agent, on a virtual clock.</summary>
public class UserAgentSubscriptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SipSubscribeOptions Options(UaNode target, uint expires = 600, string? id = null) => new()
    {
        Target = target.Uri,
        Destination = target.EndPoint,
        Event = "presence",
        EventId = id,
        Expires = expires,
        Accept = ["application/pidf+xml"],
    };

    [Fact]
    public async Task SubscribeNotifyRefreshUnsubscribe()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob);
        var subscription = alice.Ua.CreateSubscription(Options(bob));
        var notifies = new ConcurrentQueue<SipNotifyEventArgs>();
        subscription.NotifyReceived += (_, e) => notifies.Enqueue(e);

        Assert.True(await subscription.StartAsync(Ct));

        // RFC 6665 §4.1.2.1: Event, Expires, Accept and a Contact.
        var subscribe = Assert.Single(notifier.Subscribes);
        Assert.Equal("presence", subscribe.GetHeader(SipHeaderName.Event));
        Assert.Equal(600u, subscribe.Expires);
        Assert.Equal("application/pidf+xml", subscribe.GetHeader(SipHeaderName.Accept));
        Assert.Single(subscribe.Contacts);
        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Active, "the NOTIFY makes it active");
        var notify = Assert.Single(notifies);
        Assert.Equal(SipSubscriptionState.Active, notify.State);
        Assert.Equal(TimeSpan.FromSeconds(600), notify.Expires);
        Assert.Equal("state", Encoding.UTF8.GetString(notify.Body.Span));
        Assert.Equal(200, Assert.Single(notifier.NotifyResponses).StatusCode);
        Assert.Equal(notifier.Dialog!.LocalTag, subscription.Dialog!.RemoteTag);
        Assert.Equal(net.Time.GetUtcNow() + TimeSpan.FromSeconds(600), subscription.ExpiresAt);
        Assert.Same(subscription, Assert.Single(alice.Ua.Subscriptions));

        // The refresh goes out at half of 600 s (<= 1200 s), in the dialog, with the next CSeq (RFC 6665 §4.1.2.2).
        net.Time.Advance(TimeSpan.FromSeconds(299));
        Assert.Single(notifier.Subscribes);
        net.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => notifier.Subscribes.Count == 2 && notifies.Count == 2, "refresh and its NOTIFY");
        var refresh = notifier.Subscribes.Last();
        Assert.Equal(subscribe.CallId, refresh.CallId);
        Assert.Equal(subscribe.From!.Tag, refresh.From!.Tag);
        Assert.Equal(notifier.Dialog.LocalTag, refresh.To!.Tag);
        Assert.Equal(subscribe.CSeq!.Value.Number + 1, refresh.CSeq!.Value.Number);
        Assert.Equal("presence", refresh.GetHeader(SipHeaderName.Event));
        Assert.Equal(bob.Uri.Text, refresh.RequestUriText);

        // RFC 6665 §4.1.2.3: Expires 0, then the NOTIFY with Subscription-State terminated ends it.
        var ended = new TaskCompletionSource<SipSubscriptionTermination>();
        subscription.Terminated += (_, e) => ended.TrySetResult(e.Termination);
        await subscription.UnsubscribeAsync(Ct);
        var unsubscribe = notifier.Subscribes.Last();
        Assert.Equal(0u, unsubscribe.Expires);
        Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
        var termination = await ended.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.True(termination.ByNotifier);
        Assert.Equal("timeout", termination.Reason);
        Assert.True(subscription.Ended.IsCancellationRequested);
        Assert.Empty(alice.Ua.Subscriptions);
        Assert.Empty(alice.Ua.Dialogs);
        // A NOTIFY after the end gets 481 (RFC 6665 §4.1.3).
        Assert.Equal(481, (await notifier.NotifyAsync("active;expires=10")).StatusCode);
    }

    [Fact]
    public async Task NotifyBeforeThe200CreatesTheSubscription()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { NotifyFirst = true };
        var subscription = alice.Ua.CreateSubscription(Options(bob));
        SipResponse? responseAtFirstNotify = null;
        subscription.NotifyReceived += (s, _) => responseAtFirstNotify ??= ((SipSubscription)s!).Response ?? SipResponseBuilder.For(notifier.Subscribes.First(), 100).Build();

        Assert.True(await subscription.StartAsync(Ct));

        // RFC 6665 §4.1.2.4: the NOTIFY arrived before the 200 and was accepted (not 481); it made the dialog.
        Assert.Equal(200, Assert.Single(notifier.NotifyResponses).StatusCode);
        Assert.Equal(100, responseAtFirstNotify!.StatusCode);
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        var dialog = Assert.Single(alice.Ua.Dialogs);
        Assert.Same(dialog, subscription.Dialog);
        Assert.Equal(notifier.Dialog!.LocalTag, dialog.RemoteTag);
        Assert.Equal(SipDialogRole.Uac, dialog.Role);
        // The 200 came later and joined the same dialog: no second one, no fork.
        await Eventually.TrueAsync(() => subscription.Response is not null, "the 200 arrives");
        Assert.Equal(200, subscription.Response!.StatusCode);
        Assert.Single(alice.Ua.Dialogs);
        Assert.Single(alice.Ua.Subscriptions);
        // The dialog works: the refresh reaches the notifier's dialog.
        var response = await subscription.RefreshAsync(ct: Ct);
        Assert.Equal(200, response.StatusCode);
    }

    [Fact]
    public async Task NotifyWithoutA200StillCreatesTheSubscription()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { NotifyFirst = true };
        // The 200 is lost every time; the NOTIFY is not.
        net.Drop = w => w.Status == 200 && w.CSeqMethod == "SUBSCRIBE";

        var subscription = await alice.Ua.SubscribeAsync(Options(bob), Ct);
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        Assert.NotNull(subscription.LastNotify);
        Assert.Null(subscription.Response);

        // The SUBSCRIBE transaction times out (408 after 64*T1), yet the subscription the NOTIFY created lives on.
        net.Advance(40_000);
        await Eventually.TrueAsync(() => subscription.Response is not null, "the transaction ends");
        Assert.Equal(408, subscription.Response!.StatusCode);
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
    }

    [Fact]
    public async Task NoNotifyWithinTimerNEndsTheSubscription()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { AutoNotify = false };
        var subscription = await alice.Ua.SubscribeAsync(Options(bob), Ct);
        Assert.Equal(SipSubscriptionState.Subscribing, subscription.State);
        Assert.NotNull(subscription.Dialog); // made by the 200

        // RFC 6665 §4.1.2.4: Timer N = 64*T1 = 32 s from the SUBSCRIBE.
        net.Advance(31_900);
        Assert.Equal(SipSubscriptionState.Subscribing, subscription.State);
        net.Advance(200);
        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Terminated, "Timer N fires");
        Assert.Equal(SipSubscriptionTermination.TimerN, subscription.Termination!.Reason);
        Assert.True(subscription.Termination.MayResubscribe);
        Assert.Empty(alice.Ua.Dialogs);
        // A late NOTIFY matches nothing now.
        Assert.Equal(481, (await notifier.NotifyAsync("active;expires=600")).StatusCode);
    }

    [Fact]
    public async Task FailureResponseFailsTheSubscription()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        _ = new ScriptedNotifier(bob) { Status = (_, _) => 489 };

        var subscription = alice.Ua.CreateSubscription(Options(bob));
        Assert.False(await subscription.StartAsync(Ct));

        Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
        Assert.Equal(SipSubscriptionTermination.Failed, subscription.Termination!.Reason);
        Assert.Equal(489, subscription.Termination.StatusCode);
        Assert.False(subscription.Termination.MayResubscribe);
        Assert.Equal(SipSubscriptionTermination.Failed, (await subscription.Completion).Reason);
    }

    [Fact]
    public async Task IntervalTooBriefIsRetriedWithMinExpires()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { Status = (r, _) => r.Expires < 600 ? 423 : 200 };

        var subscription = await alice.Ua.SubscribeAsync(Options(bob, expires: 60), Ct);

        Assert.NotEqual(SipSubscriptionState.Terminated, subscription.State);
        var sent = notifier.Subscribes.ToArray();
        Assert.Equal([60u, 600u], sent.Select(s => s.Expires!.Value));
        // RFC 6665 §4.1.2.1: same Call-ID and From tag, CSeq one higher.
        Assert.Equal(sent[0].CallId, sent[1].CallId);
        Assert.Equal(sent[0].From!.Tag, sent[1].From!.Tag);
        Assert.Equal(sent[0].CSeq!.Value.Number + 1, sent[1].CSeq!.Value.Number);
    }

    [Fact]
    public async Task NotifyTerminatedEndsItWithReasonAndRetryAfter()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob);
        var subscription = await alice.Ua.SubscribeAsync(Options(bob), Ct);
        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Active, "active");

        var ok = await notifier.NotifyAsync("terminated;reason=probation;retry-after=120");

        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
        var t = subscription.Termination!;
        Assert.Equal("probation", t.Reason);
        Assert.Equal(TimeSpan.FromSeconds(120), t.RetryAfter);
        Assert.True(t.ByNotifier);
        Assert.True(t.MayResubscribe); // RFC 6665 §4.1.3: after retry-after
        Assert.Empty(alice.Ua.Dialogs);
    }

    [Theory]
    [InlineData("deactivated", true)]
    [InlineData("timeout", true)]
    [InlineData("giveup", true)]
    [InlineData("rejected", false)]
    [InlineData("noresource", false)]
    [InlineData("invariant", false)]
    public void TerminationReasonsFollowRfc6665(string reason, bool mayResubscribe) =>
        Assert.Equal(mayResubscribe, new SipSubscriptionTermination(reason, byNotifier: true).MayResubscribe);

    [Fact]
    public async Task PendingThenActive()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { AutoNotify = false };
        var subscription = await alice.Ua.SubscribeAsync(Options(bob), Ct);

        await notifier.NotifyAsync("pending;expires=500");
        Assert.Equal(SipSubscriptionState.Pending, subscription.State);
        Assert.Equal(net.Time.GetUtcNow() + TimeSpan.FromSeconds(500), subscription.ExpiresAt);
        await notifier.NotifyAsync("active;expires=400");
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        Assert.Equal(net.Time.GetUtcNow() + TimeSpan.FromSeconds(400), subscription.ExpiresAt);
    }

    [Fact]
    public async Task BadNotifiesAreRefused()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { AutoNotify = false };
        var subscription = await alice.Ua.SubscribeAsync(Options(bob, id: "7"), Ct);

        // RFC 6665 §8.2.1: the Event id is part of the match; another id or package is no subscription of ours.
        Assert.Equal(481, (await notifier.NotifyAsync("active", eventHeader: "presence", outside: true)).StatusCode);
        Assert.Equal(481, (await notifier.NotifyAsync("active", eventHeader: "presence;id=8", outside: true)).StatusCode);
        Assert.Equal(481, (await notifier.NotifyAsync("active", eventHeader: "dialog;id=7", outside: true)).StatusCode);
        // RFC 6665 §8.2.3: Subscription-State is required.
        Assert.Equal(400, (await notifier.NotifyAsync(string.Empty, eventHeader: "presence;id=7")).StatusCode);
        Assert.Equal(200, (await notifier.NotifyAsync("active;expires=60", eventHeader: "presence;id=7")).StatusCode);
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        Assert.Equal("presence;id=7", notifier.Subscribes.First().GetHeader(SipHeaderName.Event));
    }

    [Fact]
    public async Task ForkedNotifyCreatesASecondSubscription()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob);
        var subscription = alice.Ua.CreateSubscription(Options(bob));
        var forks = new List<SipSubscription>();
        var notified = new ConcurrentQueue<SipSubscription>();
        subscription.NotifyReceived += (s, _) => notified.Enqueue((SipSubscription)s!);
        subscription.Forked += (_, e) => forks.Add(e.Fork);
        await subscription.StartAsync(Ct);

        // RFC 6665 §4.5.2: a NOTIFY from another fork (another From tag) is a new subscription, not a 481.
        var other = notifier.Fork("fork-2", alice.EndPoint);
        Assert.Equal(200, (await notifier.NotifyAsync("active;expires=300", other)).StatusCode);

        var fork = Assert.Single(forks);
        Assert.True(fork.IsFork);
        Assert.Equal("fork-2", fork.Dialog!.RemoteTag);
        Assert.Equal(SipSubscriptionState.Active, fork.State);
        Assert.Equal(2, alice.Ua.Subscriptions.Count);
        Assert.Equal([subscription, fork], notified); // the fork kept the original's handler
        Assert.NotEqual(subscription.Dialog!.Id, fork.Dialog.Id);
    }

    [Fact]
    public async Task ForkWithoutAHandlerIsUnsubscribed()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob);
        var subscription = await alice.Ua.SubscribeAsync(Options(bob), Ct);

        var other = notifier.Fork("fork-3", alice.EndPoint);
        Assert.Equal(200, (await notifier.NotifyAsync("active;expires=300", other)).StatusCode);

        // RFC 6665 §4.5.2: the subscriber may end extra subscriptions: SUBSCRIBE Expires 0 in the fork's dialog.
        await Eventually.TrueAsync(() => notifier.Subscribes.Any(s => s.To!.Tag == "fork-3" && s.Expires == 0), "unsubscribe of the fork");
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
    }

    [Fact]
    public async Task FetchWithExpiresZeroGetsOneNotifyAndEnds()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { NotifyFirst = true };

        var subscription = await alice.Ua.SubscribeAsync(Options(bob, expires: 0), Ct);

        // RFC 6665 §4.4.1: a NOTIFY with Subscription-State terminated creates no dialog; the fetch is over.
        Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
        Assert.Equal(SipSubscriptionState.Terminated, subscription.LastNotify!.State);
        Assert.Equal("state", Encoding.UTF8.GetString(subscription.LastNotify.Body.Span));
        Assert.Equal(200, Assert.Single(notifier.NotifyResponses).StatusCode);
        Assert.Empty(alice.Ua.Dialogs);
    }

    [Fact]
    public async Task RefreshRejectedWith481EndsTheSubscription()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notifier = new ScriptedNotifier(bob) { Status = (_, n) => n == 1 ? 200 : 481 };
        var subscription = await alice.Ua.SubscribeAsync(Options(bob, expires: 120), Ct);
        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Active, "active");

        net.Time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Terminated, "the refresh fails");
        Assert.Equal(SipSubscriptionTermination.Failed, subscription.Termination!.Reason);
        Assert.Empty(alice.Ua.Dialogs);
    }

    [Fact]
    public async Task WithoutRefreshItExpires()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        _ = new ScriptedNotifier(bob);
        var options = Options(bob, expires: 120);
        var subscription = await alice.Ua.SubscribeAsync(new SipSubscribeOptions
        {
            Target = options.Target,
            Destination = options.Destination,
            Event = options.Event,
            Expires = 120,
            AutoRefresh = false,
        }, Ct);
        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Active, "active");

        net.Time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(SipSubscriptionState.Active, subscription.State);
        net.Time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.TrueAsync(() => subscription.State == SipSubscriptionState.Terminated, "expired");
        Assert.Equal(SipSubscriptionTermination.Expired, subscription.Termination!.Reason);
    }

    [Fact]
    public async Task UserAgentDisposeEndsSubscriptions()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        _ = new ScriptedNotifier(bob);
        var subscription = await alice.Ua.SubscribeAsync(Options(bob), Ct);

        alice.Ua.Dispose();

        Assert.Equal(SipSubscriptionState.Terminated, subscription.State);
        Assert.Equal(SipSubscriptionTermination.Shutdown, subscription.Termination!.Reason);
    }

    [Fact]
    public async Task UnknownNotifyStillGets481()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var notify = WireBytes.ParseRequest(
            "NOTIFY sip:alice@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKnotify1\r\nMax-Forwards: 70\r\n" +
            "From: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>;tag=a1\r\nCall-ID: nobody@192.0.2.2\r\nCSeq: 1 NOTIFY\r\n" +
            "Event: presence\r\nSubscription-State: active\r\nContact: <sip:bob@192.0.2.2>\r\nContent-Length: 0\r\n\r\n");

        var response = await bob.Ua.SendRequestAsync(notify, alice.EndPoint, ct: Ct);

        Assert.Equal(481, response.StatusCode);
    }
}
