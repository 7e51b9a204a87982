using System.Buffers;

namespace RcsCore.Parsing.Cpim;

/// <summary>
/// An owned <c>message/cpim</c> object (RFC 3862): message headers, the MIME headers of the encapsulated object and
/// its content. The header lists are the source of truth, in wire form and in order, so that a parsed message writes
/// back byte for byte; the typed properties read and edit them.
/// </summary>
/// <remarks>
/// Build one with the typed members (<see cref="From"/>, <see cref="To"/>, <see cref="DateTime"/>,
/// <see cref="SetHeader"/> for namespaced extensions such as <c>imdn.Message-ID</c>, <see cref="SetContent"/>) and
/// write it with <see cref="WriteTo"/>; parse one with <see cref="TryParse(ReadOnlySpan{byte}, out CpimMessage?)"/>.
/// New headers go in the order From, To, cc, DateTime, Subject, NS, Require, extensions.
/// </remarks>
public sealed partial class CpimMessage
{
    /// <summary>The namespace of headers without a prefix (RFC 3862 §3.3, IANA CPIM headers registry).</summary>
    public const string DefaultNamespaceUri = "urn:ietf:params:cpim-headers:";

    private readonly List<CpimHeader> _outerHeaders = [];
    private readonly List<CpimHeader> _headers = [];
    private readonly List<CpimHeader> _contentHeaders = [];

    /// <summary>
    /// The MIME headers of the object itself, written before the message headers (RFC 3862 §5.1 shows
    /// <c>Content-type: Message/CPIM</c>); usually empty, as SIP and MSRP carry that header outside.
    /// </summary>
    public IList<CpimHeader> OuterHeaders => _outerHeaders;

    /// <summary>The message headers (RFC 3862 §3) in order, in wire form.</summary>
    public IList<CpimHeader> Headers => _headers;

    /// <summary>The MIME headers of the encapsulated object in order (RFC 3862 §2).</summary>
    public IList<CpimHeader> ContentHeaders => _contentHeaders;

    /// <summary>The encapsulated content.</summary>
    public ReadOnlyMemory<byte> Content { get; set; }

    /// <summary>The sender (RFC 3862 §4.1), or null when absent or malformed. Setting null removes it.</summary>
    public CpimAddress? From
    {
        get
        {
            CpimHeader? header = FindDefault(CpimHeaderKind.From);
            return header is not null && CpimAddress.TryParse(header.Value, out CpimAddress? address) ? address : null;
        }

        set => SetDefault(CpimHeaderKind.From, value?.ToString());
    }

    /// <summary>The recipients (RFC 3862 §4.2), malformed values skipped. Setting replaces every To header.</summary>
    public IReadOnlyList<CpimAddress> To
    {
        get => Addresses(CpimHeaderKind.To);
        set => SetAddresses(CpimHeaderKind.To, value);
    }

    /// <summary>The courtesy recipients (RFC 3862 §4.3). Setting replaces every cc header.</summary>
    public IReadOnlyList<CpimAddress> Cc
    {
        get => Addresses(CpimHeaderKind.Cc);
        set => SetAddresses(CpimHeaderKind.Cc, value);
    }

    /// <summary>When the message was sent (RFC 3862 §4.4), or null when absent or malformed. Setting null removes it.</summary>
    public DateTimeOffset? DateTime
    {
        get
        {
            CpimHeader? header = FindDefault(CpimHeaderKind.DateTime);
            return header is not null && CpimDateTime.TryParse(header.Value, out DateTimeOffset value) ? value : null;
        }

        set => SetDefault(CpimHeaderKind.DateTime, value is { } v ? CpimDateTime.Format(v) : null);
    }

    /// <summary>
    /// The first Subject without a language tag (or the first Subject if all have one), escapes resolved; null when
    /// there is none. Setting replaces every Subject header with one without a tag; null removes them all.
    /// </summary>
    public string? Subject
    {
        get
        {
            IReadOnlyList<CpimSubject> subjects = Subjects;
            foreach (CpimSubject subject in subjects)
            {
                if (subject.Language is null)
                {
                    return subject.Text;
                }
            }

            return subjects.Count > 0 ? subjects[0].Text : null;
        }

        set
        {
            RemoveDefault(CpimHeaderKind.Subject);
            if (value is not null)
            {
                AddSubject(value);
            }
        }
    }

    /// <summary>Every Subject (RFC 3862 §4.5) with its language tag.</summary>
    public IReadOnlyList<CpimSubject> Subjects
    {
        get
        {
            var list = new List<CpimSubject>();
            foreach (CpimHeader header in _headers)
            {
                if (KindOf(header) == CpimHeaderKind.Subject)
                {
                    list.Add(new CpimSubject(header.Text, LanguageOf(header.Parameters)));
                }
            }

            return list;
        }
    }

    /// <summary>The NS declarations (RFC 3862 §4.6) in order, malformed ones skipped.</summary>
    public IReadOnlyList<CpimNamespace> Namespaces
    {
        get
        {
            var list = new List<CpimNamespace>();
            foreach (CpimHeader header in _headers)
            {
                if (KindOf(header) == CpimHeaderKind.Namespace && CpimNamespace.TryParse(header.Value, out CpimNamespace ns))
                {
                    list.Add(ns);
                }
            }

            return list;
        }
    }

    /// <summary>
    /// The header names listed in Require headers (RFC 3862 §4.7), as written (<c>MyFeatures.VitalMessageOption</c>).
    /// A recipient that does not understand one of them must not process the message.
    /// </summary>
    public IReadOnlyList<string> Require
    {
        get
        {
            var list = new List<string>();
            foreach (CpimHeader header in _headers)
            {
                if (KindOf(header) != CpimHeaderKind.Require)
                {
                    continue;
                }

                foreach (string name in header.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    list.Add(name);
                }
            }

            return list;
        }
    }

    /// <summary>The Content-Type of the encapsulated object, or null. Setting null removes it.</summary>
    public string? ContentType
    {
        get => GetContentHeader(CpimHeaderNames.ContentType);
        set => SetContentHeader(CpimHeaderNames.ContentType, value);
    }

    /// <summary>The Content-Length of the encapsulated object when present and numeric, else null.</summary>
    public long? ContentLength
    {
        get
        {
            string? value = GetContentHeader(CpimHeaderNames.ContentLength);
            return value is not null && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) ? n : null;
        }
    }

    /// <summary>Adds a To header after the existing recipients.</summary>
    /// <param name="address">The recipient.</param>
    public void AddTo(CpimAddress address) => AddDefault(CpimHeaderKind.To, address);

    /// <summary>Adds a cc header.</summary>
    /// <param name="address">The courtesy recipient.</param>
    public void AddCc(CpimAddress address) => AddDefault(CpimHeaderKind.Cc, address);

    /// <summary>Adds a Subject header, with a language tag when given (RFC 3862 §4.5).</summary>
    /// <param name="text">The subject text (escaped as needed).</param>
    /// <param name="language">A language tag such as <c>fr</c>, or null.</param>
    /// <exception cref="ArgumentException">The language tag is not a Token.</exception>
    public void AddSubject(string text, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        string parameters = language is null ? string.Empty : ";lang=" + language;
        if (language is not null && (language.Length == 0 || !CpimWriter.AreParameters(parameters)))
        {
            throw new ArgumentException("The language tag is not a Token (RFC 3862 §3.4).", nameof(language));
        }

        InsertCanonical(new CpimHeader(CpimHeaderNames.Subject, CpimText.Escape(text), parameters));
    }

    /// <summary>
    /// Declares a namespace prefix (RFC 3862 §4.6) unless this URI already has one, and returns the prefix in use.
    /// </summary>
    /// <param name="uri">The namespace URI, e.g. <c>urn:ietf:params:imdn</c>.</param>
    /// <param name="preferredPrefix">The prefix to declare when none exists; a digit is appended if it is taken.</param>
    /// <returns>The prefix bound to <paramref name="uri"/>.</returns>
    /// <exception cref="ArgumentException">The prefix is not 1*NAMECHAR or the URI is not writable.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public string DeclareNamespace(string uri, string preferredPrefix)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(preferredPrefix);
        if (!CpimChars.IsName(preferredPrefix))
        {
            throw new ArgumentException("The prefix is not 1*NAMECHAR (RFC 3862 §3.4).", nameof(preferredPrefix));
        }

        if (!CpimAddress.IsValidUri(uri))
        {
            throw new ArgumentException("The URI is empty or holds '<', '>', whitespace or a control character.", nameof(uri));
        }

        IReadOnlyList<CpimNamespace> declared = Namespaces;
        foreach (CpimNamespace ns in declared)
        {
            if (ns.Prefix.Length > 0 && string.Equals(ns.Uri, uri, StringComparison.OrdinalIgnoreCase))
            {
                return ns.Prefix;
            }
        }

        string prefix = preferredPrefix;
        for (int n = 2; IsPrefixTaken(declared, prefix); n++)
        {
            prefix = preferredPrefix + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        InsertCanonical(new CpimHeader(CpimHeaderNames.Namespace, new CpimNamespace(prefix, uri).ToString()));
        return prefix;
    }

    /// <summary>
    /// The first header with this name in this namespace, escapes resolved; null when there is none. The default
    /// namespace (<see cref="DefaultNamespaceUri"/>) means headers without a prefix.
    /// </summary>
    /// <param name="namespaceUri">The namespace URI (<c>urn:ietf:params:imdn</c>).</param>
    /// <param name="name">The name without prefix (<c>Message-ID</c>), ASCII case-insensitive.</param>
    /// <returns>The text, or null.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public string? GetHeader(string namespaceUri, string name)
    {
        int index = IndexOf(namespaceUri, name, 0);
        return index < 0 ? null : _headers[index].Text;
    }

    /// <summary>Every header with this name in this namespace, in order, escapes resolved.</summary>
    /// <param name="namespaceUri">The namespace URI.</param>
    /// <param name="name">The name without prefix, ASCII case-insensitive.</param>
    /// <returns>The texts.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public IReadOnlyList<string> GetHeaders(string namespaceUri, string name)
    {
        var list = new List<string>();
        for (int i = IndexOf(namespaceUri, name, 0); i >= 0; i = IndexOf(namespaceUri, name, i + 1))
        {
            list.Add(_headers[i].Text);
        }

        return list;
    }

    /// <summary>
    /// Sets a header in a namespace to one value (escaped as needed): replaces the first such header in place, removes
    /// any others, or appends one, declaring the namespace first if needed (<see cref="DeclareNamespace"/>).
    /// </summary>
    /// <param name="namespaceUri">The namespace URI, e.g. <c>urn:ietf:params:imdn</c>.</param>
    /// <param name="name">The name without prefix, e.g. <c>Message-ID</c>.</param>
    /// <param name="text">The value text.</param>
    /// <param name="preferredPrefix">The prefix to declare if the namespace has none yet, e.g. <c>imdn</c>.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public void SetHeader(string namespaceUri, string name, string text, string preferredPrefix)
    {
        ArgumentNullException.ThrowIfNull(text);
        CpimHeader header = NewHeader(namespaceUri, name, text, preferredPrefix);
        int first = IndexOf(namespaceUri, name, 0);
        if (first < 0)
        {
            InsertCanonical(header);
            return;
        }

        _headers[first] = header;
        for (int i = IndexOf(namespaceUri, name, first + 1); i >= 0; i = IndexOf(namespaceUri, name, i))
        {
            _headers.RemoveAt(i);
        }
    }

    /// <summary>Adds a header in a namespace (escaped as needed), declaring the namespace first if needed.</summary>
    /// <param name="namespaceUri">The namespace URI.</param>
    /// <param name="name">The name without prefix.</param>
    /// <param name="text">The value text.</param>
    /// <param name="preferredPrefix">The prefix to declare if the namespace has none yet.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public void AddHeader(string namespaceUri, string name, string text, string preferredPrefix)
    {
        ArgumentNullException.ThrowIfNull(text);
        InsertCanonical(NewHeader(namespaceUri, name, text, preferredPrefix));
    }

    /// <summary>Removes every header with this name in this namespace.</summary>
    /// <param name="namespaceUri">The namespace URI.</param>
    /// <param name="name">The name without prefix.</param>
    /// <returns>How many were removed.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public int RemoveHeaders(string namespaceUri, string name)
    {
        int removed = 0;
        for (int i = IndexOf(namespaceUri, name, 0); i >= 0; i = IndexOf(namespaceUri, name, i))
        {
            _headers.RemoveAt(i);
            removed++;
        }

        return removed;
    }

    /// <summary>The namespace URI a message header's prefix is bound to (the nearest NS before it, else any), or null.</summary>
    /// <param name="header">A header of <see cref="Headers"/>.</param>
    /// <returns>The URI; <see cref="DefaultNamespaceUri"/> for a header without prefix; null for an undeclared prefix.</returns>
    public string? ResolveNamespace(CpimHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        int index = _headers.IndexOf(header);
        return ResolveAt(index < 0 ? _headers.Count : index, header.Prefix);
    }

    /// <summary>The first content header with this name (ASCII case-insensitive), unfolded; null when absent.</summary>
    /// <param name="name">The MIME header name, e.g. <c>Content-Disposition</c>.</param>
    /// <returns>The value, or null.</returns>
    public string? GetContentHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (CpimHeader header in _contentHeaders)
        {
            if (string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                // RFC 5322 §2.2.3: unfolding removes the CRLF before folding whitespace.
                return header.Value.Contains('\n', StringComparison.Ordinal)
                    ? header.Value.Replace("\r\n", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal)
                    : header.Value;
            }
        }

        return null;
    }

    /// <summary>Sets a content header: replaces the first one with this name in place and removes others, or appends one.</summary>
    /// <param name="name">The MIME header name.</param>
    /// <param name="value">The value, or null to remove the header.</param>
    public void SetContentHeader(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        int first = -1;
        for (int i = 0; i < _contentHeaders.Count; i++)
        {
            if (!string.Equals(_contentHeaders[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (first < 0 && value is not null)
            {
                first = i;
                _contentHeaders[i] = new CpimHeader(_contentHeaders[i].Name, value);
            }
            else
            {
                _contentHeaders.RemoveAt(i);
                i--;
            }
        }

        if (first < 0 && value is not null)
        {
            _contentHeaders.Add(new CpimHeader(CpimHeaderNames.Canonical(CpimHeaderNames.LookupMime(name)) ?? name, value));
        }
    }

    /// <summary>
    /// Sets the encapsulated object: its Content-Type and content, and its Content-Length when
    /// <paramref name="includeContentLength"/> or when one is already present (so it never goes stale).
    /// </summary>
    /// <param name="contentType">The media type, e.g. <c>text/plain;charset=UTF-8</c> or <c>message/imdn+xml</c>.</param>
    /// <param name="content">The content bytes.</param>
    /// <param name="includeContentLength">Also write Content-Length.</param>
    public void SetContent(string contentType, ReadOnlyMemory<byte> content, bool includeContentLength = false)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        ContentType = contentType;
        Content = content;
        if (includeContentLength || GetContentHeader(CpimHeaderNames.ContentLength) is not null)
        {
            SetContentHeader(CpimHeaderNames.ContentLength, CpimWriter.FormatLength(content.Length));
        }
    }

    /// <summary>Writes the object: outer headers and a blank line if any, message headers, a blank line, content headers, a blank line, content.</summary>
    /// <param name="output">The destination.</param>
    /// <exception cref="ArgumentException">A header name or value cannot be written (see <see cref="CpimWriter"/>).</exception>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = new CpimWriter(output);
        if (_outerHeaders.Count > 0)
        {
            foreach (CpimHeader header in _outerHeaders)
            {
                writer.WriteMimeHeader(header.Name, header.Value);
            }

            writer.WriteSeparator();
        }

        foreach (CpimHeader header in _headers)
        {
            writer.WriteHeader(header);
        }

        writer.WriteSeparator();
        foreach (CpimHeader header in _contentHeaders)
        {
            writer.WriteMimeHeader(header.Name, header.Value);
        }

        writer.WriteSeparator();
        writer.WriteContent(Content.Span);
    }

    /// <summary>Writes the object into a new array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(256 + Content.Length);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
