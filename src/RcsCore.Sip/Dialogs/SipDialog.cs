using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Dialogs;

/// <summary>
/// A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE creates, identified by Call-ID, local tag
/// and remote tag, with the state needed to send requests inside it (sequence numbers, remote target, route set).
/// Created from a request and a response with <see cref="TryCreateUac"/> / <see cref="TryCreateUas"/>, or by the
/// user agent (<see cref="UserAgent.SipUserAgent"/>), which also sends what <see cref="CreateRequest"/> builds.
/// The state is an explicit machine: Early → Confirmed → Terminated, or Early → Terminated. Thread-safe.
/// </summary>
public sealed class SipDialog
{
    private static readonly SipParameterList s_noParameters = SipParameterList.Empty;

    private readonly Lock _gate = new();
    private readonly SipNameAddress _local;
    private readonly SipNameAddress _remote;
    private SipDialogState _state;
    private uint _localSequence;
    private bool _hasLocalSequence;
    private uint _remoteSequence;
    private bool _hasRemoteSequence;
    private uint _inviteSequence;
    private SipUri _remoteTarget;
    private IReadOnlyList<SipNameAddress> _routeSet;
    private SipRequest? _lastAck;

    private SipDialog(SipDialogId id, SipDialogRole role, SipDialogState state, SipNameAddress local, SipNameAddress remote,
        SipUri remoteTarget, IReadOnlyList<SipNameAddress> routeSet, bool secure, SipUri? localContact)
    {
        Id = id;
        Role = role;
        _state = state;
        _local = local;
        _remote = remote;
        _remoteTarget = remoteTarget;
        _routeSet = routeSet;
        IsSecure = secure;
        LocalContact = localContact;
    }

    /// <summary>The dialog ID (RFC 3261 §12).</summary>
    public SipDialogId Id { get; }

    /// <summary>The Call-ID.</summary>
    public string CallId => Id.CallId;

    /// <summary>The local tag.</summary>
    public string LocalTag => Id.LocalTag;

    /// <summary>The remote tag (empty for an RFC 2543 peer that sent no From tag, RFC 3261 §12.1.1).</summary>
    public string RemoteTag => Id.RemoteTag;

    /// <summary>Whether this UA sent or received the request that created the dialog.</summary>
    public SipDialogRole Role { get; }

    /// <summary>The current state (a snapshot).</summary>
    public SipDialogState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>The local URI: From of requests this UA sends in the dialog (RFC 3261 §12.1).</summary>
    public SipUri LocalUri => _local.Uri;

    /// <summary>The remote URI: To of requests this UA sends in the dialog (RFC 3261 §12.1).</summary>
    public SipUri RemoteUri => _remote.Uri;

    /// <summary>The local sequence number (CSeq of the last request sent), or null while empty (UAS, RFC 3261 §12.1.1).</summary>
    public uint? LocalSequence
    {
        get
        {
            lock (_gate)
            {
                return _hasLocalSequence ? _localSequence : null;
            }
        }
    }

    /// <summary>The remote sequence number (CSeq of the last in-order request received), or null while empty (UAC, RFC 3261 §12.1.2).</summary>
    public uint? RemoteSequence
    {
        get
        {
            lock (_gate)
            {
                return _hasRemoteSequence ? _remoteSequence : null;
            }
        }
    }

    /// <summary>The remote target: the peer's Contact, the Request-URI of in-dialog requests (RFC 3261 §12.1).</summary>
    public SipUri RemoteTarget
    {
        get
        {
            lock (_gate)
            {
                return _remoteTarget;
            }
        }
    }

    /// <summary>The route set: the Route headers of in-dialog requests, in order (RFC 3261 §12.1.1, §12.1.2).</summary>
    public IReadOnlyList<SipNameAddress> RouteSet
    {
        get
        {
            lock (_gate)
            {
                return _routeSet;
            }
        }
    }

    /// <summary>True when the dialog was created over TLS with a SIPS Request-URI (RFC 3261 §12.1.1).</summary>
    public bool IsSecure { get; }

    /// <summary>This UA's Contact URI in the dialog, put into target refresh requests (RFC 3261 §12.2.1.1).</summary>
    public SipUri? LocalContact { get; }

    /// <summary>The user agent that owns the dialog and sends its requests; null for a standalone dialog.</summary>
    internal ISipDialogUser? Owner { get; set; }

    /// <summary>Where the owner sends in-dialog requests by default: the flow the dialog was created on.</summary>
    internal SipEndPoint Peer { get; set; }

    /// <summary>The last ACK for a 2xx to an INVITE, resent when that 2xx is retransmitted (RFC 3261 §13.2.2.4).</summary>
    internal SipRequest? LastAck
    {
        get
        {
            lock (_gate)
            {
                return _lastAck;
            }
        }
        set
        {
            lock (_gate)
            {
                _lastAck = value;
            }
        }
    }

    /// <summary>
    /// Creates the UAC side of a dialog (RFC 3261 §12.1.2) from the request this UA sent and a 101–299 response
    /// with a To tag: route set = the response's Record-Route in reverse order, remote target = its Contact (the
    /// Request-URI when a broken peer sent none), local sequence = the request's CSeq, remote sequence empty.
    /// 1xx makes an early dialog, 2xx a confirmed one. False when the response cannot create a dialog.
    /// </summary>
    /// <param name="request">The dialog-creating request this UA sent.</param>
    /// <param name="response">A 101–299 response to it.</param>
    /// <param name="sentOverTls">True when the request was sent over TLS (for the secure flag).</param>
    /// <param name="dialog">The dialog.</param>
    public static bool TryCreateUac(SipRequest request, SipResponse response, bool sentOverTls, [NotNullWhen(true)] out SipDialog? dialog)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        dialog = null;
        // RFC 3261 §12.1: only 101-299 responses with a To tag create dialogs.
        if (response.StatusCode is <= 100 or >= 300 || response.To?.Tag is not { Length: > 0 } remoteTag
            || request.From is not { Tag: { Length: > 0 } localTag } from || request.To is not { } to
            || request.CallId is not { } callId || request.CSeq is not { } cseq)
        {
            return false;
        }
        var routeSet = ReversedRecordRoute(response);
        // RFC 3261 §12.1.2: the remote target is the URI of the response's Contact.
        var target = response.Contacts is [var contact, ..] && !contact.IsWildcard ? contact.Uri : request.RequestUri;
        var state = response.IsSuccess ? SipDialogState.Confirmed : SipDialogState.Early;
        // RFC 3261 §12.1.2: secure when the request went over TLS to a SIPS Request-URI.
        bool secure = sentOverTls && request.RequestUri.Scheme == SipUriScheme.Sips;
        var localContact = request.Contacts is [var c, ..] ? c.Uri : null;
        dialog = new SipDialog(new SipDialogId(callId, localTag, remoteTag), SipDialogRole.Uac, state, from, to, target, routeSet, secure, localContact)
        {
            // RFC 3261 §12.1.2: local sequence = CSeq of the request; remote sequence empty.
            _localSequence = cseq.Number,
            _hasLocalSequence = true,
            _inviteSequence = cseq.Number,
        };
        return true;
    }

    /// <summary>
    /// Creates the UAS side of a dialog (RFC 3261 §12.1.1) from the request received and the 101–299 response with
    /// a To tag sent to it: route set = the request's Record-Route in order, remote target = its Contact, remote
    /// sequence = its CSeq, local sequence empty. 1xx makes an early dialog, 2xx a confirmed one. False when the
    /// pair cannot create a dialog (no Contact in the request: RFC 3261 §8.1.1.8 requires one).
    /// </summary>
    /// <param name="request">The dialog-creating request received.</param>
    /// <param name="response">The 101–299 response sent to it.</param>
    /// <param name="receivedOverTls">True when the request arrived over TLS (for the secure flag).</param>
    /// <param name="dialog">The dialog.</param>
    public static bool TryCreateUas(SipRequest request, SipResponse response, bool receivedOverTls, [NotNullWhen(true)] out SipDialog? dialog)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        dialog = null;
        if (response.StatusCode is <= 100 or >= 300 || response.To?.Tag is not { Length: > 0 } localTag
            || request.From is not { } from || request.To is not { } to || request.CallId is not { } callId
            || request.CSeq is not { } cseq || request.Contacts is not [var contact, ..] || contact.IsWildcard)
        {
            return false;
        }
        // RFC 3261 §12.1.1: the route set is the request's Record-Route, in order; the remote target its Contact.
        var routeSet = request.RecordRoutes.ToArray();
        var state = response.IsSuccess ? SipDialogState.Confirmed : SipDialogState.Early;
        bool secure = receivedOverTls && request.RequestUri.Scheme == SipUriScheme.Sips;
        var localContact = response.Contacts is [var c, ..] ? c.Uri : null;
        // RFC 3261 §12.1.1: a request without a From tag has a null remote tag.
        dialog = new SipDialog(new SipDialogId(callId, localTag, from.Tag ?? string.Empty), SipDialogRole.Uas, state, to, from, contact.Uri, routeSet, secure, localContact)
        {
            _remoteSequence = cseq.Number,
            _hasRemoteSequence = true,
        };
        return true;
    }

    /// <summary>
    /// Creates the subscriber's dialog from a NOTIFY that matches a SUBSCRIBE this UA sent, whether or not its 2xx
    /// has arrived (RFC 6665 §4.1.2.4, §4.4.1): the NOTIFY is a request received in the dialog, so, as for a UAS
    /// (RFC 3261 §12.1.1), the route set is its Record-Route in order, the remote target its Contact and the remote
    /// sequence its CSeq; the local side (From, tag, CSeq, Contact) is the SUBSCRIBE's. False without a Contact or tags.
    /// </summary>
    internal static bool TryCreateSubscriber(SipRequest subscribe, SipRequest notify, bool secure, [NotNullWhen(true)] out SipDialog? dialog)
    {
        dialog = null;
        if (subscribe.From is not { Tag: { Length: > 0 } localTag } from || subscribe.To is not { } to
            || subscribe.CallId is not { } callId || subscribe.CSeq is not { } cseq
            || notify.From?.Tag is not { Length: > 0 } remoteTag || notify.CSeq is not { } notifyCSeq
            || notify.Contacts is not [var contact, ..] || contact.IsWildcard)
        {
            return false;
        }
        var localContact = subscribe.Contacts is [var c, ..] ? c.Uri : null;
        dialog = new SipDialog(new SipDialogId(callId, localTag, remoteTag), SipDialogRole.Uac, SipDialogState.Confirmed, from, to,
            contact.Uri, notify.RecordRoutes.ToArray(), secure && subscribe.RequestUri.Scheme == SipUriScheme.Sips, localContact)
        {
            _localSequence = cseq.Number,
            _hasLocalSequence = true,
            _remoteSequence = notifyCSeq.Number,
            _hasRemoteSequence = true,
        };
        return true;
    }

    /// <summary>
    /// Builds a request inside the dialog (RFC 3261 §12.2.1.1): Request-URI and Route headers from the remote target
    /// and route set (loose routing when the first route has <c>lr</c>, otherwise strict routing, §16.12), To with
    /// the remote tag, From with the local tag, the Call-ID, CSeq one above the last (ACK reuses the CSeq number of
    /// the last INVITE, §13.2.2.4), Max-Forwards 70, Contact for target refresh requests, and
    /// <paramref name="via"/> (or, for a dialog owned by a user agent, a Via with a new branch). Add a body and
    /// other headers, build, and send with <see cref="SendRequestAsync(SipRequest, IProgress{SipResponse}?, CancellationToken)"/>.
    /// </summary>
    /// <param name="method">The method; not CANCEL (built from the INVITE transaction, RFC 3261 §9.1).</param>
    /// <param name="via">The top Via; null to let the owning user agent create it.</param>
    /// <exception cref="InvalidOperationException">The dialog is terminated, or it has no owner and no Via was given.</exception>
    public SipRequestBuilder CreateRequest(string method, SipViaHeader? via = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (method == "CANCEL")
        {
            throw new ArgumentException("A CANCEL is built from the INVITE transaction it cancels (RFC 3261 §9.1).", nameof(method));
        }
        via ??= Owner?.CreateVia(this) ?? throw new InvalidOperationException("A standalone dialog needs the Via of the request.");
        SipUri requestUri;
        var routes = new List<string>();
        uint sequence;
        lock (_gate)
        {
            if (_state == SipDialogState.Terminated)
            {
                throw new InvalidOperationException($"Dialog {Id} is terminated.");
            }
            if (method == "ACK")
            {
                // RFC 3261 §13.2.2.4: the ACK for a 2xx has the CSeq number of the INVITE it acknowledges.
                sequence = _inviteSequence;
            }
            else
            {
                // RFC 3261 §12.2.1.1: the local sequence number is incremented by one for each request; when empty
                // (UAS) an initial value is chosen (§8.1.1.5).
                _localSequence = _hasLocalSequence ? _localSequence + 1 : 1;
                _hasLocalSequence = true;
                sequence = _localSequence;
                if (method == "INVITE")
                {
                    _inviteSequence = sequence;
                }
            }
            if (_routeSet.Count == 0)
            {
                // RFC 3261 §12.2.1.1: empty route set: Request-URI = remote target, no Route header.
                requestUri = _remoteTarget;
            }
            else if (_routeSet[0].Uri.IsLooseRouting)
            {
                // RFC 3261 §12.2.1.1: first route is a loose router: Request-URI = remote target, Route = route set.
                requestUri = _remoteTarget;
                foreach (var route in _routeSet)
                {
                    routes.Add(route.ToString());
                }
            }
            else
            {
                // RFC 3261 §12.2.1.1 (strict router, §16.12 of RFC 2543 style): Request-URI = first route without the
                // parameters a Request-URI may not have; Route = the rest, then the remote target.
                requestUri = WithoutHeaders(_routeSet[0].Uri);
                for (int i = 1; i < _routeSet.Count; i++)
                {
                    routes.Add(_routeSet[i].ToString());
                }
                routes.Add("<" + _remoteTarget.Text + ">");
            }
        }
        var b = new SipRequestBuilder(method, requestUri);
        b.AddHeader(SipHeaderName.Via, via.ToString());
        b.AddHeader(SipHeaderName.MaxForwards, "70");
        foreach (var route in routes)
        {
            b.AddHeader(SipHeaderName.Route, route);
        }
        // RFC 3261 §12.2.1.1: From = local URI + local tag, To = remote URI + remote tag (display names kept).
        b.AddHeader(SipHeaderName.From, _local.WithParameter("tag", LocalTag).ToString());
        b.AddHeader(SipHeaderName.To, RemoteTag.Length == 0 ? WithoutTag(_remote).ToString() : _remote.WithParameter("tag", RemoteTag).ToString());
        b.AddHeader(SipHeaderName.CallId, CallId);
        b.AddHeader(SipHeaderName.CSeq, string.Create(CultureInfo.InvariantCulture, $"{sequence} {method}"));
        // RFC 3261 §12.2.1.1: a Contact in target refresh requests (§12.2: INVITE, UPDATE; RFC 6665 SUBSCRIBE/NOTIFY; REFER).
        if (LocalContact is not null && IsTargetRefresh(method))
        {
            b.AddHeader(SipHeaderName.Contact, "<" + LocalContact.Text + ">");
        }
        return b;
    }

    /// <summary>
    /// Checks a request received in this dialog (RFC 3261 §12.2.2): its dialog ID must be this one (481 otherwise)
    /// and its CSeq must not be lower than the remote sequence number (500 otherwise). When it is in order its CSeq
    /// becomes the remote sequence number. ACK and CANCEL reuse the CSeq of their INVITE and are not checked.
    /// Returns null when the request may be processed.
    /// </summary>
    public SipCheckFailure? CheckRequest(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.Equals(request.CallId, CallId, StringComparison.Ordinal)
            || !string.Equals(request.To?.Tag, LocalTag, StringComparison.Ordinal)
            || !string.Equals(request.From?.Tag ?? string.Empty, RemoteTag, StringComparison.Ordinal))
        {
            return new SipCheckFailure(481, SipStatus.DefaultReason(481), "the request is not for this dialog");
        }
        if (request.CSeq is not { } cseq)
        {
            return new SipCheckFailure(400, SipStatus.DefaultReason(400), "no CSeq");
        }
        if (request.Method is "ACK" or "CANCEL")
        {
            return null;
        }
        lock (_gate)
        {
            if (_state == SipDialogState.Terminated)
            {
                return new SipCheckFailure(481, SipStatus.DefaultReason(481), "the dialog is terminated");
            }
            // RFC 3261 §12.2.2: lower than the remote sequence number -> out of order -> 500.
            if (_hasRemoteSequence && cseq.Number < _remoteSequence)
            {
                return new SipCheckFailure(500, "Out Of Order", string.Create(CultureInfo.InvariantCulture, $"CSeq {cseq.Number} is below {_remoteSequence}"));
            }
            _remoteSequence = cseq.Number;
            _hasRemoteSequence = true;
        }
        return null;
    }

    /// <summary>
    /// Sends a request built by <see cref="CreateRequest"/> through the owning user agent and returns its final
    /// response. For an INVITE (re-INVITE) the user agent sends the ACK for a 2xx and refreshes the remote target
    /// (RFC 3261 §12.2.1.2). A 481 or 408 terminates the dialog (§12.2.1.2). Cancelling <paramref name="ct"/> only
    /// stops the wait.
    /// </summary>
    /// <exception cref="InvalidOperationException">The dialog has no owner.</exception>
    public Task<SipResponse> SendRequestAsync(SipRequest request, IProgress<SipResponse>? provisional = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var owner = Owner ?? throw new InvalidOperationException("Only a dialog owned by a user agent can send requests.");
        return owner.SendInDialogAsync(this, request, provisional, ct);
    }

    /// <summary>Creates and sends a request with an optional body (see <see cref="CreateRequest"/>).</summary>
    /// <param name="method">The method.</param>
    /// <param name="body">The body; empty for none.</param>
    /// <param name="contentType">The body's media type; required with a body.</param>
    /// <param name="ct">Stops the wait.</param>
    public Task<SipResponse> SendRequestAsync(string method, ReadOnlyMemory<byte> body = default, string? contentType = null, CancellationToken ct = default)
    {
        var b = CreateRequest(method);
        if (!body.IsEmpty)
        {
            ArgumentException.ThrowIfNullOrEmpty(contentType);
            b.SetBody(body, contentType);
        }
        return SendRequestAsync(b.Build(), null, ct);
    }

    /// <summary>
    /// Ends the dialog with a BYE (RFC 3261 §15.1.1): the dialog is terminated as the BYE is sent, and the returned
    /// task completes with the BYE's final response. As the UAS of an INVITE it first waits for the ACK of its 2xx
    /// or for the ACK timeout (§15).
    /// </summary>
    public Task<SipResponse> ByeAsync(CancellationToken ct = default)
    {
        var owner = Owner ?? throw new InvalidOperationException("Only a dialog owned by a user agent can send requests.");
        return owner.ByeAsync(this, SipDialogTerminationReason.LocalBye, ct);
    }

    /// <summary>
    /// Makes an early UAC dialog confirmed on the 2xx (RFC 3261 §13.2.2.4): the route set is recomputed from the 2xx
    /// (§12.1.2) and the remote target taken from its Contact. For a UAS dialog only the state changes.
    /// False when the dialog is not early.
    /// </summary>
    internal bool Confirm(SipResponse? response)
    {
        lock (_gate)
        {
            if (!TryTransition(SipDialogState.Confirmed))
            {
                return false;
            }
            if (Role == SipDialogRole.Uac && response is not null)
            {
                _routeSet = ReversedRecordRoute(response);
                if (response.Contacts is [var contact, ..] && !contact.IsWildcard)
                {
                    _remoteTarget = contact.Uri;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// A target refresh (RFC 3261 §12.2.1.2 for a 2xx to our re-INVITE/UPDATE, §12.2.2 for a re-INVITE/UPDATE
    /// received): the remote target becomes the message's Contact URI, when it has one. The route set never changes.
    /// </summary>
    internal void RefreshRemoteTarget(SipMessage message)
    {
        if (message.Contacts is [var contact, ..] && !contact.IsWildcard)
        {
            lock (_gate)
            {
                _remoteTarget = contact.Uri;
            }
        }
    }

    /// <summary>Moves to Terminated; false when already terminated.</summary>
    internal bool Terminate()
    {
        lock (_gate)
        {
            return TryTransition(SipDialogState.Terminated);
        }
    }

    /// <summary>The explicit state machine: Early → Confirmed, Early → Terminated, Confirmed → Terminated.</summary>
    private bool TryTransition(SipDialogState to)
    {
        switch (_state, to)
        {
            case (SipDialogState.Early, SipDialogState.Confirmed):
            case (SipDialogState.Early, SipDialogState.Terminated):
            case (SipDialogState.Confirmed, SipDialogState.Terminated):
                _state = to;
                return true;
            default:
                return false;
        }
    }

    /// <summary>True for the methods whose Contact updates the remote target (RFC 3261 §12.2, RFC 3311, RFC 6665, RFC 3515).</summary>
    internal static bool IsTargetRefresh(string method) => method is "INVITE" or "UPDATE" or "SUBSCRIBE" or "NOTIFY" or "REFER";

    private static SipNameAddress[] ReversedRecordRoute(SipResponse response)
    {
        // RFC 3261 §12.1.2: the UAC's route set is the Record-Route of the response in reverse order.
        var rr = response.RecordRoutes;
        var routeSet = new SipNameAddress[rr.Count];
        for (int i = 0; i < rr.Count; i++)
        {
            routeSet[i] = rr[rr.Count - 1 - i];
        }
        return routeSet;
    }

    private static SipNameAddress WithoutTag(SipNameAddress address)
    {
        if (address.Tag is null)
        {
            return address;
        }
        var list = new List<KeyValuePair<string, string?>>();
        foreach (var p in address.Parameters)
        {
            if (!string.Equals(p.Key, "tag", StringComparison.OrdinalIgnoreCase))
            {
                list.Add(p);
            }
        }
        return new SipNameAddress(address.Uri, address.DisplayName, list.Count == 0 ? s_noParameters : list);
    }

    private static SipUri WithoutHeaders(SipUri uri)
    {
        // RFC 3261 §12.2.1.1 / §19.1.1 table 1: a Request-URI carries no headers component.
        if (uri.Headers is null)
        {
            return uri;
        }
        int q = uri.Text.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? uri : SipUri.Parse(uri.Text[..q]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Role} dialog {Id} {State}";
}
