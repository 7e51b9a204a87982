using System.Buffers;
using System.Text;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>One message as the frame reader reported it.</summary>
internal sealed class FramedMessage
{
    public List<string> HandlerLog { get; } = [];
    public MsrpMessageKind Kind { get; set; }
    public MsrpMethod Method { get; set; }
    public int StatusCode { get; set; }
    public bool HasBody { get; set; }
    public int HeaderLength { get; set; }
    public int HeaderCount { get; set; }
    public string TransactionId { get; set; } = "";
    public MemoryStream Body { get; } = new();
    public MsrpContinuation Continuation { get; set; }
    public long BodyLength { get; set; } = -1;
    public long MessageLength { get; set; }
    public bool Ended { get; set; }
}

internal sealed class DriveResult
{
    public List<FramedMessage> Messages { get; } = [];
    public MsrpParseResult Error { get; set; }
    public bool Failed { get; set; }
    /// <summary>Bytes left unconsumed after a NeedMoreData while inside a body (the held-back end-line window).</summary>
    public long MaxHeldInBody { get; set; }
    /// <summary>Bytes left unconsumed after a NeedMoreData before a Head frame.</summary>
    public long MaxHeldBeforeHead { get; set; }
    public long Consumed { get; set; }
    public bool InMessageAtEnd { get; set; }
}

/// <summary>Records the handler calls (start line and headers) as text.</summary>
internal readonly struct RecordingHandler(List<string> log) : IMsrpMessageHandler
{
    public void OnStartLine(scoped in MsrpStartLine startLine) =>
        log.Add($"start {startLine.Kind} {Encoding.ASCII.GetString(startLine.TransactionId)} {startLine.Method} {Encoding.ASCII.GetString(startLine.MethodName)} {startLine.StatusCode} {Encoding.UTF8.GetString(startLine.Comment)}");

    public void OnHeader(scoped in MsrpHeaderField header) =>
        log.Add($"{header.Name}\u0001{Encoding.UTF8.GetString(header.RawName)}\u0001{Encoding.UTF8.GetString(header.Value)}\u0001{header.NameOffset}\u0001{header.ValueOffset}");
}

internal static class MsrpTestDriver
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                previous.Next = this;
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
            }
        }
    }

    /// <summary>A sequence over data[start..end) split at the given absolute cut points (each piece a separate array).</summary>
    public static ReadOnlySequence<byte> Sequence(byte[] data, int start, int end, IEnumerable<int> cuts, bool copy = true)
    {
        var points = cuts.Where(c => c > start && c < end).Distinct().Order().ToList();
        if (points.Count == 0)
        {
            return new ReadOnlySequence<byte>(copy ? data.AsSpan(start, end - start).ToArray() : data.AsMemory(start, end - start));
        }
        Segment? first = null, last = null;
        int s = start;
        foreach (int e in points.Append(end))
        {
            ReadOnlyMemory<byte> piece = copy ? data.AsSpan(s, e - s).ToArray() : data.AsMemory(s, e - s);
            last = new Segment(piece, last);
            first ??= last;
            s = e;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts) => Sequence(data, 0, data.Length, cuts);

    /// <summary>
    /// Feeds <paramref name="data"/> as a pipe would: bytes arrive at the given cumulative offsets (each arrival a new
    /// segment); each read sees everything not yet consumed; the loop calls TryRead until it stops.
    /// </summary>
    public static DriveResult DriveSegments(byte[] data, IEnumerable<int> segmentCuts, MsrpLimits? limits = null) => Drive(data, [], limits, segmentCuts: segmentCuts);

    public static DriveResult Drive(byte[] data, IEnumerable<int> arrivals, MsrpLimits? limits = null, bool copy = true, IEnumerable<int>? segmentCuts = null)
    {
        var result = new DriveResult();
        var reader = new MsrpFrameReader(limits);
        var points = arrivals.Where(a => a > 0 && a < data.Length).Distinct().Order().Append(data.Length).ToList();
        int consumed = 0;
        FramedMessage? current = null;
        var cuts = new List<int>(segmentCuts ?? []);
        foreach (int received in points)
        {
            var buffer = Sequence(data, consumed, received, cuts, copy);
            cuts.Add(received);
            while (true)
            {
                var log = current?.HandlerLog ?? [];
                var handler = new RecordingHandler(log);
                var status = reader.TryRead(ref buffer, ref handler, out var frame);
                if (status == OperationStatus.InvalidData)
                {
                    result.Failed = true;
                    result.Error = reader.Error;
                    result.Consumed = received - buffer.Length;
                    return result;
                }
                if (status == OperationStatus.NeedMoreData)
                {
                    if (reader.IsInMessage && current is { HasBody: true })
                    {
                        result.MaxHeldInBody = Math.Max(result.MaxHeldInBody, buffer.Length);
                    }
                    else if (!reader.IsInMessage)
                    {
                        result.MaxHeldBeforeHead = Math.Max(result.MaxHeldBeforeHead, buffer.Length);
                    }
                    break;
                }
                switch (frame.Kind)
                {
                    case MsrpFrameKind.Head:
                        current = new FramedMessage
                        {
                            Kind = frame.MessageKind,
                            Method = frame.Method,
                            StatusCode = frame.StatusCode,
                            HasBody = frame.HasBody,
                            HeaderLength = frame.HeaderLength,
                            HeaderCount = frame.HeaderCount,
                            TransactionId = Encoding.ASCII.GetString(reader.TransactionId),
                        };
                        current.HandlerLog.AddRange(log);
                        result.Messages.Add(current);
                        break;
                    case MsrpFrameKind.Body:
                        if (frame.BodyOffset != current!.Body.Length || frame.Body.IsEmpty)
                        {
                            throw new InvalidOperationException("body slices out of order or empty");
                        }
                        foreach (var m in frame.Body)
                        {
                            current.Body.Write(m.Span);
                        }
                        break;
                    case MsrpFrameKind.End:
                        current!.Continuation = frame.Continuation;
                        current.BodyLength = frame.BodyLength;
                        current.MessageLength = frame.MessageLength;
                        current.Ended = true;
                        current = null;
                        break;
                }
            }
            consumed = received - (int)buffer.Length;
        }
        result.Consumed = consumed;
        result.InMessageAtEnd = reader.IsInMessage;
        return result;
    }

    /// <summary>What <see cref="MsrpMessageParser.Parse(ReadOnlySpan{byte}, MsrpLimits, out MsrpMessageInfo)"/> says, in the same shape.</summary>
    public static (MsrpParseResult Result, FramedMessage? Message) ParseWhole(byte[] data, MsrpLimits? limits = null)
    {
        var log = new List<string>();
        var handler = new RecordingHandler(log);
        var r = MsrpMessageParser.Parse(data, limits ?? MsrpLimits.Default, ref handler, out var info);
        if (!r.IsSuccess)
        {
            return (r, null);
        }
        var m = new FramedMessage
        {
            Kind = info.Kind,
            Method = info.Method,
            StatusCode = info.StatusCode,
            HasBody = info.HasBody,
            HeaderLength = info.BodyOffset,
            HeaderCount = info.HeaderCount,
            TransactionId = Encoding.ASCII.GetString(data, 5, info.TransactionIdLength),
            Continuation = info.Continuation,
            BodyLength = info.BodyLength,
            MessageLength = info.MessageLength,
            Ended = true,
        };
        m.HandlerLog.AddRange(log);
        m.Body.Write(data, info.BodyOffset, info.BodyLength);
        return (r, m);
    }

    public static void AssertSame(FramedMessage expected, FramedMessage actual, string context)
    {
        void Eq<T>(T a, T b, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                throw new Xunit.Sdk.XunitException($"{context}: {what} differs: expected {a}, got {b}");
            }
        }
        Eq(expected.Kind, actual.Kind, "kind");
        Eq(expected.Method, actual.Method, "method");
        Eq(expected.StatusCode, actual.StatusCode, "status");
        Eq(expected.HasBody, actual.HasBody, "has-body");
        Eq(expected.HeaderCount, actual.HeaderCount, "header count");
        Eq(expected.TransactionId, actual.TransactionId, "tid");
        Eq(expected.Continuation, actual.Continuation, "flag");
        Eq(expected.BodyLength, actual.BodyLength, "body length");
        Eq(expected.MessageLength, actual.MessageLength, "message length");
        Eq(expected.Ended, actual.Ended, "ended");
        Eq(string.Join("\n", expected.HandlerLog), string.Join("\n", actual.HandlerLog), "handler log");
        if (!expected.Body.ToArray().AsSpan().SequenceEqual(actual.Body.ToArray()))
        {
            throw new Xunit.Sdk.XunitException($"{context}: body bytes differ");
        }
    }
}
