using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using Xunit;

namespace RcsCore.Ims.Tests.Registration;

/// <summary>IMS AKA through the registrar (RFC 3310, RFC 4169, 3GPP TS 33.203, TS 24.229 §5.4.1.2), the UE side computed with <see cref="ImsAkaClient"/>.</summary>
public sealed class SipAkaRegistrarTests
{
    private const string Impi = "alice@example.com";

    private static RegistrarTestKit AkaKit(SipDigestAlgorithm algorithm = SipDigestAlgorithm.AkaV1Md5, TimeSpan? lifetime = null) =>
        new(make: kit => new SipAkaRegistrarAuthenticator(kit.Subscribers, new SipAkaAuthenticatorOptions
        {
            Algorithm = algorithm,
            NonceLifetime = lifetime ?? TimeSpan.FromMinutes(5),
        }, kit.Time));

    // 3GPP TS 24.229 §5.1.1.2.1: the initial REGISTER carries the IMPI with an empty nonce and response.
    private const string Initial = "Digest username=\"alice@example.com\", realm=\"example.com\", nonce=\"\", uri=\"sip:example.com\", response=\"\"";

    private static (SipDigestCredentials Credentials, ImsAkaResult Aka) Answer(SipResponse challengeResponse, ImsAkaClient usim, SipDigestClient? client = null)
    {
        Assert.Equal(401, challengeResponse.StatusCode);
        var challenge = UeRegister.Challenge(challengeResponse);
        client ??= new SipDigestClient();
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", "sip:example.com", default, out var aka, out var credentials));
        return (credentials!, aka!);
    }

    [Theory]
    [InlineData(SipDigestAlgorithm.AkaV1Md5)]
    [InlineData(SipDigestAlgorithm.AkaV2Md5)]
    public async Task ChallengeAndResponseRegister(SipDigestAlgorithm algorithm)
    {
        await using var kit = AkaKit(algorithm);
        await kit.AddAkaUserAsync();
        using var usim = new ImsAkaClient(RegistrarTestKit.K, RegistrarTestKit.Opc);
        var ue = new UeRegister();

        var first = await kit.SendAsync(ue.Build(authorization: Initial));
        var challenge = UeRegister.Challenge(first);
        Assert.Equal(algorithm, challenge.Algorithm);
        Assert.Equal(SipDigestQop.Auth, challenge.Qop);
        Assert.True(ImsAkaNonce.TryDecode(challenge.Nonce, out _));

        var client = new SipDigestClient();
        var (credentials, aka) = Answer(first, usim, client);
        Assert.Equal(ImsAkaOutcome.Success, aka.Outcome);
        var ok = await kit.SendAsync(ue.Build(authorization: credentials.ToString()));
        Assert.Equal(200, ok.StatusCode);
        Assert.Single(ok.Contacts);

        // A re-registration may reuse the nonce with a higher nc; a replay may not.
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", "sip:example.com", default, out _, out var again));
        Assert.Equal(401, (await kit.SendAsync(ue.Build(authorization: credentials.ToString()))).StatusCode);
        Assert.NotNull(again);
        // SEQ_HE was written back to the subscriber store.
        Assert.True((await kit.Subscribers.FindByImpiAsync(Impi))!.Aka!.Sequence >= 1);
    }

    [Fact]
    public async Task WithoutAuthorizationTheImpiComesFromTheImpu()
    {
        await using var kit = AkaKit();
        await kit.AddAkaUserAsync();
        using var usim = new ImsAkaClient(RegistrarTestKit.K, RegistrarTestKit.Opc);
        var ue = new UeRegister();
        var (credentials, _) = Answer(await kit.SendAsync(ue.Build()), usim);
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: credentials.ToString()))).StatusCode);
    }

    [Fact]
    public async Task AutsResynchronisesAndRechallenges()
    {
        await using var kit = AkaKit();
        await kit.AddAkaUserAsync(sequence: 0);
        // The USIM has seen SEQ 1000 on every IND: the HSS's SQN (SEQ 1) is stale for it.
        using var usim = new ImsAkaClient(RegistrarTestKit.K, RegistrarTestKit.Opc, new ImsAkaSequenceWindow(highestAccepted: (1000UL << 5) | 1));
        var ue = new UeRegister();

        var first = await kit.SendAsync(ue.Build(authorization: Initial));
        var (resync, aka) = Answer(first, usim);
        Assert.Equal(ImsAkaOutcome.SynchronisationFailure, aka.Outcome);
        Assert.NotNull(resync.Auts);

        // RFC 3310 §3.4: the registrar resynchronises SQN and challenges again.
        var second = await kit.SendAsync(ue.Build(authorization: resync.ToString()));
        Assert.Equal(401, second.StatusCode);
        Assert.True((await kit.Subscribers.FindByImpiAsync(Impi))!.Aka!.Sequence > 1000);
        var (credentials, aka2) = Answer(second, usim);
        Assert.Equal(ImsAkaOutcome.Success, aka2.Outcome);
        Assert.Equal(200, (await kit.SendAsync(ue.Build(authorization: credentials.ToString()))).StatusCode);
    }

    [Fact]
    public async Task WrongKeyGivesNetworkAuthenticationFailureAnd403()
    {
        await using var kit = AkaKit();
        await kit.AddAkaUserAsync();
        var otherK = (byte[])RegistrarTestKit.K.Clone();
        otherK[0] ^= 1;
        using var usim = new ImsAkaClient(otherK, RegistrarTestKit.Opc);
        var ue = new UeRegister();
        var (credentials, aka) = Answer(await kit.SendAsync(ue.Build(authorization: Initial)), usim);
        // 3GPP TS 24.229 §5.1.1.5.3: MAC failure: empty response, no auts.
        Assert.Equal(ImsAkaOutcome.MacFailure, aka.Outcome);
        Assert.Equal(403, (await kit.SendAsync(ue.Build(authorization: credentials.ToString()))).StatusCode);
    }

    [Fact]
    public async Task WrongResponseIs403AndUnknownUserIs403()
    {
        await using var kit = AkaKit();
        await kit.AddAkaUserAsync();
        var ue = new UeRegister();
        var first = await kit.SendAsync(ue.Build(authorization: Initial));
        var challenge = UeRegister.Challenge(first);
        var forged = SipDigest.CreateCredentials(challenge, Impi, "not-res"u8, "REGISTER", "sip:example.com", default, SipDigestQop.Auth, "abcd", 1);
        Assert.Equal(403, (await kit.SendAsync(ue.Build(authorization: forged.ToString()))).StatusCode);
        Assert.Equal(403, (await kit.SendAsync(new UeRegister("sip:nobody@example.com").Build())).StatusCode);
    }

    [Fact]
    public async Task ExpiredVectorIsStale()
    {
        await using var kit = AkaKit(lifetime: TimeSpan.FromSeconds(30));
        await kit.AddAkaUserAsync();
        using var usim = new ImsAkaClient(RegistrarTestKit.K, RegistrarTestKit.Opc);
        var ue = new UeRegister();
        var (credentials, _) = Answer(await kit.SendAsync(ue.Build(authorization: Initial)), usim);
        kit.Time.Advance(TimeSpan.FromSeconds(31));
        var stale = await kit.SendAsync(ue.Build(authorization: credentials.ToString()));
        Assert.Equal(401, stale.StatusCode);
        Assert.True(UeRegister.Challenge(stale).Stale);
    }

    [Fact]
    public async Task SubscriberAuthenticatorPicksDigestOrAkaPerSubscriber()
    {
        await using var kit = new RegistrarTestKit(make: k => new SipSubscriberAuthenticator(k.Subscribers,
            new SipDigestRegistrarAuthenticator(k.Subscribers, null, k.Time),
            new SipAkaRegistrarAuthenticator(k.Subscribers, null, k.Time)));
        await kit.AddAkaUserAsync();
        await kit.AddDigestUserAsync("bob@example.com", "bobpw", "sip:bob@example.com");

        using var usim = new ImsAkaClient(RegistrarTestKit.K, RegistrarTestKit.Opc);
        var alice = new UeRegister();
        var aliceChallenge = await kit.SendAsync(alice.Build());
        Assert.Equal(SipDigestAlgorithm.AkaV1Md5, UeRegister.Challenge(aliceChallenge).Algorithm);
        var (credentials, _) = Answer(aliceChallenge, usim);
        Assert.Equal(200, (await kit.SendAsync(alice.Build(authorization: credentials.ToString()))).StatusCode);

        var bob = new UeRegister("sip:bob@example.com", "bob-call");
        var bobChallenge = UeRegister.Challenge(await kit.SendAsync(bob.Build("<sip:bob@192.0.2.20>")));
        Assert.Equal(SipDigestAlgorithm.Sha256, bobChallenge.Algorithm);
        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateCredentials(bobChallenge, "bob@example.com", "bobpw", "REGISTER", "sip:example.com", default, out var bobCredentials));
        Assert.Equal(200, (await kit.SendAsync(bob.Build("<sip:bob@192.0.2.20>", authorization: bobCredentials!.ToString()))).StatusCode);
    }
}
