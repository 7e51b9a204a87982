using System.Globalization;
using System.Net;
using System.Xml;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Ims.Tests.Registration;

/// <summary>A sender that records requests and answers them with a chosen status.</summary>
internal sealed class RecordingSender : ISipRequestSender
{
    private readonly List<SipRequest> _sent = [];
    private readonly SemaphoreSlim _signal = new(0);

    public Func<SipRequest, int> Status { get; set; } = _ => 200;

    public IReadOnlyList<SipRequest> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public SipViaHeader CreateVia(SipEndPoint destination) =>
        new("UDP", "192.0.2.100", 5060, [new("branch", SipIds.NewBranch()), new("rport", null)]);

    public SipUri LocalContact(SipEndPoint destination) => SipUri.Parse("sip:scscf@192.0.2.100:5060");

    public Task<SipResponse> SendAsync(SipRequest request, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
    {
        lock (_sent)
        {
            _sent.Add(request);
        }
        _signal.Release();
        return Task.FromResult(SipResponseBuilder.For(request, Status(request)).Build());
    }

    /// <summary>Waits for the next request sent.</summary>
    public async Task<SipRequest> NextAsync()
    {
        Assert.True(await _signal.WaitAsync(TimeSpan.FromSeconds(10)), "no request was sent");
        lock (_sent)
        {
            return _sent[^1];
        }
    }

    public async Task NothingMoreAsync() => Assert.False(await _signal.WaitAsync(TimeSpan.FromMilliseconds(200)), "an unexpected request was sent");
}

/// <summary>The reg event package (RFC 3680) over RFC 6665.</summary>
public sealed class SipRegEventNotifierTests : IAsyncLifetime
{
    private static readonly SipEndPoint s_watcher = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5070));
    private readonly RegistrarTestKit _kit = new();
    private readonly RecordingSender _sender = new();
    private readonly SipRegEventNotifier _notifier;
    private uint _cseq;

    public SipRegEventNotifierTests()
    {
        _notifier = new SipRegEventNotifier(_kit.Registrar, _sender);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _notifier.DisposeAsync();
        await _kit.DisposeAsync();
    }

    private SipRequest Subscribe(string target = "sip:alice@example.com", string from = "sip:alice@example.com", uint? expires = 600, string ev = "reg",
        SipResponse? dialogOf = null, string callId = "sub-1", string? accept = null)
    {
        _cseq++;
        var requestUri = dialogOf?.Contacts[0].Uri ?? SipUri.Parse(target);
        var b = new SipRequestBuilder("SUBSCRIBE", requestUri);
        b.AddHeader(SipHeaderName.Via, "SIP/2.0/UDP 192.0.2.10:5070;branch=" + SipIds.NewBranch());
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        b.AddHeader(SipHeaderName.From, $"<{from}>;tag=watcher-tag");
        b.AddHeader(SipHeaderName.To, dialogOf?.GetHeader(SipHeaderName.To) ?? $"<{target}>");
        b.AddHeader(SipHeaderName.CallId, callId);
        b.AddHeader(SipHeaderName.CSeq, _cseq.ToString(CultureInfo.InvariantCulture) + " SUBSCRIBE");
        b.AddHeader(SipHeaderName.Contact, "<sip:alice@192.0.2.10:5070>");
        b.AddHeader(SipHeaderName.Event, ev);
        if (expires is { } e)
        {
            b.AddHeader(SipHeaderName.Expires, e.ToString(CultureInfo.InvariantCulture));
        }
        if (accept is not null)
        {
            b.AddHeader(SipHeaderName.Accept, accept);
        }
        return b.Build();
    }

    private async Task<SipResponse> SendAsync(SipRequest subscribe)
    {
        SipResponse? response = null;
        await _notifier.ProcessAsync(subscribe, s_watcher, 0, (r, _) =>
        {
            response = r;
            return ValueTask.CompletedTask;
        });
        return response!;
    }

    private static XmlElement RegInfo(SipRequest notify)
    {
        Assert.Equal("NOTIFY", notify.Method);
        Assert.Equal("reg", notify.GetHeader(SipHeaderName.Event));
        Assert.Equal(SipRegInfo.ContentType, notify.ContentType);
        var doc = new XmlDocument();
        doc.LoadXml(System.Text.Encoding.UTF8.GetString(notify.Body.Span));
        var root = doc.DocumentElement!;
        Assert.Equal("reginfo", root.LocalName);
        Assert.Equal(SipRegInfo.Namespace, root.NamespaceURI);
        Assert.Equal("full", root.GetAttribute("state"));
        return root;
    }

    private static XmlNamespaceManager Ns(XmlElement root)
    {
        var ns = new XmlNamespaceManager(root.OwnerDocument.NameTable);
        ns.AddNamespace("r", SipRegInfo.Namespace);
        return ns;
    }

    private static XmlElement Registration(XmlElement root) => (XmlElement)root.SelectSingleNode("r:registration", Ns(root))!;

    private static List<XmlElement> Contacts(XmlElement root) =>
        [.. root.SelectNodes("r:registration/r:contact", Ns(root))!.Cast<XmlElement>()];

    private static string Uri(XmlElement contact) => contact.SelectSingleNode("r:uri", Ns((XmlElement)contact.OwnerDocument.DocumentElement!))!.InnerText;

    private async Task RegisterAsync(UeRegister ue, string contact, uint expires) =>
        Assert.Equal(200, (await _kit.SendAsync(ue.Build(contact, expires))).StatusCode);

    [Fact]
    public async Task SubscribeGets200AndAFullStateNotifyThenOneNotifyPerChange()
    {
        var ue = new UeRegister();
        await RegisterAsync(ue, "<sip:alice@192.0.2.10:5060>;+sip.instance=\"<urn:uuid:1>\"", 600);

        var subscribe = Subscribe(expires: 3600);
        var ok = await SendAsync(subscribe);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(3600u, ok.Expires);
        Assert.NotNull(ok.To!.Tag);
        Assert.Equal("sip:scscf@192.0.2.100:5060", Assert.Single(ok.Contacts).Uri.Text);

        // RFC 6665 §4.2.1.2: a NOTIFY at once, in the dialog (RFC 6665 §4.4).
        var notify = await _sender.NextAsync();
        Assert.Equal("sip:alice@192.0.2.10:5070", notify.RequestUriText);
        Assert.Equal(subscribe.CallId, notify.CallId);
        Assert.Equal(ok.To.Tag, notify.From!.Tag);
        Assert.Equal("watcher-tag", notify.To!.Tag);
        Assert.Equal("NOTIFY", notify.CSeq!.Value.Method);
        Assert.StartsWith("active;expires=", notify.GetHeader(SipHeaderName.SubscriptionState), StringComparison.Ordinal);
        var root = RegInfo(notify);
        Assert.Equal("0", root.GetAttribute("version"));
        var registration = Registration(root);
        Assert.Equal("sip:alice@example.com", registration.GetAttribute("aor"));
        Assert.Equal("active", registration.GetAttribute("state"));
        Assert.False(string.IsNullOrEmpty(registration.GetAttribute("id")));
        var contact = Assert.Single(Contacts(root));
        Assert.Equal("active", contact.GetAttribute("state"));
        Assert.Equal("registered", contact.GetAttribute("event"));
        Assert.Equal("600", contact.GetAttribute("expires"));
        Assert.Equal("sip:alice@192.0.2.10:5060", Uri(contact));
        Assert.Equal(ue.CallId, contact.GetAttribute("callid"));
        Assert.False(string.IsNullOrEmpty(contact.GetAttribute("id")));

        // A second contact: registered; version 1.
        await RegisterAsync(ue, "<sip:alice@192.0.2.11:5060>", 600);
        root = RegInfo(await _sender.NextAsync());
        Assert.Equal("1", root.GetAttribute("version"));
        Assert.Equal(2, Contacts(root).Count);
        Assert.All(Contacts(root), c => Assert.Equal("registered", c.GetAttribute("event")));

        // A refresh with a shorter expiry: shortened.
        await RegisterAsync(ue, "<sip:alice@192.0.2.11:5060>", 300);
        root = RegInfo(await _sender.NextAsync());
        Assert.Equal("2", root.GetAttribute("version"));
        Assert.Equal("shortened", Contacts(root).Single(c => Uri(c) == "sip:alice@192.0.2.11:5060").GetAttribute("event"));
        await RegisterAsync(ue, "<sip:alice@192.0.2.11:5060>", 300);
        Assert.Equal("refreshed", Contacts(RegInfo(await _sender.NextAsync())).Single(c => Uri(c) == "sip:alice@192.0.2.11:5060").GetAttribute("event"));

        // Unregistered: terminated contact.
        await RegisterAsync(ue, "<sip:alice@192.0.2.11:5060>", 0);
        root = RegInfo(await _sender.NextAsync());
        var gone = Contacts(root).Single(c => Uri(c) == "sip:alice@192.0.2.11:5060");
        Assert.Equal("terminated", gone.GetAttribute("state"));
        Assert.Equal("unregistered", gone.GetAttribute("event"));
        Assert.Equal("active", Registration(root).GetAttribute("state"));

        // Expired: after 600 s the sweep reports it; the registration is terminated, the subscription goes on.
        _kit.Time.Advance(TimeSpan.FromSeconds(600));
        await _kit.Locations.SweepAsync();
        notify = await _sender.NextAsync();
        root = RegInfo(notify);
        Assert.Equal("terminated", Registration(root).GetAttribute("state"));
        Assert.Equal("expired", Assert.Single(Contacts(root)).GetAttribute("event"));
        Assert.StartsWith("active", notify.GetHeader(SipHeaderName.SubscriptionState), StringComparison.Ordinal);
        Assert.Equal(1, _notifier.Count);
        var cseqs = _sender.Sent.Select(r => r.CSeq!.Value.Number).ToArray();
        Assert.Equal(cseqs.OrderBy(n => n), cseqs);
    }

    [Fact]
    public async Task NetworkInitiatedDeregistrationNotifiesDeactivatedAndEndsTheSubscription()
    {
        var ue = new UeRegister();
        await RegisterAsync(ue, "<sip:alice@192.0.2.10:5060>", 600);
        await SendAsync(Subscribe());
        await _sender.NextAsync();

        Assert.Equal(1, await _kit.Registrar.DeregisterAsync("sip:alice@example.com"));
        var notify = await _sender.NextAsync();
        var root = RegInfo(notify);
        Assert.Equal("terminated", Registration(root).GetAttribute("state"));
        var contact = Assert.Single(Contacts(root));
        Assert.Equal("terminated", contact.GetAttribute("state"));
        Assert.Equal("deactivated", contact.GetAttribute("event"));
        Assert.Equal("terminated;reason=deactivated", notify.GetHeader(SipHeaderName.SubscriptionState));
        Assert.Equal(0, _notifier.Count);
    }

    [Fact]
    public async Task RefreshUnsubscribeAndUnknownDialog()
    {
        await RegisterAsync(new UeRegister(), "<sip:alice@192.0.2.10:5060>", 600);
        var ok = await SendAsync(Subscribe());
        await _sender.NextAsync();

        // RFC 6665 §4.2.1.2: a refresh gets 200 and a NOTIFY.
        var refreshed = await SendAsync(Subscribe(expires: 1200, dialogOf: ok));
        Assert.Equal(200, refreshed.StatusCode);
        Assert.Equal(1200u, refreshed.Expires);
        Assert.Equal("1", RegInfo(await _sender.NextAsync()).GetAttribute("version"));

        // Expires 0: the last NOTIFY says terminated;reason=timeout (RFC 6665 §4.2.1.4).
        Assert.Equal(200, (await SendAsync(Subscribe(expires: 0, dialogOf: ok))).StatusCode);
        Assert.Equal("terminated;reason=timeout", (await _sender.NextAsync()).GetHeader(SipHeaderName.SubscriptionState));
        Assert.Equal(0, _notifier.Count);
        Assert.Equal(481, (await SendAsync(Subscribe(dialogOf: ok))).StatusCode);
    }

    [Fact]
    public async Task SubscriptionExpiresOnTheClock()
    {
        await SendAsync(Subscribe(expires: 120));
        var first = RegInfo(await _sender.NextAsync());
        Assert.Equal("init", Registration(first).GetAttribute("state"));
        Assert.Empty(Contacts(first));
        _kit.Time.Advance(TimeSpan.FromSeconds(120));
        Assert.Equal("terminated;reason=timeout", (await _sender.NextAsync()).GetHeader(SipHeaderName.SubscriptionState));
        Assert.Equal(0, _notifier.Count);
    }

    [Fact]
    public async Task RefusedSubscriptions()
    {
        var badEvent = await SendAsync(Subscribe(ev: "presence"));
        Assert.Equal(489, badEvent.StatusCode);
        Assert.Equal("reg", badEvent.GetHeader(SipHeaderName.AllowEvents));
        Assert.Equal(403, (await SendAsync(Subscribe(from: "sip:eve@example.com"))).StatusCode);
        Assert.Equal(404, (await SendAsync(Subscribe(target: "sip:alice@elsewhere.net", from: "sip:alice@elsewhere.net"))).StatusCode);
        var brief = await SendAsync(Subscribe(expires: 5));
        Assert.Equal(423, brief.StatusCode);
        Assert.Equal("60", brief.GetHeader(SipHeaderName.MinExpires));
        Assert.Equal(406, (await SendAsync(Subscribe(accept: "application/pidf+xml"))).StatusCode);
        Assert.Equal(0, _notifier.Count);
        await _sender.NothingMoreAsync();
    }

    [Fact]
    public async Task NotifyEchoesTheEventIdOfTheSubscribe()
    {
        // RFC 6665 §8.2.1: the subscriber matches NOTIFYs by event-type and id; the notifier copies both.
        Assert.Equal(200, (await SendAsync(Subscribe(ev: "reg;id=42"))).StatusCode);
        var notify = await _sender.NextAsync();
        Assert.Equal("reg;id=42", notify.GetHeader(SipHeaderName.Event));
    }

    [Fact]
    public async Task NotifyRejectedWith481EndsTheSubscription()
    {
        _sender.Status = _ => 481;
        await SendAsync(Subscribe());
        await _sender.NextAsync();
        for (int i = 0; i < 50 && _notifier.Count > 0; i++)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, _notifier.Count);
        await RegisterAsync(new UeRegister(), "<sip:alice@192.0.2.10:5060>", 600);
        await _sender.NothingMoreAsync();
    }

    [Fact]
    public async Task IsRegEventSubscribeRecognisesPackageAndDialogs()
    {
        Assert.True(_notifier.IsRegEventSubscribe(Subscribe()));
        Assert.False(_notifier.IsRegEventSubscribe(Subscribe(ev: "presence")));
        var ok = await SendAsync(Subscribe());
        await _sender.NextAsync();
        Assert.True(_notifier.IsRegEventSubscribe(Subscribe(dialogOf: ok, ev: "reg")));
    }
}
