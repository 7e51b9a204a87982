namespace RcsCore.Pcap;

/// <summary>The messages of one SIP Call-ID (RFC 3261 §12: its dialogs, forks included) and the MSRP its SDP announced.</summary>
public sealed class PcapDialog
{
    internal PcapDialog(string callId, string source)
    {
        CallId = callId;
        Source = source;
    }

    /// <summary>The Call-ID.</summary>
    public string CallId { get; }

    /// <summary>The capture it came from (file name).</summary>
    public string Source { get; }

    /// <summary>Its messages in capture order.</summary>
    public IReadOnlyList<PcapMessage> Messages => MessageList;

    internal List<PcapMessage> MessageList { get; } = [];

    /// <summary>The method of the first request (INVITE, REGISTER, MESSAGE...), or null.</summary>
    public string? FirstMethod
    {
        get
        {
            foreach (var m in MessageList)
            {
                if (m.Sip is RcsCore.Sip.Messages.SipRequest r)
                {
                    return r.Method;
                }
            }
            return null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Source} {FirstMethod ?? "?"} {CallId} ({MessageList.Count} messages)";
}

/// <summary>One-line entry points to captures for tests and tools.</summary>
public static class PcapReplay
{
    /// <summary>
    /// Enumerates the SIP and MSRP messages of a pcap/pcapng file, streaming (the file is never loaded whole).
    /// Issues are not reported here; use <see cref="PcapMessageReader"/> to see them.
    /// </summary>
    public static IEnumerable<PcapMessage> ReadMessages(string path, PcapReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var reader = new PcapMessageReader(path, options);
        IEnumerable<PcapMessage> messages;
        try
        {
            messages = reader.ReadMessages();
        }
        catch
        {
            reader.Dispose();
            throw;
        }
        return Owned(reader, messages);
    }

    /// <summary>
    /// The same as <see cref="ReadMessages"/> for <c>await foreach</c>: the file is read with synchronous sequential
    /// reads (the fastest way through a local file); the enumeration yields to the caller's context every 1024
    /// messages and observes <paramref name="ct"/> between messages.
    /// </summary>
    public static async IAsyncEnumerable<PcapMessage> ReadMessagesAsync(string path, PcapReadOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        int n = 0;
        foreach (var m in ReadMessages(path, options))
        {
            ct.ThrowIfCancellationRequested();
            if ((++n & 1023) == 0)
            {
                await Task.Yield();
            }
            yield return m;
        }
    }

    private static IEnumerable<PcapMessage> Owned(PcapMessageReader reader, IEnumerable<PcapMessage> messages)
    {
        using (reader)
        {
            foreach (var m in messages)
            {
                yield return m;
            }
        }
    }

    /// <summary>
    /// Groups a capture's messages by SIP Call-ID, in order of first appearance; MSRP messages join the dialog whose
    /// SDP announced their endpoints. Messages without a Call-ID (unparsed, unassociated MSRP) are left out.
    /// </summary>
    public static IReadOnlyList<PcapDialog> ReadDialogs(string path, PcapReadOptions? options = null)
    {
        var byId = new Dictionary<string, PcapDialog>(StringComparer.Ordinal);
        var list = new List<PcapDialog>();
        string name = Path.GetFileName(path);
        foreach (var m in ReadMessages(path, options))
        {
            string? id = m.Sip?.CallId ?? m.MsrpDialogCallId;
            if (id is null)
            {
                continue;
            }
            if (!byId.TryGetValue(id, out var d))
            {
                d = new PcapDialog(id, name);
                byId[id] = d;
                list.Add(d);
            }
            d.MessageList.Add(m);
        }
        return list;
    }
}
