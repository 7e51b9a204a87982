using System.Security.Cryptography;

namespace RcsCore.Ims.Authentication;

/// <summary>
/// The client (USIM / ISIM) side of AKA in software, for test UEs and simulators: verifies AUTN, checks SQN freshness
/// and produces RES, CK and IK, or AUTS (3GPP TS 33.102 §6.3.3) with MILENAGE (3GPP TS 35.206). Dispose to wipe keys.
/// </summary>
public sealed class ImsAkaClient : IDisposable
{
    // 3GPP TS 33.102 §6.3.3: MAC-S is computed over a dummy AMF of all zeros.
    private static readonly byte[] s_resyncAmf = new byte[2];
    private readonly Milenage _milenage;
    private readonly Lock _lock = new();

    /// <summary>Creates a client for subscriber key <paramref name="k"/> and <paramref name="opc"/>, with its SQN window.</summary>
    public ImsAkaClient(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ImsAkaSequenceWindow? window = null)
    {
        _milenage = new Milenage(k, opc);
        Window = window ?? new ImsAkaSequenceWindow();
    }

    /// <summary>The SQN freshness state.</summary>
    public ImsAkaSequenceWindow Window { get; }

    /// <summary>Runs AKA on RAND and AUTN (3GPP TS 33.102 §6.3.3).</summary>
    public ImsAkaResult Authenticate(ReadOnlySpan<byte> rand, ReadOnlySpan<byte> autn)
    {
        Milenage.RequireLength(rand, ImsAka.RandLength, nameof(rand));
        Milenage.RequireLength(autn, ImsAka.AutnLength, nameof(autn));
        lock (_lock)
        {
            // AUTN = SQN ⊕ AK || AMF || MAC (3GPP TS 33.102 §6.3.2)
            Span<byte> ak = stackalloc byte[Milenage.AkLength];
            _milenage.F2345(rand, default, default, default, ak);
            Span<byte> sqnBytes = stackalloc byte[ImsAka.SqnLength];
            for (int i = 0; i < sqnBytes.Length; i++)
            {
                sqnBytes[i] = (byte)(autn[i] ^ ak[i]);
            }
            var amf = autn.Slice(6, 2);
            Span<byte> xmac = stackalloc byte[Milenage.MacLength];
            _milenage.F1(rand, sqnBytes, amf, xmac, default);
            ulong sqn = ImsAka.ReadSqn(sqnBytes);
            // §6.3.3: the USIM first checks XMAC = MAC; if not, it rejects the network (user authentication reject).
            if (!CryptographicOperations.FixedTimeEquals(xmac, autn[8..]))
            {
                return new ImsAkaResult(ImsAkaOutcome.MacFailure, sqn);
            }
            // §6.3.3: then that SQN is in the correct range; if not, a synchronisation failure with AUTS.
            if (!Window.TryAccept(sqn))
            {
                return new ImsAkaResult(ImsAkaOutcome.SynchronisationFailure, sqn, auts: Auts(rand));
            }
            var res = new byte[Milenage.ResLength];
            var ck = new byte[Milenage.CipherKeyLength];
            var ik = new byte[Milenage.CipherKeyLength];
            _milenage.F2345(rand, res, ck, ik, default);
            return new ImsAkaResult(ImsAkaOutcome.Success, sqn, res, ck, ik);
        }
    }

    // AUTS = Conc(SQN_MS) || MAC-S, Conc(SQN_MS) = SQN_MS ⊕ f5*_K(RAND), MAC-S = f1*_K(SQN_MS || RAND || AMF*) (3GPP TS 33.102 §6.3.3)
    private byte[] Auts(ReadOnlySpan<byte> rand)
    {
        Span<byte> sqnMs = stackalloc byte[ImsAka.SqnLength];
        ImsAka.WriteSqn(Window.HighestAccepted, sqnMs);
        var auts = new byte[ImsAka.AutsLength];
        _milenage.F5Star(rand, auts.AsSpan(0, Milenage.AkLength));
        for (int i = 0; i < ImsAka.SqnLength; i++)
        {
            auts[i] ^= sqnMs[i];
        }
        _milenage.F1(rand, sqnMs, s_resyncAmf, default, auts.AsSpan(ImsAka.SqnLength));
        return auts;
    }

    /// <summary>Wipes the keys.</summary>
    public void Dispose() => _milenage.Dispose();
}
