using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Msrp;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>
/// Two RcsCore MSRP endpoints AUTH to Kamailio's MSRP relay (RFC 4976, module msrp) on 127.0.0.1 and exchange
/// messages through it. Kamailio answers every SEND hop by hop (msrp_reply) and its configuration also relays replies
/// (msrp_is_reply → msrp_relay); the client ignores any response to a finished transaction (RFC 4975 §7.3).
/// </summary>
public sealed class MsrpKamailioRelayTests
{
    private const string Password = "relay-secret";

    internal static async Task<(byte[] Hash, long Length)> HashBodyAsync(PipeReader body, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        while (true)
        {
            var result = await body.ReadAsync(ct);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
                length += segment.Length;
            }
            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        await body.CompleteAsync();
        return (hash.GetHashAndReset(), length);
    }

    internal static CancellationToken Bounded(int seconds = 60)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }

    [Fact]
    public async Task Two_endpoints_exchange_text_and_a_5_MB_file_through_Kamailio()
    {
        await using var kamailio = await MsrpKamailioRelay.StartAsync(Password);
        var ct = Bounded();
        await using var ea = MsrpEndpoint.Start();
        await using var eb = MsrpEndpoint.Start();
        var relay = MsrpUri.Parse(kamailio.Uri);
        var ra = await ea.AuthenticateAsync(relay, new MsrpPasswordCredentials("alice", Password), ct: ct);
        var rb = await eb.AuthenticateAsync(relay, new MsrpPasswordCredentials("bob", Password), ct: ct);
        // Kamailio's Use-Path: its own address (use_path_addr) with a session-id of its own, Expires 3600 by default.
        Assert.Equal(kamailio.Port, Assert.Single(ra.UsePath).Port);
        Assert.NotNull(ra.UsePath[0].SessionId);
        Assert.NotEqual(ra.UsePath[0].SessionId, rb.UsePath[0].SessionId);
        Assert.Equal(TimeSpan.FromSeconds(3600), ra.Expires);

        var a = ea.CreateSession(relay: ra);
        var b = eb.CreateSession(relay: rb);
        await b.StartAsync(a.LocalDescription, active: false, ct);
        await a.StartAsync(b.LocalDescription, active: true, ct);
        await b.WhenBound.WaitAsync(ct);

        var sent = await a.SendAsync("hello bob, via Kamailio"u8.ToArray(), "text/plain", ct: ct);
        Assert.Equal(MsrpSendOutcome.Sent, sent.Outcome);
        var m1 = await b.ReceiveAsync(ct);
        Assert.Equal(sent.MessageId, m1.MessageId);
        Assert.Equal("hello bob, via Kamailio", Encoding.UTF8.GetString(await m1.ReadAllBytesAsync(ct: ct)));

        var back = await b.SendAsync("hi alice ✓"u8.ToArray(), "text/plain;charset=utf-8", ct: ct);
        Assert.True(back.IsSuccess, back.Reason);
        var m2 = await a.ReceiveAsync(ct);
        Assert.Equal("hi alice ✓", Encoding.UTF8.GetString(await m2.ReadAllBytesAsync(ct: ct)));

        // A 5 MB file, SHA-256 checked on arrival. Kamailio 5.6 relays a frame only when it fits its TCP read buffer
        // (a SEND with an 11 000-byte body was answered 501 in a probe, 10 500 bytes went through): 8 KB chunks.
        var file = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var send = a.SendAsync(file, "application/octet-stream", new MsrpSendOptions { ChunkSize = 8 * 1024 }, ct).AsTask();
        var m3 = await b.ReceiveAsync(ct);
        Assert.Equal(file.Length, m3.TotalSize);
        var (hash, length) = await HashBodyAsync(m3.Body, ct);
        var result = await send.WaitAsync(ct);
        Assert.True(result.IsSuccess, result.Reason);
        Assert.Equal(file.Length, length);
        Assert.Equal(SHA256.HashData(file), hash);
        Assert.Equal(MsrpReceiveOutcome.Complete, await m3.Completion.WaitAsync(ct));

        // Nothing broke on the way: both relay connections are still up and the sessions go on working.
        var last = await b.SendAsync("done"u8.ToArray(), "text/plain", ct: ct);
        Assert.True(last.IsSuccess, last.Reason);
        Assert.Equal("done", Encoding.UTF8.GetString(await (await a.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
        Assert.Equal(1, ea.ConnectionCount);
        Assert.Equal(1, eb.ConnectionCount);

        // A success report travels back through Kamailio (REPORT with two relay hops, RFC 4975 §7.1.2).
        var reported = await a.SendAsync("report this"u8.ToArray(), "text/plain", MsrpReportPolicy.Full, ct: ct);
        Assert.Equal("report this", Encoding.UTF8.GetString(await (await b.ReceiveAsync(ct)).ReadAllBytesAsync(ct: ct)));
        Assert.Equal(MsrpSendOutcome.Delivered, reported.Outcome);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_by_Kamailio()
    {
        await using var kamailio = await MsrpKamailioRelay.StartAsync(Password);
        await using var endpoint = MsrpEndpoint.Start();
        var error = await Assert.ThrowsAsync<MsrpException>(async () =>
            await endpoint.AuthenticateAsync(MsrpUri.Parse(kamailio.Uri), new MsrpPasswordCredentials("alice", "not-the-password"), ct: Bounded(30)));
        // Kamailio (pv_www_authenticate) challenges again instead of answering 403.
        Assert.Equal(MsrpStatus.Unauthorized, error.StatusCode);
    }
}
