using System.Globalization;
using System.Net;
using System.Threading.Channels;
using RcsCore.Ims.Authentication;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Interop.Tests;

/// <summary>An RcsCore user agent on UDP 127.0.0.1 for interop tests: registers (optionally with Digest), sends MESSAGE, records MESSAGEs it gets.</summary>
internal sealed class InteropUserAgent : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private int _cseq;

    private InteropUserAgent(string user)
    {
        User = user;
        Transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))] });
        Ua = new SipUserAgent(Transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse($"sip:{user}@127.0.0.1")),
            SentBy = dest => new SipHostPort("127.0.0.1", Transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
        }, SipTimerOptions.Default);
        Transport.Handler = Ua.Transactions;
        Ua.Handle("MESSAGE", (req, _) =>
        {
            Inbox.Writer.TryWrite(req.Request);
            return ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build());
        });
    }

    public string User { get; }
    public SipTransportLayer Transport { get; }
    public SipUserAgent Ua { get; }
    public Channel<SipRequest> Inbox { get; } = Channel.CreateUnbounded<SipRequest>();
    public int Port => Transport.GetLocalEndPoint(SipTransportProtocol.Udp)!.Value.Address.Port;

    public static async Task<InteropUserAgent> StartAsync(string user)
    {
        var ua = new InteropUserAgent(user);
        await ua.Transport.StartAsync();
        return ua;
    }

    public static SipEndPoint Server(int port) => new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>
    /// REGISTER sip:user@domain with Contact sip:user@127.0.0.1:<paramref name="contactPort"/> (this UA's port by
    /// default, or another program's, e.g. a SIPp UAS); answers a Digest challenge when a password is given.
    /// </summary>
    public async Task<SipResponse> RegisterAsync(int serverPort, string domain, string? password = null, int? contactPort = null, string? user = null)
    {
        user ??= User;
        var server = Server(serverPort);
        string callId = $"reg-{user}-{Port}-{contactPort}";
        SipRequest Build(string? authorization)
        {
            var aor = new SipNameAddress(SipUri.Parse($"sip:{user}@{domain}"));
            var b = Ua.CreateRequest("REGISTER", SipUri.Parse($"sip:{domain}"), server, aor, callId, (uint)Interlocked.Increment(ref _cseq));
            b.SetHeader(SipHeaderName.From, $"<sip:{user}@{domain}>;tag=r{Port}");
            b.AddHeader(SipHeaderName.Contact, $"<sip:{user}@127.0.0.1:{contactPort ?? Port}>");
            b.AddHeader(SipHeaderName.Expires, "600");
            if (authorization is not null)
            {
                b.AddHeader(SipHeaderName.Authorization, authorization);
            }
            return b.Build();
        }
        var response = await Ua.SendRequestAsync(Build(null), server).WaitAsync(Wait);
        if (response.StatusCode == 401 && password is not null
            && SipDigestChallenge.TryParse(response.GetHeader(SipHeaderName.WwwAuthenticate)!, out var challenge).IsSuccess
            && new SipDigestClient().TryCreateCredentials(challenge!, $"{user}@{domain}", password, "REGISTER", $"sip:{domain}", default, out var credentials) == SipDigestError.None)
        {
            response = await Ua.SendRequestAsync(Build(credentials!.ToString()), server).WaitAsync(Wait);
        }
        return response;
    }

    /// <summary>MESSAGE sip:to@domain with From sip:user@domain.</summary>
    public async Task<SipResponse> SendMessageAsync(int serverPort, string domain, string to, byte[] body, string contentType)
    {
        var server = Server(serverPort);
        var b = Ua.CreateRequest("MESSAGE", SipUri.Parse($"sip:{to}@{domain}"), server, new SipNameAddress(SipUri.Parse($"sip:{to}@{domain}")));
        b.SetHeader(SipHeaderName.From, $"<sip:{User}@{domain}>;tag={SipIds.NewTag()}");
        b.SetBody(body, contentType);
        return await Ua.SendRequestAsync(b.Build(), server).WaitAsync(Wait);
    }

    public async Task<SipRequest> NextAsync() => await Inbox.Reader.ReadAsync().AsTask().WaitAsync(Wait);

    public async ValueTask DisposeAsync()
    {
        Ua.Dispose();
        await Transport.DisposeAsync();
    }

    public static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
}
