namespace RcsCore.Rcs;

/// <summary>How a file travels (GSMA RCC.07: file transfer over MSRP, or over HTTP through a content server).</summary>
public enum RcsFileTransferMethod
{
    /// <summary>The client picks: today MSRP (RFC 5547), the only method implemented.</summary>
    Auto = 0,

    /// <summary>An INVITE with the CPM file-transfer ICSI and an RFC 5547 offer; the file goes over MSRP.</summary>
    Msrp = 1,

    /// <summary>Upload to a content server and a file-info document in a message (GSMA RCC.07); not available yet.</summary>
    Http = 2,
}

/// <summary>How a file transfer ended.</summary>
public enum RcsFileTransferOutcome
{
    /// <summary>Every byte arrived (and, when a hash was offered, it matched).</summary>
    Completed = 0,

    /// <summary>The receiver declined (603) or refused the stream.</summary>
    Declined = 1,

    /// <summary>Either side cancelled: the sender aborted the MSRP message (RFC 4975 §7.1 <c>#</c>) or a side sent BYE early.</summary>
    Cancelled = 2,

    /// <summary>The INVITE, the answer or the connection failed; see the status code and reason.</summary>
    Failed = 3,

    /// <summary>All bytes arrived but their SHA-1 differs from the offered a=file-selector hash (RFC 5547 §6).</summary>
    HashMismatch = 4,
}

/// <summary>Progress of a transfer: bytes of the file done so far (a resumed transfer starts at its offset) and the size.</summary>
/// <param name="BytesTransferred">Bytes of the file sent or received, counted from the start of the file.</param>
/// <param name="TotalBytes">The file size, or -1 when unknown.</param>
public readonly record struct RcsFileTransferProgress(long BytesTransferred, long TotalBytes);

/// <summary>
/// What describes a file on the wire (RFC 5547 §6 a=file-selector and friends): name, media type, size, SHA-1, and
/// for display the disposition, creation date and an optional thumbnail.
/// </summary>
/// <param name="FileName">The file name (no directory), e.g. <c>photo.jpg</c>.</param>
/// <param name="ContentType">The media type, e.g. <c>image/jpeg</c>.</param>
/// <param name="Size">The size in bytes, or -1 when unknown.</param>
public sealed record RcsFileInfo(string FileName, string ContentType, long Size)
{
    /// <summary>The SHA-1 of the whole file (RFC 5547 §6 <c>hash:sha-1</c>), or null (the sender computes it from a seekable stream).</summary>
    public ReadOnlyMemory<byte>? Sha1 { get; init; }

    /// <summary>The a=file-disposition: <c>render</c> (show inline) or <c>attachment</c>; null picks <c>render</c> for images, else <c>attachment</c>.</summary>
    public string? Disposition { get; init; }

    /// <summary>When the file was created (a=file-date creation), or null.</summary>
    public DateTimeOffset? CreationDate { get; init; }

    /// <summary>A human-readable description (the media i= line), or null.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// A small preview image (RFC 5547 §6 a=file-icon): sent as a multipart/mixed body part with a Content-ID that the
    /// SDP names with a <c>cid:</c> URL (RFC 2046, RFC 2392); null for none. Keep it small: it travels in the INVITE.
    /// </summary>
    public ReadOnlyMemory<byte>? Thumbnail { get; init; }

    /// <summary>The media type of <see cref="Thumbnail"/>, e.g. <c>image/jpeg</c> (the default when null).</summary>
    public string? ThumbnailContentType { get; init; }
}

/// <summary>Options of <see cref="RcsClient.SendFileAsync(Sip.Messages.SipUri, Stream, RcsFileInfo, RcsFileTransferOptions?, IProgress{RcsFileTransferProgress}?, CancellationToken)"/>.</summary>
public sealed record RcsFileTransferOptions
{
    /// <summary>The method; <see cref="RcsFileTransferMethod.Http"/> is not available yet (<see cref="NotSupportedException"/>).</summary>
    public RcsFileTransferMethod Method { get; init; }

    /// <summary>
    /// Resume an interrupted transfer (RFC 5547 §9, a=file-range): the 0-based offset of the first byte to send, i.e.
    /// how many bytes the receiver already has. The offer describes the same file (same a=file-selector, SHA-1) with
    /// <c>a=file-range:offset+1-size</c> and only the rest is sent. 0 sends the whole file.
    /// </summary>
    public long ResumeFrom { get; init; }
}

/// <summary>How a file transfer ended, for the sender and for the receiver.</summary>
/// <param name="TransferId">The a=file-transfer-id (RFC 5547 §8.1) of this transfer operation.</param>
/// <param name="Method">The method used.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="BytesTransferred">Bytes of the file done, counted from the start of the file (resume offset included).</param>
/// <param name="TotalBytes">The file size, or -1 when unknown.</param>
/// <param name="StatusCode">200 on success; the SIP or MSRP status of a failure (603 declined, 487 cancelled, 0 when none).</param>
/// <param name="Reason">A short description of a failure, or null.</param>
public sealed record RcsFileTransferResult(string TransferId, RcsFileTransferMethod Method, RcsFileTransferOutcome Outcome, long BytesTransferred, long TotalBytes,
    int StatusCode, string? Reason = null)
{
    /// <summary>The SHA-256 of the whole file when this side saw all of it (for the caller's own checks), else null.</summary>
    public ReadOnlyMemory<byte>? Sha256 { get; init; }

    /// <summary>True when <see cref="Outcome"/> is <see cref="RcsFileTransferOutcome.Completed"/>.</summary>
    public bool IsSuccess => Outcome == RcsFileTransferOutcome.Completed;
}

/// <summary>
/// Finds a file a peer requested (RFC 5547 §8.3, see <see cref="RcsClientOptions.FileProvider"/>). The client reads the
/// returned stream to its end over MSRP and disposes it; a seekable stream also gives the size and, when the request
/// named no hash, the SHA-1 that the answer adds.
/// </summary>
/// <param name="peer">The requester's address of record, e.g. <c>sip:alice@example.com</c>.</param>
/// <param name="requested">What the request's a=file-selector gave: name (empty if none), type (empty if none), size (-1 if none) and SHA-1.</param>
/// <param name="ct">Cancelled when the client stops.</param>
/// <returns>The file from its first byte, or null to refuse the request.</returns>
public delegate ValueTask<Stream?> RcsFileProvider(string peer, RcsFileInfo requested, CancellationToken ct);
