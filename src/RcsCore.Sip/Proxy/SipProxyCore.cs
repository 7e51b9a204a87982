using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Proxy;

/// <summary>
/// A transaction-stateful proxy (RFC 3261 §16): validates, pre-processes Route (§16.4, loose routing §16.12),
/// determines targets (§16.5, through an <see cref="ISipProxyRouter"/> for its own domains), forwards with
/// Record-Route, Via and Max-Forwards handling (§16.6) to one or several targets (parallel or sequential forking),
/// relays responses and picks the best final one (§16.7), forwards CANCEL (§16.10), and forwards 2xx ACKs and 2xx
/// retransmissions statelessly (§16.11). The host's <see cref="ISipTransactionUser"/> hands it requests, ACKs and stray
/// responses that are not for the host itself.
/// </summary>
public sealed partial class SipProxyCore
{
    private readonly SipTransactionLayer _transactions;
    private readonly ISipMessageSender _sender;
    private readonly ISipTargetResolver _resolver;
    private readonly ISipProxyRouter _router;
    private readonly SipProxyOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SipServerTransaction, ProxyContext> _inviteContexts = new();

    /// <summary>Creates the proxy core.</summary>
    public SipProxyCore(SipTransactionLayer transactions, ISipMessageSender sender, ISipTargetResolver resolver, ISipProxyRouter router, SipProxyOptions options, ILogger<SipProxyCore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(options);
        _transactions = transactions;
        _sender = sender;
        _resolver = resolver;
        _router = router;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Number of INVITE requests being proxied (response contexts, RFC 3261 §16.2).</summary>
    public int ActiveInviteContexts => _inviteContexts.Count;

    /// <summary>
    /// True when <paramref name="uri"/> is for a domain this proxy is responsible for (RFC 3261 §16.5): a configured
    /// domain name, or this proxy's own address and port. An IP address with another port is another element.
    /// </summary>
    public bool IsLocalDomain(SipUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return SipResponseRouting.ParseNumericHost(uri.Host) is null ? _options.Domains.Contains(uri.Host) : IsOurAddress(uri);
    }

    /// <summary>True when <paramref name="uri"/> designates this proxy (a Route or Record-Route value it inserted, RFC 3261 §16.4).</summary>
    public bool IsThisProxy(SipUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return (uri.User is null || uri.User.StartsWith("proxy", StringComparison.Ordinal)) && IsOurAddress(uri);
    }

    /// <summary>True when the URI's host and port are one of this proxy's listening addresses.</summary>
    public bool IsOurAddress(SipUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (SipResponseRouting.ParseNumericHost(uri.Host) is not { } address)
        {
            return false;
        }
        foreach (var protocol in s_protocols)
        {
            if (_options.LocalEndPoint(protocol) is { } local
                && SipResponseRouting.Unmap(address).Equals(SipResponseRouting.Unmap(local.Address.Address))
                && (uri.Port < 0 ? SipResponseRouting.DefaultPort(protocol) : uri.Port) == local.Address.Port)
            {
                return true;
            }
        }
        return false;
    }

    private static readonly SipTransportProtocol[] s_protocols = [SipTransportProtocol.Udp, SipTransportProtocol.Tcp, SipTransportProtocol.Tls];

    /// <summary>Proxies a new request received on <paramref name="transaction"/>. Never throws for network outcomes.</summary>
    public ValueTask ProcessRequestAsync(SipServerTransaction transaction, CancellationToken ct = default) => ProcessRequestAsync(transaction, null, ct);

    /// <summary>
    /// Proxies a new request received on <paramref name="transaction"/>; <paramref name="filter"/> sees the final
    /// response of the targets (or the router's rejection) before it goes upstream and may replace it. Never throws
    /// for network outcomes.
    /// </summary>
    public async ValueTask ProcessRequestAsync(SipServerTransaction transaction, SipProxyFinalResponseFilter? filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = transaction.Request;
        if (request.Method == "CANCEL")
        {
            await ProcessCancelAsync(transaction, ct).ConfigureAwait(false);
            return;
        }

        // RFC 3261 §16.3: request validation (syntax was checked by the parser; here 400/416/483/420).
        var failure = SipRequestChecks.Check(request, new SipRequestCheckOptions { IsProxy = true });
        if (failure is null && request.MaxForwards == 0)
        {
            failure = new SipCheckFailure(483, "Too Many Hops", "Max-Forwards is 0");
        }
        if (failure is not null)
        {
            var reject = SipResponseBuilder.For(request, failure.StatusCode, failure.ReasonPhrase);
            if (failure.Unsupported is { Count: > 0 } tags)
            {
                reject.AddHeader(SipHeaderName.Unsupported, string.Join(", ", tags));
            }
            await transaction.SendResponseAsync(reject.Build(), ct).ConfigureAwait(false);
            return;
        }

        // RFC 3261 §16.4: Route information preprocessing.
        var builder = SipRequestBuilder.FromRequest(request);
        var routes = request.Routes;
        if (IsThisProxy(request.RequestUri) && routes.Count > 0)
        {
            // The previous hop is a strict router: our Record-Route value is the Request-URI; the real one is the last Route.
            builder.RequestUri = routes[^1].Uri;
            routes = [.. routes.Take(routes.Count - 1)];
            SetRoutes(builder, routes);
        }
        if (routes.Count > 0 && IsThisProxy(routes[0].Uri))
        {
            routes = [.. routes.Skip(1)];
            SetRoutes(builder, routes);
        }

        // RFC 3261 §16.5: targets. A request still carrying Route, or for a foreign domain, keeps its Request-URI.
        SipProxyDecision decision;
        if (routes.Count > 0 || !IsLocalDomain(builder.RequestUri))
        {
            decision = SipProxyDecision.Forward([new SipProxyTarget(builder.RequestUri)]);
        }
        else
        {
            try
            {
                decision = await _router.RouteAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.RouterFailed(_logger, request.Method, e);
                decision = SipProxyDecision.Reject(500, "Server Internal Error");
            }
        }
        if (decision.Targets.Count == 0)
        {
            var rejection = SipResponseBuilder.For(request, decision.RejectStatus, decision.RejectReason).Build();
            if (filter is not null)
            {
                if (await filter(rejection, decision.RejectStatus, ct).ConfigureAwait(false) is not { } replaced)
                {
                    return;
                }
                rejection = replaced;
            }
            await transaction.SendResponseAsync(rejection, ct).ConfigureAwait(false);
            return;
        }

        var context = new ProxyContext(transaction, builder, filter);
        if (request.Method == "INVITE")
        {
            _inviteContexts[transaction] = context;
        }
        // The transport delivers messages one at a time per socket: waiting here for the downstream responses would
        // stall the very socket they arrive on. The response context runs on its own (RFC 3261 §16.2).
        _ = RunContextAsync(context, decision);
    }

    private async Task RunContextAsync(ProxyContext context, SipProxyDecision decision)
    {
        try
        {
            await ForwardAsync(context, decision, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the transaction layer is gone.
        }
        catch (Exception e)
        {
            Log.ForwardFailed(_logger, context.Transaction.Method, e);
            if (!context.ForwardedFinal)
            {
                context.ForwardedFinal = true;
                await context.Transaction.SendResponseAsync(SipResponseBuilder.For(context.Transaction.Request, 500).Build()).ConfigureAwait(false);
            }
        }
        finally
        {
            _inviteContexts.TryRemove(context.Transaction, out _);
        }
    }

    /// <summary>Replaces the Route header fields by <paramref name="routes"/> (a line may hold several values, so values, not lines, are kept).</summary>
    private static void SetRoutes(SipRequestBuilder builder, IEnumerable<SipNameAddress> routes)
    {
        builder.RemoveHeaders(SipHeaderName.Route);
        foreach (var r in routes)
        {
            builder.AddHeader(SipHeaderName.Route, r.ToString());
        }
    }

    private async ValueTask ForwardAsync(ProxyContext context, SipProxyDecision decision, CancellationToken ct)
    {
        // RFC 3261 §16.6: higher q first; equal q in parallel unless sequential search was asked for.
        var groups = decision.Targets.OrderByDescending(t => t.Q).GroupBy(t => decision.Sequential ? (object)t : t.Q).ToList();
        foreach (var group in groups)
        {
            var branches = new List<Branch>();
            foreach (var target in group)
            {
                var branch = await StartBranchAsync(context, target, ct).ConfigureAwait(false);
                if (branch is not null)
                {
                    branches.Add(branch);
                    lock (context.Branches)
                    {
                        context.Branches.Add(branch);
                    }
                }
            }
            var pending = branches.Select(b => b.Task).ToList();
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(done);
                var (branch, response) = await done.ConfigureAwait(false);
                if (response is null)
                {
                    branch.Done = true;
                    continue;
                }
                await OnFinalResponseAsync(context, branch, response, branches, ct).ConfigureAwait(false);
            }
            if (context.ForwardedFinal)
            {
                return;
            }
            if (context.Best is { StatusCode: >= 600 })
            {
                break; // RFC 3261 §16.7 step 5/6: a 6xx ends the search
            }
        }
        if (!context.ForwardedFinal)
        {
            var best = context.Best;
            SipResponse final;
            if (best is null)
            {
                final = SipResponseBuilder.For(context.Transaction.Request, 408).Build();
            }
            else if (best.StatusCode == 503)
            {
                // RFC 3261 §16.7 step 6: a 503 is not forwarded as such; the proxy answers 500.
                final = SipResponseBuilder.For(context.Transaction.Request, 500, "Server Internal Error").Build();
            }
            else
            {
                final = StripTopVia(best);
            }
            context.ForwardedFinal = true;
            await SendFinalAsync(context, final, best?.StatusCode ?? 408, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the final response upstream through the context's filter (which may replace it or answer itself).</summary>
    private static async ValueTask SendFinalAsync(ProxyContext context, SipResponse response, int branchStatus, CancellationToken ct)
    {
        if (context.Filter is { } filter)
        {
            if (await filter(response, branchStatus, ct).ConfigureAwait(false) is not { } replaced)
            {
                return;
            }
            response = replaced;
        }
        await context.Transaction.SendResponseAsync(response, ct).ConfigureAwait(false);
    }

    private async ValueTask<Branch?> StartBranchAsync(ProxyContext context, SipProxyTarget target, CancellationToken ct)
    {
        var request = context.Transaction.Request;
        var b = context.Template;
        var copy = SipRequestBuilder.FromRequest(BuildFrom(b, target.Uri));

        // §16.6 step 3: Max-Forwards.
        int maxForwards = request.MaxForwards ?? (_options.DefaultMaxForwards + 1);
        copy.SetHeader(SipHeaderName.MaxForwards, (maxForwards - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

        // §16.6 step 5 / RFC 3327 §5: preloaded route from the registration's Path.
        if (target.Path is { Count: > 0 } path)
        {
            for (int i = path.Count - 1; i >= 0; i--)
            {
                copy.PrependHeader(SipHeaderName.Route, path[i]);
            }
        }

        // §16.6 step 7: the next hop is the first Route (loose router) or the Request-URI.
        var built = copy.Build();
        SipEndPoint destination;
        long connectionId = target.ConnectionId;
        if (target.Destination is { } fixedDestination)
        {
            destination = fixedDestination;
        }
        else
        {
            var nextHop = built.Routes.Count > 0 ? built.Routes[0].Uri : built.RequestUri;
            if (built.Routes.Count > 0 && !nextHop.IsLooseRouting)
            {
                // §16.6 step 6: strict router next hop: it becomes the Request-URI, the Request-URI goes last.
                copy.RequestUri = nextHop;
                copy.RemoveFirst(SipHeaderName.Route);
                copy.AddHeader(SipHeaderName.Route, $"<{built.RequestUri.Text}>");
            }
            IReadOnlyList<SipEndPoint> resolved;
            try
            {
                resolved = await _resolver.ResolveAsync(nextHop, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.ResolveFailed(_logger, nextHop.Text, e);
                resolved = [];
            }
            if (resolved.Count == 0)
            {
                context.Consider(FakeUpstream(SipResponseBuilder.For(request, 404, "Not Found").Build()));
                return null;
            }
            destination = resolved[0];
        }

        var local = _options.LocalEndPoint(destination.Protocol);
        if (local is null)
        {
            context.Consider(FakeUpstream(SipResponseBuilder.For(request, 503).Build()));
            return null;
        }

        // §16.6 step 4: Record-Route with this proxy's address and lr (§16.12); step 8: our Via with a new branch.
        string hostPort = FormatHostPort(local.Value.Address);
        if (_options.RecordRoute && request.Method is not "REGISTER")
        {
            string transportParam = destination.Protocol == SipTransportProtocol.Udp ? string.Empty : ";transport=" + destination.ViaTransport.ToLowerInvariant();
            copy.PrependHeader(SipHeaderName.RecordRoute, $"<sip:proxy@{hostPort}{transportParam};lr>");
        }
        if (request.Method == "REGISTER")
        {
            // RFC 3327 §5.1: a proxy on the registration path adds itself to Path when the UA supports it.
            copy.PrependHeader(SipHeaderName.Path, $"<sip:proxy@{hostPort};lr>");
        }
        string branchId = SipIds.NewBranch();
        copy.InsertHeader(0, SipHeaderName.Via, $"SIP/2.0/{destination.ViaTransport} {hostPort};branch={branchId}");
        var forwarded = copy.Build();

        var branch = new Branch(target, forwarded, destination);
        var provisional = new Progress(context, this, ct);
        try
        {
            var client = _transactions.StartClientTransaction(forwarded, destination, provisional, connectionId);
            branch.Client = client;
            // A layer being disposed cancels FinalResponse: the branch then simply ends without a response.
            branch.Task = client.FinalResponse.ContinueWith(t => (branch, t.IsCompletedSuccessfully ? t.Result : null), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Log.Forwarded(_logger, request.Method, forwarded.RequestUri, destination);
            return branch;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Log.ForwardFailed(_logger, request.Method, e);
            context.Consider(FakeUpstream(SipResponseBuilder.For(request, 500).Build()));
            return null;
        }
    }

    private static SipRequest BuildFrom(SipRequestBuilder template, SipUri requestUri)
    {
        template.RequestUri = requestUri;
        return template.Build();
    }

    private static string FormatHostPort(IPEndPoint ep) =>
        ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ep.Address}]:{ep.Port}" : $"{ep.Address}:{ep.Port}";

    // A locally generated response standing in for a branch that could not be tried: it carries an extra top Via so
    // that StripTopVia leaves the request's own Vias.
    private static SipResponse FakeUpstream(SipResponse response)
    {
        var b = SipResponseBuilder.FromResponse(response);
        b.InsertHeader(0, SipHeaderName.Via, "SIP/2.0/UDP local.invalid;branch=z9hG4bKlocal");
        return b.Build();
    }

    private async ValueTask OnFinalResponseAsync(ProxyContext context, Branch branch, SipResponse response, List<Branch> siblings, CancellationToken ct)
    {
        branch.Done = true;
        int status = response.StatusCode;
        if (status is >= 200 and < 300)
        {
            // §16.7 step 5: a 2xx is forwarded at once (every 2xx of a forked INVITE), and pending branches are cancelled.
            bool first = !context.ForwardedFinal;
            context.ForwardedFinal = true;
            if (first)
            {
                await SendFinalAsync(context, StripTopVia(response), status, ct).ConfigureAwait(false);
            }
            else
            {
                await context.Transaction.SendResponseAsync(StripTopVia(response), ct).ConfigureAwait(false);
            }
            await CancelPendingAsync(siblings, ct).ConfigureAwait(false);
            return;
        }
        context.Consider(response);
        if (status >= 600)
        {
            // §16.7 step 10: a 6xx cancels the other branches.
            await CancelPendingAsync(siblings, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask CancelPendingAsync(List<Branch> branches, CancellationToken ct)
    {
        foreach (var b in branches)
        {
            if (b.Done || b.Client is null || b.Client.Kind != SipTransactionKind.InviteClient || b.CancelSent)
            {
                continue;
            }
            b.CancelSent = true;
            // RFC 3261 §9.1: a CANCEL only after a provisional response; before that, wait for one (the branch
            // remembers to cancel when it arrives) — simplified: send once a provisional was seen.
            if (b.SawProvisional)
            {
                _ = _transactions.SendRequestAsync(b.Client.CreateCancel(), b.Destination, null, ct);
            }
            else
            {
                b.CancelWhenProvisional = true;
            }
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async ValueTask ProcessCancelAsync(SipServerTransaction cancel, CancellationToken ct)
    {
        // RFC 3261 §16.10: answer the CANCEL, then cancel every pending branch of the matching INVITE context.
        var invite = cancel.FindCancelTarget();
        if (invite is not null && _inviteContexts.TryGetValue(invite, out var context))
        {
            await cancel.SendResponseAsync(SipResponseBuilder.For(cancel.Request, 200).Build(), ct).ConfigureAwait(false);
            context.Cancelled = true;
            await CancelPendingAsync(context.Branches, ct).ConfigureAwait(false);
            return;
        }
        if (invite is not null)
        {
            await cancel.SendResponseAsync(SipResponseBuilder.For(cancel.Request, 200).Build(), ct).ConfigureAwait(false);
            return;
        }
        // No response context: the CANCEL matches nothing we proxied (§16.10 says forward statelessly; a 481 tells the UAC the same).
        await cancel.SendResponseAsync(SipResponseBuilder.For(cancel.Request, 481).Build(), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Forwards an ACK for a 2xx (or any ACK no transaction absorbed) statelessly (RFC 3261 §16.11): Route
    /// preprocessing, Max-Forwards, our Via with a branch derived from the ACK, next hop from Route or Request-URI.
    /// </summary>
    public async ValueTask ProcessAckAsync(SipInboundMessage ack, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ack);
        if (ack.Message is not SipRequest request || request.Method != "ACK" || request.MaxForwards == 0)
        {
            return;
        }
        var builder = SipRequestBuilder.FromRequest(request);
        var routes = request.Routes;
        if (routes.Count > 0 && IsThisProxy(routes[0].Uri))
        {
            routes = [.. routes.Skip(1)];
            SetRoutes(builder, routes);
        }
        else if (routes.Count == 0 && IsThisProxy(request.RequestUri))
        {
            return; // addressed to us
        }
        var nextHop = routes.Count > 0 ? routes[0].Uri : request.RequestUri;
        IReadOnlyList<SipEndPoint> resolved;
        try
        {
            resolved = await _resolver.ResolveAsync(nextHop, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ResolveFailed(_logger, nextHop.Text, e);
            return;
        }
        if (resolved.Count == 0 || _options.LocalEndPoint(resolved[0].Protocol) is not { } local)
        {
            return;
        }
        builder.SetHeader(SipHeaderName.MaxForwards, ((request.MaxForwards ?? (_options.DefaultMaxForwards + 1)) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // §16.11: a stateless proxy derives the branch from the request so retransmissions get the same one.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes((request.TopVia?.Branch ?? string.Empty) + request.CallId + request.CSeq));
        builder.InsertHeader(0, SipHeaderName.Via, $"SIP/2.0/{resolved[0].ViaTransport} {FormatHostPort(local.Address)};branch=z9hG4bK{Convert.ToHexStringLower(hash.AsSpan(0, 8))}");
        try
        {
            await _sender.SendAsync(builder.Build(), resolved[0], 0, ct).ConfigureAwait(false);
        }
        catch (SipTransportException e)
        {
            Log.StatelessSendFailed(_logger, "ACK", e);
        }
    }

    /// <summary>
    /// Forwards a response no client transaction absorbed (a 2xx retransmission or a forked 2xx arriving after the
    /// INVITE client transaction left Accepted) upstream statelessly: pop our Via, send per the next Via (§16.7, §18.2.2).
    /// </summary>
    public async ValueTask ProcessStrayResponseAsync(SipInboundMessage inbound, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        if (inbound.Message is not SipResponse response || response.Vias.Count < 2)
        {
            return;
        }
        var top = response.Vias[0];
        if (SipResponseRouting.ParseNumericHost(top.Host) is not { } host || !IsThisProxy(SipUri.Parse($"sip:{(host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + host + "]" : host.ToString())}:{(top.Port < 0 ? 5060 : top.Port)}")))
        {
            return; // RFC 3261 §18.1.2: not our Via: discard
        }
        var next = response.Vias[1];
        var protocol = next.Transport switch
        {
            "TCP" => SipTransportProtocol.Tcp,
            "TLS" => SipTransportProtocol.Tls,
            _ => SipTransportProtocol.Udp,
        };
        var nextHost = SipResponseRouting.ParseNumericHost(next.Received) ?? SipResponseRouting.ParseNumericHost(next.Host);
        if (nextHost is null)
        {
            return;
        }
        int port = next.RPort ?? (next.Port > 0 ? next.Port : SipResponseRouting.DefaultPort(protocol));
        try
        {
            await _sender.SendAsync(StripTopVia(response), new SipEndPoint(protocol, new IPEndPoint(nextHost, port)), 0, ct).ConfigureAwait(false);
        }
        catch (SipTransportException e)
        {
            Log.StatelessSendFailed(_logger, "response", e);
        }
    }

    internal static SipResponse StripTopVia(SipResponse response)
    {
        // RFC 3261 §16.7 step 3: remove the topmost Via (ours) before forwarding upstream.
        var b = SipResponseBuilder.FromResponse(response);
        var raw = response.GetRawValue(response.IndexOf(SipHeaderName.Via, 0));
        int pos = 0;
        if (SipViaParser.TryParseNext(raw, ref pos, out _, out _) == SipParseError.None && pos < raw.Length)
        {
            // The first Via line holds several values: keep the rest of that line.
            var rest = raw[pos..];
            int skip = 0;
            while (skip < rest.Length && rest[skip] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                skip++;
            }
            b.ReplaceFirstRaw(SipHeaderName.Via, rest[skip..]);
        }
        else
        {
            b.RemoveFirst(SipHeaderName.Via);
        }
        return b.Build();
    }

    private sealed class Branch
    {
        public Branch(SipProxyTarget target, SipRequest request, SipEndPoint destination)
        {
            Target = target;
            Request = request;
            Destination = destination;
        }

        public SipProxyTarget Target { get; }
        public SipRequest Request { get; }
        public SipEndPoint Destination { get; }
        public SipClientTransaction? Client { get; set; }
        public Task<(Branch, SipResponse?)> Task { get; set; } = null!;
        public volatile bool Done;
        public volatile bool SawProvisional;
        public volatile bool CancelSent;
        public volatile bool CancelWhenProvisional;
    }

    private sealed class ProxyContext
    {
        private readonly object _gate = new();

        public ProxyContext(SipServerTransaction transaction, SipRequestBuilder template, SipProxyFinalResponseFilter? filter)
        {
            Transaction = transaction;
            Template = template;
            Filter = filter;
        }

        public SipProxyFinalResponseFilter? Filter { get; }

        public SipServerTransaction Transaction { get; }
        public SipRequestBuilder Template { get; }
        public List<Branch> Branches { get; } = [];
        public volatile bool ForwardedFinal;
        public volatile bool Cancelled;
        public SipResponse? Best { get; private set; }

        /// <summary>RFC 3261 §16.7 step 6: 6xx first, then the lowest class; within a class the first seen.</summary>
        public void Consider(SipResponse? response)
        {
            if (response is null)
            {
                return;
            }
            lock (_gate)
            {
                if (Best is null || Rank(response.StatusCode) < Rank(Best.StatusCode))
                {
                    Best = response;
                }
            }
        }

        private static int Rank(int status) => status >= 600 ? 0 : status / 100 * 1000 + (status == 408 || status == 503 ? 999 : 0);
    }

    private sealed class Progress : IProgress<SipResponse>
    {
        private readonly ProxyContext _context;
        private readonly SipProxyCore _owner;
        private readonly CancellationToken _ct;

        public Progress(ProxyContext context, SipProxyCore owner, CancellationToken ct)
        {
            _context = context;
            _owner = owner;
            _ct = ct;
        }

        public void Report(SipResponse value)
        {
            foreach (var b in _context.Branches)
            {
                if (b.Request.TopVia?.Branch == value.TopVia?.Branch)
                {
                    b.SawProvisional = true;
                    if (b.CancelWhenProvisional && b.Client is not null)
                    {
                        b.CancelWhenProvisional = false;
                        _ = _owner._transactions.SendRequestAsync(b.Client.CreateCancel(), b.Destination, null, _ct);
                    }
                }
            }
            // RFC 3261 §16.7 step 5: provisional responses other than 100 are forwarded at once.
            if (value.StatusCode > 100 && !_context.ForwardedFinal)
            {
                _ = _context.Transaction.SendResponseAsync(StripTopVia(value), _ct).AsTask();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1900, Level = LogLevel.Debug, Message = "Proxied {Method} to {RequestUri} via {Destination}")]
        public static partial void Forwarded(ILogger logger, string method, SipUri requestUri, SipEndPoint destination);

        [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Router failed for {Method}")]
        public static partial void RouterFailed(ILogger logger, string method, Exception exception);

        [LoggerMessage(EventId = 1902, Level = LogLevel.Debug, Message = "Could not resolve {Uri}")]
        public static partial void ResolveFailed(ILogger logger, string uri, Exception exception);

        [LoggerMessage(EventId = 1903, Level = LogLevel.Warning, Message = "Could not forward {Method}")]
        public static partial void ForwardFailed(ILogger logger, string method, Exception exception);

        [LoggerMessage(EventId = 1904, Level = LogLevel.Debug, Message = "Stateless forward of {What} failed")]
        public static partial void StatelessSendFailed(ILogger logger, string what, Exception exception);
    }
}
