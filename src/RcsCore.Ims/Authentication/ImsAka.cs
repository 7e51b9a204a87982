using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace RcsCore.Ims.Authentication;

/// <summary>Constants and helpers of IMS AKA: the AUTN/AUTS layouts (3GPP TS 33.102 §6.3) and the Digest password (RFC 3310, RFC 4169).</summary>
public static class ImsAka
{
    /// <summary>Length of RAND.</summary>
    public const int RandLength = 16;
    /// <summary>Length of AUTN = SQN ⊕ AK || AMF || MAC-A (3GPP TS 33.102 §6.3.2).</summary>
    public const int AutnLength = 16;
    /// <summary>Length of AUTS = SQN_MS ⊕ AK* || MAC-S (3GPP TS 33.102 §6.3.3).</summary>
    public const int AutsLength = 14;
    /// <summary>Length of SQN.</summary>
    public const int SqnLength = 6;
    /// <summary>The largest SQN (48 bits).</summary>
    public const ulong MaxSqn = (1UL << 48) - 1;

    /// <summary>
    /// The Digest password for an AKA algorithm: RES itself for AKAv1-MD5 (RFC 3310 §3.3); for AKAv2-MD5 the ASCII of
    /// base64(PRF(RES || IK || CK, "http-digest-akav2-password")) with PRF = HMAC-MD5 (RFC 4169 §3).
    /// </summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "RFC 4169 §3 defines the AKAv2-MD5 PRF as HMAC-MD5.")]
    public static byte[] DigestPassword(SipDigestAlgorithm algorithm, ReadOnlySpan<byte> res, ReadOnlySpan<byte> ik, ReadOnlySpan<byte> ck)
    {
        switch (algorithm)
        {
            case SipDigestAlgorithm.AkaV1Md5:
                return res.ToArray();
            case SipDigestAlgorithm.AkaV2Md5:
                Span<byte> key = stackalloc byte[res.Length + ik.Length + ck.Length];
                res.CopyTo(key);
                ik.CopyTo(key[res.Length..]);
                ck.CopyTo(key[(res.Length + ik.Length)..]);
                Span<byte> prf = stackalloc byte[16];
                HMACMD5.HashData(key, "http-digest-akav2-password"u8, prf);
                CryptographicOperations.ZeroMemory(key);
                return Encoding.ASCII.GetBytes(Convert.ToBase64String(prf));
            default:
                throw new ArgumentException("not an AKA algorithm", nameof(algorithm));
        }
    }

    /// <summary>Reads a 48-bit SQN (big-endian, 3GPP TS 33.102 §6.3.2).</summary>
    public static ulong ReadSqn(ReadOnlySpan<byte> sqn)
    {
        Milenage.RequireLength(sqn, SqnLength, nameof(sqn));
        return ((ulong)BinaryPrimitives.ReadUInt16BigEndian(sqn) << 32) | BinaryPrimitives.ReadUInt32BigEndian(sqn[2..]);
    }

    /// <summary>Writes a 48-bit SQN (big-endian).</summary>
    public static void WriteSqn(ulong sqn, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sqn, MaxSqn);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(sqn >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)sqn);
    }
}

/// <summary>The AKA nonce: base64 of RAND || AUTN [|| server data] (RFC 3310 §3.2).</summary>
public readonly struct ImsAkaNonce
{
    private ImsAkaNonce(ReadOnlyMemory<byte> rand, ReadOnlyMemory<byte> autn, ReadOnlyMemory<byte> serverData)
    {
        Rand = rand;
        Autn = autn;
        ServerData = serverData;
    }

    /// <summary>The 16-byte RAND.</summary>
    public ReadOnlyMemory<byte> Rand { get; }

    /// <summary>The 16-byte AUTN.</summary>
    public ReadOnlyMemory<byte> Autn { get; }

    /// <summary>Server-specific data after AUTN; often empty.</summary>
    public ReadOnlyMemory<byte> ServerData { get; }

    /// <summary>Encodes a nonce (RFC 3310 §3.2: nonce = base64(RAND || AUTN || server specific data)).</summary>
    public static string Encode(ReadOnlySpan<byte> rand, ReadOnlySpan<byte> autn, ReadOnlySpan<byte> serverData = default)
    {
        Milenage.RequireLength(rand, ImsAka.RandLength, nameof(rand));
        Milenage.RequireLength(autn, ImsAka.AutnLength, nameof(autn));
        var bytes = new byte[rand.Length + autn.Length + serverData.Length];
        rand.CopyTo(bytes);
        autn.CopyTo(bytes.AsSpan(rand.Length));
        serverData.CopyTo(bytes.AsSpan(rand.Length + autn.Length));
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Decodes a nonce; false when it is not base64 or shorter than RAND || AUTN.</summary>
    public static bool TryDecode(string nonce, out ImsAkaNonce result)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        result = default;
        var bytes = new byte[(nonce.Length / 4 + 1) * 3];
        if (!Convert.TryFromBase64String(nonce, bytes, out int n) || n < ImsAka.RandLength + ImsAka.AutnLength)
        {
            return false;
        }
        var memory = bytes.AsMemory(0, n);
        result = new ImsAkaNonce(memory[..ImsAka.RandLength], memory.Slice(ImsAka.RandLength, ImsAka.AutnLength), memory[(ImsAka.RandLength + ImsAka.AutnLength)..]);
        return true;
    }
}

/// <summary>What the client made of an AKA challenge (3GPP TS 33.102 §6.3.3).</summary>
public enum ImsAkaOutcome : byte
{
    /// <summary>The network is authentic and SQN fresh: RES, CK and IK are valid.</summary>
    Success = 0,
    /// <summary>The network is authentic but SQN is out of range: answer with AUTS (RFC 3310 §3.4).</summary>
    SynchronisationFailure = 1,
    /// <summary>The MAC is wrong: the network failed to authenticate; do not answer with credentials (3GPP TS 24.229 §5.1.1.5.3).</summary>
    MacFailure = 2,
}

/// <summary>The result of running AKA on the client side.</summary>
public sealed class ImsAkaResult
{
    internal ImsAkaResult(ImsAkaOutcome outcome, ulong sqn, byte[]? res = null, byte[]? ck = null, byte[]? ik = null, byte[]? auts = null)
    {
        Outcome = outcome;
        Sqn = sqn;
        Res = res;
        Ck = ck;
        Ik = ik;
        Auts = auts;
    }

    /// <summary>The outcome.</summary>
    public ImsAkaOutcome Outcome { get; }

    /// <summary>The SQN recovered from AUTN (meaningless after a MAC failure).</summary>
    public ulong Sqn { get; }

    /// <summary>RES on success.</summary>
    public ReadOnlyMemory<byte> Res { get; }

    /// <summary>CK on success (for sec-agree, 3GPP TS 33.203 §7).</summary>
    public ReadOnlyMemory<byte> Ck { get; }

    /// <summary>IK on success.</summary>
    public ReadOnlyMemory<byte> Ik { get; }

    /// <summary>AUTS on a synchronisation failure.</summary>
    public ReadOnlyMemory<byte> Auts { get; }
}

/// <summary>
/// The USIM's check that a SQN is fresh, following the example scheme of 3GPP TS 33.102 Annex C.2: SQN = SEQ || IND with
/// <see cref="IndexBits"/> bits of IND; the USIM keeps the highest SEQ accepted for each IND and accepts a SQN when its
/// SEQ is higher than the one stored for its IND (C.2.2), not more than <see cref="MaxDelta"/> ahead of the highest SEQ
/// accepted (C.2.2, Δ), and, when <see cref="MaxAge"/> is set, not more than L behind it (C.2.2, L). With IndexBits 0 this
/// is a plain monotonic counter. Thread-safe.
/// </summary>
public sealed class ImsAkaSequenceWindow
{
    private readonly Lock _lock = new();
    private readonly ulong[] _seq;
    private ulong _highestSeq;
    private ulong _highestSqn;

    /// <summary>Creates a window.</summary>
    /// <param name="highestAccepted">
    /// The highest SQN accepted so far (SQN_MS); 0 for a new USIM. Every IND slot starts at its SEQ: restored from this
    /// one number, the window cannot tell which older vectors are still unused, so it accepts none of them.
    /// </param>
    /// <param name="indexBits">Bits of IND, 0–10 (3GPP TS 33.102 Annex C.1.2 recommends 5).</param>
    /// <param name="maxDelta">Δ: how far SEQ may jump ahead of the highest accepted; 0 disables the check (Annex C.2.2 suggests 2^28).</param>
    /// <param name="maxAge">L: how far SEQ may lag behind the highest accepted; 0 disables the check.</param>
    public ImsAkaSequenceWindow(ulong highestAccepted = 0, int indexBits = 5, ulong maxDelta = 1UL << 28, ulong maxAge = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(highestAccepted, ImsAka.MaxSqn);
        ArgumentOutOfRangeException.ThrowIfNegative(indexBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(indexBits, 10);
        IndexBits = indexBits;
        MaxDelta = maxDelta;
        MaxAge = maxAge;
        _seq = new ulong[1 << indexBits];
        Array.Fill(_seq, highestAccepted >> indexBits);
        Record(highestAccepted);
    }

    /// <summary>Bits of IND in a SQN.</summary>
    public int IndexBits { get; }

    /// <summary>Δ, or 0 when unchecked.</summary>
    public ulong MaxDelta { get; }

    /// <summary>L, or 0 when unchecked.</summary>
    public ulong MaxAge { get; }

    /// <summary>SQN_MS: the highest SQN accepted, sent in AUTS on a synchronisation failure (3GPP TS 33.102 §6.3.3).</summary>
    public ulong HighestAccepted
    {
        get
        {
            lock (_lock)
            {
                return _highestSqn;
            }
        }
    }

    /// <summary>Checks <paramref name="sqn"/> and, when fresh, records it as used. False means a synchronisation failure.</summary>
    public bool TryAccept(ulong sqn)
    {
        lock (_lock)
        {
            ulong seq = sqn >> IndexBits;
            ulong ind = sqn & ((1UL << IndexBits) - 1);
            // 3GPP TS 33.102 Annex C.2.2: SEQ > SEQ_MS(i) — each IND slot accepts a SEQ once.
            if (seq <= _seq[ind])
            {
                return false;
            }
            // Annex C.2.2: SEQ − SEQ_MS ≤ Δ, guarding against wrap-around by a far-future SQN.
            if (MaxDelta != 0 && seq > _highestSeq && seq - _highestSeq > MaxDelta)
            {
                return false;
            }
            // Annex C.2.2: optionally SEQ_MS − SEQ < L, limiting how old an unused vector may be.
            if (MaxAge != 0 && seq < _highestSeq && _highestSeq - seq >= MaxAge)
            {
                return false;
            }
            Record(sqn);
            return true;
        }
    }

    private void Record(ulong sqn)
    {
        ulong seq = sqn >> IndexBits;
        ulong ind = sqn & ((1UL << IndexBits) - 1);
        _seq[ind] = seq;
        if (seq >= _highestSeq)
        {
            _highestSeq = seq;
            _highestSqn = sqn;
        }
    }
}
