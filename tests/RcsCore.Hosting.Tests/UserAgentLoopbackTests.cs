using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Hosting.Tests;

/// <summary>Two RcsCore user agents over real UDP, TCP and TLS sockets on 127.0.0.1 (RFC 3261 §8, §13–§17).</summary>
public class UserAgentLoopbackTests
{
    public static TheoryData<SipTransportProtocol> Transports() => [SipTransportProtocol.Udp, SipTransportProtocol.Tcp, SipTransportProtocol.Tls];

    private static async Task<(LoopbackUserAgent Alice, LoopbackUserAgent Bob)> PairAsync(SipTransportProtocol protocol)
    {
        var alice = await LoopbackUserAgent.StartAsync("alice", protocol);
        var bob = await LoopbackUserAgent.StartAsync("bob", protocol);
        return (alice, bob);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task OptionsAndMessage(SipTransportProtocol protocol)
    {
        var (alice, bob) = await PairAsync(protocol);
        await using (alice)
        await using (bob)
        {
            var received = new TaskCompletionSource<string>();
            bob.Ua.Handle("MESSAGE", (req, _) =>
            {
                received.TrySetResult(Encoding.UTF8.GetString(req.Request.Body.Span));
                return ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build());
            });

            var options = await alice.Ua.SendRequestAsync(alice.Ua.CreateRequest("OPTIONS", bob.Uri("bob"), bob.Local).Build(), bob.Local).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(200, options.StatusCode);
            Assert.Contains("MESSAGE", options.GetHeader(SipHeaderName.Allow), StringComparison.Ordinal);

            var message = alice.Ua.CreateRequest("MESSAGE", bob.Uri("bob"), bob.Local);
            message.SetBody(Encoding.UTF8.GetBytes("hello over " + protocol), "text/plain");
            var response = await alice.Ua.SendRequestAsync(((SipRequestBuilder)message).Build(), bob.Local).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("hello over " + protocol, await received.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task InviteAckBye(SipTransportProtocol protocol)
    {
        var (alice, bob) = await PairAsync(protocol);
        await using (alice)
        await using (bob)
        {
            var bobTerminated = new TaskCompletionSource<SipDialogTerminationReason>();
            bob.Ua.DialogTerminated += (_, e) => bobTerminated.TrySetResult(e.Reason);
            bob.Ua.Handle("INVITE", async (req, ct) =>
            {
                await req.SendProvisionalAsync(180, ct: ct);
                await req.AcceptAsync(Encoding.UTF8.GetBytes("v=0\r\n"), "application/sdp", ct);
                return null;
            });
            bob.Ua.Handle("INFO", (req, _) => ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build()));
            var invite = alice.Ua.CreateRequest("INVITE", bob.Uri("bob"), bob.Local);
            invite.SetBody(Encoding.UTF8.GetBytes("v=0\r\n"), "application/sdp");
            var result = await alice.Ua.InviteAsync(((SipRequestBuilder)invite).Build(), bob.Local).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(result.IsSuccess, $"status {result.StatusCode}");
            var dialog = Assert.IsType<SipDialog>(result.Dialog);
            Assert.Equal(SipDialogState.Confirmed, dialog.State);

            // Bob's side sees the same dialog (mirrored tags) once the ACK arrived.
            await WaitUntil(() => bob.Ua.Dialogs.Count == 1);
            var bobDialog = bob.Ua.Dialogs.Single();
            Assert.Equal(dialog.LocalTag, bobDialog.RemoteTag);
            Assert.Equal(dialog.RemoteTag, bobDialog.LocalTag);

            var info = await dialog.SendRequestAsync("INFO", Encoding.UTF8.GetBytes("x"), "text/plain").WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(200, info.StatusCode);

            var bye = await dialog.ByeAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(200, bye.StatusCode);
            Assert.Equal(SipDialogState.Terminated, dialog.State);
            Assert.Equal(SipDialogTerminationReason.RemoteBye, await bobTerminated.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CancelAfterRinging(SipTransportProtocol protocol)
    {
        var (alice, bob) = await PairAsync(protocol);
        await using (alice)
        await using (bob)
        {
            var ringing = new TaskCompletionSource();
            var handlerCancelled = new TaskCompletionSource();
            bob.Ua.Handle("INVITE", async (req, ct) =>
            {
                await req.SendProvisionalAsync(180, ct: ct);
                ringing.TrySetResult();
                req.RequestAborted.Register(() => handlerCancelled.TrySetResult());
                return null; // never answers: the CANCEL ends it with 487
            });
            var outgoing = alice.Ua.Invite(alice.Ua.CreateRequest("INVITE", bob.Uri("bob"), bob.Local).Build(), bob.Local);
            await ringing.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(50);
            var cancel = await outgoing.CancelAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(200, cancel?.StatusCode);
            var result = await outgoing.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(487, result.StatusCode);
            await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task RetransmissionsRecoverFromLossOverUdp()
    {
        var (alice, bob) = await PairAsync(SipTransportProtocol.Udp);
        await using (alice)
        await using (bob)
        {
            // Drop the first copy of every request Alice sends and of every response Bob sends: timers E/A and the
            // server's retransmission of its last response (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.2) must recover.
            var seen = new HashSet<string>();
            bool FirstCopy(SipMessage m)
            {
                lock (seen)
                {
                    return seen.Add((m is SipRequest r ? r.Method + r.TopVia!.Branch : "R" + ((SipResponse)m).StatusCode + m.TopVia!.Branch) ?? string.Empty);
                }
            }
            alice.Sender.Drop = (m, _) => m is SipRequest && FirstCopy(m);
            bob.Sender.Drop = (m, _) => m is SipResponse { StatusCode: >= 200 } && FirstCopy(m);
            bob.Ua.Handle("MESSAGE", (req, _) => ValueTask.FromResult<SipResponse?>(req.CreateResponse(200).Build()));
            bob.Ua.Handle("INVITE", async (req, ct) =>
            {
                await req.AcceptAsync(ct: ct);
                return null;
            });

            for (int i = 0; i < 5; i++)
            {
                var r = await alice.Ua.SendRequestAsync(alice.Ua.CreateRequest("MESSAGE", bob.Uri("bob"), bob.Local).Build(), bob.Local).WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal(200, r.StatusCode);
            }
            var invite = await alice.Ua.InviteAsync(alice.Ua.CreateRequest("INVITE", bob.Uri("bob"), bob.Local).Build(), bob.Local).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(invite.IsSuccess);
            Assert.Equal(200, (await invite.Dialog!.ByeAsync().WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
            Assert.True(alice.Sender.Dropped >= 7, $"alice dropped {alice.Sender.Dropped}");
            Assert.True(bob.Sender.Dropped >= 6, $"bob dropped {bob.Sender.Dropped}");
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
