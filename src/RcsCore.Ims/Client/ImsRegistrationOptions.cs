using RcsCore.Ims.Authentication;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Ims.Client;

/// <summary>
/// The secret a UE answers registration challenges with: a Digest password (RFC 7616, RFC 8760) or the USIM/ISIM
/// keys for IMS AKA (RFC 3310, RFC 4169, 3GPP TS 33.203).
/// </summary>
public sealed class ImsCredentials
{
    private readonly byte[]? _k;
    private readonly byte[]? _opc;

    private ImsCredentials(string? password, byte[]? k, byte[]? opc, ImsAkaSequenceWindow? window)
    {
        Password = password;
        _k = k;
        _opc = opc;
        SequenceWindow = window;
    }

    /// <summary>The Digest password, or null for AKA credentials.</summary>
    public string? Password { get; }

    /// <summary>True for AKA credentials (K and OPc).</summary>
    public bool IsAka => _k is not null;

    /// <summary>
    /// The USIM's SQN freshness state (3GPP TS 33.102 Annex C), shared by every client created from these credentials
    /// so that a restarted client does not accept an old vector; null for a password.
    /// </summary>
    public ImsAkaSequenceWindow? SequenceWindow { get; }

    /// <summary>Credentials for Digest with a password (MD5, SHA-256, SHA-512-256).</summary>
    public static ImsCredentials FromPassword(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return new ImsCredentials(password, null, null, null);
    }

    /// <summary>Credentials for IMS AKA (AKAv1-MD5, AKAv2-MD5): the subscriber key K, OPc and the SQN window.</summary>
    public static ImsCredentials FromAka(ReadOnlySpan<byte> k, ReadOnlySpan<byte> opc, ImsAkaSequenceWindow? window = null) =>
        new(null, k.ToArray(), opc.ToArray(), window ?? new ImsAkaSequenceWindow());

    internal ImsAkaClient? CreateAkaClient() => _k is null ? null : new ImsAkaClient(_k, _opc, SequenceWindow);
}

/// <summary>Configuration of an <see cref="ImsRegistrationClient"/> (3GPP TS 24.229 §5.1.1, GSMA RCC.07 §2.4).</summary>
public sealed class ImsRegistrationOptions
{
    /// <summary>TS 24.229 §5.1.1.2.1: the UE asks for 600 000 seconds; the registrar grants what it wants.</summary>
    public const uint DefaultExpires = 600_000;

    /// <summary>The Request-URI of REGISTER: the registrar, i.e. the home network domain (RFC 3261 §10.2, TS 24.229 §5.1.1.2.1).</summary>
    public required SipUri Registrar { get; init; }

    /// <summary>Where every request goes: the P-CSCF or outbound proxy (its transport decides UDP, TCP or TLS).</summary>
    public required SipEndPoint NextHop { get; init; }

    /// <summary>The public user identity (IMPU) registered: From and To of REGISTER (RFC 3261 §10.2, TS 24.229 §5.1.1.2.1).</summary>
    public required SipNameAddress PublicIdentity { get; init; }

    /// <summary>The private user identity (IMPI): the Digest username (TS 24.229 §5.1.1.2.1, TS 33.203 §6.1).</summary>
    public required string PrivateIdentity { get; init; }

    /// <summary>The password or AKA keys; null registers without authentication (a challenge then fails the registration).</summary>
    public ImsCredentials? Credentials { get; init; }

    /// <summary>The Digest realm of the initial AKA Authorization; null for the host of <see cref="Registrar"/> (TS 24.229 §5.1.1.2.1).</summary>
    public string? Realm { get; init; }

    /// <summary>The registration expiry asked for (Expires header); <see cref="DefaultExpires"/> unless configured.</summary>
    public uint Expires { get; init; } = DefaultExpires;

    /// <summary>The Contact URI; null to build <c>sip:user@host:port</c> from the user agent's bound endpoint for <see cref="NextHop"/>.</summary>
    public SipUri? ContactUri { get; init; }

    /// <summary>
    /// The instance ID sent as <c>+sip.instance</c> (RFC 5626 §4.1, RFC 5627): <c>urn:gsma:imei:…</c> (GSMA
    /// PRD TS.32 / RFC 7254) or <c>urn:uuid:…</c>; null for none (then neither GRUU nor outbound can be used).
    /// </summary>
    public string? InstanceId { get; init; }

    /// <summary>The reg-id of the flow (RFC 5626 §4.2.1); needs <see cref="InstanceId"/>. Null: no outbound.</summary>
    public int? RegId { get; init; }

    /// <summary>The feature tags of the Contact (RFC 3840, TS 24.229 §7.9.2, GSMA RCC.07 §2.4.4).</summary>
    public ImsFeatureTags FeatureTags { get; init; } = new();

    /// <summary>Subscribe to the reg event package after registering (RFC 3680, TS 24.229 §5.1.1.3). Default true.</summary>
    public bool SubscribeToRegEvent { get; init; } = true;

    /// <summary>The Expires of the reg event SUBSCRIBE (TS 24.229 §5.1.1.3: 600 000 seconds).</summary>
    public uint RegEventExpires { get; init; } = DefaultExpires;

    /// <summary>Base time of the flow recovery back-off after failures, when every flow failed (RFC 5626 §4.5: 30 s).</summary>
    public TimeSpan RetryBaseTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound of the back-off (RFC 5626 §4.5: 1800 s).</summary>
    public TimeSpan RetryMaxTime { get; init; } = TimeSpan.FromSeconds(1800);

    /// <summary>Challenges answered per REGISTER exchange before giving up (covers AKA resynchronisation and a stale nonce).</summary>
    public int MaxAuthenticationAttempts { get; init; } = 4;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is missing or inconsistent.</summary>
    public void Validate()
    {
        if (Registrar is null || PublicIdentity is null || PublicIdentity.IsWildcard)
        {
            throw new ArgumentException("Registrar and PublicIdentity (a name-addr) are required.", nameof(Registrar));
        }
        if (string.IsNullOrEmpty(PrivateIdentity))
        {
            throw new ArgumentException("PrivateIdentity is required.", nameof(PrivateIdentity));
        }
        if (Expires == 0)
        {
            throw new ArgumentException("Expires must be positive; deregister with UnregisterAsync.", nameof(Expires));
        }
        if (RegId is not null && (InstanceId is null || RegId <= 0))
        {
            throw new ArgumentException("reg-id needs +sip.instance and must be positive (RFC 5626 §4.2.1).", nameof(RegId));
        }
        if (RetryBaseTime <= TimeSpan.Zero || RetryMaxTime < RetryBaseTime)
        {
            throw new ArgumentException("RetryBaseTime must be positive and not above RetryMaxTime.", nameof(RetryBaseTime));
        }
        if (MaxAuthenticationAttempts < 1)
        {
            throw new ArgumentException("MaxAuthenticationAttempts must be at least 1.", nameof(MaxAuthenticationAttempts));
        }
        ArgumentNullException.ThrowIfNull(FeatureTags);
    }
}
