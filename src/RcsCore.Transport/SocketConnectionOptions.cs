using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RcsCore.Transport;

/// <summary>Per-connection settings for <see cref="SocketConnection"/> and <see cref="SocketListener"/>.</summary>
public sealed class SocketConnectionOptions
{
    /// <summary>The defaults.</summary>
    public static SocketConnectionOptions Default { get; } = new();

    /// <summary>Pool for pipe segments.</summary>
    public MemoryPool<byte> MemoryPool { get; init; } = MemoryPool<byte>.Shared;

    /// <summary>
    /// Bytes received but not yet consumed by the application before the receive loop stops reading the socket
    /// (the input pipe's pause threshold; it resumes at half). Must exceed the largest frame the application waits for.
    /// </summary>
    public long MaxReadBufferSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// Bytes written by the application but not yet sent before <c>FlushAsync</c> stops completing (the output
    /// pipe's pause threshold; it resumes at half). This bounds memory when the peer does not read.
    /// </summary>
    public long MaxWriteBufferSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// Runs the application's input reader continuation on the receive loop's thread when data arrives (no
    /// thread-pool hop per socket read). Only for readers that never block synchronously; off by default.
    /// </summary>
    public bool InlineReads { get; init; }

    /// <summary>Smallest buffer asked from the input pipe for one socket read.</summary>
    public int MinimumReceiveSize { get; init; } = 2048;

    /// <summary>Disables Nagle (TCP_NODELAY); signalling messages are small and latency-bound.</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>SO_SNDBUF, or null for the OS default.</summary>
    public int? SocketSendBufferSize { get; init; }

    /// <summary>SO_RCVBUF, or null for the OS default.</summary>
    public int? SocketReceiveBufferSize { get; init; }

    /// <summary>How long <see cref="SocketConnection.ConnectAsync"/> may take, TLS handshake included.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <see cref="TransportConnection.DisposeAsync"/> waits for queued output before aborting.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time source for the timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(MemoryPool);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReadBufferSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriteBufferSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumReceiveSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(CloseTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}

/// <summary>TLS settings for accepting connections.</summary>
public sealed class TlsServerOptions
{
    /// <summary>Creates options with the server certificate (it must carry its private key).</summary>
    public TlsServerOptions(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Certificate = certificate;
    }

    /// <summary>The server certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Allowed protocol versions: TLS 1.2 and 1.3 by default.</summary>
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Ask the client for a certificate (mutual TLS, RFC 5923 §5 / RFC 5630).</summary>
    public bool ClientCertificateRequired { get; init; }

    /// <summary>Validates the client certificate; null uses the platform's default validation.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; init; }

    /// <summary>How long a handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most handshakes in progress at once; further accepted sockets are closed.</summary>
    public int MaxPendingHandshakes { get; init; } = 256;

    internal SslServerAuthenticationOptions ToSsl() => new()
    {
        ServerCertificate = Certificate,
        EnabledSslProtocols = EnabledProtocols,
        ClientCertificateRequired = ClientCertificateRequired,
        RemoteCertificateValidationCallback = RemoteCertificateValidation,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };
}

/// <summary>TLS settings for opening connections.</summary>
public sealed class TlsClientOptions
{
    /// <summary>The name to validate the server certificate against (and to send as SNI); null uses the remote address.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Allowed protocol versions: TLS 1.2 and 1.3 by default.</summary>
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Client certificates offered to the server (mutual TLS), or null.</summary>
    public X509CertificateCollection? ClientCertificates { get; init; }

    /// <summary>Validates the server certificate; null uses the platform's default validation.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; init; }

    /// <summary>Revocation checking for the server certificate.</summary>
    public X509RevocationMode RevocationMode { get; init; } = X509RevocationMode.NoCheck;

    internal SslClientAuthenticationOptions ToSsl(string targetHost) => new()
    {
        TargetHost = TargetHost ?? targetHost,
        EnabledSslProtocols = EnabledProtocols,
        ClientCertificates = ClientCertificates,
        RemoteCertificateValidationCallback = RemoteCertificateValidation,
        CertificateRevocationCheckMode = RevocationMode,
    };
}
