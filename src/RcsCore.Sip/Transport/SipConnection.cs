using RcsCore.Parsing.Sip;
using RcsCore.Sip.Framing;
using RcsCore.Transport;

namespace RcsCore.Sip.Transport;

/// <summary>Where a SIP connection's read loop is (breadcrumb for hang dumps).</summary>
internal enum SipConnectionState
{
    Reading = 0,
    Dispatching = 1,
    AnsweringKeepAlive = 2,
    AnsweringError = 3,
    Closing = 4,
    Closed = 5,
}

/// <summary>One stream connection as the SIP transport sees it: the transport connection, a framer and bookkeeping.</summary>
internal sealed class SipConnection
{
    private readonly TimeProvider _time;
    private long _lastActivity;
    private volatile SipConnectionState _state;
    private int _closing;

    public SipConnection(TransportConnection transport, SipTransportProtocol protocol, bool inbound, SipLimits limits, TimeProvider time)
    {
        Transport = transport;
        Protocol = protocol;
        Inbound = inbound;
        _time = time;
        Framer = new SipStreamFramer(limits);
        Remote = new SipEndPoint(protocol, (System.Net.IPEndPoint)transport.RemoteEndPoint);
        Local = new SipEndPoint(protocol, (System.Net.IPEndPoint)transport.LocalEndPoint);
        Touch();
    }

    public TransportConnection Transport { get; }

    public long Id => Transport.Id;

    public SipTransportProtocol Protocol { get; }

    public bool Inbound { get; }

    public SipEndPoint Remote { get; }

    public SipEndPoint Local { get; }

    public SipStreamFramer Framer { get; }

    /// <summary>Serialises writers: a <c>PipeWriter</c> is not thread-safe.</summary>
    public SemaphoreSlim SendLock { get; } = new(1, 1);

    /// <summary>CRLFs seen since the last message or pong (RFC 5626 §3.5.1: two make a ping).</summary>
    public int PendingCrlf { get; set; }

    /// <summary>RFC 5923 alias keys registered for this connection.</summary>
    public List<SipEndPoint> Aliases { get; } = [];

    public Task ReadLoop { get; set; } = Task.CompletedTask;

    public SipConnectionState State
    {
        get => _state;
        set => _state = value;
    }

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    public bool IsOpen => !IsClosing && !Transport.ConnectionClosed.IsCancellationRequested;

    public TimeSpan IdleTime => _time.GetElapsedTime(Volatile.Read(ref _lastActivity));

    public void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    public bool MarkClosing() => Interlocked.Exchange(ref _closing, 1) == 0;
}
