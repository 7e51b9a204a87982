using System.Security.Cryptography;
using RcsCore.Msrp;
using RcsCore.Parsing.Sdp;
using RcsCore.Rcs.FileTransfer;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>
/// File transfer by request (RFC 5547 pull, §8.3): the party that wants a file sends an INVITE with a recvonly offer
/// whose a=file-selector names it; the owner answers sendonly (through <see cref="RcsClientOptions.FileProvider"/>) and
/// sends the file over MSRP with the same code as a push; the requester checks the size and the SHA-1.
/// </summary>
public sealed partial class RcsClient
{
    /// <summary>
    /// Requests a file from <paramref name="peer"/> (RFC 5547 §8.3.1, pull): an INVITE with the CPM file-transfer ICSI
    /// and a recvonly offer whose a=file-selector carries what <paramref name="wanted"/> gives (name, type, size and
    /// SHA-1; at least a name or a SHA-1). The owner answers sendonly with a selector describing the same file (it may
    /// add the type, size and hash, §8.3.2) and sends it as one MSRP message into <paramref name="destination"/>; the
    /// bytes are checked against the size and the SHA-1 of the answer (RFC 5547 §6). Failures are results, not exceptions.
    /// </summary>
    /// <param name="peer">The file's owner.</param>
    /// <param name="wanted">The file: name (or empty), type (or empty), size (or -1) and <see cref="RcsFileInfo.Sha1"/>.</param>
    /// <param name="destination">Receives the file from its first byte.</param>
    /// <param name="progress">Receives the bytes received so far.</param>
    /// <param name="ct">Cancelling ends the transfer (CANCEL before the answer, else BYE): outcome <see cref="RcsFileTransferOutcome.Cancelled"/>.</param>
    /// <returns>
    /// How it ended: completed (with the SHA-256), declined (603, or 488 when the owner does not serve the file), hash
    /// mismatch, cancelled by either side, or failed.
    /// </returns>
    public Task<RcsFileTransferResult> RequestFileAsync(SipUri peer, RcsFileInfo wanted, Stream destination, IProgress<RcsFileTransferProgress>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(destination);
        if (string.IsNullOrEmpty(wanted.FileName) && wanted.Sha1 is null)
        {
            throw new ArgumentException("A file request names the file by name or by SHA-1 (RFC 5547 §8.3.1).", nameof(wanted));
        }
        if (!destination.CanWrite)
        {
            throw new ArgumentException("The destination must be writable.", nameof(destination));
        }
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _ = Msrp; // started
        return RequestFileCoreAsync(peer.ToAddressOfRecord(), wanted, destination, progress, ct);
    }

    private async Task<RcsFileTransferResult> RequestFileCoreAsync(string peer, RcsFileInfo wanted, Stream destination, IProgress<RcsFileTransferProgress>? progress,
        CancellationToken ct)
    {
        string transferId = MsrpFileTransferSdp.NewTransferId();
        long size = wanted.Size;
        long received = 0;
        RcsFileTransferResult Result(RcsFileTransferOutcome outcome, int status, string? reason, byte[]? sha256 = null) =>
            new(transferId, RcsFileTransferMethod.Msrp, outcome, received, size, status, reason) { Sha256 = sha256 is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(sha256) };

        // RFC 5547 §8.3.1: the selector names the wanted file by whatever the requester knows of it.
        var selector = new SdpFileSelector(NullIfEmpty(wanted.FileName), NullIfEmpty(wanted.ContentType), wanted.Size >= 0 ? wanted.Size : null,
            wanted.Sha1 is { } h ? SdpFileHash.FromBytes(MsrpFileTransferSdp.Sha1, h.Span) : null);
        var msrp = CreateMsrpSession(new MsrpSessionOptions { AcceptTypes = ["*"], MaxSize = size >= 0 ? size : null });
        SipDialog? dialog = null;
        bool keepSession = false;
        try
        {
            var offer = new MsrpFileTransferDescription(msrp.LocalDescription, SdpDirection.RecvOnly, selector) { TransferId = transferId };
            var invite = CreateInvite(peer, CpmServices.FileTransferIcsi, FindChatByKey(peer)?.ConversationId ?? RcsHeaders.NewConversationId(),
                MsrpFileTransferSdp.Create(MsrpHost, offer, SdpSetup.ActPass), RcsSdp.ContentType);
            Log.FileRequesting(_logger, Identity, peer, wanted.FileName, size);
            SipInviteResult result;
            try
            {
                result = await _ua.InviteAsync(invite, _options.Server, null, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Result(RcsFileTransferOutcome.Cancelled, 487, "cancelled before the answer");
            }
            if (!result.IsSuccess)
            {
                if (ct.IsCancellationRequested)
                {
                    // RFC 3261 §9.1: InviteAsync sent CANCEL; the INVITE ended with 487.
                    return Result(RcsFileTransferOutcome.Cancelled, result.StatusCode, "cancelled before the answer");
                }
                // RFC 3261 §21.6.2: 603 is the user declining; 488 is an owner without the file (RFC 5547 §8.3.2, see ServeFileAsync).
                return result.StatusCode is 603 or 488
                    ? Result(RcsFileTransferOutcome.Declined, result.StatusCode, $"{result.StatusCode} {result.Response.ReasonPhrase}")
                    : Result(RcsFileTransferOutcome.Failed, result.StatusCode, $"{result.StatusCode} {result.Response.ReasonPhrase}");
            }
            dialog = result.Dialog!;
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _dialogs[dialog.Id] = ended;
            var error = MsrpFileTransferSdp.TryRead(result.Response.Body.Span, out var answer);
            if (error == MsrpFileTransferSdpError.None)
            {
                // RFC 5547 §8.3.2: sendonly, the same file-transfer-id, a selector with every part the request gave.
                error = MsrpFileTransferSdp.ValidateAnswer(offer, answer!);
            }
            if (error != MsrpFileTransferSdpError.None)
            {
                return error == MsrpFileTransferSdpError.Rejected
                    ? Result(RcsFileTransferOutcome.Declined, 488, "the owner refused the stream")
                    : Result(RcsFileTransferOutcome.Failed, 488, "unusable answer: " + error);
            }
            if (dialog.State == SipDialogState.Terminated)
            {
                return Result(RcsFileTransferOutcome.Cancelled, 481, "the owner ended the session");
            }
            // The answer describes the file; what it adds (size, SHA-1) is what the bytes are checked against.
            var described = answer!.Selector;
            size = described.Size ?? size;
            ReadOnlyMemory<byte>? sha1 = described.Hash is { } hash && string.Equals(hash.Algorithm, MsrpFileTransferSdp.Sha1, StringComparison.OrdinalIgnoreCase)
                ? hash.GetBytes()
                : wanted.Sha1;
            try
            {
                await msrp.StartAsync(answer.Msrp, MsrpSessionDescription.IsActiveRole(isOfferer: true, answer.Msrp.Setup), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return Result(RcsFileTransferOutcome.Cancelled, 487, "cancelled");
            }
            catch (Exception e) when (e is IOException or MsrpException or System.Net.Sockets.SocketException)
            {
                return Result(RcsFileTransferOutcome.Failed, 503, e.Message);
            }
            using var sha1Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            using var sha256Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var outcome = await ReceiveFileMessageAsync(msrp, ended.Task, destination, sha1Hash, sha256Hash, 0, size, sha1, peer,
                described.Name ?? wanted.FileName, progress, ct).ConfigureAwait(false);
            received = outcome.Bytes;
            if (outcome.Outcome == RcsFileTransferOutcome.Completed)
            {
                // The owner sends the file and then BYE; the session and dialog end in the background.
                keepSession = true;
                Track(CloseAfterSenderAsync(dialog, ended.Task, msrp));
            }
            return Result(outcome.Outcome, outcome.Status, outcome.Reason, outcome.Sha256);
        }
        finally
        {
            if (!keepSession)
            {
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
    /// A file request (RFC 5547 §8.3.2): asks <see cref="RcsClientOptions.FileProvider"/> for the file; none (or no
    /// provider, or a range, or a size that differs) is refused with 488. Otherwise answers sendonly with the request's
    /// selector completed by the type, the size and (for a request without a hash) the SHA-1, then sends the file in the
    /// background and ends with BYE.
    /// </summary>
    private async Task ServeFileAsync(SipIncomingRequest incoming, string peer, MsrpFileTransferDescription offer, CancellationToken ct)
    {
        var wanted = offer.Selector;
        var requested = new RcsFileInfo(wanted.Name ?? "", wanted.Type ?? "", wanted.Size ?? -1)
        {
            Sha1 = wanted.Hash is { } hash && string.Equals(hash.Algorithm, MsrpFileTransferSdp.Sha1, StringComparison.OrdinalIgnoreCase)
                ? new ReadOnlyMemory<byte>(hash.GetBytes())
                : default(ReadOnlyMemory<byte>?),
        };
        string name = wanted.Name ?? wanted.Hash?.Value ?? "file";
        Stream? content = null;
        string? refusal = null;
        if (_options.FileProvider is not { } provider)
        {
            refusal = "no file provider";
        }
        else if (offer.Range is not null)
        {
            // A partial pull (a=file-range in the request) is not served: the whole file or nothing.
            refusal = "a range was requested";
        }
        else
        {
            try
            {
                content = await provider(peer, requested, _stopping.Token).ConfigureAwait(false);
                refusal = content is null ? "no such file" : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                refusal = e.Message;
            }
        }
        if (content is null)
        {
            await RefuseFileRequestAsync(incoming, peer, name, refusal!, ct).ConfigureAwait(false);
            return;
        }
        long size = wanted.Size ?? -1;
        var selectorHash = wanted.Hash;
        bool handedOff = false;
        try
        {
            if (content.CanSeek)
            {
                if (selectorHash is null)
                {
                    // RFC 5547 §8.3.2: the answer may add selector parts; the SHA-1 lets the requester verify what arrives.
                    var (computed, _, _) = await HashAsync(content, _stopping.Token).ConfigureAwait(false);
                    selectorHash = SdpFileHash.FromBytes(MsrpFileTransferSdp.Sha1, computed);
                }
                long length = content.Length - content.Position;
                if (wanted.Size is { } requestedSize && requestedSize != length)
                {
                    await RefuseFileRequestAsync(incoming, peer, name, $"the provided file has {length} bytes, not {requestedSize}", ct).ConfigureAwait(false);
                    return;
                }
                size = length;
            }
            string type = wanted.Type ?? (wanted.Name is { } fileName ? RcsFileTypes.FromFileName(fileName) : "application/octet-stream");
            var selector = new SdpFileSelector(wanted.Name, type, size >= 0 ? size : null, selectorHash);
            var msrp = CreateMsrpSession(new MsrpSessionOptions { AcceptTypes = [type] });
            SipDialog? dialog = null;
            bool sending = false;
            try
            {
                bool active = MsrpSessionDescription.IsActiveRole(isOfferer: false, offer.Msrp.Setup);
                await msrp.StartAsync(offer.Msrp, active, ct).ConfigureAwait(false);
                var answer = new MsrpFileTransferDescription(msrp.LocalDescription, SdpDirection.SendOnly, selector) { TransferId = offer.TransferId };
                if (!await incoming.AcceptAsync(MsrpFileTransferSdp.Create(MsrpHost, answer, active ? SdpSetup.Active : SdpSetup.Passive), RcsSdp.ContentType, ct).ConfigureAwait(false)
                    || incoming.Dialog is not { } accepted)
                {
                    Log.FileRequestRefused(_logger, Identity, peer, name, "cancelled by the requester");
                    return;
                }
                dialog = accepted;
                var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _dialogs[dialog.Id] = ended;
                // The send outlives this INVITE handler: it runs in the background and owns the stream, session and dialog.
                Track(SendRequestedFileAsync(content, msrp, dialog, ended.Task, type, size, peer, name));
                sending = true;
                handedOff = true;
            }
            catch (Exception e) when (e is IOException or MsrpException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                Log.FileRequestRefused(_logger, Identity, peer, name, e.Message);
            }
            finally
            {
                if (!sending)
                {
                    if (!incoming.IsAnswered)
                    {
                        await incoming.RejectAsync(500, "File transfer setup failed", CancellationToken.None).ConfigureAwait(false);
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
        finally
        {
            if (!handedOff)
            {
                await content.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task RefuseFileRequestAsync(SipIncomingRequest incoming, string peer, string name, string reason, CancellationToken ct)
    {
        Log.FileRequestRefused(_logger, Identity, peer, name, reason);
        // RFC 5547 §8.3.2: an answerer that cannot send the requested file refuses it; with the file stream the only
        // media, the whole offer is unacceptable (RFC 3261 §21.4.26, 488 Not Acceptable Here).
        await incoming.RejectAsync(488, "File Not Available", ct).ConfigureAwait(false);
    }

    /// <summary>The owner's side after its answer: waits for the requester's MSRP connection, sends, then BYE (the sender ends the session).</summary>
    private async Task SendRequestedFileAsync(Stream content, MsrpSession msrp, SipDialog dialog, Task ended, string type, long size, string peer, string name)
    {
        await using (content.ConfigureAwait(false))
        {
            MsrpFileOutcome outcome;
            try
            {
                // RFC 4975 §5.4: the requester (active, RFC 6135) binds the session with its first SEND.
                await msrp.WhenBound.WaitAsync(s_fileWait, _stopping.Token).ConfigureAwait(false);
                outcome = await SendFileMessageAsync(msrp, null, content, type, peer, name, 0, size, ended, null, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException or MsrpException)
            {
                outcome = new(ended.IsCompleted ? RcsFileTransferOutcome.Cancelled : RcsFileTransferOutcome.Failed, 0, 408, e.Message);
            }
            Log.FileServed(_logger, Identity, peer, name, outcome.Outcome, outcome.Bytes, outcome.Reason);
            _dialogs.TryRemove(dialog.Id, out _);
            await ByeQuietlyAsync(dialog).ConfigureAwait(false);
            await msrp.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
