using System.Buffers;
using System.Globalization;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>Common part of the request and response builders: an ordered header list and a body.</summary>
public abstract class SipMessageBuilder
{
    private readonly List<Entry> _headers = [];
    private ReadOnlyMemory<byte> _body;

    private readonly record struct Entry(SipHeaderName Id, string? Name, string? Value, byte[]? Raw, byte[]? RawName = null);

    /// <summary>Appends a header field.</summary>
    public SipMessageBuilder AddHeader(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        var id = SipHeaderNames.Lookup(name);
        _headers.Add(id == SipHeaderName.Unknown ? new Entry(id, name, value, null) : new Entry(id, null, value, null));
        return this;
    }

    /// <summary>Appends a known header field with its canonical name.</summary>
    public SipMessageBuilder AddHeader(SipHeaderName name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (name == SipHeaderName.Unknown)
        {
            throw new ArgumentOutOfRangeException(nameof(name));
        }
        _headers.Add(new Entry(name, null, value, null));
        return this;
    }

    /// <summary>Appends a header field whose value bytes are already valid wire bytes (copied from another message).</summary>
    public SipMessageBuilder AddRawHeader(SipHeaderName name, ReadOnlySpan<byte> value)
    {
        _headers.Add(new Entry(name, null, null, value.ToArray()));
        return this;
    }

    /// <summary>Removes all header fields with this name.</summary>
    public SipMessageBuilder RemoveHeaders(SipHeaderName name)
    {
        _headers.RemoveAll(e => e.Id == name);
        return this;
    }

    /// <summary>Inserts a known header field at <paramref name="index"/> among the header fields (0 = topmost, e.g. a proxy's Via, RFC 3261 §16.6 step 8).</summary>
    public SipMessageBuilder InsertHeader(int index, SipHeaderName name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _headers.Insert(Math.Clamp(index, 0, _headers.Count), new Entry(name, null, value, null));
        return this;
    }

    /// <summary>Inserts a known header field before the first existing one with the same name (or appends it).</summary>
    public SipMessageBuilder PrependHeader(SipHeaderName name, string value)
    {
        int i = _headers.FindIndex(e => e.Id == name);
        return InsertHeader(i < 0 ? _headers.Count : i, name, value);
    }

    /// <summary>Removes the first header field with this name (e.g. the top Route, RFC 3261 §16.4); false when there was none.</summary>
    public bool RemoveFirst(SipHeaderName name)
    {
        int i = _headers.FindIndex(e => e.Id == name);
        if (i < 0)
        {
            return false;
        }
        _headers.RemoveAt(i);
        return true;
    }

    /// <summary>Replaces the value of the first header field with this name by wire bytes, in place.</summary>
    internal void ReplaceFirstRaw(SipHeaderName name, ReadOnlySpan<byte> value)
    {
        int i = _headers.FindIndex(e => e.Id == name);
        if (i >= 0)
        {
            _headers[i] = new Entry(name, null, null, value.ToArray());
        }
    }

    /// <summary>Replaces every header field with this name by one value, at the position of the first (or appended).</summary>
    public SipMessageBuilder SetHeader(SipHeaderName name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int i = _headers.FindIndex(e => e.Id == name);
        RemoveHeaders(name);
        return InsertHeader(i < 0 ? _headers.Count : i, name, value);
    }

    /// <summary>Copies every header field of <paramref name="message"/> byte for byte, and its body (Content-Length is recomputed).</summary>
    private protected void CopyFrom(SipMessage message)
    {
        for (int i = 0; i < message.HeaderCount; i++)
        {
            var id = message.GetHeaderId(i);
            if (id == SipHeaderName.ContentLength)
            {
                continue;
            }
            var raw = message.GetRawValue(i).ToArray();
            _headers.Add(id == SipHeaderName.Unknown
                ? new Entry(id, null, null, raw, System.Text.Encoding.UTF8.GetBytes(message.GetHeaderName(i)))
                : new Entry(id, null, null, raw));
        }
        _body = message.Body;
    }

    /// <summary>True when a header with this name has been added.</summary>
    public bool HasHeader(SipHeaderName name) => _headers.Exists(e => e.Id == name);

    /// <summary>Sets the body and its Content-Type (Content-Length is always computed).</summary>
    public SipMessageBuilder SetBody(ReadOnlyMemory<byte> body, string contentType)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        RemoveHeaders(SipHeaderName.ContentType);
        AddHeader(SipHeaderName.ContentType, contentType);
        _body = body;
        return this;
    }

    private protected abstract void WriteStartLine(ref SipWriter writer);

    /// <summary>Writes the message: start line, headers in order, Content-Length, empty line, body.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = new SipWriter(output);
        WriteStartLine(ref writer);
        foreach (var e in _headers)
        {
            if (e.Id == SipHeaderName.ContentLength)
            {
                continue;
            }
            if (e.Raw is not null)
            {
                writer.WriteHeader(e.RawName ?? SipHeaderNames.GetNameBytes(e.Id), e.Raw);
            }
            else if (e.Id != SipHeaderName.Unknown)
            {
                writer.WriteHeader(e.Id, e.Value!);
            }
            else
            {
                writer.WriteHeader(e.Name!, e.Value!);
            }
        }
        // RFC 3261 §20.14: always send Content-Length so the message works over stream transports.
        writer.WriteContentLength(_body.Length);
        writer.WriteBody(_body.Span);
    }

    private protected SipMessage BuildMessage()
    {
        var buffer = new ArrayBufferWriter<byte>(512 + _body.Length);
        WriteTo(buffer);
        var bytes = buffer.WrittenMemory.ToArray();
        var result = SipMessage.TryParse(bytes, SipFraming.Stream, SipLimits.Default with { MaxMessageSize = Math.Max(SipLimits.Default.MaxMessageSize, bytes.Length) }, out var message, out _);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"The built message is not valid SIP: {result.Message}.");
        }
        return message!;
    }
}

/// <summary>Builds requests (RFC 3261 §8.1.1). Add at least Via, Max-Forwards, From, To, Call-ID and CSeq.</summary>
public sealed class SipRequestBuilder : SipMessageBuilder
{
    /// <summary>Starts a request.</summary>
    public SipRequestBuilder(string method, SipUri requestUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(requestUri);
        Method = method;
        RequestUri = requestUri;
    }

    /// <summary>The method.</summary>
    public string Method { get; }

    /// <summary>The Request-URI (a proxy retargets it, RFC 3261 §16.6 step 2).</summary>
    public SipUri RequestUri { get; set; }

    /// <summary>Starts a copy of <paramref name="request"/> (all header fields byte for byte, same body) for a proxy to modify (RFC 3261 §16.6 step 1).</summary>
    public static SipRequestBuilder FromRequest(SipRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var b = new SipRequestBuilder(request.Method, request.RequestUri);
        b.CopyFrom(request);
        return b;
    }

    private protected override void WriteStartLine(ref SipWriter writer) => writer.WriteRequestLine(Method, RequestUri.Text);

    /// <summary>Serialises and re-parses the request; throws <see cref="InvalidOperationException"/> if the headers added are not valid SIP.</summary>
    public SipRequest Build() => (SipRequest)BuildMessage();
}

/// <summary>Builds responses, usually from the request they answer (RFC 3261 §8.2.6).</summary>
public sealed class SipResponseBuilder : SipMessageBuilder
{
    /// <summary>Starts a response with no headers.</summary>
    public SipResponseBuilder(int statusCode, string? reasonPhrase = null)
    {
        if (statusCode is < 100 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode));
        }
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase ?? SipStatus.DefaultReason(statusCode);
    }

    /// <summary>The status code.</summary>
    public int StatusCode { get; }

    /// <summary>Starts a copy of <paramref name="response"/> (all header fields byte for byte, same body), e.g. for a proxy to remove its Via (RFC 3261 §16.7 step 3).</summary>
    public static SipResponseBuilder FromResponse(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var b = new SipResponseBuilder(response.StatusCode, response.ReasonPhrase);
        b.CopyFrom(response);
        return b;
    }

    /// <summary>The reason phrase.</summary>
    public string ReasonPhrase { get; }

    /// <summary>
    /// Starts a response to <paramref name="request"/>: copies Via (all, in order), From, To, Call-ID and CSeq
    /// (RFC 3261 §8.2.6.2), adds a To tag when the request had none and the status is not 100, copies Timestamp
    /// into 100 (§8.2.6.1) and Record-Route into dialog-creating responses (§12.1.1).
    /// </summary>
    public static SipResponseBuilder For(SipRequest request, int statusCode, string? reasonPhrase = null, string? toTag = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var b = new SipResponseBuilder(statusCode, reasonPhrase);
        CopyAll(request, b, SipHeaderName.Via);
        CopyFirst(request, b, SipHeaderName.From);
        int toIndex = request.IndexOf(SipHeaderName.To, 0);
        if (toIndex >= 0)
        {
            var to = request.To;
            if (to is not null && to.Tag is null && statusCode != 100)
            {
                b.AddHeader(SipHeaderName.To, to.WithParameter("tag", toTag ?? SipIds.NewTag()).ToString());
            }
            else
            {
                b.AddRawHeader(SipHeaderName.To, request.GetRawValue(toIndex));
            }
        }
        CopyFirst(request, b, SipHeaderName.CallId);
        CopyFirst(request, b, SipHeaderName.CSeq);
        if (statusCode == 100)
        {
            CopyFirst(request, b, SipHeaderName.Timestamp);
        }
        if (statusCode is > 100 and < 300 && request.Method is "INVITE" or "SUBSCRIBE" or "REFER")
        {
            CopyAll(request, b, SipHeaderName.RecordRoute);
        }
        return b;
    }

    private static void CopyAll(SipRequest request, SipResponseBuilder b, SipHeaderName name)
    {
        for (int i = request.IndexOf(name, 0); i >= 0; i = request.IndexOf(name, i + 1))
        {
            b.AddRawHeader(name, request.GetRawValue(i));
        }
    }

    private static void CopyFirst(SipRequest request, SipResponseBuilder b, SipHeaderName name)
    {
        int i = request.IndexOf(name, 0);
        if (i >= 0)
        {
            b.AddRawHeader(name, request.GetRawValue(i));
        }
    }

    private protected override void WriteStartLine(ref SipWriter writer) => writer.WriteStatusLine(StatusCode, ReasonPhrase);

    /// <summary>Serialises and re-parses the response.</summary>
    public SipResponse Build() => (SipResponse)BuildMessage();
}

/// <summary>Generates identifiers: branches with the RFC 3261 magic cookie, tags and Call-IDs.</summary>
public static class SipIds
{
    /// <summary>A new branch starting with <c>z9hG4bK</c> (RFC 3261 §8.1.1.7).</summary>
    public static string NewBranch() => "z9hG4bK" + Random(16);

    /// <summary>A new tag with at least 32 bits of randomness (RFC 3261 §19.3).</summary>
    public static string NewTag() => Random(10);

    /// <summary>A new globally unique Call-ID (RFC 3261 §8.1.1.4).</summary>
    public static string NewCallId(string host) => Random(20) + "@" + host;

    private static string Random(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        Span<byte> bytes = stackalloc byte[length];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return string.Create(length, bytes.ToArray(), static (span, b) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[b[i] % alphabet.Length];
            }
        });
    }
}

/// <summary>Status codes and their default reason phrases (RFC 3261 §21 and extensions).</summary>
public static class SipStatus
{
    /// <summary>The default reason phrase for a status code.</summary>
    public static string DefaultReason(int code) => code switch
    {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Conditional Request Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        494 => "Security Agreement Required",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => code.ToString(CultureInfo.InvariantCulture)[0] switch
        {
            '1' => "Provisional",
            '2' => "Success",
            '3' => "Redirection",
            '4' => "Client Error",
            '5' => "Server Error",
            _ => "Global Failure",
        },
    };
}
