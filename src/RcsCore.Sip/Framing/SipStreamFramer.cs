using System.Buffers;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Framing;

/// <summary>What <see cref="SipStreamFramer.TryRead"/> found.</summary>
public enum SipFrameStatus : byte
{
    /// <summary>The buffer holds no complete message yet: call again with more bytes (nothing was consumed).</summary>
    NeedMoreData = 0,
    /// <summary>A complete message was read and consumed.</summary>
    Message = 1,
    /// <summary>Only CRLF keep-alives were consumed (RFC 5626 §3.5.1: a double CRLF ping deserves a CRLF pong).</summary>
    KeepAlive = 2,
    /// <summary>The stream is not valid SIP; the connection should be closed after answering if possible.</summary>
    Error = 3,
}

/// <summary>
/// Frames SIP messages out of a byte stream (TCP/TLS, RFC 3261 §18.3): messages may arrive in any number of
/// segments, several per segment, preceded by CRLF keep-alives. Content-Length is mandatory. One instance per
/// connection; it remembers the length of a message whose header section was already parsed so that a large
/// body arriving in many segments is not re-parsed each time.
/// </summary>
public sealed class SipStreamFramer
{
    private readonly SipLimits _limits;
    private int _pendingLength;

    /// <summary>Creates a framer.</summary>
    public SipStreamFramer(SipLimits? limits = null)
    {
        _limits = limits ?? SipLimits.Default;
    }

    /// <summary>
    /// Tries to read one message from <paramref name="buffer"/>; on <see cref="SipFrameStatus.Message"/> and
    /// <see cref="SipFrameStatus.KeepAlive"/> the buffer is advanced past what was consumed. On
    /// <see cref="SipFrameStatus.NeedMoreData"/> nothing is consumed (the caller calls
    /// <c>PipeReader.AdvanceTo(buffer.Start, buffer.End)</c>).
    /// </summary>
    public SipFrameStatus TryRead(ref ReadOnlySequence<byte> buffer, out SipMessage? message, out SipParseResult error, out int keepAliveCount)
    {
        message = null;
        error = default;
        keepAliveCount = 0;

        // RFC 3261 §7.5 / RFC 5626 §3.5.1: CRLFs between messages are keep-alives.
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            if (reader.IsNext("\r\n"u8, advancePast: true) || reader.IsNext((byte)'\n', advancePast: true))
            {
                keepAliveCount++;
                continue;
            }
            break;
        }
        if (reader.End || (reader.Remaining == 1 && reader.IsNext((byte)'\r')))
        {
            if (keepAliveCount > 0)
            {
                buffer = buffer.Slice(reader.Position);
                return SipFrameStatus.KeepAlive;
            }
            return SipFrameStatus.NeedMoreData;
        }
        var rest = buffer.Slice(reader.Position);

        if (_pendingLength > 0 && rest.Length < _pendingLength)
        {
            if (keepAliveCount > 0)
            {
                buffer = rest;
                return SipFrameStatus.KeepAlive;
            }
            return SipFrameStatus.NeedMoreData;
        }

        // Parse over at most MaxMessageSize bytes; a multi-segment buffer is linearised once (STYLE §2.3).
        long window = Math.Min(rest.Length, (long)_limits.MaxMessageSize);
        var candidate = rest.Slice(0, window);
        byte[]? rented = null;
        ReadOnlySpan<byte> span;
        if (candidate.IsSingleSegment)
        {
            span = candidate.FirstSpan;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)window);
            candidate.CopyTo(rented);
            span = rented.AsSpan(0, (int)window);
        }
        try
        {
            var result = SipMessageParser.Parse(span, SipFraming.Stream, _limits, out var info);
            if (result.Error == SipParseError.Incomplete)
            {
                if (info.BodyOffset > 0 && info.ContentLength >= 0)
                {
                    _pendingLength = info.BodyOffset + info.ContentLength;
                }
                else if (rest.Length >= _limits.MaxMessageSize)
                {
                    error = new SipParseResult(SipParseError.MessageTooLarge, 0);
                    return SipFrameStatus.Error;
                }
                if (keepAliveCount > 0)
                {
                    buffer = rest;
                    return SipFrameStatus.KeepAlive;
                }
                return SipFrameStatus.NeedMoreData;
            }
            if (!result.IsSuccess)
            {
                error = result;
                return SipFrameStatus.Error;
            }
            _pendingLength = 0;
            var owned = span[..info.MessageLength].ToArray();
            var parse = SipMessage.TryParse(owned, SipFraming.Stream, _limits, out message, out _);
            if (!parse.IsSuccess)
            {
                error = parse;
                return SipFrameStatus.Error;
            }
            buffer = rest.Slice(info.MessageLength);
            return SipFrameStatus.Message;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
