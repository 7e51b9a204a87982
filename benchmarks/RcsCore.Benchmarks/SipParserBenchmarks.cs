using BenchmarkDotNet.Attributes;
using RcsCore.Parsing.Sip;

namespace RcsCore.Benchmarks;

/// <summary>
/// SIP reader cost on real messages (../shared/bench/messages), against a floor of one line scan over the same
/// bytes. The reader paths must allocate 0 B (STYLE.md §3). Min and Median are shown because the 2-core machines are
/// shared: the minimum is the figure least moved by other work.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class SipParserBenchmarks
{
    private byte[] _invite = [];
    private byte[] _register200 = [];
    private byte[] _cpimMessage = [];

    [GlobalSetup]
    public void Setup()
    {
        _invite = BenchMessages.Load(BenchMessages.Invite);
        _register200 = BenchMessages.Load(BenchMessages.Register200);
        _cpimMessage = BenchMessages.Load(BenchMessages.CpimMessage);

        // Fail fast if a message stops parsing: a benchmark over an early error measures nothing.
        foreach (var message in (byte[][])[_invite, _register200, _cpimMessage])
        {
            if (ReadAndAccess(message) <= 0)
            {
                throw new InvalidOperationException("A benchmark message did not parse to its body.");
            }
            var result = SipMessageParser.Parse(message, SipFraming.Stream, SipLimits.Default, out _);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"A benchmark message failed validation: {result.Message}");
            }
        }
    }

    /// <summary>The floor: one pass over the INVITE finding each LF, as any line-based parser must.</summary>
    [Benchmark(Baseline = true)]
    public int ScanFloor()
    {
        ReadOnlySpan<byte> span = _invite;
        int lines = 0;
        int lf;
        while ((lf = span.IndexOf((byte)'\n')) >= 0)
        {
            lines++;
            span = span[(lf + 1)..];
        }
        return lines;
    }

    /// <summary>What a UA or proxy reads of an RCS chat INVITE: start line, dialog and transaction keys, Contact feature tag, body.</summary>
    [Benchmark]
    public int InviteParseAndAccess() => ReadAndAccess(_invite);

    /// <summary>The same access with the validating value parsers (every URI and parameter checked on access).</summary>
    [Benchmark]
    public int InviteParseAndAccessValidating() => ReadAndAccess(_invite, validate: true);

    /// <summary>The reader alone over the INVITE (start line, every header framed and named, no value parsing): the cost the value parsers add to.</summary>
    [Benchmark]
    public int InviteReaderOnly()
    {
        var reader = new SipReader(_invite, SipLimits.Default);
        if (!reader.ReadStartLine(out var startLine))
        {
            return -1;
        }
        int sum = startLine.Method.Length;
        while (reader.ReadHeader(out var h))
        {
            sum += (int)h.Name + h.Value.Length;
        }
        return reader.IsAtBody ? sum + reader.RemainingBytes.Length : -1;
    }

    /// <summary>Full RFC 3261 validation of the INVITE (every header value checked).</summary>
    [Benchmark]
    public bool InviteValidate() => SipMessageParser.Parse(_invite, SipFraming.Stream, SipLimits.Default, out _).IsSuccess;

    /// <summary>The same reader loop over a REGISTER 200 OK (Path, Service-Route, P-Associated-URI).</summary>
    [Benchmark]
    public int Register200Parse() => ReadAndAccess(_register200);

    /// <summary>The same reader loop over a pager-mode MESSAGE carrying CPIM.</summary>
    [Benchmark]
    public int CpimMessageParse() => ReadAndAccess(_cpimMessage);

    /// <summary>
    /// Reads the whole message and touches the values a transaction/dialog layer needs. Returns a checksum of what
    /// it saw so the JIT cannot drop the work; returns -1 on any parse error.
    /// </summary>
    private static int ReadAndAccess(ReadOnlySpan<byte> message, bool validate = false)
    {
        var reader = new SipReader(message, SipLimits.Default);
        if (!reader.ReadStartLine(out var startLine))
        {
            return -1;
        }
        int sum = startLine.Method.Length + startLine.RequestUri.Length + startLine.StatusCode;
        bool sawVia = false;
        while (reader.ReadHeader(out var h))
        {
            switch (h.Name)
            {
                case SipHeaderName.Via:
                    // Only the top Via identifies the transaction (RFC 3261 §17.2.3).
                    if (!sawVia)
                    {
                        sawVia = true;
                        if ((validate ? SipViaParser.TryParseFirst(h.Value, out var via) : SipViaParser.TrySplitFirst(h.Value, out via)) != SipParseError.None)
                        {
                            return -1;
                        }
                        sum += via.Branch.Length;
                    }
                    break;
                case SipHeaderName.From:
                    if ((validate ? SipNameAddrParser.TryParse(h.Value, out var from) : SipNameAddrParser.TrySplit(h.Value, out from)) != SipParseError.None)
                    {
                        return -1;
                    }
                    sum += from.Tag.Length;
                    break;
                case SipHeaderName.To:
                    if ((validate ? SipNameAddrParser.TryParse(h.Value, out var to) : SipNameAddrParser.TrySplit(h.Value, out to)) != SipParseError.None)
                    {
                        return -1;
                    }
                    sum += to.Uri.Length;
                    break;
                case SipHeaderName.CallId:
                    sum += h.Value.Length;
                    break;
                case SipHeaderName.CSeq:
                    if (SipValueParsers.TryParseCSeq(h.Value, out uint cseq, out var method) != SipParseError.None)
                    {
                        return -1;
                    }
                    sum += (int)cseq + method.Length;
                    break;
                case SipHeaderName.Contact:
                    if ((validate ? SipNameAddrParser.TryParse(h.Value, out var contact) : SipNameAddrParser.TrySplit(h.Value, out contact)) != SipParseError.None)
                    {
                        return -1;
                    }
                    sum += contact.Uri.Length;
                    if (contact.TryGetParameter("+g.3gpp.icsi-ref"u8, out var icsi))
                    {
                        sum += icsi.Length;
                    }
                    break;
                case SipHeaderName.ContentLength:
                    if (!SipValueParsers.TryParseUInt32(h.Value, int.MaxValue, out uint contentLength))
                    {
                        return -1;
                    }
                    sum += (int)contentLength;
                    break;
                case SipHeaderName.MaxForwards:
                    if (!SipValueParsers.TryParseUInt32(h.Value, 255, out uint maxForwards))
                    {
                        return -1;
                    }
                    sum += (int)maxForwards;
                    break;
            }
        }
        if (!reader.IsAtBody)
        {
            return -1;
        }
        return sum + reader.RemainingBytes.Length;
    }
}
