// One table (s_entries) is the source of the names; the enum lists the same ids in the same order (Kestrel KnownHeaders style).
// RFC 3261 §7.3.3 compact forms; RFC 3841, 3515, 3892, 4028, 6665, 3GPP TS 24.229 §7.2 and GSMA RCC.07 for the rest.
using System.Runtime.CompilerServices;
using System.Text;

namespace RcsCore.Parsing.Sip;

/// <summary>Header fields the stack knows by name. Unknown headers are <see cref="Unknown"/> and stay raw bytes.</summary>
public enum SipHeaderName : byte
{
    /// <summary>A header this enum does not list.</summary>
    Unknown = 0,
    /// <summary>Accept.</summary>
    Accept = 1,
    /// <summary>Accept-Contact (compact form a).</summary>
    AcceptContact = 2,
    /// <summary>Accept-Encoding.</summary>
    AcceptEncoding = 3,
    /// <summary>Accept-Language.</summary>
    AcceptLanguage = 4,
    /// <summary>Alert-Info.</summary>
    AlertInfo = 5,
    /// <summary>Allow.</summary>
    Allow = 6,
    /// <summary>Allow-Events (compact form u).</summary>
    AllowEvents = 7,
    /// <summary>Authentication-Info.</summary>
    AuthenticationInfo = 8,
    /// <summary>Authorization.</summary>
    Authorization = 9,
    /// <summary>Call-ID (compact form i).</summary>
    CallId = 10,
    /// <summary>Call-Info.</summary>
    CallInfo = 11,
    /// <summary>Contact (compact form m).</summary>
    Contact = 12,
    /// <summary>Content-Disposition.</summary>
    ContentDisposition = 13,
    /// <summary>Content-Encoding (compact form e).</summary>
    ContentEncoding = 14,
    /// <summary>Content-Language.</summary>
    ContentLanguage = 15,
    /// <summary>Content-Length (compact form l).</summary>
    ContentLength = 16,
    /// <summary>Content-Type (compact form c).</summary>
    ContentType = 17,
    /// <summary>CSeq.</summary>
    CSeq = 18,
    /// <summary>Date.</summary>
    Date = 19,
    /// <summary>Error-Info.</summary>
    ErrorInfo = 20,
    /// <summary>Event (compact form o).</summary>
    Event = 21,
    /// <summary>Expires.</summary>
    Expires = 22,
    /// <summary>From (compact form f).</summary>
    From = 23,
    /// <summary>In-Reply-To.</summary>
    InReplyTo = 24,
    /// <summary>Max-Forwards.</summary>
    MaxForwards = 25,
    /// <summary>Min-Expires.</summary>
    MinExpires = 26,
    /// <summary>MIME-Version.</summary>
    MimeVersion = 27,
    /// <summary>Organization.</summary>
    Organization = 28,
    /// <summary>Path.</summary>
    Path = 29,
    /// <summary>Priority.</summary>
    Priority = 30,
    /// <summary>Privacy.</summary>
    Privacy = 31,
    /// <summary>Proxy-Authenticate.</summary>
    ProxyAuthenticate = 32,
    /// <summary>Proxy-Authorization.</summary>
    ProxyAuthorization = 33,
    /// <summary>Proxy-Require.</summary>
    ProxyRequire = 34,
    /// <summary>RAck.</summary>
    RAck = 35,
    /// <summary>Reason.</summary>
    Reason = 36,
    /// <summary>Record-Route.</summary>
    RecordRoute = 37,
    /// <summary>Refer-To (compact form r).</summary>
    ReferTo = 38,
    /// <summary>Referred-By (compact form b).</summary>
    ReferredBy = 39,
    /// <summary>Reject-Contact (compact form j).</summary>
    RejectContact = 40,
    /// <summary>Reply-To.</summary>
    ReplyTo = 41,
    /// <summary>Request-Disposition (compact form d).</summary>
    RequestDisposition = 42,
    /// <summary>Require.</summary>
    Require = 43,
    /// <summary>Retry-After.</summary>
    RetryAfter = 44,
    /// <summary>Route.</summary>
    Route = 45,
    /// <summary>RSeq.</summary>
    RSeq = 46,
    /// <summary>Security-Client.</summary>
    SecurityClient = 47,
    /// <summary>Security-Server.</summary>
    SecurityServer = 48,
    /// <summary>Security-Verify.</summary>
    SecurityVerify = 49,
    /// <summary>Server.</summary>
    Server = 50,
    /// <summary>Service-Route.</summary>
    ServiceRoute = 51,
    /// <summary>Session-Expires (compact form x).</summary>
    SessionExpires = 52,
    /// <summary>Min-SE.</summary>
    MinSE = 53,
    /// <summary>Subject (compact form s).</summary>
    Subject = 54,
    /// <summary>Subscription-State.</summary>
    SubscriptionState = 55,
    /// <summary>Supported (compact form k).</summary>
    Supported = 56,
    /// <summary>Timestamp.</summary>
    Timestamp = 57,
    /// <summary>To (compact form t).</summary>
    To = 58,
    /// <summary>Unsupported.</summary>
    Unsupported = 59,
    /// <summary>User-Agent.</summary>
    UserAgent = 60,
    /// <summary>Via (compact form v).</summary>
    Via = 61,
    /// <summary>Warning.</summary>
    Warning = 62,
    /// <summary>WWW-Authenticate.</summary>
    WwwAuthenticate = 63,
    /// <summary>Identity (compact form y).</summary>
    Identity = 64,
    /// <summary>Identity-Info (compact form n).</summary>
    IdentityInfo = 65,
    /// <summary>Replaces.</summary>
    Replaces = 66,
    /// <summary>SIP-ETag.</summary>
    SipETag = 67,
    /// <summary>SIP-If-Match.</summary>
    SipIfMatch = 68,
    /// <summary>P-Asserted-Identity.</summary>
    PAssertedIdentity = 69,
    /// <summary>P-Preferred-Identity.</summary>
    PPreferredIdentity = 70,
    /// <summary>P-Associated-URI.</summary>
    PAssociatedUri = 71,
    /// <summary>P-Called-Party-ID.</summary>
    PCalledPartyId = 72,
    /// <summary>P-Access-Network-Info.</summary>
    PAccessNetworkInfo = 73,
    /// <summary>P-Charging-Vector.</summary>
    PChargingVector = 74,
    /// <summary>P-Charging-Function-Addresses.</summary>
    PChargingFunctionAddresses = 75,
    /// <summary>P-Visited-Network-ID.</summary>
    PVisitedNetworkId = 76,
    /// <summary>P-Asserted-Service.</summary>
    PAssertedService = 77,
    /// <summary>P-Preferred-Service.</summary>
    PPreferredService = 78,
    /// <summary>Contribution-ID.</summary>
    ContributionId = 79,
    /// <summary>Conversation-ID.</summary>
    ConversationId = 80,
    /// <summary>InReplyTo-Contribution-ID.</summary>
    InReplyToContributionId = 81,
    /// <summary>Session-Replaces.</summary>
    SessionReplaces = 82,
    /// <summary>Flow-Timer.</summary>
    FlowTimer = 83,
}

/// <summary>Maps header names (long or compact, any case) to <see cref="SipHeaderName"/> without allocating.</summary>
public static class SipHeaderNames
{
    private readonly struct Entry
    {
        public Entry(SipHeaderName id, byte[] name, byte compact)
        {
            Id = id;
            Name = name;
            Compact = compact;
        }

        public SipHeaderName Id { get; }
        public byte[] Name { get; }
        public byte Compact { get; }
    }

    private static readonly Entry[] s_entries =
    [
        new(SipHeaderName.Accept, "Accept"u8.ToArray(), 0),
        new(SipHeaderName.AcceptContact, "Accept-Contact"u8.ToArray(), (byte)'a'),
        new(SipHeaderName.AcceptEncoding, "Accept-Encoding"u8.ToArray(), 0),
        new(SipHeaderName.AcceptLanguage, "Accept-Language"u8.ToArray(), 0),
        new(SipHeaderName.AlertInfo, "Alert-Info"u8.ToArray(), 0),
        new(SipHeaderName.Allow, "Allow"u8.ToArray(), 0),
        new(SipHeaderName.AllowEvents, "Allow-Events"u8.ToArray(), (byte)'u'),
        new(SipHeaderName.AuthenticationInfo, "Authentication-Info"u8.ToArray(), 0),
        new(SipHeaderName.Authorization, "Authorization"u8.ToArray(), 0),
        new(SipHeaderName.CallId, "Call-ID"u8.ToArray(), (byte)'i'),
        new(SipHeaderName.CallInfo, "Call-Info"u8.ToArray(), 0),
        new(SipHeaderName.Contact, "Contact"u8.ToArray(), (byte)'m'),
        new(SipHeaderName.ContentDisposition, "Content-Disposition"u8.ToArray(), 0),
        new(SipHeaderName.ContentEncoding, "Content-Encoding"u8.ToArray(), (byte)'e'),
        new(SipHeaderName.ContentLanguage, "Content-Language"u8.ToArray(), 0),
        new(SipHeaderName.ContentLength, "Content-Length"u8.ToArray(), (byte)'l'),
        new(SipHeaderName.ContentType, "Content-Type"u8.ToArray(), (byte)'c'),
        new(SipHeaderName.CSeq, "CSeq"u8.ToArray(), 0),
        new(SipHeaderName.Date, "Date"u8.ToArray(), 0),
        new(SipHeaderName.ErrorInfo, "Error-Info"u8.ToArray(), 0),
        new(SipHeaderName.Event, "Event"u8.ToArray(), (byte)'o'),
        new(SipHeaderName.Expires, "Expires"u8.ToArray(), 0),
        new(SipHeaderName.From, "From"u8.ToArray(), (byte)'f'),
        new(SipHeaderName.InReplyTo, "In-Reply-To"u8.ToArray(), 0),
        new(SipHeaderName.MaxForwards, "Max-Forwards"u8.ToArray(), 0),
        new(SipHeaderName.MinExpires, "Min-Expires"u8.ToArray(), 0),
        new(SipHeaderName.MimeVersion, "MIME-Version"u8.ToArray(), 0),
        new(SipHeaderName.Organization, "Organization"u8.ToArray(), 0),
        new(SipHeaderName.Path, "Path"u8.ToArray(), 0),
        new(SipHeaderName.Priority, "Priority"u8.ToArray(), 0),
        new(SipHeaderName.Privacy, "Privacy"u8.ToArray(), 0),
        new(SipHeaderName.ProxyAuthenticate, "Proxy-Authenticate"u8.ToArray(), 0),
        new(SipHeaderName.ProxyAuthorization, "Proxy-Authorization"u8.ToArray(), 0),
        new(SipHeaderName.ProxyRequire, "Proxy-Require"u8.ToArray(), 0),
        new(SipHeaderName.RAck, "RAck"u8.ToArray(), 0),
        new(SipHeaderName.Reason, "Reason"u8.ToArray(), 0),
        new(SipHeaderName.RecordRoute, "Record-Route"u8.ToArray(), 0),
        new(SipHeaderName.ReferTo, "Refer-To"u8.ToArray(), (byte)'r'),
        new(SipHeaderName.ReferredBy, "Referred-By"u8.ToArray(), (byte)'b'),
        new(SipHeaderName.RejectContact, "Reject-Contact"u8.ToArray(), (byte)'j'),
        new(SipHeaderName.ReplyTo, "Reply-To"u8.ToArray(), 0),
        new(SipHeaderName.RequestDisposition, "Request-Disposition"u8.ToArray(), (byte)'d'),
        new(SipHeaderName.Require, "Require"u8.ToArray(), 0),
        new(SipHeaderName.RetryAfter, "Retry-After"u8.ToArray(), 0),
        new(SipHeaderName.Route, "Route"u8.ToArray(), 0),
        new(SipHeaderName.RSeq, "RSeq"u8.ToArray(), 0),
        new(SipHeaderName.SecurityClient, "Security-Client"u8.ToArray(), 0),
        new(SipHeaderName.SecurityServer, "Security-Server"u8.ToArray(), 0),
        new(SipHeaderName.SecurityVerify, "Security-Verify"u8.ToArray(), 0),
        new(SipHeaderName.Server, "Server"u8.ToArray(), 0),
        new(SipHeaderName.ServiceRoute, "Service-Route"u8.ToArray(), 0),
        new(SipHeaderName.SessionExpires, "Session-Expires"u8.ToArray(), (byte)'x'),
        new(SipHeaderName.MinSE, "Min-SE"u8.ToArray(), 0),
        new(SipHeaderName.Subject, "Subject"u8.ToArray(), (byte)'s'),
        new(SipHeaderName.SubscriptionState, "Subscription-State"u8.ToArray(), 0),
        new(SipHeaderName.Supported, "Supported"u8.ToArray(), (byte)'k'),
        new(SipHeaderName.Timestamp, "Timestamp"u8.ToArray(), 0),
        new(SipHeaderName.To, "To"u8.ToArray(), (byte)'t'),
        new(SipHeaderName.Unsupported, "Unsupported"u8.ToArray(), 0),
        new(SipHeaderName.UserAgent, "User-Agent"u8.ToArray(), 0),
        new(SipHeaderName.Via, "Via"u8.ToArray(), (byte)'v'),
        new(SipHeaderName.Warning, "Warning"u8.ToArray(), 0),
        new(SipHeaderName.WwwAuthenticate, "WWW-Authenticate"u8.ToArray(), 0),
        new(SipHeaderName.Identity, "Identity"u8.ToArray(), (byte)'y'),
        new(SipHeaderName.IdentityInfo, "Identity-Info"u8.ToArray(), (byte)'n'),
        new(SipHeaderName.Replaces, "Replaces"u8.ToArray(), 0),
        new(SipHeaderName.SipETag, "SIP-ETag"u8.ToArray(), 0),
        new(SipHeaderName.SipIfMatch, "SIP-If-Match"u8.ToArray(), 0),
        new(SipHeaderName.PAssertedIdentity, "P-Asserted-Identity"u8.ToArray(), 0),
        new(SipHeaderName.PPreferredIdentity, "P-Preferred-Identity"u8.ToArray(), 0),
        new(SipHeaderName.PAssociatedUri, "P-Associated-URI"u8.ToArray(), 0),
        new(SipHeaderName.PCalledPartyId, "P-Called-Party-ID"u8.ToArray(), 0),
        new(SipHeaderName.PAccessNetworkInfo, "P-Access-Network-Info"u8.ToArray(), 0),
        new(SipHeaderName.PChargingVector, "P-Charging-Vector"u8.ToArray(), 0),
        new(SipHeaderName.PChargingFunctionAddresses, "P-Charging-Function-Addresses"u8.ToArray(), 0),
        new(SipHeaderName.PVisitedNetworkId, "P-Visited-Network-ID"u8.ToArray(), 0),
        new(SipHeaderName.PAssertedService, "P-Asserted-Service"u8.ToArray(), 0),
        new(SipHeaderName.PPreferredService, "P-Preferred-Service"u8.ToArray(), 0),
        new(SipHeaderName.ContributionId, "Contribution-ID"u8.ToArray(), 0),
        new(SipHeaderName.ConversationId, "Conversation-ID"u8.ToArray(), 0),
        new(SipHeaderName.InReplyToContributionId, "InReplyTo-Contribution-ID"u8.ToArray(), 0),
        new(SipHeaderName.SessionReplaces, "Session-Replaces"u8.ToArray(), 0),
        new(SipHeaderName.FlowTimer, "Flow-Timer"u8.ToArray(), 0),
    ];

    private const int HashBits = 9;
    private static readonly byte[][] s_nameBytes = BuildNameBytes();
    private static readonly byte[] s_hashTable = BuildHashTable();
    private static readonly SipHeaderName[] s_compact = BuildCompact();
    private static readonly string[] s_names = BuildNames();

    // Open-addressed hash of (length, first, middle, last byte, case-folded) -> id: one probe and one compare on average.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> name)
    {
        uint x = ((uint)name.Length * 0x9E3779B1u) ^ ((uint)(name[0] | 0x20) << 16) ^ ((uint)(name[name.Length >> 1] | 0x20) << 8) ^ (uint)(name[^1] | 0x20);
        return (x * 0x85EBCA6Bu) >> (32 - HashBits);
    }

    private static byte[] BuildHashTable()
    {
        var table = new byte[1 << HashBits];
        foreach (var e in s_entries)
        {
            uint h = Hash(e.Name);
            while (table[h] != 0)
            {
                h = (h + 1) & ((1u << HashBits) - 1);
            }
            table[h] = (byte)e.Id;
        }
        return table;
    }

    private static SipHeaderName[] BuildCompact()
    {
        var t = new SipHeaderName[128];
        foreach (var e in s_entries)
        {
            if (e.Compact != 0)
            {
                t[e.Compact] = e.Id;
                t[e.Compact - 32] = e.Id;
            }
        }
        return t;
    }

    private static string[] BuildNames()
    {
        var names = new string[256];
        Array.Fill(names, string.Empty);
        foreach (var e in s_entries)
        {
            names[(int)e.Id] = Encoding.ASCII.GetString(e.Name);
        }
        return names;
    }

    private static byte[][] BuildNameBytes()
    {
        var names = new byte[256][];
        Array.Fill(names, []);
        foreach (var e in s_entries)
        {
            names[(int)e.Id] = e.Name;
        }
        return names;
    }

    /// <summary>Identifies a header name (case-insensitive, compact forms included, RFC 3261 §7.3.1, §7.3.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SipHeaderName Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            byte b = name[0];
            return b < 128 ? s_compact[b] : SipHeaderName.Unknown;
        }
        if (name.IsEmpty)
        {
            return SipHeaderName.Unknown;
        }
        var table = s_hashTable;
        uint h = Hash(name);
        while (true)
        {
            byte id = table[h];
            if (id == 0)
            {
                return SipHeaderName.Unknown;
            }
            var candidate = s_nameBytes[id];
            if (candidate.Length == name.Length && Ascii.EqualsIgnoreCase(name, candidate))
            {
                return (SipHeaderName)id;
            }
            h = (h + 1) & ((1u << HashBits) - 1);
        }
    }

    /// <summary>Identifies a header name given as a string.</summary>
    public static SipHeaderName Lookup(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> buf = stackalloc byte[64];
        if (name.Length > buf.Length || !Ascii.IsValid(name))
        {
            return SipHeaderName.Unknown;
        }
        int n = Encoding.ASCII.GetBytes(name, buf);
        return Lookup(buf[..n]);
    }

    /// <summary>The canonical long name of a known header (empty for <see cref="SipHeaderName.Unknown"/>).</summary>
    public static string GetName(SipHeaderName id) => s_names[(int)id];

    /// <summary>The canonical long name as ASCII bytes (empty for <see cref="SipHeaderName.Unknown"/>).</summary>
    public static ReadOnlySpan<byte> GetNameBytes(SipHeaderName id) => s_nameBytes[(int)id];
}
