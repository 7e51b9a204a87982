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
