using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Net.Http.Headers;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;

namespace RcsCore.Hosting.ContentServer;

/// <summary>
/// The file transfer over HTTP content server (GSMA RCC.07 FT via HTTP) on Kestrel: authenticated multipart upload
/// of a file and its thumbnail, upload resume, download with HTTP Range, and expiry.
/// </summary>
/// <remarks>
/// <para>Endpoints, relative to <see cref="BaseUri"/> (the content server URI a client is configured with):</para>
/// <list type="bullet">
/// <item><c>POST /</c> (Digest): empty body to authenticate; <c>multipart/form-data</c> with parts <c>tid</c>, <c>File</c>
/// and optional <c>Thumbnail</c> to upload; 200 with the file-info document.</item>
/// <item><c>GET|POST /?tid=T&amp;get_upload_info</c> (Digest): the file-resume-info of an interrupted upload;
/// <c>PUT /upload/ID</c> with <c>Content-Range</c> sends the rest; <c>GET /?tid=T&amp;get_download_info</c> gives the
/// file-info once complete.</item>
/// <item><c>GET|HEAD /files/ID</c> and <c>/files/ID/thumbnail</c>: downloads, without authentication (the unguessable
/// URL is the capability), with single-range requests (RFC 9110 §14).</item>
/// </list>
/// <para>Simplifications: plain HTTP (put TLS in front for anything but loopback); Digest instead of GBA or tokens
/// (see <see cref="ContentServerOptions.Realm"/>); one range per request (others get the whole file, RFC 9110 §14.2
/// allows ignoring Range); no <c>If-Range</c>.</para>
/// </remarks>
public sealed partial class FileTransferContentServer : IAsyncDisposable
{
    private const int CopyBufferSize = 64 * 1024;
    private const int MaxTidLength = 256;
    private const int SweepBatch = 256;
    private static readonly TimeSpan WriterWait = TimeSpan.FromSeconds(30);
    private readonly ContentServerOptions _options;
    private readonly ContentServerStore _store;
    private readonly ContentServerAuthenticator _auth;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Task? _cleanup;
    private Uri? _baseUri;
    private int _disposed;

    /// <summary>Creates the server; nothing listens before <see cref="StartAsync"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="subscribers">Who may upload: the SIP server's subscriber store (Digest password or H(A1)).</param>
    /// <param name="loggerFactory">Logging, or null for none.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public FileTransferContentServer(ContentServerOptions options, ISubscriberStore subscribers, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(subscribers);
        options.Validate();
        _options = options;
        _store = new ContentServerStore(options.DataDirectory);
        _auth = new ContentServerAuthenticator(subscribers, options);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<FileTransferContentServer>();
    }

    /// <summary>The content server URI (<c>http://address:port/</c>) once started: clients POST uploads here.</summary>
    /// <exception cref="InvalidOperationException">Not started.</exception>
    public Uri BaseUri => _baseUri ?? throw new InvalidOperationException("The content server is not started.");

    /// <summary>The directory holding the files (<c>DATA/ft</c>).</summary>
    public string FilesDirectory => _store.Directory;

    /// <summary>Starts listening and the expiry sweep.</summary>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>A task completed once Kestrel listens.</returns>
    public async Task StartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_app is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<ILoggerFactory>(new KestrelLoggerFactory(_loggerFactory));
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The handlers enforce MaxFileSize themselves so the client gets 413 with a reason.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(_options.ListenEndPoint);
        });
        WebApplication app = builder.Build();
        app.Run(HandleAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _app = app;
        string address = app.Urls.First();
        _baseUri = new Uri(address.EndsWith('/') ? address : address + "/");
        _cleanup = CleanupLoopAsync(_stopping.Token);
        Log.Started(_logger, _baseUri, _store.Directory);
    }

    /// <summary>Stops listening (open requests get <paramref name="ct"/>'s time to finish) and the expiry sweep.</summary>
    /// <param name="ct">Ends the graceful wait.</param>
    /// <returns>A task completed once stopped.</returns>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_cleanup is not null)
        {
            await _cleanup.ConfigureAwait(false);
        }

        if (_app is { } app)
        {
            await app.StopAsync(ct).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(timeout.Token).ConfigureAwait(false);
        if (_app is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Deletes every file whose validity has ended; what the periodic sweep does.</summary>
    /// <returns>How many were deleted.</returns>
    internal int SweepExpired()
    {
        int total = 0;
        int removed;
        do
        {
            removed = _store.RemoveExpired(_options.TimeProvider.GetUtcNow(), SweepBatch);
            total += removed;
        }
        while (removed == SweepBatch);
        if (total > 0)
        {
            Log.Expired(_logger, total);
        }

        return total;
    }

    private async Task CleanupLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.CleanupInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                SweepExpired();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        string path = request.Path.Value ?? "/";
        try
        {
            if (path == "/")
            {
                bool uploadInfo = request.Query.ContainsKey("get_upload_info");
                bool downloadInfo = request.Query.ContainsKey("get_download_info");
                if ((uploadInfo || downloadInfo) && (HttpMethods.IsGet(request.Method) || HttpMethods.IsPost(request.Method)))
                {
                    if (await _auth.AuthenticateAsync(context).ConfigureAwait(false) is { } owner)
                    {
                        await InfoAsync(context, owner, uploadInfo).ConfigureAwait(false);
                    }
                }
                else if (HttpMethods.IsPost(request.Method))
                {
                    if (await _auth.AuthenticateAsync(context).ConfigureAwait(false) is { } owner)
                    {
                        await UploadAsync(context, owner).ConfigureAwait(false);
                    }
                }
                else
                {
                    await TextAsync(context, StatusCodes.Status405MethodNotAllowed, "Use POST to upload.").ConfigureAwait(false);
                }
            }
            else if (path.StartsWith("/upload/", StringComparison.Ordinal) && HttpMethods.IsPut(request.Method))
            {
                if (await _auth.AuthenticateAsync(context).ConfigureAwait(false) is { } owner)
                {
                    await ResumeAsync(context, owner, path["/upload/".Length..]).ConfigureAwait(false);
                }
            }
            else if (path.StartsWith("/files/", StringComparison.Ordinal) && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                await DownloadAsync(context, path["/files/".Length..]).ConfigureAwait(false);
            }
            else
            {
                await TextAsync(context, StatusCodes.Status404NotFound, "Not found.").ConfigureAwait(false);
            }
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is IOException or OperationCanceledException)
        {
            // The client went away; what it sent is kept for a resume.
        }
    }

    private async Task UploadAsync(HttpContext context, string owner)
    {
        HttpRequest request = context.Request;
        if (request.ContentLength == 0)
        {
            // GSMA RCC.07 FT via HTTP: the client may first POST without a body to get authenticated.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        long bodyLimit = _options.MaxFileSize + _options.MaxThumbnailSize + (64 * 1024);
        if (request.ContentLength > bodyLimit)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 70 } boundary)
        {
            // RFC 7578 §4.1 / RFC 2046 §5.1.1: form-data with a boundary of 1 to 70 characters.
            await TextAsync(context, StatusCodes.Status400BadRequest, "Expected multipart/form-data with a boundary.").ConfigureAwait(false);
            return;
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        CancellationToken ct = context.RequestAborted;
        string? tid = null;
        string? thumbnailTemp = null;
        string? thumbnailType = null;
        long thumbnailSize = 0;
        StoredFile? file = null;
        try
        {
            while (true)
            {
                MultipartSection? section;
                try
                {
                    section = await reader.ReadNextSectionAsync(ct).ConfigureAwait(false);
                }
                catch (InvalidDataException e)
                {
                    await TextAsync(context, StatusCodes.Status400BadRequest, "Malformed multipart body: " + e.Message).ConfigureAwait(false);
                    return;
                }
                catch (IOException) when (!ct.IsCancellationRequested && file is null)
                {
                    await TextAsync(context, StatusCodes.Status400BadRequest, "Malformed multipart body: it ends before its closing boundary.").ConfigureAwait(false);
                    return;
                }

                if (section is null)
                {
                    break;
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    await TextAsync(context, StatusCodes.Status400BadRequest, "Every part needs Content-Disposition: form-data (RFC 7578 §4.2).").ConfigureAwait(false);
                    return;
                }

                string name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
                if (name == "tid")
                {
                    tid = await ReadSmallAsync(section.Body, MaxTidLength, ct).ConfigureAwait(false);
                    if (string.IsNullOrWhiteSpace(tid))
                    {
                        await TextAsync(context, StatusCodes.Status400BadRequest, "The tid part is empty or longer than 256 bytes.").ConfigureAwait(false);
                        return;
                    }

                    tid = tid.Trim();
                }
                else if (name == "Thumbnail")
                {
                    if (thumbnailTemp is not null)
                    {
                        await TextAsync(context, StatusCodes.Status400BadRequest, "Two Thumbnail parts.").ConfigureAwait(false);
                        return;
                    }

                    thumbnailTemp = Path.Combine(_store.Directory, ContentServerStore.NewId() + ".thumb.tmp");
                    thumbnailType = section.ContentType ?? "application/octet-stream";
                    await using (var stream = new FileStream(thumbnailTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
                    {
                        thumbnailSize = await CopyAsync(section.Body, stream, _options.MaxThumbnailSize, ct).ConfigureAwait(false);
                    }

                    if (thumbnailSize < 0)
                    {
                        await TextAsync(context, StatusCodes.Status413PayloadTooLarge,
                            string.Create(CultureInfo.InvariantCulture, $"The thumbnail is larger than the content server accepts ({_options.MaxThumbnailSize} bytes).")).ConfigureAwait(false);
                        return;
                    }

                    if (file is not null)
                    {
                        AttachThumbnail(file, ref thumbnailTemp, thumbnailType, thumbnailSize);
                    }
                }
                else if (name == "File")
                {
                    if (file is not null || tid is null)
                    {
                        // GSMA RCC.07: the tid part comes first, then the file (and its thumbnail).
                        await TextAsync(context, StatusCodes.Status400BadRequest, file is null ? "The tid part must precede the File part." : "Two File parts.").ConfigureAwait(false);
                        return;
                    }

                    file = new StoredFile
                    {
                        Id = ContentServerStore.NewId(),
                        Tid = tid,
                        Owner = owner,
                        FileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value,
                        ContentType = section.ContentType ?? "application/octet-stream",
                        Until = _options.TimeProvider.GetUtcNow() + _options.Validity,
                    };
                    // Held before the upload is visible, so get_upload_info and a PUT wait until this writer stops.
                    await file.Writer.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    using var release = new WriterRelease(file.Writer);
                    _store.Add(file);
                    if (thumbnailTemp is not null)
                    {
                        AttachThumbnail(file, ref thumbnailTemp, thumbnailType!, thumbnailSize);
                    }

                    long copied;
                    await using (var stream = new FileStream(_store.ContentPath(file.Id), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
                    {
                        try
                        {
                            copied = await CopyAsync(section.Body, stream, _options.MaxFileSize, ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException)
                        {
                            // Interrupted: keep the bytes that arrived for a resume (RCC.07 upload resume).
                            await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                            file.Size = stream.Length;
                            _store.Save(file);
                            Log.UploadInterrupted(_logger, file.Id, owner, file.Size);
                            if (!ct.IsCancellationRequested)
                            {
                                await TextAsync(context, StatusCodes.Status400BadRequest, "The upload ended early; resume it with get_upload_info.").ConfigureAwait(false);
                            }

                            return;
                        }
                    }

                    if (copied < 0)
                    {
                        _store.Remove(file);
                        await TooLargeAsync(context).ConfigureAwait(false);
                        return;
                    }

                    file.Size = copied;
                }
                else if (await CopyAsync(section.Body, Stream.Null, 64 * 1024, ct).ConfigureAwait(false) < 0)
                {
                    await TextAsync(context, StatusCodes.Status400BadRequest, "Unknown part '" + name + "' is too large.").ConfigureAwait(false);
                    return;
                }
            }

            if (file is null)
            {
                await TextAsync(context, StatusCodes.Status400BadRequest, "No File part (GSMA RCC.07 FT via HTTP upload needs tid and File).").ConfigureAwait(false);
                return;
            }

            file.Complete = true;
            _store.Save(file);
            Log.Uploaded(_logger, file.Id, owner, file.Size);
            await FileInfoAsync(context, file).ConfigureAwait(false);
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            // MultipartReader: a part or the body ends before its boundary (RFC 2046 §5.1.1).
            await TextAsync(context, StatusCodes.Status400BadRequest, "Malformed multipart body: " + e.Message).ConfigureAwait(false);
        }
        finally
        {
            if (thumbnailTemp is not null)
            {
                File.Delete(thumbnailTemp);
            }
        }
    }

    private void AttachThumbnail(StoredFile file, ref string? temp, string contentType, long size)
    {
        File.Move(temp!, _store.ThumbnailPath(file.Id), overwrite: true);
        temp = null;
        file.ThumbnailContentType = contentType;
        file.ThumbnailSize = size;
        _store.Save(file);
    }

    private async Task InfoAsync(HttpContext context, string owner, bool uploadInfo)
    {
        string? tid = context.Request.Query["tid"];
        if (string.IsNullOrEmpty(tid) || _store.FindByTid(owner, tid) is not { } file)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "No upload with this tid.").ConfigureAwait(false);
            return;
        }

        if (IsExpired(file))
        {
            await GoneAsync(context, file).ConfigureAwait(false);
            return;
        }

        if (uploadInfo)
        {
            // An interrupted POST or PUT may still be writing what it had buffered: wait for it to stop.
            if (!await file.Writer.WaitAsync(WriterWait, context.RequestAborted).ConfigureAwait(false))
            {
                await TextAsync(context, StatusCodes.Status409Conflict, "The upload is still in progress.").ConfigureAwait(false);
                return;
            }

            file.Writer.Release();
            // GSMA RCC.07 upload resume: the range received so far and where to PUT the rest.
            long received = file.Complete ? file.Size : ReceivedLength(file);
            var info = new FileResumeInfo(0, received - 1, new Uri(BaseUri, "upload/" + file.Id));
            await XmlAsync(context, StatusCodes.Status200OK, info.ToArray()).ConfigureAwait(false);
        }
        else if (file.Complete)
        {
            await FileInfoAsync(context, file).ConfigureAwait(false);
        }
        else
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "The upload is not complete.").ConfigureAwait(false);
        }
    }

    private async Task ResumeAsync(HttpContext context, string owner, string id)
    {
        if (!ContentServerStore.IsId(id) || _store.Find(id) is not { } file || file.Owner != owner)
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "No upload at this URL.").ConfigureAwait(false);
            return;
        }

        if (IsExpired(file))
        {
            await GoneAsync(context, file).ConfigureAwait(false);
            return;
        }

        if (file.Complete)
        {
            await FileInfoAsync(context, file).ConfigureAwait(false);
            return;
        }

        // RFC 9110 §14.4: Content-Range: bytes first-last/complete-length; the client sends the bytes after the
        // range the server reported.
        if (!ContentRangeHeaderValue.TryParse(context.Request.Headers.ContentRange.ToString(), out ContentRangeHeaderValue? range)
            || range.From is not { } from || range.To is not { } to || range.Length is not { } total || !range.Unit.Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            await TextAsync(context, StatusCodes.Status400BadRequest, "PUT needs Content-Range: bytes first-last/length.").ConfigureAwait(false);
            return;
        }

        if (total > _options.MaxFileSize)
        {
            _store.Remove(file);
            await TooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        CancellationToken ct = context.RequestAborted;
        if (!await file.Writer.WaitAsync(WriterWait, ct).ConfigureAwait(false))
        {
            await TextAsync(context, StatusCodes.Status409Conflict, "The upload is still in progress.").ConfigureAwait(false);
            return;
        }

        using var release = new WriterRelease(file.Writer);
        long received = ReceivedLength(file);
        if (from != received || to >= total)
        {
            await TextAsync(context, StatusCodes.Status409Conflict,
                string.Create(CultureInfo.InvariantCulture, $"The server has {received} bytes; send the range starting there.")).ConfigureAwait(false);
            return;
        }

        long length;
        await using (var stream = new FileStream(_store.ContentPath(file.Id), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            stream.SetLength(received);
            stream.Position = received;
            try
            {
                if (await CopyAsync(context.Request.Body, stream, to - from + 1, ct).ConfigureAwait(false) < 0)
                {
                    stream.SetLength(received);
                    await TextAsync(context, StatusCodes.Status400BadRequest, "The body is longer than its Content-Range.").ConfigureAwait(false);
                    return;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                file.Size = stream.Length;
                _store.Save(file);
                Log.UploadInterrupted(_logger, file.Id, owner, file.Size);
                return;
            }

            length = stream.Length;
        }

        file.Size = length;
        if (length == total)
        {
            file.Complete = true;
            _store.Save(file);
            Log.Uploaded(_logger, file.Id, owner, length);
            await FileInfoAsync(context, file).ConfigureAwait(false);
            return;
        }

        _store.Save(file);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private async Task DownloadAsync(HttpContext context, string rest)
    {
        bool thumbnail = rest.EndsWith("/thumbnail", StringComparison.Ordinal);
        string id = thumbnail ? rest[..^"/thumbnail".Length] : rest;
        if (!ContentServerStore.IsId(id) || _store.Find(id) is not { } file || !file.Complete || (thumbnail && file.ThumbnailContentType is null))
        {
            await TextAsync(context, StatusCodes.Status404NotFound, "No file at this URL.").ConfigureAwait(false);
            return;
        }

        if (IsExpired(file))
        {
            await GoneAsync(context, file).ConfigureAwait(false);
            return;
        }

        string path = thumbnail ? _store.ThumbnailPath(id) : _store.ContentPath(id);
        long length = thumbnail ? file.ThumbnailSize : file.Size;
        HttpResponse response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        long from = 0;
        long count = length;
        string? rangeHeader = context.Request.Headers.Range;
        if (!string.IsNullOrEmpty(rangeHeader) && RangeHeaderValue.TryParse(rangeHeader, out RangeHeaderValue? range)
            && range.Unit.Equals("bytes", StringComparison.OrdinalIgnoreCase) && range.Ranges.Count == 1)
        {
            RangeItemHeaderValue item = range.Ranges.First();
            if (item.From is { } first)
            {
                from = first;
                count = item.To is { } last ? Math.Min(last, length - 1) - first + 1 : length - first;
            }
            else
            {
                // RFC 9110 §14.1.2: a suffix range, the last N bytes.
                count = Math.Min(item.To ?? 0, length);
                from = length - count;
            }

            if (from >= length || count <= 0)
            {
                // RFC 9110 §15.5.17: 416 with the current length in Content-Range.
                response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes */{length}");
                await TextAsync(context, StatusCodes.Status416RangeNotSatisfiable, "The range is outside the file.").ConfigureAwait(false);
                return;
            }

            // RFC 9110 §15.3.7: 206 with Content-Range: bytes first-last/length.
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{from + count - 1}/{length}");
        }

        response.ContentType = thumbnail ? file.ThumbnailContentType : file.ContentType;
        response.ContentLength = count;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await response.SendFileAsync(path, from, count, context.RequestAborted).ConfigureAwait(false);
    }

    private bool IsExpired(StoredFile file) => file.Until <= _options.TimeProvider.GetUtcNow();

    private async Task GoneAsync(HttpContext context, StoredFile file)
    {
        _store.Remove(file);
        await TextAsync(context, StatusCodes.Status410Gone, "The file has expired.").ConfigureAwait(false);
    }

    private long ReceivedLength(StoredFile file)
    {
        // The content file is appended in order, so its length is what arrived, even after a crash.
        var info = new FileInfo(_store.ContentPath(file.Id));
        return info.Exists ? info.Length : 0;
    }

    private Task FileInfoAsync(HttpContext context, StoredFile file)
    {
        var entry = new FileInfoEntry(file.Size, file.ContentType, new Uri(BaseUri, "files/" + file.Id), file.Until) { FileName = file.FileName };
        FileInfoEntry? thumbnail = file.ThumbnailContentType is null ? null
            : new FileInfoEntry(file.ThumbnailSize, file.ThumbnailContentType, new Uri(BaseUri, "files/" + file.Id + "/thumbnail"), file.Until);
        return XmlAsync(context, StatusCodes.Status200OK, new FileInfoDocument(entry, thumbnail).ToArray());
    }

    private static async Task XmlAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = CpmServices.FileTransferHttpContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private Task TooLargeAsync(HttpContext context)
    {
        // RFC 9110 §15.5.14: 413 Content Too Large; the reason says the limit.
        return TextAsync(context, StatusCodes.Status413PayloadTooLarge,
            string.Create(CultureInfo.InvariantCulture, $"The file is larger than the content server accepts ({_options.MaxFileSize} bytes)."));
    }

    private async Task TextAsync(HttpContext context, int status, string text)
    {
        if (status >= 400)
        {
            Log.Refused(_logger, context.Request.Method, context.Request.Path.Value ?? "/", status, text);
        }

        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of the body is not read; end the connection instead of draining it.
            context.Response.Headers.Connection = "close";
        }

        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<string?> ReadSmallAsync(Stream body, int max, CancellationToken ct)
    {
        byte[] buffer = new byte[max + 1];
        int n = 0;
        while (n <= max)
        {
            int read = await body.ReadAsync(buffer.AsMemory(n), ct).ConfigureAwait(false);
            if (read == 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, n);
            }

            n += read;
        }

        return null;
    }

    /// <summary>Copies at most <paramref name="limit"/> bytes; -1 when the source has more.</summary>
    private static async Task<long> CopyAsync(Stream source, Stream destination, long limit, CancellationToken ct)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long total = 0;
            while (true)
            {
                int read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    return total;
                }

                total += read;
                if (total > limit)
                {
                    return -1;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private readonly struct WriterRelease(SemaphoreSlim writer) : IDisposable
    {
        public void Dispose() => writer.Release();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "FT content server listening on {BaseUri}, files in {Directory}")]
        public static partial void Started(ILogger logger, Uri baseUri, string directory);

        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "FT upload {Id} by {Owner} complete: {Size} bytes")]
        public static partial void Uploaded(ILogger logger, string id, string owner, long size);

        [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "FT upload {Id} by {Owner} interrupted after {Size} bytes; kept for resume")]
        public static partial void UploadInterrupted(ILogger logger, string id, string owner, long size);

        [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "FT content server deleted {Count} expired files")]
        public static partial void Expired(ILogger logger, int count);

        [LoggerMessage(EventId = 6104, Level = LogLevel.Debug, Message = "FT content server refused {Method} {Path} with {Status}: {Reason}")]
        public static partial void Refused(ILogger logger, string method, string path, int status, string reason);
    }
}

/// <summary>Passes the host's loggers to ASP.NET Core with its per-request Information logs raised to Warning.</summary>
internal sealed class KestrelLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName)
    {
        ILogger logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith("Microsoft.", StringComparison.Ordinal) ? new WarningLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The host owns the inner factory.
    }

    private sealed class WarningLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
