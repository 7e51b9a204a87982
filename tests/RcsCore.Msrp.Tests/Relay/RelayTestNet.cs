using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using RcsCore.Msrp.Relay;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;
using Xunit;

namespace RcsCore.Msrp.Tests.Relay;

/// <summary>Relay test helpers: a relay with three users, pairs of sessions through it, and a raw AUTH client.</summary>
internal static partial class RelayTestNet
{
    public static readonly Dictionary<string, string> Passwords = new()
    {
        ["alice"] = "alice-secret",
        ["bob"] = "bob-secret",
        ["carol"] = "carol-secret",
    };

    public static MsrpRelay Start(X509Certificate2? certificate = null, TimeProvider? time = null, string algorithm = "MD5", SocketConnectionOptions? socket = null,
        TimeSpan? transactionTimeout = null) =>
        MsrpRelay.Start(new MsrpPasswordAuthenticator(Passwords), new MsrpRelayOptions
        {
            Tls = certificate is null ? null : new TlsServerOptions(certificate),
            TimeProvider = time ?? TimeProvider.System,
            DigestAlgorithm = algorithm,
            Socket = socket,
            MinExpires = TimeSpan.FromSeconds(60),
            MaxExpires = TimeSpan.FromSeconds(7200),
            DefaultExpires = TimeSpan.FromSeconds(600),
            TransactionTimeout = transactionTimeout ?? TimeSpan.FromSeconds(30),
        });

    public static Task<MsrpRelayBinding> AuthAsync(MsrpEndpoint endpoint, MsrpRelay relay, string user, string? password = null, TimeSpan? expires = null, string? fingerprint = null) =>
        endpoint.AuthenticateAsync(relay.Uri, new MsrpPasswordCredentials(user, password ?? Passwords[user]), expires, fingerprint, TestNet.Bounded()).AsTask();

    /// <summary>Offer/answer through relays: b answers passive, a binds with its empty SEND (RFC 4975 §5.4, RFC 4976 §5.2).</summary>
    public static async Task<(MsrpSession A, MsrpSession B)> PairAsync(MsrpEndpoint ea, MsrpRelayBinding ra, MsrpEndpoint eb, MsrpRelayBinding rb, MsrpSessionOptions? bo = null)
    {
        var a = ea.CreateSession(relay: ra);
        var b = eb.CreateSession(bo, relay: rb);
        var ct = TestNet.Bounded();
        await b.StartAsync(a.LocalDescription, active: false, ct);
        await a.StartAsync(b.LocalDescription, active: true, ct);
        await b.WhenBound.WaitAsync(ct);
        return (a, b);
    }

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    /// <summary>The 401 challenge's parameters.</summary>
    public static Dictionary<string, string> Challenge(string response)
    {
        var header = RawMsrpPeer.Header(response, "WWW-Authenticate");
        Assert.NotNull(header);
        Assert.StartsWith("Digest ", header, StringComparison.Ordinal);
        return DigestParams().Matches(header).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value);
    }

    /// <summary>An AUTH request (RFC 4976 §5.1), with an Authorization computed here from RFC 2617 §3.2.2.1 when a challenge is given.</summary>
    public static string AuthRequest(string tid, string relayUri, string clientUri, Dictionary<string, string>? challenge = null, string user = "alice", string? password = null,
        int nc = 1, long? expires = null)
    {
        var sb = new StringBuilder($"MSRP {tid} AUTH\r\nTo-Path: {relayUri}\r\nFrom-Path: {clientUri}\r\n");
        if (challenge is not null)
        {
            string ha1 = Md5($"{user}:{challenge["realm"]}:{password ?? Passwords.GetValueOrDefault(user, "x")}");
            string ha2 = Md5($"AUTH:{relayUri}");
            string ncs = nc.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            string response = Md5($"{ha1}:{challenge["nonce"]}:{ncs}:c0ffee:auth:{ha2}");
            sb.Append($"Authorization: Digest username=\"{user}\", realm=\"{challenge["realm"]}\", nonce=\"{challenge["nonce"]}\", uri=\"{relayUri}\", response=\"{response}\", qop=auth, nc={ncs}, cnonce=\"c0ffee\"\r\n");
        }
        if (expires is long e)
        {
            sb.Append($"Expires: {e}\r\n");
        }
        sb.Append($"-------{tid}$\r\n");
        return sb.ToString();
    }

    /// <summary>AUTH from a raw socket: 401, then the digest, then 200; returns the Use-Path.</summary>
    public static async Task<string> RawAuthAsync(RawMsrpPeer peer, MsrpRelay relay, string clientUri, string user, long? expires = null)
    {
        string relayUri = relay.Uri.ToString();
        await peer.SendAsync(AuthRequest("a1" + user, relayUri, clientUri));
        var challenge = (await peer.ReadMessageAsync())!;
        Assert.StartsWith($"MSRP a1{user} 401 ", challenge);
        await peer.SendAsync(AuthRequest("a2" + user, relayUri, clientUri, Challenge(challenge), user, expires: expires));
        var ok = (await peer.ReadMessageAsync())!;
        Assert.StartsWith($"MSRP a2{user} 200 ", ok);
        return RawMsrpPeer.Header(ok, "Use-Path")!;
    }

    [GeneratedRegex("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))")]
    private static partial Regex DigestParams();
}
