using System.Net;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs.Tests.Capabilities;

/// <summary>A user agent on a real UDP socket on 127.0.0.1 (fast timers), for capability exchanges between terminals.</summary>
internal sealed class LoopbackTerminal : IAsyncDisposable
{
    public static readonly SipTimerOptions FastTimers = new() { T1 = TimeSpan.FromMilliseconds(50), T2 = TimeSpan.FromMilliseconds(400), TimerD = TimeSpan.FromMilliseconds(500) };

    private LoopbackTerminal(string user, SipTransportProtocol protocol)
    {
        Transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))] });
        Ua = new SipUserAgent(Transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse($"sip:{user}@example.test")),
            SentBy = dest => new SipHostPort("127.0.0.1", Transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
        }, FastTimers);
        Transport.Handler = Ua.Transactions;
        Protocol = protocol;
    }

    public SipTransportProtocol Protocol { get; }
    public SipTransportLayer Transport { get; }
    public SipUserAgent Ua { get; }
    public SipEndPoint Local => Transport.GetLocalEndPoint(Protocol)!.Value;

    public static async Task<LoopbackTerminal> StartAsync(string user, SipTransportProtocol protocol = SipTransportProtocol.Udp)
    {
        var t = new LoopbackTerminal(user, protocol);
        await t.Transport.StartAsync();
        return t;
    }

    public async ValueTask DisposeAsync()
    {
        Ua.Dispose();
        await Transport.DisposeAsync();
    }
}
