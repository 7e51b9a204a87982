using System.Net;
using System.Security.Cryptography.X509Certificates;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Hosting;

/// <summary>Settings of a <see cref="SipServer"/>.</summary>
public sealed class SipServerOptions
{
    /// <summary>Where to listen; default UDP and TCP on 127.0.0.1:5060.</summary>
    public IList<SipEndPoint> Listen { get; init; } =
    [
        new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060)),
        new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 5060)),
    ];

    /// <summary>Certificate for TLS listeners; when null and a TLS listener is configured a self-signed one is made at start.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>
    /// Domains the server is responsible for (RFC 3261 §16.5): requests for users in these domains go through the
    /// location service. The listen addresses always count as local.
    /// </summary>
    public ISet<string> Domains { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost" };

    /// <summary>Static locations: user part → contact URIs (the registrar adds dynamic ones later).</summary>
    public IDictionary<string, IList<string>> StaticRoutes { get; init; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary>
    /// How OPTIONS capability queries for a registered user are handled (GSMA RCC.07 §2.6.1.1): false (the default)
    /// answers them in the server from the feature tags the user's contacts registered; true forwards them to the
    /// devices (forking by caller preferences, RFC 3841) so the devices answer themselves.
    /// </summary>
    public bool ForwardOptionsToDevices { get; init; }

    /// <summary>The Server header value (RFC 3261 §20.35).</summary>
    public string ServerName { get; init; } = "RcsCore";

    /// <summary>Transaction timers.</summary>
    public SipTimerOptions Timers { get; init; } = SipTimerOptions.Default;

    /// <summary>
    /// Resolve host names with DNS (RFC 3263 NAPTR/SRV/A/AAAA through the system's name servers) after the static
    /// table. Off by default: loopback deployments and tests use numeric hosts.
    /// </summary>
    public bool UseDns { get; init; }

    /// <summary>
    /// Digest algorithms the registrar offers, one WWW-Authenticate each, in order of preference (RFC 8760 §2.4);
    /// null for the default (SHA-256, then MD5). Peers that only do MD5 (SIPp 3.6) need MD5 listed first or alone.
    /// </summary>
    public IReadOnlyList<RcsCore.Ims.Authentication.SipDigestAlgorithm>? DigestAlgorithms { get; init; }

    /// <summary>
    /// Data directory for the embedded store (created when missing): subscribers and bindings live in
    /// <c>&lt;data&gt;/rcscore.db</c>, so registrations survive a restart, and REGISTER must authenticate.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Subscribers to authenticate REGISTER against (Digest or IMS AKA per subscriber); overrides the store of
    /// <see cref="DataDirectory"/>. With neither, the registrar accepts any REGISTER for an AoR of <see cref="Domains"/>.
    /// </summary>
    public ISubscriberStore? Subscribers { get; init; }

    /// <summary>The authentication realm; null for the domain of the registering AoR.</summary>
    public string? Realm { get; init; }

    /// <summary>Service-Route values the registrar returns (RFC 3608 §6).</summary>
    public IList<string> ServiceRoute { get; init; } = [];

    /// <summary>Expiry limits of registrations (RFC 3261 §10.3 step 7).</summary>
    public SipLocationServiceOptions Registration { get; init; } = new();

    /// <summary>The message centre's limits and timers (pager-mode size, expiry of stored messages, retries).</summary>
    public RcsCore.Rcs.MessageCentre.MessageCentreOptions MessageCentre { get; init; } = new();

    /// <summary>Who may message whom (rate limits, block lists); null allows everything.</summary>
    public RcsCore.Rcs.MessageCentre.IMessagingPolicy? MessagingPolicy { get; init; }

    /// <summary>
    /// The message centre's queue and history; null for the embedded store of <see cref="DataDirectory"/> (durable),
    /// or memory without one.
    /// </summary>
    public RcsCore.Rcs.MessageCentre.IMessageStore? MessageStore { get; init; }

    /// <summary>
    /// When set, every SIP message the server sends or receives is recorded to this pcapng file (created or
    /// overwritten at construction, flushed at least once a second and on dispose) with synthesised IP/UDP/TCP headers.
    /// </summary>
    public string? CapturePath { get; init; }

    /// <summary>
    /// When set, the server also runs the message centre's MSRP relay (RFC 4976) with these options, started with the
    /// server; AUTH is checked against the subscribers' Digest credentials (user name: IMPI or public identity), so it
    /// needs <see cref="Subscribers"/> or a <see cref="DataDirectory"/>. Null (the default): no relay.
    /// </summary>
    public RcsCore.Msrp.Relay.MsrpRelayOptions? MsrpRelay { get; init; }

    /// <summary>
    /// With a subscriber store, refuse (403) a MESSAGE or INVITE that names one of our users in From,
    /// P-Preferred-Identity or P-Asserted-Identity unless it comes from where that user registered (3GPP TS 24.229
    /// §5.2.6.3.3, RFC 3325 §5). Default true; turn off only for test beds where one agent registers for another
    /// (third-party registration, RFC 3261 §10.2) and a third one sends in its name.
    /// </summary>
    public bool VerifySenders { get; init; } = true;

    /// <summary>The clock of the registrar, the reg event package, the nonces and the message centre (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
