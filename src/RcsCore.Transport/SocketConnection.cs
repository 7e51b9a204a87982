using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RcsCore.Transport;

/// <summary>
/// A connected TCP socket, optionally wrapped in TLS, exposed as a duplex pipe. A receive loop fills the input
/// pipe (<c>GetMemory</c>/<c>Advance</c>/<c>FlushAsync</c>, pausing while the application is behind) and a send loop
/// drains the output pipe into the socket; both record why they stopped. Both pipes are bounded, so a peer that
/// stops reading makes the application's <c>FlushAsync</c> wait instead of growing memory.
/// </summary>
public sealed partial class SocketConnection : TransportConnection
{
    private readonly Socket _socket;
    private readonly SslStream? _ssl;
    private readonly SocketConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closedCts = new();
    private Task _receiveTask = Task.CompletedTask;
    private Task _sendTask = Task.CompletedTask;
    private int _aborted;
    private int _closing;
    private int _closedSignalled;
    private long _bytesReceived;
    private long _bytesSent;
    private List<ArraySegment<byte>>? _gather;
    private DirectWrite? _direct;
    private int _sendLoopDone;

    internal SocketConnection(Socket socket, SslStream? ssl, SocketConnectionOptions options, ILogger? logger)
    {
        _socket = socket;
        _ssl = ssl;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        LocalEndPoint = socket.LocalEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        RemoteEndPoint = socket.RemoteEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        _input = new Pipe(new PipeOptions(options.MemoryPool, options.InlineReads ? PipeScheduler.Inline : PipeScheduler.ThreadPool, PipeScheduler.ThreadPool,
            options.MaxReadBufferSize, options.MaxReadBufferSize / 2, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(options.MemoryPool, PipeScheduler.ThreadPool, PipeScheduler.ThreadPool,
            options.MaxWriteBufferSize, options.MaxWriteBufferSize / 2, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
    }

    /// <inheritdoc />
    public override IDuplexPipe Transport { get; }

    /// <inheritdoc />
    public override EndPoint LocalEndPoint { get; }

    /// <inheritdoc />
    public override EndPoint RemoteEndPoint { get; }

    /// <inheritdoc />
    public override bool IsSecure => _ssl is not null;

    /// <inheritdoc />
    public override CancellationToken ConnectionClosed => _closedCts.Token;

    /// <summary>The negotiated TLS protocol, or <see cref="SslProtocols.None"/> for plain TCP.</summary>
    public SslProtocols SslProtocol => _ssl?.SslProtocol ?? SslProtocols.None;

    /// <summary>The certificate the peer presented in the TLS handshake (a client's only when one was requested), or null.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate? RemoteCertificate => _ssl?.RemoteCertificate;

    /// <summary>Bytes read from the socket so far.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Bytes written to the socket so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>
    /// Opens a TCP connection (and a TLS session when <paramref name="tls"/> is given) within
    /// <see cref="SocketConnectionOptions.ConnectTimeout"/>. Throws <see cref="SocketException"/>,
    /// <see cref="AuthenticationException"/> or <see cref="TimeoutException"/>.
    /// </summary>
    public static async ValueTask<SocketConnection> ConnectAsync(IPEndPoint remote, SocketConnectionOptions? options = null, TlsClientOptions? tls = null, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(remote);
        options ??= SocketConnectionOptions.Default;
        options.Validate();
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        SslStream? ssl = null;
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            Configure(socket, options);
            await socket.ConnectAsync(remote, linked.Token).ConfigureAwait(false);
            if (tls is not null)
            {
                ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(tls.ToSsl(remote.Address.ToString()), linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            ssl?.Dispose();
            socket.Dispose();
            throw new TimeoutException($"Connecting to {remote} timed out after {options.ConnectTimeout.TotalMilliseconds:F0} ms.", ex);
        }
        catch
        {
            ssl?.Dispose();
            socket.Dispose();
            throw;
        }
        var connection = new SocketConnection(socket, ssl, options, logger);
        connection.Start();
        return connection;
    }

    internal static void Configure(Socket socket, SocketConnectionOptions options)
    {
        socket.NoDelay = options.NoDelay;
        if (options.SocketSendBufferSize is int snd)
        {
            socket.SendBufferSize = snd;
        }
        if (options.SocketReceiveBufferSize is int rcv)
        {
            socket.ReceiveBufferSize = rcv;
        }
    }

    internal void Start()
    {
        _receiveTask = ReceiveLoopAsync();
        _sendTask = SendLoopAsync();
    }

    /// <inheritdoc />
    public override void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }
        AbortReason = reason;
        RecordShutdown(TransportShutdownReason.LocalAbort);
        TransportLog.ConnectionAborted(_logger, Id, RemoteEndPoint, reason);
        // Wake both loops wherever they wait: a full input pipe, an empty output pipe, or the socket.
        _input.Writer.CancelPendingFlush();
        _output.Reader.CancelPendingRead();
        CloseSocket();
        SignalClosed();
    }

    /// <summary>
    /// Completes the application's ends of both pipes, lets queued output drain (up to
    /// <see cref="SocketConnectionOptions.CloseTimeout"/>, then aborts), closes the socket and waits for both loops.
    /// Call it after the application has stopped using <see cref="Transport"/>.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }
        _output.Writer.Complete();
        try
        {
            await _sendTask.WaitAsync(_options.CloseTimeout, _options.TimeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort("close timeout: queued output was not sent");
        }
        if (Volatile.Read(ref _aborted) == 0)
        {
            RecordShutdown(TransportShutdownReason.LocalClose);
            if (_ssl is not null)
            {
                try
                {
                    // TLS close_notify before the FIN.
                    await _ssl.ShutdownAsync().WaitAsync(_options.CloseTimeout, _options.TimeProvider).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or TimeoutException or InvalidOperationException or NotSupportedException
                    or System.Security.Cryptography.CryptographicException)
                {
                    // Best effort only (OpenSSL refuses a close_notify while the handshake is unfinished).
                }
            }
        }
        CloseSocket();
        _input.Reader.Complete();
        await _receiveTask.ConfigureAwait(false);
        await _sendTask.ConfigureAwait(false);
        SignalClosed();
    }

    private void CloseSocket()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
        _ssl?.Dispose();
        _socket.Dispose();
    }

    private void SignalClosed()
    {
        if (Interlocked.Exchange(ref _closedSignalled, 1) == 0)
        {
            // Run ConnectionClosed callbacks off the loop thread (Kestrel does the same).
            ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), _closedCts, preferLocal: false);
        }
    }

    private TransportShutdownReason Classify(Exception ex)
    {
        if (Volatile.Read(ref _aborted) != 0)
        {
            return TransportShutdownReason.LocalAbort;
        }
        if (Volatile.Read(ref _closing) != 0)
        {
            return TransportShutdownReason.LocalClose;
        }
        var socketError = ex as SocketException ?? ex.InnerException as SocketException;
        if (socketError is not null)
        {
            return socketError.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                ? TransportShutdownReason.RemoteReset
                : TransportShutdownReason.SocketError;
        }
        if (ex is ObjectDisposedException or OperationCanceledException)
        {
            return TransportShutdownReason.LocalAbort;
        }
        if (ex is AuthenticationException || (_ssl is not null && ex is IOException))
        {
            return TransportShutdownReason.TlsError;
        }
        return TransportShutdownReason.SocketError;
    }

    private sealed class DuplexPipe : IDuplexPipe
    {
        public DuplexPipe(PipeReader input, PipeWriter output)
        {
            Input = input;
            Output = output;
        }

        public PipeReader Input { get; }

        public PipeWriter Output { get; }
    }
}
