using System.Text;

namespace RcsCore.Pcap.Messages;

/// <summary>
/// INTERIM MSRP framer: finds a message's extent by its end-line (RFC 4975 §7.1: CRLF "-------" transact-id
/// continuation-flag CRLF) and reads only the start line. It validates nothing else.
/// TODO(merge): replace with the stack's MSRP reader (RcsCore.Parsing.Msrp, MsrpReader) when that branch is merged;
/// this class is the only place to change (the <see cref="IPcapStreamFramer"/> seam stays).
/// </summary>
internal sealed class MsrpEndLineFramer : IPcapStreamFramer
{
    private readonly int _maxMessage;
    private int _scanFrom;

    public MsrpEndLineFramer(int maxMessage) => _maxMessage = maxMessage;

    public PcapProtocol Protocol => PcapProtocol.Msrp;

    public void Reset() => _scanFrom = 0;

    public StreamFrameStatus TryFrame(ReadOnlyMemory<byte> data, out StreamFrame frame)
    {
        frame = default;
        var span = data.Span;
        int lineEnd = span[..Math.Min(span.Length, ContentSniffer.MaxStartLine)].IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            if (span.Length >= ContentSniffer.MaxStartLine)
            {
                return Error(span.Length, "MSRP start line longer than " + ContentSniffer.MaxStartLine + " bytes", out frame);
            }
            return StreamFrameStatus.NeedMoreData;
        }
        // RFC 4975 §9: req-start = pMSRP SP transact-id SP method CRLF; resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF
        var line = span[..lineEnd];
        if (!line.StartsWith("MSRP "u8))
        {
            return Error(lineEnd + 2, "not an MSRP start line", out frame);
        }
        var rest = line[5..];
        int sp = rest.IndexOf((byte)' ');
        if (sp <= 0 || !ContentSniffer.IsIdent(rest[..sp]))
        {
            return Error(lineEnd + 2, "MSRP start line without a valid transaction id", out frame);
        }
        var tid = rest[..sp];
        var third = rest[(sp + 1)..];
        int sp2 = third.IndexOf((byte)' ');
        var word = sp2 < 0 ? third : third[..sp2];
        string? method = null;
        int status = 0;
        if (word.Length == 3 && word[0] is >= (byte)'0' and <= (byte)'9' && word[1] is >= (byte)'0' and <= (byte)'9' && word[2] is >= (byte)'0' and <= (byte)'9')
        {
            status = (word[0] - '0') * 100 + (word[1] - '0') * 10 + (word[2] - '0');
        }
        else if (word.Length > 0)
        {
            method = Encoding.ASCII.GetString(word);
        }
        else
        {
            return Error(lineEnd + 2, "MSRP start line without method or status", out frame);
        }

        // Search for CRLF "-------" tid flag CRLF after the start line, resuming where the last call stopped.
        Span<byte> endLine = stackalloc byte[2 + 7 + 64];
        "\r\n-------"u8.CopyTo(endLine);
        tid.CopyTo(endLine[9..]);
        var needle = endLine[..(9 + tid.Length)];
        int pos = Math.Max(lineEnd, _scanFrom);
        while (true)
        {
            int idx = span[pos..].IndexOf(needle);
            if (idx < 0)
            {
                if (span.Length > _maxMessage)
                {
                    return Error(span.Length, $"no MSRP end-line for transaction {Encoding.ASCII.GetString(tid)} within {_maxMessage} bytes", out frame);
                }
                _scanFrom = Math.Max(lineEnd, span.Length - needle.Length - 3);
                return StreamFrameStatus.NeedMoreData;
            }
            int flagAt = pos + idx + needle.Length;
            if (flagAt + 3 > span.Length)
            {
                _scanFrom = pos + idx;
                return StreamFrameStatus.NeedMoreData;
            }
            if (span[flagAt] is (byte)'+' or (byte)'$' or (byte)'#' && span[flagAt + 1] == (byte)'\r' && span[flagAt + 2] == (byte)'\n')
            {
                _scanFrom = 0;
                frame = new StreamFrame(flagAt + 3, null, null, Encoding.ASCII.GetString(tid), method, status);
                return StreamFrameStatus.Message;
            }
            pos += idx + 1; // the tid was a prefix of a longer token: keep looking
        }
    }

    private StreamFrameStatus Error(int skip, string text, out StreamFrame frame)
    {
        _scanFrom = 0;
        frame = new StreamFrame(Math.Max(1, skip), null, text, null, null, 0);
        return StreamFrameStatus.Error;
    }
}
