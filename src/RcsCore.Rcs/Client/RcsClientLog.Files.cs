using Microsoft.Extensions.Logging;

namespace RcsCore.Rcs;

public sealed partial class RcsClient
{
    /// <summary>Log events of file transfer over MSRP: 5430–5439.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 5430, Level = LogLevel.Debug, Message = "{Identity}: file transfer INVITE to {Peer}: {FileName}, {Size} bytes from offset {Offset}")]
        public static partial void FileInviting(ILogger logger, string identity, string peer, string fileName, long size, long offset);

        [LoggerMessage(EventId = 5431, Level = LogLevel.Information, Message = "{Identity}: sent {FileName} to {Peer} ({Bytes} bytes)")]
        public static partial void FileSent(ILogger logger, string identity, string peer, string fileName, long bytes);

        [LoggerMessage(EventId = 5432, Level = LogLevel.Information, Message = "{Identity}: refused a file transfer offer from {Peer}: {Reason}")]
        public static partial void FileOfferRefused(ILogger logger, string identity, string peer, RcsCore.Rcs.FileTransfer.MsrpFileTransferSdpError reason);

        [LoggerMessage(EventId = 5433, Level = LogLevel.Debug, Message = "{Identity}: file offered by {Peer}: {FileName}, {Size} bytes from offset {Offset}")]
        public static partial void FileOffered(ILogger logger, string identity, string peer, string fileName, long size, long offset);

        [LoggerMessage(EventId = 5434, Level = LogLevel.Information, Message = "{Identity}: file {FileName} from {Peer} stopped after {Bytes} bytes: {Reason}")]
        public static partial void FileReceiveStopped(ILogger logger, string identity, string peer, string fileName, long bytes, string reason);

        [LoggerMessage(EventId = 5435, Level = LogLevel.Warning, Message = "{Identity}: file {FileName} from {Peer} does not match its offered SHA-1")]
        public static partial void FileHashMismatch(ILogger logger, string identity, string peer, string fileName);

        [LoggerMessage(EventId = 5437, Level = LogLevel.Debug, Message = "{Identity}: file request INVITE to {Peer}: {FileName}, {Size} bytes")]
        public static partial void FileRequesting(ILogger logger, string identity, string peer, string fileName, long size);

        [LoggerMessage(EventId = 5438, Level = LogLevel.Information, Message = "{Identity}: refused a file request from {Peer} for {FileName}: {Reason}")]
        public static partial void FileRequestRefused(ILogger logger, string identity, string peer, string fileName, string reason);

        [LoggerMessage(EventId = 5439, Level = LogLevel.Information, Message = "{Identity}: served {FileName} to {Peer}: {Outcome} after {Bytes} bytes ({Reason})")]
        public static partial void FileServed(ILogger logger, string identity, string peer, string fileName, RcsFileTransferOutcome outcome, long bytes, string? reason);

        [LoggerMessage(EventId = 5436, Level = LogLevel.Information, Message = "{Identity}: received {FileName} from {Peer} ({Bytes} bytes)")]
        public static partial void FileReceived(ILogger logger, string identity, string peer, string fileName, long bytes);

        [LoggerMessage(EventId = 5440, Level = LogLevel.Information, Message = "{Identity}: sent the file-info of {FileName} ({Bytes} bytes) to {Peer}: {Status}")]
        public static partial void FileInfoSent(ILogger logger, string identity, string peer, string fileName, long bytes, int status);

        [LoggerMessage(EventId = 5441, Level = LogLevel.Warning, Message = "{Identity}: malformed file-info from {Peer}: {Error}")]
        public static partial void BadFileInfo(ILogger logger, string identity, string peer, string error);

        [LoggerMessage(EventId = 5442, Level = LogLevel.Information, Message = "{Identity}: thumbnail from {Peer} not fetched")]
        public static partial void ThumbnailFailed(ILogger logger, string identity, string peer, Exception exception);

        [LoggerMessage(EventId = 5443, Level = LogLevel.Information, Message = "{Identity}: download of {FileName} from {Peer} resumes at {Offset}")]
        public static partial void DownloadResumed(ILogger logger, string identity, string peer, string fileName, long offset);

        [LoggerMessage(EventId = 5444, Level = LogLevel.Information, Message = "{Identity}: downloaded {FileName} from {Peer} ({Bytes} bytes)")]
        public static partial void FileDownloaded(ILogger logger, string identity, string peer, string fileName, long bytes);
    }
}
