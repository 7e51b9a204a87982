using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RcsCore.Msrp;

/// <summary>Certificate fingerprints as written in SDP <c>a=fingerprint</c> (RFC 8122 §5, RFC 4975 §14.4).</summary>
public static class MsrpFingerprint
{
    /// <summary>The <c>sha-256 AB:CD:...</c> fingerprint of a certificate.</summary>
    public static string Compute(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return "sha-256 " + Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())).Chunk(2).Aggregate(string.Empty, static (s, pair) => s.Length == 0 ? new string(pair) : s + ":" + new string(pair));
    }

    /// <summary>
    /// True when <paramref name="certificate"/> has the fingerprint <paramref name="fingerprint"/>
    /// (<c>hash-func SP hex:hex:...</c>; sha-1, sha-256, sha-384 and sha-512; case-insensitive, RFC 8122 §5).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "RFC 8122 §5 lists sha-1 fingerprints; peers still send them.")]
    public static bool Matches(X509Certificate certificate, string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var text = fingerprint.Trim();
        int sp = text.IndexOf(' ');
        if (sp <= 0)
        {
            return false;
        }
        var raw = certificate.GetRawCertData();
        byte[]? hash = text[..sp].ToLowerInvariant() switch
        {
            "sha-1" => SHA1.HashData(raw),
            "sha-256" => SHA256.HashData(raw),
            "sha-384" => SHA384.HashData(raw),
            "sha-512" => SHA512.HashData(raw),
            _ => null,
        };
        if (hash is null)
        {
            return false;
        }
        var hex = text[(sp + 1)..].Trim().Replace(":", string.Empty, StringComparison.Ordinal);
        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(hex), hash);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
