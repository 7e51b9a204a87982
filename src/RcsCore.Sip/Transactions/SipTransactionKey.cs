using System.Globalization;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transactions;

/// <summary>
/// Identifies a transaction in a table. For RFC 3261 requests <see cref="Id"/> is the branch and
/// <see cref="SentBy"/> the normalised sent-by of the top Via (server side, §17.2.3; empty on the client side,
/// §17.1.3); for RFC 2543 requests <see cref="Id"/> joins the fields of the §17.2.3 fallback. <see cref="Method"/>
/// is the request method, with ACK mapped to INVITE.
/// </summary>
internal readonly record struct SipTransactionKey(string Id, string SentBy, string Method)
{
    /// <summary>The RFC 3261 magic cookie (§8.1.1.7).</summary>
    public const string MagicCookie = "z9hG4bK";

    /// <summary>True when the key came from the RFC 2543 fallback.</summary>
    public bool IsRfc2543 => SentBy.Length == 0 && Id.StartsWith('\u0001');

    /// <summary>
    /// True when the branch is an RFC 3261 transaction identifier: the magic cookie followed by at least one
    /// character. A bare "z9hG4bK" (RFC 4475 §3.2.1, badbranch.dat) claims RFC 3261 support but identifies nothing,
    /// so it is not unique: we fall back to RFC 2543 matching rather than reject it, which the RFC allows.
    /// </summary>
    public static bool IsRfc3261Branch(string? branch) =>
        branch is not null && branch.Length > MagicCookie.Length && branch.StartsWith(MagicCookie, StringComparison.Ordinal);

    /// <summary>
    /// The server transaction key of a request (RFC 3261 §17.2.3), or false when the request lacks the top Via or
    /// CSeq needed to match it. <paramref name="method"/> overrides the request method (INVITE for an ACK or for a
    /// CANCEL's target, §9.2).
    /// </summary>
    public static bool TryForServer(SipRequest request, string method, out SipTransactionKey key)
    {
        var via = request.TopVia;
        var cseq = request.CSeq;
        if (via is null || cseq is null)
        {
            key = default;
            return false;
        }
        string? branch = via.Branch;
        if (IsRfc3261Branch(branch))
        {
            // RFC 3261 §17.2.3: branch + sent-by + method. Branches compare exactly (they are opaque tokens we
            // did not create); the host is case-insensitive and a missing port is the transport default (§18.1.1).
            key = new SipTransactionKey(branch!, NormalizeSentBy(via), method);
            return true;
        }
        // RFC 3261 §17.2.3, RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number and top Via. The To tag
        // is checked after the lookup (an ACK carries the tag of our response, not of the INVITE).
        string id = string.Join('\u0001', string.Empty, request.RequestUriText, request.From?.Tag ?? string.Empty,
            request.CallId ?? string.Empty, cseq.Value.Number.ToString(CultureInfo.InvariantCulture), via.ToString());
        key = new SipTransactionKey(id, string.Empty, method);
        return true;
    }

    /// <summary>The client transaction key of a response (RFC 3261 §17.1.3): top Via branch + CSeq method.</summary>
    public static bool TryForClient(SipMessage message, out SipTransactionKey key)
    {
        string? branch = message.TopVia?.Branch;
        var cseq = message.CSeq;
        if (branch is null || cseq is null)
        {
            key = default;
            return false;
        }
        key = new SipTransactionKey(branch, string.Empty, cseq.Value.Method);
        return true;
    }

    /// <summary>host:port of a Via in lower case, with the default port filled in.</summary>
    private static string NormalizeSentBy(SipViaHeader via)
    {
        int port = via.Port >= 0 ? via.Port : string.Equals(via.Transport, "TLS", StringComparison.OrdinalIgnoreCase) ? 5061 : 5060;
        return string.Concat(via.Host.ToLowerInvariant(), ":", port.ToString(CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public override string ToString() => IsRfc2543 ? $"rfc2543 {Method}" : $"{Id} {SentBy} {Method}";
}
