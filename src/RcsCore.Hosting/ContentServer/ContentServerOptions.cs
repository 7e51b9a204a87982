using System.Net;
using RcsCore.Ims.Authentication;

namespace RcsCore.Hosting.ContentServer;

/// <summary>Settings of a <see cref="FileTransferContentServer"/> (GSMA RCC.07 FT via HTTP content server).</summary>
public sealed class ContentServerOptions
{
    /// <summary>The default listen endpoint: 127.0.0.1:8080.</summary>
    public static readonly IPEndPoint DefaultListenEndPoint = new(IPAddress.Loopback, 8080);

    /// <summary>Where Kestrel listens (plain HTTP); port 0 picks a free port (<see cref="FileTransferContentServer.BaseUri"/>).</summary>
    public IPEndPoint ListenEndPoint { get; init; } = DefaultListenEndPoint;

    /// <summary>The data directory; files, thumbnails and their metadata live in its <c>ft</c> subdirectory.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The largest file accepted, in bytes (default 200 MiB); larger uploads get 413 with a text/plain reason.</summary>
    public long MaxFileSize { get; init; } = 200L * 1024 * 1024;

    /// <summary>The largest thumbnail accepted, in bytes (default 1 MiB).</summary>
    public long MaxThumbnailSize { get; init; } = 1024 * 1024;

    /// <summary>How long an uploaded file stays downloadable (the <c>until</c> of the file-info; default 7 days).</summary>
    public TimeSpan Validity { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often expired files are deleted (default 1 minute).</summary>
    public TimeSpan CleanupInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The Digest realm of upload authentication; use the SIP domain so stored H(A1)s match (default <c>localhost</c>).</summary>
    public string Realm { get; init; } = "localhost";

    /// <summary>The Digest algorithms offered, preferred first (RFC 7616 §3.7): SHA-256 and MD5 by default.</summary>
    public IReadOnlyList<SipDigestAlgorithm> DigestAlgorithms { get; init; } = [SipDigestAlgorithm.Sha256, SipDigestAlgorithm.Md5];

    /// <summary>How long a Digest nonce is fresh; later the client is challenged with stale=true (RFC 7616 §3.3).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock of validity, expiry and nonces.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(DataDirectory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFileSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxThumbnailSize);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Validity, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CleanupInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NonceLifetime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (DigestAlgorithms.Count == 0 || DigestAlgorithms.Any(a => a is not (SipDigestAlgorithm.Md5 or SipDigestAlgorithm.Sha256 or SipDigestAlgorithm.Sha512T256)))
        {
            throw new ArgumentException("Offer at least one of MD5, SHA-256, SHA-512-256.", nameof(DigestAlgorithms));
        }
    }
}
