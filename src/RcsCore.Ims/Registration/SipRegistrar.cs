using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Ims.Registration;

/// <summary>Settings of a <see cref="SipRegistrar"/>.</summary>
public sealed class SipRegistrarOptions
{
    /// <summary>The domains the registrar has bindings for (RFC 3261 §10.3 step 1), compared case-insensitively.</summary>
    public IReadOnlySet<string> Domains { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Extra test for "one of our domains" (e.g. the host's own addresses); ORed with <see cref="Domains"/>.</summary>
    public Func<SipUri, bool>? IsLocalDomain { get; init; }

    /// <summary>Service-Route values returned in the 200 (RFC 3608 §6), e.g. <c>&lt;sip:orig@scscf.example.com;lr&gt;</c>.</summary>
    public IReadOnlyList<string> ServiceRoute { get; init; } = [];

    /// <summary>True to hand out pub-gruu and temp-gruu (RFC 5627 §6) to contacts with +sip.instance when the UA supports gruu.</summary>
    public bool EnableGruu { get; init; } = true;

    /// <summary>The Server header value (RFC 3261 §20.35); null for none.</summary>
    public string? ServerName { get; init; } = "RcsCore";

    /// <summary>Option tags the registrar supports: Require may ask only for these (RFC 3261 §10.3 step 2, §8.2.2.3).</summary>
    public IReadOnlySet<string> Supported { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "path", "gruu", "outbound" };
}

/// <summary>
/// The registrar (RFC 3261 §10.3; the S-CSCF role of 3GPP TS 24.229 §5.4.1): checks the Request-URI domain (step 1),
/// Require (step 2), authenticates (step 3) and authorises the To AoR for the IMPI (step 4, 403 otherwise), checks the
/// AoR (step 5), processes Contacts through the <see cref="SipLocationService"/> (steps 6–7) and answers 200 with every
/// current Contact and its expires, Date (step 8), the Path echoed (RFC 3327 §5.3), Service-Route (RFC 3608 §6),
/// P-Associated-URI (RFC 7315 §4.1) and GRUUs (RFC 5627 §6). Use it as the REGISTER handler of a
/// <see cref="SipUserAgent"/>, or call <see cref="ProcessAsync"/> from a host with its own transaction handling;
/// the host decides which REGISTERs are the registrar's (<see cref="IsResponsibleFor"/>).
/// </summary>
public sealed partial class SipRegistrar : ISipRequestHandler
{
    private readonly SipLocationService _locations;
    private readonly SipRegistrarOptions _options;
    private readonly ISipRegistrarAuthenticator? _authenticator;
    private readonly ISubscriberStore? _subscribers;
    private readonly SipRequestCheckOptions _checks;
    private readonly ILogger _logger;

    /// <summary>Creates the registrar.</summary>
    /// <param name="locations">The location service.</param>
    /// <param name="options">Domains, Service-Route, GRUU...</param>
    /// <param name="authenticator">Authentication; null accepts every REGISTER for an AoR of our domains (a lab without security).</param>
    /// <param name="subscribers">The subscribers (public identities for P-Associated-URI and the AoR check); null for none.</param>
    /// <param name="logger">Logging.</param>
    public SipRegistrar(SipLocationService locations, SipRegistrarOptions options, ISipRegistrarAuthenticator? authenticator = null,
        ISubscriberStore? subscribers = null, ILogger<SipRegistrar>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(options);
        _locations = locations;
        _options = options;
        _authenticator = authenticator;
        _subscribers = subscribers;
        _checks = new SipRequestCheckOptions { SupportedExtensions = options.Supported };
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The location service.</summary>
    public SipLocationService Locations => _locations;

    /// <summary>True when <paramref name="uri"/> is in one of the registrar's domains.</summary>
    public bool IsLocalDomain(SipUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.Scheme is SipUriScheme.Sip or SipUriScheme.Sips && (_options.Domains.Contains(uri.Host) || _options.IsLocalDomain?.Invoke(uri) == true);
    }

    /// <summary>True for a REGISTER whose Request-URI is one of the registrar's domains (RFC 3261 §10.3 step 1).</summary>
    public bool IsResponsibleFor(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Method == "REGISTER" && IsLocalDomain(request.RequestUri);
    }

    /// <inheritdoc />
    async ValueTask<SipResponse?> ISipRequestHandler.HandleAsync(SipIncomingRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await ProcessAsync(request.Request, request.Remote, request.Transaction.Inbound.ConnectionId, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Processes a REGISTER and returns the response to send (RFC 3261 §10.3). Failures are responses: 400, 401,
    /// 403, 404, 420, 423, 439 (RFC 5626 §6), 500.
    /// </summary>
    /// <param name="request">The REGISTER.</param>
    /// <param name="source">Where it came from (the flow, RFC 5626 §5.2).</param>
    /// <param name="connectionId">The connection it came on, or 0.</param>
    /// <param name="ct">Cancellation.</param>
    public async ValueTask<SipResponse> ProcessAsync(SipRequest request, SipEndPoint? source = null, long connectionId = 0, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method != "REGISTER")
        {
            var notAllowed = Response(request, 405);
            notAllowed.AddHeader(SipHeaderName.Allow, "REGISTER");
            return notAllowed.Build();
        }
        // RFC 3261 §10.3 step 2 (and §8.2): Require may only name extensions we support (420 + Unsupported).
        if (SipRequestChecks.Check(request, _checks) is { } failure)
        {
            var r = Response(request, failure.StatusCode, failure.ReasonPhrase);
            if (failure.Unsupported is { Count: > 0 } tags)
            {
                r.AddHeader(SipHeaderName.Unsupported, string.Join(", ", tags));
            }
            return Refused(r, failure.Detail);
        }
        // RFC 3261 §10.3 step 1: the Request-URI names the domain whose bindings are changed.
        if (!IsLocalDomain(request.RequestUri))
        {
            return Refused(Response(request, 404, "Domain Not Served"), "Request-URI domain not served");
        }
        var to = request.To!;
        if (to.Uri.Scheme is not (SipUriScheme.Sip or SipUriScheme.Sips or SipUriScheme.Tel))
        {
            return Refused(Response(request, 404), "To is not a SIP or tel URI");
        }
        string aor = to.Uri.ToAddressOfRecord();

        // RFC 3261 §10.3 step 3: authenticate (RFC 3261 §22; 3GPP TS 24.229 §5.4.1.2).
        SipSubscriber? subscriber = null;
        if (_authenticator is not null)
        {
            var auth = await _authenticator.AuthenticateAsync(request, ct).ConfigureAwait(false);
            if (auth.Outcome != SipAuthenticationOutcome.Authenticated)
            {
                var r = Response(request, auth.StatusCode);
                foreach (var challenge in auth.Challenges)
                {
                    r.AddHeader(SipHeaderName.WwwAuthenticate, challenge.ToString());
                }
                return Refused(r, auth.Detail);
            }
            subscriber = auth.Subscriber!;
            // RFC 3261 §10.3 step 4: the authenticated user must be allowed to change the bindings of this AoR
            // (3GPP TS 24.229 §5.4.1.2.1: the public identity must belong to the private one).
            if (!subscriber.HasImpu(aor))
            {
                return Refused(Response(request, 403, "Forbidden"), "AoR not associated with the IMPI");
            }
        }
        else
        {
            // RFC 3261 §10.3 step 5: the AoR must be valid for the domain.
            if (to.Uri.Scheme != SipUriScheme.Tel && !IsLocalDomain(to.Uri))
            {
                return Refused(Response(request, 404), "AoR not in our domains");
            }
            if (_subscribers is not null)
            {
                subscriber = await _subscribers.FindByImpuAsync(aor, ct).ConfigureAwait(false);
                if (subscriber is null)
                {
                    return Refused(Response(request, 404), "unknown AoR");
                }
            }
        }

        var registration = SipRegistrationRequest.FromRegister(request, source, connectionId);
        if (registration is null)
        {
            return Refused(Response(request, 400, "Invalid Contact"), "malformed Contact");
        }
        registration = new SipRegistrationRequest
        {
            AddressOfRecord = aor,
            CallId = registration.CallId,
            CSeq = registration.CSeq,
            Contacts = registration.Contacts,
            Expires = registration.Expires,
            Path = registration.Path,
            Source = source,
            ConnectionId = connectionId,
        };
        foreach (var contact in registration.Contacts)
        {
            if (!contact.IsWildcard && contact.Uri.HasParameter("gr"))
            {
                // RFC 5627 §6: a GRUU must not be registered as a contact.
                return Refused(Response(request, 403, "Contact Is A GRUU"), "contact is a GRUU");
            }
            if (contact.GetParameter("reg-id") is not null && contact.GetParameter("+sip.instance") is not null
                && registration.Path.Count > 0 && !FirstPathHasOb(request))
            {
                // RFC 5626 §6: outbound through an edge proxy that did not add ;ob to its Path.
                return Refused(Response(request, 439, "First Hop Lacks Outbound Support"), "first Path hop lacks ob");
            }
        }

        // RFC 3261 §10.3 steps 6-7.
        var result = await _locations.RegisterAsync(registration, ct).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            var r = Response(request, result.StatusCode, result.Status switch
            {
                SipRegistrationStatus.IntervalTooBrief => "Interval Too Brief",
                SipRegistrationStatus.OutOfOrder => "Server Internal Error",
                SipRegistrationStatus.TooManyBindings => "Too Many Contacts",
                _ => null,
            });
            if (result.Status == SipRegistrationStatus.IntervalTooBrief)
            {
                // RFC 3261 §10.3 step 7, §20.23.
                r.AddHeader(SipHeaderName.MinExpires, result.MinExpires.ToString(CultureInfo.InvariantCulture));
            }
            if (result.Status == SipRegistrationStatus.OutOfOrder)
            {
                r.AddHeader(SipHeaderName.RetryAfter, "1");
            }
            return Refused(r, result.Detail);
        }

        // RFC 3261 §10.3 step 8: 200 with every current binding and its expires, and Date.
        var now = _locations.TimeProvider.GetUtcNow();
        var ok = Response(request, 200);
        bool gruu = _options.EnableGruu && HasOptionTag(request, SipHeaderName.Supported, "gruu");
        foreach (var binding in result.Bindings)
        {
            ok.AddHeader(SipHeaderName.Contact, binding.ToContactHeader(now, gruu && binding.InstanceId is not null ? GruuParameters(binding) : null));
        }
        ok.AddHeader(SipHeaderName.Date, now.ToString("r", CultureInfo.InvariantCulture));
        if (registration.Path.Count > 0 && HasOptionTag(request, SipHeaderName.Supported, "path"))
        {
            // RFC 3327 §5.3: the stored Path is returned when the UA supports path.
            foreach (var p in registration.Path)
            {
                ok.AddHeader(SipHeaderName.Path, p);
            }
        }
        foreach (var route in _options.ServiceRoute)
        {
            // RFC 3608 §6: the Service-Route the UA preloads for requests it originates.
            ok.AddHeader(SipHeaderName.ServiceRoute, route);
        }
        // RFC 7315 §4.1: the public identities registered implicitly with this one, the AoR first.
        ok.AddHeader(SipHeaderName.PAssociatedUri, AssociatedUris(aor, subscriber));
        if (result.UsedOutbound)
        {
            // RFC 5626 §6: the registrar tells the UA it used outbound.
            ok.AddHeader(SipHeaderName.Require, "outbound");
        }
        if (gruu || result.UsedOutbound || registration.Path.Count > 0)
        {
            ok.AddHeader(SipHeaderName.Supported, string.Join(", ", _options.Supported));
        }
        Log.Registered(_logger, aor, result.Bindings.Count);
        return ok.Build();
    }

    /// <summary>
    /// Network-initiated deregistration (3GPP TS 24.229 §5.4.1.5): removes every binding of the AoR, reported as
    /// <c>deactivated</c> (RFC 3680 §4.7.1) so reg event subscribers are notified. Returns how many were removed.
    /// </summary>
    public ValueTask<int> DeregisterAsync(string addressOfRecord, CancellationToken ct = default) =>
        _locations.RemoveAllAsync(addressOfRecord, SipBindingEvent.Deactivated, ct);

    /// <summary>
    /// The bindings a request for <paramref name="target"/> goes to: for a public GRUU (<c>;gr=</c>, RFC 5627 §5.1) the
    /// bindings of that instance only, otherwise all active bindings of the AoR, by q.
    /// </summary>
    public async ValueTask<IReadOnlyList<SipBinding>> LookupAsync(SipUri target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var bindings = await _locations.LookupAsync(target.ToAddressOfRecord(), ct).ConfigureAwait(false);
        if (target.GetParameter("gr") is not { Length: > 0 } gr)
        {
            return bindings;
        }
        string instance = "<" + gr + ">";
        var matching = new List<SipBinding>();
        foreach (var b in bindings)
        {
            if (string.Equals(b.InstanceId, instance, StringComparison.OrdinalIgnoreCase))
            {
                matching.Add(b);
            }
        }
        return matching;
    }

    private static string AssociatedUris(string aor, SipSubscriber? subscriber)
    {
        if (subscriber is null)
        {
            return "<" + aor + ">";
        }
        var list = new List<string>(subscriber.Impus.Count) { "<" + aor + ">" };
        foreach (var impu in subscriber.Impus)
        {
            if (!string.Equals(impu, aor, StringComparison.Ordinal))
            {
                list.Add("<" + impu + ">");
            }
        }
        return string.Join(", ", list);
    }

    // RFC 5627 §6: pub-gruu = the AoR with gr=<instance URN>; temp-gruu: a random, unguessable URI in the domain.
    private static string GruuParameters(SipBinding binding)
    {
        string urn = binding.InstanceId!.Trim('<', '>');
        string domain = SipUri.TryParse(binding.AddressOfRecord, out var aorUri) ? aorUri.Host : "invalid";
        Span<byte> random = stackalloc byte[12];
        RandomNumberGenerator.Fill(random);
        return ";pub-gruu=\"" + binding.AddressOfRecord + ";gr=" + urn + "\";temp-gruu=\"sip:tgruu." + Convert.ToHexStringLower(random) + "@" + domain + ";gr\"";
    }

    private static bool FirstPathHasOb(SipRequest request) =>
        request.GetNameAddresses(SipHeaderName.Path) is [var first, ..] && first.Uri.HasParameter("ob");

    private static bool HasOptionTag(SipRequest request, SipHeaderName header, string tag)
    {
        foreach (var value in request.GetHeaders(header))
        {
            foreach (var t in value.Split(','))
            {
                if (string.Equals(t.Trim(), tag, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private SipResponseBuilder Response(SipRequest request, int status, string? reason = null)
    {
        var b = SipResponseBuilder.For(request, status, reason);
        if (_options.ServerName is { } server)
        {
            b.AddHeader(SipHeaderName.Server, server);
        }
        return b;
    }

    private SipResponse Refused(SipResponseBuilder response, string detail)
    {
        Log.Refused(_logger, response.StatusCode, detail);
        return response.Build();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4130, Level = LogLevel.Debug, Message = "REGISTER answered {Status}: {Detail}")]
        public static partial void Refused(ILogger logger, int status, string detail);

        [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "{Aor} registered with {Count} contacts")]
        public static partial void Registered(ILogger logger, string aor, int count);
    }
}
