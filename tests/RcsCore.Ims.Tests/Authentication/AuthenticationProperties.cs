using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RcsCore.Ims.Authentication;
using Xunit;

namespace RcsCore.Ims.Tests.Authentication;

/// <summary>FsCheck properties: Digest compute/verify round trips, parse∘format identity, AKA over random keys and SQNs.</summary>
public class AuthenticationProperties
{
    public sealed record DigestCase(SipDigestAlgorithm Algorithm, SipDigestQop Qop, bool UserHash, string User, string Password, string Realm,
        string Nonce, string Method, string Uri, byte[] Body, uint NonceCount, int Mutation);

    public sealed record AkaCase(byte[] K, byte[] Opc, ulong Sequence, byte[] Amf, bool V2, SipDigestQop Qop, int TamperAt);

    // Text with the characters that need care: quotes, backslashes, commas, '=', spaces and non-ASCII.
    private static readonly Gen<string> s_text = Gen.Choose(0, 16)
        .SelectMany(n => Gen.ArrayOf(Gen.Elements("abcXYZ019 \"\\,=;:/@._-+\u00e9\u00fc\u4e2d".ToCharArray()), n))
        .Select(c => new string(c));
    private static readonly Gen<string> s_nonEmpty = s_text.Where(s => s.Length > 0);
    private static readonly Gen<string> s_method = Gen.Elements("REGISTER", "INVITE", "MESSAGE", "SUBSCRIBE", "GET");
    private static readonly Gen<SipDigestAlgorithm> s_algorithm = Gen.Elements(
        SipDigestAlgorithm.Md5, SipDigestAlgorithm.Md5Sess, SipDigestAlgorithm.Sha256, SipDigestAlgorithm.Sha256Sess,
        SipDigestAlgorithm.Sha512T256, SipDigestAlgorithm.Sha512T256Sess, SipDigestAlgorithm.AkaV1Md5, SipDigestAlgorithm.AkaV2Md5);
    private static readonly Gen<byte[]> s_key = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 16);

    private static readonly Gen<DigestCase> s_digest =
        from algorithm in s_algorithm
        from qop in SipDigestAlgorithms.IsSession(algorithm) ? Gen.Elements(SipDigestQop.Auth, SipDigestQop.AuthInt) : Gen.Elements(SipDigestQop.None, SipDigestQop.Auth, SipDigestQop.AuthInt)
        from userHash in Gen.Elements(false, false, true)
        from user in s_nonEmpty
        from password in s_text
        from realm in s_text
        from nonce in s_nonEmpty
        from method in s_method
        from uri in s_nonEmpty
        from body in ArbMap.Default.GeneratorFor<byte[]>()
        from nc in Gen.Choose(1, int.MaxValue).Select(i => (uint)i)
        from mutation in Gen.Choose(0, 1000)
        select new DigestCase(algorithm, qop, userHash, user, password, realm, nonce, method, uri, body, nc, mutation);

    private static readonly Gen<AkaCase> s_aka =
        from k in s_key
        from opc in s_key
        from seq in Gen.Choose(0, int.MaxValue).Select(i => (ulong)i)
        from amf in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 2)
        from v2 in Gen.Elements(false, true)
        from qop in Gen.Elements(SipDigestQop.None, SipDigestQop.Auth, SipDigestQop.AuthInt)
        from tamper in Gen.Choose(0, 16 * 8 - 1)
        select new AkaCase(k, opc, seq, amf, v2, qop, tamper);

    public static Arbitrary<DigestCase> Digests() => s_digest.ToArbitrary();

    public static Arbitrary<AkaCase> Akas() => s_aka.ToArbitrary();

    [Property(MaxTest = 300, Arbitrary = [typeof(AuthenticationProperties)])]
    public void ComputeThenVerifySucceedsAndAOneCharacterChangeFails(DigestCase t)
    {
        var challenge = new SipDigestChallenge(t.Realm, t.Nonce) { AlgorithmName = SipDigestAlgorithms.GetName(t.Algorithm), Qop = t.Qop, UserHash = t.UserHash };
        var password = Encoding.UTF8.GetBytes(t.Password);
        var cnonce = t.Qop == SipDigestQop.None && !SipDigestAlgorithms.IsSession(t.Algorithm) ? null : "c" + t.NonceCount;
        var c = SipDigest.CreateCredentials(challenge, t.User, password, t.Method, t.Uri, t.Body, t.Qop, cnonce, t.NonceCount);
        string? user = t.UserHash ? t.User : null;

        // Over the wire: format, parse, verify.
        var parse = SipDigestCredentials.TryParse(c.ToString(), out var sent);
        Assert.True(parse.IsSuccess, parse.ToString());
        Assert.Equal(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(sent!, t.Method, password, t.Body, user));
        if (!t.UserHash)
        {
            Assert.Equal(SipDigestVerifyResult.Valid, SipDigest.VerifyHa1(sent!, t.Method, SipDigest.ComputeHa1(t.Algorithm, t.User, t.Realm, password), t.Body));
        }

        // One character changed somewhere the response covers.
        switch (t.Mutation % 6)
        {
            case 0:
                Assert.NotEqual(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(sent!, t.Method, Encoding.UTF8.GetBytes(Mutate(t.Password, t.Mutation)), t.Body, user));
                break;
            case 1:
                Assert.NotEqual(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(sent!, Mutate(t.Method, t.Mutation), password, t.Body, user));
                break;
            case 2:
                Assert.NotEqual(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(With(sent!, response: Mutate(sent!.Response, t.Mutation, hex: true)), t.Method, password, t.Body, user));
                break;
            case 3:
                Assert.NotEqual(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(With(sent!, uri: Mutate(t.Uri, t.Mutation)), t.Method, password, t.Body, user));
                break;
            case 4:
                Assert.NotEqual(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(With(sent!, nonce: Mutate(t.Nonce, t.Mutation)), t.Method, password, t.Body, user));
                break;
            default:
                if (t.Qop == SipDigestQop.AuthInt)
                {
                    var body = t.Body.Length == 0 ? [0] : (byte[])t.Body.Clone();
                    if (t.Body.Length > 0)
                    {
                        body[t.Mutation % body.Length] ^= 1;
                    }
                    Assert.Equal(SipDigestVerifyResult.ResponseMismatch, SipDigest.VerifyPassword(sent!, t.Method, password, body, user));
                }
                else if (t.Qop == SipDigestQop.Auth)
                {
                    Assert.NotEqual(SipDigestVerifyResult.Valid, SipDigest.VerifyPassword(With(sent!, cnonce: Mutate(sent!.Cnonce!, t.Mutation)), t.Method, password, t.Body, user));
                }
                break;
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(AuthenticationProperties)])]
    public void ChallengeFormatThenParseIsIdentity(DigestCase t)
    {
        var c = new SipDigestChallenge(t.Realm, t.Nonce)
        {
            AlgorithmName = SipDigestAlgorithms.GetName(t.Algorithm),
            Qop = t.Qop,
            UserHash = t.UserHash,
            Stale = t.Mutation % 2 == 0,
            Opaque = t.Mutation % 3 == 0 ? null : t.Password,
            Domain = t.Mutation % 5 == 0 ? t.Uri : null,
            Extensions = t.Mutation % 7 == 0 ? [new SipAuthParameter("ck", t.User, true), new SipAuthParameter("x-tok", "v1", false)] : [],
        };
        var r = SipDigestChallenge.TryParse(c.ToString(), out var back);
        Assert.True(r.IsSuccess, r + " " + c);
        Assert.Equal(c.Realm, back!.Realm);
        Assert.Equal(c.Nonce, back.Nonce);
        Assert.Equal(c.Opaque, back.Opaque);
        Assert.Equal(c.Domain, back.Domain);
        Assert.Equal(c.Algorithm, back.Algorithm);
        Assert.Equal(c.Qop, back.Qop);
        Assert.Equal(c.Stale, back.Stale);
        Assert.Equal(c.UserHash, back.UserHash);
        Assert.Equal(c.Extensions, back.Extensions);
        Assert.Equal(c.ToString(), back.ToString());
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(AuthenticationProperties)])]
    public void AkaRoundTripsOverRandomKeysAndSequences(AkaCase t)
    {
        var algorithm = t.V2 ? SipDigestAlgorithm.AkaV2Md5 : SipDigestAlgorithm.AkaV1Md5;
        using var hss = new ImsAkaServer(t.K, t.Opc, t.Sequence);
        using var usim = new ImsAkaClient(t.K, t.Opc, new ImsAkaSequenceWindow(t.Sequence << 5));
        var client = new SipDigestClient();

        // A good vector authenticates both ways and yields the same keys.
        var v = hss.GenerateVector(t.Amf);
        var challenge = ImsAkaServer.CreateChallenge(v, "ims.example", algorithm, t.Qop);
        Assert.Equal(SipDigestError.None, client.TryCreateAkaCredentials(challenge, "impi@ims.example", usim, "REGISTER", "sip:ims.example", "b"u8, out var aka, out var c));
        Assert.Equal(ImsAkaOutcome.Success, aka!.Outcome);
        Assert.Equal(v.Ck.ToArray(), aka.Ck.ToArray());
        Assert.Equal(v.Ik.ToArray(), aka.Ik.ToArray());
        Assert.Equal(ImsAkaVerifyResult.Authenticated, hss.Verify(c!, "REGISTER", v, "b"u8));

        // Any single flipped bit of AUTN makes the USIM reject the network (or, in the SQN field, possibly see a stale
        // SQN only if the MAC still matched, which it does not).
        var next = hss.GenerateVector(t.Amf);
        var autn = next.Autn.ToArray();
        autn[t.TamperAt / 8] ^= (byte)(1 << (t.TamperAt % 8));
        Assert.Equal(ImsAkaOutcome.MacFailure, usim.Authenticate(next.Rand.Span, autn).Outcome);

        // Replaying the used vector is a synchronisation failure; its AUTS resynchronises the HSS, and the next vector works.
        var replay = usim.Authenticate(v.Rand.Span, v.Autn.Span);
        Assert.Equal(ImsAkaOutcome.SynchronisationFailure, replay.Outcome);
        Assert.True(hss.TryResynchronise(v.Rand.Span, replay.Auts.Span, out ulong sqnMs));
        Assert.Equal(usim.Window.HighestAccepted, sqnMs);
        var fresh = hss.GenerateVector(t.Amf);
        Assert.Equal(ImsAkaOutcome.Success, usim.Authenticate(fresh.Rand.Span, fresh.Autn.Span).Outcome);
    }

    private static string Mutate(string s, int seed, bool hex = false)
    {
        if (s.Length == 0)
        {
            return "x";
        }
        int i = seed % s.Length;
        char replacement = hex ? (s[i] == '0' ? '1' : '0') : (s[i] == 'a' ? 'b' : 'a');
        return string.Concat(s.AsSpan(0, i), replacement.ToString(), s.AsSpan(i + 1));
    }

    private static SipDigestCredentials With(SipDigestCredentials c, string? response = null, string? uri = null, string? nonce = null, string? cnonce = null) =>
        new(c.Username, c.Realm, nonce ?? c.Nonce, uri ?? c.Uri, response ?? c.Response)
        {
            AlgorithmName = c.AlgorithmName,
            Cnonce = cnonce ?? c.Cnonce,
            Opaque = c.Opaque,
            Qop = c.Qop,
            NonceCount = c.NonceCount,
            UserHash = c.UserHash,
        };
}
