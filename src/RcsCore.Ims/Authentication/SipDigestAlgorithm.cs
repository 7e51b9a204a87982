namespace RcsCore.Ims.Authentication;

/// <summary>
/// The <c>algorithm</c> of a Digest challenge or response: the hash (RFC 7616 §3.3, RFC 8760 §2), whether it is a
/// session variant, and the AKA variants whose password is derived from AKA (RFC 3310 §3.1, RFC 4169 §3).
/// </summary>
public enum SipDigestAlgorithm : byte
{
    /// <summary>An algorithm this stack does not implement (kept by name in <see cref="SipDigestChallenge.AlgorithmName"/>).</summary>
    Unknown = 0,
    /// <summary><c>MD5</c>, also the default when the parameter is absent (RFC 7616 §3.3).</summary>
    Md5 = 1,
    /// <summary><c>MD5-sess</c>.</summary>
    Md5Sess = 2,
    /// <summary><c>SHA-256</c> (RFC 8760 §2).</summary>
    Sha256 = 3,
    /// <summary><c>SHA-256-sess</c>.</summary>
    Sha256Sess = 4,
    /// <summary><c>SHA-512-256</c>: SHA-512/256 of FIPS 180-4 §6.7, not a truncated SHA-512 (RFC 8760 §2).</summary>
    Sha512T256 = 5,
    /// <summary><c>SHA-512-256-sess</c>.</summary>
    Sha512T256Sess = 6,
    /// <summary><c>AKAv1-MD5</c>: MD5 digest with the AKA RES as the password (RFC 3310 §3.1).</summary>
    AkaV1Md5 = 7,
    /// <summary><c>AKAv2-MD5</c>: MD5 digest with a password derived from RES, IK and CK (RFC 4169 §3).</summary>
    AkaV2Md5 = 8,
}

/// <summary>The <c>qop</c> values this stack understands (RFC 7616 §3.3). A challenge may offer both.</summary>
[Flags]
public enum SipDigestQop : byte
{
    /// <summary>No qop: the RFC 2069 compatible response (RFC 7616 §3.4.1 does not define it; RFC 2617 §3.2.2.1 does).</summary>
    None = 0,
    /// <summary><c>auth</c>: authentication only.</summary>
    Auth = 1,
    /// <summary><c>auth-int</c>: authentication with integrity protection of the message body.</summary>
    AuthInt = 2,
}

/// <summary>Names and properties of <see cref="SipDigestAlgorithm"/> values.</summary>
public static class SipDigestAlgorithms
{
    /// <summary>The name as written on the wire, for example <c>SHA-512-256-sess</c>; null for <see cref="SipDigestAlgorithm.Unknown"/>.</summary>
    public static string? GetName(SipDigestAlgorithm algorithm) => algorithm switch
    {
        SipDigestAlgorithm.Md5 => "MD5",
        SipDigestAlgorithm.Md5Sess => "MD5-sess",
        SipDigestAlgorithm.Sha256 => "SHA-256",
        SipDigestAlgorithm.Sha256Sess => "SHA-256-sess",
        SipDigestAlgorithm.Sha512T256 => "SHA-512-256",
        SipDigestAlgorithm.Sha512T256Sess => "SHA-512-256-sess",
        SipDigestAlgorithm.AkaV1Md5 => "AKAv1-MD5",
        SipDigestAlgorithm.AkaV2Md5 => "AKAv2-MD5",
        _ => null,
    };

    /// <summary>Parses an algorithm name, case-insensitively (RFC 7616 §3.3: "the value is case-insensitive" for the hash names).</summary>
    public static SipDigestAlgorithm Parse(ReadOnlySpan<char> name)
    {
        for (var a = SipDigestAlgorithm.Md5; a <= SipDigestAlgorithm.AkaV2Md5; a++)
        {
            if (name.Equals(GetName(a), StringComparison.OrdinalIgnoreCase))
            {
                return a;
            }
        }
        return SipDigestAlgorithm.Unknown;
    }

    /// <summary>True for the <c>-sess</c> variants, whose HA1 also covers the nonce and cnonce (RFC 7616 §3.4.2).</summary>
    public static bool IsSession(SipDigestAlgorithm algorithm) =>
        algorithm is SipDigestAlgorithm.Md5Sess or SipDigestAlgorithm.Sha256Sess or SipDigestAlgorithm.Sha512T256Sess;

    /// <summary>True for the AKA algorithms, whose password comes from an authentication vector (RFC 3310, RFC 4169).</summary>
    public static bool IsAka(SipDigestAlgorithm algorithm) =>
        algorithm is SipDigestAlgorithm.AkaV1Md5 or SipDigestAlgorithm.AkaV2Md5;

    /// <summary>The size in bytes of the hash the algorithm uses: 16 for the MD5 family, 32 for SHA-256 and SHA-512/256; 0 when unknown.</summary>
    public static int HashSize(SipDigestAlgorithm algorithm) => algorithm switch
    {
        SipDigestAlgorithm.Md5 or SipDigestAlgorithm.Md5Sess or SipDigestAlgorithm.AkaV1Md5 or SipDigestAlgorithm.AkaV2Md5 => 16,
        SipDigestAlgorithm.Sha256 or SipDigestAlgorithm.Sha256Sess or SipDigestAlgorithm.Sha512T256 or SipDigestAlgorithm.Sha512T256Sess => 32,
        _ => 0,
    };
}
