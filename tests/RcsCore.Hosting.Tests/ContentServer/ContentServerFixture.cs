using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using RcsCore.Hosting.ContentServer;
using RcsCore.Ims.Authentication;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;

namespace RcsCore.Hosting.Tests.ContentServer;

/// <summary>A content server on 127.0.0.1 with a free port, a temporary data directory and two subscribers.</summary>
internal sealed class ContentServerFixture : IAsyncDisposable
{
    public const string Realm = "example.test";
    public const string AlicePassword = "alice-secret";

    private ContentServerFixture(string directory, InMemorySubscriberStore subscribers, FileTransferContentServer server, HttpClient http)
    {
        Directory = directory;
        Subscribers = subscribers;
        Server = server;
        Http = http;
    }

    public string Directory { get; }

    public InMemorySubscriberStore Subscribers { get; }

    public FileTransferContentServer Server { get; private set; }

    public HttpClient Http { get; }

    public static async Task<ContentServerFixture> StartAsync(Func<ContentServerOptions, ContentServerOptions>? configure = null, string? directory = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "rcscore-ft-" + Guid.NewGuid().ToString("N"));
        var subscribers = new InMemorySubscriberStore();
        await subscribers.SaveAsync(new SipSubscriber { Impi = "alice@example.test", Impus = ["sip:alice@example.test"], Password = AlicePassword });
        // Bob has only a stored H(A1) (MD5, for this realm), as rcs user add --ha1 would store it.
        await subscribers.SaveAsync(new SipSubscriber
        {
            Impi = "bob@example.test",
            Impus = ["sip:bob@example.test"],
            Ha1 = SipDigest.ComputeHa1(SipDigestAlgorithm.Md5, "bob@example.test", Realm, "bob-secret"),
            Ha1Algorithm = SipDigestAlgorithm.Md5,
            Ha1Realm = Realm,
        });
        var options = new ContentServerOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), DataDirectory = directory, Realm = Realm };
        options = configure?.Invoke(options) ?? options;
        var server = new FileTransferContentServer(options, subscribers);
        await server.StartAsync();
        return new ContentServerFixture(directory, subscribers, server, new HttpClient { Timeout = TimeSpan.FromMinutes(2) });
    }

    public HttpFileTransferClient Client(string user = "alice@example.test", string password = AlicePassword, int maxResumeAttempts = 3) =>
        new(Http, Server.BaseUri, user, password) { MaxResumeAttempts = maxResumeAttempts };

    /// <summary>Sends a request answering the server's Digest challenge (for requests the client class does not make).</summary>
    public async Task<HttpResponseMessage> SendAuthorizedAsync(Func<HttpRequestMessage> create)
    {
        using (HttpRequestMessage probe = create())
        {
            probe.Content = null;
            using HttpResponseMessage challengeResponse = await Http.SendAsync(probe);
            if (challengeResponse.StatusCode != HttpStatusCode.Unauthorized)
            {
                throw new InvalidOperationException("expected a challenge, got " + challengeResponse.StatusCode);
            }

            AuthenticationHeaderValue value = challengeResponse.Headers.WwwAuthenticate.First();
            SipDigestChallenge.TryParse("Digest " + value.Parameter, out SipDigestChallenge? challenge);
            HttpRequestMessage request = create();
            new SipDigestClient().TryCreateCredentials(challenge!, "alice@example.test", AlicePassword, request.Method.Method, request.RequestUri!.PathAndQuery, default, out SipDigestCredentials? credentials);
            request.Headers.TryAddWithoutValidation("Authorization", credentials!.ToString());
            return await Http.SendAsync(request);
        }
    }

    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        var options = new ContentServerOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), DataDirectory = Directory, Realm = Realm };
        Server = new FileTransferContentServer(options, Subscribers);
        await Server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>True once the server has written part of an upload's content to disk.</summary>
    public bool HasPartialContent() =>
        System.IO.Directory.EnumerateFiles(Server.FilesDirectory, "*.bin").Any(f => new FileInfo(f).Length > 0);

    /// <summary>Blocks (bounded: 10 s) until <paramref name="condition"/> holds.</summary>
    public static void WaitUntil(Func<bool>? condition)
    {
        for (int i = 0; condition is not null && i < 1000 && !condition(); i++)
        {
            Thread.Sleep(10);
        }
    }

    public static byte[] Sha256(Stream stream)
    {
        stream.Position = 0;
        return SHA256.HashData(stream);
    }
}

/// <summary>
/// A seekable read-only stream of <c>length</c> deterministic pseudo-random bytes generated on the fly (nothing held
/// in memory); optionally throws an IOException once when a read passes <c>failAt</c>, like a connection that breaks.
/// <c>beforeFailure</c> holds the failure back until it is true (e.g. until the server has written some bytes), so
/// that a test of resume does not depend on how far the server had read when the connection was reset.
/// </summary>
internal sealed class GeneratedStream(long length, long failAt = -1, Func<bool>? beforeFailure = null) : Stream
{
    private long _position;
    private bool _failed;

    public int Reads { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public static byte At(long position)
    {
        ulong x = (ulong)position * 0x9E3779B97F4A7C15UL;
        return (byte)((x >> 29) ^ (x >> 47));
    }

    public static byte[] HashOf(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new GeneratedStream(length);
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        return hash.GetHashAndReset();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        if (failAt >= 0 && !_failed && _position >= failAt)
        {
            _failed = true;
            ContentServerFixture.WaitUntil(beforeFailure);
            throw new IOException("simulated broken connection");
        }

        int n = (int)Math.Min(buffer.Length, length - _position);
        for (int i = 0; i < n; i++)
        {
            buffer[i] = At(_position + i);
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A write-only sink that hashes what it gets.</summary>
internal sealed class HashingStream : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public byte[] Hash() => _hash.GetCurrentHash();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _length += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
