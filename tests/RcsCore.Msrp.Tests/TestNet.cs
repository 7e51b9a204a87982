using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using RcsCore.Transport;
using Xunit;

namespace RcsCore.Msrp.Tests;

/// <summary>Loopback helpers: every wait is bounded.</summary>
internal static class TestNet
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static CancellationToken Bounded(TimeSpan? timeout = null)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? Timeout);
        return cts.Token;
    }

    public static X509Certificate2 SelfSigned(string name = "localhost")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        san.AddIpAddress(IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public static MsrpEndpoint Endpoint(bool tls = false, TimeProvider? time = null, TimeSpan? transactionTimeout = null, int chunkSize = 64 * 1024, SocketConnectionOptions? socket = null, int maxChunkSize = 1024 * 1024) =>
        MsrpEndpoint.Start(new MsrpEndpointOptions
        {
            Tls = tls ? new TlsServerOptions(SelfSigned()) : null,
            TimeProvider = time ?? TimeProvider.System,
            TransactionTimeout = transactionTimeout ?? TimeSpan.FromSeconds(30),
            ChunkSize = chunkSize,
            MaxChunkSize = maxChunkSize,
            Socket = socket,
        });

    /// <summary>Offer/answer without SIP: b answers passive, a (offerer) connects and binds (RFC 4975 §5.4).</summary>
    public static async Task<(MsrpSession A, MsrpSession B)> PairAsync(MsrpEndpoint ea, MsrpEndpoint eb, MsrpSessionOptions? ao = null, MsrpSessionOptions? bo = null)
    {
        var a = ea.CreateSession(ao);
        var b = eb.CreateSession(bo);
        var ct = Bounded();
        await b.StartAsync(a.LocalDescription, active: false, ct);
        await a.StartAsync(b.LocalDescription, active: true, ct);
        await b.WhenBound.WaitAsync(ct);
        return (a, b);
    }
}

/// <summary>A hand-driven MSRP peer on a raw socket, for wire-level checks (text bodies only).</summary>
internal sealed partial class RawMsrpPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StringBuilder _pending = new();

    public RawMsrpPeer(Socket socket) => _socket = socket;

    public static async Task<RawMsrpPeer> ConnectAsync(IPEndPoint ep)
    {
        var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(ep, TestNet.Bounded());
        return new RawMsrpPeer(s);
    }

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), SocketFlags.None, TestNet.Bounded()).AsTask();

    /// <summary>Reads one whole message (start line through its end-line), or null when the time runs out or the peer closes.</summary>
    public async Task<string?> ReadMessageAsync(TimeSpan? timeout = null)
    {
        var ct = TestNet.Bounded(timeout);
        var buf = new byte[65536];
        while (true)
        {
            var text = _pending.ToString();
            var m = StartLine().Match(text);
            if (m.Success)
            {
                string end = "-------" + m.Groups[1].Value;
                int at = text.IndexOf(end, StringComparison.Ordinal);
                if (at >= 0 && text.Length >= at + end.Length + 3)
                {
                    int length = at + end.Length + 3;
                    _pending.Remove(0, length);
                    return text[..length];
                }
            }
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buf, SocketFlags.None, ct);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (SocketException)
            {
                return null;
            }
            if (n == 0)
            {
                return null;
            }
            _pending.Append(Encoding.UTF8.GetString(buf, 0, n));
        }
    }

    public static string? Header(string message, string name)
    {
        foreach (var line in message.Split("\r\n"))
        {
            if (line.StartsWith(name + ": ", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 2)..];
            }
        }
        return null;
    }

    public static string Tid(string message) => message.Split(' ', 3)[1];

    /// <summary>The 200 a hop answers (RFC 4975 §7.2).</summary>
    public static string Ok(string request, int status = 200, string reason = "OK")
    {
        string tid = Tid(request);
        string from = Header(request, "From-Path")!.Split(' ')[0];
        string to = Header(request, "To-Path")!.Split(' ')[0];
        return $"MSRP {tid} {status} {reason}\r\nTo-Path: {from}\r\nFrom-Path: {to}\r\n-------{tid}$\r\n";
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await Task.CompletedTask;
    }

    [GeneratedRegex(@"^MSRP (\S+) ")]
    private static partial Regex StartLine();
}

/// <summary>A deterministic pseudo-random stream of a given length (xorshift), hashing what it yields.</summary>
internal sealed class PatternStream : Stream
{
    private readonly long _length;
    private readonly bool _seekable;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong _state;
    private long _position;

    public PatternStream(long length, ulong seed = 0x9E3779B97F4A7C15, bool seekable = true)
    {
        _length = length;
        _seekable = seekable;
        _state = seed;
    }

    public byte[] Hash() => _hash.GetCurrentHash();

    public override bool CanRead => true;

    public override bool CanSeek => _seekable;

    public override bool CanWrite => false;

    public override long Length => _seekable ? _length : throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, _length - _position);
        var span = buffer[..n];
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(span[i..], _state);
        }
        for (; i < n; i++)
        {
            span[i] = (byte)(_position + i);
        }
        _hash.AppendData(span);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _hash.Dispose();
        base.Dispose(disposing);
    }
}
