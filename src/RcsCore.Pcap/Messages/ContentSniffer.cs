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
        // RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, and the Request-URI holds no space.
        return line.Length > first + 9 && EndsWithIgnoreCase(line, " SIP/2.0"u8) && line[(first + 1)..^8].IndexOf((byte)' ') < 0 && line[first + 1] != (byte)' '
            ? SniffResult.Sip
            : SniffResult.Other;
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
            bool lineStart = pos == 0 || data[pos - 1] == (byte)'\n';
            int lf = data[pos..].IndexOf((byte)'\n');
            if (lineStart)
            {
                if (lf < 0 && data.Length - pos < MaxStartLine)
                {
                    // The last line is still arriving; it may become a start line with the next segment.
                    safeDrop = pos;
                    return -1;
                }
                var line = lf < 0 ? data[pos..] : data.Slice(pos, lf);
                if (!line.IsEmpty && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }
                int at = FindInLine(line, msrpOnly, out kind);
                if (at >= 0)
                {
                    safeDrop = pos + at;
                    return pos + at;
                }
            }
            if (lf < 0)
            {
                break;
            }
            pos += lf + 1;
        }
        int lastLf = data.LastIndexOf((byte)'\n');
        int tailStart = lastLf < 0 ? 0 : lastLf + 1;
        safeDrop = data.Length - tailStart > MaxStartLine ? data.Length : Math.Max(tailStart, Math.Min(from, data.Length));
        return -1;
    }

    /// <summary>
    /// Where a start line begins inside <paramref name="line"/>: at its start, or after body bytes that ran into it
    /// (a body need not end with CRLF, so after a gap the previous message's tail can share the line).
    /// </summary>
    private static int FindInLine(ReadOnlySpan<byte> line, bool msrpOnly, out SniffResult kind)
    {
        kind = ClassifyLine(line);
        if (kind == SniffResult.Msrp)
        {
            return 0;
        }
        if (!msrpOnly && kind == SniffResult.Sip && (line.StartsWith("SIP/"u8) || KnownMethodLength(line) > 0))
        {
            return 0;
        }
        int msrp = line.IndexOf("MSRP "u8);
        if (msrp > 0 && ClassifyLine(line[msrp..]) == SniffResult.Msrp)
        {
            kind = SniffResult.Msrp;
            return msrp;
        }
        if (msrpOnly)
        {
            kind = SniffResult.Other;
            return -1;
        }
        int status = line.IndexOf("SIP/2.0 "u8);
        if (status > 0 && ClassifyLine(line[status..]) == SniffResult.Sip)
        {
            kind = SniffResult.Sip;
            return status;
        }
        if (EndsWithIgnoreCase(line, " SIP/2.0"u8))
        {
            // "... bodyINVITE sip:x SIP/2.0": the Request-URI has no spaces (RFC 3261 §25.1), the method is the token
            // before it, or the known method that token ends with.
            var head = line[..^8];
            int sp = head.LastIndexOf((byte)' ');
            if (sp > 0)
            {
                var before = head[..sp];
                int tokenStart = before.LastIndexOf((byte)' ') + 1;
                var token = before[tokenStart..];
                int at = tokenStart;
                foreach (var m in s_methods)
                {
                    if (token.Length >= m.Length && token.EndsWith(m))
                    {
                        at = tokenStart + token.Length - m.Length;
                        break;
                    }
                }
                if (ClassifyLine(line[at..]) == SniffResult.Sip)
                {
                    kind = SniffResult.Sip;
                    return at;
                }
            }
        }
        kind = SniffResult.Other;
        return -1;
    }

    private static readonly byte[][] s_methods =
    [
        "INVITE"u8.ToArray(), "ACK"u8.ToArray(), "BYE"u8.ToArray(), "CANCEL"u8.ToArray(), "REGISTER"u8.ToArray(), "OPTIONS"u8.ToArray(),
        "MESSAGE"u8.ToArray(), "SUBSCRIBE"u8.ToArray(), "NOTIFY"u8.ToArray(), "PUBLISH"u8.ToArray(), "REFER"u8.ToArray(), "INFO"u8.ToArray(),
        "UPDATE"u8.ToArray(), "PRACK"u8.ToArray(),
    ];

    /// <summary>Length of the known method (RFC 3261 §27.4 registry, common ones) the line starts with followed by a space, or 0.</summary>
    private static int KnownMethodLength(ReadOnlySpan<byte> line)
    {
        foreach (var m in s_methods)
        {
            if (line.Length > m.Length && line[m.Length] == (byte)' ' && line.StartsWith(m))
            {
                return m.Length;
            }
        }
        return 0;
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
