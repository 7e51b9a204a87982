using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

/// <summary>One send the fake transport saw.</summary>
internal sealed record SentMessage(SipMessage Message, SipEndPoint Destination, long ConnectionId, TimeSpan At)
{
    public SipRequest Request => (SipRequest)Message;
    public SipResponse Response => (SipResponse)Message;
    public bool IsRequest => Message.IsRequest;
    public double Ms => At.TotalMilliseconds;
}

/// <summary>
/// A fake transport: records every send with the virtual time, can throw (synchronously or from an incomplete
/// ValueTask), can lose the first N sends, and can deliver to a peer layer.
/// </summary>
internal sealed class FakeSender : ISipMessageSender
{
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;
    private readonly List<SentMessage> _sent = [];
    private int _toLose;

    public FakeSender(TimeProvider time)
    {
        _time = time;
        _start = time.GetUtcNow();
    }

    /// <summary>When set, every send throws this (a <see cref="SipTransportException"/> usually).</summary>
    public Func<SipMessage, Exception?>? Fail { get; set; }

    /// <summary>When true, failures are reported through an incomplete ValueTask that faults later.</summary>
    public bool FailAsynchronously { get; set; }

    /// <summary>Where a sent message is delivered (the peer's inbound handler), after it is recorded.</summary>
    public Func<SipMessage, SipEndPoint, ValueTask>? Deliver { get; set; }

    /// <summary>Number of sends lost so far.</summary>
    public int Lost { get; private set; }

    public void LoseNext(int count) => Interlocked.Exchange(ref _toLose, count);

    public IReadOnlyList<SentMessage> Sent
    {
        get
        {
            lock (_sent)
            {
                return _sent.ToArray();
            }
        }
    }

    public IReadOnlyList<SentMessage> Requests(string method) => Sent.Where(s => s.IsRequest && s.Request.Method == method).ToArray();

    public IReadOnlyList<SentMessage> Responses(int status) => Sent.Where(s => !s.IsRequest && s.Response.StatusCode == status).ToArray();

    public void Clear()
    {
        lock (_sent)
        {
            _sent.Clear();
        }
    }

    public ValueTask SendAsync(SipMessage message, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
    {
        lock (_sent)
        {
            _sent.Add(new SentMessage(message, destination, connectionId, _time.GetUtcNow() - _start));
        }
        if (Fail?.Invoke(message) is { } error)
        {
            if (FailAsynchronously)
            {
                return new ValueTask(FaultLaterAsync(error));
            }
            throw error;
        }
        if (Interlocked.Decrement(ref _toLose) >= 0)
        {
            Lost++;
            return default;
        }
        Interlocked.Exchange(ref _toLose, 0);
        return Deliver is null ? default : Deliver(message, destination);
    }

    private static async Task FaultLaterAsync(Exception error)
    {
        await Task.Yield();
        throw error;
    }
}

/// <summary>Records what the layer hands to the TU; optionally answers requests.</summary>
internal sealed class RecordingUser : ISipTransactionUser
{
    public ConcurrentQueue<SipServerTransaction> Requests { get; } = new();
    public ConcurrentQueue<(SipInboundMessage Ack, SipServerTransaction? Transaction)> Acks { get; } = new();
    public ConcurrentQueue<(SipInboundMessage Response, SipClientTransaction? Transaction)> Strays { get; } = new();
    public ConcurrentQueue<(SipTransaction Transaction, SipTransactionFailure Failure, SipTransportException? Error)> Failures { get; } = new();

    /// <summary>Called for each new request (e.g. to answer it at once).</summary>
    public Func<SipServerTransaction, ValueTask>? OnRequest { get; set; }

    public async ValueTask OnRequestAsync(SipServerTransaction transaction, CancellationToken ct)
    {
        Requests.Enqueue(transaction);
        if (OnRequest is { } handler)
        {
            await handler(transaction);
        }
    }

    public ValueTask OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct)
    {
        Acks.Enqueue((ack, transaction));
        return default;
    }

    public ValueTask OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct)
    {
        Strays.Enqueue((response, transaction));
        return default;
    }

    public void OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception) =>
        Failures.Enqueue((transaction, failure, exception));
}

/// <summary>A layer with a virtual clock, a recording transport and a recording TU.</summary>
internal sealed class Harness : IDisposable
{
    public static readonly SipEndPoint UdpPeer = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5060));
    public static readonly SipEndPoint TcpPeer = new(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 5060));
    public static readonly SipEndPoint UdpLocal = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5060));
    public static readonly SipEndPoint TcpLocal = new(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 5060));

    public Harness(SipTimerOptions? options = null, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider();
        Sender = new FakeSender(Time);
        User = new RecordingUser();
        Layer = new SipTransactionLayer(Sender, User, options, Time);
    }

    public FakeTimeProvider Time { get; }
    public FakeSender Sender { get; }
    public RecordingUser User { get; }
    public SipTransactionLayer Layer { get; }

    /// <summary>
    /// Advances the virtual clock in 1 ms steps: FakeTimeProvider runs due callbacks with the clock at the end of
    /// each Advance, so small steps make the recorded send times exact.
    /// </summary>
    public void Advance(double ms)
    {
        for (int i = 0; i < (int)ms; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    /// <summary>The virtual time since the harness was created.</summary>
    public double NowMs => (Time.GetUtcNow() - Time.Start).TotalMilliseconds;

    public ValueTask Receive(SipMessage message, bool tcp = false) =>
        Layer.OnMessageAsync(new SipInboundMessage(message, tcp ? TcpPeer : UdpPeer, tcp ? TcpLocal : UdpLocal, tcp ? 7 : 0));

    public void Dispose() => Layer.Dispose();
}

/// <summary>Builds the messages the tests exchange.</summary>
internal static class Msg
{
    public static SipRequest Request(
        string method,
        string? branch = null,
        string transport = "UDP",
        string sentBy = "client.example.com:5060",
        string callId = "call-1@client.example.com",
        uint cseq = 1,
        string? toTag = null,
        string fromTag = "ftag",
        string? route = null,
        string? cseqMethod = null)
    {
        var b = new SipRequestBuilder(method, SipUri.Parse("sip:bob@server.example.com"));
        b.AddHeader(SipHeaderName.Via, $"SIP/2.0/{transport} {sentBy}" + (branch is null ? string.Empty : $";branch={branch}"));
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        if (route is not null)
        {
            b.AddHeader(SipHeaderName.Route, route);
        }
        b.AddHeader(SipHeaderName.From, $"<sip:alice@client.example.com>;tag={fromTag}");
        b.AddHeader(SipHeaderName.To, "<sip:bob@server.example.com>" + (toTag is null ? string.Empty : $";tag={toTag}"));
        b.AddHeader(SipHeaderName.CallId, callId);
        b.AddHeader(SipHeaderName.CSeq, $"{cseq} {cseqMethod ?? method}");
        return ((SipRequestBuilder)b).Build();
    }

    public static SipRequest Invite(string? branch = null, string transport = "UDP", string? route = null) =>
        Request("INVITE", branch ?? SipIds.NewBranch(), transport, route: route);

    public static SipRequest Options(string? branch = null, string transport = "UDP") =>
        Request("OPTIONS", branch ?? SipIds.NewBranch(), transport);

    public static SipResponse Response(SipRequest request, int status, string toTag = "srvtag") =>
        SipResponseBuilder.For(request, status, toTag: toTag).Build();

    /// <summary>The ACK a UAC sends for a non-2xx final response (same branch as the INVITE, §17.1.1.3).</summary>
    public static SipRequest AckFor(SipRequest invite, SipResponse response, string? branch = null)
    {
        var via = invite.TopVia!;
        return Request("ACK", branch ?? via.Branch, via.Transport, $"{via.Host}" + (via.Port >= 0 ? $":{via.Port}" : string.Empty),
            invite.CallId!, invite.CSeq!.Value.Number, response.To!.Tag, invite.From!.Tag!);
    }

    public static SipMessage Parse(byte[] bytes)
    {
        var result = SipMessage.TryParse(bytes, SipFraming.Datagram, out var message);
        Assert.True(result.IsSuccess, result.Message);
        return message!;
    }
}
