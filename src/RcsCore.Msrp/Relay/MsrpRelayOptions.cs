using System.Net;
using RcsCore.Parsing.Msrp;
using RcsCore.Transport;

namespace RcsCore.Msrp.Relay;

/// <summary>Settings of an <see cref="MsrpRelay"/>.</summary>
public sealed class MsrpRelayOptions
{
    /// <summary>Where to listen; 127.0.0.1 with a free port by default (RFC 4976 §6.1; 2855 is the registered port).</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The host written into the relay URI and Use-Path URIs; null uses the listen address.</summary>
    public string? Host { get; init; }

    /// <summary>TLS for accepted connections; when set the relay's URIs are <c>msrps</c> (RFC 4976 §6.1 wants TLS).</summary>
    public TlsServerOptions? Tls { get; init; }

    /// <summary>TLS for connections the relay opens to <c>msrps</c> next hops.</summary>
    public TlsClientOptions? ClientTls { get; init; }

    /// <summary>
    /// Socket and pipe settings of every connection; the pipe sizes bound what the relay buffers per connection.
    /// Null uses the transport defaults with a pipe memory pool of 64 KiB blocks (as MSRP endpoints do).
    /// </summary>
    public SocketConnectionOptions? Socket { get; init; }

    internal SocketConnectionOptions EffectiveSocket => Socket ?? s_defaultSocket;

    private static readonly SocketConnectionOptions s_defaultSocket = new() { MemoryPool = MsrpMemoryPool.Instance };

    /// <summary>The Digest realm of AUTH challenges (RFC 4976 §6.3); null uses <see cref="Host"/> (or the listen address).</summary>
    public string? Realm { get; init; }

    /// <summary>The Digest algorithm challenged with: <c>MD5</c> (RFC 2617, the default, what relays such as Kamailio use) or <c>SHA-256</c> (RFC 7616).</summary>
    public string DigestAlgorithm { get; init; } = "MD5";

    /// <summary>How long a nonce may be used before the client is challenged again with stale=true.</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The lifetime of a Use-Path granted to an AUTH without Expires (RFC 4976 §6.3).</summary>
    public TimeSpan DefaultExpires { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The shortest Expires accepted; shorter is answered 423 with Min-Expires (RFC 4976 §6.3).</summary>
    public TimeSpan MinExpires { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest Expires accepted; longer is answered 423 with Max-Expires (RFC 4976 §6.3).</summary>
    public TimeSpan MaxExpires { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long a forwarded request waits for the next hop's response (RFC 4975 §7.1.1 suggests 30 s).</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Responses and REPORTs the relay may queue for one connection that does not read; past this the connection
    /// is closed (no unbounded queue).
    /// </summary>
    public int MaxQueuedControlFrames { get; init; } = 4096;

    /// <summary>
    /// Body bytes the relay writes for one forwarded chunk before it flushes (and so waits for a slow receiver,
    /// backpressure). Smaller reacts faster; larger makes fewer flushes.
    /// </summary>
    public int FlushThreshold { get; init; } = 64 * 1024;

    /// <summary>Clock for expiry, nonces and transaction timeouts.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Parser limits for received messages.</summary>
    public MsrpLimits? Limits { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (!string.Equals(DigestAlgorithm, "MD5", StringComparison.OrdinalIgnoreCase) && !string.Equals(DigestAlgorithm, "SHA-256", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("DigestAlgorithm is MD5 or SHA-256.", nameof(DigestAlgorithm));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NonceLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinExpires, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExpires, MinExpires);
        if (DefaultExpires < MinExpires || DefaultExpires > MaxExpires)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultExpires), "DefaultExpires lies between MinExpires and MaxExpires.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TransactionTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueuedControlFrames, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(FlushThreshold, 1024);
    }
}
