using RcsCore.Rcs.FileTransfer;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs;

/// <summary>
/// An incoming file transfer (an INVITE with the CPM file-transfer ICSI and an RFC 5547 push offer) ringing (180) until
/// <see cref="AcceptAsync"/> (200 with the recvonly answer; the file streams into the destination) or
/// <see cref="DeclineAsync"/> (603). Transfers within <see cref="RcsClientOptions.FileAutoAcceptMaxBytes"/> are accepted
/// by the client into <see cref="RcsClientOptions.FileDownloadDirectory"/>; watch <see cref="Completion"/>.
/// </summary>
public sealed class RcsIncomingFileTransfer
{
    private readonly RcsClient _client;
    private readonly TaskCompletionSource _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<RcsFileTransferResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _answered;

    internal RcsIncomingFileTransfer(RcsClient client, SipIncomingRequest request, MsrpFileTransferDescription offer, string peer, RcsFileInfo file)
    {
        _client = client;
        Request = request;
        Offer = offer;
        Peer = peer;
        File = file;
    }

    /// <summary>A file announced by a file-info document in a message (GSMA RCC.07 FT over HTTP): downloaded on accept.</summary>
    internal RcsIncomingFileTransfer(RcsClient client, RcsMessage message, FileInfoDocument document, string peer, RcsFileInfo file)
    {
        _client = client;
        Request = null!;
        Offer = null!;
        FileInfoMessage = message;
        HttpFile = document;
        Peer = peer;
        File = file;
        Method = RcsFileTransferMethod.Http;
    }

    /// <summary>The sender's address of record.</summary>
    public string Peer { get; }

    /// <summary>The offered file: name, type, size, SHA-1, disposition, date.</summary>
    public RcsFileInfo File { get; private set; }

    /// <summary>The a=file-transfer-id (RFC 5547 §8.1).</summary>
    public string TransferId => HttpFile is null ? Offer.TransferId ?? string.Empty : FileInfoMessage!.MessageId;

    /// <summary>The method the file comes by: MSRP (an INVITE, RFC 5547) or HTTP (a file-info document in a message, GSMA RCC.07).</summary>
    public RcsFileTransferMethod Method { get; } = RcsFileTransferMethod.Msrp;

    /// <summary>
    /// The 0-based offset the sender starts from: non-zero when it resumes an interrupted transfer (RFC 5547 §9
    /// a=file-range). The destination given to <see cref="AcceptAsync"/> must then hold the first bytes already.
    /// </summary>
    public long StartOffset => HttpFile is null ? Offer.StartOffset : 0;

    /// <summary>The path the client saved an automatically accepted file to, or null.</summary>
    public string? SavedPath { get; internal set; }

    /// <summary>True once accepted, declined, or cancelled by the sender.</summary>
    public bool IsAnswered => Volatile.Read(ref _answered) != 0;

    /// <summary>Completes when the transfer ends, however it ends (also for a declined or automatically accepted one).</summary>
    public Task<RcsFileTransferResult> Completion => _completion.Task;

    internal SipIncomingRequest Request { get; }

    /// <summary>The message that carried the file-info document (HTTP), for its display notification.</summary>
    internal RcsMessage? FileInfoMessage { get; }

    /// <summary>The file-info document (HTTP), or null for MSRP.</summary>
    internal FileInfoDocument? HttpFile { get; }

    internal MsrpFileTransferDescription Offer { get; }

    internal Task Decided => _decided.Task;

    /// <summary>
    /// Accepts: 200 with the recvonly answer (RFC 5547 §8.2.2), then the file streams into
    /// <paramref name="destination"/> with its SHA-1 checked against the offer at the end. For a resumed transfer
    /// (<see cref="StartOffset"/> &gt; 0) the destination must be readable and seekable and hold the first bytes: they
    /// are hashed and writing continues at the offset. Over HTTP the file is downloaded from the content server into
    /// <paramref name="destination"/>: a seekable destination that already holds part of the file resumes at its end
    /// (HTTP Range, RFC 9110 §14), and a broken connection is retried from where it stopped; the display notification
    /// (RFC 5438) goes to the sender once the file is complete.
    /// </summary>
    /// <param name="destination">Where the file goes; not disposed.</param>
    /// <param name="progress">Receives the bytes of the file received so far.</param>
    /// <param name="ct">Cancelling stops the transfer: BYE to the sender, outcome <see cref="RcsFileTransferOutcome.Cancelled"/>.</param>
    /// <returns>The result (also in <see cref="Completion"/>).</returns>
    /// <exception cref="InvalidOperationException">Already answered, or cancelled by the sender.</exception>
    public async Task<RcsFileTransferResult> AcceptAsync(Stream destination, IProgress<RcsFileTransferProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (StartOffset > 0 && !(destination.CanSeek && destination.CanRead && destination.Length >= StartOffset))
        {
            throw new ArgumentException("A resumed transfer needs a readable, seekable destination holding the first StartOffset bytes.", nameof(destination));
        }
        Claim();
        try
        {
            var result = HttpFile is null
                ? await _client.ReceiveFileAsync(this, destination, progress, ct).ConfigureAwait(false)
                : await _client.DownloadFileAsync(this, destination, progress, ct).ConfigureAwait(false);
            _completion.TrySetResult(result);
            return result;
        }
        catch (Exception e)
        {
            _completion.TrySetResult(new RcsFileTransferResult(TransferId, Method, RcsFileTransferOutcome.Failed, 0, File.Size, 500, e.Message));
            throw;
        }
        finally
        {
            _decided.TrySetResult();
        }
    }

    /// <summary>Declines with 603 Decline (RFC 3261 §21.6.2); the sender sees <see cref="RcsFileTransferOutcome.Declined"/>.</summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <exception cref="InvalidOperationException">Already answered, or cancelled by the sender.</exception>
    public async Task DeclineAsync(CancellationToken ct = default)
    {
        Claim();
        try
        {
            if (HttpFile is null)
            {
                await Request.RejectAsync(603, "Decline", ct).ConfigureAwait(false);
            }
            // Over HTTP there is nothing to refuse: the file is simply not downloaded (and expires on the server).
        }
        finally
        {
            Finish(RcsFileTransferOutcome.Declined, 603, "declined");
            _decided.TrySetResult();
        }
    }

    /// <summary>The sender cancelled the INVITE, or the client stopped: nothing more can be answered.</summary>
    internal void Abandon(int status, string reason)
    {
        if (Interlocked.Exchange(ref _answered, 1) == 0)
        {
            Finish(RcsFileTransferOutcome.Cancelled, status, reason);
            _decided.TrySetResult();
        }
    }

    internal void Finish(RcsFileTransferOutcome outcome, int status, string? reason) =>
        _completion.TrySetResult(new RcsFileTransferResult(TransferId, Method, outcome, StartOffset, File.Size, status, reason));

    /// <summary>Adds the thumbnail fetched from the content server (HTTP) before the transfer is offered.</summary>
    internal RcsIncomingFileTransfer WithThumbnail(byte[] thumbnail)
    {
        File = File with { Thumbnail = thumbnail };
        return this;
    }

    /// <summary>The 200 went out: the INVITE handler may return while the file streams.</summary>
    internal void SignalDecided() => _decided.TrySetResult();

    /// <summary>Claims the answer for an automatic accept; false when already answered.</summary>
    internal bool TryClaim() => Interlocked.Exchange(ref _answered, 1) == 0;

    internal void SetResult(RcsFileTransferResult result)
    {
        _completion.TrySetResult(result);
        _decided.TrySetResult();
    }

    private void Claim()
    {
        if (!TryClaim())
        {
            throw new InvalidOperationException("The file transfer was already answered or cancelled.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"file transfer of {File.FileName} ({File.Size} bytes) from {Peer}";
}
