using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Transport.Tests.Sip;

internal static class SipTestMessages
{
    public static string Options(string viaTransport, string sentBy, int cseq, string? viaParams = null, string callId = "call-1@test", string extraHeaders = "", string body = "")
        => $"OPTIONS sip:bob@{sentBy} SIP/2.0\r\n"
         + $"Via: SIP/2.0/{viaTransport} {sentBy};branch=z9hG4bK{cseq:D6}x{viaParams}\r\n"
         + "Max-Forwards: 70\r\n"
         + "From: <sip:alice@example.com>;tag=a1\r\n"
         + "To: <sip:bob@example.com>\r\n"
         + $"Call-ID: {callId}\r\n"
         + $"CSeq: {cseq} OPTIONS\r\n"
         + extraHeaders
         + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n"
         + body;

    public static SipRequest Request(string viaTransport, string sentBy, int cseq, string? viaParams = null, string body = "")
    {
        var text = Options(viaTransport, sentBy, cseq, viaParams, body: body);
        var r = SipRequest.TryParse(Encoding.UTF8.GetBytes(text), RcsCore.Parsing.Sip.SipFraming.Stream, out var req);
        if (!r.IsSuccess)
        {
            throw new InvalidOperationException(r.Message);
        }
        return req!;
    }

    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);
}

/// <summary>Records inbound messages; waits are bounded.</summary>
internal sealed class RecordingHandler : ISipInboundHandler
{
    private readonly Channel<SipInboundMessage> _channel = Channel.CreateUnbounded<SipInboundMessage>();

    public ConcurrentQueue<SipInboundMessage> All { get; } = new();

    public Func<SipInboundMessage, ValueTask>? OnMessage { get; set; }

    public async ValueTask OnMessageAsync(SipInboundMessage message, CancellationToken ct = default)
    {
        All.Enqueue(message);
        _channel.Writer.TryWrite(message);
        if (OnMessage is not null)
        {
            await OnMessage(message);
        }
    }

    public async Task<SipInboundMessage> NextAsync(TimeSpan? timeout = null)
    {
        try
        {
            return await _channel.Reader.ReadAsync(TestNet.Bounded(timeout));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No SIP message arrived in time.");
        }
    }

    public async Task<bool> NothingWithinAsync(TimeSpan time)
    {
        try
        {
            await _channel.Reader.WaitToReadAsync(TestNet.Bounded(time));
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
