using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using RcsCore.Msrp;
using RcsCore.Parsing.Sdp;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;

namespace RcsCore.Rcs.MessageCentre;

/// <summary>
/// Deferred large messages (OMA CPM: the participating function stores a large message for an offline recipient and
/// delivers it later). The message centre's own user agent, on its own SIP transport next to the server's: the proxy
/// sends it the large-message INVITEs of recipients that have no contact; it answers them, receives the one MSRP
/// message, stores it durably and queues it; when the recipient registers it sends the stored message as a new
/// large-message session (INVITE + MSRP SEND + BYE) through the server.
/// </summary>
internal sealed partial class LargeMessageDepot : IAsyncDisposable
{
    private const string CpimContentType = "message/cpim";

    /// <summary>How long the depot waits for the sender's message after its 200, and then for the sender's BYE.</summary>
    private static readonly TimeSpan s_receiveWait = TimeSpan.FromSeconds(30);

    private readonly MessageCentre _centre;
    private readonly SipEndPoint _server;
    private readonly SipTransportLayer _transport;
    private readonly SipUserAgent _ua;
    private readonly MsrpEndpoint _msrp;
    private readonly string _host;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<SipDialogId, TaskCompletionSource> _dialogs = new();

    private LargeMessageDepot(MessageCentre centre, SipEndPoint server, IPAddress address, ILoggerFactory loggerFactory)
    {
        _centre = centre;
        _server = server;
        _logger = loggerFactory.CreateLogger<LargeMessageDepot>();
        _host = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        _transport = new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [new SipEndPoint(server.Protocol, new IPEndPoint(address, 0))],
        }, null, loggerFactory);
        _ua = new SipUserAgent(_transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Create("message-centre", _host)),
            SentBy = destination => new SipHostPort(_host, _transport.GetLocalEndPoint(destination.Protocol)?.Address.Port ?? -1),
            Product = "RcsCore-message-centre",
            Accept = [RcsSdp.ContentType],
            // Every request of the depot goes through the server (the proxy routes it with the location service).
            ResolveNextHop = (_, _) => server,
        }, null, null, loggerFactory);
        _transport.Handler = _ua.Transactions;
        _msrp = MsrpEndpoint.Start(new MsrpEndpointOptions { ListenEndPoint = new IPEndPoint(address, 0) }, loggerFactory);
        _ua.Handle("INVITE", OnInviteAsync);
        _ua.DialogTerminated += OnDialogTerminated;
    }

    /// <summary>Where the depot listens for SIP (the proxy's target for deferred large messages).</summary>
    public SipEndPoint LocalEndPoint => _transport.LocalEndPoints[0];

    /// <summary>Starts the depot next to the server at <paramref name="server"/> (its first listener).</summary>
    public static async Task<LargeMessageDepot> StartAsync(MessageCentre centre, SipEndPoint server, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var address = server.Address.Address;
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }
        var depot = new LargeMessageDepot(centre, server, address, loggerFactory);
        try
        {
            await depot._transport.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await depot.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return depot;
    }

    /// <summary>True when the request was sent by the depot itself (its delivery INVITEs must reach the recipient, not come back).</summary>
    public bool IsFromDepot(SipRequest request)
    {
        var via = request.Vias.Count > 0 ? request.Vias[request.Vias.Count - 1] : null;
        return via is not null && via.Port == LocalEndPoint.Address.Port && string.Equals(via.Host.Trim('[', ']'), _host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }

    private MsrpSessionOptions SessionOptions => new()
    {
        // OMA CPM large-message mode: one CPIM message of any wrapped type.
        AcceptTypes = [CpimContentType],
        AcceptWrappedTypes = ["*"],
        MaxSize = _centre.Options.MaxLargeMessageBytes,
        // The sender's success REPORT goes only once the message is on disk: "delivered" to the sender means kept.
        DeferSuccessReports = true,
    };

    /// <summary>A large-message INVITE for an offline recipient: answer, receive the message, store it, wait for BYE.</summary>
    private async ValueTask<SipResponse?> OnInviteAsync(SipIncomingRequest incoming, CancellationToken ct)
    {
        var request = incoming.Request;
        if (incoming.Dialog is not null)
        {
            // RFC 3261 §14.2: the depot never changes a session's media.
            return incoming.CreateResponse(488).Build();
        }
        if (!RcsSdp.TryRead(request.Body, out var remote))
        {
            // RFC 3261 §21.4.26: no MSRP media.
            return incoming.CreateResponse(488).Build();
        }
        var admission = await _centre.AdmitDeferredAsync(request, incoming.Transaction.Remote, ct).ConfigureAwait(false);
        if (admission.Status != 0)
        {
            var refuse = incoming.CreateResponse(admission.Status, admission.Reason);
            if (admission.RetryAfter is { } after)
            {
                // RFC 3261 §20.33 (RFC 6585 §4 for 429).
                refuse.AddHeader(SipHeaderName.RetryAfter, ((long)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return refuse.Build();
        }
        var msrp = _msrp.CreateSession(SessionOptions);
        try
        {
            bool active = MsrpSessionDescription.IsActiveRole(isOfferer: false, remote!.Setup);
            await msrp.StartAsync(remote, active, ct).ConfigureAwait(false);
            var answer = RcsSdp.Create(_host, msrp.LocalDescription, active ? SdpSetup.Active : SdpSetup.Passive);
            if (!await incoming.AcceptAsync(answer, RcsSdp.ContentType, ct).ConfigureAwait(false) || incoming.Dialog is not { } dialog)
            {
                return null;
            }
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _dialogs[dialog.Id] = ended;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            wait.CancelAfter(s_receiveWait);
            try
            {
                var message = await msrp.ReceiveAsync(wait.Token).ConfigureAwait(false);
                var body = await message.ReadAllBytesAsync(_centre.Options.MaxLargeMessageBytes, wait.Token).ConfigureAwait(false);
                try
                {
                    await _centre.StoreDeferredAsync(request, admission.Sender!, admission.Recipient!, message.ContentType ?? CpimContentType, body).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // RFC 4975 §7.1.2: a failure REPORT; MSRP has no server-error status, 403 says "not accepted".
                    Log.StoreFailed(_logger, admission.Sender!, admission.Recipient!, e);
                    message.RefuseDelivery(403);
                    throw new IOException("The large message could not be stored.", e);
                }
                // RFC 4975 §7.1.2: now the success REPORT (held by DeferSuccessReports) tells the sender it is kept.
                message.ConfirmDelivery();
                // OMA CPM large-message mode: the sender closes the session after its message.
                await ended.Task.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or MsrpMessageAbortedException or IOException or MsrpException)
            {
                Log.ReceiveFailed(_logger, admission.Sender!, admission.Recipient!, e);
                await ByeQuietlyAsync(dialog).ConfigureAwait(false);
            }
            finally
            {
                _dialogs.TryRemove(dialog.Id, out _);
            }
        }
        finally
        {
            await msrp.DisposeAsync().ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// Delivers a stored large message: INVITE for the recipient with the large-message ICSI (through the server, which
    /// routes it to the registered contacts), the original From, P-Asserted-Identity and Conversation-ID, then the
    /// stored CPIM in one MSRP SEND and BYE. Returns the final status: 200 when the recipient took the message.
    /// </summary>
    public async Task<int> DeliverAsync(StoredMessage message, CancellationToken ct)
    {
        var msrp = _msrp.CreateSession(SessionOptions);
        try
        {
            var recipient = SipUri.Parse(message.Recipient);
            var b = _ua.CreateRequest("INVITE", recipient, _server, SipNameAddress.TryParse(message.To, out var to) ? to : new SipNameAddress(recipient));
            if (SipNameAddress.TryParse(message.From, out var from))
            {
                // RFC 3428 §7 (as for a stored MESSAGE): the recipient sees the original sender; the tag is the depot's.
                b.SetHeader(SipHeaderName.From, from.WithParameter("tag", SipIds.NewTag()).ToString());
            }
            foreach (var line in Lines(message.AssertedIdentity))
            {
                b.AddHeader(SipHeaderName.PAssertedIdentity, line);
            }
            var sentBy = _ua.Options.SentBy(_server);
            var contact = SipUri.Create(null, sentBy.Host, sentBy.Port, transport: _server.Protocol == SipTransportProtocol.Tcp ? "tcp" : null);
            b.SetHeader(SipHeaderName.Contact, "<" + contact.Text + ">;" + CpmServices.IcsiFeatureTag(CpmServices.LargeMessageIcsi));
            // GSMA RCC.07 / OMA CPM: the large-message service, as the original sender asked for it.
            b.AddHeader(SipHeaderName.PAssertedService, CpmServices.LargeMessageIcsi);
            b.AddHeader(SipHeaderName.AcceptContact, CpmServices.AcceptContact(CpmServices.LargeMessageIcsi));
            foreach (var line in Lines(message.Headers))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    b.AddHeader(line[..colon].Trim(), line[(colon + 1)..].Trim());
                }
            }
            b.SetBody(RcsSdp.Create(_host, msrp.LocalDescription, SdpSetup.ActPass), RcsSdp.ContentType);
            var result = await _ua.InviteAsync(b.Build(), _server, null, ct).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                return result.StatusCode;
            }
            var dialog = result.Dialog!;
            try
            {
                if (!RcsSdp.TryRead(result.Response.Body, out var remote))
                {
                    return 488;
                }
                await msrp.StartAsync(remote!, MsrpSessionDescription.IsActiveRole(isOfferer: true, remote!.Setup), ct).ConfigureAwait(false);
                // Chunk responses decide (no Success-Report): a REPORT back through the recipient's relay to the depot,
                // which did not AUTH there, does not arrive (known limitation, see the MSRP relay).
                var sent = await msrp.SendAsync(message.Body, message.ContentType, ct: ct).ConfigureAwait(false);
                // An MSRP refusal is the recipient's final word (RFC 4975 §7.3); a transport failure is worth a retry (500).
                return sent.IsSuccess ? 200 : sent.StatusCode is >= 400 and < 500 ? sent.StatusCode : 500;
            }
            catch (Exception e) when (e is IOException or MsrpException or SocketException)
            {
                Log.DeliveryFailed(_logger, message.Id, message.Recipient, e);
                return 500;
            }
            finally
            {
                await ByeQuietlyAsync(dialog).ConfigureAwait(false);
            }
        }
        finally
        {
            await msrp.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string[] Lines(string? text) => text is null ? [] : text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    private void OnDialogTerminated(object? sender, SipDialogTerminatedEventArgs e)
    {
        if (_dialogs.TryRemove(e.Dialog.Id, out var ended))
        {
            ended.TrySetResult();
        }
    }

    private static async Task ByeQuietlyAsync(SipDialog dialog)
    {
        if (dialog.State == SipDialogState.Terminated)
        {
            return;
        }
        try
        {
            await dialog.ByeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or OperationCanceledException or ObjectDisposedException)
        {
            // Ended meanwhile, or the user agent stopped.
        }
    }

    /// <summary>Stops: sessions in progress end; stored messages stay stored.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _ua.DialogTerminated -= OnDialogTerminated;
        _ua.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _msrp.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4300, Level = LogLevel.Warning, Message = "deferred large message from {Sender} to {Recipient} not received")]
        public static partial void ReceiveFailed(ILogger logger, string sender, string recipient, Exception exception);

        [LoggerMessage(EventId = 4302, Level = LogLevel.Error, Message = "deferred large message from {Sender} to {Recipient} could not be stored")]
        public static partial void StoreFailed(ILogger logger, string sender, string recipient, Exception exception);

        [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "stored large message {Id} could not be sent to {Recipient}")]
        public static partial void DeliveryFailed(ILogger logger, long id, string recipient, Exception exception);
    }
}
