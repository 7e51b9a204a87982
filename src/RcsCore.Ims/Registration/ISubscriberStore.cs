using System.Collections.Concurrent;
using RcsCore.Ims.Authentication;
using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Registration;

/// <summary>The AKA subscription data of the simulated HSS/AuC (3GPP TS 33.102 §6.3.2, Annex C.3).</summary>
public sealed class SipAkaSubscription
{
    /// <summary>Creates the data; keys are copied.</summary>
    /// <param name="k">The 128-bit subscriber key K.</param>
    /// <param name="opc">The 128-bit OPc.</param>
    /// <param name="sequence">SEQ_HE: the SEQ of the last vector generated.</param>
    /// <param name="amf">The 16-bit AMF put in AUTN (default 8000, the separation bit set as E-UTRAN vectors have it).</param>
    public SipAkaSubscription(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ulong sequence = 0, ReadOnlySpan<byte> amf = default)
    {
        if (k.Length != Milenage.KeyLength || opc.Length != Milenage.KeyLength)
        {
            throw new ArgumentException("K and OPc are 16 bytes.");
        }
        if (!amf.IsEmpty && amf.Length != Milenage.AmfLength)
        {
            throw new ArgumentException("AMF is 2 bytes.", nameof(amf));
        }
        K = k.ToArray();
        Opc = opc.ToArray();
        Sequence = sequence;
        Amf = amf.IsEmpty ? [0x80, 0x00] : amf.ToArray();
    }

    /// <summary>K.</summary>
    public ReadOnlyMemory<byte> K { get; }

    /// <summary>OPc.</summary>
    public ReadOnlyMemory<byte> Opc { get; }

    /// <summary>AMF.</summary>
    public ReadOnlyMemory<byte> Amf { get; }

    /// <summary>SEQ_HE when the data was read (the HSS keeps the live value and writes it back).</summary>
    public ulong Sequence { get; }
}

/// <summary>
/// A subscriber of the IMS core: one private identity (IMPI, the Digest user name) with its public identities
/// (IMPUs, listed in P-Associated-URI, RFC 7315 §4.1) and credentials: a password, an H(A1), or AKA keys.
/// </summary>
public sealed class SipSubscriber
{
    /// <summary>The private user identity (3GPP TS 23.003 §13.3), e.g. <c>alice@example.com</c>.</summary>
    public required string Impi { get; init; }

    /// <summary>The public user identities as canonical AoRs; the first is the default one. Never empty.</summary>
    public required IReadOnlyList<string> Impus { get; init; }

    /// <summary>The Digest password, or null.</summary>
    public string? Password { get; init; }

    /// <summary>A stored H(A1) instead of the password (RFC 7616 §3.4.2), or null.</summary>
    public string? Ha1 { get; init; }

    /// <summary>The algorithm <see cref="Ha1"/> was computed with.</summary>
    public SipDigestAlgorithm Ha1Algorithm { get; init; } = SipDigestAlgorithm.Md5;

    /// <summary>The realm <see cref="Ha1"/> was computed with.</summary>
    public string? Ha1Realm { get; init; }

    /// <summary>AKA keys for IMS AKA (RFC 3310), or null.</summary>
    public SipAkaSubscription? Aka { get; init; }

    /// <summary>True when the subscriber can use Digest (a password or an H(A1)).</summary>
    public bool HasDigestCredentials => Password is not null || Ha1 is not null;

    /// <summary>True when <paramref name="addressOfRecord"/> (canonical) is one of the subscriber's IMPUs.</summary>
    public bool HasImpu(string addressOfRecord)
    {
        foreach (var impu in Impus)
        {
            if (string.Equals(impu, addressOfRecord, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The canonical AoR form of a public identity as configured (<see cref="SipUri.ToAddressOfRecord"/>); the text itself when not a URI.</summary>
    public static string Canonicalize(string impu)
    {
        ArgumentNullException.ThrowIfNull(impu);
        return SipUri.TryParse(impu, out var uri) ? uri.ToAddressOfRecord() : impu;
    }
}

/// <summary>Where subscribers live (the HSS of a lab core). Implementations must be thread-safe.</summary>
public interface ISubscriberStore
{
    /// <summary>Finds a subscriber by private identity; null when unknown.</summary>
    ValueTask<SipSubscriber?> FindByImpiAsync(string impi, CancellationToken ct = default);

    /// <summary>Finds the subscriber owning a public identity (canonical AoR); null when unknown.</summary>
    ValueTask<SipSubscriber?> FindByImpuAsync(string impu, CancellationToken ct = default);

    /// <summary>Adds or replaces a subscriber (by IMPI). Throws <see cref="InvalidOperationException"/> when an IMPU belongs to another IMPI.</summary>
    ValueTask SaveAsync(SipSubscriber subscriber, CancellationToken ct = default);

    /// <summary>Removes a subscriber; false when unknown.</summary>
    ValueTask<bool> RemoveAsync(string impi, CancellationToken ct = default);

    /// <summary>Records SEQ_HE after the HSS generated a vector or resynchronised (3GPP TS 33.102 Annex C.3).</summary>
    ValueTask UpdateAkaSequenceAsync(string impi, ulong sequence, CancellationToken ct = default);
}

/// <summary>An in-memory <see cref="ISubscriberStore"/>.</summary>
public sealed class InMemorySubscriberStore : ISubscriberStore
{
    private readonly ConcurrentDictionary<string, SipSubscriber> _byImpi = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _impiByImpu = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();

    /// <summary>Number of subscribers.</summary>
    public int Count => _byImpi.Count;

    /// <inheritdoc />
    public ValueTask<SipSubscriber?> FindByImpiAsync(string impi, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impi);
        return ValueTask.FromResult(_byImpi.TryGetValue(impi, out var s) ? s : null);
    }

    /// <inheritdoc />
    public ValueTask<SipSubscriber?> FindByImpuAsync(string impu, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impu);
        return ValueTask.FromResult(_impiByImpu.TryGetValue(impu, out var impi) && _byImpi.TryGetValue(impi, out var s) ? s : null);
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(SipSubscriber subscriber, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        if (subscriber.Impus.Count == 0)
        {
            throw new ArgumentException("A subscriber needs at least one IMPU.", nameof(subscriber));
        }
        lock (_writeLock)
        {
            foreach (var impu in subscriber.Impus)
            {
                if (_impiByImpu.TryGetValue(impu, out var owner) && owner != subscriber.Impi)
                {
                    throw new InvalidOperationException($"{impu} belongs to {owner}.");
                }
            }
            if (_byImpi.TryGetValue(subscriber.Impi, out var old))
            {
                foreach (var impu in old.Impus)
                {
                    _impiByImpu.TryRemove(impu, out _);
                }
            }
            _byImpi[subscriber.Impi] = subscriber;
            foreach (var impu in subscriber.Impus)
            {
                _impiByImpu[impu] = subscriber.Impi;
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string impi, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impi);
        lock (_writeLock)
        {
            if (!_byImpi.TryRemove(impi, out var old))
            {
                return ValueTask.FromResult(false);
            }
            foreach (var impu in old.Impus)
            {
                _impiByImpu.TryRemove(impu, out _);
            }
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask UpdateAkaSequenceAsync(string impi, ulong sequence, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(impi);
        lock (_writeLock)
        {
            if (_byImpi.TryGetValue(impi, out var s) && s.Aka is { } aka)
            {
                _byImpi[impi] = new SipSubscriber
                {
                    Impi = s.Impi,
                    Impus = s.Impus,
                    Password = s.Password,
                    Ha1 = s.Ha1,
                    Ha1Algorithm = s.Ha1Algorithm,
                    Ha1Realm = s.Ha1Realm,
                    Aka = new SipAkaSubscription(aka.K.Span, aka.Opc.Span, sequence, aka.Amf.Span),
                };
            }
        }
        return ValueTask.CompletedTask;
    }
}
