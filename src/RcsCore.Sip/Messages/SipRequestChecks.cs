using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>Why a syntactically valid request must be refused, and the response to send.</summary>
/// <param name="StatusCode">The status to answer with.</param>
/// <param name="ReasonPhrase">The reason phrase.</param>
/// <param name="Detail">What was wrong, for logs.</param>
/// <param name="Unsupported">For 420: the option tags to list in Unsupported (RFC 3261 §8.2.2.3).</param>
public sealed record SipCheckFailure(int StatusCode, string ReasonPhrase, string Detail, IReadOnlyList<string>? Unsupported = null);

/// <summary>What a UAS or proxy supports, for <see cref="SipRequestChecks"/>.</summary>
public sealed class SipRequestCheckOptions
{
    /// <summary>Option tags this element understands (RFC 3261 §8.2.2.3); others in Require/Proxy-Require give 420.</summary>
    public IReadOnlySet<string> SupportedExtensions { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "path", "gruu", "outbound", "timer", "100rel", "replaces" };

    /// <summary>Body media types this element accepts (RFC 3261 §8.2.3); null accepts all.</summary>
    public IReadOnlySet<string>? AcceptedContentTypes { get; init; }

    /// <summary>True when acting as a proxy: Max-Forwards 0 gives 483 (RFC 3261 §16.3), Proxy-Require is checked.</summary>
    public bool IsProxy { get; init; }
}

/// <summary>
/// The request checks of RFC 3261 §8.2 (UAS) and §16.3 (proxy) that come after parsing, in the RFC's order:
/// mandatory and single-valued headers (400), URI scheme (416), Max-Forwards (483), extensions (420), content type (415).
/// </summary>
public static class SipRequestChecks
{
    private static readonly SipHeaderName[] s_required = [SipHeaderName.To, SipHeaderName.From, SipHeaderName.CallId, SipHeaderName.CSeq, SipHeaderName.Via];
    private static readonly SipHeaderName[] s_single = [SipHeaderName.To, SipHeaderName.From, SipHeaderName.CallId, SipHeaderName.CSeq, SipHeaderName.MaxForwards];

    /// <summary>Returns why the request must be refused, or null when it may be processed.</summary>
    public static SipCheckFailure? Check(SipRequest request, SipRequestCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        options ??= new SipRequestCheckOptions();

        // RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards and Via are mandatory. Max-Forwards is tolerated
        // when absent for RFC 2543 peers (RFC 4475 §3.4.1).
        foreach (var name in s_required)
        {
            if (request.IndexOf(name, 0) < 0)
            {
                return new SipCheckFailure(400, "Missing Required Header", $"missing {SipHeaderNames.GetName(name)}");
            }
        }
        // RFC 4475 §3.3.8: multiple values in single-value fields.
        foreach (var name in s_single)
        {
            if (request.CountHeaders(name) > 1)
            {
                return new SipCheckFailure(400, "Bad Request", $"multiple {SipHeaderNames.GetName(name)} headers");
            }
        }
        // RFC 4475 §3.3.9: conflicting Content-Length values.
        if (request.HasConflictingContentLength)
        {
            return new SipCheckFailure(400, "Bad Request", "conflicting Content-Length values");
        }
        if (request.From is null || request.To is null || request.CSeq is null)
        {
            return new SipCheckFailure(400, "Bad Request", "malformed From, To or CSeq");
        }
        // RFC 3261 §8.2.2.1: unsupported Request-URI scheme.
        if (request.RequestUri.Scheme == SipUriScheme.Other)
        {
            return new SipCheckFailure(416, "Unsupported URI Scheme", $"scheme {request.RequestUri.SchemeText}");
        }
        // RFC 3261 §16.3 step 3.
        if (options.IsProxy && request.MaxForwards == 0 && request.Method != "OPTIONS")
        {
            return new SipCheckFailure(483, "Too Many Hops", "Max-Forwards is 0");
        }
        // RFC 3261 §8.2.2.3 / §16.3 step 5: Require (UAS) and Proxy-Require (proxy).
        var unsupported = new List<string>();
        CollectUnsupported(request, options.IsProxy ? SipHeaderName.ProxyRequire : SipHeaderName.Require, options, unsupported);
        if (unsupported.Count > 0 && request.Method != "ACK" && request.Method != "CANCEL")
        {
            return new SipCheckFailure(420, "Bad Extension", "unsupported option tags: " + string.Join(", ", unsupported), unsupported);
        }
        // RFC 3261 §8.2.3: a body of a type we do not understand gives 415.
        if (!options.IsProxy && options.AcceptedContentTypes is not null && request.Body.Length > 0)
        {
            var ct = request.ContentType;
            string type = ct is null ? "application/sdp" : ct.Split(';')[0].Trim();
            if (!options.AcceptedContentTypes.Contains(type))
            {
                return new SipCheckFailure(415, "Unsupported Media Type", $"Content-Type {type}");
            }
        }
        return null;
    }

    private static void CollectUnsupported(SipRequest request, SipHeaderName header, SipRequestCheckOptions options, List<string> into)
    {
        foreach (var value in request.GetHeaders(header))
        {
            foreach (var raw in value.Split(','))
            {
                var tag = raw.Trim();
                if (tag.Length > 0 && !options.SupportedExtensions.Contains(tag))
                {
                    into.Add(tag);
                }
            }
        }
    }
}
