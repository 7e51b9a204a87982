using System.Net;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Ims.Tests.Registration;

/// <summary>The location service against RFC 3261 §10.3 steps 6–8, RFC 5626 §6 and expiry.</summary>
public sealed class SipLocationServiceTests : IAsyncLifetime
{
    private const string Aor = "sip:alice@example.com";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBindingStore _store = new();
    private readonly List<SipBindingsChangedEventArgs> _events = [];
    private readonly SipLocationService _service;

    public SipLocationServiceTests()
    {
        _service = new SipLocationService(_store, new SipLocationServiceOptions
        {
            MinExpires = TimeSpan.FromSeconds(60),
            MaxExpires = TimeSpan.FromSeconds(7200),
            DefaultExpires = TimeSpan.FromSeconds(3600),
            MaxBindingsPerAor = 4,
        }, _time);
        _service.BindingsChanged += (_, e) =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
        };
    }

    public ValueTask InitializeAsync() => _service.StartAsync();

    public ValueTask DisposeAsync() => _service.DisposeAsync();

    internal static SipRegistrationRequest Reg(string callId, uint cseq, uint? expires, params string[] contacts) => new()
    {
        AddressOfRecord = Aor,
        CallId = callId,
        CSeq = cseq,
        Expires = expires,
        Contacts = contacts.Select(c => SipNameAddress.TryParse(c, out var na) ? na : throw new FormatException(c)).ToArray(),
    };

    private ValueTask<SipRegistrationResult> Register(string callId, uint cseq, uint? expires, params string[] contacts) =>
        _service.RegisterAsync(Reg(callId, cseq, expires, contacts));

    private SipBindingEvent[] LastEvents() => _events[^1].Changes.Select(c => c.Event).ToArray();

    [Fact]
    public async Task NewContactIsBoundWithTheDefaultExpiry()
    {
        var r = await Register("c1", 1, null, "<sip:alice@192.0.2.1:5060>");
        Assert.True(r.IsSuccess);
        Assert.Equal(200, r.StatusCode);
        var b = Assert.Single(r.Bindings);
        Assert.Equal("sip:alice@192.0.2.1:5060", b.Contact);
        Assert.Equal(Aor, b.AddressOfRecord);
        Assert.Equal(3600u, b.RemainingSeconds(_time.GetUtcNow()));
        Assert.Equal("c1", b.CallId);
        Assert.Equal(1u, b.CSeq);
        Assert.Equal([SipBindingEvent.Registered], LastEvents());
        Assert.Single(await _service.LookupAsync(Aor));
    }

    [Fact]
    public async Task ContactExpiresBeatsTheExpiresHeader()
    {
        // RFC 3261 §10.3 step 7: the expires parameter, else the Expires header, else the default.
        var r = await Register("c1", 1, 600, "<sip:a@192.0.2.1>;expires=120", "<sip:b@192.0.2.1>");
        var now = _time.GetUtcNow();
        Assert.Equal(120u, r.Bindings.Single(b => b.Contact == "sip:a@192.0.2.1").RemainingSeconds(now));
        Assert.Equal(600u, r.Bindings.Single(b => b.Contact == "sip:b@192.0.2.1").RemainingSeconds(now));
    }

    [Fact]
    public async Task TooBriefGets423WithMinExpiresAndChangesNothing()
    {
        var r = await Register("c1", 1, null, "<sip:a@192.0.2.1>;expires=30");
        Assert.Equal(SipRegistrationStatus.IntervalTooBrief, r.Status);
        Assert.Equal(423, r.StatusCode);
        Assert.Equal(60u, r.MinExpires);
        Assert.Empty(await _service.LookupAsync(Aor));
        Assert.Empty(_events);
    }

    [Fact]
    public async Task TooLongIsShortenedToTheMaximum()
    {
        var r = await Register("c1", 1, 100000, "<sip:a@192.0.2.1>");
        Assert.Equal(7200u, Assert.Single(r.Bindings).RemainingSeconds(_time.GetUtcNow()));
    }

    [Fact]
    public async Task RefreshWithHigherCSeqUpdatesAndReportsRefreshedOrShortened()
    {
        await Register("c1", 1, 600, "<sip:a@192.0.2.1>");
        _time.Advance(TimeSpan.FromSeconds(10));
        var r = await Register("c1", 2, 600, "<sip:a@192.0.2.1>");
        Assert.Equal(600u, Assert.Single(r.Bindings).RemainingSeconds(_time.GetUtcNow()));
        Assert.Equal(2u, r.Bindings[0].CSeq);
        Assert.Equal([SipBindingEvent.Refreshed], LastEvents());
        await Register("c1", 3, 120, "<sip:a@192.0.2.1>");
        Assert.Equal([SipBindingEvent.Shortened], LastEvents());
    }

    [Theory]
    [InlineData(5u)]
    [InlineData(4u)]
    public async Task SameCallIdWithCSeqNotHigherIsRefusedWith500(uint cseq)
    {
        // RFC 3261 §10.3 step 7: out of order: the update is aborted and the request fails.
        await Register("c1", 5, 600, "<sip:a@192.0.2.1>");
        var events = _events.Count;
        var r = await Register("c1", cseq, 0, "<sip:a@192.0.2.1>");
        Assert.Equal(SipRegistrationStatus.OutOfOrder, r.Status);
        Assert.Equal(500, r.StatusCode);
        Assert.Single(await _service.LookupAsync(Aor));
        Assert.Equal(events, _events.Count);
    }

    [Fact]
    public async Task OtherCallIdUpdatesWhateverItsCSeq()
    {
        await Register("c1", 5, 600, "<sip:a@192.0.2.1>");
        var r = await Register("c2", 1, 900, "<sip:a@192.0.2.1>");
        var b = Assert.Single(r.Bindings);
        Assert.Equal("c2", b.CallId);
        Assert.Equal(1u, b.CSeq);
    }

    [Fact]
    public async Task OutOfOrderAbortsTheWholeRequest()
    {
        await Register("c1", 5, 600, "<sip:a@192.0.2.1>");
        var r = await Register("c1", 5, 600, "<sip:b@192.0.2.1>", "<sip:a@192.0.2.1>");
        Assert.Equal(SipRegistrationStatus.OutOfOrder, r.Status);
        Assert.Equal("sip:a@192.0.2.1", Assert.Single(await _service.LookupAsync(Aor)).Contact);
    }

    [Fact]
    public async Task ExpiresZeroRemovesOneBinding()
    {
        await Register("c1", 1, 600, "<sip:a@192.0.2.1>", "<sip:b@192.0.2.1>");
        var r = await Register("c1", 2, null, "<sip:a@192.0.2.1>;expires=0");
        Assert.Equal("sip:b@192.0.2.1", Assert.Single(r.Bindings).Contact);
        Assert.Equal([SipBindingEvent.Unregistered], LastEvents());
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task UriComparisonFollowsRfc3261()
    {
        // RFC 3261 §19.1.4: host case-insensitive; the same binding is refreshed, not duplicated.
        await Register("c1", 1, 600, "<sip:alice@HOST.example.com:5060;transport=tcp>");
        var r = await Register("c1", 2, 600, "<sip:alice@host.example.com:5060;transport=TCP>");
        Assert.Single(r.Bindings);
        Assert.Equal([SipBindingEvent.Refreshed], LastEvents());
    }

    [Fact]
    public async Task WildcardWithExpiresZeroRemovesAll()
    {
        await Register("c1", 1, 600, "<sip:a@192.0.2.1>", "<sip:b@192.0.2.1>");
        await Register("c2", 1, 600, "<sip:c@192.0.2.1>");
        var r = await Register("c3", 1, 0, "*");
        Assert.True(r.IsSuccess);
        Assert.Empty(r.Bindings);
        Assert.Equal(3, _events[^1].Changes.Count);
        Assert.All(_events[^1].Changes, c => Assert.Equal(SipBindingEvent.Unregistered, c.Event));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task WildcardNeedsExpiresZeroAndNoOtherContact()
    {
        // RFC 3261 §10.3 step 6.
        await Register("c1", 1, 600, "<sip:a@192.0.2.1>");
        Assert.Equal(400, (await Register("c1", 2, 600, "*")).StatusCode);
        Assert.Equal(400, (await Register("c1", 3, null, "*")).StatusCode);
        Assert.Equal(400, (await Register("c1", 4, 0, "*", "<sip:b@192.0.2.1>")).StatusCode);
        Assert.Single(await _service.LookupAsync(Aor));
    }

    [Fact]
    public async Task WildcardWithOldCSeqForSameCallIdFails()
    {
        // RFC 3261 §10.3 step 6: a binding with the same Call-ID and a CSeq not lower aborts the removal.
        await Register("c1", 7, 600, "<sip:a@192.0.2.1>");
        var r = await Register("c1", 7, 0, "*");
        Assert.Equal(500, r.StatusCode);
        Assert.Single(await _service.LookupAsync(Aor));
    }

    [Fact]
    public async Task NoContactIsAQuery()
    {
        await Register("c1", 1, 600, "<sip:a@192.0.2.1>");
        var count = _events.Count;
        var r = await Register("c9", 1, null);
        Assert.True(r.IsSuccess);
        Assert.Single(r.Bindings);
        Assert.Empty(r.Changes);
        Assert.Equal(count, _events.Count);
    }

    [Fact]
    public async Task LookupSortsByQThenExpiry()
    {
        await Register("c1", 1, null, "<sip:low@192.0.2.1>;q=0.1;expires=3000", "<sip:high@192.0.2.1>;q=0.9;expires=100",
            "<sip:mid-short@192.0.2.1>;q=0.5;expires=200", "<sip:mid-long@192.0.2.1>;q=0.5;expires=2000");
        var list = await _service.LookupAsync(Aor);
        Assert.Equal(["sip:high@192.0.2.1", "sip:mid-long@192.0.2.1", "sip:mid-short@192.0.2.1", "sip:low@192.0.2.1"], list.Select(b => b.Contact));
        Assert.Equal(0.9, list[0].Q);
    }

    [Fact]
    public async Task BadQIsRefused()
    {
        Assert.Equal(400, (await Register("c1", 1, null, "<sip:a@192.0.2.1>;q=1.5")).StatusCode);
        Assert.Equal(400, (await Register("c1", 2, null, "<sip:a@192.0.2.1>;q=x")).StatusCode);
    }

    [Fact]
    public async Task TooManyBindingsIsRefused()
    {
        var r = await Register("c1", 1, null, "<sip:a@h>", "<sip:b@h>", "<sip:c@h>", "<sip:d@h>", "<sip:e@h>");
        Assert.Equal(SipRegistrationStatus.TooManyBindings, r.Status);
        Assert.Equal(403, r.StatusCode);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task OutboundBindingIsReplacedByInstanceAndRegId()
    {
        // RFC 5626 §6: same +sip.instance and reg-id: the new contact (new flow) replaces the old one.
        const string instance = "\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\"";
        var flow1 = new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 40000));
        var flow2 = new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 40001));
        var r1 = await _service.RegisterAsync(new SipRegistrationRequest
        {
            AddressOfRecord = Aor, CallId = "c1", CSeq = 1, Source = flow1, ConnectionId = 11,
            Contacts = [Parse($"<sip:alice@192.0.2.1:40000;transport=tcp;ob>;+sip.instance={instance};reg-id=1")],
        });
        Assert.True(r1.UsedOutbound);
        var first = Assert.Single(r1.Bindings);
        Assert.True(first.IsOutbound);
        Assert.Equal("<urn:uuid:00000000-0000-1000-8000-000A95A0E128>", first.InstanceId);
        Assert.Equal(flow1, first.Source);
        Assert.Equal(11, first.ConnectionId);

        // Another reg-id of the same instance is a second flow: both kept.
        var r2 = await _service.RegisterAsync(new SipRegistrationRequest
        {
            AddressOfRecord = Aor, CallId = "c2", CSeq = 1, Source = flow2,
            Contacts = [Parse($"<sip:alice@192.0.2.1:40001;transport=tcp;ob>;+sip.instance={instance};reg-id=2")],
        });
        Assert.Equal(2, r2.Bindings.Count);

        // reg-id 1 again from a new flow with a new contact URI: replaces the first.
        var r3 = await _service.RegisterAsync(new SipRegistrationRequest
        {
            AddressOfRecord = Aor, CallId = "c3", CSeq = 1, Source = flow2, ConnectionId = 12,
            Contacts = [Parse($"<sip:alice@192.0.2.1:40002;transport=tcp;ob>;+sip.instance={instance};reg-id=1")],
        });
        Assert.Equal(2, r3.Bindings.Count);
        Assert.DoesNotContain(r3.Bindings, b => b.Contact.Contains("40000", StringComparison.Ordinal));
        Assert.Equal([SipBindingEvent.Refreshed], LastEvents());
        Assert.Equal(2, _store.Count);
        Assert.Equal(12, r3.Bindings.Single(b => b.RegId == 1).ConnectionId);
    }

    [Fact]
    public async Task RegIdWithoutInstanceIsIgnoredAndRegIdNeedsASingleContact()
    {
        var r = await Register("c1", 1, null, "<sip:a@192.0.2.1>;reg-id=1");
        Assert.Equal(0, Assert.Single(r.Bindings).RegId);
        Assert.False(r.UsedOutbound);
        var bad = await Register("c1", 2, null, "<sip:b@192.0.2.1>;+sip.instance=\"<urn:uuid:1>\";reg-id=1", "<sip:c@192.0.2.1>");
        Assert.Equal(400, bad.StatusCode);
    }

    [Fact]
    public async Task FeatureTagsPathAndSourceAreKept()
    {
        var source = new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("198.51.100.7"), 5060));
        var r = await _service.RegisterAsync(new SipRegistrationRequest
        {
            AddressOfRecord = Aor, CallId = "c1", CSeq = 1, Source = source,
            Path = ["<sip:pcscf.example.com;lr>"],
            Contacts = [Parse("<sip:alice@192.0.2.1>;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";+g.oma.sip-im;expires=600;q=0.7")],
        });
        var b = Assert.Single(r.Bindings);
        Assert.Equal(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";+g.oma.sip-im", b.FeatureParameters);
        Assert.Equal(string.Empty, b.GetParameter("+g.oma.sip-im"));
        Assert.Equal(["<sip:pcscf.example.com;lr>"], b.Path);
        Assert.Equal(source, b.Source);
        var header = b.ToContactHeader(_time.GetUtcNow());
        Assert.Equal("<sip:alice@192.0.2.1>;expires=600;q=0.7;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";+g.oma.sip-im", header);
    }

    [Fact]
    public async Task RepeatedValuesAreShared()
    {
        var path = new[] { "<sip:pcscf.example.com;lr>" };
        for (int i = 0; i < 2; i++)
        {
            await _service.RegisterAsync(new SipRegistrationRequest
            {
                AddressOfRecord = $"sip:user{i}@example.com", CallId = "c" + i, CSeq = 1, Path = [.. path],
                Contacts = [Parse($"<sip:user{i}@192.0.2.{i + 1}>;+g.oma.sip-im;+sip.instance=\"<urn:uuid:{i}>\"")],
            });
        }
        var a = (await _service.LookupAsync("sip:user0@example.com"))[0];
        var b = (await _service.LookupAsync("sip:user1@example.com"))[0];
        Assert.Same(a.FeatureParameters, b.FeatureParameters);
        Assert.Same(a.Path, b.Path);
    }

    [Fact]
    public async Task ExpiredBindingsAreSweptAndReported()
    {
        await Register("c1", 1, null, "<sip:short@192.0.2.1>;expires=60", "<sip:long@192.0.2.1>;expires=600");
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(2, (await _service.LookupAsync(Aor)).Count);
        _events.Clear();
        _time.Advance(TimeSpan.FromSeconds(1)); // the sweep timer fires too
        Assert.Equal("sip:long@192.0.2.1", Assert.Single(await _service.LookupAsync(Aor)).Contact);
        await _service.SweepAsync();
        Assert.Equal(1, _store.Count);
        var change = Assert.Single(_events.SelectMany(e => e.Changes));
        Assert.Equal(SipBindingEvent.Expired, change.Event);
        Assert.Equal("sip:short@192.0.2.1", change.Binding.Contact);
        Assert.Equal("expired", change.EventName);
    }

    [Fact]
    public async Task RefreshedBindingIsNotSweptAtItsOldExpiry()
    {
        await Register("c1", 1, 60, "<sip:a@192.0.2.1>");
        _time.Advance(TimeSpan.FromSeconds(30));
        await Register("c1", 2, 600, "<sip:a@192.0.2.1>");
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, await _service.SweepAsync());
        Assert.Single(await _service.LookupAsync(Aor));
        _time.Advance(TimeSpan.FromSeconds(600));
        Assert.Equal(0, _store.Count); // the timer swept it
    }

    [Fact]
    public async Task RemoveAllDeactivates()
    {
        await Register("c1", 1, 600, "<sip:a@192.0.2.1>", "<sip:b@192.0.2.1>");
        Assert.Equal(2, await _service.RemoveAllAsync(Aor));
        Assert.All(_events[^1].Changes, c => Assert.Equal(SipBindingEvent.Deactivated, c.Event));
        Assert.Empty(_events[^1].Current);
        Assert.Empty(await _service.LookupAsync(Aor));
    }

    [Fact]
    public async Task AdministrativeAddIsCreated()
    {
        await _service.AddAsync(new SipBinding(Aor, "sip:static@192.0.2.9", _time.GetUtcNow().AddHours(1), "admin", 0));
        Assert.Equal([SipBindingEvent.Created], LastEvents());
        Assert.Single(await _service.LookupAsync(Aor));
    }

    [Fact]
    public async Task BindingsSurviveARestartOfTheServiceOnTheSameStore()
    {
        await Register("c1", 1, 60, "<sip:a@192.0.2.1>");
        await _service.DisposeAsync(); // the old service stops sweeping
        await using var again = new SipLocationService(_store, new SipLocationServiceOptions { SweepInterval = TimeSpan.Zero }, _time);
        await again.StartAsync();
        Assert.Single(await again.LookupAsync(Aor));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, await again.SweepAsync());
    }

    private static SipNameAddress Parse(string text) => SipNameAddress.TryParse(text, out var na) ? na : throw new FormatException(text);
}
