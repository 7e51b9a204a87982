using System.Text;

namespace RcsCore.Parsing.Cpim;

/// <summary>Known header names: lookup from bytes without allocating, and the canonical spelling for writing.</summary>
internal static class CpimHeaderNames
{
    public const string From = "From";
    public const string To = "To";
    public const string Cc = "cc";
    public const string DateTime = "DateTime";
    public const string Subject = "Subject";
    public const string Namespace = "NS";
    public const string Require = "Require";
    public const string ContentType = "Content-Type";
    public const string ContentLength = "Content-Length";
    public const string ContentId = "Content-ID";
    public const string ContentDisposition = "Content-Disposition";
    public const string ContentTransferEncoding = "Content-Transfer-Encoding";

    /// <summary>An RFC 3862 §4 message header, matched only without a prefix.</summary>
    public static CpimHeaderKind LookupMessage(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when Ascii.EqualsIgnoreCase(name, "To"u8) => CpimHeaderKind.To,
        2 when Ascii.EqualsIgnoreCase(name, "cc"u8) => CpimHeaderKind.Cc,
        2 when Ascii.EqualsIgnoreCase(name, "NS"u8) => CpimHeaderKind.Namespace,
        4 when Ascii.EqualsIgnoreCase(name, "From"u8) => CpimHeaderKind.From,
        7 when Ascii.EqualsIgnoreCase(name, "Subject"u8) => CpimHeaderKind.Subject,
        7 when Ascii.EqualsIgnoreCase(name, "Require"u8) => CpimHeaderKind.Require,
        8 when Ascii.EqualsIgnoreCase(name, "DateTime"u8) => CpimHeaderKind.DateTime,
        _ => CpimHeaderKind.Other,
    };

    /// <summary>A MIME header of the encapsulated object (or of the outer section).</summary>
    public static CpimHeaderKind LookupMime(ReadOnlySpan<byte> name) => name.Length switch
    {
        10 when Ascii.EqualsIgnoreCase(name, "Content-ID"u8) => CpimHeaderKind.ContentId,
        12 when Ascii.EqualsIgnoreCase(name, "Content-Type"u8) => CpimHeaderKind.ContentType,
        14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8) => CpimHeaderKind.ContentLength,
        19 when Ascii.EqualsIgnoreCase(name, "Content-Disposition"u8) => CpimHeaderKind.ContentDisposition,
        25 when Ascii.EqualsIgnoreCase(name, "Content-Transfer-Encoding"u8) => CpimHeaderKind.ContentTransferEncoding,
        _ => CpimHeaderKind.Other,
    };

    /// <summary>The name as a string, reusing the canonical instance when the bytes are exactly the canonical spelling.</summary>
    public static string ToString(CpimHeaderKind kind, ReadOnlySpan<byte> name)
    {
        string? canonical = Canonical(kind);
        if (canonical is not null && name.Length == canonical.Length && Ascii.Equals(name, canonical))
        {
            return canonical;
        }

        return Encoding.UTF8.GetString(name);
    }

    public static string? Canonical(CpimHeaderKind kind) => kind switch
    {
        CpimHeaderKind.From => From,
        CpimHeaderKind.To => To,
        CpimHeaderKind.Cc => Cc,
        CpimHeaderKind.DateTime => DateTime,
        CpimHeaderKind.Subject => Subject,
        CpimHeaderKind.Namespace => Namespace,
        CpimHeaderKind.Require => Require,
        CpimHeaderKind.ContentType => ContentType,
        CpimHeaderKind.ContentLength => ContentLength,
        CpimHeaderKind.ContentId => ContentId,
        CpimHeaderKind.ContentDisposition => ContentDisposition,
        CpimHeaderKind.ContentTransferEncoding => ContentTransferEncoding,
        _ => null,
    };

    /// <summary>Kind of a header given as a string (message section: unprefixed only).</summary>
    public static CpimHeaderKind LookupMessage(string name)
    {
        Span<byte> buffer = stackalloc byte[16];
        return name.Length <= 16 && Ascii.FromUtf16(name, buffer, out int n) == System.Buffers.OperationStatus.Done
            ? LookupMessage(buffer[..n])
            : CpimHeaderKind.Other;
    }

    /// <summary>Kind of a MIME header given as a string.</summary>
    public static CpimHeaderKind LookupMime(string name)
    {
        Span<byte> buffer = stackalloc byte[32];
        return name.Length <= 32 && Ascii.FromUtf16(name, buffer, out int n) == System.Buffers.OperationStatus.Done
            ? LookupMime(buffer[..n])
            : CpimHeaderKind.Other;
    }
}
