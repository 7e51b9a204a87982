using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RcsCore.Hosting;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Hosting.Tests;

/// <summary>A sender that drops chosen messages before they reach the real transport (simulated loss).</summary>
internal sealed class LossySender(ISipMessageSender inner) : ISipMessageSender
{
    private int _sent;

    /// <summary>Returns true for messages to drop (called with the message and its ordinal).</summary>
    public Func<SipMessage, int, bool>? Drop { get; set; }

    public int Dropped { get; private set; }

    public ValueTask SendAsync(SipMessage message, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
    {
        int n = Interlocked.Increment(ref _sent);
        if (Drop?.Invoke(message, n) == true)
        {
            Dropped++;
            return ValueTask.CompletedTask;
        }
        return inner.SendAsync(message, destination, connectionId, ct);
    }
}

/// <summary>A user agent on real sockets (UDP, TCP or TLS on 127.0.0.1) for end-to-end tests.</summary>
internal sealed class LoopbackUserAgent : IAsyncDisposable
{
    public static readonly SipTimerOptions FastTimers = new() { T1 = TimeSpan.FromMilliseconds(50), T2 = TimeSpan.FromMilliseconds(400), TimerD = TimeSpan.FromMilliseconds(500) };
    private static readonly Lazy<X509Certificate2> s_certificate = new(() => SelfSignedCertificate.Create());

    // RCS_TEST_LOG=1 prints the stack's logs (run the test executable directly to see them).
    internal static readonly Microsoft.Extensions.Logging.ILoggerFactory? s_logs = Environment.GetEnvironmentVariable("RCS_TEST_LOG") == "1"
        ? Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace))
        : null;

    private LoopbackUserAgent(string user, SipTransportProtocol protocol, TimeProvider? time)
    {
        Protocol = protocol;
        Transport = new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
            TlsCertificate = protocol == SipTransportProtocol.Tls ? s_certificate.Value : null,
            TlsTargetHost = "localhost",
            // Test peers trust the throw-away certificate (pinned by thumbprint).
            // The listener sees no client certificate (not required); clients pin the server certificate.
            TlsRemoteCertificateValidation = (_, cert, _, _) => cert is null || cert.GetCertHashString() == s_certificate.Value.GetCertHashString(),
        }, null, s_logs);
        Sender = new LossySender(Transport);
        Ua = new SipUserAgent(Sender, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse($"sip:{user}@127.0.0.1")),
            SentBy = dest => new SipHostPort("127.0.0.1", Transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
            ContactUri = null,
        }, FastTimers, time, s_logs);
        Transport.Handler = Ua.Transactions;
    }

    public SipTransportProtocol Protocol { get; }
    public SipTransportLayer Transport { get; }
    public LossySender Sender { get; }
    public SipUserAgent Ua { get; }
    public SipEndPoint Local => Transport.GetLocalEndPoint(Protocol)!.Value;

    public SipUri Uri(string user) => SipUri.Parse($"{(Protocol == SipTransportProtocol.Tls ? "sips" : "sip")}:{user}@127.0.0.1:{Local.Address.Port}{(Protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : "")}");

    public static async Task<LoopbackUserAgent> StartAsync(string user, SipTransportProtocol protocol, TimeProvider? time = null)
    {
        var ua = new LoopbackUserAgent(user, protocol, time);
        await ua.Transport.StartAsync();
        return ua;
    }

    public async ValueTask DisposeAsync()
    {
        Ua.Dispose();
        await Transport.DisposeAsync();
    }
}
