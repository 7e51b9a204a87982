using System.Buffers;
using BenchmarkDotNet.Attributes;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Benchmarks;

/// <summary>
/// MSRP message layer (RFC 4975) on a SEND chunk: 7 headers and a 2 KB text body with line breaks, against a floor
/// of one vectorised search for the end-line over the same bytes (any MSRP framer must find it). Every reader path
/// must allocate 0 B (STYLE.md §3).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class MsrpParserBenchmarks
{
    private static readonly byte[] s_tid = "Xk3vQ9tLm2Rw8Zp1"u8.ToArray();
    private byte[] _send = [];
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _segmented;

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

    private struct NoopHandler : IMsrpMessageHandler
    {
        public int Count;

        public void OnStartLine(scoped in MsrpStartLine startLine) => Count += startLine.TransactionId.Length;

        public void OnHeader(scoped in MsrpHeaderField header) => Count += header.Value.Length;
    }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(4975);
        var body = new byte[2048];
        for (int i = 0; i < body.Length; i++)
        {
            body[i] = (byte)(i % 72 == 71 ? '\n' : i % 72 == 70 ? '\r' : 'a' + rng.Next(26));
        }
        var output = new ArrayBufferWriter<byte>();
        var w = new MsrpWriter(output);
        w.WriteRequestLine(s_tid, MsrpMethod.Send);
        w.WriteHeader(MsrpHeaderName.ToPath, "msrp://bobpc.example.com:8888/9di4eae923wzd;tcp");
        w.WriteHeader(MsrpHeaderName.FromPath, "msrp://alicepc.example.com:7654/iau39soe2843z;tcp");
        w.WriteHeader(MsrpHeaderName.MessageId, "12339sdqwer");
        w.WriteReport(MsrpHeaderName.SuccessReport, MsrpReportMode.Yes);
        w.WriteReport(MsrpHeaderName.FailureReport, MsrpReportMode.No);
        w.WriteByteRange(new MsrpByteRange(1, 2048, 4385));
        w.WriteHeader(MsrpHeaderName.ContentType, "text/plain");
        w.WriteBody(body, s_tid);
        w.WriteEndLine(s_tid, MsrpContinuation.More);
        _send = output.WrittenSpan.ToArray();
        _single = new ReadOnlySequence<byte>(_send);
        // Three segments, as a socket may deliver it: the cuts fall in the headers and in the body.
        var a = new Segment(_send.AsMemory(0, 100), null);
        var b = new Segment(_send.AsMemory(100, 1400), a);
        var c = new Segment(_send.AsMemory(1500), b);
        _segmented = new ReadOnlySequence<byte>(a, 0, c, c.Memory.Length);

        if (Parse() != 2048 || FrameReader() != 2048 || FrameReaderSegmented() != 2048)
        {
            throw new InvalidOperationException("the benchmark message does not parse to its 2 KB body");
        }
    }

    /// <summary>The floor: one search for "CRLF -------tid" over the chunk.</summary>
    [Benchmark(Baseline = true)]
    public int ScanFloor()
    {
        Span<byte> pattern = stackalloc byte[9 + 16];
        "\r\n-------"u8.CopyTo(pattern);
        s_tid.CopyTo(pattern[9..]);
        return _send.AsSpan().IndexOf(pattern);
    }

    /// <summary>Whole-message parse and validation (<see cref="MsrpMessageParser"/>): every header checked, body found.</summary>
    [Benchmark]
    public int Parse()
    {
        var handler = default(NoopHandler);
        var result = MsrpMessageParser.Parse(_send, MsrpLimits.Default, ref handler, out var info);
        return result.IsSuccess ? info.BodyLength : -1;
    }

    /// <summary>The streaming reader over one segment: Head (handler called), Body, End.</summary>
    [Benchmark]
    public long FrameReader() => Frame(_single);

    /// <summary>The streaming reader over three segments (the header section straddles a boundary and is linearised).</summary>
    [Benchmark]
    public long FrameReaderSegmented() => Frame(_segmented);

    private static long Frame(ReadOnlySequence<byte> buffer)
    {
        var frames = new MsrpFrameReader(MsrpLimits.Default);
        var handler = default(NoopHandler);
        long body = 0;
        while (frames.TryRead(ref buffer, ref handler, out var frame) == OperationStatus.Done)
        {
            if (frame.Kind == MsrpFrameKind.Body)
            {
                body += frame.Body.Length;
            }
            else if (frame.Kind == MsrpFrameKind.End)
            {
                return body;
            }
        }
        return -1;
    }
}
