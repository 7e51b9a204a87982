using System.Buffers;
using RcsCore.Parsing.Msrp;
using RcsCore.Parsing.Sip;

namespace RcsCore.Fuzz;

/// <summary>
/// The fuzz targets, one per reader (STYLE.md §3). Bad input must come back as a <see cref="SipParseError"/>; any
/// exception is a crash. Targets also check invariants the API promises (offsets inside the input, parsers that make
/// progress, the stream prefix rule) and throw <see cref="FuzzInvariantException"/> when one breaks.
/// This file has no SharpFuzz dependency so that test projects can link it and replay seeds/ and regressions/.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Every target name, in the order <c>rcs-fuzz</c> lists them; the folder names under seeds/ and regressions/.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sip", "sip-stream", "uri", "nameaddr", "via", "sdp", "msrp"];

    /// <summary>True when <paramref name="target"/> is one of <see cref="Names"/>.</summary>
    public static bool IsKnown(string target) => Names.Contains(target);

    /// <summary>Runs one input through a target; throws only on a bug (or an unknown target).</summary>
    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        // Add cpim here (and to Names) when its reader lands.
        switch (target)
        {
            case "sip":
                Message(input, SipFraming.Datagram);
                ReadAndAccess(input);
                break;
            case "sip-stream":
                Message(input, SipFraming.Stream);
                break;
            case "uri":
                Uri(input);
                break;
            case "nameaddr":
                NameAddr(input);
                break;
            case "via":
                Via(input);
                break;
            case "sdp":
                Sdp(input);
                break;
            case "msrp":
                Msrp(input);
                break;
            default:
                throw new ArgumentException($"Unknown fuzz target '{target}'. Known: {string.Join(", ", Names)}.", nameof(target));
        }
    }

    private static void Message(ReadOnlySpan<byte> input, SipFraming framing)
    {
        var result = SipMessageParser.Parse(input, framing, SipLimits.Default, out var info);
        _ = result.Message;
        _ = result.SuggestedStatusCode;
        if (!result.IsSuccess)
        {
            Check(result.Offset >= 0 && result.Offset <= input.Length, "error offset outside the input");
            return;
        }

        Check(info.StartOffset >= 0 && info.StartOffset <= info.BodyOffset, "start offset after the body");
        Check(info.BodyOffset <= info.MessageLength && info.MessageLength <= input.Length, "message longer than the input");
        Check(info.BodyOffset + info.BodyLength == info.MessageLength, "body does not end the message");
        Check(info.ContentLength < 0 || info.ContentLength == info.BodyLength, "body length differs from Content-Length");
        Check(info.HeaderCount <= SipLimits.Default.MaxHeaderCount, "more headers than the limit");

        if (framing == SipFraming.Stream)
        {
            // STYLE.md §3 / RFC 3261 §18.3: the message alone parses the same, and one byte less is "wait for more".
            var whole = input[..info.MessageLength];
            var again = SipMessageParser.Parse(whole, framing, SipLimits.Default, out var info2);
            Check(again.IsSuccess && info2.MessageLength == info.MessageLength, "the message alone does not parse the same");
            var cut = SipMessageParser.Parse(whole[..^1], framing, SipLimits.Default, out _);
            Check(cut.Error == SipParseError.Incomplete, "a message cut by one byte is not Incomplete");
        }
    }

    /// <summary>The reader path a UA takes: every header through the value parser its name calls for.</summary>
    private static void ReadAndAccess(ReadOnlySpan<byte> input)
    {
        var reader = new SipReader(input, SipLimits.Default);
        if (!reader.ReadStartLine(out var startLine))
        {
            Check(!reader.Error.IsSuccess, "ReadStartLine failed without an error");
            return;
        }
        if (startLine.Kind == SipStartLineKind.Request)
        {
            Uri(startLine.RequestUri);
        }
        int count = 0;
        while (reader.ReadHeader(out var h))
        {
            Check(++count <= SipLimits.Default.MaxHeaderCount, "reader returned more headers than the limit");
            Check(h.ValueOffset >= h.NameOffset && h.ValueOffset + h.Value.Length <= input.Length, "header value outside the input");
            switch (h.Name)
            {
                case SipHeaderName.Via:
                    Via(h.Value);
                    break;
                case SipHeaderName.From:
                case SipHeaderName.To:
                case SipHeaderName.Contact:
                case SipHeaderName.Route:
                case SipHeaderName.RecordRoute:
                    NameAddr(h.Value);
                    break;
                case SipHeaderName.CSeq:
                    _ = SipValueParsers.TryParseCSeq(h.Value, out _, out _);
                    break;
                case SipHeaderName.ContentLength:
                case SipHeaderName.MaxForwards:
                case SipHeaderName.Expires:
                    _ = SipValueParsers.TryParseUInt32(h.Value, uint.MaxValue, out _);
                    break;
                case SipHeaderName.CallId:
                    _ = SipValueParsers.ValidateCallId(h.Value);
                    break;
                case SipHeaderName.ContentType:
                    if (SipValueParsers.TryParseMediaType(h.Value, out _, out _, out var mediaParameters) == SipParseError.None)
                    {
                        Parameters(mediaParameters);
                    }
                    break;
                default:
                    _ = SipValueParsers.ValidateTokenList(h.Value);
                    break;
            }
        }
        if (reader.IsAtBody)
        {
            Check(reader.BodyOffset >= 0 && reader.BodyOffset <= input.Length, "body offset outside the input");
            _ = reader.RemainingBytes.Length;
        }
        else
        {
            Check(!reader.Error.IsSuccess, "reader stopped before the body without an error");
        }
    }

    private static void Uri(ReadOnlySpan<byte> input)
    {
        for (var context = SipUriContext.NameAddr; context <= SipUriContext.AddrSpec; context++)
        {
            var err = SipUriParser.TryParse(input, context, out var parts, out int errorAt);
            if (err != SipParseError.None)
            {
                Check(errorAt >= 0 && errorAt <= input.Length, "URI error offset outside the input");
                continue;
            }
            _ = parts.TryGetParameter("transport"u8, out _);
            _ = parts.TryGetParameter("lr"u8, out _);
            _ = SipAddress.IsIPv6(parts.Host);
            _ = SipAddress.IsIPv4(parts.Host);
            Check(parts.Port >= -1 && parts.Port <= 65535, "port out of range");
            Parameters(parts.Parameters);
        }
    }

    private static void NameAddr(ReadOnlySpan<byte> input)
    {
        if (SipNameAddrParser.TryParse(input, out var single) == SipParseError.None)
        {
            Accessors(single);
        }

        // Lists (Contact, Route): every element must move pos forward, or the caller loops for ever.
        int pos = 0;
        while (pos < input.Length)
        {
            int before = pos;
            var err = SipNameAddrParser.TryParseNext(input, ref pos, allowWildcard: true, out var element, out int errorAt);
            if (err != SipParseError.None)
            {
                Check(errorAt >= 0 && errorAt <= input.Length, "name-addr error offset outside the input");
                break;
            }
            Check(pos > before && pos <= input.Length, "name-addr list did not advance");
            Accessors(element);
        }
    }

    private static void Accessors(SipNameAddr na)
    {
        _ = na.Tag;
        _ = na.DisplayName.Length;
        _ = na.TryGetParameter("+g.3gpp.icsi-ref"u8, out _);
        Parameters(na.Parameters);
        if (!na.IsWildcard)
        {
            Uri(na.Uri);
        }
    }

    private static void Sdp(ReadOnlySpan<byte> input)
    {
        var result = RcsCore.Parsing.Sdp.SdpSession.TryParse(input, out var session);
        if (!result.IsSuccess)
        {
            Check(result.Offset >= 0 && result.Offset <= input.Length, "SDP error offset outside the input");
            return;
        }
        // Typed accessors must not throw on whatever parsed, and writing back must parse again.
        foreach (var media in session!.Media)
        {
            _ = media.IsMsrp;
            _ = media.Paths;
            _ = media.AcceptTypes;
            _ = media.MaxSize;
            _ = media.Setup;
            _ = media.Direction;
            _ = media.FileSelector;
            _ = media.FileRange;
            _ = media.FileDate;
        }
        byte[] written;
        try
        {
            written = session.ToArray();
        }
        catch (InvalidOperationException)
        {
            return; // the writer refuses values that would inject lines; parse accepted them as text
        }
        Check(RcsCore.Parsing.Sdp.SdpSession.TryParse(written, out _).IsSuccess, "written SDP does not parse again");
    }

    /// <summary>
    /// MSRP (RFC 4975): the whole-message parser, the prefix rule, the frame reader over one and over three segments
    /// (same first message as the parser, bounded hold-back, progress), and the reader's value parsers.
    /// </summary>
    private static void Msrp(ReadOnlySpan<byte> input)
    {
        var limits = MsrpLimits.Default;
        var result = MsrpMessageParser.Parse(input, limits, out var info);
        _ = result.Message;
        _ = result.SuggestedStatusCode;
        _ = MsrpParseErrors.Code(result.Error);
        if (result.IsSuccess)
        {
            Check(info.MessageLength > 0 && info.MessageLength <= input.Length, "MSRP message longer than the input");
            Check(info.BodyOffset >= 0 && info.BodyOffset + info.BodyLength <= info.MessageLength, "MSRP body outside the message");
            Check(info.Continuation is MsrpContinuation.Complete or MsrpContinuation.More or MsrpContinuation.Aborted, "MSRP message without a flag");
            var whole = input[..info.MessageLength];
            Check(MsrpMessageParser.Parse(whole, limits, out var again).IsSuccess && again.MessageLength == info.MessageLength, "the MSRP message alone does not parse the same");
            Check(MsrpMessageParser.Parse(whole[..^1], limits, out _).Error == MsrpParseError.Incomplete, "an MSRP message cut by one byte is not Incomplete");
        }
        else
        {
            Check(result.Offset >= 0 && result.Offset <= input.Length, "MSRP error offset outside the input");
        }

        var bytes = input.ToArray();
        FrameFirstMessage(new ReadOnlySequence<byte>(bytes), result, info, limits);
        if (bytes.Length >= 3)
        {
            FrameFirstMessage(ThreeSegments(bytes), result, info, limits);
        }

        var reader = new MsrpReader(input, limits);
        Span<byte> text = stackalloc byte[64];
        if (reader.ReadStartLine(out _))
        {
            int count = 0;
            while (reader.ReadHeader(out var h))
            {
                Check(++count <= limits.MaxHeaderCount, "MSRP reader returned more headers than the limit");
                Check(h.ValueOffset >= h.NameOffset && h.ValueOffset + h.Value.Length <= input.Length, "MSRP header value outside the input");
                var uris = new MsrpPathEnumerator(h.Value);
                int steps = 0;
                while (uris.MoveNext())
                {
                    Check(++steps <= h.Value.Length, "MSRP path enumeration did not advance");
                    if (MsrpUriParser.TryParse(uris.Current, out var parts, out int at) == MsrpParseError.None)
                    {
                        Check(parts.Port >= -1 && parts.Port <= 65535, "MSRP URI port out of range");
                        Check(MsrpUriParser.UriEquals(uris.Current, uris.Current), "an MSRP URI differs from itself");
                        Check(MsrpUri.TryParse(uris.Current, out var owned) && owned.Matches(uris.Current) && MsrpUri.Parse(owned.ToString()).Equals(owned), "owned MSRP URI does not round-trip");
                    }
                    else
                    {
                        Check(at >= 0 && at <= uris.Current.Length, "MSRP URI error offset outside the URI");
                    }
                }
                if (MsrpByteRange.TryParse(h.Value, out var range))
                {
                    Check(range.TryFormat(text, out int n) && MsrpByteRange.TryParse(text[..n], out var back) && back == range, "Byte-Range does not round-trip");
                }
                _ = MsrpValueParsers.TryParseStatus(h.Value, out _, out _, out _);
                _ = MsrpValueParsers.TryParseReport(h.Value, true, out _);
            }
            if (reader.IsAtEndLine)
            {
                _ = reader.ReadEndLine(out _);
            }
        }
    }

    private static void FrameFirstMessage(ReadOnlySequence<byte> buffer, MsrpParseResult expected, MsrpMessageInfo info, MsrpLimits limits)
    {
        var frames = new MsrpFrameReader(limits);
        long body = 0;
        bool inBody = false;
        int calls = 0;
        while (true)
        {
            Check(++calls <= 4 + (2 * (int)Math.Min(buffer.Length + 1, int.MaxValue / 4)), "MSRP frame reader does not make progress");
            long before = buffer.Length;
            var status = frames.TryRead(ref buffer, out var frame);
            if (status == OperationStatus.InvalidData)
            {
                Check(!expected.IsSuccess && expected.Error != MsrpParseError.Incomplete && frames.Error == expected, "MSRP frame reader failed where the parser did not");
                return;
            }
            if (status == OperationStatus.NeedMoreData)
            {
                Check(expected.Error == MsrpParseError.Incomplete, "MSRP frame reader waits where the parser decided");
                Check(before == buffer.Length, "MSRP frame reader consumed bytes and asked for more");
                Check(!inBody || buffer.Length < limits.EndLineWindow, "MSRP frame reader held back more than an end-line");
                return;
            }
            Check(buffer.Length < before, "MSRP frame reader produced a frame without consuming");
            switch (frame.Kind)
            {
                case MsrpFrameKind.Head:
                    inBody = frame.HasBody;
                    break;
                case MsrpFrameKind.Body:
                    Check(frame.BodyOffset == body, "MSRP body slices out of order");
                    body += frame.Body.Length;
                    break;
                case MsrpFrameKind.End:
                    Check(expected.IsSuccess && frame.BodyLength == info.BodyLength && body == info.BodyLength && frame.Continuation == info.Continuation && frame.MessageLength == info.MessageLength, "MSRP frame reader and parser disagree");
                    return;
            }
        }
    }

    private static ReadOnlySequence<byte> ThreeSegments(byte[] bytes)
    {
        int a = bytes.Length / 3, b = 2 * bytes.Length / 3;
        var first = new FuzzSegment(bytes.AsMemory(0, a), null);
        var second = new FuzzSegment(bytes.AsMemory(a, b - a), first);
        var third = new FuzzSegment(bytes.AsMemory(b), second);
        return new ReadOnlySequence<byte>(first, 0, third, third.Memory.Length);
    }

    private sealed class FuzzSegment : ReadOnlySequenceSegment<byte>
    {
        public FuzzSegment(ReadOnlyMemory<byte> memory, FuzzSegment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                previous.Next = this;
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
            }
        }
    }

    private static void Via(ReadOnlySpan<byte> input)
    {
        int pos = 0;
        while (pos < input.Length)
        {
            int before = pos;
            var err = SipViaParser.TryParseNext(input, ref pos, out var via, out int errorAt);
            if (err != SipParseError.None)
            {
                Check(errorAt >= 0 && errorAt <= input.Length, "Via error offset outside the input");
                break;
            }
            Check(pos > before && pos <= input.Length, "Via list did not advance");
            _ = via.Branch;
            _ = via.Received;
            _ = via.MAddr;
            _ = via.TryGetRPort(out _);
            _ = via.Host.Length + via.Transport.Length;
            Check(via.Port >= -1 && via.Port <= 65535, "Via port out of range");
            Parameters(via.Parameters);
        }
        _ = SipViaParser.TryParseFirst(input, out _);
    }

    private static void Parameters(ReadOnlySpan<byte> parameters)
    {
        _ = SipParameters.Validate(parameters, out _);
        int steps = 0;
        foreach (var p in new SipParameterEnumerator(parameters))
        {
            Check(++steps <= parameters.Length, "parameter enumeration did not advance");
            _ = p.Name.Length + p.Value.Length;
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(what);
        }
    }
}

/// <summary>A parser broke a promise of its API on some input (a crash for the fuzzer, like any exception).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);
