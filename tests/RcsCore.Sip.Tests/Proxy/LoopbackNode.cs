using System.Collections.Concurrent;
using System.Net;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Tests.Proxy;

/// <summary>A SIP element on real loopback sockets: transport + transaction layer + a scriptable transaction user.</summary>
internal sealed class LoopbackNode : ISipTransactionUser, IAsyncDisposable
{
    public static readonly SipTimerOptions FastTimers = new() { T1 = TimeSpan.FromMilliseconds(50), T2 = TimeSpan.FromMilliseconds(400), TimerD = TimeSpan.FromMilliseconds(500) };

    private LoopbackNode(SipTransportProtocol protocol)
    {
        Protocol = protocol;
        Transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))] });
        Transactions = new SipTransactionLayer(Transport, this, FastTimers);
        Transport.Handler = Transactions;
    }

    public SipTransportProtocol Protocol { get; }
    public SipTransportLayer Transport { get; }
    public SipTransactionLayer Transactions { get; }
    public SipEndPoint Local => Transport.GetLocalEndPoint(Protocol)!.Value;
    public string HostPort => Local.Address.ToString();

    public string TransportParam => Protocol == SipTransportProtocol.Tcp ? ";transport=tcp" : string.Empty;

    /// <summary>What to do with a new request; default: answer 200 (INVITE: 180 then 200 with Contact).</summary>
    public Func<SipServerTransaction, Task>? OnRequest { get; set; }
    public Func<SipInboundMessage, Task>? OnAck { get; set; }
    public Func<SipInboundMessage, Task>? OnStray { get; set; }

    public ConcurrentQueue<SipRequest> Received { get; } = new();
    public ConcurrentQueue<SipRequest> Acks { get; } = new();

    public static async Task<LoopbackNode> StartAsync(SipTransportProtocol protocol = SipTransportProtocol.Udp)
    {
        var node = new LoopbackNode(protocol);
        await node.Transport.StartAsync();
        return node;
    }

    public async ValueTask OnRequestAsync(SipServerTransaction transaction, CancellationToken ct = default)
    {
        Received.Enqueue(transaction.Request);
        if (OnRequest is not null)
        {
            await OnRequest(transaction);
            return;
        }
        await AnswerAsync(transaction, 200);
    }

    public async Task AnswerAsync(SipServerTransaction tx, int status, bool ring = true)
    {
        var request = tx.Request;
        if (request.Method == "CANCEL")
        {
            await tx.SendResponseAsync(SipResponseBuilder.For(request, 200).Build());
            if (tx.FindCancelTarget() is { } invite)
            {
                await invite.SendResponseAsync(SipResponseBuilder.For(invite.Request, 487).Build());
            }
            return;
        }
        string tag = SipIds.NewTag();
        if (request.Method == "INVITE" && ring)
        {
            var ringing = SipResponseBuilder.For(request, 180, toTag: tag);
            ringing.AddHeader(SipHeaderName.Contact, $"<sip:uas@{HostPort}{TransportParam}>");
            await tx.SendResponseAsync(ringing.Build());
        }
        var b = SipResponseBuilder.For(request, status, toTag: tag);
        if (request.Method == "INVITE" && status < 300)
        {
            b.AddHeader(SipHeaderName.Contact, $"<sip:uas@{HostPort}{TransportParam}>");
        }
        await tx.SendResponseAsync(((SipResponseBuilder)b).Build());
    }

    public async ValueTask OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct = default)
    {
        Acks.Enqueue((SipRequest)ack.Message);
        if (OnAck is not null)
        {
            await OnAck(ack);
        }
    }

    public async ValueTask OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct = default)
    {
        if (OnStray is not null)
        {
            await OnStray(response);
        }
    }

    public void OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception)
    {
    }

    public SipRequest NewRequest(string method, string requestUri, string? body = null, int maxForwards = 70, params string[] extraHeaders)
    {
        var b = new SipRequestBuilder(method, SipUri.Parse(requestUri));
        b.AddHeader(SipHeaderName.Via, $"SIP/2.0/{Local.ViaTransport} {HostPort};branch={SipIds.NewBranch()}")
            .AddHeader(SipHeaderName.MaxForwards, maxForwards.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .AddHeader(SipHeaderName.From, $"<sip:alice@{HostPort}>;tag={SipIds.NewTag()}")
            .AddHeader(SipHeaderName.To, $"<{requestUri}>")
            .AddHeader(SipHeaderName.CallId, SipIds.NewCallId("127.0.0.1"))
            .AddHeader(SipHeaderName.CSeq, $"1 {method}")
            .AddHeader(SipHeaderName.Contact, $"<sip:alice@{HostPort}{TransportParam}>");
        foreach (var h in extraHeaders)
        {
            int colon = h.IndexOf(':', StringComparison.Ordinal);
            b.AddHeader(h[..colon], h[(colon + 1)..].Trim());
        }
        if (body is not null)
        {
            b.SetBody(Encoding.UTF8.GetBytes(body), "text/plain");
        }
        return ((SipRequestBuilder)b).Build();
    }

    /// <summary>Builds the ACK for a 2xx (RFC 3261 §13.2.2.4): Route from the reversed Record-Route, Request-URI = Contact.</summary>
    public SipRequest AckFor(SipRequest invite, SipResponse ok)
    {
        var target = ok.Contacts[0].Uri;
        var b = new SipRequestBuilder("ACK", target);
        b.AddHeader(SipHeaderName.Via, $"SIP/2.0/{Local.ViaTransport} {HostPort};branch={SipIds.NewBranch()}")
            .AddHeader(SipHeaderName.MaxForwards, "70")
            .AddRawHeader(SipHeaderName.From, invite.GetRawValue(invite.IndexOf(SipHeaderName.From, 0)))
            .AddRawHeader(SipHeaderName.To, ok.GetRawValue(ok.IndexOf(SipHeaderName.To, 0)))
            .AddHeader(SipHeaderName.CallId, invite.CallId!)
            .AddHeader(SipHeaderName.CSeq, $"{invite.CSeq!.Value.Number} ACK");
        foreach (var rr in ok.RecordRoutes.Reverse())
        {
            b.AddHeader(SipHeaderName.Route, rr.ToString());
        }
        return ((SipRequestBuilder)b).Build();
    }

    public SipEndPoint EndPointOf(LoopbackNode other) => other.Local;

    public async ValueTask DisposeAsync()
    {
        Transactions.Dispose();
        await Transport.DisposeAsync();
    }
}
