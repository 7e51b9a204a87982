using System.Globalization;
using System.Text;

namespace RcsCore.Parsing.Sdp;

/// <summary>
/// An <c>a=file-selector</c> value (RFC 5547 §6): what identifies the file offered or requested.
/// Every part is optional; a bare <c>a=file-selector</c> (RFC 5547 §9.3) has none.
/// </summary>
/// <param name="Name">The file name, decoded from its quoted, percent-encoded form.</param>
/// <param name="Type">The media type with any parameters, for example <c>image/jpeg</c>.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Hash">The hash of the file contents.</param>
public sealed record SdpFileSelector(string? Name, string? Type, long? Size, SdpFileHash? Hash)
{
    /// <summary>Formats the selectors separated by single spaces; null when there are none.</summary>
    internal string? Format()
    {
        var sb = new StringBuilder();
        if (Name is not null)
        {
            // RFC 5547 §6: filename-selector = "name:" DQUOTE filename-string DQUOTE, where NUL, CR, LF,
            // DQUOTE and '%' must be percent-encoded.
            sb.Append("name:\"");
            AppendPercentEncoded(sb, Name);
            sb.Append('"');
        }

        if (Type is not null)
        {
            AppendSeparator(sb);
            sb.Append("type:").Append(Type);
        }

        if (Size is { } size)
        {
            AppendSeparator(sb);
            sb.Append("size:").Append(size.ToString(CultureInfo.InvariantCulture));
        }

        if (Hash is not null)
        {
            AppendSeparator(sb);
            sb.Append("hash:").Append(Hash.Algorithm).Append(':').Append(Hash.Value);
        }

        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>
    /// Parses a selector list; null value (bare attribute) gives an empty selector. Unknown selectors are
    /// skipped; the first of a repeated selector wins. Returns null when a known selector is malformed.
    /// </summary>
    internal static SdpFileSelector? Parse(string? value)
    {
        string? name = null;
        string? type = null;
        long? size = null;
        SdpFileHash? hash = null;
        if (value is null)
        {
            return new SdpFileSelector(null, null, null, null);
        }

        int position = 0;
        while (SdpText.NextItem(value, ref position, out ReadOnlySpan<char> item))
        {
            if (item.StartsWith("name:", StringComparison.OrdinalIgnoreCase))
            {
                ReadOnlySpan<char> quoted = item.Slice(5);
                if (quoted.Length < 3 || quoted[0] != '"' || quoted[^1] != '"' || quoted[1..^1].Contains('"'))
                {
                    return null;
                }

                name ??= Uri.UnescapeDataString(quoted[1..^1].ToString());
            }
            else if (item.StartsWith("type:", StringComparison.OrdinalIgnoreCase))
            {
                ReadOnlySpan<char> mediaType = item.Slice(5);
                if (mediaType.IndexOf('/') <= 0)
                {
                    return null;
                }

                type ??= mediaType.ToString();
            }
            else if (item.StartsWith("size:", StringComparison.OrdinalIgnoreCase))
            {
                if (!SdpText.TryParseDigits(item.Slice(5), out long parsed))
                {
                    return null;
                }

                size ??= parsed;
            }
            else if (item.StartsWith("hash:", StringComparison.OrdinalIgnoreCase))
            {
                // RFC 5547 §6: hash-selector = "hash:" hash-algorithm ":" hash-value.
                ReadOnlySpan<char> rest = item.Slice(5);
                int colon = rest.IndexOf(':');
                if (colon <= 0 || !SdpText.IsToken(rest.Slice(0, colon)) || !SdpFileHash.IsValidValue(rest.Slice(colon + 1)))
                {
                    return null;
                }

                hash ??= new SdpFileHash(rest.Slice(0, colon).ToString(), rest.Slice(colon + 1).ToString());
            }
        }

        return new SdpFileSelector(name, type, size, hash);
    }

    private static void AppendSeparator(StringBuilder sb)
    {
        if (sb.Length != 0)
        {
            sb.Append(' ');
        }
    }

    private static void AppendPercentEncoded(StringBuilder sb, string name)
    {
        foreach (char c in name)
        {
            if (c < 0x20 || c == 0x7F || c == '"' || c == '%')
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
    }
}
