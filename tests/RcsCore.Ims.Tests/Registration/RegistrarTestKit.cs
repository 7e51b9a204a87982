using System.Globalization;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Ims.Tests.Registration;

/// <summary>A registrar on a fake clock with in-memory stores, and a REGISTER builder for a UE.</summary>
internal sealed class RegistrarTestKit : IAsyncDisposable
{
    public static readonly byte[] K = Convert.FromHexString("465b5ce8b199b49faa5f0a2ee238a6bc");
    public static readonly byte[] Opc = Convert.FromHexString("cd63cb71954a9f4e48a5994e37a02baf");
    public static readonly SipEndPoint Ue = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5060));

    public RegistrarTestKit(ISipRegistrarAuthenticator? authenticator = null, Func<RegistrarTestKit, ISipRegistrarAuthenticator>? make = null,
        IReadOnlyList<string>? serviceRoute = null)
    {
        Locations = new SipLocationService(Bindings, new SipLocationServiceOptions { SweepInterval = TimeSpan.Zero }, Time);
        Authenticator = authenticator ?? make?.Invoke(this);
        Registrar = new SipRegistrar(Locations, new SipRegistrarOptions
        {
            Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "example.com" },
            ServiceRoute = serviceRoute ?? ["<sip:orig@scscf.example.com;lr>"],
        }, Authenticator, Authenticator is null ? null : Subscribers);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    public InMemoryBindingStore Bindings { get; } = new();
    public InMemorySubscriberStore Subscribers { get; } = new();
    public SipLocationService Locations { get; }
    public ISipRegistrarAuthenticator? Authenticator { get; }
    public SipRegistrar Registrar { get; }

    public async Task AddDigestUserAsync(string impi = "alice@example.com", string password = "secret", params string[] impus) =>
        await Subscribers.SaveAsync(new SipSubscriber
        {
            Impi = impi,
            Impus = impus.Length == 0 ? ["sip:alice@example.com", "tel:+15551230001"] : impus,
            Password = password,
        });

    public async Task AddAkaUserAsync(string impi = "alice@example.com", ulong sequence = 0) =>
        await Subscribers.SaveAsync(new SipSubscriber
        {
            Impi = impi,
            Impus = ["sip:alice@example.com"],
            Aka = new SipAkaSubscription(K, Opc, sequence),
        });

    public ValueTask<SipResponse> SendAsync(SipRequest request) => Registrar.ProcessAsync(request, Ue, 0);

    public ValueTask DisposeAsync() => Locations.DisposeAsync();
}

/// <summary>Builds REGISTER requests the way a UE does (RFC 3261 §10.2): one Call-ID, CSeq growing.</summary>
internal sealed class UeRegister
{
    private uint _cseq;

    public UeRegister(string aor = "sip:alice@example.com", string callId = "reg-call-1")
    {
        Aor = aor;
        CallId = callId;
    }

    public string Aor { get; }
    public string CallId { get; }
    public string RequestUri { get; init; } = "sip:example.com";
    public uint LastCSeq => _cseq;

    public SipRequest Build(string? contact = "<sip:alice@192.0.2.10:5060>", uint? expires = 600, string? authorization = null,
        string[]? extraHeaders = null, uint? cseq = null)
    {
        _cseq = cseq ?? _cseq + 1;
        var b = new SipRequestBuilder("REGISTER", SipUri.Parse(RequestUri));
        b.AddHeader(SipHeaderName.Via, "SIP/2.0/UDP 192.0.2.10:5060;branch=" + SipIds.NewBranch());
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        b.AddHeader(SipHeaderName.From, $"<{Aor}>;tag={SipIds.NewTag()}");
        b.AddHeader(SipHeaderName.To, $"<{Aor}>");
        b.AddHeader(SipHeaderName.CallId, CallId);
        b.AddHeader(SipHeaderName.CSeq, _cseq.ToString(CultureInfo.InvariantCulture) + " REGISTER");
        if (contact is not null)
        {
            b.AddHeader(SipHeaderName.Contact, contact);
        }
        if (expires is { } e)
        {
            b.AddHeader(SipHeaderName.Expires, e.ToString(CultureInfo.InvariantCulture));
        }
        if (authorization is not null)
        {
            b.AddHeader(SipHeaderName.Authorization, authorization);
        }
        foreach (var h in extraHeaders ?? [])
        {
            int colon = h.IndexOf(':', StringComparison.Ordinal);
            b.AddHeader(h[..colon], h[(colon + 1)..].Trim());
        }
        return b.Build();
    }

    public static SipDigestChallenge Challenge(SipResponse response, int index = 0)
    {
        var values = response.GetHeaders(SipHeaderName.WwwAuthenticate);
        var result = SipDigestChallenge.TryParse(values[index], out var challenge);
        return result.IsSuccess ? challenge! : throw new FormatException(values[index]);
    }
}
