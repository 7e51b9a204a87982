using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>A large chunk streams through the frame reader in small segments without being held (RFC 4975 §7.1).</summary>
public class MsrpStreamingTests
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

    [Fact]
    public void FiftyMegabyteBodyStreamsWithABoundedHoldBack()
    {
        const int BodySize = 50 * 1024 * 1024;
        var tid = "Xk3vQ9tLm2Rw8Zp1"u8.ToArray();
        var rng = new Random(4975);
        var body = new byte[BodySize];
        rng.NextBytes(body);
        // Sprinkle line ends, dash runs and near-end-lines so the search meets many candidates.
        var traps = new[] { "\r\n", "\r\n-------", "\r\n-------Xk3vQ9tLm2Rw8Zp", "\r\n-------Xk3vQ9tLm2Rw8Zp1x", "-------" }.Select(Encoding.ASCII.GetBytes).ToArray();
        for (int i = 0; i < 20_000; i++)
        {
            var t = traps[rng.Next(traps.Length)];
            t.CopyTo(body, rng.Next(BodySize - t.Length));
        }
        Assert.False(MsrpWriter.ContainsEndLine(body, tid));
        // The body ends with a partial end-line too: the reader must hold it back until the real one arrives.
        "\r\n-------Xk3vQ9"u8.CopyTo(body.AsSpan(BodySize - 15));

        var output = new ArrayBufferWriter<byte>(BodySize + 1024);
        var w = new MsrpWriter(output);
        w.WriteRequestLine(tid, MsrpMethod.Send);
        w.WriteHeader(MsrpHeaderName.ToPath, "msrp://bob.example.com:8888/9di4eae923wzd;tcp");
        w.WriteHeader(MsrpHeaderName.FromPath, "msrp://alice.example.com:7777/iau39soe2843z;tcp");
        w.WriteHeader(MsrpHeaderName.MessageId, "m1");
        w.WriteByteRange(new MsrpByteRange(1, BodySize, BodySize));
        w.WriteHeader(MsrpHeaderName.ContentType, "application/octet-stream");
        w.WriteBody(body, tid);
        w.WriteEndLine(tid, MsrpContinuation.Complete);
        var wire = output.WrittenMemory;

        var reader = new MsrpFrameReader(null);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var live = new List<(int Start, int End)>();
        int received = 0, consumed = 0, headLength = -1, frames = 0;
        long maxHeldInBody = 0, maxHeldBeforeHead = 0, bodyBytes = 0;
        MsrpContinuation flag = MsrpContinuation.None;
        while (received < wire.Length)
        {
            // Segments of 1..4096 bytes arrive (1..39 until the head is read, so it straddles several); each read
            // sees all unconsumed segments, as a PipeReader does.
            int n = Math.Min(headLength < 0 ? rng.Next(1, 40) : rng.Next(1, 4097), wire.Length - received);
            live.Add((received, received + n));
            received += n;
            live.RemoveAll(s => s.End <= consumed);
            Segment? first = null, last = null;
            foreach (var (s, e) in live)
            {
                int from = Math.Max(s, consumed);
                last = new Segment(wire[from..e], last);
                first ??= last;
            }
            var buffer = new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
            while (true)
            {
                var status = reader.TryRead(ref buffer, out var frame);
                Assert.NotEqual(OperationStatus.InvalidData, status);
                if (status == OperationStatus.NeedMoreData)
                {
                    if (headLength < 0)
                    {
                        maxHeldBeforeHead = Math.Max(maxHeldBeforeHead, buffer.Length);
                    }
                    else
                    {
                        maxHeldInBody = Math.Max(maxHeldInBody, buffer.Length);
                    }
                    break;
                }
                frames++;
                switch (frame.Kind)
                {
                    case MsrpFrameKind.Head:
                        headLength = frame.HeaderLength;
                        Assert.Equal(BodySize, frame.ByteRange.Total);
                        break;
                    case MsrpFrameKind.Body:
                        Assert.Equal(bodyBytes, frame.BodyOffset);
                        foreach (var m in frame.Body)
                        {
                            hash.AppendData(m.Span);
                        }
                        bodyBytes += frame.Body.Length;
                        break;
                    case MsrpFrameKind.End:
                        flag = frame.Continuation;
                        Assert.Equal(BodySize, frame.BodyLength);
                        Assert.Equal(wire.Length, frame.MessageLength);
                        break;
                }
            }
            consumed = received - (int)buffer.Length;
        }

        Assert.Equal(MsrpContinuation.Complete, flag);
        Assert.Equal(wire.Length, consumed);
        Assert.Equal(BodySize, bodyBytes);
        Assert.Equal(SHA256.HashData(body), hash.GetHashAndReset());
        // Inside the body the reader never keeps more than a possible end-line start (CRLF, 7 dashes, id, flag, CR).
        Assert.InRange(maxHeldInBody, 1, 2 + 7 + tid.Length + 1 + 1);
        Assert.InRange(maxHeldBeforeHead, 1, headLength);
        Assert.True(frames > BodySize / 4096, "the body arrived in many slices, as it streamed");
    }
}
