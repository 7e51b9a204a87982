using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace RcsCore.Benchmarks;

/// <summary>The bytes the throughput benchmarks move: one 1 MiB random block (seed 42), repeated.</summary>
internal static class BenchData
{
    public static byte[] Block { get; } = CreateBlock();

    private static byte[] CreateBlock()
    {
        var block = new byte[1024 * 1024];
        new Random(42).NextBytes(block);
        return block;
    }
}

/// <summary><c>length</c> bytes repeating <c>block</c> as one buffer sequence: every segment is the block itself (no copy).</summary>
internal sealed class RepeatSequence : ReadOnlySequenceSegment<byte>
{
    private RepeatSequence(byte[] block, long runningIndex)
    {
        Memory = block;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Create(byte[] block, long length)
    {
        var first = new RepeatSequence(block, 0);
        var last = first;
        for (long at = block.Length; at < length; at += block.Length)
        {
            var next = new RepeatSequence(block, at);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, (int)(length - last.RunningIndex));
    }
}

/// <summary>A seekable read-only stream of <c>length</c> bytes repeating <c>block</c> (no per-read allocation or generation cost).</summary>
internal sealed class RepeatStream(byte[] block, long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int offsetInBlock = (int)(_position % block.Length);
        int n = (int)Math.Min(Math.Min(buffer.Length, block.Length - offsetInBlock), length - _position);
        block.AsSpan(offsetInBlock, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// The raw baseline of the TCP throughput benchmarks: a connected loopback socket pair; <see cref="CopyAsync"/> sends
/// a block repeatedly on one side and receives into a 64 KiB buffer on the other.
/// </summary>
internal sealed class RawSocketPair : IDisposable
{
    private readonly Socket _listener;
    private readonly Socket _client;
    private readonly Socket _server;
    private byte[]? _pieceA;
    private byte[]? _pieceB;

    public RawSocketPair()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _client.Connect(_listener.LocalEndPoint!);
        _server = _listener.Accept();
    }

    /// <summary>Copies <paramref name="size"/> bytes (whole blocks) from client to server; returns the bytes received.</summary>
    public async Task<long> CopyAsync(byte[] block, long size)
    {
        var receive = ReceiveAsync(size, endLine: null);
        for (long sent = 0; sent < size; sent += block.Length)
        {
            await _client.SendAsync(block, SocketFlags.None);
        }
        return await receive;
    }

    /// <summary>
    /// The least any RFC 4975 sender and receiver must add to <see cref="CopyAsync"/>: the sender checks what it
    /// sends for the end-line (§7.1: it must not occur in the body) and the receiver scans what it reads for it (an
    /// interrupted chunk ends before its Byte-Range end, so the receiver cannot skip the scan). Without a
    /// <paramref name="source"/> the sender scans and sends the block by reference; with one it also reads the
    /// stream (the copy a Stream source costs), into two 1 MiB buffers in turn so reading one overlaps sending the
    /// other. No heads, responses or framing.
    /// </summary>
    public async Task<long> CopyWithScansAsync(byte[] block, long size, Stream? source)
    {
        var pattern = "\r\n-------Xq7fT2b9"u8.ToArray();
        var receive = ReceiveAsync(size, pattern);
        byte[][] pieces = source is null ? [block] : [_pieceA ??= new byte[block.Length], _pieceB ??= new byte[block.Length]];
        Task<int>? sending = null;
        int turn = 0;
        for (long sent = 0; sent < size; sent += block.Length)
        {
            var piece = pieces[turn];
            turn = (turn + 1) % pieces.Length;
            source?.ReadExactly(piece);
            if (piece.AsSpan().IndexOf(pattern) >= 0)
            {
                throw new InvalidOperationException("end-line in the body");
            }
            if (sending is not null)
            {
                await sending;
            }
            sending = _client.SendAsync(piece.AsMemory(), SocketFlags.None).AsTask();
        }
        if (sending is not null)
        {
            await sending;
        }
        return await receive;
    }

    /// <summary>Receives <paramref name="size"/> bytes into one 64 KiB buffer, scanning each read for <paramref name="endLine"/> when given.</summary>
    private Task<long> ReceiveAsync(long size, byte[]? endLine) => Task.Run(async () =>
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (total < size)
        {
            int n = await _server.ReceiveAsync(buffer, SocketFlags.None);
            if (endLine is not null && buffer.AsSpan(0, n).IndexOf(endLine) >= 0)
            {
                throw new InvalidOperationException("end-line in the body");
            }
            total += n;
        }
        return total;
    });

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
        _listener.Dispose();
    }
}
