using System.Globalization;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Ims.Registration;

/// <summary>The parts of a REGISTER the location service needs (RFC 3261 §10.3 steps 5–7).</summary>
public sealed class SipRegistrationRequest
{
    /// <summary>The canonical address of record from the To header (RFC 3261 §10.3 step 5).</summary>
    public required string AddressOfRecord { get; init; }

    /// <summary>The Call-ID.</summary>
    public required string CallId { get; init; }

    /// <summary>The CSeq number.</summary>
    public required uint CSeq { get; init; }

    /// <summary>The Contact values in order (a single wildcard for <c>Contact: *</c>); empty for a query.</summary>
    public IReadOnlyList<SipNameAddress> Contacts { get; init; } = [];

    /// <summary>The Expires header value, or null when absent (RFC 3261 §10.2.1.1).</summary>
    public uint? Expires { get; init; }

    /// <summary>The Path values, first (outermost) first (RFC 3327 §5.3).</summary>
    public IReadOnlyList<string> Path { get; init; } = [];

    /// <summary>Where the REGISTER came from (the flow, RFC 5626 §5.2).</summary>
    public SipEndPoint? Source { get; init; }

    /// <summary>The connection it came on (stream transports), or 0.</summary>
    public long ConnectionId { get; init; }

    /// <summary>
    /// Extracts the registration from a REGISTER: the To URI as canonical AoR, Call-ID, CSeq, Contacts, Expires and
    /// Path. Null when To, Call-ID, CSeq or a Contact value is missing or malformed (answer 400).
    /// </summary>
    public static SipRegistrationRequest? FromRegister(SipRequest request, SipEndPoint? source = null, long connectionId = 0)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.To is not { } to || request.CallId is not { } callId || request.CSeq is not { } cseq)
        {
            return null;
        }
        var contacts = new List<SipNameAddress>();
        for (int i = request.IndexOf(SipHeaderName.Contact, 0); i >= 0; i = request.IndexOf(SipHeaderName.Contact, i + 1))
        {
            if (!SipNameAddress.TryParseList(request.GetRawValue(i), contacts))
            {
                return null;
            }
        }
        var path = new List<string>();
        foreach (var p in request.GetNameAddresses(SipHeaderName.Path))
        {
            path.Add(p.ToString());
        }
        return new SipRegistrationRequest
        {
            AddressOfRecord = to.Uri.ToAddressOfRecord(),
            CallId = callId,
            CSeq = cseq.Number,
            Contacts = contacts,
            Expires = ParseExpires(request.GetHeader(SipHeaderName.Expires)),
            Path = path,
            Source = source,
            ConnectionId = connectionId,
        };
    }

    // RFC 3261 §20.19: delta-seconds; an RFC 2543 date or garbage counts as absent (the default applies, §10.3 step 7).
    private static uint? ParseExpires(string? value) =>
        value is not null && uint.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint v) ? v : null;
}

/// <summary>How the location service judged a registration (RFC 3261 §10.3).</summary>
public enum SipRegistrationStatus : byte
{
    /// <summary>Applied (or a query): answer 200 with the current bindings (§10.3 step 8).</summary>
    Ok = 0,
    /// <summary>Malformed: <c>Contact: *</c> with other contacts or a non-zero expiry (§10.3 step 6), bad q, reg-id misuse (RFC 5626 §6): 400.</summary>
    BadRequest = 1,
    /// <summary>An expiry below the minimum: 423 with Min-Expires (§10.3 step 7).</summary>
    IntervalTooBrief = 2,
    /// <summary>Same Call-ID with a CSeq not higher than the binding's: the update is aborted (§10.3 steps 6–7): 500.</summary>
    OutOfOrder = 3,
    /// <summary>More contacts than the AoR may have: 403.</summary>
    TooManyBindings = 4,
}

/// <summary>The outcome of <see cref="SipLocationService.RegisterAsync"/>.</summary>
public sealed class SipRegistrationResult
{
    internal SipRegistrationResult(SipRegistrationStatus status, string detail, IReadOnlyList<SipBinding> bindings, IReadOnlyList<SipBindingChange> changes, uint minExpires = 0)
    {
        Status = status;
        Detail = detail;
        Bindings = bindings;
        Changes = changes;
        MinExpires = minExpires;
    }

    /// <summary>The status.</summary>
    public SipRegistrationStatus Status { get; }

    /// <summary>True when applied.</summary>
    public bool IsSuccess => Status == SipRegistrationStatus.Ok;

    /// <summary>The SIP status to answer with.</summary>
    public int StatusCode => Status switch
    {
        SipRegistrationStatus.Ok => 200,
        SipRegistrationStatus.BadRequest => 400,
        SipRegistrationStatus.IntervalTooBrief => 423,
        SipRegistrationStatus.OutOfOrder => 500,
        _ => 403,
    };

    /// <summary>What was wrong (for logs and reason phrases); empty on success.</summary>
    public string Detail { get; }

    /// <summary>The active bindings of the AoR afterwards, by q (highest first) then expiry (latest first); unchanged ones on failure.</summary>
    public IReadOnlyList<SipBinding> Bindings { get; }

    /// <summary>What the registration changed (empty on failure or for a query).</summary>
    public IReadOnlyList<SipBindingChange> Changes { get; }

    /// <summary>For <see cref="SipRegistrationStatus.IntervalTooBrief"/>: the Min-Expires value (RFC 3261 §20.23).</summary>
    public uint MinExpires { get; }

    /// <summary>True when some contact used SIP outbound (instance + reg-id; RFC 5626 §6 then requires Require: outbound).</summary>
    public bool UsedOutbound { get; internal init; }
}
