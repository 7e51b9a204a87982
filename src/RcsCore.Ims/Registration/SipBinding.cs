using System.Globalization;
using System.Text;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Ims.Registration;

/// <summary>
/// One registered contact of an address of record (RFC 3261 §10.3 binding). Immutable: a refresh replaces the object,
/// which lets the expiry index detect stale entries by reference. Kept small on purpose (one million bindings must fit in
/// well under 1 GiB): the contact is stored as its URI text, feature-tag parameters and Path as shared (interned)
/// strings, q in thousandths and times as ticks; nothing is parsed until asked for.
/// </summary>
public sealed class SipBinding
{
    private static readonly string[] s_noPath = [];
    private readonly long _expiresTicks;
    private readonly ushort _q;
    private readonly SipTransportProtocol _protocol;
    private readonly bool _hasSource;
    private readonly System.Net.IPEndPoint? _sourceAddress;

    /// <summary>Creates a binding.</summary>
    /// <param name="addressOfRecord">The canonical AoR (<see cref="SipUri.ToAddressOfRecord"/>).</param>
    /// <param name="contact">The contact URI text, as registered.</param>
    /// <param name="expiresAt">When the binding expires (RFC 3261 §10.3 step 7).</param>
    /// <param name="callId">The Call-ID of the REGISTER that last updated it (RFC 3261 §10.3 step 7 ordering).</param>
    /// <param name="cseq">The CSeq number of that REGISTER.</param>
    public SipBinding(string addressOfRecord, string contact, DateTimeOffset expiresAt, string callId, uint cseq)
    {
        ArgumentException.ThrowIfNullOrEmpty(addressOfRecord);
        ArgumentException.ThrowIfNullOrEmpty(contact);
        ArgumentNullException.ThrowIfNull(callId);
        AddressOfRecord = addressOfRecord;
        Contact = contact;
        _expiresTicks = expiresAt.UtcTicks;
        CallId = callId;
        CSeq = cseq;
        _q = 1000;
    }

    /// <summary>The canonical address of record (scheme, user and lower-case host).</summary>
    public string AddressOfRecord { get; }

    /// <summary>The contact URI as registered (the URI only; header parameters are in <see cref="FeatureParameters"/>).</summary>
    public string Contact { get; }

    /// <summary>When the binding expires (UTC).</summary>
    public DateTimeOffset ExpiresAt => new(_expiresTicks, TimeSpan.Zero);

    /// <summary>The Call-ID of the REGISTER that last updated the binding.</summary>
    public string CallId { get; }

    /// <summary>The CSeq number of that REGISTER; a later REGISTER with the same Call-ID must have a higher one (RFC 3261 §10.3 step 7).</summary>
    public uint CSeq { get; }

    /// <summary>The q value, 0 to 1 in steps of 0.001 (RFC 3261 §20.10); 1 when the contact had none.</summary>
    public double Q
    {
        get => _q / 1000.0;
        init => _q = (ushort)Math.Round(Math.Clamp(value, 0, 1) * 1000);
    }

    /// <summary>The q value in thousandths (for sorting and storage).</summary>
    public int QThousandths => _q;

    /// <summary>The <c>+sip.instance</c> value without its quotes (e.g. <c>&lt;urn:uuid:…&gt;</c>), or null (RFC 5626 §4.1, RFC 5627).</summary>
    public string? InstanceId { get; init; }

    /// <summary>The <c>reg-id</c> (RFC 5626 §4.2), or 0 when absent or ignored (no instance).</summary>
    public int RegId { get; init; }

    /// <summary>
    /// The other Contact header parameters as written, starting with ';' (feature tags of RFC 3840 such as
    /// <c>+g.3gpp.icsi-ref</c>, kept for capability discovery and callee preferences); empty when none. Excludes q,
    /// expires, +sip.instance, reg-id and GRUU parameters, which have their own properties or are per response.
    /// </summary>
    public string FeatureParameters { get; init; } = string.Empty;

    /// <summary>The Path values recorded at registration, outermost (first) first (RFC 3327 §5.3); empty when none.</summary>
    public IReadOnlyList<string> Path
    {
        get => _path;
        init => _path = value is null || value.Count == 0 ? s_noPath : value as string[] ?? [.. value];
    }

    private readonly string[] _path = s_noPath;

    /// <summary>Where the REGISTER came from (the flow of RFC 5626 §5.2), or null when unknown (e.g. loaded from storage).</summary>
    public SipEndPoint? Source
    {
        get => _hasSource ? new SipEndPoint(_protocol, _sourceAddress!) : null;
        init
        {
            _hasSource = value is not null;
            if (value is { } v)
            {
                _protocol = v.Protocol;
                _sourceAddress = v.Address;
            }
        }
    }

    /// <summary>The connection the REGISTER came on (stream transports; 0 for UDP or after a restart).</summary>
    public long ConnectionId { get; init; }

    /// <summary>True when the binding uses SIP outbound (an instance and a reg-id, RFC 5626 §6): requests go back on its flow.</summary>
    public bool IsOutbound => RegId != 0 && InstanceId is not null;

    /// <summary>Seconds left before expiry at <paramref name="now"/> (0 once expired).</summary>
    public uint RemainingSeconds(DateTimeOffset now)
    {
        long ticks = _expiresTicks - now.UtcTicks;
        return ticks <= 0 ? 0 : (uint)Math.Min(uint.MaxValue, (ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
    }

    /// <summary>True when the binding has expired at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => _expiresTicks <= now.UtcTicks;

    /// <summary>Parses <see cref="Contact"/> (not cached, to keep the binding small).</summary>
    public SipUri ParseContact() => SipUri.Parse(Contact);

    /// <summary>A feature-tag or other header parameter of the contact (case-insensitive); empty for a flag, null when absent.</summary>
    public string? GetParameter(string name) => FeatureParameters.Length == 0 ? null : SipParameterList.FromText(FeatureParameters).Get(name);

    /// <summary>A stable short identifier of the binding within its AoR (the reginfo contact id, RFC 3680 §4.7.1).</summary>
    public string Id
    {
        get
        {
            // FNV-1a over the contact (or the instance + reg-id, which identify an outbound binding, RFC 5626 §6).
            uint hash = 2166136261;
            var key = InstanceId is null ? Contact : InstanceId + "#" + RegId.ToString(CultureInfo.InvariantCulture);
            foreach (char c in key)
            {
                hash = (hash ^ c) * 16777619;
            }
            return hash.ToString("x8", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// The Contact header value for a 200 OK to REGISTER (RFC 3261 §10.3 step 8): the URI, its expires at
    /// <paramref name="now"/>, q, instance, reg-id and feature tags.
    /// </summary>
    public string ToContactHeader(DateTimeOffset now, string? extraParameters = null)
    {
        var sb = new StringBuilder(Contact.Length + FeatureParameters.Length + 64);
        sb.Append('<').Append(Contact).Append(">;expires=").Append(RemainingSeconds(now).ToString(CultureInfo.InvariantCulture));
        if (_q != 1000)
        {
            sb.Append(";q=").Append(Q.ToString("0.###", CultureInfo.InvariantCulture));
        }
        if (InstanceId is not null)
        {
            sb.Append(";+sip.instance=\"").Append(InstanceId).Append('"');
        }
        if (RegId != 0)
        {
            sb.Append(";reg-id=").Append(RegId.ToString(CultureInfo.InvariantCulture));
        }
        sb.Append(FeatureParameters);
        if (extraParameters is not null)
        {
            sb.Append(extraParameters);
        }
        return sb.ToString();
    }

    /// <summary>Returns a copy with other values, keeping the rest (used by refreshes and storage).</summary>
    internal SipBinding With(DateTimeOffset expiresAt, string callId, uint cseq) => new(AddressOfRecord, Contact, expiresAt, callId, cseq)
    {
        Q = Q,
        InstanceId = InstanceId,
        RegId = RegId,
        FeatureParameters = FeatureParameters,
        Path = _path,
        Source = Source,
        ConnectionId = ConnectionId,
    };

    /// <inheritdoc />
    public override string ToString() => $"{AddressOfRecord} -> {Contact} until {ExpiresAt:O}";
}

/// <summary>What happened to a binding (the contact <c>event</c> values of RFC 3680 §4.7.1).</summary>
public enum SipBindingEvent : byte
{
    /// <summary>Created by a REGISTER (<c>registered</c>).</summary>
    Registered = 0,
    /// <summary>Created administratively (<c>created</c>).</summary>
    Created = 1,
    /// <summary>Refreshed by a REGISTER with the same or a longer expiry (<c>refreshed</c>).</summary>
    Refreshed = 2,
    /// <summary>Refreshed with a shorter expiry (<c>shortened</c>).</summary>
    Shortened = 3,
    /// <summary>Removed because it expired (<c>expired</c>).</summary>
    Expired = 4,
    /// <summary>Removed by the network; the user should register again (<c>deactivated</c>).</summary>
    Deactivated = 5,
    /// <summary>Removed by a REGISTER with expires 0 or Contact * (<c>unregistered</c>).</summary>
    Unregistered = 6,
}

/// <summary>A change to one binding.</summary>
/// <param name="Binding">The binding after the change (for removals, the binding that was removed).</param>
/// <param name="Event">What happened.</param>
public readonly record struct SipBindingChange(SipBinding Binding, SipBindingEvent Event)
{
    /// <summary>True when the change removed the binding.</summary>
    public bool IsRemoval => Event is SipBindingEvent.Expired or SipBindingEvent.Deactivated or SipBindingEvent.Unregistered;

    /// <summary>The RFC 3680 §4.7.1 event name.</summary>
    public string EventName => Event switch
    {
        SipBindingEvent.Registered => "registered",
        SipBindingEvent.Created => "created",
        SipBindingEvent.Refreshed => "refreshed",
        SipBindingEvent.Shortened => "shortened",
        SipBindingEvent.Expired => "expired",
        SipBindingEvent.Deactivated => "deactivated",
        _ => "unregistered",
    };
}

/// <summary>The bindings of an address of record changed (raised for every change, for the reg event package, RFC 3680).</summary>
public sealed class SipBindingsChangedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public SipBindingsChangedEventArgs(string addressOfRecord, IReadOnlyList<SipBindingChange> changes, IReadOnlyList<SipBinding> current)
    {
        AddressOfRecord = addressOfRecord;
        Changes = changes;
        Current = current;
    }

    /// <summary>The address of record.</summary>
    public string AddressOfRecord { get; }

    /// <summary>What changed, in order.</summary>
    public IReadOnlyList<SipBindingChange> Changes { get; }

    /// <summary>The active bindings after the change.</summary>
    public IReadOnlyList<SipBinding> Current { get; }
}
