using System.Collections.Concurrent;

namespace RcsCore.Ims.Registration;

/// <summary>
/// Where <see cref="SipLocationService"/> keeps bindings. A binding is identified by its AoR and contact URI text.
/// The location service serialises changes per AoR, so an implementation only needs to be safe for concurrent calls
/// on different AoRs and for reads during writes.
/// </summary>
public interface IBindingStore
{
    /// <summary>Number of stored bindings (including expired ones not swept yet).</summary>
    int Count { get; }

    /// <summary>The stored bindings of an AoR (possibly expired ones too); empty when none.</summary>
    ValueTask<IReadOnlyList<SipBinding>> GetAsync(string addressOfRecord, CancellationToken ct = default);

    /// <summary>
    /// Applies the outcome of one registration atomically for the AoR: removes <paramref name="removed"/> (matched by
    /// contact) and adds or replaces <paramref name="upserted"/> (matched by contact).
    /// </summary>
    ValueTask ApplyAsync(string addressOfRecord, IReadOnlyList<SipBinding> upserted, IReadOnlyList<SipBinding> removed, CancellationToken ct = default);

    /// <summary>Every stored binding (at start-up, to rebuild the expiry index).</summary>
    ValueTask<IReadOnlyList<SipBinding>> LoadAllAsync(CancellationToken ct = default);
}

/// <summary>
/// The in-memory binding store: one array per AoR, replaced on change (copy on write, so readers never lock).
/// Per binding it costs the binding object plus an array slot; per AoR one dictionary node and one small array.
/// </summary>
public sealed class InMemoryBindingStore : IBindingStore
{
    private static readonly SipBinding[] s_none = [];
    private readonly ConcurrentDictionary<string, SipBinding[]> _byAor;
    private int _count;

    /// <summary>Creates an empty store.</summary>
    /// <param name="expectedAors">Initial capacity (avoids rehashing when loading many).</param>
    public InMemoryBindingStore(int expectedAors = 0)
    {
        _byAor = new ConcurrentDictionary<string, SipBinding[]>(Environment.ProcessorCount, Math.Max(31, expectedAors), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public int Count => Volatile.Read(ref _count);

    /// <summary>Number of AoRs with at least one stored binding.</summary>
    public int AddressOfRecordCount => _byAor.Count;

    /// <summary>The stored bindings of an AoR, synchronously.</summary>
    public IReadOnlyList<SipBinding> Get(string addressOfRecord)
    {
        ArgumentNullException.ThrowIfNull(addressOfRecord);
        return _byAor.TryGetValue(addressOfRecord, out var list) ? list : s_none;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SipBinding>> GetAsync(string addressOfRecord, CancellationToken ct = default) => ValueTask.FromResult(Get(addressOfRecord));

    /// <summary>Applies a change synchronously (see <see cref="IBindingStore.ApplyAsync"/>).</summary>
    public void Apply(string addressOfRecord, IReadOnlyList<SipBinding> upserted, IReadOnlyList<SipBinding> removed)
    {
        ArgumentNullException.ThrowIfNull(addressOfRecord);
        ArgumentNullException.ThrowIfNull(upserted);
        ArgumentNullException.ThrowIfNull(removed);
        while (true)
        {
            bool exists = _byAor.TryGetValue(addressOfRecord, out var old);
            old ??= s_none;
            var next = new List<SipBinding>(old.Length + upserted.Count);
            foreach (var b in old)
            {
                if (!Contains(removed, b.Contact) && !Contains(upserted, b.Contact))
                {
                    next.Add(b);
                }
            }
            next.AddRange(upserted);
            bool done;
            if (next.Count == 0)
            {
                done = !exists || _byAor.TryRemove(new KeyValuePair<string, SipBinding[]>(addressOfRecord, old));
            }
            else if (exists)
            {
                done = _byAor.TryUpdate(addressOfRecord, [.. next], old);
            }
            else
            {
                done = _byAor.TryAdd(addressOfRecord, [.. next]);
            }
            if (done)
            {
                Interlocked.Add(ref _count, next.Count - old.Length);
                return;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask ApplyAsync(string addressOfRecord, IReadOnlyList<SipBinding> upserted, IReadOnlyList<SipBinding> removed, CancellationToken ct = default)
    {
        Apply(addressOfRecord, upserted, removed);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SipBinding>> LoadAllAsync(CancellationToken ct = default)
    {
        var all = new List<SipBinding>(Count);
        foreach (var pair in _byAor)
        {
            all.AddRange(pair.Value);
        }
        return ValueTask.FromResult<IReadOnlyList<SipBinding>>(all);
    }

    private static bool Contains(IReadOnlyList<SipBinding> list, string contact)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i].Contact, contact, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
