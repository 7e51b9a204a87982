using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Rcs.FileTransfer;

/// <summary>
/// The body of a file-transfer INVITE: the SDP alone, or with a thumbnail a <c>multipart/mixed</c> body (RFC 2046
/// §5.1) whose first part is the SDP and whose second is the image with a Content-ID (RFC 2392) that the SDP's
/// <c>a=file-icon:cid:...</c> names (RFC 5547 §6, §9.1).
/// </summary>
internal static class MsrpFileTransferBody
{
    /// <summary>Writes SDP and thumbnail as multipart/mixed; <paramref name="contentType"/> gets the boundary.</summary>
    public static byte[] Build(byte[] sdp, ReadOnlySpan<byte> icon, string iconType, string contentId, out string contentType)
    {
        // RFC 2046 §5.1.1: a boundary that cannot occur in the parts; random, so in practice it does not.
        string boundary = "rcscore-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        contentType = "multipart/mixed;boundary=" + boundary;
        var output = new MemoryStream(sdp.Length + icon.Length + 256);
        void Text(string text) => output.Write(Encoding.ASCII.GetBytes(text));
        Text("--" + boundary + "\r\nContent-Type: application/sdp\r\n\r\n");
        output.Write(sdp);
        // RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter.
        Text("\r\n--" + boundary + "\r\nContent-Type: " + iconType + "\r\nContent-ID: <" + contentId + ">\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        output.Write(icon);
        Text("\r\n--" + boundary + "--\r\n");
        return output.ToArray();
    }

    /// <summary>
    /// The SDP of an INVITE body and, for a multipart body, every part with its type and Content-ID (see
    /// <see cref="FindByCid"/>). False when there is no SDP or the multipart body is malformed.
    /// </summary>
    public static bool TryRead(string? contentType, ReadOnlyMemory<byte> body, out ReadOnlyMemory<byte> sdp, out List<(string? Type, string? ContentId, ReadOnlyMemory<byte> Content)> parts)
    {
        sdp = default;
        parts = [];
        if (contentType is null || !contentType.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            sdp = body;
            return !body.IsEmpty;
        }
        if (!SipMultipartReader.TryGetBoundary(Encoding.ASCII.GetBytes(contentType), out var boundary))
        {
            return false;
        }
        var reader = new SipMultipartReader(body.Span, boundary);
        int start = 0;
        while (reader.ReadPart(out var headers, out var content))
        {
            string? type = null;
            string? id = null;
            foreach (string line in Encoding.UTF8.GetString(headers).Split("\r\n"))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }
                string name = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || name.Equals("c", StringComparison.Ordinal))
                {
                    type = value;
                }
                else if (name.Equals("Content-ID", StringComparison.OrdinalIgnoreCase))
                {
                    // RFC 2392: Content-ID: <addr-spec>.
                    id = value.TrimStart('<').TrimEnd('>');
                }
            }
            // The spans point into body: turn them back into slices of the memory (no copy).
            start = body.Span.IndexOfSubsequence(content, start);
            var slice = body.Slice(start, content.Length);
            start += content.Length;
            parts.Add((type, id, slice));
            if (sdp.IsEmpty && type is not null && type.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase))
            {
                sdp = slice;
            }
        }
        return reader.Error == SipParseError.None && !sdp.IsEmpty;
    }

    /// <summary>The part a <c>cid:</c> URL names (RFC 2392 §2: the URL is the percent-encoded addr-spec of the Content-ID).</summary>
    public static (string? Type, ReadOnlyMemory<byte> Content)? FindByCid(List<(string? Type, string? ContentId, ReadOnlyMemory<byte> Content)> parts, string? cidUrl)
    {
        if (cidUrl is null || !cidUrl.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string id = Uri.UnescapeDataString(cidUrl[4..]);
        foreach (var part in parts)
        {
            if (string.Equals(part.ContentId, id, StringComparison.Ordinal))
            {
                return (part.Type, part.Content);
            }
        }
        return null;
    }

    private static int IndexOfSubsequence(this ReadOnlySpan<byte> body, ReadOnlySpan<byte> part, int from) =>
        // The reader returns slices of body: their offset is the distance between the references (no search).
        part.IsEmpty ? from : (int)System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(body), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(part));
}
