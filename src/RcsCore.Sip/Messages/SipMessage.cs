using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Sip.Messages;

/// <summary>
/// An owned SIP message for applications: the exact wire bytes plus an index of its header fields. Typed
/// accessors parse lazily from the bytes and cache what they produce. Immutable; build new messages with
/// <see cref="SipRequestBuilder"/> / <see cref="SipResponseBuilder"/>.
/// </summary>
public abstract class SipMessage
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly HeaderEntry[] _headers;
    private readonly int _bodyOffset;
    private readonly int _bodyLength;
    private string? _callId;
    private SipNameAddress? _from;
    private SipNameAddress? _to;
    private SipCSeq? _cseq;
    private IReadOnlyList<SipViaHeader>? _vias;
    private SipViaHeader? _topVia;

    private protected SipMessage(ReadOnlyMemory<byte> data, HeaderEntry[] headers, int bodyOffset, int bodyLength, SipMessageInfo info)
    {
        _data = data;
        _headers = headers;
        _bodyOffset = bodyOffset;
        _bodyLength = bodyLength;
        HasConflictingContentLength = info.HasConflictingContentLength;
    }

    internal readonly struct HeaderEntry
    {
        public HeaderEntry(SipHeaderName id, int nameOffset, int nameLength, int valueOffset, int valueLength)
        {
            Id = id;
            NameOffset = nameOffset;
            NameLength = nameLength;
            ValueOffset = valueOffset;
            ValueLength = valueLength;
        }

        public SipHeaderName Id { get; }
        public int NameOffset { get; }
        public int NameLength { get; }
        public int ValueOffset { get; }
        public int ValueLength { get; }
    }

    /// <summary>The whole message as received (or built), starting at the start line.</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>The body bytes.</summary>
    public ReadOnlyMemory<byte> Body => _data.Slice(_bodyOffset, _bodyLength);

    /// <summary>Number of header fields (lines, not comma-separated values).</summary>
    public int HeaderCount => _headers.Length;

    /// <summary>True when Content-Length appeared more than once with different values (RFC 4475 §3.3.9).</summary>
    public bool HasConflictingContentLength { get; }

    /// <summary>True for requests.</summary>
    public abstract bool IsRequest { get; }

    /// <summary>The known name of header field <paramref name="index"/>.</summary>
    public SipHeaderName GetHeaderId(int index) => _headers[index].Id;

    /// <summary>The name of header field <paramref name="index"/> as written.</summary>
    public string GetHeaderName(int index)
    {
        var h = _headers[index];
        return h.Id != SipHeaderName.Unknown && h.NameLength > 1 ? SipHeaderNames.GetName(h.Id) : Encoding.UTF8.GetString(_data.Span.Slice(h.NameOffset, h.NameLength));
    }

    /// <summary>The raw value bytes of header field <paramref name="index"/> (LWS-trimmed, folds kept).</summary>
    public ReadOnlySpan<byte> GetRawValue(int index)
    {
        var h = _headers[index];
        return _data.Span.Slice(h.ValueOffset, h.ValueLength);
    }

    /// <summary>Where the raw value of header field <paramref name="index"/> sits in <see cref="Data"/>.</summary>
    internal (int Offset, int Length) GetRawValueRange(int index)
    {
        var h = _headers[index];
        return (h.ValueOffset, h.ValueLength);
    }

    /// <summary>The value of header field <paramref name="index"/> as a string (folds removed).</summary>
    public string GetHeaderValue(int index) => SipText.Decode(GetRawValue(index));

    /// <summary>The first value of a known header, or null.</summary>
    public string? GetHeader(SipHeaderName name)
    {
        int i = IndexOf(name, 0);
        return i < 0 ? null : GetHeaderValue(i);
    }

    /// <summary>The first value of a header by name (long or compact form, case-insensitive), or null.</summary>
    public string? GetHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var id = SipHeaderNames.Lookup(name);
        if (id != SipHeaderName.Unknown)
        {
            return GetHeader(id);
        }
        for (int i = 0; i < _headers.Length; i++)
        {
            if (_headers[i].Id == SipHeaderName.Unknown && string.Equals(GetHeaderName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return GetHeaderValue(i);
            }
        }
        return null;
    }

    /// <summary>All header field values of a known header in order (one per header line).</summary>
    public IReadOnlyList<string> GetHeaders(SipHeaderName name)
    {
        var list = new List<string>();
        for (int i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            list.Add(GetHeaderValue(i));
        }
        return list;
    }

    /// <summary>Number of header lines of a known header.</summary>
    public int CountHeaders(SipHeaderName name)
    {
        int n = 0;
        foreach (var h in _headers)
        {
            if (h.Id == name)
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>Index of the next header field with this name at or after <paramref name="start"/>, or -1.</summary>
    public int IndexOf(SipHeaderName name, int start)
    {
        for (int i = start; i < _headers.Length; i++)
        {
            if (_headers[i].Id == name)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The Call-ID (RFC 3261 §20.8), or null when missing.</summary>
    public string? CallId => _callId ??= GetHeader(SipHeaderName.CallId);

    /// <summary>The From header (RFC 3261 §20.20), or null when missing or malformed.</summary>
    public SipNameAddress? From => _from ??= ParseNameAddr(SipHeaderName.From);

    /// <summary>The To header (RFC 3261 §20.39), or null when missing or malformed.</summary>
    public SipNameAddress? To => _to ??= ParseNameAddr(SipHeaderName.To);

    /// <summary>The CSeq (RFC 3261 §20.16), or null when missing or malformed.</summary>
    public SipCSeq? CSeq
    {
        get
        {
            if (_cseq is null)
            {
                int i = IndexOf(SipHeaderName.CSeq, 0);
                if (i >= 0 && SipValueParsers.TryParseCSeq(GetRawValue(i), out uint n, out var m) == SipParseError.None)
                {
                    _cseq = new SipCSeq(n, SipText.Method(m));
                }
            }
            return _cseq;
        }
    }

    /// <summary>Max-Forwards, or null when missing or malformed.</summary>
    public int? MaxForwards
    {
        get
        {
            int i = IndexOf(SipHeaderName.MaxForwards, 0);
            return i >= 0 && SipValueParsers.TryParseUInt32(GetRawValue(i), 255, out uint v) ? (int)v : null;
        }
    }

    /// <summary>The Content-Type value, or null.</summary>
    public string? ContentType => GetHeader(SipHeaderName.ContentType);

    /// <summary>The Expires header in seconds, or null.</summary>
    public uint? Expires
    {
        get
        {
            int i = IndexOf(SipHeaderName.Expires, 0);
            return i >= 0 && SipValueParsers.TryParseUInt32(GetRawValue(i), uint.MaxValue, out uint v) ? v : null;
        }
    }

    /// <summary>All Via values, topmost first, across header lines and comma lists (RFC 3261 §7.3.1).</summary>
    public IReadOnlyList<SipViaHeader> Vias => _vias ??= ParseVias();

    /// <summary>The topmost Via, or null (parses only the first via-parm: RFC 3261 §17.2.3 needs no more).</summary>
    public SipViaHeader? TopVia
    {
        get
        {
            if (_topVia is null && _vias is null)
            {
                int i = IndexOf(SipHeaderName.Via, 0);
                if (i >= 0 && SipViaParser.TrySplitFirst(GetRawValue(i), out var via) == SipParseError.None)
                {
                    _topVia = SipViaHeader.Create(via);
                }
                return _topVia;
            }
            return _topVia ?? (Vias.Count > 0 ? Vias[0] : null);
        }
    }

    /// <summary>All Contact values.</summary>
    public IReadOnlyList<SipNameAddress> Contacts => ParseNameAddrList(SipHeaderName.Contact);

    /// <summary>All Route values in order.</summary>
    public IReadOnlyList<SipNameAddress> Routes => ParseNameAddrList(SipHeaderName.Route);

    /// <summary>All Record-Route values in order.</summary>
    public IReadOnlyList<SipNameAddress> RecordRoutes => ParseNameAddrList(SipHeaderName.RecordRoute);

    /// <summary>Values of a name-addr list header (Path, Service-Route, P-Associated-URI...).</summary>
    public IReadOnlyList<SipNameAddress> GetNameAddresses(SipHeaderName name) => ParseNameAddrList(name);

    private SipNameAddress? ParseNameAddr(SipHeaderName name)
    {
        int i = IndexOf(name, 0);
        return i >= 0 && SipNameAddress.TryParse(GetRawValue(i), out var v) ? v : null;
    }

    private List<SipNameAddress> ParseNameAddrList(SipHeaderName name)
    {
        var list = new List<SipNameAddress>();
        for (int i = IndexOf(name, 0); i >= 0; i = IndexOf(name, i + 1))
        {
            SipNameAddress.TryParseList(GetRawValue(i), list);
        }
        return list;
    }

    private List<SipViaHeader> ParseVias()
    {
        var list = new List<SipViaHeader>(2);
        for (int i = IndexOf(SipHeaderName.Via, 0); i >= 0; i = IndexOf(SipHeaderName.Via, i + 1))
        {
            var raw = GetRawValue(i);
            int pos = 0;
            while (pos < raw.Length && SipViaParser.TryParseNext(raw, ref pos, out var via, out _) == SipParseError.None)
            {
                list.Add(SipViaHeader.Create(via));
            }
        }
        return list;
    }

    /// <summary>Writes the message bytes (write∘parse is the identity on the wire bytes).</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var span = writer.GetSpan(_data.Length);
        _data.Span.CopyTo(span);
        writer.Advance(_data.Length);
    }

    /// <summary>The message bytes as a new array.</summary>
    public byte[] ToArray() => _data.ToArray();

    /// <summary>The message as text (for logs and debugging; bodies may be binary).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_data.Span);

    /// <summary>
    /// Parses and validates one message from memory the caller gives up (no copy is made: the message keeps a
    /// reference to <paramref name="data"/>). Returns the error as a value; never throws on input.
    /// </summary>
    public static SipParseResult TryParse(ReadOnlyMemory<byte> data, SipFraming framing, [NotNullWhen(true)] out SipMessage? message, SipLimits? limits = null)
        => TryParse(data, framing, limits ?? SipLimits.Default, out message, out _);

    /// <summary>Parses and validates one message, reporting framing facts (consumed length, keep-alives).</summary>
    public static SipParseResult TryParse(ReadOnlyMemory<byte> data, SipFraming framing, SipLimits limits, [NotNullWhen(true)] out SipMessage? message, out SipMessageInfo info)
    {
        message = null;
        var collector = new IndexCollector(ArrayPool<HeaderEntry>.Shared.Rent(32));
        try
        {
            var result = SipMessageParser.Parse(data.Span, framing, limits, ref collector, out info);
            if (!result.IsSuccess)
            {
                return result;
            }
            int start = info.StartOffset;
            var msgData = data[start..info.MessageLength];
            var headers = new HeaderEntry[collector.Count];
            for (int i = 0; i < headers.Length; i++)
            {
                var h = collector.Entries[i];
                headers[i] = new HeaderEntry(h.Id, h.NameOffset - start, h.NameLength, h.ValueOffset - start, h.ValueLength);
            }
            int bodyOffset = info.BodyOffset - start;
            message = collector.IsRequest
                ? new SipRequest(msgData, headers, bodyOffset, info.BodyLength, info, collector.MethodOffset - start, collector.MethodLength, collector.UriOffset - start, collector.UriLength)
                : new SipResponse(msgData, headers, bodyOffset, info.BodyLength, info, info.StatusCode, collector.ReasonOffset - start, collector.ReasonLength);
            return result;
        }
        finally
        {
            ArrayPool<HeaderEntry>.Shared.Return(collector.Entries);
        }
    }

    /// <summary>Parses a message from a span, copying it into an owned array.</summary>
    public static SipParseResult TryParse(ReadOnlySpan<byte> data, SipFraming framing, [NotNullWhen(true)] out SipMessage? message, SipLimits? limits = null)
    {
        var copy = data.ToArray();
        return TryParse(copy, framing, limits ?? SipLimits.Default, out message, out _);
    }

    private struct IndexCollector : ISipMessageHandler
    {
        public IndexCollector(HeaderEntry[] entries)
        {
            Entries = entries;
            Count = 0;
            IsRequest = false;
            MethodOffset = MethodLength = UriOffset = UriLength = ReasonOffset = ReasonLength = 0;
        }

        public HeaderEntry[] Entries { get; private set; }
        public int Count { get; private set; }
        public bool IsRequest { get; private set; }
        public int MethodOffset { get; private set; }
        public int MethodLength { get; private set; }
        public int UriOffset { get; private set; }
        public int UriLength { get; private set; }
        public int ReasonOffset { get; private set; }
        public int ReasonLength { get; private set; }

        public void OnStartLine(scoped in SipStartLine startLine)
        {
            IsRequest = startLine.Kind == SipStartLineKind.Request;
            if (IsRequest)
            {
                // The method starts the line; the URI offset is known from the reader.
                UriOffset = startLine.RequestUriOffset;
                UriLength = startLine.RequestUri.Length;
                MethodLength = startLine.Method.Length;
                MethodOffset = startLine.LineOffset;
            }
            else
            {
                ReasonLength = startLine.ReasonPhrase.Length;
                ReasonOffset = startLine.ReasonPhraseOffset;
            }
        }

        public void OnHeader(scoped in SipHeaderField header)
        {
            if (Count == Entries.Length)
            {
                var bigger = ArrayPool<HeaderEntry>.Shared.Rent(Entries.Length * 2);
                Entries.AsSpan().CopyTo(bigger);
                ArrayPool<HeaderEntry>.Shared.Return(Entries);
                Entries = bigger;
            }
            Entries[Count++] = new HeaderEntry(header.Name, header.NameOffset, header.RawName.Length, header.ValueOffset, header.Value.Length);
        }
    }
}
