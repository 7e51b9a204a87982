using System.Net;
using System.Net.Sockets;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Transport;

namespace RcsCore.Sip.Transport;

public sealed partial class SipTransportLayer
{
    private async Task RunUdpAsync(UdpEndpoint udp)
    {
        await Task.Yield();
        try
        {
            await udp.RunReceiveLoopAsync(_udpHandler, _stopping.Token).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // Logged by the endpoint; the loop is over.
        }
    }

    private async ValueTask OnDatagramAsync(UdpEndpoint udp, UdpDatagram datagram)
    {
        var span = datagram.Data.Span;
        _observer?.OnReceived(new SipEndPoint(SipTransportProtocol.Udp, datagram.LocalEndPoint), new SipEndPoint(SipTransportProtocol.Udp, datagram.RemoteEndPoint), span);
        if (span.TrimStart("\r\n"u8).IsEmpty)
        {
            // CRLF keep-alives over UDP carry nothing to answer (RFC 5626 §4.4.2 uses STUN on datagram flows).
            return;
        }
        var remote = new SipEndPoint(SipTransportProtocol.Udp, datagram.RemoteEndPoint);
        var local = new SipEndPoint(SipTransportProtocol.Udp, datagram.LocalEndPoint);

        // One datagram is one message (RFC 3261 §18.3); the message keeps its own copy, the pooled buffer is reused.
        var copy = datagram.Data.ToArray();
        var result = SipMessage.TryParse(copy, SipFraming.Datagram, _limits, out var message, out _);
        if (!result.IsSuccess)
        {
            var response = SipErrorResponder.TryBuild(copy, SipErrorResponder.StatusFor(result), _limits.MaxHeaderSectionSize);
            bool answered = false;
            if (response is not null)
            {
                var target = SipResponseRouting.ResolveResponseTarget(response.TopVia, remote, 0);
                try
                {
                    await SendDatagramAsync(response.Data, target.Destination, _stopping.Token).ConfigureAwait(false);
                    answered = true;
                }
                catch (SipTransportException ex)
                {
                    SipTransportLog.AnswerFailed(_logger, target.Destination, ex.Message);
                }
            }
            SipTransportLog.MalformedDatagram(_logger, remote, result.Message, SipErrorResponder.FirstLine(copy), answered);
            return;
        }
        await DispatchAsync(message!, remote, local, 0, SipFraming.Datagram).ConfigureAwait(false);
    }

    private async ValueTask SendDatagramAsync(ReadOnlyMemory<byte> data, SipEndPoint destination, CancellationToken ct)
    {
        var udp = FindUdp(destination.Address.AddressFamily)
            ?? throw new SipTransportException($"Cannot send to {destination}: no UDP endpoint is bound for {destination.Address.AddressFamily}.");
        try
        {
            await udp.SendToAsync(data, destination.Address, ct).ConfigureAwait(false);
            _observer?.OnSent(new SipEndPoint(SipTransportProtocol.Udp, udp.LocalEndPoint), destination, data.Span);
        }
        catch (SocketException ex)
        {
            throw new SipTransportException($"Cannot send to {destination}: {ex.SocketErrorCode} ({ex.Message})", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new SipTransportException($"Cannot send to {destination}: the UDP endpoint is closed.", ex);
        }
    }

    private UdpEndpoint? FindUdp(AddressFamily family)
    {
        foreach (var u in _udp)
        {
            if (u.LocalEndPoint.AddressFamily == family)
            {
                return u;
            }
        }
        return null;
    }

    private sealed class UdpHandler : IUdpDatagramHandler
    {
        private readonly SipTransportLayer _owner;

        public UdpHandler(SipTransportLayer owner) => _owner = owner;

        public async ValueTask OnDatagramAsync(UdpEndpoint endpoint, UdpDatagram datagram, CancellationToken ct = default)
        {
            try
            {
                await _owner.OnDatagramAsync(endpoint, datagram).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // One bad datagram must not stop the UDP receive loop.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                SipTransportLog.DatagramFailed(_owner._logger, new SipEndPoint(SipTransportProtocol.Udp, datagram.RemoteEndPoint), ex);
            }
        }
    }
}
