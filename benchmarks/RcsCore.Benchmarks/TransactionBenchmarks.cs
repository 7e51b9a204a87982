using System.Collections.Concurrent;
using System.Net;
using BenchmarkDotNet.Attributes;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Benchmarks;

/// <summary>
/// Transaction layer cost without sockets (RFC 3261 §17): a no-op <see cref="ISipMessageSender"/> and a TU that
/// answers at once with a prebuilt response. Messages are built and their lazy accessors (top Via, CSeq, Call-ID,
/// From, To) touched in setup, so the figures are the layer's: key computation, table insert/lookup/remove, state
/// machine, timer wheel, TU call. Min and Median are shown because the 2-core machines are shared.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class TransactionBenchmarks
{
    /// <summary>Requests per invocation of the UDP creation benchmark (each needs a fresh branch).</summary>
    private const int Batch = 4096;

    /// <summary>Transactions kept in the table of the retransmission benchmark, so lookups hit a populated table.</summary>
    private const int Population = 16384;

    private static readonly SipEndPoint s_tcpPeer = new(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 40000));
    private static readonly SipEndPoint s_tcpLocal = new(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 5060));
    private static readonly SipEndPoint s_udpPeer = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 40000));
    private static readonly SipEndPoint s_udpLocal = new(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));

    // Timer J/K/F = 64*T1 would fire (and empty the UDP tables) during a long run; an hour keeps every
    // transaction of the UDP benchmarks in Completed for the whole run. TCP needs no such care (J = K = 0).
    private static readonly SipTimerOptions s_longTimers = new() { T1 = TimeSpan.FromHours(1), T2 = TimeSpan.FromHours(1) };

    private readonly NoOpSender _sender = new();
    private readonly AnsweringUser _user = new();

    private SipTransactionLayer _tcpServer = null!;
    private SipInboundMessage _tcpOptions = null!;

    private SipInboundMessage[] _udpFresh = [];
    private SipTransactionLayer? _udpCreation;

    private SipTransactionLayer _udpRetransmission = null!;
    private SipInboundMessage _udpRetransmitted = null!;

    private SipTransactionLayer _tcpClient = null!;
    private SipRequest _clientOptions = null!;
    private SipInboundMessage _clientResponse = null!;

    private readonly ConcurrentDictionary<FloorKey, object> _floorTable = new();
    private FloorKey _floorKey;

    [GlobalSetup]
    public void Setup()
    {
        var ok = Prepare(SipResponseBuilder.For(Request("OPTIONS", SipIds.NewBranch(), "TCP"), 200, toTag: "srvtag").Build());
        _user.Response = ok;

        // 1. Non-INVITE server transaction over TCP: created, answered, terminated (Timer J = 0) and removed.
        _tcpServer = new SipTransactionLayer(_sender, _user);
        _tcpOptions = new SipInboundMessage(Prepare(Request("OPTIONS", SipIds.NewBranch(), "TCP")), s_tcpPeer, s_tcpLocal, 1);

        // 2. UDP: fresh branches (creation, Timer J scheduled) and the same request again (retransmission lookup).
        _udpFresh = new SipInboundMessage[Batch];
        for (int i = 0; i < Batch; i++)
        {
            _udpFresh[i] = new SipInboundMessage(Prepare(Request("OPTIONS", SipIds.NewBranch(), "UDP")), s_udpPeer, s_udpLocal, 0);
        }
        _udpRetransmission = new SipTransactionLayer(_sender, _user, s_longTimers);
        for (int i = 0; i < Population; i++)
        {
            var inbound = new SipInboundMessage(Prepare(Request("OPTIONS", SipIds.NewBranch(), "UDP")), s_udpPeer, s_udpLocal, 0);
            Run(_udpRetransmission.OnMessageAsync(inbound));
            if (i == Population / 2)
            {
                _udpRetransmitted = inbound;
            }
        }

        // 3. Non-INVITE client transaction over TCP: started, answered, terminated (Timer K = 0) and removed.
        _tcpClient = new SipTransactionLayer(_sender, _user);
        _clientOptions = Prepare(Request("OPTIONS", SipIds.NewBranch(), "TCP"));
        _clientResponse = new SipInboundMessage(Prepare(SipResponseBuilder.For(_clientOptions, 200, toTag: "srvtag").Build()), s_tcpPeer, s_tcpLocal, 1);

        _floorKey = new FloorKey(_tcpOptions.Message.TopVia!.Branch!, "client.example.com:5060", "OPTIONS");

        // Fail fast if a path stops doing what it is meant to: a benchmark of an early exit measures nothing.
        int answered = _user.Answered;
        Run(ServerNonInviteTcp());
        Check(_user.Answered == answered + 1 && _tcpServer.ServerTransactionCount == 0, "TCP server round trip");
        Check(_udpRetransmission.ServerTransactionCount == Population, "UDP population");
        answered = _user.Answered;
        Run(UdpRetransmissionLookup());
        Check(_user.Answered == answered && _sender.Sent > 0, "UDP retransmission absorbed and answered again");
        Check(ClientNonInviteTcp().AsTask().GetAwaiter().GetResult() == 200 && _tcpClient.ClientTransactionCount == 0, "TCP client round trip");
        UdpCreation();
        Check(_udpCreation!.ServerTransactionCount == 0 && _user.Answered == answered + Batch, "UDP creation");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tcpServer.Dispose();
        _udpCreation?.Dispose();
        _udpRetransmission.Dispose();
        _tcpClient.Dispose();
    }

    /// <summary>The floor of any table-based layer: insert and remove one key of three strings in a concurrent dictionary.</summary>
    [Benchmark(Baseline = true)]
    public bool TableFloor() => _floorTable.TryAdd(_floorKey, _floorTable) && _floorTable.TryRemove(_floorKey, out _);

    /// <summary>
    /// OPTIONS over TCP through a non-INVITE server transaction: key (branch + sent-by + method), create, insert,
    /// TU call, 200 sent, Trying -> Completed -> Terminated (Timer J = 0 on reliable transports), removed.
    /// </summary>
    [Benchmark]
    public ValueTask ServerNonInviteTcp() => _tcpServer.OnMessageAsync(_tcpOptions);

    /// <summary>
    /// New OPTIONS over UDP, each with a fresh branch: as <see cref="ServerNonInviteTcp"/>, but the transaction
    /// stays in Completed with Timer J on the wheel. A new layer per batch of <see cref="Batch"/> (its creation and
    /// the table's growth from empty are amortised over the batch).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void UdpCreation()
    {
        _udpCreation?.Dispose();
        var layer = _udpCreation = new SipTransactionLayer(_sender, _user, s_longTimers);
        var fresh = _udpFresh;
        for (int i = 0; i < fresh.Length; i++)
        {
            Run(layer.OnMessageAsync(fresh[i]));
        }
        layer.Dispose();
    }

    /// <summary>
    /// A retransmitted OPTIONS over UDP (RFC 3261 §17.2.2): key, lookup in a table of <see cref="Population"/>,
    /// absorbed in Completed and the 200 resent. The TU is not called.
    /// </summary>
    [Benchmark]
    public ValueTask UdpRetransmissionLookup() => _udpRetransmission.OnMessageAsync(_udpRetransmitted);

    /// <summary>
    /// OPTIONS sent over TCP through a non-INVITE client transaction: start (Timer F scheduled, request sent), the
    /// 200 matched by branch + method, Trying -> Completed -> Terminated (Timer K = 0), removed; the final response awaited.
    /// </summary>
    [Benchmark]
    public async ValueTask<int> ClientNonInviteTcp()
    {
        var tx = _tcpClient.StartClientTransaction(_clientOptions, s_tcpPeer);
        await _tcpClient.OnMessageAsync(_clientResponse).ConfigureAwait(false);
        var response = await tx.FinalResponse.ConfigureAwait(false);
        return response.StatusCode;
    }

    private static SipRequest Request(string method, string branch, string transport)
    {
        var b = new SipRequestBuilder(method, SipUri.Parse("sip:bob@server.example.com"));
        b.AddHeader(SipHeaderName.Via, $"SIP/2.0/{transport} client.example.com:5060;branch={branch}");
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        b.AddHeader(SipHeaderName.From, "<sip:alice@client.example.com>;tag=ftag");
        b.AddHeader(SipHeaderName.To, "<sip:bob@server.example.com>");
        b.AddHeader(SipHeaderName.CallId, SipIds.NewCallId("client.example.com"));
        b.AddHeader(SipHeaderName.CSeq, $"1 {method}");
        return b.Build();
    }

    /// <summary>Parses the lazily read headers once, as the transport's validation would, so the layer finds them cached.</summary>
    private static T Prepare<T>(T message)
        where T : SipMessage
    {
        Check(message.TopVia?.Branch is not null && message.CSeq is not null && message.CallId is not null
            && message.From is not null && message.To is not null, "benchmark message headers");
        return message;
    }

    private static void Run(ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            return;
        }
        pending.AsTask().GetAwaiter().GetResult();
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark self-check failed: {what}.");
        }
    }

    /// <summary>The shape of the layer's key (branch, sent-by, method), for the floor.</summary>
    private readonly record struct FloorKey(string Id, string SentBy, string Method);

    /// <summary>A transport that sends nothing and completes synchronously.</summary>
    private sealed class NoOpSender : ISipMessageSender
    {
        public int Sent;

        public ValueTask SendAsync(SipMessage message, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
        {
            Sent++;
            return default;
        }
    }

    /// <summary>A TU that answers every new request at once with one prebuilt response (only its CSeq method is checked).</summary>
    private sealed class AnsweringUser : ISipTransactionUser
    {
        public SipResponse Response { get; set; } = null!;

        public int Answered;

        public ValueTask OnRequestAsync(SipServerTransaction transaction, CancellationToken ct)
        {
            Answered++;
            var pending = transaction.SendResponseAsync(Response, ct);
            if (pending.IsCompletedSuccessfully)
            {
                return pending.Result ? default : ValueTask.FromException(new InvalidOperationException("The response was not sent."));
            }
            return new ValueTask(pending.AsTask());
        }

        public ValueTask OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct) => default;

        public ValueTask OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct) => default;

        public void OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception)
        {
        }
    }
}
