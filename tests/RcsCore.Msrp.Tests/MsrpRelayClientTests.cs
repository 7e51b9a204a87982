using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>The relay client (RFC 4976 §5, §7) against a scripted relay on a raw socket.</summary>
public sealed partial class MsrpRelayClientTests
{
    private const string Password = "secret";

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));

    /// <summary>Answers one AUTH exchange like Kamailio: 401 with a challenge, then 200 with Use-Path when the digest is right.</summary>
    private static async Task<string> AnswerAuthAsync(RawMsrpPeer relay, string relayUri, string usePath, int expires)
    {
        var first = (await relay.ReadMessageAsync())!;
        Assert.Contains(" AUTH\r\n", first, StringComparison.Ordinal);
        Assert.Equal(relayUri, RawMsrpPeer.Header(first, "To-Path"));
        Assert.Null(RawMsrpPeer.Header(first, "Authorization"));
        await relay.SendAsync(RawMsrpPeer.Ok(first, 401, "Unauthorized").Replace("-------", "WWW-Authenticate: Digest realm=\"rcs.example\", nonce=\"n0nce\", qop=\"auth\"\r\n-------", StringComparison.Ordinal));
        var second = (await relay.ReadMessageAsync())!;
        var auth = RawMsrpPeer.Header(second, "Authorization")!;
        var p = DigestParams().Matches(auth).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value);
        Assert.Equal("alice", p["username"]);
        Assert.Equal(relayUri, p["uri"]);
        Assert.Equal("auth", p["qop"]);
        // RFC 2617 §3.2.2.1 with method AUTH (RFC 4976 §5.1), computed independently here.
        string ha1 = Md5($"alice:rcs.example:{Password}");
        string ha2 = Md5($"AUTH:{relayUri}");
        string expected = Md5($"{ha1}:n0nce:{p["nc"]}:{p["cnonce"]}:auth:{ha2}");
        Assert.Equal(expected, p["response"]);
        string tid = RawMsrpPeer.Tid(second);
        string from = RawMsrpPeer.Header(second, "From-Path")!;
        await relay.SendAsync($"MSRP {tid} 200 OK\r\nTo-Path: {from}\r\nFrom-Path: {relayUri}\r\nUse-Path: {usePath}\r\nExpires: {expires}\r\n-------{tid}$\r\n");
        return from;
    }

    [Fact]
    public async Task Auth_answers_the_digest_challenge_routes_via_use_path_and_renews()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        string relayUri = $"msrp://127.0.0.1:{port};tcp";
        string usePath = $"msrp://127.0.0.1:{port}/relayed1;tcp";
        await using var endpoint = TestNet.Endpoint(time: time);

        var authTask = endpoint.AuthenticateAsync(MsrpUri.Parse(relayUri), new MsrpPasswordCredentials("alice", Password), TimeSpan.FromSeconds(600), ct: TestNet.Bounded()).AsTask();
        using var accepted = await listener.AcceptAsync(TestNet.Bounded());
        await using var relay = new RawMsrpPeer(accepted);
        await AnswerAuthAsync(relay, relayUri, usePath, 100);
        var binding = await authTask.WaitAsync(TestNet.Bounded());
        Assert.Equal(usePath, Assert.Single(binding.UsePath).ToString());
        Assert.Equal(TimeSpan.FromSeconds(100), binding.Expires);

        // RFC 4976 §7: a=path = Use-Path + own URI; To-Path = own Use-Path + the peer's a=path.
        var session = endpoint.CreateSession(relay: binding);
        Assert.Equal([usePath, session.LocalUri.ToString()], session.LocalPath.Select(u => u.ToString()));
        string peerRelay = "msrp://127.0.0.1:9/bobrelay;tcp";
        string peer = "msrp://127.0.0.1:8/bob12345;tcp";
        var start = session.StartAsync(new MsrpSessionDescription([MsrpUri.Parse(peerRelay), MsrpUri.Parse(peer)]), active: true, TestNet.Bounded()).AsTask();
        var bind = (await relay.ReadMessageAsync())!;
        Assert.Equal($"{usePath} {peerRelay} {peer}", RawMsrpPeer.Header(bind, "To-Path"));
        Assert.Equal(session.LocalUri.ToString(), RawMsrpPeer.Header(bind, "From-Path"));
        // A relay may pass on a second 200 (Kamailio relays the far end's); it is ignored.
        await relay.SendAsync(RawMsrpPeer.Ok(bind) + RawMsrpPeer.Ok(bind));
        await start.WaitAsync(TestNet.Bounded());

        // Delivery from the relay on the AUTH connection: To-Path is our URI, From-Path the reversed route.
        await relay.SendAsync($"MSRP in1 SEND\r\nTo-Path: {session.LocalUri}\r\nFrom-Path: {usePath} {peerRelay} {peer}\r\nMessage-ID: mm1\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------in1$\r\n");
        var ok = (await relay.ReadMessageAsync())!;
        Assert.StartsWith("MSRP in1 200 OK", ok);
        Assert.Equal(usePath, RawMsrpPeer.Header(ok, "To-Path"));
        var message = await session.ReceiveAsync(TestNet.Bounded());
        Assert.Equal("hello", Encoding.UTF8.GetString(await message.ReadAllBytesAsync(ct: TestNet.Bounded())));

        // Re-AUTH before expiry (80% of 100 s).
        for (int i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
        }
        await AnswerAuthAsync(relay, relayUri, usePath, 100);
        for (int i = 0; i < 200 && binding.AuthCount < 2; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(2, binding.AuthCount);
    }

    [Fact]
    public async Task Auth_rejected_throws_with_the_status()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var endpoint = TestNet.Endpoint();
        var authTask = endpoint.AuthenticateAsync(MsrpUri.Parse($"msrp://127.0.0.1:{port};tcp"), new MsrpPasswordCredentials("alice", "x"), ct: TestNet.Bounded()).AsTask();
        using var accepted = await listener.AcceptAsync(TestNet.Bounded());
        await using var relay = new RawMsrpPeer(accepted);
        var auth = (await relay.ReadMessageAsync())!;
        await relay.SendAsync(RawMsrpPeer.Ok(auth, 403, "Forbidden"));
        var error = await Assert.ThrowsAsync<MsrpException>(() => authTask);
        Assert.Equal(403, error.StatusCode);
    }

    [GeneratedRegex("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))")]
    private static partial Regex DigestParams();
}
