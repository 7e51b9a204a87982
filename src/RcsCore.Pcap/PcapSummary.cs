using RcsCore.Sip.Messages;

namespace RcsCore.Pcap;

/// <summary>A message that was recognised but did not parse.</summary>
/// <param name="PacketNumber">The packet that completed it.</param>
/// <param name="Protocol">SIP or MSRP.</param>
/// <param name="Error">Why, with the byte offset.</param>
public sealed record PcapParseErrorEntry(long PacketNumber, PcapProtocol Protocol, string Error);

/// <summary>
/// Counts what a capture holds: SIP requests by method and responses by status, MSRP likewise, transactions
/// (RFC 3261 §17.1.3 matching: top Via branch + CSeq method), dialogs (RFC 3261 §12: Call-ID + tags), calls and
/// MSRP sessions. Memory grows with the number of distinct transactions and dialogs (8 bytes each), not messages.
/// </summary>
public sealed class PcapSummary
{
    private const int MaxErrorsKept = 1000;

    private readonly SortedDictionary<string, long> _sipRequests = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, long> _sipResponses = [];
    private readonly SortedDictionary<string, long> _msrpRequests = new(StringComparer.Ordinal);
    private readonly SortedDictionary<int, long> _msrpResponses = [];
    private readonly HashSet<ulong> _transactions = [];
    private readonly HashSet<ulong> _seen = [];
    private readonly HashSet<ulong> _dialogs = [];
    private readonly HashSet<ulong> _calls = [];
    private readonly HashSet<ulong> _answered = [];
    private readonly HashSet<long> _msrpConnections = [];
    private readonly List<PcapParseErrorEntry> _errors = [];

    /// <summary>SIP requests by method.</summary>
    public IReadOnlyDictionary<string, long> SipRequests => _sipRequests;

    /// <summary>SIP responses by status code.</summary>
    public IReadOnlyDictionary<int, long> SipResponses => _sipResponses;

    /// <summary>MSRP requests by method.</summary>
    public IReadOnlyDictionary<string, long> MsrpRequests => _msrpRequests;

    /// <summary>MSRP responses by status code.</summary>
    public IReadOnlyDictionary<int, long> MsrpResponses => _msrpResponses;

    /// <summary>SIP messages (parsed or not).</summary>
    public long SipMessages { get; private set; }

    /// <summary>MSRP messages (framed or not).</summary>
    public long MsrpMessages { get; private set; }

    /// <summary>SIP messages that repeat one already seen in the same transaction (same request, same status): retransmissions.</summary>
    public long SipRetransmissions { get; private set; }

    /// <summary>Distinct SIP transactions (ACK excluded: RFC 3261 §17.1.1.3 makes it part of the INVITE transaction or no transaction).</summary>
    public long Transactions => _transactions.Count;

    /// <summary>Distinct dialogs established or early (a 101–299 response with a To tag to INVITE, SUBSCRIBE or REFER).</summary>
    public long Dialogs => _dialogs.Count;

    /// <summary>Distinct Call-IDs with an INVITE.</summary>
    public long Calls => _calls.Count;

    /// <summary>Calls whose INVITE got a 2xx.</summary>
    public long AnsweredCalls => _answered.Count;

    /// <summary>TCP connections that carried MSRP.</summary>
    public long MsrpSessions => _msrpConnections.Count;

    /// <summary>Messages that did not parse.</summary>
    public long ParseErrorCount { get; private set; }

    /// <summary>The first 1000 parse errors with their packet numbers.</summary>
    public IReadOnlyList<PcapParseErrorEntry> ParseErrors => _errors;

    /// <summary>Summarises a whole capture file.</summary>
    public static PcapSummary FromFile(string path, PcapReadOptions? options = null)
    {
        var s = new PcapSummary();
        foreach (var m in PcapReplay.ReadMessages(path, options))
        {
            s.Add(m);
        }
        return s;
    }

    /// <summary>Counts one message.</summary>
    public void Add(PcapMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ParseError is not null)
        {
            ParseErrorCount++;
            if (_errors.Count < MaxErrorsKept)
            {
                _errors.Add(new PcapParseErrorEntry(message.PacketNumber, message.Protocol, message.ParseError));
            }
        }
        if (message.Protocol == PcapProtocol.Msrp)
        {
            MsrpMessages++;
            _msrpConnections.Add(message.ConnectionId);
            if (message.MsrpMethod is { } method)
            {
                Increment(_msrpRequests, method);
            }
            else if (message.MsrpStatusCode > 0)
            {
                Increment(_msrpResponses, message.MsrpStatusCode);
            }
            return;
        }
        SipMessages++;
        switch (message.Sip)
        {
            case SipRequest request:
                Increment(_sipRequests, request.Method);
                OnRequest(request);
                break;
            case SipResponse response:
                Increment(_sipResponses, response.StatusCode);
                OnResponse(response);
                break;
        }
    }

    private void OnRequest(SipRequest request)
    {
        ulong tx = TransactionKey(request, request.Method);
        if (!_seen.Add(Mix(tx, request.Method)))
        {
            SipRetransmissions++;
        }
        if (request.Method != "ACK")
        {
            _transactions.Add(tx);
        }
        if (request.Method == "INVITE" && request.CallId is { } id)
        {
            _calls.Add(Hash(id));
        }
    }

    private void OnResponse(SipResponse response)
    {
        var method = response.CSeq?.Method ?? "";
        ulong tx = TransactionKey(response, method);
        if (!_seen.Add(Mix(tx, "status" + response.StatusCode)))
        {
            SipRetransmissions++;
        }
        if (method != "ACK")
        {
            _transactions.Add(tx);
        }
        // RFC 3261 §12.1.1 / RFC 6665 §4.4.1: dialogs come from 101-299 responses carrying a To tag.
        if (response.StatusCode is > 100 and < 300 && method is "INVITE" or "SUBSCRIBE" or "REFER"
            && response.CallId is { } id && response.To?.Tag is { } toTag)
        {
            _dialogs.Add(Mix(Mix(Hash(id), response.From?.Tag ?? ""), toTag));
            if (method == "INVITE" && response.IsSuccess)
            {
                _answered.Add(Hash(id));
            }
        }
    }

    private static ulong TransactionKey(SipMessage m, string method)
    {
        // RFC 3261 §17.1.3/§17.2.3: branch (with the magic cookie) + sent-by + method; ACK shares the INVITE's.
        var m2 = method == "ACK" ? "INVITE" : method;
        var via = m.TopVia;
        if (via?.Branch is { } branch && branch.StartsWith("z9hG4bK", StringComparison.Ordinal))
        {
            return Mix(Mix(Hash(branch), via.Host + ":" + via.Port), m2);
        }
        // RFC 2543 peers: Call-ID + CSeq number + From tag.
        return Mix(Mix(Mix(Hash(m.CallId ?? ""), (m.CSeq?.Number ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)), m.From?.Tag ?? ""), m2);
    }

    private static void Increment<TKey>(SortedDictionary<TKey, long> d, TKey key)
        where TKey : notnull
        => d[key] = d.GetValueOrDefault(key) + 1;

    private static ulong Hash(string s) => Mix(14695981039346656037UL, s);

    /// <summary>FNV-1a over the UTF-16 code units: stable and allocation-free.</summary>
    private static ulong Mix(ulong h, string s)
    {
        foreach (char c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return (h ^ 0xFF) * 1099511628211UL;
    }
}
