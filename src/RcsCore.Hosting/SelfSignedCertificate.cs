using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RcsCore.Hosting;

/// <summary>Creates a throw-away self-signed TLS certificate (for loopback tests and a first start without one).</summary>
public static class SelfSignedCertificate
{
    /// <summary>An RSA-2048 certificate for <paramref name="subjectName"/> valid for a year, with its private key usable by SslStream.</summary>
    public static X509Certificate2 Create(string subjectName = "localhost")
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subjectName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(subjectName);
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        // Round-trip through PFX so the key is persisted in a form SslStream can use on Linux.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }
}
