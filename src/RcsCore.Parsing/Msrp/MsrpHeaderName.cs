// RFC 4975 §9 (To-Path, From-Path, Message-ID, Success-Report, Failure-Report, Byte-Range, Status, Content-Type and the
// MIME headers of content-stuff), RFC 4976 §5.1/§9 (Use-Path, Expires, Min-Expires, Max-Expires, WWW-Authenticate,
// Authorization, Authentication-Info).
using System.Runtime.CompilerServices;
using System.Text;

namespace RcsCore.Parsing.Msrp;

/// <summary>Header fields the MSRP readers know by name. Unknown (extension) headers are <see cref="Unknown"/> and stay raw bytes.</summary>
public enum MsrpHeaderName : byte
{
    /// <summary>A header this enum does not list (ext-header or other MIME header).</summary>
    Unknown = 0,
    /// <summary>To-Path (RFC 4975 §9).</summary>
    ToPath = 1,
    /// <summary>From-Path (RFC 4975 §9).</summary>
    FromPath = 2,
    /// <summary>Message-ID (RFC 4975 §9).</summary>
    MessageId = 3,
    /// <summary>Success-Report (RFC 4975 §9).</summary>
    SuccessReport = 4,
    /// <summary>Failure-Report (RFC 4975 §9).</summary>
    FailureReport = 5,
    /// <summary>Byte-Range (RFC 4975 §9).</summary>
    ByteRange = 6,
    /// <summary>Status (RFC 4975 §9).</summary>
    Status = 7,
    /// <summary>Content-Type (RFC 4975 §9).</summary>
    ContentType = 8,
    /// <summary>Content-ID (RFC 2045, RFC 4975 §9 Other-Mime-header).</summary>
    ContentId = 9,
    /// <summary>Content-Description (RFC 2045, RFC 4975 §9 Other-Mime-header).</summary>
    ContentDescription = 10,
    /// <summary>Content-Disposition (RFC 2183, RFC 4975 §9 Other-Mime-header).</summary>
    ContentDisposition = 11,
    /// <summary>Use-Path (RFC 4976 §9).</summary>
    UsePath = 12,
    /// <summary>Expires (RFC 4976 §9).</summary>
    Expires = 13,
    /// <summary>Min-Expires (RFC 4976 §9).</summary>
    MinExpires = 14,
    /// <summary>Max-Expires (RFC 4976 §9).</summary>
    MaxExpires = 15,
    /// <summary>WWW-Authenticate (RFC 4976 §9).</summary>
    WwwAuthenticate = 16,
    /// <summary>Authorization (RFC 4976 §9).</summary>
    Authorization = 17,
    /// <summary>Authentication-Info (RFC 4976 §9).</summary>
    AuthenticationInfo = 18,
}

/// <summary>Maps header names (any case) to <see cref="MsrpHeaderName"/> without allocating.</summary>
public static class MsrpHeaderNames
{
    // One table is the source of the names; the enum lists the same ids in the same order.
    private static readonly byte[][] s_nameBytes =
    [
        [],
        "To-Path"u8.ToArray(),
        "From-Path"u8.ToArray(),
        "Message-ID"u8.ToArray(),
        "Success-Report"u8.ToArray(),
        "Failure-Report"u8.ToArray(),
        "Byte-Range"u8.ToArray(),
        "Status"u8.ToArray(),
        "Content-Type"u8.ToArray(),
        "Content-ID"u8.ToArray(),
        "Content-Description"u8.ToArray(),
        "Content-Disposition"u8.ToArray(),
        "Use-Path"u8.ToArray(),
        "Expires"u8.ToArray(),
        "Min-Expires"u8.ToArray(),
        "Max-Expires"u8.ToArray(),
        "WWW-Authenticate"u8.ToArray(),
        "Authorization"u8.ToArray(),
        "Authentication-Info"u8.ToArray(),
    ];

    private static readonly string[] s_names = BuildNames();

    // Candidates by name length (names are 6..19 bytes): at most three names share a length.
    private static readonly byte[][] s_byLength = BuildByLength();

    private static string[] BuildNames()
    {
        var names = new string[s_nameBytes.Length];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = Encoding.ASCII.GetString(s_nameBytes[i]);
        }
        return names;
    }

    private static byte[][] BuildByLength()
    {
        var table = new byte[32][];
        for (int len = 0; len < table.Length; len++)
        {
            var ids = new List<byte>();
            for (int id = 1; id < s_nameBytes.Length; id++)
            {
                if (s_nameBytes[id].Length == len)
                {
                    ids.Add((byte)id);
                }
            }
            table[len] = [.. ids];
        }
        return table;
    }

    /// <summary>
    /// Identifies a header name, case-insensitively (RFC 4975 §9 spells names as ABNF quoted strings, which are
    /// case-insensitive; RFC 5234 §2.3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MsrpHeaderName Lookup(ReadOnlySpan<byte> name)
    {
        if ((uint)name.Length >= (uint)s_byLength.Length)
        {
            return MsrpHeaderName.Unknown;
        }
        foreach (byte id in s_byLength[name.Length])
        {
            if (Ascii.EqualsIgnoreCase(name, s_nameBytes[id]))
            {
                return (MsrpHeaderName)id;
            }
        }
        return MsrpHeaderName.Unknown;
    }

    /// <summary>The canonical name of a known header (empty for <see cref="MsrpHeaderName.Unknown"/>).</summary>
    public static string GetName(MsrpHeaderName id) => (uint)id < (uint)s_names.Length ? s_names[(int)id] : string.Empty;

    /// <summary>The canonical name as ASCII bytes (empty for <see cref="MsrpHeaderName.Unknown"/>).</summary>
    public static ReadOnlySpan<byte> GetNameBytes(MsrpHeaderName id) => (uint)id < (uint)s_nameBytes.Length ? s_nameBytes[(int)id] : default;
}
