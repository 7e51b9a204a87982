using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace RcsCore.Ims.Authentication;

/// <summary>The outcome of checking Digest credentials on the server side.</summary>
public enum SipDigestVerifyResult : byte
{
    /// <summary>The response matches: the client knows the password (or AKA RES).</summary>
    Valid = 0,
    /// <summary>The response does not match (wrong password, tampered parameter, other body with auth-int).</summary>
    ResponseMismatch = 1,
    /// <summary>The credentials name an algorithm this stack does not implement.</summary>
    UnsupportedAlgorithm = 2,
    /// <summary>A parameter the computation needs is absent (cnonce for a -sess algorithm, the user name for a hashed one).</summary>
    MissingParameter = 3,
    /// <summary>The hashed user name does not match the user name the server looked up (RFC 7616 §3.4.4).</summary>
    UserHashMismatch = 4,
}

/// <summary>
/// The Digest computations of RFC 7616 §3.4 (HA1, HA2, request-digest, -sess, auth-int, userhash) with the hashes of
/// RFC 7616 §3.3 and RFC 8760 §2 (MD5, SHA-256, SHA-512/256), the RFC 2069 form without qop (RFC 2617 §3.2.2.1), and
/// server-side verification against a password or a stored HA1 with a constant-time comparison.
/// </summary>
public static class SipDigest
{
    /// <summary>
    /// H(A1) for A1 = unq(username) ":" unq(realm) ":" passwd (RFC 7616 §3.4.2): the form a server may store instead of
    /// the password. For -sess algorithms it is the inner hash; <see cref="ComputeResponse"/> adds nonce and cnonce.
    /// </summary>
    public static string ComputeHa1(SipDigestAlgorithm algorithm, string username, string realm, ReadOnlySpan<byte> password)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        RequireKnown(algorithm);
        Span<byte> hex = stackalloc byte[64];
        int n = Ha1(algorithm, username, realm, password, hex);
        return Encoding.ASCII.GetString(hex[..n]);
    }

    /// <summary>H(A1) of a text password, encoded as UTF-8 (RFC 7616 §4 charset).</summary>
    public static string ComputeHa1(SipDigestAlgorithm algorithm, string username, string realm, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return ComputeHa1(algorithm, username, realm, Encoding.UTF8.GetBytes(password));
    }

    /// <summary>The hashed user name H(unq(username) ":" unq(realm)) sent when the challenge has userhash=true (RFC 7616 §3.4.4).</summary>
    public static string ComputeUserHash(SipDigestAlgorithm algorithm, string username, string realm)
    {
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(realm);
        RequireKnown(algorithm);
        var input = new DigestInput(stackalloc byte[256]);
        try
        {
            input.Append(username);
            input.Colon();
            input.Append(realm);
            Span<byte> hex = stackalloc byte[64];
            int n = HashHex(algorithm, input.Written, hex);
            return Encoding.ASCII.GetString(hex[..n]);
        }
        finally
        {
            input.Dispose();
        }
    }

    /// <summary>
    /// The request-digest (RFC 7616 §3.4.1) from the stored <paramref name="ha1"/> (<see cref="ComputeHa1(SipDigestAlgorithm, string, string, ReadOnlySpan{byte})"/>).
    /// With <paramref name="qop"/> <see cref="SipDigestQop.None"/> this is the RFC 2069 form KD(H(A1), nonce ":" H(A2)).
    /// </summary>
    /// <param name="algorithm">A known algorithm.</param>
    /// <param name="ha1">The hex H(A1), case-insensitive.</param>
    /// <param name="nonce">The challenge nonce.</param>
    /// <param name="cnonce">The client nonce; required with a qop or a -sess algorithm.</param>
    /// <param name="nonceCount">The nc value.</param>
    /// <param name="qop">None, <see cref="SipDigestQop.Auth"/> or <see cref="SipDigestQop.AuthInt"/>.</param>
    /// <param name="method">The request method.</param>
    /// <param name="uri">The digest-uri.</param>
    /// <param name="body">The message body (only used with auth-int).</param>
    public static string ComputeResponse(SipDigestAlgorithm algorithm, string ha1, string nonce, string? cnonce, uint nonceCount,
        SipDigestQop qop, string method, string uri, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(ha1);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        RequireKnown(algorithm);
        if (qop is not (SipDigestQop.None or SipDigestQop.Auth or SipDigestQop.AuthInt))
        {
            ThrowArgument(nameof(qop), "a response uses one qop value");
        }
        if (cnonce is null && (qop != SipDigestQop.None || SipDigestAlgorithms.IsSession(algorithm)))
        {
            ThrowArgument(nameof(cnonce), "a qop or a -sess algorithm needs a cnonce");
        }
        Span<byte> ha1Hex = stackalloc byte[64];
        int ha1Length = Encoding.ASCII.GetBytes(ha1.ToLowerInvariant(), ha1Hex);
        Span<byte> hex = stackalloc byte[64];
        int n = Response(algorithm, ha1Hex[..ha1Length], nonce, cnonce, nonceCount, qop, method, uri, body, hex);
        return Encoding.ASCII.GetString(hex[..n]);
    }

    /// <summary>
    /// Builds the credentials answering <paramref name="challenge"/> with a password (for AKA, the password derived
    /// from the vector, <see cref="ImsAka.DigestPassword"/>). Stateless: the caller picks cnonce, nc and qop;
    /// <see cref="SipDigestClient"/> does that for it.
    /// </summary>
    public static SipDigestCredentials CreateCredentials(SipDigestChallenge challenge, string username, ReadOnlySpan<byte> password,
        string method, string uri, ReadOnlySpan<byte> body, SipDigestQop qop, string? cnonce, uint nonceCount)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        ArgumentNullException.ThrowIfNull(username);
        var algorithm = challenge.Algorithm;
        var ha1 = ComputeHa1(algorithm, username, challenge.Realm, password);
        var response = ComputeResponse(algorithm, ha1, challenge.Nonce, cnonce, nonceCount, qop, method, uri, body);
        return new SipDigestCredentials(
            challenge.UserHash ? ComputeUserHash(algorithm, username, challenge.Realm) : username,
            challenge.Realm, challenge.Nonce, uri, response)
        {
            AlgorithmName = challenge.AlgorithmName,
            Opaque = challenge.Opaque,
            Qop = qop,
            // RFC 7616 §3.4: cnonce and nc go with a qop; without one (RFC 2069) neither is sent.
            Cnonce = qop == SipDigestQop.None ? null : cnonce,
            NonceCount = qop == SipDigestQop.None ? 0 : nonceCount,
            UserHash = challenge.UserHash,
        };
    }

    /// <summary>
    /// Checks <paramref name="credentials"/> against the password (server side). The caller still checks that nonce,
    /// realm, algorithm and opaque are the ones it issued and that nc grows (RFC 7616 §3.4, §5.12).
    /// </summary>
    /// <param name="credentials">The parsed Authorization / Proxy-Authorization value.</param>
    /// <param name="method">The method of the request that carried them.</param>
    /// <param name="password">The password bytes (UTF-8 text, or the AKA XRES-derived password).</param>
    /// <param name="body">The request body, used with auth-int.</param>
    /// <param name="username">The user name when <see cref="SipDigestCredentials.UserHash"/> is set (the server found it from the hash).</param>
    public static SipDigestVerifyResult VerifyPassword(SipDigestCredentials credentials, string method, ReadOnlySpan<byte> password,
        ReadOnlySpan<byte> body = default, string? username = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(method);
        var algorithm = credentials.Algorithm;
        if (algorithm == SipDigestAlgorithm.Unknown)
        {
            return SipDigestVerifyResult.UnsupportedAlgorithm;
        }
        if (credentials.UserHash)
        {
            if (username is null)
            {
                return SipDigestVerifyResult.MissingParameter;
            }
            var expectedHash = ComputeUserHash(algorithm, username, credentials.Realm);
            if (!FixedTimeHexEquals(expectedHash, credentials.Username))
            {
                return SipDigestVerifyResult.UserHashMismatch;
            }
        }
        username ??= credentials.Username;
        Span<byte> ha1 = stackalloc byte[64];
        int n = Ha1(algorithm, username, credentials.Realm, password, ha1);
        return VerifyCore(credentials, method, ha1[..n], body);
    }

    /// <summary>
    /// Checks <paramref name="credentials"/> against a stored H(A1) (<see cref="ComputeHa1(SipDigestAlgorithm, string, string, ReadOnlySpan{byte})"/>),
    /// with a constant-time comparison of the digests.
    /// </summary>
    public static SipDigestVerifyResult VerifyHa1(SipDigestCredentials credentials, string method, string ha1, ReadOnlySpan<byte> body = default)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(ha1);
        if (credentials.Algorithm == SipDigestAlgorithm.Unknown)
        {
            return SipDigestVerifyResult.UnsupportedAlgorithm;
        }
        Span<byte> hex = stackalloc byte[64];
        if (ha1.Length != 2 * SipDigestAlgorithms.HashSize(credentials.Algorithm))
        {
            return SipDigestVerifyResult.ResponseMismatch;
        }
        int n = Encoding.ASCII.GetBytes(ha1.ToLowerInvariant(), hex);
        return VerifyCore(credentials, method, hex[..n], body);
    }

    private static SipDigestVerifyResult VerifyCore(SipDigestCredentials c, string method, ReadOnlySpan<byte> ha1Hex, ReadOnlySpan<byte> body)
    {
        if ((c.Qop != SipDigestQop.None || SipDigestAlgorithms.IsSession(c.Algorithm)) && c.Cnonce is null)
        {
            return SipDigestVerifyResult.MissingParameter;
        }
        Span<byte> hex = stackalloc byte[64];
        int n = Response(c.Algorithm, ha1Hex, c.Nonce, c.Cnonce, c.NonceCount, c.Qop, method, c.Uri, body, hex);
        return FixedTimeHexEquals(hex[..n], c.Response) ? SipDigestVerifyResult.Valid : SipDigestVerifyResult.ResponseMismatch;
    }

    // Compares a computed lower-case hex digest with a received one: the received hex is decoded (either case) and
    // the bytes compared in constant time, so the comparison does not leak how many leading characters matched.
    private static bool FixedTimeHexEquals(ReadOnlySpan<byte> expectedHex, string received)
    {
        if (received.Length != expectedHex.Length || expectedHex.Length > 128)
        {
            return false;
        }
        Span<byte> a = stackalloc byte[64];
        Span<byte> b = stackalloc byte[64];
        int len = expectedHex.Length / 2;
        if (Convert.FromHexString(received, b, out _, out int written) != OperationStatus.Done || written != len)
        {
            return false;
        }
        for (int i = 0; i < len; i++)
        {
            a[i] = (byte)((HexValue(expectedHex[2 * i]) << 4) | HexValue(expectedHex[2 * i + 1]));
        }
        return CryptographicOperations.FixedTimeEquals(a[..len], b[..len]);
    }

    private static bool FixedTimeHexEquals(string expectedHex, string received)
    {
        Span<byte> e = stackalloc byte[128];
        if (expectedHex.Length > e.Length)
        {
            return false;
        }
        int n = Encoding.ASCII.GetBytes(expectedHex, e);
        return FixedTimeHexEquals(e[..n], received);
    }

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    // HA1 hex (RFC 7616 §3.4.2, base form without -sess).
    private static int Ha1(SipDigestAlgorithm algorithm, string username, string realm, ReadOnlySpan<byte> password, Span<byte> hex)
    {
        var input = new DigestInput(stackalloc byte[256]);
        try
        {
            input.Append(username);
            input.Colon();
            input.Append(realm);
            input.Colon();
            input.Append(password);
            return HashHex(algorithm, input.Written, hex);
        }
        finally
        {
            input.Dispose();
        }
    }

    private static int Response(SipDigestAlgorithm algorithm, ReadOnlySpan<byte> ha1Hex, string nonce, string? cnonce, uint nonceCount,
        SipDigestQop qop, string method, string uri, ReadOnlySpan<byte> body, Span<byte> hex)
    {
        var input = new DigestInput(stackalloc byte[256]);
        try
        {
            Span<byte> ha1 = stackalloc byte[64];
            int ha1Length;
            if (SipDigestAlgorithms.IsSession(algorithm))
            {
                // RFC 7616 §3.4.2: for -sess, A1 = H(unq(username) ":" unq(realm) ":" passwd) ":" unq(nonce) ":" unq(cnonce)
                input.Append(ha1Hex);
                input.Colon();
                input.Append(nonce);
                input.Colon();
                input.Append(cnonce!);
                ha1Length = HashHex(algorithm, input.Written, ha1);
                input.Clear();
            }
            else
            {
                ha1Hex.CopyTo(ha1);
                ha1Length = ha1Hex.Length;
            }

            // RFC 7616 §3.4.3: A2 = Method ":" request-uri, or with auth-int ... ":" H(entity-body)
            Span<byte> ha2 = stackalloc byte[64];
            input.Append(method);
            input.Colon();
            input.Append(uri);
            if (qop == SipDigestQop.AuthInt)
            {
                Span<byte> bodyHash = stackalloc byte[64];
                int bh = HashHex(algorithm, body, bodyHash);
                input.Colon();
                input.Append(bodyHash[..bh]);
            }
            int ha2Length = HashHex(algorithm, input.Written, ha2);
            input.Clear();

            // RFC 7616 §3.4.1: response = KD(H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop) ":" H(A2)),
            // KD(secret, data) = H(concat(secret, ":", data)). Without qop, RFC 2617 §3.2.2.1 (RFC 2069):
            // KD(H(A1), unq(nonce) ":" H(A2)).
            input.Append(ha1[..ha1Length]);
            input.Colon();
            input.Append(nonce);
            input.Colon();
            if (qop != SipDigestQop.None)
            {
                Span<byte> nc = stackalloc byte[8];
                nonceCount.TryFormat(nc, out _, "x8", CultureInfo.InvariantCulture);
                input.Append(nc);
                input.Colon();
                input.Append(cnonce!);
                input.Colon();
                input.Append(qop == SipDigestQop.AuthInt ? "auth-int"u8 : "auth"u8);
                input.Colon();
            }
            input.Append(ha2[..ha2Length]);
            return HashHex(algorithm, input.Written, hex);
        }
        finally
        {
            input.Dispose();
        }
    }

    /// <summary>H(data) in lower-case hex ASCII; returns the number of bytes written to <paramref name="hex"/>.</summary>
    internal static int HashHex(SipDigestAlgorithm algorithm, ReadOnlySpan<byte> data, Span<byte> hex)
    {
        Span<byte> digest = stackalloc byte[32];
        int n = Hash(algorithm, data, digest);
        const string Digits = "0123456789abcdef";
        for (int i = 0; i < n; i++)
        {
            hex[2 * i] = (byte)Digits[digest[i] >> 4];
            hex[2 * i + 1] = (byte)Digits[digest[i] & 0xF];
        }
        return 2 * n;
    }

    /// <summary>H(data) as bytes; returns the digest length.</summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "RFC 7616 §3.3 and RFC 3310 §3.1 define the MD5 Digest algorithms; interoperability requires them.")]
    internal static int Hash(SipDigestAlgorithm algorithm, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        switch (algorithm)
        {
            case SipDigestAlgorithm.Md5 or SipDigestAlgorithm.Md5Sess or SipDigestAlgorithm.AkaV1Md5 or SipDigestAlgorithm.AkaV2Md5:
                return MD5.HashData(data, destination);
            case SipDigestAlgorithm.Sha256 or SipDigestAlgorithm.Sha256Sess:
                return SHA256.HashData(data, destination);
            case SipDigestAlgorithm.Sha512T256 or SipDigestAlgorithm.Sha512T256Sess:
                // RFC 8760 §2 / FIPS 180-4 §6.7: SHA-512/256 has its own initial hash values; truncating SHA-512 is
                // not the same function. .NET has no SHA-512/t, BouncyCastle has.
                var sha = new Sha512tDigest(256);
                sha.BlockUpdate(data);
                return sha.DoFinal(destination);
            default:
                ThrowArgument(nameof(algorithm), "unknown Digest algorithm");
                return 0;
        }
    }

    private static void RequireKnown(SipDigestAlgorithm algorithm)
    {
        if (algorithm is SipDigestAlgorithm.Unknown || !Enum.IsDefined(algorithm))
        {
            ThrowArgument(nameof(algorithm), "unknown Digest algorithm");
        }
    }

    [StackTraceHidden]
    [DoesNotReturn]
    private static void ThrowArgument(string name, string message) => throw new ArgumentException(message, name);

    /// <summary>Concatenates digest input in a stack buffer, growing into the array pool for long input (bodies).</summary>
    private ref struct DigestInput
    {
        private Span<byte> _buf;
        private byte[]? _rented;
        private int _length;

        public DigestInput(Span<byte> initial)
        {
            _buf = initial;
            _rented = null;
            _length = 0;
        }

        public readonly ReadOnlySpan<byte> Written => _buf[.._length];

        public void Clear() => _length = 0;

        public void Colon() => Append(":"u8);

        public void Append(scoped ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buf[_length..]);
            _length += bytes.Length;
        }

        public void Append(string text)
        {
            Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
            _length += Encoding.UTF8.GetBytes(text, _buf[_length..]);
        }

        private void Ensure(int extra)
        {
            if (_length + extra <= _buf.Length)
            {
                return;
            }
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buf.Length * 2, _length + extra));
            _buf[.._length].CopyTo(bigger);
            if (_rented is not null)
            {
                CryptographicOperations.ZeroMemory(_rented);
                ArrayPool<byte>.Shared.Return(_rented);
            }
            _rented = bigger;
            _buf = bigger;
        }

        public void Dispose()
        {
            // The input holds passwords: wipe it before it goes back to the pool.
            CryptographicOperations.ZeroMemory(_buf[.._length]);
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
                _rented = null;
            }
        }
    }
}
