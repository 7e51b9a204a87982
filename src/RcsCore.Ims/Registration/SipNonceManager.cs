using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace RcsCore.Ims.Registration;

/// <summary>How a received nonce checks out.</summary>
internal enum SipNonceState : byte
{
    /// <summary>Not issued by this server (or altered).</summary>
    Unknown = 0,
    /// <summary>Issued here and within its lifetime.</summary>
    Fresh = 1,
    /// <summary>Issued here but past its lifetime: challenge again with stale=true (RFC 7616 §3.3).</summary>
    Stale = 2,
}

/// <summary>
/// The nc values seen with one nonce (RFC 7616 §3.4: the server detects replays by nc growing per nonce; §5.12).
/// With a qop, each request must have a higher nc than any seen before; without (RFC 2069 form) a nonce is single-use.
/// </summary>
internal sealed class SipNonceCounter(long issuedTicks)
{
    private readonly Lock _lock = new();
    private uint _highest;
    private bool _usedWithoutQop;

    public long IssuedTicks { get; } = issuedTicks;

    public bool TryAccept(uint nonceCount, bool hasQop)
    {
        lock (_lock)
        {
            if (!hasQop)
            {
                if (_usedWithoutQop || _highest != 0)
                {
                    return false;
                }
                _usedWithoutQop = true;
                return true;
            }
            if (nonceCount <= _highest || _usedWithoutQop)
            {
                return false;
            }
            _highest = nonceCount;
            return true;
        }
    }
}

/// <summary>
/// Issues and checks Digest nonces: base64url(issued-at ticks ‖ 8 random bytes ‖ HMAC-SHA-256 truncated to 16 bytes)
/// under a per-process key, so authenticity and age are checked without state; nc replay state is kept per nonce
/// for its lifetime (then the nonce is stale anyway).
/// </summary>
internal sealed class SipNonceManager
{
    private const int PurgeEvery = 1024;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly ConcurrentDictionary<string, SipNonceCounter> _counters = new(StringComparer.Ordinal);
    private int _accepted;

    public SipNonceManager(TimeProvider time, TimeSpan lifetime)
    {
        _time = time;
        _lifetime = lifetime;
    }

    public int TrackedCount => _counters.Count;

    public string Issue()
    {
        Span<byte> raw = stackalloc byte[32];
        BinaryPrimitives.WriteInt64BigEndian(raw, _time.GetUtcNow().UtcTicks);
        RandomNumberGenerator.Fill(raw.Slice(8, 8));
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, raw[..16], mac);
        mac[..16].CopyTo(raw[16..]);
        return Base64Url(raw);
    }

    public SipNonceState Check(string nonce, out long issuedTicks)
    {
        issuedTicks = 0;
        Span<byte> raw = stackalloc byte[33];
        if (nonce.Length != 43 || !TryFromBase64Url(nonce, raw, out int n) || n != 32)
        {
            return SipNonceState.Unknown;
        }
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, raw[..16], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..16], raw.Slice(16, 16)))
        {
            return SipNonceState.Unknown;
        }
        issuedTicks = BinaryPrimitives.ReadInt64BigEndian(raw);
        long age = _time.GetUtcNow().UtcTicks - issuedTicks;
        return age < 0 || age > _lifetime.Ticks ? SipNonceState.Stale : SipNonceState.Fresh;
    }

    /// <summary>Records the nc of a request with a fresh nonce; false for a replay (reused or lower nc).</summary>
    public bool TryAcceptCount(string nonce, long issuedTicks, uint nonceCount, bool hasQop)
    {
        if (Interlocked.Increment(ref _accepted) % PurgeEvery == 0)
        {
            Purge();
        }
        return _counters.GetOrAdd(nonce, static (_, t) => new SipNonceCounter(t), issuedTicks).TryAccept(nonceCount, hasQop);
    }

    /// <summary>Forgets counters of nonces past their lifetime (they are refused as stale before the count matters).</summary>
    public void Purge()
    {
        long oldest = _time.GetUtcNow().UtcTicks - _lifetime.Ticks;
        foreach (var pair in _counters)
        {
            if (pair.Value.IssuedTicks < oldest)
            {
                _counters.TryRemove(pair);
            }
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryFromBase64Url(string text, Span<byte> destination, out int written)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch
        {
            2 => "==",
            3 => "=",
            _ => string.Empty,
        };
        return Convert.TryFromBase64String(s, destination, out written);
    }
}
