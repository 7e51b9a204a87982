using System.Text;
using RcsCore.Ims.Authentication;
using Xunit;

namespace RcsCore.Ims.Tests.Authentication;

public class ImsAkaTests
{
    // 3GPP TS 35.208 test set 1.
    private static readonly byte[] s_k = Hex.Bytes("465b5ce8b199b49faa5f0a2ee238a6bc");
    private static readonly byte[] s_opc = Hex.Bytes("cd63cb71954a9f4e48a5994e37a02baf");
    private static readonly byte[] s_amf = Hex.Bytes("8000");
    private const string Impi = "alice@ims.example";
    private const string Realm = "ims.example";
    private const string RegistrarUri = "sip:ims.example";

    [Fact]
    public void NonceRoundTripsWithServerData()
    {
        var rand = Hex.Bytes("23553cbe9637a89d218ae64dae47bf35");
        var autn = Hex.Bytes("55f328b43577b9b94a9ffac354dfafb3");
        var nonce = ImsAkaNonce.Encode(rand, autn, "srv"u8);
        Assert.True(ImsAkaNonce.TryDecode(nonce, out var decoded));
        Assert.Equal(rand, decoded.Rand.ToArray());
        Assert.Equal(autn, decoded.Autn.ToArray());
        Assert.Equal("srv"u8.ToArray(), decoded.ServerData.ToArray());
        Assert.False(ImsAkaNonce.TryDecode("not base64!", out _));
        Assert.False(ImsAkaNonce.TryDecode(Convert.ToBase64String(new byte[31]), out _));
    }

    [Fact]
    public void AkaPasswordsAndResponsesKnownAnswers()
    {
        // Test set 1 RES / IK / CK; responses computed independently with Python (hashlib, hmac).
        var res = Hex.Bytes("a54211d5e3ba50bf");
        var ck = Hex.Bytes("b40ba9a3c58b2a05bbf0d987b21bf8cb");
        var ik = Hex.Bytes("f769bcd751044604127672711c6d3441");
        Assert.Equal(res, ImsAka.DigestPassword(SipDigestAlgorithm.AkaV1Md5, res, ik, ck));
        var v2 = ImsAka.DigestPassword(SipDigestAlgorithm.AkaV2Md5, res, ik, ck);
        Assert.Equal("shzt3q8CWaZnCAWqs3WmEQ==", Encoding.ASCII.GetString(v2));
        Assert.Throws<ArgumentException>(() => ImsAka.DigestPassword(SipDigestAlgorithm.Md5, res, ik, ck));

        const string nonce = "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=";
        var c1 = SipDigest.CreateCredentials(new SipDigestChallenge(Realm, nonce) { AlgorithmName = "AKAv1-MD5", Qop = SipDigestQop.Auth }, Impi, res, "REGISTER", RegistrarUri, default, SipDigestQop.Auth, "0a4f113b", 1);
        Assert.Equal("e389bdd943f206ed0728065e735ffb95", c1.Response);
        var c2 = SipDigest.CreateCredentials(new SipDigestChallenge(Realm, nonce) { AlgorithmName = "AKAv2-MD5", Qop = SipDigestQop.Auth }, Impi, v2, "REGISTER", RegistrarUri, default, SipDigestQop.Auth, "0a4f113b", 1);
        Assert.Equal("a99af3c8964a192be93794f016f7ccf1", c2.Response);
        var sync = SipDigest.CreateCredentials(new SipDigestChallenge(Realm, nonce) { AlgorithmName = "AKAv1-MD5", Qop = SipDigestQop.Auth }, Impi, default, "REGISTER", RegistrarUri, default, SipDigestQop.Auth, "0a4f113b", 1);
        Assert.Equal("16a0dd1d64405f1449d0be68458bfb20", sync.Response);
    }

    [Fact]
    public void ClientOnTestSet1ChallengeGivesTheKnownResponse()
    {
        // SQN ff9bb4d0b607 is far ahead of a new USIM: disable Δ to accept it.
        using var usim = new ImsAkaClient(s_k, s_opc, new ImsAkaSequenceWindow(maxDelta: 0));
        var challenge = new SipDigestChallenge(Realm, "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=") { AlgorithmName = "AKAv1-MD5" };
        var client = new SipDigestClient();
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", RegistrarUri, default, out var aka, out var c));
        Assert.Equal(ImsAkaOutcome.Success, aka!.Outcome);
        Assert.Equal(0xff9bb4d0b607UL, aka.Sqn);
        Assert.Equal("a54211d5e3ba50bf", Hex.Of(aka.Res.Span));
        Assert.Equal("b40ba9a3c58b2a05bbf0d987b21bf8cb", Hex.Of(aka.Ck.Span));
        Assert.Equal("f769bcd751044604127672711c6d3441", Hex.Of(aka.Ik.Span));
        // No qop in the challenge: RFC 2069 form, keyed with RES.
        Assert.Null(c!.Cnonce);
        Assert.Equal(SipDigest.ComputeResponse(SipDigestAlgorithm.AkaV1Md5, SipDigest.ComputeHa1(SipDigestAlgorithm.AkaV1Md5, Impi, Realm, aka.Res.Span),
            challenge.Nonce, null, 0, SipDigestQop.None, "REGISTER", RegistrarUri, default), c.Response);
    }

    [Theory]
    [InlineData(SipDigestAlgorithm.AkaV1Md5, SipDigestQop.Auth)]
    [InlineData(SipDigestAlgorithm.AkaV2Md5, SipDigestQop.Auth)]
    [InlineData(SipDigestAlgorithm.AkaV1Md5, SipDigestQop.AuthInt)]
    [InlineData(SipDigestAlgorithm.AkaV2Md5, SipDigestQop.None)]
    public void ClientAndServerRoundTrip(SipDigestAlgorithm algorithm, SipDigestQop qop)
    {
        using var hss = new ImsAkaServer(s_k, s_opc, random: new FixedRandom(1, 2, 3));
        using var usim = new ImsAkaClient(s_k, s_opc);
        var client = new SipDigestClient { PreferredQop = qop == SipDigestQop.None ? SipDigestQop.Auth : qop };
        var body = "v=0\r\n"u8.ToArray();
        for (int round = 0; round < 3; round++)
        {
            var vector = hss.GenerateVector(s_amf);
            var challenge = ImsAkaServer.CreateChallenge(vector, Realm, algorithm, qop, opaque: "op");
            // Over the wire and back.
            Assert.True(SipDigestChallenge.TryParse(challenge.ToString(), out var received).IsSuccess);
            Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(received!, Impi, usim, "REGISTER", RegistrarUri, body, out var aka, out var c));
            Assert.Equal(ImsAkaOutcome.Success, aka!.Outcome);
            Assert.Equal(vector.Sqn, aka.Sqn);
            Assert.Equal(vector.Ck.ToArray(), aka.Ck.ToArray());
            Assert.Equal(vector.Ik.ToArray(), aka.Ik.ToArray());
            Assert.Equal("op", c!.Opaque);
            Assert.Equal(qop, c.Qop);
            Assert.True(SipDigestCredentials.TryParse(c.ToString(), out var sent).IsSuccess);
            Assert.Equal(ImsAkaVerifyResult.Authenticated, hss.Verify(sent!, "REGISTER", vector, body));
            Assert.Equal(ImsAkaVerifyResult.ResponseMismatch, hss.Verify(sent!, "INVITE", vector, body));
        }
        Assert.Equal(3UL, hss.Sequence);
    }

    [Fact]
    public void ServerRejectsAResponseKeyedWithTheWrongAkaVersion()
    {
        using var hss = new ImsAkaServer(s_k, s_opc);
        using var usim = new ImsAkaClient(s_k, s_opc);
        var vector = hss.GenerateVector(s_amf);
        var v1 = ImsAkaServer.CreateChallenge(vector, Realm, SipDigestAlgorithm.AkaV1Md5);
        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateAkaCredentials(v1, Impi, usim, "REGISTER", RegistrarUri, default, out _, out var c));
        // Same response, claimed as AKAv2: the server derives another password.
        Assert.True(SipDigestCredentials.TryParse(c!.ToString().Replace("AKAv1-MD5", "AKAv2-MD5", StringComparison.Ordinal), out var claimed).IsSuccess);
        Assert.Equal(ImsAkaVerifyResult.ResponseMismatch, hss.Verify(claimed!, "REGISTER", vector));
        Assert.True(SipDigestCredentials.TryParse(c.ToString().Replace("AKAv1-MD5", "MD5", StringComparison.Ordinal), out var md5).IsSuccess);
        Assert.Equal(ImsAkaVerifyResult.UnsupportedAlgorithm, hss.Verify(md5!, "REGISTER", vector));
        Assert.Equal(ImsAkaVerifyResult.NonceMismatch, hss.Verify(c, "REGISTER", hss.GenerateVector(s_amf)));
    }

    [Theory]
    [InlineData(0)]   // SQN ⊕ AK: changes the SQN under the MAC
    [InlineData(6)]   // AMF
    [InlineData(8)]   // MAC
    [InlineData(15)]
    public void TamperedAutnIsANetworkAuthenticationFailure(int index)
    {
        using var hss = new ImsAkaServer(s_k, s_opc);
        using var usim = new ImsAkaClient(s_k, s_opc);
        var vector = hss.GenerateVector(s_amf);
        var autn = vector.Autn.ToArray();
        autn[index] ^= 0x01;
        var challenge = new SipDigestChallenge(Realm, ImsAkaNonce.Encode(vector.Rand.Span, autn)) { AlgorithmName = "AKAv1-MD5", Qop = SipDigestQop.Auth };
        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", RegistrarUri, default, out var aka, out var c));
        Assert.Equal(ImsAkaOutcome.MacFailure, aka!.Outcome);
        Assert.True(aka.Res.IsEmpty);
        Assert.True(aka.Auts.IsEmpty);
        // 3GPP TS 24.229 §5.1.1.5.3: empty response, no auts, nothing computed from the keys.
        Assert.Equal(string.Empty, c!.Response);
        Assert.Null(c.Auts);
        Assert.Null(c.Cnonce);
        Assert.Equal($"Digest username=\"{Impi}\", realm=\"{Realm}\", nonce=\"{challenge.Nonce}\", uri=\"{RegistrarUri}\", response=\"\", algorithm=AKAv1-MD5", c.ToString());
        // The USIM did not consume the SQN: the genuine vector still works.
        Assert.Equal(ImsAkaOutcome.Success, usim.Authenticate(vector.Rand.Span, vector.Autn.Span).Outcome);

        var tamperedVectorView = new SipDigestCredentials(Impi, Realm, challenge.Nonce, RegistrarUri, string.Empty) { AlgorithmName = "AKAv1-MD5" };
        Assert.Equal(ImsAkaVerifyResult.NonceMismatch, hss.Verify(tamperedVectorView, "REGISTER", vector));
        var sameNonce = new SipDigestCredentials(Impi, Realm, vector.Nonce, RegistrarUri, string.Empty) { AlgorithmName = "AKAv1-MD5" };
        Assert.Equal(ImsAkaVerifyResult.NetworkAuthenticationFailure, hss.Verify(sameNonce, "REGISTER", vector));
    }

    [Fact]
    public void WrongKeyOnTheNetworkSideIsAMacFailure()
    {
        using var hss = new ImsAkaServer(Hex.Bytes("0396eb317b6d1c36f19c1c84cd6ffd16"), s_opc);
        using var usim = new ImsAkaClient(s_k, s_opc);
        var v = hss.GenerateVector(s_amf);
        Assert.Equal(ImsAkaOutcome.MacFailure, usim.Authenticate(v.Rand.Span, v.Autn.Span).Outcome);
    }

    [Fact]
    public void StaleSqnResynchronisesAndTheNextChallengeSucceeds()
    {
        // The USIM has seen SEQ 100 (IND 3); the HSS lost track and restarts at SEQ 0.
        ulong seen = (100UL << 5) | 3;
        using var usim = new ImsAkaClient(s_k, s_opc, new ImsAkaSequenceWindow(seen));
        using var hss = new ImsAkaServer(s_k, s_opc, sequence: 0, random: new FixedRandom(7, 7, 7, 9));
        var client = new SipDigestClient();

        var stale = hss.GenerateVector(s_amf);
        var challenge = ImsAkaServer.CreateChallenge(stale, Realm, SipDigestAlgorithm.AkaV1Md5);
        Assert.True(SipDigestChallenge.TryParse(challenge.ToString(), out var received).IsSuccess);
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(received!, Impi, usim, "REGISTER", RegistrarUri, default, out var aka, out var c));
        Assert.Equal(ImsAkaOutcome.SynchronisationFailure, aka!.Outcome);
        Assert.Equal(ImsAka.AutsLength, aka.Auts.Length);
        Assert.NotNull(c!.Auts);
        // RFC 3310 §3.4: the response is computed with an empty password.
        var emptyPassword = SipDigest.ComputeResponse(SipDigestAlgorithm.AkaV1Md5, SipDigest.ComputeHa1(SipDigestAlgorithm.AkaV1Md5, Impi, Realm, ReadOnlySpan<byte>.Empty),
            stale.Nonce, c.Cnonce, c.NonceCount, c.Qop, "REGISTER", RegistrarUri, default);
        Assert.Equal(emptyPassword, c.Response);
        Assert.Contains(", auts=\"", c.ToString(), StringComparison.Ordinal);

        Assert.True(SipDigestCredentials.TryParse(c.ToString(), out var sent).IsSuccess);
        Assert.Equal(ImsAkaVerifyResult.Resynchronised, hss.Verify(sent!, "REGISTER", stale));
        Assert.Equal(100UL, hss.Sequence);

        var fresh = hss.GenerateVector(s_amf);
        Assert.Equal(101UL, fresh.Sqn >> 5);
        var retry = ImsAkaServer.CreateChallenge(fresh, Realm, SipDigestAlgorithm.AkaV1Md5);
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(retry, Impi, usim, "REGISTER", RegistrarUri, default, out aka, out c));
        Assert.Equal(ImsAkaOutcome.Success, aka!.Outcome);
        Assert.Equal(ImsAkaVerifyResult.Authenticated, hss.Verify(c!, "REGISTER", fresh));
    }

    [Fact]
    public void ForgedAutsDoesNotResynchronise()
    {
        using var hss = new ImsAkaServer(s_k, s_opc, sequence: 5);
        var v = hss.GenerateVector(s_amf);
        var auts = new byte[ImsAka.AutsLength];
        Assert.False(hss.TryResynchronise(v.Rand.Span, auts, out _));
        Assert.False(hss.TryResynchronise(v.Rand.Span, auts.AsSpan(1), out _));
        var forged = new SipDigestCredentials(Impi, Realm, v.Nonce, RegistrarUri, "00") { AlgorithmName = "AKAv1-MD5", Auts = Convert.ToBase64String(auts) };
        Assert.Equal(ImsAkaVerifyResult.ResynchronisationFailed, hss.Verify(forged, "REGISTER", v));
        var garbage = new SipDigestCredentials(Impi, Realm, v.Nonce, RegistrarUri, "00") { AlgorithmName = "AKAv1-MD5", Auts = "!!" };
        Assert.Equal(ImsAkaVerifyResult.ResynchronisationFailed, hss.Verify(garbage, "REGISTER", v));
        Assert.Equal(6UL, hss.Sequence);
    }

    [Fact]
    public void ReplayedVectorIsASynchronisationFailure()
    {
        using var hss = new ImsAkaServer(s_k, s_opc);
        using var usim = new ImsAkaClient(s_k, s_opc);
        var v = hss.GenerateVector(s_amf);
        Assert.Equal(ImsAkaOutcome.Success, usim.Authenticate(v.Rand.Span, v.Autn.Span).Outcome);
        var replay = usim.Authenticate(v.Rand.Span, v.Autn.Span);
        Assert.Equal(ImsAkaOutcome.SynchronisationFailure, replay.Outcome);
        Assert.True(hss.TryResynchronise(v.Rand.Span, replay.Auts.Span, out ulong sqnMs));
        Assert.Equal(v.Sqn, sqnMs);
    }

    [Fact]
    public void SequenceWindowFollowsAnnexC()
    {
        var w = new ImsAkaSequenceWindow(indexBits: 2, maxDelta: 10, maxAge: 4);
        Assert.True(w.TryAccept((1UL << 2) | 1));
        Assert.False(w.TryAccept((1UL << 2) | 1));             // same SEQ in the same IND slot
        Assert.True(w.TryAccept((1UL << 2) | 2));              // same SEQ, another slot: out-of-order vectors (C.1)
        Assert.True(w.TryAccept((5UL << 2) | 0));
        Assert.True(w.TryAccept((3UL << 2) | 3));              // older SEQ, unused slot, within L
        Assert.False(w.TryAccept((1UL << 2) | 3));             // SEQ 1 is 4 behind SEQ 5: too old (L)
        Assert.False(w.TryAccept((16UL << 2) | 1));            // 11 ahead of SEQ 5: beyond Δ
        Assert.True(w.TryAccept((15UL << 2) | 1));
        Assert.Equal((15UL << 2) | 1, w.HighestAccepted);

        var counter = new ImsAkaSequenceWindow(7, indexBits: 0, maxDelta: 0);
        Assert.False(counter.TryAccept(7));
        Assert.True(counter.TryAccept(1UL << 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImsAkaSequenceWindow(indexBits: 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImsAkaSequenceWindow(1UL << 48));
    }

    [Fact]
    public void AkaClientRejectsBadNoncesAndWrongAlgorithms()
    {
        using var usim = new ImsAkaClient(s_k, s_opc);
        var client = new SipDigestClient();
        var bad = new SipDigestChallenge(Realm, "dGVzdA==") { AlgorithmName = "AKAv1-MD5" };
        Assert.Equal(SipDigestError.InvalidAkaNonce, client.TryCreateAkaCredentials(bad, Impi, usim, "REGISTER", RegistrarUri, default, out var aka, out var c));
        Assert.Null(aka);
        Assert.Null(c);
        Assert.Equal(SipDigestError.AlgorithmMismatch, client.TryCreateAkaCredentials(new SipDigestChallenge(Realm, "n"), Impi, usim, "REGISTER", RegistrarUri, default, out _, out _));
    }

    [Fact]
    public void SqnCodec()
    {
        Span<byte> b = stackalloc byte[6];
        ImsAka.WriteSqn(0xff9bb4d0b607, b);
        Assert.Equal("ff9bb4d0b607", Hex.Of(b));
        Assert.Equal(0xff9bb4d0b607UL, ImsAka.ReadSqn(b));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImsAka.WriteSqn(1UL << 48, new byte[6]));
    }
}
