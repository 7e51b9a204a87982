using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using RcsCore.Msrp;
using RcsCore.Parsing.Sdp;
using RcsCore.Rcs.FileTransfer;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>
/// File transfer (OMA CPM / GSMA RCC.07 file transfer over MSRP, RFC 5547): an INVITE with the CPM file-transfer ICSI
/// and a push (sendonly) offer describing the file, the file as one MSRP message, BYE. Both ways, with progress,
/// SHA-1 verification on arrival, cancel by either side and resume with a=file-range.
/// </summary>
public sealed partial class RcsClient
{
    /// <summary>How long the receiver waits for the sender's first chunk, and then for its BYE after the last one.</summary>
    private static readonly TimeSpan s_fileWait = TimeSpan.FromSeconds(30);

    private const int HashBufferSize = 256 * 1024;

    private readonly Channel<RcsIncomingFileTransfer> _fileQueue = Channel.CreateUnbounded<RcsIncomingFileTransfer>();

    /// <summary>
    /// A file transfer arrived (also queued for <see cref="ReadFileTransfersAsync"/> unless accepted automatically by
    /// <see cref="RcsClientOptions.FileAutoAcceptMaxBytes"/>; then <see cref="RcsIncomingFileTransfer.SavedPath"/> says where it goes).
    /// </summary>
    public event EventHandler<RcsIncomingFileTransfer>? FileTransferReceived;

    /// <summary>Incoming file transfers waiting for <see cref="RcsIncomingFileTransfer.AcceptAsync"/> or <see cref="RcsIncomingFileTransfer.DeclineAsync"/>, in arrival order.</summary>
    /// <param name="ct">Ends the enumeration.</param>
    /// <returns>The transfers.</returns>
    public async IAsyncEnumerable<RcsIncomingFileTransfer> ReadFileTransfersAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var transfer in _fileQueue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (!transfer.IsAnswered)
            {
                yield return transfer;
            }
        }
    }

    /// <summary>
    /// Sends a file from disk: name from the path, media type from the extension, creation date from the file system;
    /// see <see cref="SendFileAsync(SipUri, Stream, RcsFileInfo, RcsFileTransferOptions?, IProgress{RcsFileTransferProgress}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="peer">The recipient.</param>
    /// <param name="path">The file.</param>
    /// <param name="options">Method and resume offset; null for defaults.</param>
    /// <param name="progress">Receives the bytes sent so far.</param>
    /// <param name="ct">Cancelling aborts the transfer (MSRP <c>#</c>, BYE): outcome <see cref="RcsFileTransferOutcome.Cancelled"/>.</param>
    /// <returns>How the transfer ended.</returns>
    public async Task<RcsFileTransferResult> SendFileAsync(SipUri peer, string path, RcsFileTransferOptions? options = null, IProgress<RcsFileTransferProgress>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // No FileStream buffer: MSRP reads chunk-sized blocks itself.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var info = new RcsFileInfo(Path.GetFileName(path), RcsFileTypes.FromFileName(path), stream.Length)
            {
                CreationDate = File.GetCreationTimeUtc(path),
            };
            return await SendFileAsync(peer, stream, info, options, progress, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends a file (GSMA RCC.07 file transfer; <see cref="RcsFileTransferMethod.Auto"/> and
    /// <see cref="RcsFileTransferMethod.Msrp"/>: RFC 5547 over MSRP). An INVITE with P-Preferred-Service and Accept-Contact
    /// for the CPM file-transfer ICSI carries a sendonly offer with a=file-selector (name, type, size, SHA-1 computed
    /// from a seekable stream), a=file-transfer-id, a=file-disposition, a=file-date and, to resume, a=file-range. Once
    /// the receiver answers recvonly (checked against the offer, RFC 5547 §8) the rest of the stream goes as one MSRP
    /// message in chunks, then BYE. Failures are results, not exceptions.
    /// </summary>
    /// <param name="peer">The recipient.</param>
    /// <param name="content">The file from its current position; seekable streams get a SHA-1 (one extra read pass) and can be resumed.</param>
    /// <param name="file">Name, type and size (and optionally SHA-1, disposition, date).</param>
    /// <param name="options">Method and resume offset; null for defaults.</param>
    /// <param name="progress">Receives the bytes sent so far, counted from the start of the file.</param>
    /// <param name="ct">Cancelling aborts the transfer (MSRP <c>#</c>, BYE): outcome <see cref="RcsFileTransferOutcome.Cancelled"/>.</param>
    /// <returns>How the transfer ended: completed, declined (603), cancelled by either side, or failed.</returns>
    /// <exception cref="NotSupportedException"><see cref="RcsFileTransferMethod.Http"/> without <see cref="RcsClientOptions.FileTransferHttpServer"/>.</exception>
    public Task<RcsFileTransferResult> SendFileAsync(SipUri peer, Stream content, RcsFileInfo file, RcsFileTransferOptions? options = null,
        IProgress<RcsFileTransferProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(file.FileName);
        ArgumentException.ThrowIfNullOrEmpty(file.ContentType);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        options ??= new RcsFileTransferOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.ResumeFrom);
        if (options.ResumeFrom > 0 && (!content.CanSeek || file.Size < 0 || options.ResumeFrom > file.Size))
        {
            throw new ArgumentException("Resuming needs a seekable stream of known size and an offset within it.", nameof(options));
        }
        _ = Msrp; // started
        if (options.Method == RcsFileTransferMethod.Http && _options.FileTransferHttpServer is null)
        {
            throw new NotSupportedException("File transfer over HTTP needs a content server: set RcsClientOptions.FileTransferHttpServer.");
        }
        if (options.Method == RcsFileTransferMethod.Http && options.ResumeFrom > 0)
        {
            throw new ArgumentException("Over HTTP the upload resumes by itself (RCC.07 upload resume); ResumeFrom is for MSRP.", nameof(options));
        }
        return SendFileByMethodAsync(peer, content, file, options, progress, ct);
    }

    private async Task<RcsFileTransferResult> SendFileByMethodAsync(SipUri peer, Stream content, RcsFileInfo file, RcsFileTransferOptions options,
        IProgress<RcsFileTransferProgress>? progress, CancellationToken ct)
    {
        var method = options.Method;
        if (method == RcsFileTransferMethod.Auto)
        {
            method = options.ResumeFrom > 0 ? RcsFileTransferMethod.Msrp : await ChooseFileTransferMethodAsync(peer, ct).ConfigureAwait(false);
        }
        return method == RcsFileTransferMethod.Http
            ? await SendFileOverHttpAsync(peer.ToAddressOfRecord(), content, file, progress, ct).ConfigureAwait(false)
            : await SendFileOverMsrpAsync(peer.ToAddressOfRecord(), content, file, options, progress, ct).ConfigureAwait(false);
    }

    private async Task<RcsFileTransferResult> SendFileOverMsrpAsync(string peer, Stream content, RcsFileInfo file, RcsFileTransferOptions options,
        IProgress<RcsFileTransferProgress>? progress, CancellationToken ct)
    {
        string transferId = MsrpFileTransferSdp.NewTransferId();
        long size = file.Size;
        byte[]? sha256 = null;
        ReadOnlyMemory<byte>? sha1 = file.Sha1;
        long start = content.CanSeek ? content.Position : 0;
        if (content.CanSeek)
        {
            // RFC 5547 §6: the hash selector identifies the file, which a resumed transfer relies on; SHA-256 for the result.
            var (computed1, computed256, length) = await HashAsync(content, ct).ConfigureAwait(false);
            sha1 ??= computed1;
            sha256 = computed256;
            size = length;
            content.Position = start + options.ResumeFrom;
        }
        RcsFileTransferResult Result(RcsFileTransferOutcome outcome, long bytes, int status, string? reason) =>
            new(transferId, RcsFileTransferMethod.Msrp, outcome, bytes, size, status, reason) { Sha256 = outcome == RcsFileTransferOutcome.Completed && sha256 is not null ? new ReadOnlyMemory<byte>(sha256) : default(ReadOnlyMemory<byte>?) };

        var msrp = CreateMsrpSession(new MsrpSessionOptions { AcceptTypes = [file.ContentType] });
        await using (msrp.ConfigureAwait(false))
        {
            var offer = new MsrpFileTransferDescription(msrp.LocalDescription, SdpDirection.SendOnly,
                new SdpFileSelector(file.FileName, file.ContentType, size >= 0 ? size : null, sha1 is { } h ? SdpFileHash.FromBytes(MsrpFileTransferSdp.Sha1, h.Span) : null))
            {
                TransferId = transferId,
                Disposition = file.Disposition ?? (file.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ? "render" : "attachment"),
                Date = file.CreationDate is { } created ? SdpFileDate.FromDates(created) : null,
                Information = file.Description,
                // RFC 5547 §9 (resume): the same file-selector with the range still to send, 1-based and inclusive.
                Range = options.ResumeFrom > 0 ? new SdpFileRange(options.ResumeFrom + 1, size) : null,
            };
            string contentType = RcsSdp.ContentType;
            byte[] body;
            if (file.Thumbnail is { } thumbnail)
            {
                // RFC 5547 §6 a=file-icon: a cid: URL (RFC 2392) naming the image part of a multipart/mixed body.
                string contentId = MsrpFileTransferSdp.NewTransferId()[..16] + "@" + MsrpHost;
                offer = offer with { Icon = "cid:" + contentId };
                body = MsrpFileTransferBody.Build(MsrpFileTransferSdp.Create(MsrpHost, offer, SdpSetup.ActPass), thumbnail.Span,
                    file.ThumbnailContentType ?? "image/jpeg", contentId, out contentType);
            }
            else
            {
                body = MsrpFileTransferSdp.Create(MsrpHost, offer, SdpSetup.ActPass);
            }
            var invite = CreateInvite(peer, CpmServices.FileTransferIcsi, FindChatByKey(peer)?.ConversationId ?? RcsHeaders.NewConversationId(), body, contentType);
            Log.FileInviting(_logger, Identity, peer, file.FileName, size, options.ResumeFrom);
            SipInviteResult result;
            try
            {
                result = await _ua.InviteAsync(invite, _options.Server, null, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Result(RcsFileTransferOutcome.Cancelled, options.ResumeFrom, 487, "cancelled before the answer");
            }
            if (!result.IsSuccess)
            {
                if (ct.IsCancellationRequested)
                {
                    // RFC 3261 §9.1: InviteAsync sent CANCEL; the INVITE ended with 487.
                    return Result(RcsFileTransferOutcome.Cancelled, options.ResumeFrom, result.StatusCode, "cancelled before the answer");
                }
                // RFC 3261 §21.6.2: 603 is the user declining.
                return result.StatusCode == 603
                    ? Result(RcsFileTransferOutcome.Declined, options.ResumeFrom, 603, "declined")
                    : Result(RcsFileTransferOutcome.Failed, options.ResumeFrom, result.StatusCode, $"{result.StatusCode} {result.Response.ReasonPhrase}");
            }
            var dialog = result.Dialog!;
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _dialogs[dialog.Id] = ended;
            long sent = options.ResumeFrom;
            try
            {
                var error = MsrpFileTransferSdp.TryRead(result.Response.Body.Span, out var answer);
                if (error == MsrpFileTransferSdpError.None)
                {
                    error = MsrpFileTransferSdp.ValidateAnswer(offer, answer!);
                }
                if (error != MsrpFileTransferSdpError.None)
                {
                    return error == MsrpFileTransferSdpError.Rejected
                        ? Result(RcsFileTransferOutcome.Declined, sent, 488, "the stream was refused")
                        : Result(RcsFileTransferOutcome.Failed, sent, 488, "unusable answer: " + error);
                }
                if (dialog.State == SipDialogState.Terminated)
                {
                    return Result(RcsFileTransferOutcome.Cancelled, sent, 481, "the receiver ended the session");
                }
                var sendOutcome = await SendFileMessageAsync(msrp, (answer!.Msrp, MsrpSessionDescription.IsActiveRole(isOfferer: true, answer.Msrp.Setup)), content,
                    file.ContentType, peer, file.FileName, options.ResumeFrom, size, ended.Task, progress, ct).ConfigureAwait(false);
                return Result(sendOutcome.Outcome, sendOutcome.Bytes, sendOutcome.Status, sendOutcome.Reason);
            }
            finally
            {
                _dialogs.TryRemove(dialog.Id, out _);
                await ByeQuietlyAsync(dialog).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How the MSRP part of a transfer ended (bytes counted from the start of the file).</summary>
    private readonly record struct MsrpFileOutcome(RcsFileTransferOutcome Outcome, long Bytes, int Status, string? Reason, byte[]? Sha256 = null);

    /// <summary>
    /// Sends a file as one MSRP message once the SDP exchange is done, for a push offerer and a pull answerer alike:
    /// starts the session when <paramref name="start"/> is given, sends with success reports and stops when
    /// <paramref name="ended"/> (the peer's BYE) completes or <paramref name="ct"/> is cancelled.
    /// </summary>
    private async Task<MsrpFileOutcome> SendFileMessageAsync(MsrpSession msrp, (MsrpSessionDescription Remote, bool Active)? start, Stream content, string contentType,
        string peer, string fileName, long startOffset, long size, Task ended, IProgress<RcsFileTransferProgress>? progress, CancellationToken ct)
    {
        long sent = startOffset;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        // The receiver's BYE (it cancelled) stops the send.
        _ = ended.ContinueWith(static (_, s) => CancelQuietly((CancellationTokenSource)s!), linked, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            if (start is { } remote)
            {
                await msrp.StartAsync(remote.Remote, remote.Active, linked.Token).ConfigureAwait(false);
            }
            var sendOptions = new MsrpSendOptions
            {
                StartOffset = startOffset,
                TotalSize = size >= 0 ? size : null,
                // RFC 4975 §7.1.2: a relay answers each chunk hop by hop (RFC 4976 §6.4), so only the receiver's
                // success REPORT says the whole file arrived; the BYE waits for it.
                Reports = MsrpReportPolicy.Full,
                Progress = new SyncProgress(bytes =>
                {
                    Volatile.Write(ref sent, bytes);
                    progress?.Report(new RcsFileTransferProgress(bytes, size));
                }),
            };
            var outcome = await msrp.SendAsync(content, contentType, sendOptions, linked.Token).ConfigureAwait(false);
            if (outcome.IsSuccess)
            {
                Log.FileSent(_logger, Identity, peer, fileName, outcome.BytesSent);
                return new(RcsFileTransferOutcome.Completed, outcome.BytesSent, 200, null);
            }
            // The receiver may have stopped the message (its session is gone: 481) and its BYE be on the way.
            await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
            return ended.IsCompleted
                ? new(RcsFileTransferOutcome.Cancelled, Volatile.Read(ref sent), outcome.StatusCode, "cancelled by the receiver")
                : new(RcsFileTransferOutcome.Failed, Volatile.Read(ref sent), outcome.StatusCode, outcome.Reason);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // RFC 4975 §7.1: SendAsync ended the message with '#'; the receiver learns of the cancel from it and our BYE.
            return new(RcsFileTransferOutcome.Cancelled, Volatile.Read(ref sent), 487, ended.IsCompleted ? "cancelled by the receiver" : "cancelled");
        }
        catch (Exception e) when (e is IOException or MsrpException or System.Net.Sockets.SocketException)
        {
            return new(ended.IsCompleted ? RcsFileTransferOutcome.Cancelled : RcsFileTransferOutcome.Failed, Volatile.Read(ref sent), 503, e.Message);
        }
    }

    /// <summary>
    /// An INVITE for the CPM file-transfer service: an RFC 5547 push offer, answered by the user or automatically within
    /// <see cref="RcsClientOptions.FileAutoAcceptMaxBytes"/>, or a pull offer (recvonly), served by
    /// <see cref="RcsClientOptions.FileProvider"/>.
    /// </summary>
    private async Task OnFileInviteAsync(SipIncomingRequest incoming, string peer, CancellationToken ct)
    {
        MsrpFileTransferDescription? offer = null;
        var error = MsrpFileTransferBody.TryRead(incoming.Request.ContentType, incoming.Request.Body, out var sdp, out var parts)
            ? MsrpFileTransferSdp.TryRead(sdp.Span, out offer)
            : MsrpFileTransferSdpError.MalformedSdp;
        if (error != MsrpFileTransferSdpError.None)
        {
            // RFC 3261 §21.4.26: nothing acceptable.
            Log.FileOfferRefused(_logger, Identity, peer, error);
            await incoming.RejectAsync(488, null, ct).ConfigureAwait(false);
            return;
        }
        if (offer!.Direction == SdpDirection.RecvOnly)
        {
            // RFC 5547 §8.3: a recvonly offer requests a file from us (pull; RcsClient.Files.Pull.cs).
            await ServeFileAsync(incoming, peer, offer, ct).ConfigureAwait(false);
            return;
        }
        var selector = offer.Selector;
        var file = new RcsFileInfo(selector.Name ?? "file", selector.Type ?? "application/octet-stream", selector.Size ?? -1)
        {
            Sha1 = selector.Hash is { } hash && string.Equals(hash.Algorithm, MsrpFileTransferSdp.Sha1, StringComparison.OrdinalIgnoreCase) ? new ReadOnlyMemory<byte>(hash.GetBytes()) : default(ReadOnlyMemory<byte>?),
            Disposition = offer.Disposition,
            CreationDate = offer.Date?.CreationDate,
            Description = offer.Information,
        };
        if (MsrpFileTransferBody.FindByCid(parts, offer.Icon) is { } icon)
        {
            file = file with { Thumbnail = icon.Content.ToArray(), ThumbnailContentType = icon.Type };
        }
        var transfer = new RcsIncomingFileTransfer(this, incoming, offer, peer, file);
        Log.FileOffered(_logger, Identity, peer, file.FileName, file.Size, offer.StartOffset);
        long autoMax = _options.FileAutoAcceptMaxBytes;
        if (autoMax > 0 && file.Size >= 0 && file.Size <= autoMax && offer.StartOffset == 0 && _options.FileDownloadDirectory is { } directory && transfer.TryClaim())
        {
            transfer.SavedPath = UniquePath(directory, file.FileName);
            Raise(FileTransferReceived, transfer);
            Track(AutoAcceptAsync(transfer));
            await transfer.Decided.ConfigureAwait(false);
            return;
        }
        // RFC 3261 §13.3.1.1: ringing while the user decides.
        await incoming.SendProvisionalAsync(180, ct: ct).ConfigureAwait(false);
        _fileQueue.Writer.TryWrite(transfer);
        Raise(FileTransferReceived, transfer);
        try
        {
            await transfer.Decided.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // RFC 3261 §9.2: the sender cancelled the INVITE (487), or the client stops.
            transfer.Abandon(487, "cancelled by the sender");
        }
    }

    private async Task AutoAcceptAsync(RcsIncomingFileTransfer transfer)
    {
        RcsFileTransferResult result;
        try
        {
            var stream = new FileStream(transfer.SavedPath!, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                result = await ReceiveFileAsync(transfer, stream, null, _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            result = new RcsFileTransferResult(transfer.TransferId, transfer.Method, RcsFileTransferOutcome.Failed, 0, transfer.File.Size, 500, e.Message);
            if (!transfer.Request.IsAnswered)
            {
                await transfer.Request.RejectAsync(500).ConfigureAwait(false);
            }
        }
        transfer.SetResult(result);
    }

    /// <summary>
    /// Receives an accepted transfer: 200 with the recvonly answer (RFC 5547 §8.2.2; same file-selector, file-transfer-id
    /// and range), the MSRP message into <paramref name="destination"/> hashing as it goes, then the SHA-1 check
    /// (RFC 5547 §6) and the size. Cancelling or the sender's BYE or '#' ends it as cancelled.
    /// </summary>
    internal async Task<RcsFileTransferResult> ReceiveFileAsync(RcsIncomingFileTransfer transfer, Stream destination, IProgress<RcsFileTransferProgress>? progress,
        CancellationToken ct)
    {
        var offer = transfer.Offer;
        var file = transfer.File;
        long size = file.Size;
        long received = offer.StartOffset;
        RcsFileTransferResult Result(RcsFileTransferOutcome outcome, int status, string? reason, byte[]? sha256 = null) =>
            new(transfer.TransferId, RcsFileTransferMethod.Msrp, outcome, received, size, status, reason) { Sha256 = sha256 is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(sha256) };

        var msrp = CreateMsrpSession(new MsrpSessionOptions
        {
            AcceptTypes = ["*"],
            MaxSize = size >= 0 ? size : null,
            // RFC 5547 §9: a resumed transfer's message starts at the a=file-range start.
            IncomingStartOffset = offer.StartOffset,
        });
        SipDialog? dialog = null;
        bool keepSession = false;
        try
        {
            bool active = MsrpSessionDescription.IsActiveRole(isOfferer: false, offer.Msrp.Setup);
            await msrp.StartAsync(offer.Msrp, active, ct).ConfigureAwait(false);
            var answer = new MsrpFileTransferDescription(msrp.LocalDescription, SdpDirection.RecvOnly, offer.Selector)
            {
                TransferId = offer.TransferId,
                Range = offer.Range,
            };
            if (!await transfer.Request.AcceptAsync(MsrpFileTransferSdp.Create(MsrpHost, answer, active ? SdpSetup.Active : SdpSetup.Passive), RcsSdp.ContentType, ct).ConfigureAwait(false)
                || transfer.Request.Dialog is not { } accepted)
            {
                return Result(RcsFileTransferOutcome.Cancelled, 487, "cancelled by the sender");
            }
            dialog = accepted;
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _dialogs[dialog.Id] = ended;
            transfer.SignalDecided();
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            if (offer.StartOffset > 0)
            {
                await HashPrefixAsync(destination, offer.StartOffset, sha1, sha256, ct).ConfigureAwait(false);
            }
            var outcome = await ReceiveFileMessageAsync(msrp, ended.Task, destination, sha1, sha256, received, size, file.Sha1, transfer.Peer, file.FileName, progress, ct)
                .ConfigureAwait(false);
            received = outcome.Bytes;
            if (outcome.Outcome == RcsFileTransferOutcome.Completed)
            {
                // The sender closes the session after its last chunk; the session and dialog end in the background.
                keepSession = true;
                Track(CloseAfterSenderAsync(dialog, ended.Task, msrp));
            }
            return Result(outcome.Outcome, outcome.Status, outcome.Reason, outcome.Sha256);
        }
        finally
        {
            if (!keepSession)
            {
                if (!transfer.Request.IsAnswered)
                {
                    // Failed before the 200 (e.g. the MSRP connection): the INVITE must not ring on (RFC 3261 §13.3.1).
                    await transfer.Request.RejectAsync(500, "File transfer setup failed", CancellationToken.None).ConfigureAwait(false);
                }
                if (dialog is not null)
                {
                    _dialogs.TryRemove(dialog.Id, out _);
                    await ByeQuietlyAsync(dialog).ConfigureAwait(false);
                }
                await msrp.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Receives the file as one MSRP message into <paramref name="destination"/>, hashing as it goes, for a push answerer
    /// and a pull offerer alike; then the size and the SHA-1 check (RFC 5547 §6). The peer's BYE (<paramref name="ended"/>),
    /// its <c>#</c> or <paramref name="ct"/> end it as cancelled; no first chunk within the wait, as failed.
    /// </summary>
    private async Task<MsrpFileOutcome> ReceiveFileMessageAsync(MsrpSession msrp, Task ended, Stream destination, IncrementalHash sha1, IncrementalHash sha256,
        long received, long size, ReadOnlyMemory<byte>? expectedSha1, string peer, string fileName, IProgress<RcsFileTransferProgress>? progress, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        // The sender's BYE closes our MSRP session: a message still incomplete fails (cancelled by the sender); one
        // that completed stays readable to its end (the BYE may overtake our reading of the last chunks).
        _ = ended.ContinueWith(static (_, s) => ((MsrpSession)s!).DisposeAsync(), msrp, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        MsrpIncomingMessage? message = null;
        try
        {
            using (var first = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
            {
                first.CancelAfter(s_fileWait);
                message = await msrp.ReceiveAsync(first.Token).ConfigureAwait(false);
            }
            while (true)
            {
                var read = await message.Body.ReadAsync(linked.Token).ConfigureAwait(false);
                foreach (var segment in read.Buffer)
                {
                    await destination.WriteAsync(segment, linked.Token).ConfigureAwait(false);
                    sha1.AppendData(segment.Span);
                    sha256.AppendData(segment.Span);
                    received += segment.Length;
                }
                message.Body.AdvanceTo(read.Buffer.End);
                if (!read.Buffer.IsEmpty)
                {
                    progress?.Report(new RcsFileTransferProgress(received, size));
                }
                if (read.IsCompleted)
                {
                    break;
                }
            }
            await message.Body.CompleteAsync().ConfigureAwait(false);
            await destination.FlushAsync(linked.Token).ConfigureAwait(false);
        }
        catch (MsrpMessageAbortedException e)
        {
            // RFC 4975 §7.1: '#' is the sender cancelling; a failure here is the connection or session going away.
            bool aborted = e.Outcome == MsrpReceiveOutcome.Aborted || ended.IsCompleted;
            Log.FileReceiveStopped(_logger, Identity, peer, fileName, received, e.Message);
            return new(aborted ? RcsFileTransferOutcome.Cancelled : RcsFileTransferOutcome.Failed, received, aborted ? 487 : 503,
                aborted ? "cancelled by the sender" : e.Message);
        }
        catch (ChannelClosedException) when (ended.IsCompleted)
        {
            return new(RcsFileTransferOutcome.Cancelled, received, 487, "cancelled by the sender");
        }
        catch (OperationCanceledException)
        {
            if (message is not null)
            {
                await message.Body.CompleteAsync().ConfigureAwait(false);
            }
            string reason = ct.IsCancellationRequested ? "cancelled" : ended.IsCompleted ? "cancelled by the sender" : "timed out";
            Log.FileReceiveStopped(_logger, Identity, peer, fileName, received, reason);
            return new(ct.IsCancellationRequested || ended.IsCompleted ? RcsFileTransferOutcome.Cancelled : RcsFileTransferOutcome.Failed,
                received, ct.IsCancellationRequested || ended.IsCompleted ? 487 : 408, reason);
        }
        if (size >= 0 && received != size)
        {
            return new(RcsFileTransferOutcome.Failed, received, 400, $"received {received} of {size} bytes");
        }
        byte[] digest256 = sha256.GetHashAndReset();
        if (expectedSha1 is { } expected && !expected.Span.SequenceEqual(sha1.GetHashAndReset()))
        {
            // RFC 5547 §6: the hash identifies the file; what arrived is not it.
            Log.FileHashMismatch(_logger, Identity, peer, fileName);
            return new(RcsFileTransferOutcome.HashMismatch, received, 200, "the SHA-1 of the received bytes differs from the offered hash");
        }
        Log.FileReceived(_logger, Identity, peer, fileName, received);
        return new(RcsFileTransferOutcome.Completed, received, 200, null, digest256);
    }

    /// <summary>After a complete file: waits for the sender's BYE (OMA CPM: the sender ends the session), else sends ours.</summary>
    private async Task CloseAfterSenderAsync(SipDialog dialog, Task ended, MsrpSession msrp)
    {
        try
        {
            await ended.WaitAsync(s_fileWait, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            await ByeQuietlyAsync(dialog).ConfigureAwait(false);
        }
        finally
        {
            _dialogs.TryRemove(dialog.Id, out _);
            await msrp.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task HashPrefixAsync(Stream destination, long length, IncrementalHash? sha1, IncrementalHash sha256, CancellationToken ct)
    {
        destination.Position = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            long left = length;
            while (left > 0)
            {
                int n = await destination.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new EndOfStreamException("The destination holds fewer bytes than the resume offset.");
                }
                sha1?.AppendData(buffer, 0, n);
                sha256.AppendData(buffer, 0, n);
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        destination.Position = length;
    }

    private static async Task<(byte[] Sha1, byte[] Sha256, long Length)> HashAsync(Stream content, CancellationToken ct)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long start = content.Position;
        long length = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            int n;
            while ((n = await content.ReadAsync(buffer.AsMemory(0, HashBufferSize), ct).ConfigureAwait(false)) > 0)
            {
                sha1.AppendData(buffer, 0, n);
                sha256.AppendData(buffer, 0, n);
                length += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        content.Position = start;
        return (sha1.GetHashAndReset(), sha256.GetHashAndReset(), length);
    }

    private static string UniquePath(string directory, string fileName)
    {
        // Only the last path segment of the offered name, so a name cannot escape the directory.
        string name = Path.GetFileName(fileName.Replace('\\', '/'));
        if (name.Length == 0 || name is "." or "..")
        {
            name = "file";
        }
        string path = Path.Combine(directory, name);
        for (int i = 1; File.Exists(path); i++)
        {
            path = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(name)} ({i}){Path.GetExtension(name)}");
        }
        return path;
    }

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The transfer is over.
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
