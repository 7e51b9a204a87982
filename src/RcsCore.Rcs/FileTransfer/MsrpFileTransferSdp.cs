using System.Globalization;
using System.Security.Cryptography;
using RcsCore.Msrp;
using RcsCore.Parsing.Sdp;

namespace RcsCore.Rcs.FileTransfer;

/// <summary>Why an RFC 5547 offer or answer is unusable; <see cref="None"/> when it is fine.</summary>
internal enum MsrpFileTransferSdpError
{
    /// <summary>Usable.</summary>
    None = 0,

    /// <summary>The body is not valid SDP.</summary>
    MalformedSdp,

    /// <summary>No MSRP media description (RFC 4975 §8) with a valid a=path.</summary>
    NoMsrpMedia,

    /// <summary>The MSRP media has no (valid) a=file-selector (RFC 5547 §6).</summary>
    NoFileSelector,

    /// <summary>The media is neither sendonly nor recvonly (RFC 5547 §8: a file goes one way).</summary>
    NotOneWay,

    /// <summary>The a=file-range is malformed or outside the file (RFC 5547 §6).</summary>
    BadRange,

    /// <summary>The answer set the port to 0: the transfer is refused (RFC 3264 §6, RFC 5547 §8.2.2).</summary>
    Rejected,

    /// <summary>The answer's direction is not the opposite of the offer's (RFC 5547 §8).</summary>
    WrongDirection,

    /// <summary>The answer's a=file-transfer-id differs from the offer's (RFC 5547 §8.1).</summary>
    TransferIdMismatch,

    /// <summary>The answer's a=file-selector does not describe the offered file (RFC 5547 §8.2.2, §8.3.2).</summary>
    SelectorMismatch,

    /// <summary>The answer's a=file-range differs from the offer's (RFC 5547 §8.2.2).</summary>
    RangeMismatch,
}

/// <summary>
/// The file-transfer part of an RFC 5547 offer or answer: the MSRP media (RFC 4975 §8) plus a=file-selector,
/// a=file-transfer-id, a=file-disposition, a=file-date, a=file-icon and a=file-range (RFC 5547 §6), and the direction
/// saying who sends (sendonly: the describer sends the file, push; recvonly: it fetches it, pull).
/// </summary>
internal sealed record MsrpFileTransferDescription(MsrpSessionDescription Msrp, SdpDirection Direction, SdpFileSelector Selector)
{
    /// <summary>The a=file-transfer-id (RFC 5547 §8.1): unique per transfer operation.</summary>
    public string? TransferId { get; init; }

    /// <summary>The a=file-disposition, e.g. <c>render</c> or <c>attachment</c>.</summary>
    public string? Disposition { get; init; }

    /// <summary>The a=file-date.</summary>
    public SdpFileDate? Date { get; init; }

    /// <summary>The a=file-icon, a <c>cid:</c> URL (RFC 2392) naming a body part with the thumbnail.</summary>
    public string? Icon { get; init; }

    /// <summary>The a=file-range (1-based, inclusive), or null for the whole file.</summary>
    public SdpFileRange? Range { get; init; }

    /// <summary>The media i= line (a description of the file), or null.</summary>
    public string? Information { get; init; }

    /// <summary>True when the media port is 0 (a refused stream, RFC 3264 §6).</summary>
    public bool IsRejected { get; init; }

    /// <summary>The 0-based offset of the first byte to transfer: a=file-range start minus 1, or 0.</summary>
    public long StartOffset => Range is { } range ? range.Start - 1 : 0;
}

/// <summary>
/// Builds and reads RFC 5547 offers and answers for file transfer over MSRP, and checks an answer against its offer
/// (RFC 5547 §8). Bad input is a <see cref="MsrpFileTransferSdpError"/>, never an exception.
/// </summary>
internal static class MsrpFileTransferSdp
{
    /// <summary>RFC 5547 §6 hash-algorithm for SHA-1, the one RFC 5547 §6 requires implementations to support.</summary>
    public const string Sha1 = "sha-1";

    /// <summary>
    /// An offer or answer: o= and c= with the MSRP host, one m=message line with a=path, a=accept-types,
    /// a=max-size, a=setup (RFC 4975 §8, RFC 6135 §4.2), the direction and the file attributes (RFC 5547 §6).
    /// </summary>
    public static byte[] Create(string host, MsrpFileTransferDescription description, SdpSetup setup)
    {
        string version = RandomNumberGenerator.GetInt32(1, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        string addressType = host.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
        var sdp = new SdpSession
        {
            Origin = new SdpOrigin("-", version, version, "IN", addressType, host),
            // RFC 4975 §8.1: c= is not used to connect (a=path is), but SDP requires one.
            Connection = new SdpConnection("IN", addressType, host),
        };
        var media = (description.Msrp with { Setup = setup }).ToSdpMedia();
        if (description.IsRejected)
        {
            media.Port = 0;
        }
        media.Information = description.Information;
        media.Direction = description.Direction;
        media.FileSelector = description.Selector;
        media.FileTransferId = description.TransferId;
        media.FileDisposition = description.Disposition;
        media.FileDate = description.Date;
        media.FileIcon = description.Icon;
        media.FileRange = description.Range;
        sdp.Media.Add(media);
        return sdp.ToArray();
    }

    /// <summary>Reads the first MSRP media description carrying an a=file-selector.</summary>
    public static MsrpFileTransferSdpError TryRead(ReadOnlySpan<byte> body, out MsrpFileTransferDescription? description)
    {
        description = null;
        if (body.IsEmpty || !SdpSession.TryParse(body, out var session).IsSuccess || session is null)
        {
            return MsrpFileTransferSdpError.MalformedSdp;
        }
        var error = MsrpFileTransferSdpError.NoMsrpMedia;
        foreach (var media in session.Media)
        {
            if (!media.IsMsrp)
            {
                continue;
            }
            if (!MsrpSessionDescription.TryFromSdp(media, out var msrp))
            {
                error = MsrpFileTransferSdpError.NoMsrpMedia;
                continue;
            }
            if (media.FileSelector is not { } selector)
            {
                error = MsrpFileTransferSdpError.NoFileSelector;
                continue;
            }
            var direction = media.Direction;
            if (direction is not (SdpDirection.SendOnly or SdpDirection.RecvOnly))
            {
                return MsrpFileTransferSdpError.NotOneWay;
            }
            SdpFileRange? range = null;
            if (media.FindAttribute("file-range") is not null)
            {
                // RFC 5547 §6: start-offset is 1-based and not after stop-offset; stop within the size when known.
                range = media.FileRange;
                if (range is null || range.Start < 1 || (range.Stop is { } stop && (stop < range.Start || (selector.Size is { } size && stop > size))))
                {
                    return MsrpFileTransferSdpError.BadRange;
                }
            }
            description = new MsrpFileTransferDescription(msrp!, direction, selector)
            {
                TransferId = media.FileTransferId,
                Disposition = media.FileDisposition,
                Date = media.FileDate,
                Icon = media.FileIcon,
                Range = range,
                Information = media.Information,
                IsRejected = media.Port == 0,
            };
            return MsrpFileTransferSdpError.None;
        }
        return error;
    }

    /// <summary>
    /// Checks an answer against its offer (RFC 5547 §8): not refused (port 0), the opposite direction, the same
    /// a=file-transfer-id (§8.1), a file-selector describing the same file (push: a copy of the offer's, §8.2.2; pull:
    /// every selector the offer gave, §8.3.2) and, for push, the offered range.
    /// </summary>
    public static MsrpFileTransferSdpError ValidateAnswer(MsrpFileTransferDescription offer, MsrpFileTransferDescription answer)
    {
        if (answer.IsRejected)
        {
            return MsrpFileTransferSdpError.Rejected;
        }
        var expected = offer.Direction == SdpDirection.SendOnly ? SdpDirection.RecvOnly : SdpDirection.SendOnly;
        if (answer.Direction != expected)
        {
            return MsrpFileTransferSdpError.WrongDirection;
        }
        if (!string.Equals(offer.TransferId, answer.TransferId, StringComparison.Ordinal))
        {
            return MsrpFileTransferSdpError.TransferIdMismatch;
        }
        if (!Covers(offer.Selector, answer.Selector))
        {
            return MsrpFileTransferSdpError.SelectorMismatch;
        }
        if (offer.Direction == SdpDirection.SendOnly && answer.Range is not null && answer.Range != offer.Range)
        {
            // RFC 5547 §8.2.2: the answerer accepts the offered portion as it is (or refuses the stream).
            return MsrpFileTransferSdpError.RangeMismatch;
        }
        return MsrpFileTransferSdpError.None;
    }

    /// <summary>Every selector part the offer gave is in the answer with the same value (RFC 5547 §8.3.2: the answer may add parts).</summary>
    private static bool Covers(SdpFileSelector offer, SdpFileSelector answer) =>
        (offer.Name is null || string.Equals(offer.Name, answer.Name, StringComparison.Ordinal))
        && (offer.Type is null || string.Equals(offer.Type, answer.Type, StringComparison.OrdinalIgnoreCase))
        && (offer.Size is null || offer.Size == answer.Size)
        && (offer.Hash is null || (answer.Hash is not null
            && string.Equals(offer.Hash.Algorithm, answer.Hash.Algorithm, StringComparison.OrdinalIgnoreCase)
            && string.Equals(offer.Hash.Value, answer.Hash.Value, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A new a=file-transfer-id (RFC 5547 §8.1: unique, random, at least 32 characters of entropy-bearing text).</summary>
    public static string NewTransferId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 32);
    }
}
