using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Registration;

/// <summary>
/// The location service of a registrar (RFC 3261 §10.3): adds, refreshes and removes bindings following §10.3 steps
/// 6–8 and RFC 5626 §6 (outbound: bindings keyed by instance and reg-id), looks up the active bindings of an AoR
/// for the proxy, removes expired bindings on a timer of the injected <see cref="TimeProvider"/>, and raises
/// <see cref="BindingsChanged"/> for every change (the reg event package, RFC 3680). Changes to one AoR are serialised;
/// different AoRs proceed in parallel. Call <see cref="StartAsync"/> to load the store and start sweeping.
/// </summary>
public sealed partial class SipLocationService : IAsyncDisposable
{
    private const int GateCount = 64;
    private static readonly IReadOnlyList<SipBinding> s_none = [];
    private static readonly IReadOnlyList<SipBindingChange> s_noChanges = [];

    private readonly IBindingStore _store;
    private readonly SipLocationServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim[] _gates = new SemaphoreSlim[GateCount];
    private readonly SipInternPool _pool = new();
    // Expiry index: (AoR, expiry) per stored binding version. It holds the AoR string only (shared with the bindings),
    // never a binding, so a refreshed or removed binding is not kept alive by its old entry; stale entries are no-ops.
    private readonly PriorityQueue<string, long> _expiry = new();
    private readonly Lock _expiryLock = new();
    private ITimer? _sweepTimer;
    private int _sweeping;

    /// <summary>Creates the service over a store.</summary>
    /// <param name="store">Where bindings live.</param>
    /// <param name="options">Limits; defaults when null.</param>
    /// <param name="timeProvider">The clock and timer source; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Logging; none when null.</param>
    public SipLocationService(IBindingStore store, SipLocationServiceOptions? options = null, TimeProvider? timeProvider = null, ILogger<SipLocationService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new SipLocationServiceOptions();
        options.Validate();
        _store = store;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        for (int i = 0; i < _gates.Length; i++)
        {
            _gates[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <summary>Raised after every change of an AoR's bindings, in order per AoR, while its changes are serialised: handlers must not block.</summary>
    public event EventHandler<SipBindingsChangedEventArgs>? BindingsChanged;

    /// <summary>The limits.</summary>
    public SipLocationServiceOptions Options => _options;

    /// <summary>The store.</summary>
    public IBindingStore Store => _store;

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Loads the stored bindings into the expiry index and starts the sweep timer.</summary>
    public async ValueTask StartAsync(CancellationToken ct = default)
    {
        var all = await _store.LoadAllAsync(ct).ConfigureAwait(false);
        lock (_expiryLock)
        {
            foreach (var b in all)
            {
                _expiry.Enqueue(b.AddressOfRecord, b.ExpiresAt.UtcTicks);
            }
        }
        Log.Loaded(_logger, all.Count);
        if (_options.SweepInterval > TimeSpan.Zero && _sweepTimer is null)
        {
            _sweepTimer = _time.CreateTimer(static s => ((SipLocationService)s!).OnSweepTimer(), this, _options.SweepInterval, _options.SweepInterval);
        }
    }

    /// <summary>
    /// The active bindings of an AoR (not expired), sorted by q (highest first) and then expiry (latest first): the
    /// targets of a request for the AoR (RFC 3261 §16.5, §16.6).
    /// </summary>
    public async ValueTask<IReadOnlyList<SipBinding>> LookupAsync(string addressOfRecord, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(addressOfRecord);
        var stored = await _store.GetAsync(addressOfRecord, ct).ConfigureAwait(false);
        return Active(stored, _time.GetUtcNow());
    }

    /// <summary>Applies a REGISTER (RFC 3261 §10.3 steps 6–8; RFC 5626 §6). Failures are values, nothing changes on failure.</summary>
    public async ValueTask<SipRegistrationResult> RegisterAsync(SipRegistrationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var gate = Gate(request.AddressOfRecord);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await RegisterLockedAsync(request, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask<SipRegistrationResult> RegisterLockedAsync(SipRegistrationRequest request, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        string aor = request.AddressOfRecord;
        var stored = await _store.GetAsync(aor, ct).ConfigureAwait(false);
        if (stored.Count > 0)
        {
            // Share one AoR string among the AoR's bindings.
            aor = stored[0].AddressOfRecord;
        }
        // Bindings past their expiry are gone whatever the request says; they are reported as expired.
        var working = new List<SipBinding>(stored.Count + request.Contacts.Count);
        var changes = new List<SipBindingChange>();
        var removed = new List<SipBinding>();
        foreach (var b in stored)
        {
            if (b.IsExpired(now))
            {
                removed.Add(b);
                changes.Add(new SipBindingChange(b, SipBindingEvent.Expired));
            }
            else
            {
                working.Add(b);
            }
        }
        var upserted = new List<SipBinding>();

        if (request.Contacts.Count == 0)
        {
            // RFC 3261 §10.3 step 6/8: no Contact is a query: answer with the current bindings.
            if (removed.Count > 0)
            {
                await CommitAsync(aor, upserted, removed, changes, working, ct).ConfigureAwait(false);
            }
            return new SipRegistrationResult(SipRegistrationStatus.Ok, string.Empty, Sort(working), s_noChanges);
        }

        bool outbound = false;
        if (request.Contacts.Any(c => c.IsWildcard))
        {
            // RFC 3261 §10.3 step 6: "*" must be alone and with Expires: 0.
            if (request.Contacts.Count != 1 || request.Expires != 0)
            {
                return Fail(SipRegistrationStatus.BadRequest, "Contact * needs Expires: 0 and no other Contact", working);
            }
            foreach (var b in working)
            {
                // RFC 3261 §10.3 step 6: same Call-ID and a CSeq not higher aborts the whole update.
                if (string.Equals(b.CallId, request.CallId, StringComparison.Ordinal) && request.CSeq <= b.CSeq)
                {
                    return Fail(SipRegistrationStatus.OutOfOrder, "CSeq not higher than the binding's for the same Call-ID", working);
                }
            }
            foreach (var b in working)
            {
                removed.Add(b);
                changes.Add(new SipBindingChange(b, SipBindingEvent.Unregistered));
            }
            working.Clear();
        }
        else
        {
            foreach (var contact in request.Contacts)
            {
                var failure = ApplyContact(request, contact, aor, now, working, upserted, removed, changes, ref outbound);
                if (failure is not null)
                {
                    return failure;
                }
            }
            if (working.Count > _options.MaxBindingsPerAor)
            {
                return Fail(SipRegistrationStatus.TooManyBindings, "too many contacts for the AoR", Active(stored, now));
            }
        }
        if (changes.Count > 0)
        {
            await CommitAsync(aor, upserted, removed, changes, working, ct).ConfigureAwait(false);
        }
        return new SipRegistrationResult(SipRegistrationStatus.Ok, string.Empty, Sort(working), changes) { UsedOutbound = outbound };

        SipRegistrationResult Fail(SipRegistrationStatus status, string detail, IReadOnlyList<SipBinding> current, uint min = 0)
        {
            Log.Refused(_logger, request.AddressOfRecord, status, detail);
            return new SipRegistrationResult(status, detail, Sort([.. current]), s_noChanges, min);
        }
    }

    /// <summary>RFC 3261 §10.3 step 7 for one Contact value; returns a failure or null.</summary>
    private SipRegistrationResult? ApplyContact(SipRegistrationRequest request, SipNameAddress contact, string aor, DateTimeOffset now,
        List<SipBinding> working, List<SipBinding> upserted, List<SipBinding> removed, List<SipBindingChange> changes, ref bool outbound)
    {
        // Expiry: the contact's expires parameter, else the Expires header, else the default (§10.3 step 7).
        uint expires;
        if (contact.GetParameter("expires") is { } p && uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out uint pv))
        {
            expires = pv;
        }
        else
        {
            expires = request.Expires ?? (uint)_options.DefaultExpires.TotalSeconds;
        }
        uint min = (uint)_options.MinExpires.TotalSeconds;
        if (expires != 0 && expires < min)
        {
            // RFC 3261 §10.3 step 7: too short: 423 Interval Too Brief with Min-Expires (§20.23).
            Log.Refused(_logger, aor, SipRegistrationStatus.IntervalTooBrief, "expires below the minimum");
            return new SipRegistrationResult(SipRegistrationStatus.IntervalTooBrief, "Interval Too Brief", Sort([.. working]), s_noChanges, min);
        }
        // RFC 3261 §10.3 step 7: the registrar may shorten the expiry.
        expires = Math.Min(expires, (uint)_options.MaxExpires.TotalSeconds);

        double q = 1.0;
        if (contact.GetParameter("q") is { } qText
            && (!double.TryParse(qText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out q) || q is < 0 or > 1))
        {
            // RFC 3261 §20.10: qvalue is 0 to 1.
            return new SipRegistrationResult(SipRegistrationStatus.BadRequest, "bad q value", Sort([.. working]), s_noChanges);
        }
        string? instance = Unquote(contact.GetParameter("+sip.instance"));
        int regId = 0;
        if (contact.GetParameter("reg-id") is { } regText)
        {
            if (!int.TryParse(regText, NumberStyles.None, CultureInfo.InvariantCulture, out regId) || regId < 1)
            {
                return new SipRegistrationResult(SipRegistrationStatus.BadRequest, "bad reg-id", Sort([.. working]), s_noChanges);
            }
            if (instance is null)
            {
                // RFC 5626 §6: a reg-id without +sip.instance is ignored.
                regId = 0;
            }
            else if (request.Contacts.Count > 1)
            {
                // RFC 5626 §6: a REGISTER with a reg-id must have exactly one Contact value.
                return new SipRegistrationResult(SipRegistrationStatus.BadRequest, "reg-id with more than one Contact", Sort([.. working]), s_noChanges);
            }
        }

        // Find the existing binding: RFC 5626 §6 matches outbound bindings by instance and reg-id, otherwise RFC 3261
        // §10.3 step 7 by URI equality (§19.1.4).
        int index = -1;
        for (int i = 0; i < working.Count; i++)
        {
            var b = working[i];
            bool same = regId != 0
                ? b.RegId == regId && string.Equals(b.InstanceId, instance, StringComparison.Ordinal)
                : b.RegId == 0 && (string.Equals(b.Contact, contact.Uri.Text, StringComparison.Ordinal) || (SipUri.TryParse(b.Contact, out var u) && u == contact.Uri));
            if (same)
            {
                index = i;
                break;
            }
        }
        var existing = index >= 0 ? working[index] : null;
        if (existing is not null && string.Equals(existing.CallId, request.CallId, StringComparison.Ordinal) && request.CSeq <= existing.CSeq
            && !upserted.Contains(existing))
        {
            // RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher: abort, the request fails.
            Log.Refused(_logger, aor, SipRegistrationStatus.OutOfOrder, "CSeq not higher than the binding's for the same Call-ID");
            return new SipRegistrationResult(SipRegistrationStatus.OutOfOrder, "out of order", Sort([.. working]), s_noChanges);
        }
        outbound |= regId != 0;
        if (expires == 0)
        {
            if (existing is not null)
            {
                working.RemoveAt(index);
                upserted.Remove(existing);
                if (!removed.Contains(existing))
                {
                    // The store removes by contact text, which also drops a stored binding this request had replaced.
                    removed.Add(existing);
                }
                changes.Add(new SipBindingChange(existing, SipBindingEvent.Unregistered));
            }
            return null;
        }
        var expiresAt = now.AddSeconds(expires);
        var binding = new SipBinding(aor, contact.Uri.Text, expiresAt,
            existing is not null && string.Equals(existing.CallId, request.CallId, StringComparison.Ordinal) ? existing.CallId : request.CallId, request.CSeq)
        {
            Q = q,
            InstanceId = instance,
            RegId = regId,
            FeatureParameters = _pool.Intern(FeatureText(contact)),
            Path = _pool.InternPath(request.Path),
            Source = _pool.Intern(request.Source),
            ConnectionId = request.ConnectionId,
        };
        if (existing is null)
        {
            working.Add(binding);
            changes.Add(new SipBindingChange(binding, SipBindingEvent.Registered));
        }
        else
        {
            working[index] = binding;
            upserted.Remove(existing);
            if (!string.Equals(existing.Contact, binding.Contact, StringComparison.Ordinal))
            {
                // RFC 5626 §6: the new flow's contact replaces the old one.
                removed.Add(existing);
            }
            changes.Add(new SipBindingChange(binding, expiresAt < existing.ExpiresAt ? SipBindingEvent.Shortened : SipBindingEvent.Refreshed));
        }
        upserted.Add(binding);
        return null;
    }

    /// <summary>Adds a binding administratively (reported as <c>created</c>, RFC 3680 §4.7.1), replacing one with the same contact.</summary>
    public async ValueTask AddAsync(SipBinding binding, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var gate = Gate(binding.AddressOfRecord);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var stored = await _store.GetAsync(binding.AddressOfRecord, ct).ConfigureAwait(false);
            var working = new List<SipBinding>();
            foreach (var b in stored)
            {
                if (!b.IsExpired(now) && !string.Equals(b.Contact, binding.Contact, StringComparison.Ordinal))
                {
                    working.Add(b);
                }
            }
            working.Add(binding);
            await CommitAsync(binding.AddressOfRecord, [binding], [], [new SipBindingChange(binding, SipBindingEvent.Created)], working, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Removes every binding of an AoR, reporting <paramref name="reason"/> (<see cref="SipBindingEvent.Deactivated"/>
    /// for a network-initiated deregistration, RFC 3680 §4.7.1). Returns how many were removed.
    /// </summary>
    public async ValueTask<int> RemoveAllAsync(string addressOfRecord, SipBindingEvent reason = SipBindingEvent.Deactivated, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(addressOfRecord);
        var gate = Gate(addressOfRecord);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var stored = await _store.GetAsync(addressOfRecord, ct).ConfigureAwait(false);
            if (stored.Count == 0)
            {
                return 0;
            }
            var now = _time.GetUtcNow();
            var changes = new List<SipBindingChange>(stored.Count);
            foreach (var b in stored)
            {
                changes.Add(new SipBindingChange(b, b.IsExpired(now) ? SipBindingEvent.Expired : reason));
            }
            await CommitAsync(stored[0].AddressOfRecord, [], [.. stored], changes, [], ct).ConfigureAwait(false);
            return stored.Count;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes the bindings that have expired by now and reports them; returns how many were removed.</summary>
    public async ValueTask<int> SweepAsync(CancellationToken ct = default)
    {
        long now = _time.GetUtcNow().UtcTicks;
        var due = new HashSet<string>(StringComparer.Ordinal);
        lock (_expiryLock)
        {
            while (_expiry.TryPeek(out _, out long at) && at <= now)
            {
                due.Add(_expiry.Dequeue());
            }
        }
        int count = 0;
        foreach (var aor in due)
        {
            count += await SweepAorAsync(aor, ct).ConfigureAwait(false);
        }
        return count;
    }

    private async ValueTask<int> SweepAorAsync(string aor, CancellationToken ct)
    {
        var gate = Gate(aor);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var stored = await _store.GetAsync(aor, ct).ConfigureAwait(false);
            var removed = new List<SipBinding>();
            var changes = new List<SipBindingChange>();
            var remaining = new List<SipBinding>();
            foreach (var b in stored)
            {
                if (b.IsExpired(now))
                {
                    removed.Add(b);
                    changes.Add(new SipBindingChange(b, SipBindingEvent.Expired));
                }
                else
                {
                    remaining.Add(b);
                }
            }
            if (removed.Count > 0)
            {
                await CommitAsync(aor, [], removed, changes, Active(remaining, now), ct).ConfigureAwait(false);
            }
            return removed.Count;
        }
        finally
        {
            gate.Release();
        }
    }

    private void OnSweepTimer()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }
        _ = SweepFromTimerAsync();
    }

    private async Task SweepFromTimerAsync()
    {
        try
        {
            int n = await SweepAsync().ConfigureAwait(false);
            if (n > 0)
            {
                Log.Swept(_logger, n);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SweepFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private async ValueTask CommitAsync(string aor, List<SipBinding> upserted, List<SipBinding> removed, List<SipBindingChange> changes, List<SipBinding> current, CancellationToken ct)
    {
        await _store.ApplyAsync(aor, upserted, removed, ct).ConfigureAwait(false);
        if (upserted.Count > 0)
        {
            lock (_expiryLock)
            {
                foreach (var b in upserted)
                {
                    _expiry.Enqueue(b.AddressOfRecord, b.ExpiresAt.UtcTicks);
                }
            }
        }
        foreach (var c in changes)
        {
            Log.Changed(_logger, aor, c.Binding.Contact, c.EventName);
        }
        var handler = BindingsChanged;
        if (handler is null)
        {
            return;
        }
        try
        {
            handler(this, new SipBindingsChangedEventArgs(aor, changes, Sort(current)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.HandlerFailed(_logger, ex);
        }
    }

    private SemaphoreSlim Gate(string aor) => _gates[(uint)StringComparer.Ordinal.GetHashCode(aor) % GateCount];

    private static List<SipBinding> Active(IReadOnlyList<SipBinding> stored, DateTimeOffset now)
    {
        var list = new List<SipBinding>(stored.Count);
        foreach (var b in stored)
        {
            if (!b.IsExpired(now))
            {
                list.Add(b);
            }
        }
        return Sort(list);
    }

    private static List<SipBinding> Sort(List<SipBinding> list)
    {
        if (list.Count > 1)
        {
            // RFC 3261 §16.6 / RFC 3841: higher q first; then the binding that lasts longest.
            list.Sort(static (a, b) => a.QThousandths != b.QThousandths ? b.QThousandths.CompareTo(a.QThousandths) : b.ExpiresAt.CompareTo(a.ExpiresAt));
        }
        return list;
    }

    private static string? Unquote(string? value) =>
        value is { Length: >= 2 } && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value is { Length: > 0 } ? value : null;

    private static readonly HashSet<string> s_ownParameters = new(StringComparer.OrdinalIgnoreCase) { "q", "expires", "+sip.instance", "reg-id", "pub-gruu", "temp-gruu" };

    // The header parameters a binding keeps as text: RFC 3840 feature tags and any others, minus those with their own field.
    private static string FeatureText(SipNameAddress contact)
    {
        if (contact.Parameters.Count == 0)
        {
            return string.Empty;
        }
        var sb = new StringBuilder();
        foreach (var p in contact.Parameters)
        {
            if (s_ownParameters.Contains(p.Key))
            {
                continue;
            }
            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }
        return sb.ToString();
    }

    /// <summary>Stops the sweep timer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_sweepTimer is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "location service loaded {Count} bindings")]
        public static partial void Loaded(ILogger logger, int count);

        [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "binding {Aor} -> {Contact}: {Event}")]
        public static partial void Changed(ILogger logger, string aor, string contact, string @event);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "registration for {Aor} refused: {Status} ({Detail})")]
        public static partial void Refused(ILogger logger, string aor, SipRegistrationStatus status, string detail);

        [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "{Count} expired bindings removed")]
        public static partial void Swept(ILogger logger, int count);

        [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "expiry sweep failed")]
        public static partial void SweepFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "a BindingsChanged handler threw")]
        public static partial void HandlerFailed(ILogger logger, Exception exception);
    }
}
