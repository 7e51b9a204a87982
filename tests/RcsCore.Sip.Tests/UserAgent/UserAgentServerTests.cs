using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Sip.Tests.UserAgent;

/// <summary>The UAS core outside dialogs: defaults, checks and handlers (RFC 3261 §8.2, §11.2).</summary>
public class UserAgentServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OptionsGets200WithAllowAcceptAndSupported()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("MESSAGE", RecordingHandler.Answer());

        var response = await alice.Ua.SendRequestAsync(alice.NewRequest("OPTIONS", bob).Build(), bob.EndPoint, ct: Ct);

        // RFC 3261 §11.2: 200 with Allow, Accept, Supported; the To tag is the UAS's.
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("ACK, CANCEL, BYE, OPTIONS, MESSAGE", response.GetHeader(SipHeaderName.Allow));
        Assert.Equal("application/sdp, text/plain", response.GetHeader(SipHeaderName.Accept));
        Assert.Equal("path", response.GetHeader(SipHeaderName.Supported));
        Assert.Equal("RcsCore", response.GetHeader(SipHeaderName.Server));
        Assert.NotNull(response.To!.Tag);
        Assert.Empty(bob.Ua.Dialogs);
    }

    [Fact]
    public async Task ConfiguredAllowListWins()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2", configure: o => new SipUserAgentOptions
        {
            LocalIdentity = o.LocalIdentity,
            SentBy = o.SentBy,
            Allow = ["INVITE", "ACK", "BYE"],
            Product = null,
        });

        var response = await alice.Ua.SendRequestAsync(alice.NewRequest("OPTIONS", bob).Build(), bob.EndPoint, ct: Ct);

        Assert.Equal("INVITE, ACK, BYE", response.GetHeader(SipHeaderName.Allow));
        Assert.Null(response.GetHeader(SipHeaderName.Server));
        Assert.Null(response.GetHeader(SipHeaderName.Supported)); // nothing supported by default
    }

    [Fact]
    public async Task UnknownMethodGets405WithAllow()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("INVITE", RecordingHandler.RingThenAccept());

        var response = await alice.Ua.SendRequestAsync(alice.NewRequest("PUBLISH", bob).Build(), bob.EndPoint, ct: Ct);

        // RFC 3261 §8.2.1: 405 lists the methods supported.
        Assert.Equal(405, response.StatusCode);
        Assert.Equal("INVITE, ACK, CANCEL, BYE, OPTIONS", response.GetHeader(SipHeaderName.Allow));
    }

    [Fact]
    public async Task FallbackHandlerGetsMethodsWithoutAHandler()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var fallback = RecordingHandler.Answer(202);
        bob.Ua.HandleFallback(fallback);

        var response = await alice.Ua.SendRequestAsync(alice.NewRequest("PUBLISH", bob).Build(), bob.EndPoint, ct: Ct);

        Assert.Equal(202, response.StatusCode);
        Assert.Equal("PUBLISH", Assert.Single(fallback.Seen).Method);
    }

    [Fact]
    public async Task ByeOutsideADialogGets481()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");

        // No To tag (RFC 3261 §15.1.2 needs a dialog) and a To tag of no dialog (§12.2.2).
        var noTag = await alice.Ua.SendRequestAsync(alice.NewRequest("BYE", bob).Build(), bob.EndPoint, ct: Ct);
        var unknownTag = await alice.Ua.SendRequestAsync(
            alice.Ua.CreateRequest("BYE", bob.Uri, bob.EndPoint, to: new SipNameAddress(bob.Uri).WithParameter("tag", "nosuch")).Build(),
            bob.EndPoint, ct: Ct);
        var info = await alice.Ua.SendRequestAsync(alice.NewRequest("INFO", bob).Build(), bob.EndPoint, ct: Ct);

        Assert.Equal(481, noTag.StatusCode);
        Assert.Equal(481, unknownTag.StatusCode);
        Assert.Equal(481, info.StatusCode); // RFC 6086 §4.2.2
    }

    [Fact]
    public async Task RequestFailingTheChecksGetsTheirStatus()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var message = RecordingHandler.Answer();
        bob.Ua.Handle("MESSAGE", message);

        // RFC 3261 §8.1.1 / §8.2: no Call-ID -> 400 (injected: a UAC never builds it).
        var noCallId = WireBytes.ParseRequest(
            "MESSAGE sip:bob@192.0.2.2 SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnocallid\r\n" +
            "Max-Forwards: 70\r\n" +
            "From: <sip:alice@example.com>;tag=a1\r\n" +
            "To: <sip:bob@example.com>\r\n" +
            "CSeq: 1 MESSAGE\r\n" +
            "Content-Length: 0\r\n\r\n");
        await net.InjectAsync(noCallId, alice, bob);
        var bad = Assert.Single(bob.Sender.Sent).Response;
        Assert.Equal(400, bad.StatusCode);
        Assert.Equal("Missing Required Header", bad.ReasonPhrase);

        // RFC 3261 §8.2.2.3: an unsupported Require -> 420 with Unsupported.
        var require = alice.NewRequest("MESSAGE", bob);
        require.AddHeader(SipHeaderName.Require, "path, 100rel");
        var extension = await alice.Ua.SendRequestAsync(require.Build(), bob.EndPoint, ct: Ct);
        Assert.Equal(420, extension.StatusCode);
        Assert.Equal("100rel", extension.GetHeader(SipHeaderName.Unsupported));
        Assert.Empty(message.Seen);
    }

    [Fact]
    public async Task UnsupportedContentTypeGets415WithAccept()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2", configure: o => new SipUserAgentOptions
        {
            LocalIdentity = o.LocalIdentity,
            SentBy = o.SentBy,
            Accept = ["text/plain"],
            RequestChecks = new SipRequestCheckOptions { AcceptedContentTypes = new HashSet<string> { "text/plain" } },
        });
        bob.Ua.Handle("MESSAGE", RecordingHandler.Answer());

        var b = alice.NewRequest("MESSAGE", bob);
        b.SetBody("<x/>"u8.ToArray(), "application/xml");
        var response = await alice.Ua.SendRequestAsync(b.Build(), bob.EndPoint, ct: Ct);

        // RFC 3261 §8.2.3.
        Assert.Equal(415, response.StatusCode);
        Assert.Equal("text/plain", response.GetHeader(SipHeaderName.Accept));
    }

    [Fact]
    public async Task MessageHandlerGetsTheBodyIntact()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        byte[]? received = null;
        string? contentType = null;
        bob.Ua.Handle("MESSAGE", (request, _) =>
        {
            received = request.Request.Body.ToArray();
            contentType = request.Request.ContentType;
            return new ValueTask<SipResponse?>(request.CreateResponse(200).Build());
        });
        // Binary and non-ASCII bytes, CRLFs included: the body must arrive byte for byte.
        byte[] body = [.. "Hello \u00e9\u4e16\r\n\r\nline"u8.ToArray(), 0, 1, 0xFF, 0xFE];

        var b = alice.NewRequest("MESSAGE", bob);
        b.SetBody(body, "text/plain;charset=UTF-8");
        var response = await alice.Ua.SendRequestAsync(b.Build(), bob.EndPoint, ct: Ct);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(body, received);
        Assert.Equal("text/plain;charset=UTF-8", contentType);
        Assert.Null(response.GetHeader(SipHeaderName.Allow)); // only on 2xx to INVITE/OPTIONS and 405
    }

    [Fact]
    public async Task AsyncHandlerAnswersLater()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Ua.Handle("MESSAGE", async (request, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return request.CreateResponse(202).Build();
        });

        var pending = alice.Ua.SendRequestAsync(alice.NewRequest("MESSAGE", bob).Build(), bob.EndPoint, ct: Ct);
        Assert.False(pending.IsCompleted); // the handler did not hold up the delivery
        gate.SetResult();

        Assert.Equal(202, (await pending).StatusCode);
    }

    [Fact]
    public async Task HandlerThatThrowsGives500AndOnlyOneFinalIsSent()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2");
        bob.Ua.Handle("MESSAGE", (_, _) => throw new InvalidOperationException("boom"));
        SipIncomingRequest? seen = null;
        bob.Ua.Handle("NOTIFY", async (request, ct) =>
        {
            seen = request;
            Assert.True(await request.RejectAsync(486, ct: ct));
            Assert.False(await request.AcceptAsync(ct: ct)); // a second final response is not sent
            return request.CreateResponse(200).Build(); // nor is the returned one
        });

        var failed = await alice.Ua.SendRequestAsync(alice.NewRequest("MESSAGE", bob).Build(), bob.EndPoint, ct: Ct);
        var busy = await alice.Ua.SendRequestAsync(alice.NewRequest("NOTIFY", bob).Build(), bob.EndPoint, ct: Ct);

        Assert.Equal(500, failed.StatusCode);
        Assert.Equal(486, busy.StatusCode);
        Assert.True(seen!.IsAnswered);
        Assert.Single(net.Sent("bob", w => w.CSeqMethod == "NOTIFY"));
    }

    [Fact]
    public async Task CreateRequestFillsTheMandatoryHeaders()
    {
        using var net = new UaNetwork();
        var alice = net.Add("alice", "192.0.2.1");
        var bob = net.Add("bob", "192.0.2.2", protocol: Transport.SipTransportProtocol.Tcp);

        var invite = alice.Ua.CreateRequest("INVITE", bob.Uri, bob.EndPoint).Build();
        var message = alice.Ua.CreateRequest("MESSAGE", bob.Uri, bob.EndPoint, callId: "fixed@example.com", sequence: 7).Build();

        // RFC 3261 §8.1.1.
        Assert.Equal("TCP", invite.TopVia!.Transport);
        Assert.Equal("192.0.2.1", invite.TopVia.Host);
        Assert.True(invite.TopVia.HasRfc3261Branch);
        Assert.True(invite.TopVia.HasRPort);
        Assert.Equal(70, invite.MaxForwards);
        Assert.NotNull(invite.From!.Tag);
        Assert.Equal("alice", invite.From.DisplayName);
        Assert.Null(invite.To!.Tag);
        Assert.Equal(bob.Uri, invite.To.Uri);
        Assert.Equal(new SipCSeq(1, "INVITE"), invite.CSeq);
        Assert.Equal("sip:alice@192.0.2.1:5060;transport=tcp", Assert.Single(invite.Contacts).Uri.Text);
        Assert.NotNull(invite.GetHeader(SipHeaderName.Allow));
        Assert.Equal("RcsCore", invite.GetHeader(SipHeaderName.UserAgent));
        Assert.Empty(message.Contacts);
        Assert.Equal("fixed@example.com", message.CallId);
        Assert.Equal(new SipCSeq(7, "MESSAGE"), message.CSeq);
        Assert.NotEqual(invite.TopVia.Branch, message.TopVia!.Branch);
        Assert.Throws<ArgumentException>(() => { _ = alice.Ua.SendRequestAsync(invite, bob.EndPoint, ct: Ct); });
    }
}
