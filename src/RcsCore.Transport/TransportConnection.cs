using System.IO.Pipelines;
using System.Net;

namespace RcsCore.Transport;

/// <summary>Why a connection (or one of its loops) stopped. The first reason recorded wins.</summary>
public enum TransportShutdownReason : byte
{
    /// <summary>Still running.</summary>
    None = 0,
    /// <summary>The peer closed its side (a zero-byte read, or a TLS close_notify).</summary>
    RemoteClosed = 1,
    /// <summary>The peer reset the connection.</summary>
    RemoteReset = 2,
    /// <summary><see cref="TransportConnection.Abort"/> was called (idle timeout, protocol error, send timeout...).</summary>
    LocalAbort = 3,
    /// <summary>The connection was disposed after its output drained.</summary>
    LocalClose = 4,
    /// <summary>The application completed its end of the pipe.</summary>
    ApplicationCompleted = 5,
    /// <summary>A socket error other than a reset.</summary>
    SocketError = 6,
    /// <summary>The TLS layer failed (handshake, record or certificate error).</summary>
    TlsError = 7,
}

/// <summary>Where a connection loop is, for hang dumps (STYLE §2.11 breadcrumb).</summary>
public enum TransportLoopStatus : byte
{
    /// <summary>The loop has not started.</summary>
    NotStarted = 0,
    /// <summary>Awaiting the socket (receive or send).</summary>
    AwaitingSocket = 1,
    /// <summary>The receive loop awaits <c>FlushAsync</c>: the reader is behind and the pipe is full (backpressure).</summary>
    AwaitingFlush = 2,
    /// <summary>The send loop awaits data from the application.</summary>
    AwaitingData = 3,
    /// <summary>The loop has ended.</summary>
    Stopped = 4,
}

/// <summary>
/// A stream connection seen as a duplex pipe (Kestrel <c>ConnectionContext</c>): the application reads
/// <see cref="IDuplexPipe.Input"/> and writes <see cref="IDuplexPipe.Output"/>; the connection's own loops move
/// bytes between the pipes and the socket.
/// </summary>
public abstract class TransportConnection : IAsyncDisposable
{
    private static long s_lastId;
    private volatile TransportLoopStatus _receiveStatus;
    private volatile TransportLoopStatus _sendStatus;
    private int _shutdownReason;
    private int _receiveStopReason;
    private int _sendStopReason;

    /// <summary>Creates the base with a new process-unique identifier.</summary>
    protected TransportConnection()
    {
        Id = Interlocked.Increment(ref s_lastId);
    }

    /// <summary>A process-unique identifier (never 0).</summary>
    public long Id { get; }

    /// <summary>The application's ends of the pipes.</summary>
    public abstract IDuplexPipe Transport { get; }

    /// <summary>The local endpoint.</summary>
    public abstract EndPoint LocalEndPoint { get; }

    /// <summary>The remote endpoint.</summary>
    public abstract EndPoint RemoteEndPoint { get; }

    /// <summary>True when the bytes travel over TLS.</summary>
    public abstract bool IsSecure { get; }

    /// <summary>Cancelled when the connection is closed: by the peer, by an error or by <see cref="Abort"/>.</summary>
    public abstract CancellationToken ConnectionClosed { get; }

    /// <summary>The reason passed to <see cref="Abort"/>, or null.</summary>
    public string? AbortReason { get; private protected set; }

    /// <summary>The first reason recorded for the connection stopping.</summary>
    public TransportShutdownReason ShutdownReason => (TransportShutdownReason)Volatile.Read(ref _shutdownReason);

    /// <summary>Why the receive loop stopped.</summary>
    public TransportShutdownReason ReceiveStopReason => (TransportShutdownReason)Volatile.Read(ref _receiveStopReason);

    /// <summary>Why the send loop stopped.</summary>
    public TransportShutdownReason SendStopReason => (TransportShutdownReason)Volatile.Read(ref _sendStopReason);

    /// <summary>Where the receive loop is (breadcrumb).</summary>
    public TransportLoopStatus ReceiveStatus
    {
        get => _receiveStatus;
        private protected set => _receiveStatus = value;
    }

    /// <summary>Where the send loop is (breadcrumb).</summary>
    public TransportLoopStatus SendStatus
    {
        get => _sendStatus;
        private protected set => _sendStatus = value;
    }

    /// <summary>The error that stopped the connection, if any.</summary>
    public Exception? Error { get; private protected set; }

    /// <summary>Closes the connection now, without draining output. Safe to call more than once and from any thread.</summary>
    public abstract void Abort(string reason);

    /// <summary>
    /// Sends <paramref name="data"/> right after everything written to <see cref="IDuplexPipe.Output"/> so far,
    /// without copying it into the output pipe where the transport can (a socket sends it by reference, together with
    /// the pipe's pending bytes in one gathered send). The caller must not write to the output until the returned
    /// task completes and must leave <paramref name="data"/> unchanged until then; the task completes once the data
    /// was handed to the socket. This base implementation copies it into the output and flushes.
    /// </summary>
    /// <exception cref="IOException">The connection stopped sending.</exception>
    public virtual async ValueTask WriteByReferenceAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        var flush = await Transport.Output.WriteAsync(data, ct).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException($"Connection {Id} stopped sending.");
        }
    }

    /// <summary>Closes the connection: pending output is sent (bounded by a timeout), then the socket is closed.</summary>
    public abstract ValueTask DisposeAsync();

    private protected void RecordShutdown(TransportShutdownReason reason) => Interlocked.CompareExchange(ref _shutdownReason, (int)reason, 0);

    private protected void RecordReceiveStop(TransportShutdownReason reason)
    {
        Interlocked.CompareExchange(ref _receiveStopReason, (int)reason, 0);
        RecordShutdown(reason);
    }

    private protected void RecordSendStop(TransportShutdownReason reason)
    {
        Interlocked.CompareExchange(ref _sendStopReason, (int)reason, 0);
        RecordShutdown(reason);
    }

    /// <inheritdoc />
    public override string ToString() => $"#{Id} {LocalEndPoint}->{RemoteEndPoint}{(IsSecure ? " tls" : string.Empty)}";
}

/// <summary>The connection ended abnormally; the application's input pipe completes with this error.</summary>
public sealed class TransportConnectionException : IOException
{
    /// <summary>Creates the exception.</summary>
    public TransportConnectionException(TransportShutdownReason reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    /// <summary>Creates the exception.</summary>
    public TransportConnectionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public TransportConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TransportConnectionException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    /// <summary>Why the connection ended.</summary>
    public TransportShutdownReason Reason { get; }
}
