using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xunit;

namespace RcsCore.Transport.Tests;

/// <summary>Loopback helpers: every wait is bounded.</summary>
internal static class TestNet
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly Lazy<string?> s_ipv6Missing = new(() =>
    {
        if (!Socket.OSSupportsIPv6)
        {
            return "the OS reports no IPv6 support";
        }
        try
        {
            using var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return null;
        }
        catch (SocketException ex)
        {
            return "cannot bind [::1]: " + ex.Message;
        }
    });

    public static IPAddress Loopback(AddressFamily family)
    {
        if (family == AddressFamily.InterNetworkV6)
        {
            if (s_ipv6Missing.Value is { } why)
            {
                Assert.Skip("IPv6 loopback unavailable: " + why);
            }
            return IPAddress.IPv6Loopback;
        }
        return IPAddress.Loopback;
    }

    public static CancellationToken Bounded(TimeSpan? timeout = null)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? Timeout);
        return cts.Token;
    }

    /// <summary>A self-signed server certificate, round-tripped through PFX so SslStream can use the key on Linux.</summary>
    public static X509Certificate2 SelfSigned(string name = "localhost")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    /// <summary>Reads from a socket until <paramref name="predicate"/> holds for the text so far, or the time runs out.</summary>
    public static async Task<string> ReadUntilAsync(Socket socket, Func<string, bool> predicate, TimeSpan? timeout = null)
    {
        var ct = Bounded(timeout);
        var sb = new StringBuilder();
        var buf = new byte[8192];
        while (!predicate(sb.ToString()))
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buf, SocketFlags.None, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (n == 0)
            {
                break;
            }
            sb.Append(Encoding.UTF8.GetString(buf, 0, n));
        }
        return sb.ToString();
    }

    /// <summary>True when the peer closed (or reset) the socket within the time.</summary>
    public static async Task<bool> WaitClosedAsync(Socket socket, TimeSpan timeout)
    {
        var ct = Bounded(timeout);
        var buf = new byte[4096];
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buf, SocketFlags.None, ct);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint ep)
    {
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(ep, Bounded());
        return s;
    }
}
