using System.Security.Cryptography;

namespace RcsCore.Ims.Authentication;

/// <summary>An authentication vector: RAND, XRES, CK, IK, AUTN (3GPP TS 33.102 §6.3.2), and the Digest nonce carrying it.</summary>
public sealed class ImsAkaVector
{
    internal ImsAkaVector(byte[] rand, byte[] xres, byte[] ck, byte[] ik, byte[] autn, ulong sqn)
    {
        Rand = rand;
        Xres = xres;
        Ck = ck;
        Ik = ik;
        Autn = autn;
        Sqn = sqn;
        Nonce = ImsAkaNonce.Encode(rand, autn);
    }

    /// <summary>The random challenge.</summary>
    public ReadOnlyMemory<byte> Rand { get; }

    /// <summary>The expected response.</summary>
    public ReadOnlyMemory<byte> Xres { get; }

    /// <summary>The cipher key.</summary>
    public ReadOnlyMemory<byte> Ck { get; }

    /// <summary>The integrity key.</summary>
    public ReadOnlyMemory<byte> Ik { get; }

    /// <summary>The authentication token SQN ⊕ AK || AMF || MAC-A.</summary>
    public ReadOnlyMemory<byte> Autn { get; }

    /// <summary>The sequence number in AUTN.</summary>
    public ulong Sqn { get; }

    /// <summary>base64(RAND || AUTN) (RFC 3310 §3.2).</summary>
    public string Nonce { get; }
}

/// <summary>How the server judged an AKA Authorization.</summary>
public enum ImsAkaVerifyResult : byte
{
    /// <summary>The response was keyed with the right RES: the user is authenticated.</summary>
    Authenticated = 0,
    /// <summary>The response does not match XRES.</summary>
    ResponseMismatch = 1,
    /// <summary>The client sent a valid AUTS; the sequence number was reset: challenge again with a fresh vector.</summary>
    Resynchronised = 2,
    /// <summary>The AUTS is malformed or its MAC-S is wrong.</summary>
    ResynchronisationFailed = 3,
    /// <summary>Empty response and no AUTS: the client rejected the network's AUTN (3GPP TS 24.229 §5.1.1.5.3).</summary>
    NetworkAuthenticationFailure = 4,
    /// <summary>The nonce is not the one of this vector.</summary>
    NonceMismatch = 5,
    /// <summary>The credentials do not use an AKA algorithm.</summary>
    UnsupportedAlgorithm = 6,
}

/// <summary>
/// A simulated HSS / AuC with the S-CSCF's check: generates authentication vectors from K, OPc and the sequence number
/// (3GPP TS 33.102 §6.3.2, Annex C.3), verifies Digest AKA credentials (RFC 3310, RFC 4169) and resynchronises on AUTS
/// (3GPP TS 33.102 §6.3.5). For tests and lab cores; thread-safe. Dispose to wipe keys.
/// </summary>
public sealed class ImsAkaServer : IDisposable
{
    private static readonly byte[] s_resyncAmf = new byte[2];
    private readonly Milenage _milenage;
    private readonly RandomNumberGenerator? _random;
    private readonly Lock _lock = new();
    private ulong _seq;
    private ulong _ind;

    /// <summary>Creates the server.</summary>
    /// <param name="k">The subscriber key.</param>
    /// <param name="opc">OPc.</param>
    /// <param name="sequence">SEQ_HE: the SEQ of the last vector generated; the next one uses SEQ + 1.</param>
    /// <param name="indexBits">Bits of IND, matching the USIM (3GPP TS 33.102 Annex C.1.2).</param>
    /// <param name="random">The RAND source (a test may pass a fixed one).</param>
    public ImsAkaServer(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ulong sequence = 0, int indexBits = 5, RandomNumberGenerator? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(indexBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(indexBits, 10);
        _milenage = new Milenage(k, opc);
        _seq = sequence;
        IndexBits = indexBits;
        _random = random;
    }

    /// <summary>Bits of IND in a SQN.</summary>
    public int IndexBits { get; }

    /// <summary>SEQ_HE: the SEQ of the last vector generated.</summary>
    public ulong Sequence
    {
        get
        {
            lock (_lock)
            {
                return _seq;
            }
        }
    }

    /// <summary>
    /// Generates a vector: SQN = SEQ_HE+1 || IND (3GPP TS 33.102 Annex C.3.2), a fresh RAND, and
    /// AUTN = SQN ⊕ AK || AMF || MAC-A (§6.3.2).
    /// </summary>
    public ImsAkaVector GenerateVector(ReadOnlySpan<byte> amf)
    {
        Milenage.RequireLength(amf, Milenage.AmfLength, nameof(amf));
        var rand = new byte[ImsAka.RandLength];
        if (_random is null)
        {
            RandomNumberGenerator.Fill(rand);
        }
        else
        {
            _random.GetBytes(rand);
        }
        lock (_lock)
        {
            _seq++;
            // Annex C.3.2: IND cycles through its values so that vectors used out of order are still accepted.
            _ind = (_ind + 1) & ((1UL << IndexBits) - 1);
            ulong sqn = (_seq << IndexBits) | _ind;
            return CreateVector(rand, sqn, amf);
        }
    }

    /// <summary>Builds the vector for a given RAND and SQN (3GPP TS 33.102 §6.3.2), without touching SEQ_HE.</summary>
    public ImsAkaVector CreateVector(ReadOnlySpan<byte> rand, ulong sqn, ReadOnlySpan<byte> amf)
    {
        Milenage.RequireLength(rand, ImsAka.RandLength, nameof(rand));
        Milenage.RequireLength(amf, Milenage.AmfLength, nameof(amf));
        lock (_lock)
        {
            Span<byte> sqnBytes = stackalloc byte[ImsAka.SqnLength];
            ImsAka.WriteSqn(sqn, sqnBytes);
            var xres = new byte[Milenage.ResLength];
            var ck = new byte[Milenage.CipherKeyLength];
            var ik = new byte[Milenage.CipherKeyLength];
            Span<byte> ak = stackalloc byte[Milenage.AkLength];
            _milenage.F2345(rand, xres, ck, ik, ak);
            var autn = new byte[ImsAka.AutnLength];
            for (int i = 0; i < ImsAka.SqnLength; i++)
            {
                autn[i] = (byte)(sqnBytes[i] ^ ak[i]);
            }
            amf.CopyTo(autn.AsSpan(6));
            _milenage.F1(rand, sqnBytes, amf, autn.AsSpan(8), default);
            return new ImsAkaVector(rand.ToArray(), xres, ck, ik, autn, sqn);
        }
    }

    /// <summary>The WWW-Authenticate challenge for a vector (RFC 3310 §3.2; 3GPP TS 24.229 §5.4.1.2.1 uses qop="auth").</summary>
    public static SipDigestChallenge CreateChallenge(ImsAkaVector vector, string realm, SipDigestAlgorithm algorithm = SipDigestAlgorithm.AkaV1Md5,
        SipDigestQop qop = SipDigestQop.Auth, string? opaque = null)
    {
        ArgumentNullException.ThrowIfNull(vector);
        if (!SipDigestAlgorithms.IsAka(algorithm))
        {
            throw new ArgumentException("not an AKA algorithm", nameof(algorithm));
        }
        return new SipDigestChallenge(realm, vector.Nonce)
        {
            AlgorithmName = SipDigestAlgorithms.GetName(algorithm),
            Qop = qop,
            Opaque = opaque,
        };
    }

    /// <summary>
    /// Judges the Authorization answering <paramref name="vector"/>'s challenge: an AUTS resynchronises, an empty
    /// response without AUTS reports a network authentication failure, otherwise the response is checked with the
    /// password derived from XRES (RFC 3310 §3.3, RFC 4169 §3).
    /// </summary>
    public ImsAkaVerifyResult Verify(SipDigestCredentials credentials, string method, ImsAkaVector vector, ReadOnlySpan<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(vector);
        if (!SipDigestAlgorithms.IsAka(credentials.Algorithm))
        {
            return ImsAkaVerifyResult.UnsupportedAlgorithm;
        }
        if (!string.Equals(credentials.Nonce, vector.Nonce, StringComparison.Ordinal))
        {
            return ImsAkaVerifyResult.NonceMismatch;
        }
        if (credentials.Auts is not null)
        {
            // RFC 3310 §3.4: the auts parameter carries AUTS for the HSS (3GPP TS 33.102 §6.3.5).
            Span<byte> auts = stackalloc byte[ImsAka.AutsLength + 3];
            if (!Convert.TryFromBase64String(credentials.Auts, auts, out int n) || n != ImsAka.AutsLength)
            {
                return ImsAkaVerifyResult.ResynchronisationFailed;
            }
            return TryResynchronise(vector.Rand.Span, auts[..n], out _) ? ImsAkaVerifyResult.Resynchronised : ImsAkaVerifyResult.ResynchronisationFailed;
        }
        if (credentials.Response.Length == 0)
        {
            return ImsAkaVerifyResult.NetworkAuthenticationFailure;
        }
        var password = ImsAka.DigestPassword(credentials.Algorithm, vector.Xres.Span, vector.Ik.Span, vector.Ck.Span);
        try
        {
            return SipDigest.VerifyPassword(credentials, method, password, body) == SipDigestVerifyResult.Valid
                ? ImsAkaVerifyResult.Authenticated
                : ImsAkaVerifyResult.ResponseMismatch;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    /// <summary>
    /// Processes AUTS (3GPP TS 33.102 §6.3.5): recovers SQN_MS = Conc(SQN_MS) ⊕ f5*_K(RAND), checks MAC-S = f1*_K(SQN_MS || RAND || AMF*)
    /// and, if it verifies, resets SEQ_HE to SEQ_MS so the next vector is fresh for the USIM.
    /// </summary>
    public bool TryResynchronise(ReadOnlySpan<byte> rand, ReadOnlySpan<byte> auts, out ulong sqnMs)
    {
        sqnMs = 0;
        if (rand.Length != ImsAka.RandLength || auts.Length != ImsAka.AutsLength)
        {
            return false;
        }
        lock (_lock)
        {
            Span<byte> sqnBytes = stackalloc byte[ImsAka.SqnLength];
            _milenage.F5Star(rand, sqnBytes);
            for (int i = 0; i < ImsAka.SqnLength; i++)
            {
                sqnBytes[i] ^= auts[i];
            }
            Span<byte> macS = stackalloc byte[Milenage.MacLength];
            _milenage.F1(rand, sqnBytes, s_resyncAmf, default, macS);
            if (!CryptographicOperations.FixedTimeEquals(macS, auts[ImsAka.SqnLength..]))
            {
                return false;
            }
            sqnMs = ImsAka.ReadSqn(sqnBytes);
            _seq = sqnMs >> IndexBits;
            _ind = sqnMs & ((1UL << IndexBits) - 1);
            return true;
        }
    }

    /// <summary>Wipes the keys.</summary>
    public void Dispose() => _milenage.Dispose();
}
