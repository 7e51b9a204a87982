using System.Security.Cryptography;

namespace RcsCore.Ims.Authentication;

/// <summary>
/// The MILENAGE algorithm set of 3GPP TS 35.206 §4 with AES-128 as the kernel E_K: f1 (MAC-A), f1* (MAC-S), f2 (RES),
/// f3 (CK), f4 (IK), f5 (AK) and f5* (AK for resynchronisation), with the default constants r1..r5, c1..c5 of
/// TS 35.206 §4.1. Holds K and OPc; not thread-safe; dispose to wipe them.
/// </summary>
public sealed class Milenage : IDisposable
{
    /// <summary>Length of K, OP and OPc in bytes.</summary>
    public const int KeyLength = 16;
    /// <summary>Length of RAND in bytes.</summary>
    public const int RandLength = 16;
    /// <summary>Length of SQN in bytes.</summary>
    public const int SqnLength = 6;
    /// <summary>Length of AMF in bytes.</summary>
    public const int AmfLength = 2;
    /// <summary>Length of MAC-A and MAC-S in bytes.</summary>
    public const int MacLength = 8;
    /// <summary>Length of RES in bytes (f2 output, TS 35.206 §4.1).</summary>
    public const int ResLength = 8;
    /// <summary>Length of CK and IK in bytes.</summary>
    public const int CipherKeyLength = 16;
    /// <summary>Length of AK in bytes.</summary>
    public const int AkLength = 6;

    private const int Block = 16;
    private readonly Aes _aes;
    private readonly byte[] _opc;

    /// <summary>Creates an instance for subscriber key <paramref name="k"/> and operator variant <paramref name="opc"/> (OPc).</summary>
    public Milenage(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc)
    {
        RequireLength(k, KeyLength, nameof(k));
        RequireLength(opc, KeyLength, nameof(opc));
        _aes = Aes.Create();
        _aes.Key = k.ToArray();
        _opc = opc.ToArray();
    }

    /// <summary>
    /// OPc = OP ⊕ E[OP]_K (3GPP TS 35.206 §4.1): the per-subscriber value derived from the operator variant OP.
    /// </summary>
    public static byte[] ComputeOpc(ReadOnlySpan<byte> k, ReadOnlySpan<byte> op)
    {
        RequireLength(k, KeyLength, nameof(k));
        RequireLength(op, KeyLength, nameof(op));
        using var aes = Aes.Create();
        aes.Key = k.ToArray();
        var opc = new byte[Block];
        aes.EncryptEcb(op, opc, PaddingMode.None);
        Xor(opc, op);
        return opc;
    }

    /// <summary>f1 and f1* (3GPP TS 35.206 §4.1): MAC-A = OUT1[0..63], MAC-S = OUT1[64..127].</summary>
    public void F1(ReadOnlySpan<byte> rand, ReadOnlySpan<byte> sqn, ReadOnlySpan<byte> amf, Span<byte> macA, Span<byte> macS)
    {
        RequireLength(sqn, SqnLength, nameof(sqn));
        RequireLength(amf, AmfLength, nameof(amf));
        Span<byte> temp = stackalloc byte[Block];
        Temp(rand, temp);
        // IN1 = SQN || AMF || SQN || AMF
        Span<byte> in1 = stackalloc byte[Block];
        sqn.CopyTo(in1);
        amf.CopyTo(in1[6..]);
        sqn.CopyTo(in1[8..]);
        amf.CopyTo(in1[14..]);
        Xor(in1, _opc);
        // OUT1 = E_K(TEMP ⊕ rot(IN1 ⊕ OPc, r1) ⊕ c1) ⊕ OPc, r1 = 64, c1 = 0
        Span<byte> x = stackalloc byte[Block];
        Rotate(in1, 8, x);
        Xor(x, temp);
        Span<byte> out1 = stackalloc byte[Block];
        _aes.EncryptEcb(x, out1, PaddingMode.None);
        Xor(out1, _opc);
        if (!macA.IsEmpty)
        {
            out1[..MacLength].CopyTo(macA);
        }
        if (!macS.IsEmpty)
        {
            out1[MacLength..].CopyTo(macS);
        }
        CryptographicOperations.ZeroMemory(temp);
    }

    /// <summary>
    /// f2, f3, f4, f5 (3GPP TS 35.206 §4.1): RES = OUT2[64..127], AK = OUT2[0..47], CK = OUT3, IK = OUT4.
    /// Pass an empty span for an output that is not needed.
    /// </summary>
    public void F2345(ReadOnlySpan<byte> rand, Span<byte> res, Span<byte> ck, Span<byte> ik, Span<byte> ak)
    {
        Span<byte> temp = stackalloc byte[Block];
        Temp(rand, temp);
        Span<byte> output = stackalloc byte[Block];
        // OUT2 = E_K(rot(TEMP ⊕ OPc, r2) ⊕ c2) ⊕ OPc, r2 = 0, c2 = 0…01
        Out(temp, 0, 1, output);
        if (!res.IsEmpty)
        {
            output[8..].CopyTo(res);
        }
        if (!ak.IsEmpty)
        {
            output[..AkLength].CopyTo(ak);
        }
        if (!ck.IsEmpty)
        {
            // OUT3: r3 = 32, c3 = 0…02
            Out(temp, 4, 2, output);
            output.CopyTo(ck);
        }
        if (!ik.IsEmpty)
        {
            // OUT4: r4 = 64, c4 = 0…04
            Out(temp, 8, 4, output);
            output.CopyTo(ik);
        }
        CryptographicOperations.ZeroMemory(temp);
        CryptographicOperations.ZeroMemory(output);
    }

    /// <summary>f5* (3GPP TS 35.206 §4.1): the anonymity key for resynchronisation, AK = OUT5[0..47].</summary>
    public void F5Star(ReadOnlySpan<byte> rand, Span<byte> akStar)
    {
        Span<byte> temp = stackalloc byte[Block];
        Temp(rand, temp);
        Span<byte> output = stackalloc byte[Block];
        // OUT5: r5 = 96, c5 = 0…08
        Out(temp, 12, 8, output);
        output[..AkLength].CopyTo(akStar);
        CryptographicOperations.ZeroMemory(temp);
        CryptographicOperations.ZeroMemory(output);
    }

    /// <summary>Wipes OPc and disposes the AES key schedule.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_opc);
        _aes.Dispose();
    }

    // TEMP = E_K(RAND ⊕ OPc) (3GPP TS 35.206 §4.1)
    private void Temp(ReadOnlySpan<byte> rand, Span<byte> temp)
    {
        RequireLength(rand, RandLength, nameof(rand));
        Span<byte> x = stackalloc byte[Block];
        rand.CopyTo(x);
        Xor(x, _opc);
        _aes.EncryptEcb(x, temp, PaddingMode.None);
    }

    // OUTn = E_K(rot(TEMP ⊕ OPc, r) ⊕ c) ⊕ OPc, with r a whole number of bytes and c a single low-order byte.
    private void Out(ReadOnlySpan<byte> temp, int rotateBytes, byte c, Span<byte> output)
    {
        Span<byte> y = stackalloc byte[Block];
        temp.CopyTo(y);
        Xor(y, _opc);
        Span<byte> x = stackalloc byte[Block];
        Rotate(y, rotateBytes, x);
        x[Block - 1] ^= c;
        _aes.EncryptEcb(x, output, PaddingMode.None);
        Xor(output, _opc);
    }

    // rot(x, r): cyclic rotation of the 128-bit x by r bits towards the most significant bit (3GPP TS 35.206 §4.1).
    private static void Rotate(ReadOnlySpan<byte> x, int bytes, Span<byte> result)
    {
        for (int i = 0; i < Block; i++)
        {
            result[i] = x[(i + bytes) % Block];
        }
    }

    private static void Xor(Span<byte> target, ReadOnlySpan<byte> other)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] ^= other[i];
        }
    }

    internal static void RequireLength(ReadOnlySpan<byte> value, int length, string name)
    {
        if (value.Length != length)
        {
            ThrowLength(name, length);
        }
    }

    [System.Diagnostics.StackTraceHidden]
    private static void ThrowLength(string name, int length) => throw new ArgumentException($"must be {length} bytes", name);
}
