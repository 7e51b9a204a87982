using System.Globalization;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Ims.Tests.Registration;

/// <summary>The registrar: RFC 3261 §10.3 with Digest (RFC 7616), Path, Service-Route, P-Associated-URI and GRUU.</summary>
public sealed class SipRegistrarTests
{
    private static RegistrarTestKit DigestKit(SipDigestAuthenticatorOptions? options = null) =>
        new(make: kit => new SipDigestRegistrarAuthenticator(kit.Subscribers, options, kit.Time));

    private static string Answer(SipDigestChallenge challenge, SipRequest request, SipDigestClient? client = null, string user = "alice@example.com", string password = "secret")
    {
        client ??= new SipDigestClient();
        Assert.Equal(SipDigestError.None, client.TryCreateCredentials(challenge, user, password, "REGISTER", request.RequestUriText, default, out var credentials));
        return credentials!.ToString();
    }

    [Fact]
    public async Task DigestChallengeThenAuthorisedRegisterGets200WithEverything()
    {
        await using var kit = DigestKit();
        await kit.AddDigestUserAsync();
        var ue = new UeRegister();
        string contact = "<sip:alice@192.0.2.10:5060>;+g.oma.sip-im;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\"";
        string[] extra = ["Supported: path, gruu", "Path: <sip:pcscf.example.com;lr>"];

        var first = await kit.SendAsync(ue.Build(contact, 600, extraHeaders: extra));
        Assert.Equal(401, first.StatusCode);
        // RFC 8760 §2.4: one challenge per algorithm, preferred first.
        var challenges = first.GetHeaders(SipHeaderName.WwwAuthenticate);
        Assert.Equal(2, challenges.Count);
        var sha = UeRegister.Challenge(first, 0);
        Assert.Equal(SipDigestAlgorithm.Sha256, sha.Algorithm);
        Assert.Equal(SipDigestAlgorithm.Md5, UeRegister.Challenge(first, 1).Algorithm);
        Assert.Equal("example.com", sha.Realm);
        Assert.Equal(SipDigestQop.Auth, sha.Qop);
        Assert.False(sha.Stale);
        Assert.Empty(kit.Bindings.Get("sip:alice@example.com"));

        var probe = ue.Build(contact, 600, extraHeaders: extra);
        var ok = await kit.SendAsync(ue.Build(contact, 600, Answer(sha, probe), extra));
        Assert.Equal(200, ok.StatusCode);
        var c = Assert.Single(ok.Contacts);
        Assert.Equal("sip:alice@192.0.2.10:5060", c.Uri.Text);
        Assert.Equal("600", c.GetParameter("expires"));
        Assert.Equal(string.Empty, c.GetParameter("+g.oma.sip-im"));
        // RFC 5627 §6: pub-gruu and temp-gruu for an instance when the UA supports gruu.
        Assert.Equal("\"sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"", c.GetParameter("pub-gruu"));
        Assert.StartsWith("\"sip:tgruu.", c.GetParameter("temp-gruu"), StringComparison.Ordinal);
        // RFC 3261 §10.3 step 8: Date.
        Assert.Equal(kit.Time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture), ok.GetHeader(SipHeaderName.Date));
        // RFC 3327 §5.3, RFC 3608 §6, RFC 7315 §4.1.
        Assert.Equal("<sip:pcscf.example.com;lr>", Assert.Single(ok.GetNameAddresses(SipHeaderName.Path)).ToString());
        Assert.Equal("<sip:orig@scscf.example.com;lr>", Assert.Single(ok.GetNameAddresses(SipHeaderName.ServiceRoute)).ToString());
        Assert.Equal(["sip:alice@example.com", "tel:+15551230001"], ok.GetNameAddresses(SipHeaderName.PAssociatedUri).Select(n => n.Uri.Text));
        Assert.NotNull(ok.To?.Tag);

        var stored = Assert.Single(await kit.Locations.LookupAsync("sip:alice@example.com"));
        Assert.Equal(["<sip:pcscf.example.com;lr>"], stored.Path);
        Assert.Equal(RegistrarTestKit.Ue, stored.Source);

        // The GRUU routes to that instance only.
        var byGruu = await kit.Registrar.LookupAsync(SipUri.Parse("sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
        Assert.Single(byGruu);
        Assert.Empty(await kit.Registrar.LookupAsync(SipUri.Parse("sip:alice@example.com;gr=urn:uuid:00000000-0000-0000-0000-000000000000")));
    }

    [Fact]
    public async Task StaleNonceIsChallengedWithStaleTrue()
    {
        await using var kit = DigestKit(new SipDigestAuthenticatorOptions { NonceLifetime = TimeSpan.FromSeconds(30), Algorithms = [SipDigestAlgorithm.Md5] });
        await kit.AddDigestUserAsync();
        var ue = new UeRegister();
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        var client = new SipDigestClient();
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build(), client)))).StatusCode);

        kit.Time.Advance(TimeSpan.FromSeconds(31));
        var stale = await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build(), client)));
        Assert.Equal(401, stale.StatusCode);
        var fresh = UeRegister.Challenge(stale);
        // RFC 7616 §3.3: right credentials, expired nonce.
        Assert.True(fresh.Stale);
        Assert.NotEqual(challenge.Nonce, fresh.Nonce);
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: Answer(fresh, ue.Build(), client)))).StatusCode);
    }

    [Fact]
    public async Task WrongPasswordWithStaleNonceIsNotStale()
    {
        await using var kit = DigestKit(new SipDigestAuthenticatorOptions { NonceLifetime = TimeSpan.FromSeconds(30) });
        await kit.AddDigestUserAsync();
        var ue = new UeRegister();
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        kit.Time.Advance(TimeSpan.FromSeconds(31));
        var r = await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build(), password: "wrong")));
        Assert.Equal(403, r.StatusCode);
    }

    [Fact]
    public async Task ReplayedOrLowerNonceCountIsRefused()
    {
        await using var kit = DigestKit();
        await kit.AddDigestUserAsync();
        var ue = new UeRegister();
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        var client = new SipDigestClient();
        string nc1 = Answer(challenge, ue.Build(), client);
        string nc2 = Answer(challenge, ue.Build(), client);
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: nc2))).StatusCode);
        // The same credentials again (nc 2) and older ones (nc 1): replays.
        var replay = await kit.SendAsync(ue.Build(authorization: nc2));
        Assert.True(replay.StatusCode is 401 or 403, $"got {replay.StatusCode}");
        Assert.False(UeRegister.Challenge(replay).Stale);
        var lower = await kit.SendAsync(ue.Build(authorization: nc1));
        Assert.True(lower.StatusCode is 401 or 403, $"got {lower.StatusCode}");
        // nc 3 is fine.
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build(), client)))).StatusCode);
    }

    [Fact]
    public async Task WrongPasswordUnknownUserAndForeignNonceAreRefused()
    {
        await using var kit = DigestKit();
        await kit.AddDigestUserAsync();
        var ue = new UeRegister();
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        Assert.Equal(403, (await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build(), password: "nope")))).StatusCode);
        Assert.Equal(403, (await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build(), user: "mallory@example.com")))).StatusCode);
        var forged = new SipDigestChallenge("example.com", "bm90LWlzc3VlZC1oZXJl") { AlgorithmName = "MD5", Qop = SipDigestQop.Auth };
        Assert.Equal(401, (await kit.SendAsync(ue.Build(authorization: Answer(forged, ue.Build())))).StatusCode);
        // Another realm's credentials are not ours: challenged.
        var other = new SipDigestChallenge("other.example.net", challenge.Nonce) { AlgorithmName = "MD5", Qop = SipDigestQop.Auth };
        Assert.Equal(401, (await kit.SendAsync(ue.Build(authorization: Answer(other, ue.Build())))).StatusCode);
    }

    [Fact]
    public async Task DigestUriMustBeTheRequestUri()
    {
        await using var kit = DigestKit();
        await kit.AddDigestUserAsync();
        var ue = new UeRegister();
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        var client = new SipDigestClient();
        Assert.Equal(SipDigestError.None, client.TryCreateCredentials(challenge, "alice@example.com", "secret", "REGISTER", "sip:elsewhere.example.com", default, out var c));
        Assert.Equal(400, (await kit.SendAsync(ue.Build(authorization: c!.ToString()))).StatusCode);
    }

    [Fact]
    public async Task ToAorNotOfTheImpiIsForbidden()
    {
        // RFC 3261 §10.3 step 4.
        await using var kit = DigestKit();
        await kit.AddDigestUserAsync();
        await kit.AddDigestUserAsync("bob@example.com", "bobpw", "sip:bob@example.com");
        var ue = new UeRegister("sip:bob@example.com");
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        var r = await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build())));
        Assert.Equal(403, r.StatusCode);
    }

    [Fact]
    public async Task Ha1StoredInsteadOfThePassword()
    {
        await using var kit = DigestKit(new SipDigestAuthenticatorOptions { Algorithms = [SipDigestAlgorithm.Sha256] });
        await kit.Subscribers.SaveAsync(new SipSubscriber
        {
            Impi = "alice@example.com",
            Impus = ["sip:alice@example.com"],
            Ha1 = SipDigest.ComputeHa1(SipDigestAlgorithm.Sha256, "alice@example.com", "example.com", "secret"),
            Ha1Algorithm = SipDigestAlgorithm.Sha256,
            Ha1Realm = "example.com",
        });
        var ue = new UeRegister();
        var challenge = UeRegister.Challenge(await kit.SendAsync(ue.Build()));
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: Answer(challenge, ue.Build())))).StatusCode);
    }

    [Fact]
    public async Task DomainRequireAndAorChecks()
    {
        await using var kit = new RegistrarTestKit();
        // RFC 3261 §10.3 step 1: not our domain.
        Assert.Equal(404, (await kit.SendAsync(new UeRegister { RequestUri = "sip:other.example.net" }.Build())).StatusCode);
        // Step 2: Require with an unknown extension -> 420 with Unsupported.
        var r420 = await kit.SendAsync(new UeRegister().Build(extraHeaders: ["Require: foo"]));
        Assert.Equal(420, r420.StatusCode);
        Assert.Equal("foo", r420.GetHeader(SipHeaderName.Unsupported));
        Assert.Equal(200, (await kit.SendAsync(new UeRegister().Build(extraHeaders: ["Require: path"]))).StatusCode);
        // Step 5: the AoR must be in the domain (no authenticator) -> 404.
        Assert.Equal(404, (await kit.SendAsync(new UeRegister("sip:eve@elsewhere.net").Build())).StatusCode);
    }

    [Fact]
    public async Task IntervalTooBriefCarriesMinExpires()
    {
        await using var kit = new RegistrarTestKit();
        var r = await kit.SendAsync(new UeRegister().Build(expires: 10));
        Assert.Equal(423, r.StatusCode);
        Assert.Equal("60", r.GetHeader(SipHeaderName.MinExpires));
    }

    [Fact]
    public async Task OutOfOrderIs500AndWildcardRemovesAll()
    {
        await using var kit = new RegistrarTestKit();
        var ue = new UeRegister();
        Assert.Equal(200, (await kit.SendAsync(ue.Build(cseq: 5))).StatusCode);
        Assert.Equal(500, (await kit.SendAsync(ue.Build(cseq: 4))).StatusCode);
        var other = new UeRegister(callId: "second");
        var two = await kit.SendAsync(other.Build("<sip:alice@192.0.2.11>"));
        Assert.Equal(2, two.Contacts.Count);
        var removed = await kit.SendAsync(other.Build("*", expires: 0));
        Assert.Equal(200, removed.StatusCode);
        Assert.Empty(removed.Contacts);
        Assert.Equal(400, (await kit.SendAsync(other.Build("*", expires: 60))).StatusCode);
    }

    [Fact]
    public async Task QueryListsBindingsAndOutboundRequiresOutbound()
    {
        await using var kit = new RegistrarTestKit();
        var ue = new UeRegister();
        var ok = await kit.SendAsync(ue.Build("<sip:alice@192.0.2.10:5060;transport=tcp;ob>;+sip.instance=\"<urn:uuid:1>\";reg-id=1", extraHeaders: ["Supported: outbound"]));
        Assert.Equal(200, ok.StatusCode);
        // RFC 5626 §6.
        Assert.Equal("outbound", ok.GetHeader(SipHeaderName.Require));
        var query = await kit.SendAsync(ue.Build(contact: null, expires: null));
        Assert.Single(query.Contacts);
        // RFC 5626 §6: through an edge proxy whose Path lacks ;ob -> 439.
        var r439 = await kit.SendAsync(ue.Build("<sip:alice@192.0.2.10:5061>;+sip.instance=\"<urn:uuid:2>\";reg-id=1", extraHeaders: ["Path: <sip:edge.example.com;lr>"]));
        Assert.Equal(439, r439.StatusCode);
        // RFC 5627 §6: a GRUU as contact -> 403.
        Assert.Equal(403, (await kit.SendAsync(ue.Build("<sip:alice@example.com;gr=urn:uuid:1>"))).StatusCode);
    }

    [Fact]
    public async Task WithoutSupportedPathThePathIsStoredButNotEchoed()
    {
        await using var kit = new RegistrarTestKit();
        var ok = await kit.SendAsync(new UeRegister().Build(extraHeaders: ["Path: <sip:pcscf.example.com;lr>"]));
        Assert.Equal(200, ok.StatusCode);
        Assert.Empty(ok.GetNameAddresses(SipHeaderName.Path));
        Assert.Single(Assert.Single(await kit.Locations.LookupAsync("sip:alice@example.com")).Path);
        Assert.Equal("<sip:alice@example.com>", ok.GetHeader(SipHeaderName.PAssociatedUri));
    }

    [Fact]
    public async Task NetworkInitiatedDeregistrationDeactivates()
    {
        await using var kit = new RegistrarTestKit();
        SipBindingsChangedEventArgs? last = null;
        kit.Locations.BindingsChanged += (_, e) => last = e;
        await kit.SendAsync(new UeRegister().Build());
        Assert.Equal(1, await kit.Registrar.DeregisterAsync("sip:alice@example.com"));
        Assert.Equal(SipBindingEvent.Deactivated, Assert.Single(last!.Changes).Event);
    }
}

/// <summary>The registrar as the REGISTER handler of a <see cref="RcsCore.Sip.UserAgent.SipUserAgent"/>.</summary>
public sealed class SipRegistrarUserAgentTests
{
    private sealed class CapturingSender : RcsCore.Sip.Transport.ISipMessageSender
    {
        public System.Threading.Channels.Channel<SipMessage> Sent { get; } = System.Threading.Channels.Channel.CreateUnbounded<SipMessage>();

        public ValueTask SendAsync(SipMessage message, RcsCore.Sip.Transport.SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
        {
            Sent.Writer.TryWrite(message);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task RegisterThroughTheUserAgentCore()
    {
        await using var kit = new RegistrarTestKit();
        var sender = new CapturingSender();
        var local = new RcsCore.Sip.Transport.SipEndPoint(RcsCore.Sip.Transport.SipTransportProtocol.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.100"), 5060));
        using var ua = new RcsCore.Sip.UserAgent.SipUserAgent(sender, new RcsCore.Sip.UserAgent.SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse("sip:registrar@example.com")),
            SentBy = _ => new RcsCore.Sip.UserAgent.SipHostPort("192.0.2.100", 5060),
            Supported = ["path", "gruu", "outbound"],
        });
        ua.Handle("REGISTER", kit.Registrar);
        var register = new UeRegister().Build(extraHeaders: ["Supported: path", "Path: <sip:pcscf.example.com;lr>"]);
        await ua.Transactions.OnMessageAsync(new RcsCore.Sip.Transport.SipInboundMessage(register, RegistrarTestKit.Ue, local, 0), TestContext.Current.CancellationToken);
        var response = Assert.IsType<SipResponse>(await sender.Sent.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Equal(200, response.StatusCode);
        Assert.Single(response.Contacts);
        Assert.Equal("<sip:pcscf.example.com;lr>", response.GetHeader(SipHeaderName.Path));
        Assert.Equal(RegistrarTestKit.Ue, Assert.Single(await kit.Locations.LookupAsync("sip:alice@example.com")).Source);
    }
}
