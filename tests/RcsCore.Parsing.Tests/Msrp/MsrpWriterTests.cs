using System.Buffers;
using System.Text;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>MsrpWriter, MsrpChunker and MsrpTransactionId (RFC 4975 §5.1, §7.1, §7.1.1, §7.2).</summary>
public class MsrpWriterTests
{
    private static byte[] Written(Action<MsrpWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new MsrpWriter(output));
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void ReproducesCorpusMessagesByteForByte()
    {
        var report = Written(w =>
        {
            w.WriteRequestLine("yh67"u8, MsrpMethod.Report);
            w.WritePath(MsrpHeaderName.ToPath, [MsrpUri.Parse("msrps://b.example.net:9000/aeiug;tcp"), MsrpUri.Parse("msrps://a.example.org:9000/kjfjan;tcp"), MsrpUri.Parse("msrps://alice.example.org:7965/bar;tcp")]);
            w.WritePath(MsrpHeaderName.FromPath, [MsrpUri.Parse("msrps://bob.example.net:8145/foo;tcp")]);
            w.WriteHeader(MsrpHeaderName.MessageId, "87652");
            w.WriteByteRange(new MsrpByteRange(1, 39, 39));
            w.WriteStatus(200, "OK");
            w.WriteEndLine("yh67"u8, MsrpContinuation.Complete);
        });
        Assert.Equal(MsrpCorpusTests.Bytes("rfc4976-s3-report-hop1.msrp"), report);

        var send = Written(w =>
        {
            w.WriteRequestLine("a786hjs2", "SEND");
            w.WriteHeader(MsrpHeaderName.ToPath, "msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp");
            w.WriteHeader(MsrpHeaderName.FromPath, "msrp://atlanta.example.com:7654/jshA7weztas;tcp");
            w.WriteHeader(MsrpHeaderName.MessageId, "87652491"u8);
            w.WriteByteRange(new MsrpByteRange(1, 25, 25));
            w.WriteHeader(MsrpHeaderName.ContentType, "text/plain");
            w.WriteBody("Hey Bob, are you there?"u8, "a786hjs2"u8);
            w.WriteEndLine("a786hjs2"u8, MsrpContinuation.Complete);
        });
        Assert.Equal(MsrpCorpusTests.Bytes("rfc4975-s4-send1.msrp"), send);

        var unauthorized = Written(w =>
        {
            w.WriteResponseLine("49fh", 401, "Unauthorized");
            w.WriteHeader(MsrpHeaderName.ToPath, "msrps://alice.example.com:9892/98cjs;tcp");
            w.WriteHeader(MsrpHeaderName.FromPath, "msrps://alice@intra.example.com;tcp");
            w.WriteHeader("WWW-Authenticate", "Digest realm=\"intra.example.com\", qop=\"auth\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
            w.WriteEndLine("49fh"u8, MsrpContinuation.Complete);
        });
        Assert.Equal(MsrpCorpusTests.Bytes("rfc4976-s5.1-auth1-401.msrp"), unauthorized);
    }

    [Fact]
    public void RefusesWhatWouldBreakFraming()
    {
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteBody("a\r\n-------t1234$\r\n"u8, "t1234"u8)));
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteBody("-------t1234#"u8, "t1234"u8)));
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteHeader(MsrpHeaderName.MessageId, "a\r\nInjected: x")));
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteHeader("Bad Name", "x")));
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteRequestLine("t1234"u8, "send"u8)));
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteRequestLine("-bad"u8, MsrpMethod.Send)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => w.WriteResponseLine("t1", 1000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => w.WriteEndLine("t1"u8, MsrpContinuation.None)));
        Assert.Throws<ArgumentException>(() => Written(w => w.WriteReport(MsrpHeaderName.SuccessReport, MsrpReportMode.Partial)));
        Assert.False(MsrpWriter.ContainsEndLine("-------t1234x -------t123$"u8, "t1234"u8));
        Assert.True(MsrpWriter.ContainsEndLine("xx-------t1234+"u8, "t1234"u8));
    }

    [Fact]
    public void ChunkerCoversTheContentWithByteRanges()
    {
        var known = new MsrpChunker(2048, 5000);
        var chunks = new List<MsrpChunk>();
        while (known.TryGetNext(out var c))
        {
            chunks.Add(c);
        }
        Assert.Equal(["1-2048/5000", "2049-4096/5000", "4097-5000/5000"], chunks.Select(c => c.ByteRange.ToString()));
        Assert.Equal([MsrpContinuation.More, MsrpContinuation.More, MsrpContinuation.Complete], chunks.Select(c => c.Continuation));
        Assert.Equal([0L, 2048L, 4096L], chunks.Select(c => c.Offset));
        Assert.True(known.IsComplete);

        var stream = new MsrpChunker(1000);
        Assert.Equal("1-1000/*", stream.Next(1000, false).ByteRange.ToString());
        Assert.Equal("1001-1500/1500", stream.Next(500, true).ByteRange.ToString());
        Assert.Throws<InvalidOperationException>(() => stream.Next(1, true));

        var empty = new MsrpChunker(10, 0);
        Assert.True(empty.TryGetNext(out var only));
        Assert.Equal("1-0/0", only.ByteRange.ToString());
        Assert.Equal(MsrpContinuation.Complete, only.Continuation);
        Assert.False(empty.TryGetNext(out _));

        Assert.Equal("1-*/100", MsrpByteRange.ForChunk(0, 10, 100, endKnown: false).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsrpChunker(10, 100).Next(11, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsrpChunker(10, 100).Next(10, true));
    }

    [Theory]
    [InlineData(0, 2048)]
    [InlineData(1, 2048)]
    [InlineData(10_000, 2048)]
    [InlineData(10_000, 7)]
    public void ChunkedSendsReassembleThroughTheFrameReader(int size, int chunkSize)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        var output = new ArrayBufferWriter<byte>();
        var chunker = new MsrpChunker(chunkSize, size);
        var messageId = MsrpTransactionId.Create();
        Span<byte> tid = stackalloc byte[MsrpTransactionId.DefaultLength];
        while (chunker.TryGetNext(out var chunk))
        {
            MsrpTransactionId.Fill(tid);
            var data = content.AsSpan((int)chunk.Offset, chunk.Length);
            new MsrpWriter(output).WriteSend(tid, "msrp://b.example.com:1/s2;tcp", "msrp://a.example.com:2/s1;tcp", messageId, chunk, "application/octet-stream", data, failureReport: MsrpReportMode.No);
        }
        var stream = output.WrittenSpan.ToArray();
        var run = MsrpTestDriver.Drive(stream, Enumerable.Range(1, stream.Length / 997).Select(i => i * 997));
        Assert.False(run.Failed, run.Error.Message);
        var rebuilt = new byte[size];
        foreach (var m in run.Messages)
        {
            var range = m.HandlerLog.Select(l => l.Split('\u0001')).Single(c => c[0] == nameof(MsrpHeaderName.ByteRange))[2];
            Assert.True(MsrpByteRange.TryParse(Encoding.ASCII.GetBytes(range), out var r));
            m.Body.ToArray().CopyTo(rebuilt, r.Start - 1);
            Assert.Equal(r.Length, m.BodyLength);
        }
        Assert.Equal(content, rebuilt);
        Assert.Equal(MsrpContinuation.Complete, run.Messages[^1].Continuation);
        Assert.All(run.Messages.SkipLast(1), m => Assert.Equal(MsrpContinuation.More, m.Continuation));
    }

    [Fact]
    public void TransactionIdsAreRandomAlphanumericIdents()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => MsrpTransactionId.Create()).ToList();
        Assert.Equal(1000, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Equal(16, id.Length);
            Assert.True(id.All(char.IsAsciiLetterOrDigit));
            Assert.True(MsrpValueParsers.IsIdent(Encoding.ASCII.GetBytes(id), strict: true));
        });
        // Every symbol of the 62 shows up: the choice is not restricted to a subset.
        Assert.Equal(62, ids.SelectMany(c => c).Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => MsrpTransactionId.Create(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => MsrpTransactionId.Create(33));
        Assert.Equal(32, MsrpTransactionId.Create(32).Length);
    }
}
