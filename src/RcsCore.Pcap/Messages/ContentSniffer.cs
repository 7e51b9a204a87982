namespace RcsCore.Pcap.Messages;

/// <summary>What a message start line looks like.</summary>
internal enum SniffResult : byte
{
    NeedMoreData = 0,
    Sip = 1,
    Msrp = 2,
    Other = 3,
}

/// <summary>
/// Recognises SIP and MSRP by content, on any port: a SIP Request-Line ends in <c>SIP/2.0</c> (RFC 3261 §7.1), a
/// Status-Line starts with it (§7.2), an MSRP start line is <c>MSRP transact-id ...</c> (RFC 4975 §9).
/// </summary>
internal static class ContentSniffer
{
    /// <summary>Longest start line considered; longer first lines are not SIP or MSRP for sniffing purposes.</summary>
    public const int MaxStartLine = 2048;

    /// <summary>Classifies the line at the start of <paramref name="data"/>; <paramref name="complete"/> means no more bytes will come.</summary>
    public static SniffResult Classify(ReadOnlySpan<byte> data, bool complete)
    {
        if (data.IsEmpty)
        {
            return complete ? SniffResult.Other : SniffResult.NeedMoreData;
        }
        // Quick rejection: every start line begins with a token character, almost always an upper-case letter.
        byte b0 = data[0];
        if (b0 < (byte)'!' || b0 > (byte)'~')
        {
            return SniffResult.Other;
        }
        var window = data[..Math.Min(data.Length, MaxStartLine)];
        int lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (!complete && data.Length < MaxStartLine)
            {
                // Reject early when the prefix already cannot become a start line.
                return LooksLikePrefix(window) ? SniffResult.NeedMoreData : SniffResult.Other;
            }
            return SniffResult.Other;
        }
        var line = window[..lf];
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        return ClassifyLine(line);
    }

    public static SniffResult ClassifyLine(ReadOnlySpan<byte> line)
    {
        if (line.Length >= 12 && StartsWithIgnoreCase(line, "SIP/2.0 "u8))
        {
            return IsDigit(line[8]) && IsDigit(line[9]) && IsDigit(line[10]) && (line.Length == 11 || line[11] == (byte)' ') ? SniffResult.Sip : SniffResult.Other;
        }
        if (line.Length >= 8 && line.StartsWith("MSRP "u8))
        {
            // RFC 4975 §9: "MSRP" SP transact-id SP method / status-code
            var rest = line[5..];
            int sp = rest.IndexOf((byte)' ');
            return sp >= 1 && sp < rest.Length - 1 && IsIdent(rest[..sp]) ? SniffResult.Msrp : SniffResult.Other;
        }
        int first = line.IndexOf((byte)' ');
        if (first <= 0 || first > 32 || !IsTokenRun(line[..first]))
        {
            return SniffResult.Other;
        }
        return line.Length > first + 9 && EndsWithIgnoreCase(line, " SIP/2.0"u8) ? SniffResult.Sip : SniffResult.Other;
    }

    /// <summary>
    /// Finds the first line start at or after <paramref name="from"/> whose line is a SIP or MSRP start line.
    /// Returns -1 when none; <paramref name="safeDrop"/> then tells how many bytes can be discarded without losing a
    /// start line that is still arriving.
    /// </summary>
    public static int FindMessageStart(ReadOnlySpan<byte> data, int from, bool msrpOnly, out SniffResult kind, out int safeDrop)
    {
        kind = SniffResult.Other;
        int pos = from;
        while (pos < data.Length)
        {
            if (pos == 0 || data[pos - 1] == (byte)'\n')
            {
                var r = Classify(data[pos..], complete: false);
                if (r == SniffResult.Sip && !msrpOnly || r == SniffResult.Msrp)
                {
                    kind = r;
                    safeDrop = pos;
                    return pos;
                }
                if (r == SniffResult.NeedMoreData)
                {
                    safeDrop = pos;
                    return -1;
                }
            }
            int lf = data[pos..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                break;
            }
            pos += lf + 1;
        }
        // Keep the unfinished last line: it may become a start line with the next segment.
        int lastLf = data.LastIndexOf((byte)'\n');
        int tailStart = lastLf < 0 ? 0 : lastLf + 1;
        safeDrop = data.Length - tailStart > MaxStartLine ? data.Length : Math.Max(tailStart, Math.Min(from, data.Length));
        return -1;
    }

    private static bool LooksLikePrefix(ReadOnlySpan<byte> s)
    {
        // A request method or "SIP/" or "MSRP": token characters up to the first space.
        int sp = s.IndexOf((byte)' ');
        var head = sp < 0 ? s : s[..sp];
        if (head.Length > 32)
        {
            return false;
        }
        foreach (byte c in head)
        {
            if (c != (byte)'/' && !IsTokenRun([c]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsTokenRun(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (byte c in s)
        {
            // RFC 3261 §25.1 token characters.
            bool ok = c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                || c is (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*' or (byte)'_' or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~';
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 4975 §9 ident characters (ALPHANUM / "." / "-" / "+" / "%" / "="); the 4–32 length rule is relaxed to 1–64 for real-world peers.</summary>
    internal static bool IsIdent(ReadOnlySpan<byte> s)
    {
        if (s.Length is 0 or > 64)
        {
            return false;
        }
        foreach (byte c in s)
        {
            if (!(c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'-' or (byte)'+' or (byte)'%' or (byte)'='))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> prefix)
        => s.Length >= prefix.Length && System.Text.Ascii.EqualsIgnoreCase(s[..prefix.Length], prefix);

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> suffix)
        => s.Length >= suffix.Length && System.Text.Ascii.EqualsIgnoreCase(s[^suffix.Length..], suffix);
}
