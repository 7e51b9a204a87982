using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>A SIP request (RFC 3261 §7.1).</summary>
public sealed class SipRequest : SipMessage
{
    private readonly int _uriOffset;
    private readonly int _uriLength;
    private SipUri? _uri;

    internal SipRequest(ReadOnlyMemory<byte> data, HeaderEntry[] headers, int bodyOffset, int bodyLength, SipMessageInfo info, int methodOffset, int methodLength, int uriOffset, int uriLength)
        : base(data, headers, bodyOffset, bodyLength, info)
    {
        Method = SipText.Method(data.Span.Slice(methodOffset, methodLength));
        _uriOffset = uriOffset;
        _uriLength = uriLength;
    }

    /// <inheritdoc />
    public override bool IsRequest => true;

    /// <summary>The method (common methods are shared string instances).</summary>
    public string Method { get; }

    /// <summary>The Request-URI bytes.</summary>
    public ReadOnlySpan<byte> RawRequestUri => Data.Span.Slice(_uriOffset, _uriLength);

    /// <summary>The Request-URI as text.</summary>
    public string RequestUriText => Encoding.UTF8.GetString(RawRequestUri);

    /// <summary>The parsed Request-URI (validated at parse time, so never null for a parsed request).</summary>
    public SipUri RequestUri => _uri ??= SipUri.TryParse(RawRequestUri, out var u) ? u : throw new InvalidOperationException("Request-URI was validated at parse time.");

    /// <summary>Parses and validates a request; fails when the bytes hold a response.</summary>
    public static SipParseResult TryParse(ReadOnlyMemory<byte> data, SipFraming framing, out SipRequest? request)
    {
        var result = SipMessage.TryParse(data, framing, out var message);
        request = message as SipRequest;
        if (result.IsSuccess && request is null)
        {
            return new SipParseResult(SipParseError.InvalidStartLine, 0, "expected a request");
        }
        return result;
    }
}

/// <summary>A SIP response (RFC 3261 §7.2).</summary>
public sealed class SipResponse : SipMessage
{
    internal SipResponse(ReadOnlyMemory<byte> data, HeaderEntry[] headers, int bodyOffset, int bodyLength, SipMessageInfo info, int statusCode, int reasonOffset, int reasonLength)
        : base(data, headers, bodyOffset, bodyLength, info)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonLength == 0 ? string.Empty : Encoding.UTF8.GetString(data.Span.Slice(reasonOffset, reasonLength));
    }

    /// <inheritdoc />
    public override bool IsRequest => false;

    /// <summary>The status code (100–699).</summary>
    public int StatusCode { get; }

    /// <summary>The reason phrase (may be empty).</summary>
    public string ReasonPhrase { get; }

    /// <summary>True for 1xx.</summary>
    public bool IsProvisional => StatusCode < 200;

    /// <summary>True for 2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>Parses and validates a response; fails when the bytes hold a request.</summary>
    public static SipParseResult TryParse(ReadOnlyMemory<byte> data, SipFraming framing, out SipResponse? response)
    {
        var result = SipMessage.TryParse(data, framing, out var message);
        response = message as SipResponse;
        if (result.IsSuccess && response is null)
        {
            return new SipParseResult(SipParseError.InvalidStartLine, 0, "expected a response");
        }
        return result;
    }
}
