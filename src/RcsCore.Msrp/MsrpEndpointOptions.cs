using System.Net;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp;

/// <summary>Settings of an <see cref="MsrpEndpoint"/>.</summary>
public sealed class MsrpEndpointOptions
{
    /// <summary>Where to listen; 127.0.0.1 with a free port by default.</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The host written into local MSRP URIs; null uses the listen address.</summary>
    public string? Host { get; init; }

    /// <summary>TLS for accepted connections; when set, local URIs are <c>msrps</c> (RFC 4975 §6).</summary>
    public TlsServerOptions? Tls { get; init; }

    /// <summary>TLS for connections this endpoint opens to <c>msrps</c> URIs (fingerprints override certificate validation).</summary>
    public TlsClientOptions? ClientTls { get; init; }

    /// <summary>
    /// Socket and pipe settings of every connection. Null uses the transport defaults with a pipe memory pool of
    /// 64 KiB blocks (one system call moves a whole chunk) and inline reads (the MSRP receive loop runs on the
    /// socket's receive path, no thread hop per read).
    /// </summary>
    public SocketConnectionOptions? Socket { get; init; }

    internal SocketConnectionOptions EffectiveSocket => Socket ?? s_defaultSocket;

    private static readonly SocketConnectionOptions s_defaultSocket = new() { MemoryPool = MsrpMemoryPool.Instance, InlineReads = true };

    /// <summary>Body bytes per SEND chunk (RFC 4975 §7.1.1); 64 KiB by default.</summary>
    public int ChunkSize { get; init; } = 64 * 1024;

    /// <summary>
    /// How large a chunk may grow while nothing else waits for the connection (1 MiB by default): fewer chunks mean
    /// fewer heads, responses and flushes per byte. A grown chunk is interrupted (RFC 4975 §7.1, ending in <c>+</c>)
    /// as soon as another message, response or REPORT waits and it holds <see cref="ChunkSize"/> bytes, so short
    /// messages still get through quickly. Sessions through a relay keep <see cref="ChunkSize"/> (relays may cap
    /// frame sizes), as does a send with <see cref="MsrpSendOptions.ChunkSize"/>. Set it to <see cref="ChunkSize"/> to
    /// send fixed chunks.
    /// </summary>
    public int MaxChunkSize { get; init; } = 1024 * 1024;

    /// <summary>How long a SEND or AUTH transaction waits for its response (RFC 4975 §7.1.1 suggests 30 s).</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a send with Success-Report yes waits for the REPORT after the last response.</summary>
    public TimeSpan ReportTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock for transaction timeouts and relay re-AUTH.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Parser limits for received messages.</summary>
    public MsrpLimits? Limits { get; init; }

    /// <summary>
    /// Bytes of out-of-order chunk data one incoming message may hold while it waits for the gap before it; more
    /// fails the message (bounded memory).
    /// </summary>
    public long MaxReorderBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Body bytes buffered for an incoming message that the application has not read yet; past this the
    /// connection stops reading from the socket (backpressure) until the application reads.
    /// </summary>
    public long IncomingBufferSize { get; init; } = 1024 * 1024;

    /// <summary>Incoming messages a session queues before <see cref="MsrpSession.ReceiveAsync"/> takes them.</summary>
    public int MaxQueuedMessages { get; init; } = 256;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxChunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TransactionTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReportTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReorderBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(IncomingBufferSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedMessages, 1);
    }
}
