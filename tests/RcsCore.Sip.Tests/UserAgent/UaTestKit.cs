using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Tests.Transactions;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Sip.Tests.UserAgent;

/// <summary>One message the network carried (or dropped).</summary>
internal sealed record Wire(SipMessage Message, string From, string To, double Ms, bool Dropped)
{
    public SipRequest Request => (SipRequest)Message;
    public SipResponse Response => (SipResponse)Message;
    public bool IsRequest => Message.IsRequest;
    public string? Method => Message is SipRequest r ? r.Method : null;
    public int Status => Message is SipResponse r ? r.StatusCode : 0;
    public string? CSeqMethod => Message.CSeq?.Method;
}

/// <summary>
/// User agents connected by an in-memory network: each has its own transaction layer and fake transport, all on
/// one virtual clock. A send is delivered inline to the node whose address is the destination, so runs are
/// deterministic; <see cref="Drop"/> loses chosen messages.
/// </summary>
internal sealed class UaNetwork : IDisposable
{
    private readonly Dictionary<IPEndPoint, UaNode> _nodes = [];
    private readonly List<Wire> _wire = [];

    public UaNetwork(SipTimerOptions? timers = null)
    {
        Time = new FakeTimeProvider();
        Timers = timers;
    }

    public FakeTimeProvider Time { get; }

    public SipTimerOptions? Timers { get; }

    /// <summary>Return true to lose a message (it is still logged, as dropped).</summary>
    public Func<Wire, bool>? Drop { get; set; }

    public IReadOnlyList<Wire> Log
    {
        get
        {
            lock (_wire)
            {
                return _wire.ToArray();
            }
        }
    }

    public double NowMs => (Time.GetUtcNow() - Time.Start).TotalMilliseconds;

    public UaNode Add(string name, string ip, int port = 5060, SipTransportProtocol protocol = SipTransportProtocol.Udp, Func<SipUserAgentOptions, SipUserAgentOptions>? configure = null)
    {
        var endPoint = new SipEndPoint(protocol, new IPEndPoint(IPAddress.Parse(ip), port));
        var sender = new FakeSender(Time);
        var options = new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse($"sip:{name}@example.com"), name),
            SentBy = _ => new SipHostPort(ip, port),
            Supported = ["path"],
            Accept = ["application/sdp", "text/plain"],
        };
        options = configure?.Invoke(options) ?? options;
        var ua = new SipUserAgent(sender, options, Timers, Time);
        var node = new UaNode(this, name, endPoint, ua, sender);
        sender.Deliver = (message, destination) => DeliverAsync(node, message, destination);
        _nodes[endPoint.Address] = node;
        return node;
    }

    private ValueTask DeliverAsync(UaNode from, SipMessage message, SipEndPoint destination)
    {
        _nodes.TryGetValue(destination.Address, out var to);
        var wire = new Wire(message, from.Name, to?.Name ?? destination.ToString(), NowMs, false);
        bool drop = Drop?.Invoke(wire) == true;
        lock (_wire)
        {
            _wire.Add(drop ? wire with { Dropped = true } : wire);
        }
        if (drop || to is null)
        {
            return default;
        }
        return to.Ua.Transactions.OnMessageAsync(new SipInboundMessage(message, new SipEndPoint(destination.Protocol, from.EndPoint.Address), destination, 0));
    }

    /// <summary>Delivers a message to <paramref name="to"/> as if <paramref name="from"/> had sent it.</summary>
    public ValueTask InjectAsync(SipMessage message, UaNode from, UaNode to) =>
        to.Ua.Transactions.OnMessageAsync(new SipInboundMessage(message, new SipEndPoint(to.EndPoint.Protocol, from.EndPoint.Address), to.EndPoint, 0));

    /// <summary>Advances the clock in 1 ms steps so timers fire at their exact virtual times.</summary>
    public void Advance(double ms)
    {
        for (int i = 0; i < (int)ms; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }
    }

    /// <summary>Messages sent (not dropped) from one node to another.</summary>
    public IReadOnlyList<Wire> Sent(string from, Func<Wire, bool>? filter = null) =>
        Log.Where(w => w.From == from && (filter is null || filter(w))).ToArray();

    public IReadOnlyList<Wire> Requests(string from, string method) => Sent(from, w => w.Method == method);

    public IReadOnlyList<Wire> Responses(string from, int status, string? cseqMethod = null) =>
        Sent(from, w => w.Status == status && (cseqMethod is null || w.CSeqMethod == cseqMethod));

    public void Dispose()
    {
        foreach (var node in _nodes.Values)
        {
            node.Ua.Dispose();
        }
    }
}

/// <summary>A user agent on the network, with what it saw.</summary>
internal sealed class UaNode
{
    public UaNode(UaNetwork network, string name, SipEndPoint endPoint, SipUserAgent ua, FakeSender sender)
    {
        Network = network;
        Name = name;
        EndPoint = endPoint;
        Ua = ua;
        Sender = sender;
        ua.DialogTerminated += (_, e) => Terminated.Enqueue(e);
    }

    public UaNetwork Network { get; }
    public string Name { get; }
    public SipEndPoint EndPoint { get; }
    public SipUserAgent Ua { get; }
    public FakeSender Sender { get; }
    public ConcurrentQueue<SipDialogTerminatedEventArgs> Terminated { get; } = new();

    /// <summary>This UA's address as a Request-URI.</summary>
    public SipUri Uri => SipUri.Create(Name, EndPoint.Address.Address.ToString(), EndPoint.Address.Port);

    public SipRequestBuilder NewRequest(string method, UaNode target) => Ua.CreateRequest(method, target.Uri, target.EndPoint);

    public SipRequest NewInvite(UaNode target, Action<SipRequestBuilder>? configure = null)
    {
        var b = NewRequest("INVITE", target);
        configure?.Invoke(b);
        b.SetBody("v=0\r\n"u8.ToArray(), "application/sdp");
        return b.Build();
    }
}

/// <summary>Handlers the tests register, recording what they saw.</summary>
internal sealed class RecordingHandler : ISipRequestHandler
{
    private readonly Func<SipIncomingRequest, CancellationToken, ValueTask<SipResponse?>> _answer;

    public RecordingHandler(Func<SipIncomingRequest, CancellationToken, ValueTask<SipResponse?>> answer)
    {
        _answer = answer;
    }

    public ConcurrentQueue<SipIncomingRequest> Seen { get; } = new();

    public SipIncomingRequest Last => Seen.Last();

    public ValueTask<SipResponse?> HandleAsync(SipIncomingRequest request, CancellationToken ct)
    {
        Seen.Enqueue(request);
        return _answer(request, ct);
    }

    /// <summary>Answers every request with <paramref name="status"/> at once.</summary>
    public static RecordingHandler Answer(int status = 200) =>
        new((r, _) => new ValueTask<SipResponse?>(r.CreateResponse(status).Build()));

    /// <summary>For an INVITE: 180, then 200.</summary>
    public static RecordingHandler RingThenAccept() =>
        new(async (r, ct) =>
        {
            await r.SendProvisionalAsync(180, ct: ct);
            await r.AcceptAsync("v=0\r\n"u8.ToArray(), "application/sdp", ct);
            return null;
        });
}

/// <summary>Waits (in real time, briefly) for a condition that background continuations make true.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string because)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(2, TestContext.Current.CancellationToken);
        }
        Assert.True(condition(), because);
    }
}

internal static class WireBytes
{
    public static SipRequest ParseRequest(string text)
    {
        var result = SipMessage.TryParse(System.Text.Encoding.UTF8.GetBytes(text), SipFraming.Datagram, out var message);
        Assert.True(result.IsSuccess, result.Message);
        return (SipRequest)message!;
    }
}
