namespace RcsCore.Rcs.FileTransfer;

/// <summary>Media types of common file extensions, for files sent by path (anything else is application/octet-stream).</summary>
internal static class RcsFileTypes
{
    public static string FromFileName(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".bmp" => "image/bmp",
        ".mp4" => "video/mp4",
        ".3gp" => "video/3gpp",
        ".mp3" => "audio/mpeg",
        ".amr" => "audio/amr",
        ".m4a" => "audio/mp4",
        ".txt" => "text/plain",
        ".pdf" => "application/pdf",
        ".vcf" => "text/vcard",
        ".zip" => "application/zip",
        _ => "application/octet-stream",
    };
}
