using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using RcsCore.Ims.Authentication;

namespace RcsCore.Rcs;

/// <summary>A thumbnail to upload with a file (GSMA RCC.07 FT via HTTP <c>Thumbnail</c> part).</summary>
/// <param name="Content">The image bytes.</param>
/// <param name="ContentType">Its type, e.g. <c>image/jpeg</c>.</param>
public sealed record HttpFileThumbnail(ReadOnlyMemory<byte> Content, string ContentType);

/// <summary>A file transfer over HTTP failed: the content server refused, or the transfer could not be completed.</summary>
public sealed class HttpFileTransferException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HttpFileTransferException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public HttpFileTransferException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause.</param>
    public HttpFileTransferException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status of the refusal, or null when the transfer broke off.</summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>The upload's transaction id (<c>tid</c>): pass it to <see cref="HttpFileTransferClient.ResumeUploadAsync"/>.</summary>
    public string? TransactionId { get; init; }
}

/// <summary>
/// The client side of file transfer over HTTP (GSMA RCC.07 FT via HTTP): uploads a file and its thumbnail to the
/// content server with HTTP Digest (RFC 7616), resumes an interrupted upload, and downloads with HTTP Range. Both
/// directions stream; nothing holds the whole file in memory.
/// </summary>
/// <remarks>Thread-safe for concurrent transfers on one instance.</remarks>
public sealed class HttpFileTransferClient
{
    private const int MaxDocumentSize = FileInfoDocument.DefaultMaxSize;
    private readonly HttpClient _http;
    private readonly Uri _contentServer;
    private readonly string _username;
    private readonly string _password;
    private readonly SipDigestClient _digest = new();
    private volatile SipDigestChallenge? _challenge;

    /// <summary>Creates a client.</summary>
    /// <param name="httpClient">The HTTP client (its handler's connection pooling is reused).</param>
    /// <param name="contentServerUri">The content server URI (RCC.07 configuration <c>ftHTTPCSURI</c>).</param>
    /// <param name="username">The Digest user name: the IMPI (or a public identity).</param>
    /// <param name="password">The Digest password.</param>
    public HttpFileTransferClient(HttpClient httpClient, Uri contentServerUri, string username, string password)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(contentServerUri);
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        _http = httpClient;
        _contentServer = contentServerUri;
        _username = username;
        _password = password;
    }

    /// <summary>How often <see cref="UploadAsync"/> resumes a broken upload by itself before it gives up (default 3).</summary>
    public int MaxResumeAttempts { get; init; } = 3;

    /// <summary>
    /// Uploads a file (GSMA RCC.07 FT via HTTP upload): authenticates with an empty POST, then POSTs
    /// <c>multipart/form-data</c> with <c>tid</c>, the optional <c>Thumbnail</c> and the <c>File</c>. When the connection
    /// breaks and <paramref name="content"/> can seek, resumes up to <see cref="MaxResumeAttempts"/> times.
    /// </summary>
    /// <param name="content">The file, read from its current position to its end.</param>
    /// <param name="fileName">The file name the recipient sees.</param>
    /// <param name="contentType">The file's content type.</param>
    /// <param name="thumbnail">A thumbnail, or null.</param>
    /// <param name="progress">Bytes of the file the server has taken so far.</param>
    /// <param name="transactionId">The tid to use (to resume after a cancel); null for a new random one.</param>
    /// <param name="ct">Cancels the upload; what arrived stays on the server for <see cref="ResumeUploadAsync"/>.</param>
    /// <returns>The file-info document to send to the recipient.</returns>
    /// <exception cref="HttpFileTransferException">The server refused (e.g. 413 with its reason) or the upload could not be completed.</exception>
    public async Task<FileInfoDocument> UploadAsync(Stream content, string fileName, string contentType, HttpFileThumbnail? thumbnail = null,
        IProgress<long>? progress = null, string? transactionId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        string tid = transactionId ?? Guid.NewGuid().ToString("D");
        long start = content.CanSeek ? content.Position : 0;
        Exception? last;
        try
        {
            return await PostAsync(content, start, fileName, contentType, thumbnail, progress, tid, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBroken(e, ct))
        {
            last = e;
        }

        for (int attempt = 0; attempt < MaxResumeAttempts && content.CanSeek; attempt++)
        {
            try
            {
                FileInfoDocument? done = await ResumeCoreAsync(tid, content, start, progress, ct).ConfigureAwait(false);
                if (done is not null)
                {
                    return done;
                }

                // The server kept nothing: upload from the start.
                return await PostAsync(content, start, fileName, contentType, thumbnail, progress, tid, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBroken(e, ct))
            {
                last = e;
            }
        }

        throw new HttpFileTransferException("The upload broke off: " + last.Message, last) { TransactionId = tid };
    }

    /// <summary>
    /// Resumes an interrupted upload (GSMA RCC.07 FT via HTTP upload resume): asks the server what it has
    /// (<c>get_upload_info</c>), PUTs the rest with <c>Content-Range</c> and returns the file-info.
    /// </summary>
    /// <param name="transactionId">The tid of the interrupted upload.</param>
    /// <param name="content">The whole file again, positioned at its start; must be seekable.</param>
    /// <param name="progress">Bytes of the file the server has, including those it already had.</param>
    /// <param name="ct">Cancels.</param>
    /// <returns>The file-info document.</returns>
    /// <exception cref="HttpFileTransferException">The server has no such upload, refused, or the PUT broke off.</exception>
    public async Task<FileInfoDocument> ResumeUploadAsync(string transactionId, Stream content, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(transactionId);
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            throw new ArgumentException("Resuming needs a seekable stream.", nameof(content));
        }

        try
        {
            return await ResumeCoreAsync(transactionId, content, content.Position, progress, ct).ConfigureAwait(false)
                ?? throw new HttpFileTransferException("The content server has no upload with this tid.") { StatusCode = HttpStatusCode.NotFound, TransactionId = transactionId };
        }
        catch (Exception e) when (IsBroken(e, ct))
        {
            throw new HttpFileTransferException("The resumed upload broke off: " + e.Message, e) { TransactionId = transactionId };
        }
    }

    /// <summary>Asks the content server which bytes of an upload it has (<c>GET ?tid=…&amp;get_upload_info</c>).</summary>
    /// <param name="transactionId">The tid.</param>
    /// <param name="ct">Cancels.</param>
    /// <returns>The resume info, or null when the server has no upload with this tid (404).</returns>
    public async Task<FileResumeInfo?> GetUploadInfoAsync(string transactionId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(transactionId);
        using HttpResponseMessage response = await SendAuthenticatedAsync(() => new HttpRequestMessage(HttpMethod.Get, InfoUri(transactionId, "get_upload_info")), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        byte[] body = await ReadDocumentAsync(response, transactionId, ct).ConfigureAwait(false);
        FileInfoParseResult result = FileResumeInfo.TryParse(body, out FileResumeInfo? info);
        return result.IsSuccess ? info : throw new HttpFileTransferException("Bad file-resume-info from the content server: " + result) { TransactionId = transactionId };
    }

    /// <summary>Downloads a file or thumbnail of a file-info document and checks its size.</summary>
    /// <param name="entry">The file or thumbnail entry.</param>
    /// <param name="destination">Where the bytes go (appended from <paramref name="resumeFrom"/> on).</param>
    /// <param name="resumeFrom">How many bytes the destination already has (HTTP Range, RFC 9110 §14).</param>
    /// <param name="progress">Bytes of the file received so far, counting <paramref name="resumeFrom"/>.</param>
    /// <param name="ct">Cancels; download again with the bytes you have as <paramref name="resumeFrom"/>.</param>
    /// <returns>The file length.</returns>
    /// <exception cref="HttpFileTransferException">Refused (404, 410 expired), or the length does not match the file-info.</exception>
    public async Task<long> DownloadAsync(FileInfoEntry entry, Stream destination, long resumeFrom = 0, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        long length = await DownloadAsync(entry.Url, destination, resumeFrom, progress, ct).ConfigureAwait(false);
        return length == entry.Size ? length
            : throw new HttpFileTransferException(string.Create(CultureInfo.InvariantCulture, $"Downloaded {length} bytes; the file-info says {entry.Size}."));
    }

    /// <summary>Downloads from a content server URL, streamed, resuming with a Range request.</summary>
    /// <param name="url">The data URL of the file-info.</param>
    /// <param name="destination">Where the bytes go.</param>
    /// <param name="resumeFrom">How many bytes the destination already has.</param>
    /// <param name="progress">Bytes received so far, counting <paramref name="resumeFrom"/>.</param>
    /// <param name="ct">Cancels.</param>
    /// <returns>The number of bytes the destination has now (<paramref name="resumeFrom"/> plus those received).</returns>
    /// <exception cref="HttpFileTransferException">The server refused.</exception>
    public async Task<long> DownloadAsync(Uri url, Stream destination, long resumeFrom = 0, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(resumeFrom);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (resumeFrom > 0)
        {
            // RFC 9110 §14.1.2: bytes=N- asks for everything from N on.
            request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
        }

        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        long skip = 0;
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && resumeFrom > 0
            && response.Content.Headers.ContentRange?.Length == resumeFrom)
        {
            // RFC 9110 §15.5.17: the file is exactly as long as what we have: complete.
            return resumeFrom;
        }

        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (response.Content.Headers.ContentRange?.From != resumeFrom)
            {
                throw new HttpFileTransferException("The content server sent another range than asked for.") { StatusCode = response.StatusCode };
            }
        }
        else if (response.StatusCode == HttpStatusCode.OK)
        {
            // RFC 9110 §14.2: the server may ignore Range and send the whole file: skip what we have.
            skip = resumeFrom;
        }
        else
        {
            throw await RefusedAsync(response, null, ct).ConfigureAwait(false);
        }

        Stream body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            return resumeFrom + await CopyAsync(body, destination, skip, resumeFrom, progress, ct).ConfigureAwait(false);
        }
    }

    private async Task<FileInfoDocument> PostAsync(Stream content, long start, string fileName, string contentType, HttpFileThumbnail? thumbnail,
        IProgress<long>? progress, string tid, CancellationToken ct)
    {
        if (_challenge is null)
        {
            // GSMA RCC.07 FT via HTTP: an empty POST first, so the 401 challenge does not cost a file upload.
            using HttpResponseMessage probe = await SendAuthenticatedAsync(() => new HttpRequestMessage(HttpMethod.Post, _contentServer) { Content = new ByteArrayContent([]) }, ct).ConfigureAwait(false);
            if (!probe.IsSuccessStatusCode)
            {
                throw await RefusedAsync(probe, tid, ct).ConfigureAwait(false);
            }
        }

        HttpRequestMessage Create()
        {
            if (content.CanSeek)
            {
                content.Position = start;
            }

            // GSMA RCC.07 FT via HTTP upload: multipart/form-data (RFC 7578) with tid, Thumbnail, File.
            var form = new MultipartFormDataContent("rcscore-" + Guid.NewGuid().ToString("N"));
            var tidPart = new StringContent(tid, Encoding.UTF8);
            tidPart.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(tidPart, "tid");
            if (thumbnail is not null)
            {
                var thumb = new ReadOnlyMemoryContent(thumbnail.Content);
                thumb.Headers.ContentType = MediaTypeHeaderValue.Parse(thumbnail.ContentType);
                form.Add(thumb, "Thumbnail", "thumbnail");
            }

            var file = new StreamContent(new ProgressStream(content, progress, 0), 64 * 1024);
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            form.Add(file, "File", fileName);
            var request = new HttpRequestMessage(HttpMethod.Post, _contentServer) { Content = form };
            // RFC 9110 §10.1.1: wait for 100 Continue, so a refusal (401, 413) comes before the body is sent.
            request.Headers.ExpectContinue = true;
            return request;
        }

        using HttpResponseMessage response = await SendAuthenticatedAsync(Create, ct).ConfigureAwait(false);
        return await ReadFileInfoAsync(response, tid, ct).ConfigureAwait(false);
    }

    // Null when the server has nothing for the tid.
    private async Task<FileInfoDocument?> ResumeCoreAsync(string tid, Stream content, long start, IProgress<long>? progress, CancellationToken ct)
    {
        FileResumeInfo? info = await GetUploadInfoAsync(tid, ct).ConfigureAwait(false);
        if (info is null)
        {
            return null;
        }

        long total = content.Length - start;
        long received = info.ReceivedLength;
        if (info.Start != 0 || received > total)
        {
            throw new HttpFileTransferException("The content server reports a range the file does not have.") { TransactionId = tid };
        }

        progress?.Report(received);
        if (received == total)
        {
            using HttpResponseMessage done = await SendAuthenticatedAsync(() => new HttpRequestMessage(HttpMethod.Get, InfoUri(tid, "get_download_info")), ct).ConfigureAwait(false);
            return await ReadFileInfoAsync(done, tid, ct).ConfigureAwait(false);
        }

        HttpRequestMessage Create()
        {
            content.Position = start + received;
            var body = new StreamContent(new ProgressStream(content, progress, received), 64 * 1024);
            body.Headers.ContentLength = total - received;
            // RFC 9110 §14.4: the bytes after the received range, with the complete length.
            body.Headers.ContentRange = new ContentRangeHeaderValue(received, total - 1, total);
            var request = new HttpRequestMessage(HttpMethod.Put, info.Url) { Content = body };
            request.Headers.ExpectContinue = true;
            return request;
        }

        using HttpResponseMessage response = await SendAuthenticatedAsync(Create, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            using HttpResponseMessage done = await SendAuthenticatedAsync(() => new HttpRequestMessage(HttpMethod.Get, InfoUri(tid, "get_download_info")), ct).ConfigureAwait(false);
            return await ReadFileInfoAsync(done, tid, ct).ConfigureAwait(false);
        }

        return await ReadFileInfoAsync(response, tid, ct).ConfigureAwait(false);
    }

    private Uri InfoUri(string tid, string what) =>
        new(_contentServer, "?tid=" + Uri.EscapeDataString(tid) + "&" + what);

    // Sends with the last challenge's credentials; on 401 answers the server's challenges in its order of preference,
    // moving to the next algorithm when one is refused (a subscriber with a stored MD5 H(A1) cannot use SHA-256).
    private async Task<HttpResponseMessage> SendAuthenticatedAsync(Func<HttpRequestMessage> create, CancellationToken ct)
    {
        var tried = new List<SipDigestAlgorithm>(3);
        for (int round = 0; ; round++)
        {
            using HttpRequestMessage request = create();
            SipDigestChallenge? used = _challenge;
            if (used is not null)
            {
                Authorize(request, used);
            }

            HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized || round == 4)
            {
                return response;
            }

            if (used is not null && !tried.Contains(used.Algorithm))
            {
                tried.Add(used.Algorithm);
            }

            SipDigestChallenge? next = PickChallenge(response, tried);
            if (next is null)
            {
                return response;
            }

            response.Dispose();
            _challenge = next;
        }
    }

    private void Authorize(HttpRequestMessage request, SipDigestChallenge challenge)
    {
        // RFC 7616 §3.4: the digest-uri is the request-target; A2 uses the HTTP method.
        string uri = request.RequestUri!.PathAndQuery;
        if (_digest.TryCreateCredentials(challenge, _username, _password, request.Method.Method, uri, default, out SipDigestCredentials? credentials) == SipDigestError.None)
        {
            request.Headers.TryAddWithoutValidation("Authorization", credentials!.ToString());
        }
    }

    private static SipDigestChallenge? PickChallenge(HttpResponseMessage response, List<SipDigestAlgorithm> tried)
    {
        // RFC 7616 §3.7: the server lists its preferred algorithm first; use the first one we can answer.
        foreach (AuthenticationHeaderValue value in response.Headers.WwwAuthenticate)
        {
            if (!value.Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase)
                || !SipDigestChallenge.TryParse("Digest " + value.Parameter, out SipDigestChallenge? challenge).IsSuccess || challenge is null)
            {
                continue;
            }

            // A stale nonce (RFC 7616 §3.3) may be retried with the same algorithm.
            if (challenge.Algorithm is SipDigestAlgorithm.Md5 or SipDigestAlgorithm.Sha256 or SipDigestAlgorithm.Sha512T256
                && (challenge.Qop & SipDigestQop.Auth) != 0 && (challenge.Stale || !tried.Contains(challenge.Algorithm)))
            {
                return challenge;
            }
        }

        return null;
    }

    private static async Task<FileInfoDocument> ReadFileInfoAsync(HttpResponseMessage response, string tid, CancellationToken ct)
    {
        byte[] body = await ReadDocumentAsync(response, tid, ct).ConfigureAwait(false);
        FileInfoParseResult result = FileInfoDocument.TryParse(body, out FileInfoDocument? document);
        return result.IsSuccess ? document! : throw new HttpFileTransferException("Bad file-info from the content server: " + result) { TransactionId = tid };
    }

    private static async Task<byte[]> ReadDocumentAsync(HttpResponseMessage response, string? tid, CancellationToken ct)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await RefusedAsync(response, tid, ct).ConfigureAwait(false);
        }

        return await ReadBoundedAsync(response, MaxDocumentSize, ct).ConfigureAwait(false)
            ?? throw new HttpFileTransferException("The content server's document is too large.") { TransactionId = tid };
    }

    private static async Task<HttpFileTransferException> RefusedAsync(HttpResponseMessage response, string? tid, CancellationToken ct)
    {
        byte[]? body = await ReadBoundedAsync(response, 1024, ct).ConfigureAwait(false);
        string reason = body is { Length: > 0 } ? Encoding.UTF8.GetString(body).Trim() : response.ReasonPhrase ?? string.Empty;
        return new HttpFileTransferException(string.Create(CultureInfo.InvariantCulture, $"The content server answered {(int)response.StatusCode}: {reason}"))
        {
            StatusCode = response.StatusCode,
            TransactionId = tid,
        };
    }

    // Null when longer than max (only max + 1 bytes are read).
    private static async Task<byte[]?> ReadBoundedAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        Stream stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = new byte[max + 1];
            int n = 0;
            while (n <= max)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(n), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.AsSpan(0, n).ToArray();
                }

                n += read;
            }

            return null;
        }
    }

    private static async Task<long> CopyAsync(Stream source, Stream destination, long skip, long already, IProgress<long>? progress, CancellationToken ct)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long copied = 0;
            while (true)
            {
                int read = await source.ReadAsync(buffer.AsMemory(0, 64 * 1024), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    return copied;
                }

                int offset = 0;
                if (skip > 0)
                {
                    offset = (int)Math.Min(skip, read);
                    skip -= offset;
                }

                if (read > offset)
                {
                    await destination.WriteAsync(buffer.AsMemory(offset, read - offset), ct).ConfigureAwait(false);
                    copied += read - offset;
                    progress?.Report(already + copied);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsBroken(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or IOException
        && (e is not HttpRequestException h || h.StatusCode is null);

    /// <summary>Reads through to the inner stream and reports the running count; does not own the inner stream.</summary>
    private sealed class ProgressStream(Stream inner, IProgress<long>? progress, long offset) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int n)
        {
            _read += n;
            if (n > 0)
            {
                progress?.Report(offset + _read);
            }

            return n;
        }
    }
}
