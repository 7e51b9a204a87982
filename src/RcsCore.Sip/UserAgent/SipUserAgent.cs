using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Dialogs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>
/// The user agent core (RFC 3261 §8, §12–§15) on top of a <see cref="SipTransactionLayer"/> it owns: the
/// transaction user for every request and response. As a UAS it checks requests (§8.2), routes them to
/// dialogs (§12.2.2) and to the handlers registered per method, answers OPTIONS (§11.2), CANCEL (§9.2) and BYE
/// (§15.1.2) itself, and retransmits a 2xx to an INVITE until the ACK (§13.3.1.4). As a UAC it fills in new
/// requests (§8.1.1), sends INVITEs and ACKs their 2xx (§13.2.2.4), keeps the dialogs they create, and sends
/// requests inside dialogs (§12.2.1). Give <see cref="Transactions"/> to the transport as its inbound handler.
/// Thread-safe.
/// </summary>
public sealed partial class SipUserAgent : ISipTransactionUser, ISipDialogUser, IDisposable
{
    private readonly ISipMessageSender _sender;
    private readonly SipUserAgentOptions _options;
    private readonly SipRequestCheckOptions _checks;
    private readonly ConcurrentDictionary<SipDialogId, SipDialog> _dialogs = new();
    private bool _disposed;

    /// <summary>Creates the user agent and its transaction layer.</summary>
    /// <param name="sender">The transport, for transactions and for the ACKs and 2xx retransmissions the core sends itself.</param>
    /// <param name="options">The configuration; validated here.</param>
    /// <param name="timers">Timer values (T1, T2...) for the transactions and the core; defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    public SipUserAgent(ISipMessageSender sender, SipUserAgentOptions options, SipTimerOptions? timers = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _sender = sender;
        _options = options;
        _checks = options.RequestChecks ?? new SipRequestCheckOptions
        {
            SupportedExtensions = new HashSet<string>(options.Supported, StringComparer.OrdinalIgnoreCase),
        };
        Logger = loggerFactory?.CreateLogger<SipUserAgent>() ?? (ILogger)NullLogger.Instance;
        Time = timeProvider ?? TimeProvider.System;
        Transactions = new SipTransactionLayer(sender, this, timers, timeProvider, loggerFactory?.CreateLogger<SipTransactionLayer>());
        RebuildAllow();
    }

    /// <summary>The transaction layer: the transport delivers inbound messages to it (<see cref="ISipInboundHandler"/>).</summary>
    public SipTransactionLayer Transactions { get; }

    /// <summary>The configuration.</summary>
    public SipUserAgentOptions Options => _options;

    /// <summary>A dialog ended: BYE either way, rejection or cancellation of its INVITE, ACK timeout, fork release.</summary>
    public event EventHandler<SipDialogTerminatedEventArgs>? DialogTerminated;

    /// <summary>The dialogs that are not terminated (a snapshot).</summary>
    public IReadOnlyCollection<SipDialog> Dialogs => [.. _dialogs.Values];

    /// <summary>Finds a live dialog by its ID, or null.</summary>
    public SipDialog? FindDialog(SipDialogId id) => _dialogs.TryGetValue(id, out var d) ? d : null;

    internal ILogger Logger { get; }

    internal SipTimerOptions Timers => Transactions.Options;

    internal TimeProvider Time { get; }

    internal SipTimerWheel Wheel => Transactions.Wheel;

    /// <summary>A Via with a new RFC 3261 branch (§8.1.1.7) and rport (RFC 3581) for a request to <paramref name="destination"/>.</summary>
    internal SipViaHeader CreateVia(SipEndPoint destination)
    {
        var sentBy = _options.SentBy(destination);
        return new SipViaHeader(destination.ViaTransport, sentBy.Host, sentBy.Port,
            [new KeyValuePair<string, string?>("branch", SipIds.NewBranch()), new KeyValuePair<string, string?>("rport", null)]);
    }

    /// <summary>The Contact URI for messages exchanged with <paramref name="destination"/> (RFC 3261 §8.1.1.8).</summary>
    internal SipUri ContactFor(SipEndPoint destination)
    {
        if (_options.ContactUri is { } configured)
        {
            return configured;
        }
        var sentBy = _options.SentBy(destination);
        string? transport = destination.Protocol switch
        {
            SipTransportProtocol.Tcp => "tcp",
            SipTransportProtocol.Tls => "tls",
            _ => null,
        };
        return SipUri.Create(_options.LocalIdentity.Uri.User, sentBy.Host, sentBy.Port, transport: transport);
    }

    /// <summary>Where an in-dialog request goes: the resolver's choice, or the flow the dialog was created on.</summary>
    internal SipEndPoint NextHop(SipDialog dialog)
    {
        if (_options.ResolveNextHop is not { } resolve)
        {
            return dialog.Peer;
        }
        var routes = dialog.RouteSet;
        return resolve(routes.Count > 0 ? routes[0].Uri : dialog.RemoteTarget, dialog.Peer);
    }

    /// <summary>Adds a dialog to the table and makes this UA its owner.</summary>
    internal void RegisterDialog(SipDialog dialog, SipEndPoint peer)
    {
        dialog.Owner = this;
        dialog.Peer = peer;
        _dialogs[dialog.Id] = dialog;
        SipUserAgentLog.DialogCreated(Logger, dialog.Id, dialog.Role, dialog.State);
    }

    /// <summary>Ends a dialog (once), removes it, stops a 2xx retransmission for it, and raises <see cref="DialogTerminated"/>.</summary>
    internal void TerminateDialog(SipDialog dialog, SipDialogTerminationReason reason)
    {
        if (!dialog.Terminate())
        {
            return;
        }
        _dialogs.TryRemove(new KeyValuePair<SipDialogId, SipDialog>(dialog.Id, dialog));
        if (_subscriptionDialogs.TryRemove(dialog.Id, out var subscription))
        {
            subscription.OnDialogEnded(reason);
        }
        if (_awaitingAck.TryRemove(dialog.Id, out var incoming))
        {
            incoming.StopWaitingForAck();
        }
        SipUserAgentLog.DialogTerminated(Logger, dialog.Id, reason);
        try
        {
            DialogTerminated?.Invoke(this, new SipDialogTerminatedEventArgs(dialog, reason));
        }
        catch (Exception ex)
        {
            SipUserAgentLog.EventHandlerFailed(Logger, ex);
        }
    }

    /// <summary>Sends a message outside any transaction (ACK for a 2xx, 2xx retransmission); failures are logged.</summary>
    internal async ValueTask SendDirectAsync(SipMessage message, SipEndPoint destination, long connectionId = 0)
    {
        try
        {
            await _sender.SendAsync(message, destination, connectionId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SipUserAgentLog.SendFailed(Logger, message is SipRequest r ? r.Method : "response", destination, ex);
        }
    }

    SipViaHeader ISipDialogUser.CreateVia(SipDialog dialog) => CreateVia(NextHop(dialog));

    /// <inheritdoc />
    void ISipTransactionUser.OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        // A server transaction that failed can no longer be answered: stop its handler.
        if (transaction is SipServerTransaction server && _pendingInvites.TryRemove(server, out var incoming))
        {
            incoming.Abort();
        }
        // Client transactions complete FinalResponse with 408/503, which the waiting code handles.
    }

    /// <summary>
    /// Stops the user agent: pending requests are aborted, dialogs end (<see cref="SipDialogTerminationReason.Shutdown"/>,
    /// no BYE is sent), and the transaction layer stops its timers.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var pair in _pendingInvites)
        {
            pair.Value.Abort();
        }
        _pendingInvites.Clear();
        foreach (var pair in _pendingSubscriptions)
        {
            pair.Value.Terminate(new SipSubscriptionTermination(SipSubscriptionTermination.Shutdown));
        }
        foreach (var pair in _dialogs)
        {
            TerminateDialog(pair.Value, SipDialogTerminationReason.Shutdown);
        }
        Transactions.Dispose();
    }

    private static bool IsInviteResponse(SipResponse response) => response.CSeq is { Method: "INVITE" };

    private static SipDialogId IncomingId(SipMessage request) =>
        new(request.CallId ?? string.Empty, request.To?.Tag ?? string.Empty, request.From?.Tag ?? string.Empty);

    private static SipDialogId ResponseId(SipMessage response) =>
        new(response.CallId ?? string.Empty, response.From?.Tag ?? string.Empty, response.To?.Tag ?? string.Empty);

    private static string HeaderList(IReadOnlyList<string> values) => string.Join(", ", values);

    private static bool HasHeader(SipMessage message, SipHeaderName name) => message.IndexOf(name, 0) >= 0;
}
