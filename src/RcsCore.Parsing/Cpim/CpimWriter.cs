using System.Buffers;
using System.Globalization;
using System.Text;

namespace RcsCore.Parsing.Cpim;

/// <summary>
/// Writes a <c>message/cpim</c> object (RFC 3862 §2) to an <see cref="IBufferWriter{T}"/> byte for byte: message
/// headers, <see cref="WriteSeparator"/>, content headers, <see cref="WriteSeparator"/>, content. Lines end with CRLF.
/// </summary>
/// <remarks>
/// The writer does not track sections; call the methods in the order above. Every method validates its input so that
/// nothing written can break the framing (a CR or LF in a value, a name outside NAMECHAR) and throws
/// <see cref="ArgumentException"/> otherwise.
/// </remarks>
public readonly struct CpimWriter
{
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer.</summary>
    /// <param name="output">The destination.</param>
    public CpimWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes <c>From: address</c> (RFC 3862 §4.1).</summary>
    /// <param name="address">The sender.</param>
    public void WriteFrom(CpimAddress address) => WriteAddress(CpimHeaderNames.From, address);

    /// <summary>Writes <c>To: address</c> (RFC 3862 §4.2).</summary>
    /// <param name="address">A recipient.</param>
    public void WriteTo(CpimAddress address) => WriteAddress(CpimHeaderNames.To, address);

    /// <summary>Writes <c>cc: address</c> (RFC 3862 §4.3).</summary>
    /// <param name="address">A courtesy recipient.</param>
    public void WriteCc(CpimAddress address) => WriteAddress(CpimHeaderNames.Cc, address);

    /// <summary>Writes <c>DateTime: ...</c> in RFC 3339 form (RFC 3862 §4.4).</summary>
    /// <param name="value">The time the message was sent.</param>
    public void WriteDateTime(DateTimeOffset value) => WriteHeader(CpimHeaderNames.DateTime, string.Empty, CpimDateTime.Format(value));

    /// <summary>Writes <c>Subject:;lang=xx text</c> (RFC 3862 §4.5), escaping the text (§3.2).</summary>
    /// <param name="text">The subject.</param>
    /// <param name="language">A language tag (Token), or null.</param>
    public void WriteSubject(string text, string? language = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        string parameters = language is null ? string.Empty : ";lang=" + language;
        WriteHeader(CpimHeaderNames.Subject, parameters, CpimText.Escape(text));
    }

    /// <summary>Writes <c>NS: prefix &lt;uri&gt;</c> (RFC 3862 §4.6).</summary>
    /// <param name="prefix">The name prefix (NAMECHARs), or empty.</param>
    /// <param name="uri">The namespace URI.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings", Justification = "URNs as written.")]
    public void WriteNamespace(string prefix, string uri)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(uri);
        if (prefix.Length > 0 && !CpimChars.IsName(prefix))
        {
            throw new ArgumentException("The prefix is not 1*NAMECHAR (RFC 3862 §3.4).", nameof(prefix));
        }

        if (!CpimAddress.IsValidUri(uri))
        {
            throw new ArgumentException("The URI is empty or holds '<', '>', whitespace or a control character.", nameof(uri));
        }

        WriteHeader(CpimHeaderNames.Namespace, string.Empty, new CpimNamespace(prefix, uri).ToString());
    }

    /// <summary>Writes a message header whose value is text, escaping it (RFC 3862 §3.2).</summary>
    /// <param name="name">The header name, prefix included (<c>imdn.Message-ID</c>).</param>
    /// <param name="text">The text.</param>
    public void WriteTextHeader(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteHeader(name, string.Empty, CpimText.Escape(text));
    }

    /// <summary>Writes a message header from its wire-form parts.</summary>
    /// <param name="header">The header.</param>
    public void WriteHeader(CpimHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        WriteHeader(header.Name, header.Parameters, header.Value);
    }

    /// <summary>Writes <c>name:parameters value</c> as given (no escaping).</summary>
    /// <param name="name">The header name, <c>[prefix.]Name</c> of NAMECHARs (RFC 3862 §3.4).</param>
    /// <param name="parameters">Raw <c>;name=value</c> parameters, or empty.</param>
    /// <param name="value">The value in wire form: UTF-8 text without control characters other than HT.</param>
    public void WriteHeader(string name, string parameters, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(value);
        if (CpimChars.HeaderNamePrefixLength(name) < 0)
        {
            throw new ArgumentException("The header name is not [prefix.]name of NAMECHARs (RFC 3862 §3.4).", nameof(name));
        }

        if (parameters.Length > 0 && !AreParameters(parameters))
        {
            throw new ArgumentException("The parameters are not *(;name[=value]) (RFC 3862 §3.4).", nameof(parameters));
        }

        foreach (char c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                throw new ArgumentException("The value holds a control character; escape it (RFC 3862 §3.2).", nameof(value));
            }
        }

        // RFC 3862 §3.4: Header-name ":" *( ";" Parameter ) SP Header-value CRLF
        Ascii(name);
        Byte((byte)':');
        Utf8(parameters);
        Byte((byte)' ');
        Utf8(value);
        Crlf();
    }

    /// <summary>Writes a MIME header (<c>Name: value</c>) of the encapsulated object or of the outer section.</summary>
    /// <param name="name">The header name (RFC 5322 ftext).</param>
    /// <param name="value">The value; a line break (CRLF or LF) is allowed only as folding, followed by SP or HT.</param>
    public void WriteMimeHeader(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!CpimChars.IsMimeName(name))
        {
            throw new ArgumentException("The MIME header name holds a character outside RFC 5322 ftext.", nameof(name));
        }

        // RFC 5322 §2.2.3: a line break may only fold, i.e. be followed by SP or HT (a bare LF as the reader accepts).
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\r' && i + 1 < value.Length && value[i + 1] == '\n')
            {
                i++;
                c = '\n';
            }

            if (c == '\0' || c == '\r' || (c == '\n' && !(i + 1 < value.Length && value[i + 1] is ' ' or '\t')))
            {
                throw new ArgumentException("The value holds a NUL or a line break that is not folding.", nameof(value));
            }
        }

        Ascii(name);
        Byte((byte)':');
        Byte((byte)' ');
        Utf8(value);
        Crlf();
    }

    /// <summary>Writes the blank line that ends a header section (RFC 3862 §2).</summary>
    public void WriteSeparator() => Crlf();

    /// <summary>Writes the encapsulated content as is.</summary>
    /// <param name="content">The bytes.</param>
    public void WriteContent(ReadOnlySpan<byte> content)
    {
        if (!content.IsEmpty)
        {
            content.CopyTo(_output.GetSpan(content.Length));
            _output.Advance(content.Length);
        }
    }

    internal static bool AreParameters(string parameters)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(parameters);
        int i = 0;
        while (i < bytes.Length)
        {
            if (!CpimChars.TryReadParameter(bytes, ref i, out _, out _) || (i < bytes.Length && bytes[i] != (byte)';'))
            {
                return false;
            }
        }

        return true;
    }

    private void WriteAddress(string name, CpimAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        WriteHeader(name, string.Empty, address.ToString());
    }

    private void Ascii(string s)
    {
        Span<byte> span = _output.GetSpan(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            span[i] = (byte)s[i];
        }

        _output.Advance(s.Length);
    }

    private void Utf8(string s)
    {
        if (s.Length == 0)
        {
            return;
        }

        try
        {
            int max = s_utf8.GetMaxByteCount(s.Length);
            int n = s_utf8.GetBytes(s, _output.GetSpan(max));
            _output.Advance(n);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("The value holds an unpaired surrogate.", nameof(s), e);
        }
    }

    private void Byte(byte b)
    {
        _output.GetSpan(1)[0] = b;
        _output.Advance(1);
    }

    private void Crlf()
    {
        Span<byte> span = _output.GetSpan(2);
        span[0] = (byte)'\r';
        span[1] = (byte)'\n';
        _output.Advance(2);
    }

    internal static string FormatLength(long length) => length.ToString(CultureInfo.InvariantCulture);
}
