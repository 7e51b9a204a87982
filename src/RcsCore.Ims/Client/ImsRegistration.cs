using RcsCore.Sip.Messages;

namespace RcsCore.Ims.Client;

/// <summary>Where the registration of an <see cref="ImsRegistrationClient"/> stands.</summary>
public enum ImsRegistrationState : byte
{
    /// <summary>Not registered: never registered, deregistered by the UE, or deregistered by the network.</summary>
    Unregistered = 0,
    /// <summary>Bound at the registrar until <see cref="ImsRegistration.ExpiresAt"/>; refreshed before then.</summary>
    Registered = 1,
    /// <summary>The last attempt failed; <see cref="ImsRegistration.NextAttemptAt"/> says whether it will be retried.</summary>
    Failed = 2,
}

/// <summary>Why a registration is not (or no longer) in place.</summary>
public enum ImsRegistrationError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>403 Forbidden: the network refuses this identity; not retried (TS 24.229 §5.1.1.5.1).</summary>
    Forbidden = 1,
    /// <summary>The registrar rejected the credentials, or no usable challenge or credentials were there.</summary>
    AuthenticationFailed = 2,
    /// <summary>AKA: the network failed to authenticate (AUTN MAC wrong); not retried (TS 24.229 §5.1.1.5.3).</summary>
    NetworkAuthenticationFailed = 3,
    /// <summary>Another final response (4xx, 6xx, or 423 without a usable Min-Expires); not retried.</summary>
    Rejected = 4,
    /// <summary>408, 5xx or a transport failure: retried with back-off (RFC 5626 §4.5).</summary>
    Unreachable = 5,
    /// <summary>The network ended the registration (reg event rejected / unregistered, TS 24.229 §5.1.1.7).</summary>
    DeregisteredByNetwork = 6,
}

/// <summary>An immutable snapshot of a registration (RFC 3261 §10.3, RFC 3608, RFC 5627, TS 24.229 §5.1.1.2).</summary>
public sealed class ImsRegistration
{
    internal static readonly ImsRegistration Initial = new();

    /// <summary>The state.</summary>
    public ImsRegistrationState State { get; init; }

    /// <summary>Why it is not registered, when it is not.</summary>
    public ImsRegistrationError Error { get; init; }

    /// <summary>The status code of the last final response to REGISTER (0 before any, or on a transport failure without one).</summary>
    public int StatusCode { get; init; }

    /// <summary>The Contact this client registers (with its parameters).</summary>
    public SipNameAddress? Contact { get; init; }

    /// <summary>The expiry granted for our contact (RFC 3261 §10.2.4: its expires parameter, else the Expires header).</summary>
    public TimeSpan Expires { get; init; }

    /// <summary>When the binding expires, by the client's clock.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When the client will refresh (registered) or retry (failed); null when nothing is scheduled.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The Service-Route of the 200: the preloaded route set of later requests (RFC 3608 §6).</summary>
    public IReadOnlyList<SipNameAddress> ServiceRoute { get; init; } = [];

    /// <summary>The Path the registrar stored (RFC 3327 §5.3).</summary>
    public IReadOnlyList<SipNameAddress> Path { get; init; } = [];

    /// <summary>The P-Associated-URI identities, in order (RFC 7315 §4.1).</summary>
    public IReadOnlyList<SipNameAddress> AssociatedUris { get; init; } = [];

    /// <summary>
    /// The default public user identity: the first P-Associated-URI that is not barred, else the registered IMPU
    /// (TS 24.229 §5.1.1.2.1 step on 200 OK).
    /// </summary>
    public SipNameAddress? DefaultPublicIdentity { get; init; }

    /// <summary>The public GRUU assigned to our contact (RFC 5627 §5.2: pub-gruu), or null.</summary>
    public SipUri? PublicGruu { get; init; }

    /// <summary>The latest temporary GRUU (RFC 5627 §5.2: temp-gruu), or null.</summary>
    public SipUri? TemporaryGruu { get; init; }

    /// <summary>The other bindings of the AOR listed in the 200 (RFC 3261 §10.2.4), ours excluded.</summary>
    public IReadOnlyList<SipNameAddress> OtherContacts { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() => State switch
    {
        ImsRegistrationState.Registered => $"Registered for {Expires.TotalSeconds:0} s",
        ImsRegistrationState.Failed => $"Failed ({Error}, {StatusCode})",
        _ => Error == ImsRegistrationError.None ? "Unregistered" : $"Unregistered ({Error})",
    };
}

/// <summary>The registration changed.</summary>
public sealed class ImsRegistrationChangedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public ImsRegistrationChangedEventArgs(ImsRegistration previous, ImsRegistration current)
    {
        Previous = previous;
        Current = current;
    }

    /// <summary>The state before.</summary>
    public ImsRegistration Previous { get; }

    /// <summary>The state now.</summary>
    public ImsRegistration Current { get; }
}
