using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.Transactions;

/// <summary>
/// The SIP transaction layer (RFC 3261 §17, RFC 6026): owns the client and server transaction tables, matches
/// inbound messages to transactions (§17.1.3, §17.2.3), runs every transaction timer on one timer wheel, and passes
/// to the <see cref="ISipTransactionUser"/> what no transaction absorbs. The transport calls
/// <see cref="OnMessageAsync"/>; the TU sends requests with <see cref="SendRequestAsync"/> and answers requests
/// through the <see cref="SipServerTransaction"/> it receives. Thread-safe.
/// </summary>
public sealed class SipTransactionLayer : ISipInboundHandler, IDisposable
{
    private readonly ConcurrentDictionary<SipTransactionKey, SipClientTransaction> _clients = new();
    private readonly ConcurrentDictionary<SipTransactionKey, SipServerTransaction> _servers = new();
    private readonly ISipMessageSender _sender;
    private readonly ISipTransactionUser _user;

    /// <summary>Creates the layer.</summary>
    /// <param name="sender">The transport used for every send.</param>
    /// <param name="user">The transaction user that receives new requests, stray messages and failures.</param>
    /// <param name="options">Timer values; <see cref="SipTimerOptions.Default"/> when null. Validated here.</param>
    /// <param name="timeProvider">The clock for every timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    public SipTransactionLayer(ISipMessageSender sender, ISipTransactionUser user, SipTimerOptions? options = null, TimeProvider? timeProvider = null, ILogger<SipTransactionLayer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(user);
        options ??= SipTimerOptions.Default;
        options.Validate();
        _sender = sender;
        _user = user;
        Options = options;
        Logger = logger ?? (ILogger)NullLogger.Instance;
        Wheel = new SipTimerWheel(timeProvider ?? TimeProvider.System, options.TimerResolution, Logger);
    }

    /// <summary>The timer values in use.</summary>
    public SipTimerOptions Options { get; }

    /// <summary>Number of live client transactions.</summary>
    public int ClientTransactionCount => _clients.Count;

    /// <summary>Number of live server transactions.</summary>
    public int ServerTransactionCount => _servers.Count;

    internal ILogger Logger { get; }

    internal SipTimerWheel Wheel { get; }

    /// <summary>
    /// Starts a client transaction: sends <paramref name="request"/> and returns at once. The request must carry a
    /// top Via with a unique RFC 3261 branch (<see cref="SipIds.NewBranch"/>) and a CSeq for its method; ACK is not a
    /// transaction (send it with the transport). Provisional responses are reported to <paramref name="provisional"/>
    /// on the receiving thread; the final one completes <see cref="SipClientTransaction.FinalResponse"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The request is an ACK, or lacks the branch or CSeq.</exception>
    /// <exception cref="InvalidOperationException">A client transaction with the same branch and method exists.</exception>
    public SipClientTransaction StartClientTransaction(SipRequest request, SipEndPoint destination, IProgress<SipResponse>? provisional = null, long connectionId = 0)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method == "ACK")
        {
            throw new ArgumentException("ACK is not a transaction (RFC 3261 §17.1.1.3, §13.2.2.4); send it through the transport.", nameof(request));
        }
        // RFC 3261 §8.1.1.7: our branches are unique and start with the magic cookie; matching relies on it (§17.1.3).
        string? branch = request.TopVia?.Branch;
        if (!SipTransactionKey.IsRfc3261Branch(branch))
        {
            throw new ArgumentException("The request needs a top Via with an RFC 3261 branch (SipIds.NewBranch()).", nameof(request));
        }
        if (request.CSeq is not { } cseq || !string.Equals(cseq.Method, request.Method, StringComparison.Ordinal))
        {
            throw new ArgumentException("The request needs a CSeq whose method is the request method.", nameof(request));
        }
        var key = new SipTransactionKey(branch!, string.Empty, request.Method);
        SipClientTransaction tx = request.Method == "INVITE"
            ? new SipInviteClientTransaction(this, request, key, destination, connectionId, provisional)
            : new SipNonInviteClientTransaction(this, request, key, destination, connectionId, provisional);
        if (!_clients.TryAdd(key, tx))
        {
            throw new InvalidOperationException($"A client transaction for branch {branch} {request.Method} already exists.");
        }
        SipTransactionLog.Created(Logger, tx.Kind, tx.Branch, tx.Method);
        tx.Start();
        return tx;
    }

    /// <summary>
    /// Sends a request in a new client transaction and returns its final response. Provisional responses go to
    /// <paramref name="provisional"/>. Never throws for network outcomes: when Timer B or F fires the result is a
    /// synthesized 408 Request Timeout, and when the transport fails a synthesized 503 Service Unavailable
    /// (RFC 3261 §8.1.3.1); <see cref="SipTransaction.Failure"/> of the transaction tells them apart. Cancelling
    /// <paramref name="ct"/> only stops the wait: the transaction runs on and ends by its own timers (to end an
    /// INVITE send a CANCEL, §9.1). For an INVITE, a 2xx is returned and later 2xx go to
    /// <see cref="ISipTransactionUser.OnStrayResponseAsync"/>; the ACK for a 2xx is the TU's job (§13.2.2.4).
    /// </summary>
    /// <exception cref="ArgumentException">See <see cref="StartClientTransaction"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public Task<SipResponse> SendRequestAsync(SipRequest request, SipEndPoint destination, IProgress<SipResponse>? provisional = null, CancellationToken ct = default)
    {
        var tx = StartClientTransaction(request, destination, provisional);
        return ct.CanBeCanceled ? tx.FinalResponse.WaitAsync(ct) : tx.FinalResponse;
    }

    /// <summary>
    /// Finds the INVITE server transaction a CANCEL targets (RFC 3261 §9.2: same matching as §17.2.3 with method
    /// INVITE, so the same branch and sent-by; for RFC 2543 requests also the same To tag). Null when none is live.
    /// </summary>
    public SipServerTransaction? FindInviteServerTransaction(SipRequest cancel)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        if (!SipTransactionKey.TryForServer(cancel, "INVITE", out var key) || !_servers.TryGetValue(key, out var tx))
        {
            return null;
        }
        if (key.IsRfc2543 && !string.Equals(tx.Request.To?.Tag, cancel.To?.Tag, StringComparison.Ordinal))
        {
            return null;
        }
        return tx;
    }

    /// <summary>
    /// Routes a message from the transport: responses to client transactions (§17.1.3), requests to server
    /// transactions (§17.2.3), creating one for a new request and handing it to the TU. Stray responses and ACKs
    /// go to the TU. Messages without the headers matching needs (top Via, CSeq) are dropped and logged.
    /// </summary>
    public ValueTask OnMessageAsync(SipInboundMessage message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Message switch
        {
            SipRequest request => OnRequestAsync(message, request, ct),
            SipResponse response => OnResponseAsync(message, response, ct),
            _ => default,
        };
    }

    private ValueTask OnResponseAsync(SipInboundMessage inbound, SipResponse response, CancellationToken ct)
    {
        if (!SipTransactionKey.TryForClient(response, out var key))
        {
            SipTransactionLog.Dropped(Logger, inbound.Remote, "response without a top Via branch or CSeq");
            return default;
        }
        if (_clients.TryGetValue(key, out var tx))
        {
            return tx.OnResponseAsync(inbound, response, ct);
        }
        SipTransactionLog.StrayResponse(Logger, response.StatusCode, response.CSeq?.Method, inbound.Remote);
        return PassResponseToUserAsync(inbound, null, ct);
    }

    private async ValueTask OnRequestAsync(SipInboundMessage inbound, SipRequest request, CancellationToken ct)
    {
        bool isAck = request.Method == "ACK";
        // RFC 3261 §17.2.3: an ACK matches the INVITE transaction it acknowledges.
        if (!SipTransactionKey.TryForServer(request, isAck ? "INVITE" : request.Method, out var key))
        {
            SipTransactionLog.Dropped(Logger, inbound.Remote, "request without a top Via or CSeq");
            return;
        }
        if (isAck)
        {
            SipServerTransaction? target = null;
            if (_servers.TryGetValue(key, out var found) && found is SipInviteServerTransaction invite && invite.AckMatches(request))
            {
                if (!invite.OnAck())
                {
                    return;
                }
                target = invite;
            }
            try
            {
                await _user.OnAckAsync(inbound, target, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                SipTransactionLog.UserCallbackFailed(Logger, nameof(ISipTransactionUser.OnAckAsync), ex);
            }
            return;
        }
        if (_servers.TryGetValue(key, out var existing))
        {
            // RFC 2543 keys ignore the To tag: a request that differs only there is taken as a retransmission.
            existing.OnRetransmission(inbound);
            return;
        }
        SipServerTransaction tx = request.Method == "INVITE"
            ? new SipInviteServerTransaction(this, inbound, request, key)
            : new SipNonInviteServerTransaction(this, inbound, request, key);
        if (!_servers.TryAdd(key, tx))
        {
            // A retransmission raced us and created the transaction first.
            if (_servers.TryGetValue(key, out existing))
            {
                existing.OnRetransmission(inbound);
            }
            return;
        }
        SipTransactionLog.Created(Logger, tx.Kind, tx.Branch, tx.Method);
        tx.Start();
        try
        {
            await _user.OnRequestAsync(tx, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SipTransactionLog.UserCallbackFailed(Logger, nameof(ISipTransactionUser.OnRequestAsync), ex);
            if (tx.State is SipTransactionState.Trying or SipTransactionState.Proceeding)
            {
                try
                {
                    await tx.SendResponseAsync(SipTransactionMessages.BuildLocalResponse(request, 500), ct).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // The TU sent a final response before it failed.
                }
            }
        }
    }

    internal async ValueTask PassResponseToUserAsync(SipInboundMessage inbound, SipClientTransaction? tx, CancellationToken ct)
    {
        try
        {
            await _user.OnStrayResponseAsync(inbound, tx, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SipTransactionLog.UserCallbackFailed(Logger, nameof(ISipTransactionUser.OnStrayResponseAsync), ex);
        }
    }

    internal void NotifyFailed(SipTransaction tx, SipTransactionFailure failure, SipTransportException? error)
    {
        try
        {
            _user.OnTransactionFailed(tx, failure, error);
        }
        catch (Exception ex)
        {
            SipTransactionLog.UserCallbackFailed(Logger, nameof(ISipTransactionUser.OnTransactionFailed), ex);
        }
    }

    /// <summary>Removes a terminated transaction (only this instance, not a newer one with the same key).</summary>
    internal void Remove(SipTransaction tx)
    {
        if (tx is SipClientTransaction client)
        {
            _clients.TryRemove(new KeyValuePair<SipTransactionKey, SipClientTransaction>(tx.Key, client));
        }
        else if (tx is SipServerTransaction server)
        {
            _servers.TryRemove(new KeyValuePair<SipTransactionKey, SipServerTransaction>(tx.Key, server));
        }
    }

    /// <summary>Sends without waiting; a failure terminates <paramref name="tx"/> and is reported (§17.1.4, §17.2.4).</summary>
    internal void SendInBackground(SipTransaction tx, SipMessage message, SipEndPoint destination, long connectionId)
    {
        LogSend(message, destination);
        ValueTask pending;
        try
        {
            pending = _sender.SendAsync(message, destination, connectionId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            tx.OnTransportError(AsTransportError(ex), destination);
            return;
        }
        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            return;
        }
        _ = ObserveAsync(tx, pending, destination);
    }

    private static async Task ObserveAsync(SipTransaction tx, ValueTask pending, SipEndPoint destination)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            tx.OnTransportError(AsTransportError(ex), destination);
        }
    }

    /// <summary>Sends and waits (responses from the TU); false when the transport failed, which is also reported.</summary>
    internal async ValueTask<bool> SendAsync(SipTransaction tx, SipMessage message, SipEndPoint destination, long connectionId, CancellationToken ct)
    {
        LogSend(message, destination);
        try
        {
            await _sender.SendAsync(message, destination, connectionId, ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            tx.OnTransportError(AsTransportError(ex), destination);
            return false;
        }
    }

    private void LogSend(SipMessage message, SipEndPoint destination)
    {
        // Message bodies only at Trace (STYLE §2.13); the generated method formats only when enabled.
        SipTransactionLog.Sending(Logger, destination, message);
    }

    private static SipTransportException AsTransportError(Exception ex) =>
        ex as SipTransportException ?? new SipTransportException($"Send failed: {ex.Message}", ex);

    /// <summary>Stops every timer; pending <see cref="SipClientTransaction.FinalResponse"/> tasks are cancelled.</summary>
    public void Dispose()
    {
        Wheel.Dispose();
        foreach (var pair in _clients)
        {
            pair.Value.Abandon();
        }
        _clients.Clear();
        _servers.Clear();
    }
}
