using System.Security.Cryptography;

namespace RcsCore.Tests.Common;

/// <summary>
/// A seekable read-only stream of <c>length</c> deterministic pseudo-random bytes generated on the fly (nothing held
/// in memory); optionally throws an IOException once when a read passes <c>failAt</c>, like a connection that breaks.
/// <c>beforeFailure</c> holds the failure back until it is true (e.g. until the server has written some bytes), so
/// that a test of resume does not depend on how far the server had read when the connection was reset.
/// </summary>
public sealed class GeneratedStream(long length, long failAt = -1, Func<bool>? beforeFailure = null) : Stream
{
    private long _position;
    private bool _failed;

    public int Reads { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public static byte At(long position)
    {
        ulong x = (ulong)position * 0x9E3779B97F4A7C15UL;
        return (byte)((x >> 29) ^ (x >> 47));
    }

    public static byte[] HashOf(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new GeneratedStream(length);
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        return hash.GetHashAndReset();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        if (failAt >= 0 && !_failed && _position >= failAt)
        {
            _failed = true;
            // Bounded (10 s): hold the failure back until the condition holds.
            for (int i = 0; beforeFailure is not null && i < 1000 && !beforeFailure(); i++)
            {
                Thread.Sleep(10);
            }
            throw new IOException("simulated broken connection");
        }

        int n = (int)Math.Min(buffer.Length, length - _position);
        for (int i = 0; i < n; i++)
        {
            buffer[i] = At(_position + i);
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

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

/// <summary>A write-only sink that hashes what it gets.</summary>
public sealed class HashingStream : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public byte[] Hash() => _hash.GetCurrentHash();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _length += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
