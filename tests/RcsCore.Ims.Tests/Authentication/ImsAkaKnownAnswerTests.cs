using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Ims.Authentication;
using Xunit;

namespace RcsCore.Ims.Tests.Authentication;

/// <summary>
/// Digest AKA from a fixed challenge, step by step, against values computed here with plain MD5/HMAC-MD5 and the
/// 3GPP TS 35.207/35.208 test set 1 (K, OPc, RAND, SQN, AMF, f1, f2, f3, f4, f5, f5*): the nonce layout
/// (RFC 3310 §3.2), RES as the AKAv1 password (RFC 3310 §3.3), the AKAv2 password (RFC 4169 §3), the AUTS and
/// empty-password response of a synchronisation failure (RFC 3310 §3.4, 3GPP TS 33.102 §6.3.3), and the answer
/// to a network that failed authentication (3GPP TS 24.229 §5.1.1.5.3).
/// </summary>
[SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Digest AKA is defined over MD5.")]
public class ImsAkaKnownAnswerTests
{
    // TS 35.208 test set 1.
    private const string K = "465b5ce8b199b49faa5f0a2ee238a6bc";
    private const string Opc = "cd63cb71954a9f4e48a5994e37a02baf";
    private const string Rand = "23553cbe9637a89d218ae64dae47bf35";
    private const string Sqn = "ff9bb4d0b607";
    private const string Amf = "b9b9";
    private const string MacA = "4a9ffac354dfafb3"; // f1
    private const string Res = "a54211d5e3ba50bf"; // f2
    private const string Ck = "b40ba9a3c58b2a05bbf0d987b21bf8cb"; // f3
    private const string Ik = "f769bcd751044604127672711c6d3441"; // f4
    private const string Ak = "aa689c648370"; // f5
    private const string AkStar = "451e8beca43b"; // f5*

    private const string Impi = "alice@ims.example";
    private const string Realm = "ims.example";
    private const string Uri = "sip:ims.example";

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Md5Hex(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    private static byte[] Xor(string a, string b)
    {
        var x = Hex.Bytes(a);
        var y = Hex.Bytes(b);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] ^= y[i];
        }
        return x;
    }

    /// <summary>RFC 2617 §3.2.2 with qop=auth: MD5(HA1:nonce:nc:cnonce:auth:HA2), HA1 = MD5(user:realm:password bytes).</summary>
    private static string ExpectedResponse(byte[] password, string nonce, string cnonce, uint nc)
    {
        byte[] a1 = [.. Encoding.UTF8.GetBytes(Impi + ":" + Realm + ":"), .. password];
        string ha1 = Md5Hex(a1);
        string ha2 = Md5Hex("REGISTER:" + Uri);
        return Md5Hex($"{ha1}:{nonce}:{nc.ToString("x8", CultureInfo.InvariantCulture)}:{cnonce}:auth:{ha2}");
    }

    private static (string Nonce, ImsAkaVector Vector) Challenge(ImsAkaServer hss)
    {
        // 3GPP TS 33.102 §6.3.2: AUTN = SQN ⊕ AK || AMF || MAC-A.
        string autn = Convert.ToHexStringLower(Xor(Sqn, Ak)) + Amf + MacA;
        var vector = hss.CreateVector(Hex.Bytes(Rand), ulong.Parse(Sqn, NumberStyles.HexNumber, CultureInfo.InvariantCulture), Hex.Bytes(Amf));
        Assert.Equal(autn, Hex.Of(vector.Autn.Span));
        Assert.Equal(Res, Hex.Of(vector.Xres.Span));
        Assert.Equal(Ck, Hex.Of(vector.Ck.Span));
        Assert.Equal(Ik, Hex.Of(vector.Ik.Span));
        // RFC 3310 §3.2: nonce = base64(RAND || AUTN || server data); here without server data.
        string nonce = Convert.ToBase64String(Hex.Bytes(Rand + autn));
        Assert.Equal(nonce, vector.Nonce);
        Assert.Equal("I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=", nonce);
        return (nonce, vector);
    }

    [Theory]
    [InlineData(SipDigestAlgorithm.AkaV1Md5)]
    [InlineData(SipDigestAlgorithm.AkaV2Md5)]
    public void SuccessfulChallengeStepByStep(SipDigestAlgorithm algorithm)
    {
        using var hss = new ImsAkaServer(Hex.Bytes(K), Hex.Bytes(Opc));
        var (nonce, vector) = Challenge(hss);
        var challenge = ImsAkaServer.CreateChallenge(vector, Realm, algorithm);
        Assert.Equal(SipDigestAlgorithms.GetName(algorithm), challenge.AlgorithmName);

        // The USIM: verifies MAC-A, recovers SQN = (SQN ⊕ AK) ⊕ AK, accepts it, returns RES, CK, IK.
        using var usim = new ImsAkaClient(Hex.Bytes(K), Hex.Bytes(Opc), new ImsAkaSequenceWindow(maxDelta: 0));
        var client = new SipDigestClient();
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", Uri, default, out var aka, out var credentials));
        Assert.Equal(ImsAkaOutcome.Success, aka!.Outcome);
        Assert.Equal(Sqn, aka.Sqn.ToString("x12", CultureInfo.InvariantCulture));
        Assert.Equal(Res, Hex.Of(aka.Res.Span));
        Assert.Equal(Ck, Hex.Of(aka.Ck.Span));
        Assert.Equal(Ik, Hex.Of(aka.Ik.Span));

        byte[] password = algorithm == SipDigestAlgorithm.AkaV1Md5
            // RFC 3310 §3.3: RES itself (8 raw octets, not hex) is the password.
            ? Hex.Bytes(Res)
            // RFC 4169 §3: the ASCII of base64(PRF(RES || IK || CK, "http-digest-akav2-password")), PRF = HMAC-MD5 keyed with RES||IK||CK.
            : Encoding.ASCII.GetBytes(Convert.ToBase64String(HMACMD5.HashData(Hex.Bytes(Res + Ik + Ck), "http-digest-akav2-password"u8.ToArray())));
        Assert.Equal(password, ImsAka.DigestPassword(algorithm, aka.Res.Span, aka.Ik.Span, aka.Ck.Span));
        if (algorithm == SipDigestAlgorithm.AkaV2Md5)
        {
            Assert.Equal("shzt3q8CWaZnCAWqs3WmEQ==", Encoding.ASCII.GetString(password));
        }

        // The Authorization: qop=auth (TS 24.229 §5.4.1.2.1 challenges with it), nc 1, the nonce echoed, no auts.
        var c = credentials!;
        Assert.Equal(nonce, c.Nonce);
        Assert.Equal(Impi, c.Username);
        Assert.Equal(SipDigestQop.Auth, c.Qop);
        Assert.Equal(1u, c.NonceCount);
        Assert.Null(c.Auts);
        Assert.Equal(ExpectedResponse(password, nonce, c.Cnonce!, 1), c.Response);
        Assert.True(SipDigestCredentials.TryParse(c.ToString(), out var parsed).IsSuccess);
        Assert.Equal(ImsAkaVerifyResult.Authenticated, hss.Verify(parsed!, "REGISTER", vector));
    }

    [Fact]
    public void SynchronisationFailureStepByStep()
    {
        using var hss = new ImsAkaServer(Hex.Bytes(K), Hex.Bytes(Opc));
        var (nonce, vector) = Challenge(hss);
        var challenge = ImsAkaServer.CreateChallenge(vector, Realm, SipDigestAlgorithm.AkaV1Md5);
        // The USIM has already accepted a higher SQN (one SEQ further, same IND): test set 1's SQN is stale.
        ulong sqnMs = ulong.Parse(Sqn, NumberStyles.HexNumber, CultureInfo.InvariantCulture) + (1UL << 5);
        using var usim = new ImsAkaClient(Hex.Bytes(K), Hex.Bytes(Opc), new ImsAkaSequenceWindow(sqnMs, maxDelta: 0));

        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", Uri, default, out var aka, out var credentials));

        Assert.Equal(ImsAkaOutcome.SynchronisationFailure, aka!.Outcome);
        // 3GPP TS 33.102 §6.3.3: AUTS = SQN_MS ⊕ AK* || MAC-S, AK* = f5*(RAND), MAC-S = f1*(SQN_MS || RAND || AMF*), AMF* = 0.
        var auts = aka.Auts.ToArray();
        Assert.Equal(14, auts.Length);
        Assert.Equal(Hex.Of(Xor(sqnMs.ToString("x12", CultureInfo.InvariantCulture), AkStar)), Hex.Of(auts.AsSpan(0, 6)));
        using (var milenage = new Milenage(Hex.Bytes(K), Hex.Bytes(Opc)))
        {
            var macS = new byte[8];
            milenage.F1(Hex.Bytes(Rand), Hex.Bytes(sqnMs.ToString("x12", CultureInfo.InvariantCulture)), new byte[2], default, macS);
            Assert.Equal(Hex.Of(macS), Hex.Of(auts.AsSpan(6)));
        }
        // RFC 3310 §3.4: auts = base64(AUTS) in quotes, and the response is computed with an empty password.
        var c = credentials!;
        Assert.Equal(Convert.ToBase64String(auts), c.Auts);
        Assert.Contains(", auts=\"" + c.Auts + "\"", c.ToString(), StringComparison.Ordinal);
        Assert.Equal(nonce, c.Nonce);
        Assert.Equal(ExpectedResponse([], nonce, c.Cnonce!, c.NonceCount), c.Response);
        // The HSS recovers SQN_MS and starts its next vector above it (TS 33.102 §6.3.5).
        Assert.True(SipDigestCredentials.TryParse(c.ToString(), out var parsed).IsSuccess);
        Assert.Equal(ImsAkaVerifyResult.Resynchronised, hss.Verify(parsed!, "REGISTER", vector));
        Assert.Equal(sqnMs >> 5, hss.Sequence);
        var fresh = hss.GenerateVector(Hex.Bytes(Amf));
        Assert.Equal(ImsAkaOutcome.Success, usim.Authenticate(fresh.Rand.Span, fresh.Autn.Span).Outcome);
    }

    [Fact]
    public void NetworkAuthenticationFailureStepByStep()
    {
        using var hss = new ImsAkaServer(Hex.Bytes(K), Hex.Bytes(Opc));
        var (_, vector) = Challenge(hss);
        // One bit of MAC-A flipped: XMAC ≠ MAC, the USIM rejects the network (TS 33.102 §6.3.3).
        var autn = vector.Autn.ToArray();
        autn[15] ^= 1;
        string nonce = ImsAkaNonce.Encode(vector.Rand.Span, autn);
        var challenge = new SipDigestChallenge(Realm, nonce) { AlgorithmName = "AKAv1-MD5", Qop = SipDigestQop.Auth, Opaque = "o1" };
        using var usim = new ImsAkaClient(Hex.Bytes(K), Hex.Bytes(Opc), new ImsAkaSequenceWindow(maxDelta: 0));

        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateAkaCredentials(challenge, Impi, usim, "REGISTER", Uri, default, out var aka, out var credentials));

        Assert.Equal(ImsAkaOutcome.MacFailure, aka!.Outcome);
        Assert.True(aka.Res.IsEmpty);
        // TS 24.229 §5.1.1.5.3: the next REGISTER answers with an empty response and no auts: nothing derived from K.
        var c = credentials!;
        Assert.Equal(string.Empty, c.Response);
        Assert.Null(c.Auts);
        Assert.Equal(nonce, c.Nonce);
        Assert.Equal("o1", c.Opaque);
        Assert.Contains("response=\"\"", c.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("auts", c.ToString(), StringComparison.Ordinal);
        // The SQN window did not move.
        Assert.Equal(0UL, usim.Window.HighestAccepted);
    }
}
