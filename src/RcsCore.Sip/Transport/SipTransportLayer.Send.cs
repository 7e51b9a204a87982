using Microsoft.Extensions.Logging;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

public sealed partial class SipTransportLayer
{
    /// <inheritdoc />
    public async ValueTask SendAsync(SipMessage message, SipEndPoint destination, long connectionId = 0, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(destination.Address);
        ThrowIfNotRunning();
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            SipTransportLog.Sending(_logger, destination, message.ToString());
        }
        if (destination.Protocol == SipTransportProtocol.Udp)
        {
            if (_options.UseTcpForLargeRequests && message.IsRequest && message.Data.Length > _options.LargeRequestThreshold
                && WithViaTransport(message, "TCP") is { } overTcp)
            {
                // RFC 3261 §18.1.1: a request near the path MTU goes over a congestion-controlled transport, with
                // the top Via changed to match. If TCP cannot be reached we still try UDP with the original bytes.
                var tcp = destination with { Protocol = SipTransportProtocol.Tcp };
                try
                {
                    var c = await GetOrConnectAsync(tcp, 0, ct).ConfigureAwait(false);
                    await WriteAsync(c, overTcp.Data, ct).ConfigureAwait(false);
                    return;
                }
                catch (SipTransportException ex)
                {
                    SipTransportLog.LargeRequestFallback(_logger, destination, ex.Message);
                }
            }
            await SendDatagramAsync(message.Data, destination, ct).ConfigureAwait(false);
            return;
        }
        var connection = await GetOrConnectAsync(destination, connectionId, ct).ConfigureAwait(false);
        await WriteAsync(connection, message.Data, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a response to a request this layer received, where RFC 3261 §18.2.2 / RFC 3581 §4 say it goes
    /// (see <see cref="SipResponseRouting.ResolveResponseTarget(SipResponse, SipInboundMessage)"/>).
    /// </summary>
    public ValueTask SendResponseAsync(SipResponse response, SipInboundMessage request, CancellationToken ct = default)
    {
        var target = SipResponseRouting.ResolveResponseTarget(response, request);
        return SendAsync(response, target.Destination, target.ConnectionId, ct);
    }

    /// <summary>The message with its top Via transport replaced, or null when the top Via is not UDP or cannot be rewritten.</summary>
    private SipMessage? WithViaTransport(SipMessage message, string transport)
    {
        if (message.TopVia is not { } via || !string.Equals(via.Transport, "UDP", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return SipResponseRouting.ReplaceTopVia(message, new SipViaHeader(transport, via.Host, via.Port, via.Parameters), SipFraming.Stream, _limits);
    }
}
