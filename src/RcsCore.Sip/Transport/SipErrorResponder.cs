using System.Buffers;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

/// <summary>
/// Best-effort error responses for requests that did not parse (RFC 3261 §8.2, §21.4.1 400, §21.5.7 505,
/// §21.5.8 513): scans the raw header section for Via, From, To, Call-ID and CSeq and echoes the ones that are
/// valid. No answer without a start line that looks like a request and a parsable Via.
/// </summary>
internal static class SipErrorResponder
{
    private static readonly SipHeaderName[] s_echoed = [SipHeaderName.Via, SipHeaderName.From, SipHeaderName.To, SipHeaderName.CallId, SipHeaderName.CSeq];

    /// <summary>The status to answer: 505 and 513 as the parser suggests, otherwise 400.</summary>
    public static int StatusFor(SipParseResult error) => error.SuggestedStatusCode is 505 or 513 ? error.SuggestedStatusCode : 400;

    /// <summary>Builds the response bytes, or null when the input is not a request with a usable Via.</summary>
    public static SipResponse? TryBuild(ReadOnlySpan<byte> raw, int statusCode, int maxScan)
    {
        if (raw.Length > maxScan)
        {
            raw = raw[..maxScan];
        }
        int pos = 0;
        while (pos < raw.Length && raw[pos] is (byte)'\r' or (byte)'\n')
        {
            pos++;
        }
        if (!ReadLine(raw, ref pos, out var startLine) || startLine.IsEmpty || startLine.StartsWith("SIP/"u8))
        {
            return null;
        }
        // Request-Line = Method SP Request-URI SP SIP-Version: at least the method must be a token.
        int sp = startLine.IndexOf((byte)' ');
        if (sp <= 0)
        {
            return null;
        }
        foreach (byte b in startLine[..sp])
        {
            if (!IsTokenChar(b))
            {
                return null;
            }
        }

        var headers = new List<(SipHeaderName Name, byte[] Value)>(8);
        byte[]? unfolded = null;
        try
        {
            while (ReadLine(raw, ref pos, out var line) && !line.IsEmpty)
            {
                // Unfold continuation lines (RFC 3261 §7.3.1).
                var value = line;
                while (pos < raw.Length && raw[pos] is (byte)' ' or (byte)'\t')
                {
                    if (!ReadLine(raw, ref pos, out var more))
                    {
                        break;
                    }
                    unfolded ??= ArrayPool<byte>.Shared.Rent(raw.Length);
                    value.CopyTo(unfolded);
                    unfolded[value.Length] = (byte)' ';
                    more.TrimStart(" \t"u8).CopyTo(unfolded.AsSpan(value.Length + 1));
                    value = unfolded.AsSpan(0, value.Length + 1 + more.TrimStart(" \t"u8).Length);
                }
                int colon = value.IndexOf((byte)':');
                if (colon <= 0)
                {
                    continue;
                }
                var name = SipHeaderNames.Lookup(value[..colon].TrimEnd(" \t"u8));
                if (Array.IndexOf(s_echoed, name) < 0)
                {
                    continue;
                }
                var v = value[(colon + 1)..].Trim(" \t"u8);
                if (IsValid(name, v))
                {
                    headers.Add((name, v.ToArray()));
                }
            }
        }
        finally
        {
            if (unfolded is not null)
            {
                ArrayPool<byte>.Shared.Return(unfolded);
            }
        }
        if (!headers.Exists(h => h.Name == SipHeaderName.Via))
        {
            return null;
        }

        var builder = new SipResponseBuilder(statusCode);
        foreach (var name in s_echoed)
        {
            foreach (var h in headers)
            {
                if (h.Name == name)
                {
                    builder.AddRawHeader(name, h.Value);
                    if (name != SipHeaderName.Via)
                    {
                        break;
                    }
                }
            }
        }
        try
        {
            return builder.Build();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    private static bool IsTokenChar(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
        or (byte)'-' or (byte)'.' or (byte)'!' or (byte)'%' or (byte)'*' or (byte)'_' or (byte)'+' or (byte)'`' or (byte)'\'' or (byte)'~';

    private static bool IsValid(SipHeaderName name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }
        foreach (byte b in value)
        {
            if (b < 0x20 && b != (byte)'\t')
            {
                return false;
            }
        }
        switch (name)
        {
            case SipHeaderName.Via:
                int pos = 0;
                while (pos < value.Length)
                {
                    if (SipViaParser.TryParseNext(value, ref pos, out _, out _) != SipParseError.None)
                    {
                        return false;
                    }
                }
                return true;
            case SipHeaderName.From:
            case SipHeaderName.To:
                return SipNameAddress.TryParse(value, out _);
            case SipHeaderName.CSeq:
                return SipValueParsers.TryParseCSeq(value, out _, out _) == SipParseError.None;
            default:
                return value.IndexOfAny(" \t"u8) < 0;
        }
    }

    private static bool ReadLine(ReadOnlySpan<byte> s, ref int pos, out ReadOnlySpan<byte> line)
    {
        if (pos >= s.Length)
        {
            line = default;
            return false;
        }
        int lf = s[pos..].IndexOf((byte)'\n');
        int end = lf < 0 ? s.Length : pos + lf;
        line = s[pos..end];
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        pos = lf < 0 ? s.Length : end + 1;
        return true;
    }

    /// <summary>Shortens an error for a Debug log line.</summary>
    public static string Describe(SipParseResult error) => error.Message;

    /// <summary>Text of the first line, for logs.</summary>
    public static string FirstLine(ReadOnlySpan<byte> raw)
    {
        int lf = raw.IndexOf((byte)'\n');
        var line = lf < 0 ? raw : raw[..lf];
        if (line.Length > 120)
        {
            line = line[..120];
        }
        return Encoding.UTF8.GetString(line).TrimEnd('\r');
    }
}
