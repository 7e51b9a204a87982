using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Msrp.Relay;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;
using Xunit;

namespace RcsCore.Msrp.Tests.Relay;

/// <summary>The relay server (RFC 4976 §6) with RcsCore endpoints and raw sockets on loopback.</summary>
public sealed class MsrpRelayTests
{
    [Theory]
    [InlineData(false, "MD5")]
    [InlineData(true, "MD5")]
    [InlineData(false, "SHA-256")]
    public async Task Two_endpoints_exchange_text_both_ways_through_the_relay(bool tls, string algorithm)
    {
        using var certificate = tls ? TestNet.SelfSigned() : null;
        await using var relay = RelayTestNet.Start(certificate, algorithm: algorithm);
        string? fingerprint = certificate is null ? null : MsrpFingerprint.Compute(certificate);
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var ra = await RelayTestNet.AuthAsync(ea, relay, "alice", fingerprint: fingerprint);
        var rb = await RelayTestNet.AuthAsync(eb, relay, "bob", fingerprint: fingerprint);
        Assert.Equal(tls ? "msrps" : "msrp", ra.UsePath[0].Scheme);
        Assert.Equal(TimeSpan.FromSeconds(600), ra.Expires);
        Assert.Equal(2, relay.SessionCount);
        Assert.NotEqual(ra.UsePath[0].SessionId, rb.UsePath[0].SessionId);

        var (a, b) = await RelayTestNet.PairAsync(ea, ra, eb, rb);
        var ct = TestNet.Bounded();
        var sent = await a.SendAsync("hello bob, via the relay"u8.ToArray(), "text/plain", ct: ct);
        Assert.Equal(MsrpSendOutcome.Sent, sent.Outcome);
        var m1 = await b.ReceiveAsync(ct);
        Assert.Equal(sent.MessageId, m1.MessageId);
        Assert.Equal("hello bob, via the relay", Encoding.UTF8.GetString(await m1.ReadAllBytesAsync(ct: ct)));

        // Back over the same relay connections, with a success report travelling end to end (RFC 4975 §7.1.2).
        var back = await b.SendAsync("hi alice"u8.ToArray(), "text/plain", MsrpReportPolicy.Full, ct: ct);
        var m2 = await a.ReceiveAsync(ct);
        Assert.Equal("hi alice", Encoding.UTF8.GetString(await m2.ReadAllBytesAsync(ct: ct)));
        Assert.Equal(MsrpSendOutcome.Delivered, back.Outcome);
        // Each client keeps exactly its AUTH connection (RFC 4976 §5.3): the relay delivers on it.
        Assert.Equal(1, ea.ConnectionCount);
        Assert.Equal(1, eb.ConnectionCount);
        Assert.Equal(2, relay.ConnectionCount);
    }

    [Fact]
    public async Task Ten_megabytes_cross_the_relay_with_the_same_sha256()
    {
        await using var relay = RelayTestNet.Start();
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var (a, b) = await RelayTestNet.PairAsync(ea, await RelayTestNet.AuthAsync(ea, relay, "alice"), eb, await RelayTestNet.AuthAsync(eb, relay, "bob"));
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        const long size = 10L * 1024 * 1024;
        using var content = new PatternStream(size);
        var send = a.SendAsync(content, "application/octet-stream", MsrpReportPolicy.Full, ct: ct).AsTask();
        var message = await b.ReceiveAsync(ct);
        Assert.Equal(size, message.TotalSize);
        var (hash, length) = await MsrpSessionTests.HashBodyAsync(message.Body, ct);
        var result = await send.WaitAsync(ct);
        Assert.Equal(size, length);
        Assert.Equal(content.Hash(), hash);
        Assert.Equal(MsrpSendOutcome.Delivered, result.Outcome);
        Assert.Equal(MsrpReceiveOutcome.Complete, await message.Completion.WaitAsync(ct));
    }

    [Fact]
    public async Task Paths_are_rewritten_responses_are_hop_by_hop_and_errors_become_failure_reports()
    {
        await using var relay = RelayTestNet.Start();
        await using var alice = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint);
        await using var bob = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint);
        const string aliceUri = "msrp://127.0.0.1:7001/alice123;tcp";
        const string bobUri = "msrp://127.0.0.1:7002/bob12345;tcp";
        string upA = await RelayTestNet.RawAuthAsync(alice, relay, aliceUri, "alice");
        string upB = await RelayTestNet.RawAuthAsync(bob, relay, bobUri, "bob");
        Assert.StartsWith(relay.Uri.ToString()[..^4] + "/", upA, StringComparison.Ordinal);

        await alice.SendAsync($"MSRP t1 SEND\r\nTo-Path: {upA} {upB} {bobUri}\r\nFrom-Path: {aliceUri}\r\nMessage-ID: m1\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\nX-Extra: kept\r\n\r\nhello\r\n-------t1$\r\n");
        // RFC 4976 §6.4: the relay answers hop by hop, To-Path = previous hop, From-Path = the URI alice addressed.
        var ok = (await alice.ReadMessageAsync())!;
        Assert.StartsWith("MSRP t1 200 OK\r\n", ok);
        Assert.Equal(aliceUri, RawMsrpPeer.Header(ok, "To-Path"));
        Assert.Equal(upA, RawMsrpPeer.Header(ok, "From-Path"));

        // Delivered on bob's AUTH connection with both relay URIs moved from To-Path to From-Path (RFC 4976 §3).
        var delivered = (await bob.ReadMessageAsync())!;
        string tid = RawMsrpPeer.Tid(delivered);
        Assert.NotEqual("t1", tid);
        Assert.Equal(bobUri, RawMsrpPeer.Header(delivered, "To-Path"));
        Assert.Equal($"{upB} {upA} {aliceUri}", RawMsrpPeer.Header(delivered, "From-Path"));
        Assert.Equal("m1", RawMsrpPeer.Header(delivered, "Message-ID"));
        Assert.Equal("1-5/5", RawMsrpPeer.Header(delivered, "Byte-Range"));
        Assert.Equal("kept", RawMsrpPeer.Header(delivered, "X-Extra"));
        Assert.EndsWith($"\r\n\r\nhello\r\n-------{tid}$\r\n", delivered);

        // bob's 200 ends the relay's transaction; it is not passed on (no duplicate 200 at alice).
        await bob.SendAsync(RawMsrpPeer.Ok(delivered));
        await alice.SendAsync($"MSRP t2 SEND\r\nTo-Path: {upA} {upB} {bobUri}\r\nFrom-Path: {aliceUri}\r\nMessage-ID: m2\r\nByte-Range: 1-3/3\r\nContent-Type: text/plain\r\n\r\nbye\r\n-------t2$\r\n");
        Assert.StartsWith("MSRP t2 200 OK\r\n", (await alice.ReadMessageAsync())!);
        var second = (await bob.ReadMessageAsync())!;
        Assert.Equal("m2", RawMsrpPeer.Header(second, "Message-ID"));

        // An error from bob after the relay said 200: a failure REPORT goes back to alice (RFC 4975 §7.1.2).
        await bob.SendAsync(RawMsrpPeer.Ok(second, 415, "Unsupported Media Type"));
        var report = (await alice.ReadMessageAsync())!;
        Assert.Contains(" REPORT\r\n", report, StringComparison.Ordinal);
        Assert.Equal(aliceUri, RawMsrpPeer.Header(report, "To-Path"));
        Assert.Equal(upA, RawMsrpPeer.Header(report, "From-Path"));
        Assert.Equal("m2", RawMsrpPeer.Header(report, "Message-ID"));
        Assert.Equal("1-3/3", RawMsrpPeer.Header(report, "Byte-Range"));
        Assert.StartsWith("000 415", RawMsrpPeer.Header(report, "Status"), StringComparison.Ordinal);

        // A REPORT from bob travels end to end (popped twice, never answered).
        await bob.SendAsync($"MSRP r1 REPORT\r\nTo-Path: {upB} {upA} {aliceUri}\r\nFrom-Path: {bobUri}\r\nMessage-ID: m1\r\nByte-Range: 1-5/5\r\nStatus: 000 200 OK\r\n-------r1$\r\n");
        var passed = (await alice.ReadMessageAsync())!;
        Assert.Contains(" REPORT\r\n", passed, StringComparison.Ordinal);
        Assert.Equal(aliceUri, RawMsrpPeer.Header(passed, "To-Path"));
        Assert.Equal($"{upA} {upB} {bobUri}", RawMsrpPeer.Header(passed, "From-Path"));
        Assert.Equal("000 200 OK", RawMsrpPeer.Header(passed, "Status"));
        Assert.Null(await bob.ReadMessageAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Auth_is_challenged_then_wrong_passwords_and_unknown_users_get_403()
    {
        await using var relay = RelayTestNet.Start();
        await using var peer = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint);
        string relayUri = relay.Uri.ToString();
        const string me = "msrp://127.0.0.1:7001/alice123;tcp";
        await peer.SendAsync(RelayTestNet.AuthRequest("x1", relayUri, me));
        var challenge = (await peer.ReadMessageAsync())!;
        // RFC 4976 §5.1: 401 with a Digest challenge; To-Path is the client, From-Path the relay.
        Assert.StartsWith("MSRP x1 401 Unauthorized\r\n", challenge);
        Assert.Equal(me, RawMsrpPeer.Header(challenge, "To-Path"));
        Assert.Equal(relayUri, RawMsrpPeer.Header(challenge, "From-Path"));
        var p = RelayTestNet.Challenge(challenge);
        Assert.Equal(relay.Realm, p["realm"]);
        Assert.Equal("auth", p["qop"]);

        await peer.SendAsync(RelayTestNet.AuthRequest("x2", relayUri, me, p, "alice", password: "wrong"));
        Assert.StartsWith("MSRP x2 403 ", (await peer.ReadMessageAsync())!);
        await peer.SendAsync(RelayTestNet.AuthRequest("x3", relayUri, me, p, "mallory", password: "whatever", nc: 2));
        Assert.StartsWith("MSRP x3 403 ", (await peer.ReadMessageAsync())!);
        // The right password on the same nonce with a higher nonce-count succeeds.
        await peer.SendAsync(RelayTestNet.AuthRequest("x4", relayUri, me, p, "alice", nc: 3));
        var ok = (await peer.ReadMessageAsync())!;
        Assert.StartsWith("MSRP x4 200 OK\r\n", ok);
        Assert.Equal("600", RawMsrpPeer.Header(ok, "Expires"));
        // RFC 7616 §3.4: a repeated nonce-count is a replay: challenged again, stale.
        await peer.SendAsync(RelayTestNet.AuthRequest("x5", relayUri, me, p, "alice", nc: 3));
        var replay = (await peer.ReadMessageAsync())!;
        Assert.StartsWith("MSRP x5 401 ", replay);
        Assert.Equal("true", RelayTestNet.Challenge(replay)["stale"]);

        // The client API reports the refusal with its status.
        await using var endpoint = TestNet.Endpoint();
        var error = await Assert.ThrowsAsync<MsrpException>(() => RelayTestNet.AuthAsync(endpoint, relay, "bob", password: "not-bobs"));
        Assert.Equal(403, error.StatusCode);
        Assert.Equal(1, relay.SessionCount);
    }

    [Fact]
    public async Task Expires_outside_the_bounds_is_answered_423_and_the_client_retries_within_them()
    {
        await using var relay = RelayTestNet.Start();
        await using var peer = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint);
        string relayUri = relay.Uri.ToString();
        const string me = "msrp://127.0.0.1:7001/alice123;tcp";
        await peer.SendAsync(RelayTestNet.AuthRequest("e1", relayUri, me));
        var p = RelayTestNet.Challenge((await peer.ReadMessageAsync())!);
        await peer.SendAsync(RelayTestNet.AuthRequest("e2", relayUri, me, p, nc: 1, expires: 5));
        var tooShort = (await peer.ReadMessageAsync())!;
        Assert.StartsWith("MSRP e2 423 ", tooShort);
        Assert.Equal("60", RawMsrpPeer.Header(tooShort, "Min-Expires"));
        Assert.Null(RawMsrpPeer.Header(tooShort, "Max-Expires"));
        await peer.SendAsync(RelayTestNet.AuthRequest("e3", relayUri, me, p, nc: 2, expires: 100000));
        var tooLong = (await peer.ReadMessageAsync())!;
        Assert.StartsWith("MSRP e3 423 ", tooLong);
        Assert.Equal("7200", RawMsrpPeer.Header(tooLong, "Max-Expires"));
        Assert.Equal(0, relay.SessionCount);
        await peer.SendAsync(RelayTestNet.AuthRequest("e4", relayUri, me, p, nc: 3, expires: 60));
        var ok = (await peer.ReadMessageAsync())!;
        Assert.StartsWith("MSRP e4 200 ", ok);
        Assert.Equal("60", RawMsrpPeer.Header(ok, "Expires"));

        // MsrpEndpoint retries with Min-Expires after a 423 (RFC 4976 §5.1).
        await using var endpoint = TestNet.Endpoint();
        var binding = await RelayTestNet.AuthAsync(endpoint, relay, "bob", expires: TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(60), binding.Expires);
    }

    [Fact]
    public async Task Unknown_expired_and_disconnected_sessions_are_answered_481()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var relay = RelayTestNet.Start(time: time);
        await using var alice = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint);
        const string aliceUri = "msrp://127.0.0.1:7001/alice123;tcp";
        string upA = await RelayTestNet.RawAuthAsync(alice, relay, aliceUri, "alice", expires: 60);
        string bogus = relay.Uri.ToString()[..^4] + "/nosuchsession1234;tcp";

        await alice.SendAsync($"MSRP u1 SEND\r\nTo-Path: {bogus} msrp://127.0.0.1:9/x;tcp\r\nFrom-Path: {aliceUri}\r\nMessage-ID: m1\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------u1$\r\n");
        var unknown = (await alice.ReadMessageAsync())!;
        Assert.StartsWith("MSRP u1 481 ", unknown);
        Assert.Equal(aliceUri, RawMsrpPeer.Header(unknown, "To-Path"));

        // bob authenticates, then disconnects: his Use-Path dies with the connection (RFC 4976 §5.3).
        await using (var bob = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint))
        {
            string upB = await RelayTestNet.RawAuthAsync(bob, relay, "msrp://127.0.0.1:7002/bob12345;tcp", "bob");
            Assert.Equal(2, relay.SessionCount);
            await bob.DisposeAsync();
            for (int i = 0; i < 200 && relay.SessionCount > 1; i++)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
            await alice.SendAsync($"MSRP u2 SEND\r\nTo-Path: {upA} {upB} msrp://127.0.0.1:7002/bob12345;tcp\r\nFrom-Path: {aliceUri}\r\nMessage-ID: m2\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------u2$\r\n");
            Assert.StartsWith("MSRP u2 481 ", (await alice.ReadMessageAsync())!);
        }

        // After Expires (60 s) alice's own Use-Path is gone too.
        time.Advance(TimeSpan.FromSeconds(61));
        await alice.SendAsync($"MSRP u3 SEND\r\nTo-Path: {upA} msrp://127.0.0.1:9/x;tcp\r\nFrom-Path: {aliceUri}\r\nMessage-ID: m3\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------u3$\r\n");
        Assert.StartsWith("MSRP u3 481 ", (await alice.ReadMessageAsync())!);
        Assert.Equal(0, relay.SessionCount);

        // Failure-Report no: not even an error is answered (RFC 4975 §7.1.2).
        await alice.SendAsync($"MSRP u4 SEND\r\nTo-Path: {bogus} msrp://127.0.0.1:9/x;tcp\r\nFrom-Path: {aliceUri}\r\nMessage-ID: m4\r\nFailure-Report: no\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------u4$\r\n");
        // An unknown method is answered 501.
        await alice.SendAsync($"MSRP u5 FROB\r\nTo-Path: {bogus}\r\nFrom-Path: {aliceUri}\r\n-------u5$\r\n");
        Assert.StartsWith("MSRP u5 501 ", (await alice.ReadMessageAsync())!);
    }

    [Fact]
    public async Task A_next_hop_relay_is_connected_on_demand()
    {
        await using var relay1 = RelayTestNet.Start();
        await using var relay2 = RelayTestNet.Start();
        await using var ea = TestNet.Endpoint();
        await using var eb = TestNet.Endpoint();
        var ra = await RelayTestNet.AuthAsync(ea, relay1, "alice");
        var rb = await RelayTestNet.AuthAsync(eb, relay2, "bob");
        Assert.Equal(1, relay1.ConnectionCount);
        var (a, b) = await RelayTestNet.PairAsync(ea, ra, eb, rb);
        // relay1 opened a connection to relay2 for the first request (RFC 4976 §6.4).
        Assert.Equal(2, relay1.ConnectionCount);
        Assert.Equal(2, relay2.ConnectionCount);
        var ct = TestNet.Bounded();
        var payload = RandomNumberGenerator.GetBytes(300_000);
        var sent = await a.SendAsync(payload, "application/octet-stream", MsrpReportPolicy.Full, ct: ct);
        var m = await b.ReceiveAsync(ct);
        Assert.Equal(payload, await m.ReadAllBytesAsync(ct: ct));
        Assert.Equal(MsrpSendOutcome.Delivered, sent.Outcome);
        var back = await b.SendAsync("ack"u8.ToArray(), "text/plain", ct: ct);
        Assert.True(back.IsSuccess);
        Assert.Equal("ack", Encoding.UTF8.GetString(await (await a.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
    }

    [Fact]
    public async Task Auth_to_a_second_relay_goes_through_the_first_and_its_responses_come_back()
    {
        // RFC 4976 §5.1 (second example): alice AUTHs to relay1, then to relay2 through relay1.
        await using var relay1 = RelayTestNet.Start();
        await using var relay2 = RelayTestNet.Start();
        await using var alice = await RawMsrpPeer.ConnectAsync(relay1.LocalEndPoint);
        const string aliceUri = "msrp://127.0.0.1:7001/alice123;tcp";
        string up1 = await RelayTestNet.RawAuthAsync(alice, relay1, aliceUri, "alice");
        string relay2Uri = relay2.Uri.ToString();

        await alice.SendAsync($"MSRP c1 AUTH\r\nTo-Path: {up1} {relay2Uri}\r\nFrom-Path: {aliceUri}\r\n-------c1$\r\n");
        var challenge = (await alice.ReadMessageAsync())!;
        // relay2's 401 comes back with alice's transaction id, relay1 moved from To-Path to From-Path (RFC 4976 §6.5).
        Assert.StartsWith("MSRP c1 401 ", challenge);
        Assert.Equal(aliceUri, RawMsrpPeer.Header(challenge, "To-Path"));
        Assert.Equal($"{up1} {relay2Uri}", RawMsrpPeer.Header(challenge, "From-Path"));
        var p = RelayTestNet.Challenge(challenge);
        var request = RelayTestNet.AuthRequest("c2", relay2Uri, aliceUri, p, "alice").Replace($"To-Path: {relay2Uri}", $"To-Path: {up1} {relay2Uri}", StringComparison.Ordinal);
        await alice.SendAsync(request);
        var ok = (await alice.ReadMessageAsync())!;
        Assert.StartsWith("MSRP c2 200 ", ok);
        string up2 = RawMsrpPeer.Header(ok, "Use-Path")!;
        Assert.StartsWith(relay2Uri[..^4] + "/", up2, StringComparison.Ordinal);
        Assert.Equal(1, relay2.SessionCount);

        // bob, on relay2, reaches alice through relay2 and relay1 (a=path: up1 up2 alice in reverse order of hops).
        await using var bob = await RawMsrpPeer.ConnectAsync(relay2.LocalEndPoint);
        const string bobUri = "msrp://127.0.0.1:7002/bob12345;tcp";
        await bob.SendAsync($"MSRP d1 SEND\r\nTo-Path: {up2} {up1} {aliceUri}\r\nFrom-Path: {bobUri}\r\nMessage-ID: m1\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------d1$\r\n");
        Assert.StartsWith("MSRP d1 200 ", (await bob.ReadMessageAsync())!);
        var delivered = (await alice.ReadMessageAsync())!;
        Assert.Equal(aliceUri, RawMsrpPeer.Header(delivered, "To-Path"));
        Assert.Equal($"{up1} {up2} {bobUri}", RawMsrpPeer.Header(delivered, "From-Path"));
        Assert.Contains("\r\n\r\nhi\r\n", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_receiver_throttles_the_sender_through_the_relay()
    {
        // Small socket and pipe buffers everywhere so "bounded" is a few hundred KB per hop.
        var socket = new SocketConnectionOptions { SocketReceiveBufferSize = 64 * 1024, SocketSendBufferSize = 64 * 1024, MaxReadBufferSize = 256 * 1024, MaxWriteBufferSize = 256 * 1024 };
        await using var relay = RelayTestNet.Start(socket: socket);
        await using var ea = TestNet.Endpoint(socket: socket);
        await using var eb = TestNet.Endpoint(socket: socket);
        var (a, b) = await RelayTestNet.PairAsync(ea, await RelayTestNet.AuthAsync(ea, relay, "alice"), eb, await RelayTestNet.AuthAsync(eb, relay, "bob"));
        var ct = TestNet.Bounded(TimeSpan.FromSeconds(60));
        const long size = 32L * 1024 * 1024;
        using var content = new PatternStream(size);
        long progress = 0;
        var send = a.SendAsync(content, "application/octet-stream", new MsrpSendOptions { Progress = new SyncProgress(v => Interlocked.Exchange(ref progress, v)) }, ct).AsTask();
        var message = await b.ReceiveAsync(ct);

        // bob does not read: alice must stall after what the buffers on the way hold (no unbounded queue at the relay).
        long last = -1;
        for (int i = 0; i < 100; i++)
        {
            await Task.Delay(100, ct);
            long now = Interlocked.Read(ref progress);
            if (now == last && now > 0)
            {
                break;
            }
            last = now;
        }
        long stalled = Interlocked.Read(ref progress);
        Assert.False(send.IsCompleted);
        Assert.InRange(stalled, 1, 6L * 1024 * 1024);

        // Once bob reads, everything arrives intact.
        var (hash, length) = await MsrpSessionTests.HashBodyAsync(message.Body, ct);
        var result = await send.WaitAsync(ct);
        Assert.True(result.IsSuccess);
        Assert.Equal(size, length);
        Assert.Equal(content.Hash(), hash);
    }

    [Fact]
    public async Task A_short_message_overtakes_a_stalled_long_chunk()
    {
        await using var relay = RelayTestNet.Start();
        await using var eb = TestNet.Endpoint();
        await using var ec = TestNet.Endpoint();
        var rb = await RelayTestNet.AuthAsync(eb, relay, "bob");
        var rc = await RelayTestNet.AuthAsync(ec, relay, "carol");
        var ct = TestNet.Bounded();

        // alice is a raw client that sends one 200 000-byte chunk in two halves with a pause in between.
        await using var alice = await RawMsrpPeer.ConnectAsync(relay.LocalEndPoint);
        const string aliceUri = "msrp://127.0.0.1:7001/alice123;tcp";
        string upA = await RelayTestNet.RawAuthAsync(alice, relay, aliceUri, "alice");
        var fromAlice = eb.CreateSession(relay: rb);
        await fromAlice.StartAsync(new MsrpSessionDescription([MsrpUri.Parse(upA), MsrpUri.Parse(aliceUri)]), active: false, ct);
        var (c, fromCarol) = await RelayTestNet.PairAsync(ec, rc, eb, rb);

        var body = new byte[200_000];
        for (int i = 0; i < body.Length; i++)
        {
            body[i] = (byte)('a' + (i % 26));
        }
        string to = $"{upA} {MsrpUri.FormatPath(fromAlice.LocalPath)}";
        await alice.SendAsync($"MSRP big1 SEND\r\nTo-Path: {to}\r\nFrom-Path: {aliceUri}\r\nMessage-ID: big\r\nByte-Range: 1-200000/200000\r\nContent-Type: text/plain\r\n\r\n" + Encoding.ASCII.GetString(body, 0, 100_000));
        var big = await fromAlice.ReceiveAsync(ct);

        // The relay now holds bob's connection for alice's chunk; carol's message must not wait for alice.
        var sent = c.SendAsync("short one"u8.ToArray(), "text/plain", ct: ct).AsTask();
        var shortMessage = await fromCarol.ReceiveAsync(ct);
        Assert.Equal("short one", Encoding.UTF8.GetString(await shortMessage.ReadAllBytesAsync(ct: ct)));
        Assert.True((await sent).IsSuccess);
        Assert.False(big.Completion.IsCompleted);

        await alice.SendAsync(Encoding.ASCII.GetString(body, 100_000, 100_000) + "\r\n-------big1$\r\n");
        Assert.Equal(body, await big.ReadAllBytesAsync(ct: ct));
        Assert.Equal(MsrpReceiveOutcome.Complete, await big.Completion.WaitAsync(ct));
        Assert.StartsWith("MSRP big1 200 OK", (await alice.ReadMessageAsync())!);
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
