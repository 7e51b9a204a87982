using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Ims.Authentication;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Ims.Client;

/// <summary>
/// The UE side of IMS registration over a <see cref="SipUserAgent"/> (RFC 3261 §10, 3GPP TS 24.229 §5.1.1,
/// GSMA RCC.07 §2.4): registers the public identity with a Contact carrying the instance ID and feature tags,
/// answers Digest and IMS AKA challenges, keeps the Call-ID and counts CSeq across refreshes, re-registers
/// before expiry, recovers from failures with the RFC 5626 §4.5 back-off, subscribes to the reg event package
/// (RFC 3680) and follows network-initiated deregistration. Exposes the result as <see cref="Registration"/>
/// (the Service-Route to preload, associated identities, GRUUs). Thread-safe; one REGISTER at a time.
/// </summary>
public sealed partial class ImsRegistrationClient : IAsyncDisposable
{
    private static readonly TimerCallback s_timerFired = static s => ((ImsRegistrationClient)s!).OnTimer();

    private readonly SipUserAgent _ua;
    private readonly ImsRegistrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SipDigestClient _digest = new();
    private readonly ImsAkaClient? _aka;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly List<Task> _background = [];
    private readonly string _callId;
    private SipNameAddress? _contact;
    private uint _sequence;
    private uint _expires;
    private ImsRegistration _registration = ImsRegistration.Initial;
    private ITimer? _timer;
    private int _failures;
    private SipDigestChallenge? _challenge;
    private bool _challengeIsProxy;
    private bool _wanted;
    private bool _disposed;
    // The next (re-)registration is an initial one: fresh authentication (TS 24.229 §5.1.1.7).
    private bool _initialNext;

    /// <summary>Creates the client; nothing is sent before <see cref="RegisterAsync"/>.</summary>
    /// <param name="userAgent">The user agent whose transport reaches <see cref="ImsRegistrationOptions.NextHop"/>.</param>
    /// <param name="options">The configuration; validated here.</param>
    /// <param name="timeProvider">The clock for expiry, refresh and back-off; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Logging; none when null.</param>
    public ImsRegistrationClient(SipUserAgent userAgent, ImsRegistrationOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(userAgent);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ua = userAgent;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _aka = options.Credentials?.CreateAkaClient();
        _expires = options.Expires;
        // RFC 3261 §10.2.4: one Call-ID for every REGISTER this UA sends to this registrar.
        _callId = SipIds.NewCallId(options.Registrar.Host);
    }

    /// <summary>The configuration.</summary>
    public ImsRegistrationOptions Options => _options;

    /// <summary>The current registration (a snapshot).</summary>
    public ImsRegistration Registration
    {
        get
        {
            lock (_lock)
            {
                return _registration;
            }
        }
    }

    /// <summary>The Call-ID of every REGISTER this client sends (RFC 3261 §10.2.4).</summary>
    public string CallId => _callId;

    /// <summary>Raised after <see cref="Registration"/> changed. Handlers run on the thread that changed it; exceptions are logged.</summary>
    public event EventHandler<ImsRegistrationChangedEventArgs>? RegistrationChanged;

    /// <summary>
    /// Registers (or re-registers now) and returns the outcome of this attempt. While registration is wanted the
    /// client refreshes it before expiry and retries after transient failures in the background; watch
    /// <see cref="RegistrationChanged"/>.
    /// </summary>
    public async ValueTask<ImsRegistration> RegisterAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_lock)
        {
            _wanted = true;
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await RegisterCoreAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deregisters our contact (RFC 3261 §10.2.2, TS 24.229 §5.1.1.6: Expires 0 for it) and stops refreshing.
    /// Returns <see cref="ImsRegistrationState.Unregistered"/>; its error says when the registrar did not confirm.
    /// </summary>
    public async ValueTask<ImsRegistration> UnregisterAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_lock)
        {
            _wanted = false;
            CancelTimer();
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var outcome = await ExchangeAsync(ImsRegisterKind.Unregister, ct).ConfigureAwait(false);
            ImsRegistrationLog.Unregistered(_logger, _options.PublicIdentity.Uri.Text, outcome.StatusCode);
            var result = Update(_ => new ImsRegistration
            {
                State = ImsRegistrationState.Unregistered,
                Error = outcome.Error,
                StatusCode = outcome.StatusCode,
                Contact = _contact,
            });
            // Nothing left to watch: end the reg event subscription too (RFC 6665 §4.1.2.3).
            await UnsubscribeRegEventAsync().ConfigureAwait(false);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Queries the current bindings of the public identity with a REGISTER without Contact (RFC 3261 §10.2.3,
    /// TS 24.229 §5.1.1.4.1 "fetch bindings"); null when the registrar did not answer 2xx.
    /// </summary>
    public async ValueTask<IReadOnlyList<SipNameAddress>?> FetchBindingsAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var outcome = await ExchangeAsync(ImsRegisterKind.Fetch, ct).ConfigureAwait(false);
            return outcome.Response is { IsSuccess: true } ok ? ok.Contacts : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Adds the Service-Route of the registration as Route headers (RFC 3608 §6: the UA preloads it on requests it
    /// originates with the registered identity), before any Route already there.
    /// </summary>
    public SipRequestBuilder AddServiceRoute(SipRequestBuilder request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var routes = Registration.ServiceRoute;
        for (int i = routes.Count - 1; i >= 0; i--)
        {
            request.PrependHeader(SipHeaderName.Route, routes[i].ToString());
        }
        return request;
    }

    /// <summary>
    /// Tells the client that the flow to the P-CSCF failed (connection closed, keep-alive lost: RFC 5626 §4.4.1):
    /// while registration is wanted it registers again at once.
    /// </summary>
    public void OnFlowFailed()
    {
        if (_disposed)
        {
            return;
        }
        ImsRegistrationLog.Reregistering(_logger, "flow failed");
        RunInBackground(c => ReregisterAsync(c));
    }

    /// <summary>
    /// Stops timers and background work and unsubscribes from the reg event (SUBSCRIBE Expires: 0, RFC 6665
    /// §4.1.2.3; bounded by 64*T1 twice). Does not deregister.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task[] pending;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            CancelTimer();
            pending = [.. _background];
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await UnsubscribeRegEventAsync().ConfigureAwait(false);
        _aka?.Dispose();
        _stopping.Dispose();
    }

    private readonly record struct Outcome(SipResponse? Response, ImsRegistrationError Error, int StatusCode);

    /// <summary>One registration attempt; the caller holds the gate.</summary>
    private async Task<ImsRegistration> RegisterCoreAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            CancelTimer();
        }
        var outcome = await ExchangeAsync(ImsRegisterKind.Register, ct).ConfigureAwait(false);
        if (outcome.Response is { IsSuccess: true } ok)
        {
            return OnRegistered(ok);
        }
        return OnFailed(outcome);
    }

    /// <summary>
    /// Sends a REGISTER and follows it to a result: answers 401/407 challenges (RFC 3261 §22.2, RFC 3310, TS 24.229
    /// §5.1.1.5), retries a 423 with Min-Expires (RFC 3261 §10.2.8), and classifies the rest.
    /// </summary>
    private async Task<Outcome> ExchangeAsync(ImsRegisterKind kind, CancellationToken ct)
    {
        int challenges = 0;
        int intervalRetries = 0;
        var (credentials, proxy) = PreemptiveCredentials();
        // True when the credentials sent answer a challenge of this exchange with the real secret.
        bool answered = false;
        bool networkAuthFailure = false;
        while (true)
        {
            var request = BuildRegister(kind, credentials, proxy);
            SipResponse response;
            try
            {
                response = await _ua.SendRequestAsync(request, _options.NextHop, null, ct).ConfigureAwait(false);
            }
            catch (SipTransportException ex)
            {
                ImsRegistrationLog.SendFailed(_logger, ex);
                return new Outcome(null, ImsRegistrationError.Unreachable, 0);
            }
            int status = response.StatusCode;
            if (networkAuthFailure)
            {
                // TS 24.229 §5.1.1.5.3: after telling the network its challenge was not authentic the UE stops;
                // the S-CSCF answers 403 (§5.4.1.2.3) and no further attempt is made with this challenge.
                return new Outcome(response, ImsRegistrationError.NetworkAuthenticationFailed, status);
            }
            if (response.IsSuccess)
            {
                return new Outcome(response, ImsRegistrationError.None, status);
            }
            if (status is 401 or 407)
            {
                bool isProxy = status == 407;
                var challenge = PickChallenge(response, isProxy);
                // RFC 7616 §3.3 / RFC 2617 §3.2.1: a new challenge without stale=true after a real answer means the
                // credentials were refused; stale=true means only the nonce was, so answer it without asking again.
                if (challenge is null || ++challenges > _options.MaxAuthenticationAttempts || (answered && !challenge.Stale))
                {
                    ForgetChallenge();
                    return new Outcome(response, ImsRegistrationError.AuthenticationFailed, status);
                }
                ImsRegistrationLog.Challenged(_logger, status, challenge.AlgorithmName ?? "MD5", challenge.Stale);
                var answer = Answer(challenge, request, out var aka);
                if (answer is null)
                {
                    ForgetChallenge();
                    return new Outcome(response, ImsRegistrationError.AuthenticationFailed, status);
                }
                credentials = answer;
                proxy = isProxy;
                answered = aka is null or ImsAkaOutcome.Success;
                if (aka == ImsAkaOutcome.MacFailure)
                {
                    // TS 24.229 §5.1.1.5.3: the network is not authentic (TS 33.102 §6.3.3): one REGISTER with an
                    // empty response and no auts tells it so; then the UE gives up on this network.
                    networkAuthFailure = true;
                    ForgetChallenge();
                }
                else
                {
                    lock (_lock)
                    {
                        _challenge = challenge;
                        _challengeIsProxy = isProxy;
                    }
                }
                continue;
            }
            if (status == 423 && kind == ImsRegisterKind.Register)
            {
                // RFC 3261 §10.2.8: retry with an expiration at least the registrar's Min-Expires.
                uint? min = uint.TryParse(response.GetHeader(SipHeaderName.MinExpires)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint m) ? m : null;
                if (min is null || min <= _expires || ++intervalRetries > 2)
                {
                    return new Outcome(response, ImsRegistrationError.Rejected, status);
                }
                _expires = min.Value;
                ImsRegistrationLog.IntervalTooBrief(_logger, _expires);
                (credentials, proxy) = PreemptiveCredentials();
                answered = false;
                continue;
            }
            var error = status switch
            {
                // RFC 5626 §4.5: a 408 or 5xx (also the 408/503 the transaction layer reports for a timeout or a
                // transport error, RFC 3261 §8.1.3.1) is a flow failure, retried with back-off.
                408 or (>= 500 and < 600) => ImsRegistrationError.Unreachable,
                403 => ImsRegistrationError.Forbidden,
                _ => ImsRegistrationError.Rejected,
            };
            if (error != ImsRegistrationError.Unreachable)
            {
                ForgetChallenge();
            }
            return new Outcome(response, error, status);
        }
    }

    private SipRequest BuildRegister(ImsRegisterKind kind, SipDigestCredentials? credentials, bool proxy)
    {
        var contact = Contact();
        var impu = _options.PublicIdentity;
        var b = _ua.CreateRequest("REGISTER", _options.Registrar, _options.NextHop,
            to: new SipNameAddress(impu.Uri, impu.DisplayName), callId: _callId, sequence: NextSequence());
        // RFC 3261 §10.2: From and To carry the address of record; TS 24.229 §5.1.1.2.1: the public user identity.
        b.SetHeader(SipHeaderName.From, new SipNameAddress(impu.Uri, impu.DisplayName).WithParameter("tag", SipIds.NewTag()).ToString());
        uint expires = kind == ImsRegisterKind.Unregister ? 0 : _expires;
        switch (kind)
        {
            case ImsRegisterKind.Register:
                b.AddHeader(SipHeaderName.Contact, contact.ToString());
                // RFC 3261 §10.2.1.1, TS 24.229 §5.1.1.2.1: the Expires header asks for the expiry.
                b.AddHeader(SipHeaderName.Expires, expires.ToString(CultureInfo.InvariantCulture));
                break;
            case ImsRegisterKind.Unregister:
                // RFC 3261 §10.2.2, TS 24.229 §5.1.1.6.1: expires 0 for our contact only, not "*".
                b.AddHeader(SipHeaderName.Contact, contact.WithParameter("expires", "0").ToString());
                b.AddHeader(SipHeaderName.Expires, "0");
                break;
            default:
                // RFC 3261 §10.2.3: no Contact: a query for the current bindings.
                break;
        }
        // TS 24.229 §5.1.1.2.1: Supported path (RFC 3327) and gruu (RFC 5627 §4.1); outbound with a reg-id (RFC 5626 §4.2.1).
        b.AddHeader(SipHeaderName.Supported, _options.RegId is null ? "path, gruu" : "path, gruu, outbound");
        if (credentials is not null)
        {
            b.AddHeader(proxy ? SipHeaderName.ProxyAuthorization : SipHeaderName.Authorization, credentials.ToString());
        }
        ImsRegistrationLog.Sending(_logger, kind, _sequence, _options.NextHop, expires);
        return b.Build();
    }

    private uint NextSequence()
    {
        // RFC 3261 §10.2.4: the CSeq of each REGISTER with the same Call-ID is one higher.
        lock (_lock)
        {
            return ++_sequence;
        }
    }

    /// <summary>Our Contact (RFC 3261 §10.2.1, TS 24.229 §5.1.1.2.1, RFC 5626 §4.2.1, RFC 3840 §9).</summary>
    private SipNameAddress Contact()
    {
        if (_contact is { } built)
        {
            return built;
        }
        var uri = _options.ContactUri;
        if (uri is null)
        {
            var sentBy = _ua.Options.SentBy(_options.NextHop);
            string? transport = _options.NextHop.Protocol switch
            {
                SipTransportProtocol.Tcp => "tcp",
                SipTransportProtocol.Tls => "tls",
                _ => null,
            };
            uri = SipUri.Create(_options.PublicIdentity.Uri.User, sentBy.Host, sentBy.Port, transport: transport);
        }
        var parameters = new List<KeyValuePair<string, string?>>();
        if (_options.InstanceId is { } instance)
        {
            // RFC 5626 §4.1 / RFC 5627 §4.1: +sip.instance="<urn>" (a quoted string holding the URN in angle brackets).
            parameters.Add(new("+sip.instance", "\"<" + instance + ">\""));
        }
        if (_options.RegId is { } regId)
        {
            parameters.Add(new("reg-id", regId.ToString(CultureInfo.InvariantCulture)));
        }
        parameters.AddRange(_options.FeatureTags.ToParameters());
        var contact = new SipNameAddress(uri, null, parameters);
        lock (_lock)
        {
            _contact ??= contact;
            return _contact;
        }
    }

    /// <summary>True when a Contact of a response or a reginfo document is ours: same URI, or same instance and reg-id.</summary>
    private bool IsOurContact(SipUri uri, string? instance, string? regId)
    {
        var ours = Contact();
        if (ours.Uri.Equals(uri))
        {
            return true;
        }
        return _options.InstanceId is { } id && instance is not null
            && string.Equals(Unquote(instance).Trim('<', '>'), id, StringComparison.OrdinalIgnoreCase)
            && (_options.RegId is null || regId == _options.RegId.Value.ToString(CultureInfo.InvariantCulture));
    }

    private ImsRegistration OnRegistered(SipResponse ok)
    {
        var contact = Contact();
        SipNameAddress? ours = null;
        var others = new List<SipNameAddress>();
        foreach (var c in ok.Contacts)
        {
            if (ours is null && !c.IsWildcard && IsOurContact(c.Uri, c.GetParameter("+sip.instance"), c.GetParameter("reg-id")))
            {
                ours = c;
            }
            else
            {
                others.Add(c);
            }
        }
        // RFC 3261 §10.2.4: the expiry granted is the expires parameter of our Contact in the 200, else Expires.
        uint granted = ours?.GetParameter("expires") is { } e && uint.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out uint ge)
            ? ge
            : ok.Expires ?? _expires;
        if (ours is null)
        {
            ImsRegistrationLog.ContactNotListed(_logger, contact.Uri.Text);
        }
        if (granted == 0)
        {
            return OnFailed(new Outcome(ok, ImsRegistrationError.Rejected, ok.StatusCode));
        }
        var associated = ok.GetNameAddresses(SipHeaderName.PAssociatedUri);
        var now = _time.GetUtcNow();
        // TS 24.229 §5.1.1.4.1: re-register 600 s before expiry when granted more than 1200 s, else at half of it.
        var refresh = granted > 1200 ? TimeSpan.FromSeconds(granted - 600) : TimeSpan.FromSeconds(granted / 2.0);
        bool subscribe;
        ImsRegistration result;
        lock (_lock)
        {
            _failures = 0;
            if (_wanted && !_disposed)
            {
                ScheduleTimer(refresh);
            }
            subscribe = _options.SubscribeToRegEvent && _subscription is null && !_subscribing && !_disposed;
            _subscribing |= subscribe;
            result = new ImsRegistration
            {
                State = ImsRegistrationState.Registered,
                StatusCode = ok.StatusCode,
                Contact = contact,
                Expires = TimeSpan.FromSeconds(granted),
                ExpiresAt = now + TimeSpan.FromSeconds(granted),
                NextAttemptAt = _wanted ? now + refresh : null,
                // RFC 3608 §6: the Service-Route becomes the route set preloaded on later requests.
                ServiceRoute = ok.GetNameAddresses(SipHeaderName.ServiceRoute),
                Path = ok.GetNameAddresses(SipHeaderName.Path),
                AssociatedUris = associated,
                // TS 24.229 §5.1.1.2.1 / RFC 7315 §4.1: the first P-Associated-URI is the default public identity.
                DefaultPublicIdentity = associated.Count > 0 ? associated[0] : _options.PublicIdentity,
                // RFC 5627 §5.2: pub-gruu and temp-gruu are parameters of our Contact in the 200.
                PublicGruu = ParseQuotedUri(ours?.GetParameter("pub-gruu")),
                TemporaryGruu = ParseQuotedUri(ours?.GetParameter("temp-gruu")),
                OtherContacts = others,
            };
        }
        ImsRegistrationLog.Registered(_logger, _options.PublicIdentity.Uri.Text, granted, refresh.TotalSeconds);
        Publish(result);
        if (subscribe)
        {
            RunInBackground(SubscribeAsync);
        }
        return result;
    }

    private ImsRegistration OnFailed(Outcome outcome)
    {
        ImsRegistration result;
        lock (_lock)
        {
            DateTimeOffset? next = null;
            if (outcome.Error == ImsRegistrationError.Unreachable && _wanted && !_disposed)
            {
                var delay = RetryDelay(++_failures, outcome.Response);
                ScheduleTimer(delay);
                next = _time.GetUtcNow() + delay;
            }
            else if (outcome.Error != ImsRegistrationError.Unreachable)
            {
                // 403, refused credentials, an inauthentic network, other rejections: stop and report.
                _wanted = false;
            }
            result = new ImsRegistration
            {
                State = ImsRegistrationState.Failed,
                Error = outcome.Error,
                StatusCode = outcome.StatusCode,
                Contact = _contact,
                NextAttemptAt = next,
            };
        }
        ImsRegistrationLog.Failed(_logger, result.Error, result.StatusCode, result.NextAttemptAt);
        Publish(result);
        return result;
    }

    /// <summary>
    /// RFC 5626 §4.5: wait-time = min(max-time, base-time * 2^consecutive-failures), then a random time between 50%
    /// and 100% of it. A Retry-After in the response (RFC 3261 §21.5.4) is honoured when longer.
    /// </summary>
    private TimeSpan RetryDelay(int failures, SipResponse? response)
    {
        double max = _options.RetryMaxTime.TotalMilliseconds;
        double upper = Math.Min(max, _options.RetryBaseTime.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 30)));
        var delay = TimeSpan.FromMilliseconds(upper * (0.5 + Random.Shared.NextDouble() * 0.5));
        if (response?.GetHeader(SipHeaderName.RetryAfter) is { } retryAfter
            && uint.TryParse(retryAfter.Split(';', 2)[0].Split('(', 2)[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint seconds)
            && TimeSpan.FromSeconds(seconds) > delay)
        {
            delay = TimeSpan.FromSeconds(seconds);
        }
        return delay;
    }

    private ImsRegistration Update(Func<ImsRegistration, ImsRegistration> change)
    {
        ImsRegistration next;
        lock (_lock)
        {
            next = change(_registration);
        }
        Publish(next);
        return next;
    }

    private void Publish(ImsRegistration next)
    {
        ImsRegistration previous;
        lock (_lock)
        {
            previous = _registration;
            _registration = next;
        }
        try
        {
            RegistrationChanged?.Invoke(this, new ImsRegistrationChangedEventArgs(previous, next));
        }
        catch (Exception ex)
        {
            ImsRegistrationLog.HandlerFailed(_logger, ex);
        }
    }

    private void ScheduleTimer(TimeSpan due)
    {
        // Caller holds _lock.
        _timer?.Dispose();
        _timer = _time.CreateTimer(s_timerFired, this, due, Timeout.InfiniteTimeSpan);
    }

    private void CancelTimer()
    {
        // Caller holds _lock.
        _timer?.Dispose();
        _timer = null;
    }

    private void OnTimer() => RunInBackground(ReregisterAsync);

    /// <summary>A refresh, a retry, or a re-registration the network or the flow asked for.</summary>
    private async Task ReregisterAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_wanted || _disposed)
            {
                return;
            }
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            bool initial;
            lock (_lock)
            {
                if (!_wanted)
                {
                    return;
                }
                initial = _initialNext;
                _initialNext = false;
            }
            if (initial)
            {
                // TS 24.229 §5.1.1.7: after "deactivated" the UE performs an initial registration: fresh authentication.
                ForgetChallenge();
            }
            await RegisterCoreAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RunInBackground(Func<CancellationToken, Task> work)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(Task.Run(async () =>
            {
                try
                {
                    await work(_stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    ImsRegistrationLog.BackgroundFailed(_logger, ex);
                }
            }));
        }
    }

    private static SipUri? ParseQuotedUri(string? value) =>
        value is not null && SipUri.TryParse(Unquote(value), out var uri) ? uri : null;

    private static string Unquote(string value)
    {
        var v = value.Trim();
        return v.Length >= 2 && v[0] == '"' && v[^1] == '"' ? v[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : v;
    }
}

/// <summary>What a REGISTER is for.</summary>
internal enum ImsRegisterKind
{
    /// <summary>Add or refresh our binding.</summary>
    Register,
    /// <summary>Remove our binding (expires 0).</summary>
    Unregister,
    /// <summary>Query the bindings (no Contact).</summary>
    Fetch,
}
