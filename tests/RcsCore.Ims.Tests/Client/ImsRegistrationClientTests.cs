using System.Text;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Client;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Ims.Tests.Client;

public sealed class ImsRegistrationClientTests
{
    private const string Realm = "ims.test";
    private const string Password = "secret";
    private static readonly byte[] s_k = Convert.FromHexString("465b5ce8b199b49faa5f0a2ee238a6bc");
    private static readonly byte[] s_opc = Convert.FromHexString("cd63cb71954a9f4e48a5994e37a02baf");
    private static readonly byte[] s_amf = [0x80, 0x00];

    /// <summary>A Digest registrar: 401 without (valid) credentials, 200 with them.</summary>
    private static Func<SipIncomingRequest, SipResponse> DigestRegistrar(string algorithm, Func<int, string>? nonce = null, Func<int, bool>? stale = null, uint granted = 3600)
    {
        int challenges = 0;
        return incoming =>
        {
            var auth = incoming.Request.GetHeader(SipHeaderName.Authorization);
            if (auth is not null && SipDigestCredentials.TryParse(auth, out var credentials).IsSuccess && credentials is not null
                && SipDigest.VerifyPassword(credentials, "REGISTER", Encoding.UTF8.GetBytes(Password)) == SipDigestVerifyResult.Valid
                && !(stale?.Invoke(challenges) ?? false))
            {
                return ScriptedRegistrar.Ok(incoming, granted);
            }
            bool isStale = auth is not null && (stale?.Invoke(challenges) ?? false);
            var challenge = new SipDigestChallenge(Realm, nonce?.Invoke(challenges) ?? "n" + challenges)
            {
                AlgorithmName = algorithm,
                Qop = SipDigestQop.Auth,
                Opaque = "op",
                Stale = isStale,
            };
            challenges++;
            return Challenge(incoming, challenge);
        };
    }

    private static SipResponse Challenge(SipIncomingRequest incoming, SipDigestChallenge challenge) =>
        ((SipResponseBuilder)incoming.CreateResponse(401).AddHeader(SipHeaderName.WwwAuthenticate, challenge.ToString())).Build();

    [Theory]
    [InlineData(SipTransportProtocol.Udp, "MD5")]
    [InlineData(SipTransportProtocol.Tcp, "MD5")]
    [InlineData(SipTransportProtocol.Udp, "SHA-256")]
    [InlineData(SipTransportProtocol.Tcp, "SHA-512-256")]
    public async Task Digest_ChallengeThen200_Registered(SipTransportProtocol protocol, string algorithm)
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(protocol);
        registrar.OnRegister = DigestRegistrar(algorithm);
        await using var ue = await TestUe.StartAsync(protocol, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        Assert.Equal(TimeSpan.FromSeconds(3600), result.Expires);
        Assert.Equal("sip:orig@scscf.ims.test;lr", Assert.Single(result.ServiceRoute).Uri.Text);
        Assert.Equal("sip:term@pcscf.ims.test;lr", Assert.Single(result.Path).Uri.Text);
        Assert.Equal(["sip:alice@ims.test", "tel:+15551234567"], result.AssociatedUris.Select(a => a.Uri.Text));
        Assert.Equal("sip:alice@ims.test", result.DefaultPublicIdentity!.Uri.Text);
        Assert.Equal("sip:alice@ims.test;gr=urn:uuid:00000000-0000-1000-8000-000000000001", result.PublicGruu!.Text);
        Assert.StartsWith("sip:tgruu.", result.TemporaryGruu!.Text, StringComparison.Ordinal);
        Assert.Equal("sip:alice@192.0.2.9:5060", Assert.Single(result.OtherContacts).Uri.Text);
        Assert.Equal(ImsRegistrationState.Registered, ue.Client.Registration.State);

        var requests = registrar.Registers.ToArray();
        Assert.Equal(2, requests.Length);
        // RFC 3261 §10.2.4: same Call-ID, CSeq one higher.
        Assert.Equal(requests[0].CallId, requests[1].CallId);
        Assert.Equal(1u, requests[0].CSeq!.Value.Number);
        Assert.Equal(2u, requests[1].CSeq!.Value.Number);
        Assert.Null(requests[0].GetHeader(SipHeaderName.Authorization));
        SipDigestCredentials.TryParse(requests[1].GetHeader(SipHeaderName.Authorization)!, out var credentials);
        Assert.Equal("alice@ims.test", credentials!.Username);
        Assert.Equal(algorithm, credentials.AlgorithmName ?? "MD5");
        Assert.Equal(SipDigestQop.Auth, credentials.Qop);
        Assert.Equal("op", credentials.Opaque);

        var first = requests[0];
        Assert.Equal("sip:ims.test", first.RequestUriText);
        Assert.Equal("sip:alice@ims.test", first.From!.Uri.Text);
        Assert.Equal("sip:alice@ims.test", first.To!.Uri.Text);
        Assert.Equal(600000u, first.Expires);
        Assert.Equal("path, gruu, outbound", first.GetHeader(SipHeaderName.Supported));
        var contact = Assert.Single(first.Contacts);
        Assert.Equal(ue.Agent.Local.Address.Port, contact.Uri.Port);
        Assert.Equal(protocol == SipTransportProtocol.Tcp ? "tcp" : null, contact.Uri.Transport);
        Assert.Equal("\"<urn:gsma:imei:35209900-176148-0>\"", contact.GetParameter("+sip.instance"));
        Assert.Equal("1", contact.GetParameter("reg-id"));
        Assert.Equal("\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"", contact.GetParameter("+g.3gpp.icsi-ref"));
        Assert.Equal("\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\"", contact.GetParameter("+g.3gpp.iari-ref"));
        Assert.Equal("\"#=1,#=2\"", contact.GetParameter("+g.gsma.rcs.botversion"));
    }

    [Fact]
    public async Task Digest_WrongPassword_FailsAfterOneAnswer()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = DigestRegistrar("MD5");
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword("wrong")));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Failed, result.State);
        Assert.Equal(ImsRegistrationError.AuthenticationFailed, result.Error);
        Assert.Equal(401, result.StatusCode);
        Assert.Null(result.NextAttemptAt);
        Assert.Equal(2, registrar.Registers.Count);
    }

    [Fact]
    public async Task Digest_StaleNonce_AnsweredAgainWithTheNewNonce()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        // The first answer (to nonce n0) is refused with stale=true and nonce n1; the answer to n1 is accepted.
        registrar.OnRegister = DigestRegistrar("SHA-256", stale: c => c == 1);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        var requests = registrar.Registers.ToArray();
        Assert.Equal(3, requests.Length);
        SipDigestCredentials.TryParse(requests[1].GetHeader(SipHeaderName.Authorization)!, out var a1);
        SipDigestCredentials.TryParse(requests[2].GetHeader(SipHeaderName.Authorization)!, out var a2);
        Assert.Equal("n0", a1!.Nonce);
        Assert.Equal("n1", a2!.Nonce);
        Assert.Equal([1u, 2u, 3u], requests.Select(r => r.CSeq!.Value.Number));
    }

    [Fact]
    public async Task Forbidden_StopsWithoutRetry()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = incoming => incoming.CreateResponse(403).Build();
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationError.Forbidden, result.Error);
        Assert.Null(result.NextAttemptAt);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Single(registrar.Registers);
    }

    /// <summary>A registrar with an HSS: AKA challenges, resynchronisation, 403 on a network authentication failure.</summary>
    private static Func<SipIncomingRequest, SipResponse> AkaRegistrar(ImsAkaServer hss, SipDigestAlgorithm algorithm, List<ImsAkaVerifyResult> verdicts)
    {
        ImsAkaVector? vector = null;
        return incoming =>
        {
            var auth = incoming.Request.GetHeader(SipHeaderName.Authorization);
            if (vector is not null && auth is not null && SipDigestCredentials.TryParse(auth, out var credentials).IsSuccess && credentials!.Nonce.Length > 0)
            {
                var verdict = hss.Verify(credentials, "REGISTER", vector);
                verdicts.Add(verdict);
                switch (verdict)
                {
                    case ImsAkaVerifyResult.Authenticated:
                        return ScriptedRegistrar.Ok(incoming, 3600);
                    case ImsAkaVerifyResult.NetworkAuthenticationFailure:
                        // TS 24.229 §5.4.1.2.3: the S-CSCF answers 403 when the UE found the network inauthentic.
                        return incoming.CreateResponse(403).Build();
                    case ImsAkaVerifyResult.Resynchronised:
                        break;
                    default:
                        return incoming.CreateResponse(403).Build();
                }
            }
            vector = hss.GenerateVector(s_amf);
            return Challenge(incoming, ImsAkaServer.CreateChallenge(vector, Realm, algorithm));
        };
    }

    [Theory]
    [InlineData(SipDigestAlgorithm.AkaV1Md5)]
    [InlineData(SipDigestAlgorithm.AkaV2Md5)]
    public async Task Aka_ChallengeThen200_Registered(SipDigestAlgorithm algorithm)
    {
        using var hss = new ImsAkaServer(s_k, s_opc, sequence: 10);
        var verdicts = new List<ImsAkaVerifyResult>();
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = AkaRegistrar(hss, algorithm, verdicts);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromAka(s_k, s_opc)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        Assert.Equal([ImsAkaVerifyResult.Authenticated], verdicts);
        var requests = registrar.Registers.ToArray();
        Assert.Equal(2, requests.Length);
        // TS 24.229 §5.1.1.2.1: the initial REGISTER carries username = IMPI with an empty nonce and response.
        Assert.True(SipDigestCredentials.TryParse(requests[0].GetHeader(SipHeaderName.Authorization)!, out var initial).IsSuccess);
        Assert.Equal("alice@ims.test", initial!.Username);
        Assert.Equal(Realm, initial.Realm);
        Assert.Equal(string.Empty, initial.Nonce);
        Assert.Equal(string.Empty, initial.Response);
        SipDigestCredentials.TryParse(requests[1].GetHeader(SipHeaderName.Authorization)!, out var answer);
        Assert.Equal(SipDigestAlgorithms.GetName(algorithm), answer!.AlgorithmName);
        Assert.Null(answer.Auts);
    }

    [Fact]
    public async Task Aka_SqnOutOfRange_SendsAutsThenRegistersWithTheFreshVector()
    {
        // The HSS is behind the USIM: its first vector has an SQN the USIM already used.
        using var hss = new ImsAkaServer(s_k, s_opc, sequence: 1);
        var window = new ImsAkaSequenceWindow(highestAccepted: (500UL << 5) | 1);
        var verdicts = new List<ImsAkaVerifyResult>();
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = AkaRegistrar(hss, SipDigestAlgorithm.AkaV1Md5, verdicts);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromAka(s_k, s_opc, window)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        Assert.Equal([ImsAkaVerifyResult.Resynchronised, ImsAkaVerifyResult.Authenticated], verdicts);
        var requests = registrar.Registers.ToArray();
        Assert.Equal(3, requests.Length);
        SipDigestCredentials.TryParse(requests[1].GetHeader(SipHeaderName.Authorization)!, out var resync);
        Assert.NotNull(resync!.Auts); // RFC 3310 §3.4
        Assert.True(hss.Sequence > 500);
    }

    [Fact]
    public async Task Aka_NetworkNotAuthentic_SendsEmptyResponseAndStops()
    {
        // The "network" has another K: the USIM finds the MAC wrong.
        using var hss = new ImsAkaServer(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"), s_opc, sequence: 10);
        var verdicts = new List<ImsAkaVerifyResult>();
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = AkaRegistrar(hss, SipDigestAlgorithm.AkaV1Md5, verdicts);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromAka(s_k, s_opc)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Failed, result.State);
        Assert.Equal(ImsRegistrationError.NetworkAuthenticationFailed, result.Error);
        Assert.Null(result.NextAttemptAt);
        Assert.Equal([ImsAkaVerifyResult.NetworkAuthenticationFailure], verdicts);
        var requests = registrar.Registers.ToArray();
        Assert.Equal(2, requests.Length);
        SipDigestCredentials.TryParse(requests[1].GetHeader(SipHeaderName.Authorization)!, out var empty);
        Assert.Equal(string.Empty, empty!.Response);
        Assert.Null(empty.Auts);
        Assert.NotEqual(string.Empty, empty.Nonce);
    }

    [Fact]
    public async Task IntervalTooBrief_RetriesWithMinExpires()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = incoming => incoming.Request.Expires < 3600
            ? ((SipResponseBuilder)incoming.CreateResponse(423).AddHeader(SipHeaderName.MinExpires, "3600")).Build()
            : ScriptedRegistrar.Ok(incoming, 7200);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, null) is var o
            ? new ImsRegistrationOptions { Registrar = o.Registrar, NextHop = o.NextHop, PublicIdentity = o.PublicIdentity, PrivateIdentity = o.PrivateIdentity, Expires = 600, SubscribeToRegEvent = false }
            : null!);

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        Assert.Equal(TimeSpan.FromSeconds(3600), result.Expires);
        Assert.Equal([600u, 3600u], registrar.Registers.Select(r => r.Expires!.Value));
    }

    [Theory]
    [InlineData(3600u, 3000)] // TS 24.229 §5.1.1.4.1: > 1200 s -> 600 s before expiry
    [InlineData(1000u, 500)] // <= 1200 s -> at half
    public async Task Refresh_FollowsTs24229Timing(uint granted, int refreshSeconds)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = DigestRegistrar("MD5", granted: granted);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)), time);

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ImsRegistrationState.Registered, result.State);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(refreshSeconds), result.NextAttemptAt);
        await registrar.NextRegisterAsync();
        await registrar.NextRegisterAsync();

        time.Advance(TimeSpan.FromSeconds(refreshSeconds - 1));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(registrar.TryNextRegister(out _));

        time.Advance(TimeSpan.FromSeconds(1));
        var refresh = await registrar.NextRegisterAsync();
        Assert.Equal(registrar.Registers.First().CallId, refresh.CallId);
        Assert.Equal(3u, refresh.CSeq!.Value.Number);
        // The remembered challenge is answered again with the next nc: no new 401 round trip.
        SipDigestCredentials.TryParse(refresh.GetHeader(SipHeaderName.Authorization)!, out var credentials);
        Assert.Equal(2u, credentials!.NonceCount);
        var refreshed = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered && r.ExpiresAt > result.ExpiresAt);
        Assert.Equal(TimeSpan.FromSeconds(granted), refreshed.Expires);
        Assert.Equal(3, registrar.Registers.Count);
    }

    [Fact]
    public async Task Unregister_SendsExpiresZeroForOurContact()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Tcp);
        registrar.OnRegister = DigestRegistrar("MD5");
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Tcp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)));
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        var result = await ue.Client.UnregisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Unregistered, result.State);
        Assert.Equal(ImsRegistrationError.None, result.Error);
        Assert.Equal(200, result.StatusCode);
        Assert.Null(result.NextAttemptAt);
        var dereg = registrar.Registers.Last();
        Assert.Equal(0u, dereg.Expires);
        var contact = Assert.Single(dereg.Contacts);
        Assert.Equal("0", contact.GetParameter("expires"));
        Assert.False(contact.IsWildcard);
        Assert.Equal(3u, dereg.CSeq!.Value.Number);
        Assert.NotNull(dereg.GetHeader(SipHeaderName.Authorization));
    }

    [Fact]
    public async Task FetchBindings_SendsNoContact()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, null));
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        registrar.OnRegister = incoming => ((SipResponseBuilder)incoming.CreateResponse(200).AddHeader(SipHeaderName.Contact, "<sip:alice@127.0.0.1:1>;expires=10")).Build();

        var bindings = await ue.Client.FetchBindingsAsync(TestContext.Current.CancellationToken);

        Assert.Equal("sip:alice@127.0.0.1:1", Assert.Single(bindings!).Uri.Text);
        Assert.Empty(registrar.Registers.Last().Contacts);
        Assert.Null(registrar.Registers.Last().Expires);
    }

    [Fact]
    public async Task ServerError_BacksOffThenRegisters()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        int n = 0;
        registrar.OnRegister = incoming => ++n <= 2 ? incoming.CreateResponse(503).Build() : ScriptedRegistrar.Ok(incoming, 3600);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, null));
        var started = DateTime.UtcNow;

        var first = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Failed, first.State);
        Assert.Equal(ImsRegistrationError.Unreachable, first.Error);
        Assert.NotNull(first.NextAttemptAt);
        var registered = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered);
        Assert.Equal(3, registrar.Registers.Count);
        // RFC 5626 §4.5 with base 100 ms: waits of at least 100 ms then 200 ms (half of 200 and 400).
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(290), $"{DateTime.UtcNow - started}");
        Assert.Equal(TimeSpan.FromSeconds(3600), registered.Expires);
    }

    [Fact]
    public async Task ServerErrors_BackOffPerRfc5626AndHonourRetryAfter()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        int n = 0;
        registrar.OnRegister = incoming => ++n switch
        {
            <= 7 => incoming.CreateResponse(n % 2 == 0 ? 500 : 503).Build(),
            // RFC 3261 §21.5.4: a Retry-After longer than the back-off wins.
            8 => ((SipResponseBuilder)incoming.CreateResponse(503).AddHeader(SipHeaderName.RetryAfter, "3000")).Build(),
            _ => ScriptedRegistrar.Ok(incoming, 3600),
        };
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, null) is var o
            ? new ImsRegistrationOptions { Registrar = o.Registrar, NextHop = o.NextHop, PublicIdentity = o.PublicIdentity, PrivateIdentity = o.PrivateIdentity, SubscribeToRegEvent = false }
            : null!, time);

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        for (int failures = 1; failures <= 8; failures++)
        {
            Assert.Equal(ImsRegistrationState.Failed, result.State);
            Assert.Equal(ImsRegistrationError.Unreachable, result.Error);
            var wait = result.NextAttemptAt!.Value - time.GetUtcNow();
            if (failures == 8)
            {
                Assert.Equal(TimeSpan.FromSeconds(3000), wait);
            }
            else
            {
                // RFC 5626 §4.5: min(max-time 1800 s, base-time 30 s * 2^failures), then 50-100% of it.
                double upper = Math.Min(1800, 30 * Math.Pow(2, failures));
                Assert.InRange(wait.TotalSeconds, upper / 2, upper);
            }
            time.Advance(wait);
            await WaitUntilAsync(() => registrar.Registers.Count == failures + 1);
            result = await ue.WaitForAsync(r => r.StatusCode != result.StatusCode || r.NextAttemptAt != result.NextAttemptAt);
        }
        Assert.Equal(ImsRegistrationState.Registered, result.State);
        // Success resets the count: the refresh follows the TS 24.229 timing again.
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(3000), result.NextAttemptAt);
    }

    [Fact]
    public async Task Timeout_IsRetriedLikeAServerError()
    {
        // Nothing listens at the next hop: the transaction times out (408), which is retried with back-off.
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        var dead = new SipEndPoint(SipTransportProtocol.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, null) is var o
            ? new ImsRegistrationOptions { Registrar = o.Registrar, NextHop = dead, PublicIdentity = o.PublicIdentity, PrivateIdentity = o.PrivateIdentity, SubscribeToRegEvent = false, RetryBaseTime = TimeSpan.FromSeconds(1), RetryMaxTime = TimeSpan.FromSeconds(60) }
            : null!);

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Failed, result.State);
        Assert.Equal(ImsRegistrationError.Unreachable, result.Error);
        Assert.Contains(result.StatusCode, new[] { 0, 408, 503 });
        Assert.NotNull(result.NextAttemptAt);
    }

    [Fact]
    public async Task RegEvent_DeactivatedContact_Reregisters()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => WithRegEvent(TestUe.Options(registrar, null)));
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        var subscribe = await registrar.NextSubscribeAsync();

        // TS 24.229 §5.1.1.3: SUBSCRIBE to reg for the IMPU over the Service-Route.
        Assert.Equal("sip:alice@ims.test", subscribe.RequestUriText);
        Assert.Equal("reg", subscribe.GetHeader(SipHeaderName.Event));
        Assert.Equal("application/reginfo+xml", subscribe.GetHeader(SipHeaderName.Accept));
        Assert.Equal(600000u, subscribe.Expires);
        Assert.Equal("sip:orig@scscf.ims.test;lr", Assert.Single(subscribe.Routes).Uri.Text);
        Assert.Equal("sip:alice@ims.test", subscribe.From!.Uri.Text);
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null);

        var contact = registered.Contact!.Uri.Text;
        var ok = await registrar.NotifyAsync("sip:alice@ims.test", contact, "active", "active", "registered");
        Assert.Equal(200, ok.StatusCode);
        Assert.Single(registrar.Registers);

        ok = await registrar.NotifyAsync("sip:alice@ims.test", contact, "terminated", "terminated", "deactivated");
        Assert.Equal(200, ok.StatusCode);
        var again = await registrar.NextRegisterAsync();
        again = await registrar.NextRegisterAsync();
        Assert.Equal(2u, again.CSeq!.Value.Number);
        Assert.Equal(registrar.Registers.First().CallId, again.CallId);
        await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered && r.ExpiresAt > registered.ExpiresAt);
    }

    [Fact]
    public async Task RegEvent_RejectedContact_ReportsNetworkDeregistration()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Tcp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Tcp, _ => WithRegEvent(TestUe.Options(registrar, null)));
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextSubscribeAsync();
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null);

        var ok = await registrar.NotifyAsync("sip:alice@ims.test", registered.Contact!.Uri.Text, "terminated", "terminated", "rejected", "terminated;reason=rejected");

        Assert.Equal(200, ok.StatusCode);
        var down = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Unregistered);
        Assert.Equal(ImsRegistrationError.DeregisteredByNetwork, down.Error);
        // RFC 6665 §4.1.3: reason=rejected: the subscription ends and is not renewed.
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is null);
        Assert.Null(ue.Client.Registration.NextAttemptAt);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Single(registrar.Registers);
        Assert.Single(registrar.Subscribes);
    }

    [Fact]
    public async Task RegEvent_VersionsAreAppliedInOrder()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => WithRegEvent(TestUe.Options(registrar, null)));
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextSubscribeAsync();
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null && registrar.Subscription is not null);
        string aor = "sip:alice@ims.test", contact = registered.Contact!.Uri.Text;
        Assert.Equal(200, (await registrar.NotifyAsync(aor, contact, "active", "active", "registered", version: 0)).StatusCode);
        Assert.Equal(200, (await registrar.NotifyAsync(aor, contact, "active", "active", "refreshed", version: 1, full: false)).StatusCode);

        // RFC 3680 §5.2: a document not newer than the last applied (a duplicate or reordered one) is ignored.
        Assert.Equal(200, (await registrar.NotifyAsync(aor, contact, "terminated", "terminated", "deactivated", version: 1, full: false)).StatusCode);
        // A partial document after a gap (version 3 after 1) is not applied either: the UE refreshes for full state.
        Assert.Equal(200, (await registrar.NotifyAsync(aor, contact, "terminated", "terminated", "deactivated", version: 3, full: false)).StatusCode);
        var refresh = await registrar.NextSubscribeAsync();
        Assert.NotNull(refresh.To!.Tag);
        Assert.Equal(600000u, refresh.Expires);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Single(registrar.Registers);
        Assert.Equal(ImsRegistrationState.Registered, ue.Client.Registration.State);

        // The next version in order is applied: our contact was deactivated -> initial registration (TS 24.229 §5.1.1.7).
        Assert.Equal(200, (await registrar.NotifyAsync(aor, contact, "terminated", "terminated", "deactivated", version: 2, full: false)).StatusCode);
        await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered && r.ExpiresAt > registered.ExpiresAt);
        Assert.Equal(2, registrar.Registers.Count);
    }

    [Fact]
    public async Task RegEvent_FullStateAfterAGapIsApplied()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Tcp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Tcp, _ => WithRegEvent(TestUe.Options(registrar, null)));
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextSubscribeAsync();
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null && registrar.Subscription is not null);
        string aor = "sip:alice@ims.test", contact = registered.Contact!.Uri.Text;
        await registrar.NotifyAsync(aor, contact, "active", "active", "registered", version: 0);

        // RFC 3680 §5.2: a full document replaces the state whatever the gap.
        await registrar.NotifyAsync(aor, contact, "terminated", "terminated", "rejected", "terminated;reason=rejected", version: 7, full: true);

        var down = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Unregistered);
        Assert.Equal(ImsRegistrationError.DeregisteredByNetwork, down.Error);
    }

    [Fact]
    public async Task RegEvent_ProbationReregistersAfterRetryAfter()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => WithRegEvent(TestUe.Options(registrar, null)), time);
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextSubscribeAsync();
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null && registrar.Subscription is not null);

        // RFC 3680 §5.1: probation: removed for now, the UA may register again after retry-after seconds.
        await registrar.NotifyAsync("sip:alice@ims.test", registered.Contact!.Uri.Text, "terminated", "terminated", "probation", retryAfter: 120);

        var down = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Unregistered);
        Assert.Equal(ImsRegistrationError.DeregisteredByNetwork, down.Error);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(120), down.NextAttemptAt);
        time.Advance(TimeSpan.FromSeconds(119));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Single(registrar.Registers);
        time.Advance(TimeSpan.FromSeconds(1));
        await ue.WaitForAsync(r => r.State == ImsRegistrationState.Registered);
        Assert.Equal(2, registrar.Registers.Count);
    }

    [Fact]
    public async Task RegEvent_UnregisteredByAThirdPartyStops()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => WithRegEvent(TestUe.Options(registrar, null)));
        var registered = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextSubscribeAsync();
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null && registrar.Subscription is not null);

        // RFC 3680 §5.1: "unregistered": removed by a REGISTER that was not ours; the UE does not fight it.
        await registrar.NotifyAsync("sip:alice@ims.test", registered.Contact!.Uri.Text, "terminated", "terminated", "unregistered");

        var down = await ue.WaitForAsync(r => r.State == ImsRegistrationState.Unregistered);
        Assert.Equal(ImsRegistrationError.DeregisteredByNetwork, down.Error);
        Assert.Null(down.NextAttemptAt);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Single(registrar.Registers);
    }

    [Fact]
    public async Task RegEvent_DisposeUnsubscribes()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Tcp);
        var ue = await TestUe.StartAsync(SipTransportProtocol.Tcp, _ => WithRegEvent(TestUe.Options(registrar, null)));
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextSubscribeAsync();
        await WaitUntilAsync(() => ue.Client.RegEventSubscription is not null && registrar.Subscription is not null);
        var subscription = ue.Client.RegEventSubscription!;

        await ue.DisposeAsync();

        // RFC 6665 §4.1.2.3: Expires 0 in the dialog; the registrar confirms with a terminated NOTIFY.
        var unsubscribe = await registrar.NextSubscribeAsync();
        Assert.Equal(0u, unsubscribe.Expires);
        Assert.Equal(subscription.Dialog?.CallId ?? unsubscribe.CallId, unsubscribe.CallId);
        Assert.Equal(Sip.UserAgent.SipSubscriptionState.Terminated, subscription.State);
        Assert.True(subscription.Termination!.ByNotifier);
    }

    [Fact]
    public async Task SeveralChallenges_TheStrongestAlgorithmIsAnswered()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = incoming =>
        {
            if (incoming.Request.GetHeader(SipHeaderName.Authorization) is { } auth)
            {
                SipDigestCredentials.TryParse(auth, out var c);
                return SipDigest.VerifyPassword(c!, "REGISTER", Encoding.UTF8.GetBytes(Password)) == SipDigestVerifyResult.Valid
                    ? ScriptedRegistrar.Ok(incoming, 3600)
                    : incoming.CreateResponse(403).Build();
            }
            // RFC 8760 §2.4: one challenge per algorithm, in the server's order of preference.
            var b = incoming.CreateResponse(401);
            b.AddHeader(SipHeaderName.WwwAuthenticate, new SipDigestChallenge(Realm, "m") { Qop = SipDigestQop.Auth }.ToString());
            b.AddHeader(SipHeaderName.WwwAuthenticate, new SipDigestChallenge(Realm, "s") { AlgorithmName = "SHA-256", Qop = SipDigestQop.Auth }.ToString());
            b.AddHeader(SipHeaderName.WwwAuthenticate, new SipDigestChallenge(Realm, "x") { AlgorithmName = "SHA-999" }.ToString());
            return ((SipResponseBuilder)b).Build();
        };
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        SipDigestCredentials.TryParse(registrar.Registers.Last().GetHeader(SipHeaderName.Authorization)!, out var answer);
        Assert.Equal("SHA-256", answer!.AlgorithmName);
        Assert.Equal("s", answer.Nonce);
    }

    [Fact]
    public async Task ProxyChallenge_IsAnsweredWithProxyAuthorization()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        registrar.OnRegister = incoming =>
        {
            if (incoming.Request.GetHeader(SipHeaderName.ProxyAuthorization) is { } auth)
            {
                SipDigestCredentials.TryParse(auth, out var c);
                if (SipDigest.VerifyPassword(c!, "REGISTER", Encoding.UTF8.GetBytes(Password)) == SipDigestVerifyResult.Valid)
                {
                    return ScriptedRegistrar.Ok(incoming, 3600);
                }
            }
            // RFC 3261 §22.3: a proxy challenges with 407 and Proxy-Authenticate.
            return ((SipResponseBuilder)incoming.CreateResponse(407)
                .AddHeader(SipHeaderName.ProxyAuthenticate, new SipDigestChallenge("proxy.test", "p1") { Qop = SipDigestQop.Auth }.ToString())).Build();
        };
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, ImsCredentials.FromPassword(Password)));

        var result = await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ImsRegistrationState.Registered, result.State);
        Assert.Null(registrar.Registers.Last().GetHeader(SipHeaderName.Authorization));
    }

    [Fact]
    public async Task FlowFailure_RegistersAgainAtOnce()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Tcp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Tcp, _ => TestUe.Options(registrar, null));
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        await registrar.NextRegisterAsync();

        // RFC 5626 §4.4.1: when the flow fails the UA registers again (here on a new connection if needed).
        ue.Client.OnFlowFailed();

        var again = await registrar.NextRegisterAsync();
        Assert.Equal(2u, again.CSeq!.Value.Number);
    }

    [Fact]
    public async Task AddServiceRoute_PreloadsTheRoute()
    {
        await using var registrar = await ScriptedRegistrar.StartAsync(SipTransportProtocol.Udp);
        await using var ue = await TestUe.StartAsync(SipTransportProtocol.Udp, _ => TestUe.Options(registrar, null));
        await ue.Client.RegisterAsync(TestContext.Current.CancellationToken);
        var b = ue.Agent.Ua.CreateRequest("MESSAGE", SipUri.Parse("sip:bob@ims.test"), registrar.EndPoint);

        var request = ue.Client.AddServiceRoute(b).Build() as SipRequest;

        Assert.Equal("sip:orig@scscf.ims.test;lr", Assert.Single(request!.Routes).Uri.Text);
    }

    private static ImsRegistrationOptions WithRegEvent(ImsRegistrationOptions o) => new()
    {
        Registrar = o.Registrar,
        NextHop = o.NextHop,
        PublicIdentity = o.PublicIdentity,
        PrivateIdentity = o.PrivateIdentity,
        Credentials = o.Credentials,
        InstanceId = o.InstanceId,
        RegId = o.RegId,
        SubscribeToRegEvent = true,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
