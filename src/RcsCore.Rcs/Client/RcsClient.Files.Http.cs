using System.Security.Cryptography;
using RcsCore.Rcs.FileTransfer;
using RcsCore.Rcs.Imdn;
using RcsCore.Sip.Messages;

namespace RcsCore.Rcs;

/// <summary>
/// File transfer over HTTP (GSMA RCC.07 FT via HTTP, the UP default): the sender uploads the file (and thumbnail) to the
/// content server with Digest, then sends the file-info document it got back as a message (pager or large mode, stored
/// by the message centre when the peer is offline); the receiver downloads from the data URL with Range, and sends the
/// delivery notification when the file-info arrives and the display notification once the file is complete.
/// </summary>
public sealed partial class RcsClient
{
    /// <summary>How many times a broken download is taken up again from where it stopped.</summary>
    private const int DownloadAttempts = 3;

    /// <summary>Largest thumbnail fetched when a file-info arrives (RCC.07 thumbnails are small previews).</summary>
    private const int MaxThumbnailBytes = 256 * 1024;

    private HttpClient? _http;

    private HttpClient Http => LazyInitializer.EnsureInitialized(ref _http, () => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>
    /// Auto: HTTP when a content server is configured and the peer advertises FT over HTTP, or is offline (the file-info
    /// waits in the message centre, RCC.07); MSRP otherwise (GSMA RCC.07: FT via HTTP is preferred when both support it).
    /// </summary>
    private async Task<RcsFileTransferMethod> ChooseFileTransferMethodAsync(SipUri peer, CancellationToken ct)
    {
        if (_options.FileTransferHttpServer is null)
        {
            return RcsFileTransferMethod.Msrp;
        }
        var capabilities = await GetCapabilitiesAsync(peer, ct).ConfigureAwait(false);
        if (capabilities.Capabilities.Supports(Capabilities.RcsService.FileTransferHttp) || capabilities.StatusCode is 480 or 408)
        {
            return RcsFileTransferMethod.Http;
        }
        return RcsFileTransferMethod.Msrp;
    }

    private HttpFileTransferClient ContentServerClient()
    {
        var server = _options.FileTransferHttpServer ?? throw new InvalidOperationException("No content server: set RcsClientOptions.FileTransferHttpServer.");
        string user = _options.PrivateIdentity ?? _options.PublicIdentity.User + "@" + _options.PublicIdentity.Host;
        return new HttpFileTransferClient(Http, server, user, _options.Credentials!.Password!);
    }

    private async Task<RcsFileTransferResult> SendFileOverHttpAsync(string peer, Stream content, RcsFileInfo file, IProgress<RcsFileTransferProgress>? progress,
        CancellationToken ct)
    {
        long size = file.Size;
        byte[]? sha256 = null;
        if (content.CanSeek)
        {
            long start = content.Position;
            var (_, computed256, length) = await HashAsync(content, ct).ConfigureAwait(false);
            sha256 = computed256;
            size = length;
            content.Position = start;
        }
        RcsFileTransferResult Result(string id, RcsFileTransferOutcome outcome, long bytes, int status, string? reason) =>
            new(id, RcsFileTransferMethod.Http, outcome, bytes, size, status, reason)
            {
                Sha256 = outcome == RcsFileTransferOutcome.Completed && sha256 is not null ? new ReadOnlyMemory<byte>(sha256) : default(ReadOnlyMemory<byte>?),
            };

        long sent = 0;
        FileInfoDocument document;
        try
        {
            var thumbnail = file.Thumbnail is { } thumb ? new HttpFileThumbnail(thumb, file.ThumbnailContentType ?? "image/jpeg") : null;
            document = await ContentServerClient().UploadAsync(content, file.FileName, file.ContentType, thumbnail, new SyncProgress(bytes =>
            {
                Volatile.Write(ref sent, bytes);
                progress?.Report(new RcsFileTransferProgress(bytes, size));
            }), ct: ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Result(string.Empty, RcsFileTransferOutcome.Cancelled, Volatile.Read(ref sent), 487, "cancelled");
        }
        catch (HttpFileTransferException e)
        {
            // e.g. 413 with the server's reason (too large), 401 (credentials refused).
            return Result(string.Empty, RcsFileTransferOutcome.Failed, Volatile.Read(ref sent), e.StatusCode is { } status ? (int)status : 503, e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return Result(string.Empty, RcsFileTransferOutcome.Failed, Volatile.Read(ref sent), 503, e.Message);
        }
        // RCC.07: the sender names how the receiver shows the file (render inline, or an attachment).
        var disposition = string.Equals(file.Disposition, "attachment", StringComparison.OrdinalIgnoreCase) ? FileDisposition.Attachment : FileDisposition.Render;
        document = new FileInfoDocument(document.File with { Disposition = disposition, FileName = document.File.FileName ?? file.FileName }, document.Thumbnail);
        try
        {
            // The file-info goes as a message: pager or large mode by size, stored by the message centre for an offline peer.
            var message = await SendStandaloneAsync(SipUri.Parse(peer), document.ToArray(), CpmServices.FileTransferHttpContentType, ct).ConfigureAwait(false);
            Log.FileInfoSent(_logger, Identity, peer, file.FileName, document.File.Size, message.StatusCode);
            return Result(message.MessageId, RcsFileTransferOutcome.Completed, document.File.Size, message.StatusCode, null);
        }
        catch (RcsException e)
        {
            return Result(string.Empty, RcsFileTransferOutcome.Failed, document.File.Size, e.StatusCode, e.Message);
        }
    }

    /// <summary>
    /// A message carrying a file-info document: checked (malformed ones are refused with an error notification when the
    /// sender asked for negative delivery), its thumbnail fetched, then offered as an incoming transfer (or accepted at
    /// once within <see cref="RcsClientOptions.FileAutoAcceptMaxBytes"/>). True when it was a well-formed file-info.
    /// </summary>
    private bool OnFileInfoMessage(RcsMessage message, string sender)
    {
        var parse = FileInfoDocument.TryParse(message.Content, out var document);
        if (!parse.IsSuccess)
        {
            Log.BadFileInfo(_logger, Identity, sender, parse.ToString());
            if (message.Request is { } request && request.Requests(ImdnNotificationType.Delivery, ImdnStatus.Error))
            {
                // RFC 5438 §7.2.1.1: the message could not be processed: negative delivery, error.
                Track(SendNotificationQuietlyAsync(message, ImdnStatus.Error));
            }
            return false;
        }
        var entry = document!.File;
        var file = new RcsFileInfo(entry.FileName ?? "file", entry.ContentType, entry.Size)
        {
            Disposition = entry.Disposition == FileDisposition.Attachment ? "attachment" : "render",
            ThumbnailContentType = document.Thumbnail?.ContentType,
        };
        var transfer = new RcsIncomingFileTransfer(this, message, document, sender, file);
        Track(OfferHttpFileAsync(transfer));
        return true;
    }

    private async Task SendNotificationQuietlyAsync(RcsMessage message, ImdnStatus status)
    {
        try
        {
            await SendNotificationAsync(message, ImdnNotificationType.Delivery, status, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RcsException or OperationCanceledException or InvalidOperationException or IOException)
        {
            Log.NotificationFailed(_logger, Identity, message.From, e);
        }
    }

    private async Task OfferHttpFileAsync(RcsIncomingFileTransfer transfer)
    {
        var document = transfer.HttpFile!;
        if (document.Thumbnail is { } thumbnail && thumbnail.Size is > 0 and <= MaxThumbnailBytes)
        {
            try
            {
                var buffer = new MemoryStream((int)thumbnail.Size);
                await DownloaderFor(thumbnail.Url).DownloadAsync(thumbnail, buffer, ct: _stopping.Token).ConfigureAwait(false);
                transfer = transfer.WithThumbnail(buffer.ToArray());
            }
            catch (Exception e) when (e is HttpFileTransferException or HttpRequestException or IOException or OperationCanceledException)
            {
                // The preview is optional: offer the file without it.
                Log.ThumbnailFailed(_logger, Identity, transfer.Peer, e);
            }
        }
        Log.FileOffered(_logger, Identity, transfer.Peer, transfer.File.FileName, transfer.File.Size, 0);
        long autoMax = _options.FileAutoAcceptMaxBytes;
        if (autoMax > 0 && transfer.File.Size <= autoMax && _options.FileDownloadDirectory is { } directory && transfer.TryClaim())
        {
            transfer.SavedPath = UniquePath(directory, transfer.File.FileName);
            Raise(FileTransferReceived, transfer);
            RcsFileTransferResult result;
            try
            {
                var stream = new FileStream(transfer.SavedPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
                await using (stream.ConfigureAwait(false))
                {
                    result = await DownloadFileAsync(transfer, stream, null, _stopping.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                result = new RcsFileTransferResult(transfer.TransferId, RcsFileTransferMethod.Http, RcsFileTransferOutcome.Failed, 0, transfer.File.Size, 500, e.Message);
            }
            transfer.SetResult(result);
            return;
        }
        _fileQueue.Writer.TryWrite(transfer);
        Raise(FileTransferReceived, transfer);
    }

    /// <summary>Downloads are not authenticated (RCC.07: the data URL is the credential): any origin works.</summary>
    private HttpFileTransferClient DownloaderFor(Uri url) =>
        new(Http, new Uri(url.GetLeftPart(UriPartial.Authority)), "anonymous", string.Empty);

    /// <summary>
    /// Downloads an accepted HTTP transfer into <paramref name="destination"/>: from its current length when it is
    /// seekable and holds part of the file (HTTP Range), retrying a broken connection from where it stopped, hashing
    /// for the SHA-256 of the result; then the display notification (RFC 5438 §7.2.1.2) if the sender asked for one.
    /// </summary>
    internal async Task<RcsFileTransferResult> DownloadFileAsync(RcsIncomingFileTransfer transfer, Stream destination, IProgress<RcsFileTransferProgress>? progress,
        CancellationToken ct)
    {
        var entry = transfer.HttpFile!.File;
        long have = destination.CanSeek ? Math.Min(destination.Length, entry.Size) : 0;
        if (destination.CanSeek)
        {
            destination.Position = have;
        }
        // SHA-256 of the result as the bytes are written (and of the part the destination already held), not by reading
        // the file again afterwards; without a readable destination a resumed file's prefix cannot be hashed.
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        bool hashing = have == 0 || destination.CanRead;
        if (hashing && have > 0)
        {
            await HashPrefixAsync(destination, have, null, sha256, ct).ConfigureAwait(false);
        }
        var sink = hashing ? new HashingWriteStream(destination, sha256) : destination;
        var downloader = DownloaderFor(entry.Url);
        RcsFileTransferResult Result(RcsFileTransferOutcome outcome, long bytes, int status, string? reason, byte[]? sha256 = null) =>
            new(transfer.TransferId, RcsFileTransferMethod.Http, outcome, bytes, entry.Size, status, reason)
            {
                Sha256 = sha256 is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(sha256),
            };
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                have = await downloader.DownloadAsync(entry.Url, sink, have, new SyncProgress(bytes =>
                {
                    Volatile.Write(ref have, bytes);
                    progress?.Report(new RcsFileTransferProgress(bytes, entry.Size));
                }), ct).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Result(RcsFileTransferOutcome.Cancelled, Volatile.Read(ref have), 487, "cancelled");
            }
            catch (HttpFileTransferException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Gone or System.Net.HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // Gone (expired) or not there: nothing to retry.
                return Result(RcsFileTransferOutcome.Failed, Volatile.Read(ref have), (int)e.StatusCode!.Value, e.Message);
            }
            catch (Exception e) when (e is HttpFileTransferException or HttpRequestException or IOException)
            {
                if (attempt >= DownloadAttempts || !destination.CanSeek)
                {
                    return Result(RcsFileTransferOutcome.Failed, Volatile.Read(ref have), 503, e.Message);
                }
                // Resume where the destination ends (RFC 9110 §14.2 Range).
                have = destination.Position;
                Log.DownloadResumed(_logger, Identity, transfer.Peer, transfer.File.FileName, have);
            }
        }
        await destination.FlushAsync(ct).ConfigureAwait(false);
        if (have != entry.Size)
        {
            return Result(RcsFileTransferOutcome.Failed, have, 500, $"{have} of {entry.Size} bytes");
        }
        byte[]? digest = hashing ? sha256.GetHashAndReset() : null;
        Log.FileDownloaded(_logger, Identity, transfer.Peer, transfer.File.FileName, have);
        if (transfer.FileInfoMessage is { } message)
        {
            // RCC.07: the file is with the user: displayed (once; pager mode when no session).
            try
            {
                await MarkDisplayedAsync(message, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RcsException or InvalidOperationException or IOException)
            {
                Log.NotificationFailed(_logger, Identity, message.From, e);
            }
        }
        return Result(RcsFileTransferOutcome.Completed, have, 200, null, digest);
    }

    /// <summary>Forwards writes to the destination and adds them to a hash (the download's only consumer is WriteAsync).</summary>
    private sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            hash.AppendData(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            hash.AppendData(buffer.Span);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
