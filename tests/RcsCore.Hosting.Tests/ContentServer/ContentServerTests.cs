using RcsCore.Tests.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Hosting.ContentServer;
using RcsCore.Ims.Authentication;
using RcsCore.Rcs;
using Xunit;

namespace RcsCore.Hosting.Tests.ContentServer;

/// <summary>
/// The FT over HTTP content server and client end to end over loopback sockets (GSMA RCC.07 FT via HTTP): upload
/// with Digest, thumbnails, resume after a broken upload, Range downloads, limits, expiry, malformed requests.
/// </summary>
public class ContentServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SmallFileWithThumbnailRoundTripsWithSha256()
    {
        await using var fx = await ContentServerFixture.StartAsync();
        byte[] content = RandomNumberGenerator.GetBytes(150_000);
        byte[] thumb = RandomNumberGenerator.GetBytes(3000);
        var reports = new List<long>();
        FileInfoDocument info = await fx.Client().UploadAsync(new MemoryStream(content), "photo.jpg", "image/jpeg",
            new HttpFileThumbnail(thumb, "image/png"), new SyncProgress(reports), ct: Ct);

        Assert.Equal(content.Length, info.File.Size);
        Assert.Equal("photo.jpg", info.File.FileName);
        Assert.Equal("image/jpeg", info.File.ContentType);
        Assert.Equal("image/png", info.Thumbnail!.ContentType);
        Assert.Equal(thumb.Length, info.Thumbnail.Size);
        Assert.StartsWith(fx.Server.BaseUri.ToString(), info.File.Url.ToString(), StringComparison.Ordinal);
        Assert.Equal(content.Length, reports.Max());

        // The document as a sender would put it in a message parses back the same.
        Assert.True(FileInfoDocument.TryParse(info.ToArray(), out FileInfoDocument? again).IsSuccess);
        Assert.Equal(info, again);

        var file = new MemoryStream();
        Assert.Equal(content.Length, await fx.Client().DownloadAsync(info.File, file, ct: Ct));
        Assert.Equal(SHA256.HashData(content), ContentServerFixture.Sha256(file));
        var thumbnail = new MemoryStream();
        await fx.Client().DownloadAsync(info.Thumbnail, thumbnail, ct: Ct);
        Assert.Equal(thumb, thumbnail.ToArray());

        // The metadata is durable: a restarted server on the same directory still serves the file.
        await fx.RestartAsync();
        var afterRestart = new MemoryStream();
        await fx.Client().DownloadAsync(new Uri(fx.Server.BaseUri, info.File.Url.PathAndQuery), afterRestart, ct: Ct);
        Assert.Equal(content, afterRestart.ToArray());
    }

    [Fact]
    public async Task BrokenUploadIsResumedWithUploadInfoAndPut()
    {
        const long Size = 3_000_000;
        await using var fx = await ContentServerFixture.StartAsync();
        const string Tid = "tid-resume-1";
        var broken = new GeneratedStream(Size, failAt: 1_000_000, fx.HasPartialContent);
        var error = await Assert.ThrowsAsync<HttpFileTransferException>(() =>
            fx.Client(maxResumeAttempts: 0).UploadAsync(broken, "clip.mp4", "video/mp4", transactionId: Tid, ct: Ct));
        Assert.Equal(Tid, error.TransactionId);
        Assert.Null(error.StatusCode);

        // RCC.07 upload resume: the server reports what it kept, the client PUTs the rest.
        // The server learns of the broken connection a moment after the client: until it has seen the File part the
        // tid is unknown (404), then get_upload_info waits for the interrupted writer to stop.
        FileResumeInfo? resume = null;
        for (int i = 0; i < 100 && resume is null; i++)
        {
            resume = await fx.Client().GetUploadInfoAsync(Tid, Ct);
            if (resume is null)
            {
                await Task.Delay(20, Ct);
            }
        }

        Assert.NotNull(resume);
        Assert.Equal(0, resume!.Start);
        Assert.InRange(resume.ReceivedLength, 1, Size - 1);
        Assert.Equal(resume.ReceivedLength, new FileInfo(Directory.EnumerateFiles(fx.Server.FilesDirectory, "*.bin").Single()).Length);
        // Only the uploader sees its upload.
        Assert.Null(await fx.Client("bob@example.test", "bob-secret").GetUploadInfoAsync(Tid, Ct));

        var reports = new List<long>();
        FileInfoDocument info = await fx.Client().ResumeUploadAsync(Tid, new GeneratedStream(Size), new SyncProgress(reports), Ct);
        Assert.Equal(Size, info.File.Size);
        Assert.Equal(resume.ReceivedLength, reports[0]);
        Assert.Equal(Size, reports[^1]);
        using var sink = new HashingStream();
        await fx.Client().DownloadAsync(info.File, sink, ct: Ct);
        Assert.Equal(GeneratedStream.HashOf(Size), sink.Hash());

        // After completion, get_download_info gives the same file-info.
        using HttpResponseMessage download = await fx.SendAuthorizedAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(fx.Server.BaseUri, "?tid=" + Tid + "&get_download_info")));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.True(FileInfoDocument.TryParse(await download.Content.ReadAsByteArrayAsync(Ct), out FileInfoDocument? viaInfo).IsSuccess);
        Assert.Equal(info.File.Url, viaInfo!.File.Url);
    }

    [Fact]
    public async Task UploadResumesByItselfAfterABrokenConnection()
    {
        const long Size = 2_000_000;
        await using var fx = await ContentServerFixture.StartAsync();
        var broken = new GeneratedStream(Size, failAt: 700_000, fx.HasPartialContent);
        FileInfoDocument info = await fx.Client().UploadAsync(broken, "doc.pdf", "application/pdf", ct: Ct);
        using var sink = new HashingStream();
        await fx.Client().DownloadAsync(info.File, sink, ct: Ct);
        Assert.Equal(GeneratedStream.HashOf(Size), sink.Hash());
    }

    [Fact]
    public async Task CancelledUploadIsResumedWithTheSameTid()
    {
        const long Size = 8_000_000;
        await using var fx = await ContentServerFixture.StartAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var progress = new CancelAfter(cancel, 2_000_000, fx.HasPartialContent);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            fx.Client().UploadAsync(new GeneratedStream(Size), "v.mp4", "video/mp4", progress: progress, transactionId: "t-cancel", ct: cancel.Token));

        FileResumeInfo? resume = null;
        for (int i = 0; i < 100 && resume is null; i++)
        {
            resume = await fx.Client().GetUploadInfoAsync("t-cancel", Ct);
            await Task.Delay(resume is null ? 20 : 0, Ct);
        }

        Assert.NotNull(resume);
        Assert.InRange(resume!.ReceivedLength, 1, Size - 1);
        FileInfoDocument info = await fx.Client().ResumeUploadAsync("t-cancel", new GeneratedStream(Size), ct: Ct);
        Assert.Equal(Size, info.File.Size);
        using var sink = new HashingStream();
        await fx.Client().DownloadAsync(info.File, sink, ct: Ct);
        Assert.Equal(GeneratedStream.HashOf(Size), sink.Hash());
    }

    [Fact]
    public async Task DownloadResumesWithRange()
    {
        await using var fx = await ContentServerFixture.StartAsync();
        byte[] content = RandomNumberGenerator.GetBytes(200_000);
        FileInfoDocument info = await fx.Client().UploadAsync(new MemoryStream(content), "a.bin", "application/octet-stream", ct: Ct);

        var partial = new MemoryStream();
        partial.Write(content, 0, 12_345);
        Assert.Equal(content.Length, await fx.Client().DownloadAsync(info.File, partial, resumeFrom: 12_345, ct: Ct));
        Assert.Equal(content, partial.ToArray());
        // Nothing left: the server's 416 with the full length means done.
        Assert.Equal(content.Length, await fx.Client().DownloadAsync(info.File.Url, new MemoryStream(), resumeFrom: content.Length, ct: Ct));

        using var range = new HttpRequestMessage(HttpMethod.Get, info.File.Url);
        range.Headers.Range = new RangeHeaderValue(10, 19);
        using HttpResponseMessage partialResponse = await fx.Http.SendAsync(range, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, partialResponse.StatusCode);
        Assert.Equal("bytes 10-19/200000", partialResponse.Content.Headers.ContentRange!.ToString());
        Assert.Equal(content[10..20], await partialResponse.Content.ReadAsByteArrayAsync(Ct));

        using var suffix = new HttpRequestMessage(HttpMethod.Get, info.File.Url);
        suffix.Headers.Range = new RangeHeaderValue(null, 5);
        using HttpResponseMessage suffixResponse = await fx.Http.SendAsync(suffix, Ct);
        Assert.Equal(content[^5..], await suffixResponse.Content.ReadAsByteArrayAsync(Ct));

        using var beyond = new HttpRequestMessage(HttpMethod.Get, info.File.Url);
        beyond.Headers.Range = new RangeHeaderValue(content.Length, null);
        using HttpResponseMessage beyondResponse = await fx.Http.SendAsync(beyond, Ct);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyondResponse.StatusCode);
        Assert.Equal("bytes */200000", beyondResponse.Content.Headers.ContentRange!.ToString());

        // Unknown (unguessable) ids are 404.
        using HttpResponseMessage unknown = await fx.Http.GetAsync(new Uri(fx.Server.BaseUri, "files/" + new string('A', 32)), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task UploadNeedsDigestCredentials()
    {
        await using var fx = await ContentServerFixture.StartAsync();
        using HttpResponseMessage anonymous = await fx.Http.PostAsync(fx.Server.BaseUri, new ByteArrayContent([]), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var challenges = anonymous.Headers.WwwAuthenticate.Select(v => v.ToString()).ToList();
        // RFC 7616 §3.7: one challenge per algorithm, preferred (SHA-256) first.
        Assert.Equal(2, challenges.Count);
        Assert.Contains("algorithm=SHA-256", challenges[0], StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", challenges[1], StringComparison.Ordinal);
        Assert.Contains("qop=\"auth\"", challenges[0], StringComparison.Ordinal);

        var wrong = await Assert.ThrowsAsync<HttpFileTransferException>(() =>
            fx.Client(password: "not-the-password").UploadAsync(new MemoryStream([1, 2, 3]), "x", "text/plain", ct: Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var unknown = await Assert.ThrowsAsync<HttpFileTransferException>(() =>
            fx.Client(user: "mallory@example.test").UploadAsync(new MemoryStream([1, 2, 3]), "x", "text/plain", ct: Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Empty(Directory.EnumerateFiles(fx.Server.FilesDirectory));

        // A subscriber with only a stored MD5 H(A1) authenticates with the MD5 challenge.
        FileInfoDocument info = await fx.Client("bob@example.test", "bob-secret").UploadAsync(new MemoryStream([1, 2, 3]), "x", "text/plain", ct: Ct);
        Assert.Equal(3, info.File.Size);
        // A public identity works as the user name too, with SHA-256.
        info = await fx.Client("sip:alice@example.test").UploadAsync(new MemoryStream([4, 5]), "y", "text/plain", ct: Ct);
        Assert.Equal(2, info.File.Size);
    }

    [Fact]
    public async Task Md5OnlyServerWorks()
    {
        await using var fx = await ContentServerFixture.StartAsync(o => new ContentServerOptions
        {
            ListenEndPoint = o.ListenEndPoint,
            DataDirectory = o.DataDirectory,
            Realm = o.Realm,
            DigestAlgorithms = [SipDigestAlgorithm.Md5],
        });
        FileInfoDocument info = await fx.Client().UploadAsync(new MemoryStream(new byte[1000]), "z", "application/octet-stream", ct: Ct);
        Assert.Equal(1000, info.File.Size);
    }

    [Fact]
    public async Task OversizedFileIsRefusedWith413AndAReason()
    {
        await using var fx = await ContentServerFixture.StartAsync(o => new ContentServerOptions
        {
            ListenEndPoint = o.ListenEndPoint,
            DataDirectory = o.DataDirectory,
            Realm = o.Realm,
            MaxFileSize = 10_000,
        });
        // Declared length over the limit: refused before the body is sent (Expect: 100-continue).
        var declared = await Assert.ThrowsAsync<HttpFileTransferException>(() =>
            fx.Client().UploadAsync(new MemoryStream(new byte[200_000]), "big", "application/octet-stream", ct: Ct));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Contains("larger than the content server accepts (10000 bytes)", declared.Message, StringComparison.Ordinal);

        // Unknown length (chunked) over the limit: refused while streaming, and nothing is kept.
        var chunked = await Assert.ThrowsAsync<HttpFileTransferException>(() =>
            fx.Client().UploadAsync(new NonSeekable(new MemoryStream(new byte[50_000])), "big", "application/octet-stream", ct: Ct));
        Assert.Contains("10000 bytes", chunked.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(fx.Server.FilesDirectory, "*.bin"));
    }

    [Fact]
    public async Task ExpiredFilesAreGoneAndDeletedFromDisk()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        await using var fx = await ContentServerFixture.StartAsync(o => new ContentServerOptions
        {
            ListenEndPoint = o.ListenEndPoint,
            DataDirectory = o.DataDirectory,
            Realm = o.Realm,
            Validity = TimeSpan.FromHours(1),
            CleanupInterval = TimeSpan.FromHours(2),
            TimeProvider = time,
        });
        FileInfoDocument first = await fx.Client().UploadAsync(new MemoryStream(new byte[100]), "a", "text/plain", ct: Ct);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromHours(1), first.File.Until);
        FileInfoDocument second = await fx.Client().UploadAsync(new MemoryStream(new byte[100]), "b", "text/plain", ct: Ct);
        Assert.Equal(4, Directory.EnumerateFiles(fx.Server.FilesDirectory).Count());

        // Past until but before the sweep: 410 Gone, and the files go at once.
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using HttpResponseMessage gone = await fx.Http.GetAsync(first.File.Url, Ct);
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal(2, Directory.EnumerateFiles(fx.Server.FilesDirectory).Count());

        // The periodic sweep deletes the other one; afterwards its URL is unknown (404).
        time.Advance(TimeSpan.FromHours(1));
        for (int i = 0; i < 200 && Directory.EnumerateFiles(fx.Server.FilesDirectory).Any(); i++)
        {
            await Task.Delay(25, Ct);
        }

        Assert.Empty(Directory.EnumerateFiles(fx.Server.FilesDirectory));
        using HttpResponseMessage unknown = await fx.Http.GetAsync(second.File.Url, Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task MalformedUploadsAre400()
    {
        await using var fx = await ContentServerFixture.StartAsync();
        Uri uri = fx.Server.BaseUri;

        async Task<(HttpStatusCode Status, string Text)> Post(Func<HttpContent> body)
        {
            using HttpResponseMessage response = await fx.SendAuthorizedAsync(() => new HttpRequestMessage(HttpMethod.Post, uri) { Content = body() });
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
        }

        HttpContent Raw(string contentType, string text)
        {
            var content = new ByteArrayContent(Encoding.ASCII.GetBytes(text));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return content;
        }

        var notMultipart = await Post(() => Raw("text/plain", "hello"));
        Assert.Equal(HttpStatusCode.BadRequest, notMultipart.Status);
        Assert.Contains("multipart/form-data", notMultipart.Text, StringComparison.Ordinal);

        var noClosingBoundary = await Post(() => Raw("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"tid\"\r\n\r\n1\r\n"));
        Assert.Equal(HttpStatusCode.BadRequest, noClosingBoundary.Status);

        var garbage = await Post(() => Raw("multipart/form-data; boundary=xyz", "this is not multipart at all"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);

        var noFile = await Post(() => Raw("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"tid\"\r\n\r\n1\r\n--xyz--\r\n"));
        Assert.Equal(HttpStatusCode.BadRequest, noFile.Status);
        Assert.Contains("No File part", noFile.Text, StringComparison.Ordinal);

        var fileFirst = await Post(() => Raw("multipart/form-data; boundary=xyz",
            "--xyz\r\nContent-Disposition: form-data; name=\"File\"; filename=\"a\"\r\n\r\nabc\r\n--xyz\r\nContent-Disposition: form-data; name=\"tid\"\r\n\r\n1\r\n--xyz--\r\n"));
        Assert.Equal(HttpStatusCode.BadRequest, fileFirst.Status);

        var noDisposition = await Post(() => Raw("multipart/form-data; boundary=xyz", "--xyz\r\nContent-Type: text/plain\r\n\r\n1\r\n--xyz--\r\n"));
        Assert.Equal(HttpStatusCode.BadRequest, noDisposition.Status);

        // A well-formed hand-made upload works, so the 400s above are about the malformations.
        var ok = await Post(() => Raw("multipart/form-data; boundary=xyz",
            "--xyz\r\nContent-Disposition: form-data; name=\"tid\"\r\n\r\nt-1\r\n--xyz\r\nContent-Disposition: form-data; name=\"File\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--xyz--\r\n"));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.True(FileInfoDocument.TryParse(Encoding.UTF8.GetBytes(ok.Text), out FileInfoDocument? doc).IsSuccess);
        Assert.Equal(3, doc!.File.Size);
        Assert.Equal("a.txt", doc.File.FileName);
    }

    [Fact]
    public async Task ResumePutChecksRangeAndOwner()
    {
        const long Size = 1_500_000;
        await using var fx = await ContentServerFixture.StartAsync();
        await Assert.ThrowsAsync<HttpFileTransferException>(() =>
            fx.Client(maxResumeAttempts: 0).UploadAsync(new GeneratedStream(Size, failAt: 400_000, fx.HasPartialContent), "f", "application/octet-stream", transactionId: "t-put", ct: Ct));
        FileResumeInfo? resume = null;
        for (int i = 0; i < 100 && resume is null; i++)
        {
            resume = await fx.Client().GetUploadInfoAsync("t-put", Ct);
            await Task.Delay(resume is null ? 20 : 0, Ct);
        }

        Assert.NotNull(resume);
        long received = resume!.ReceivedLength;

        HttpRequestMessage Put(long from, bool withRange = true)
        {
            var body = new ByteArrayContent(new byte[Size - from]);
            if (withRange)
            {
                body.Headers.ContentRange = new ContentRangeHeaderValue(from, Size - 1, Size);
            }

            return new HttpRequestMessage(HttpMethod.Put, resume.Url) { Content = body };
        }

        using (HttpResponseMessage noRange = await fx.SendAuthorizedAsync(() => Put(received, withRange: false)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noRange.StatusCode);
        }

        using (HttpResponseMessage wrongStart = await fx.SendAuthorizedAsync(() => Put(received + 1)))
        {
            Assert.Equal(HttpStatusCode.Conflict, wrongStart.StatusCode);
            Assert.Contains(received.ToString(System.Globalization.CultureInfo.InvariantCulture), await wrongStart.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // Another subscriber cannot write into alice's upload.
        var bob = await Assert.ThrowsAsync<HttpFileTransferException>(() => fx.Client("bob@example.test", "bob-secret").ResumeUploadAsync("t-put", new GeneratedStream(Size), ct: Ct));
        Assert.Equal(HttpStatusCode.NotFound, bob.StatusCode);

        // The rejected PUTs changed nothing: the resume still completes to the right bytes.
        FileInfoDocument info = await fx.Client().ResumeUploadAsync("t-put", new GeneratedStream(Size), ct: Ct);
        using var sink = new HashingStream();
        await fx.Client().DownloadAsync(info.File, sink, ct: Ct);
        Assert.Equal(GeneratedStream.HashOf(Size), sink.Hash());
    }

    [Fact]
    public async Task StaleNonceIsRechallengedAndReplayRefused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        await using var fx = await ContentServerFixture.StartAsync(o => new ContentServerOptions
        {
            ListenEndPoint = o.ListenEndPoint,
            DataDirectory = o.DataDirectory,
            Realm = o.Realm,
            NonceLifetime = TimeSpan.FromMinutes(5),
            CleanupInterval = TimeSpan.FromDays(1),
            TimeProvider = time,
        });
        HttpFileTransferClient client = fx.Client();
        await client.UploadAsync(new MemoryStream(new byte[10]), "a", "text/plain", ct: Ct);
        // RFC 7616 §3.3: the cached nonce goes stale; the server answers stale=true and the client retries by itself.
        time.Advance(TimeSpan.FromMinutes(6));
        FileInfoDocument info = await client.UploadAsync(new MemoryStream(new byte[20]), "b", "text/plain", ct: Ct);
        Assert.Equal(20, info.File.Size);

        // RFC 7616 §3.4: the same Authorization (same nonce and nc) sent twice is a replay.
        using HttpResponseMessage challenge = await fx.Http.PostAsync(fx.Server.BaseUri, new ByteArrayContent([]), Ct);
        SipDigestChallenge.TryParse("Digest " + challenge.Headers.WwwAuthenticate.First().Parameter, out SipDigestChallenge? parsed);
        new SipDigestClient().TryCreateCredentials(parsed!, "alice@example.test", ContentServerFixture.AlicePassword, "POST", "/", default, out SipDigestCredentials? credentials);
        for (int i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, fx.Server.BaseUri) { Content = new ByteArrayContent([]) };
            request.Headers.TryAddWithoutValidation("Authorization", credentials!.ToString());
            using HttpResponseMessage response = await fx.Http.SendAsync(request, Ct);
            Assert.Equal(i == 0 ? HttpStatusCode.NoContent : HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private sealed class CancelAfter(CancellationTokenSource cancel, long bytes, Func<bool> ready) : IProgress<long>
    {
        public void Report(long value)
        {
            if (value >= bytes && !cancel.IsCancellationRequested)
            {
                ContentServerFixture.WaitUntil(ready);
                cancel.Cancel();
            }
        }
    }

    private sealed class SyncProgress(List<long> reports) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
