using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace RcsCore.Parsing.Sip;

/// <summary>
/// Writes SIP messages into an <see cref="IBufferWriter{T}"/> piece by piece (no string concatenation):
/// start line, header fields, the empty line and the body (RFC 3261 §7).
/// </summary>
public readonly ref struct SipWriter
{
    private readonly IBufferWriter<byte> _output;

    /// <summary>Creates a writer.</summary>
    public SipWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Writes <c>METHOD SP Request-URI SP SIP/2.0 CRLF</c>.</summary>
    public void WriteRequestLine(string method, string requestUri)
    {
        WriteAscii(method);
        WriteRaw(" "u8);
        WriteUtf8(requestUri);
        WriteRaw(" SIP/2.0\r\n"u8);
    }

    /// <summary>Writes <c>SIP/2.0 SP code SP reason CRLF</c>.</summary>
    public void WriteStatusLine(int statusCode, string reasonPhrase)
    {
        if (statusCode is < 100 or > 699)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(statusCode));
        }
        WriteRaw("SIP/2.0 "u8);
        WriteInt(statusCode);
        WriteRaw(" "u8);
        WriteUtf8(reasonPhrase);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes <c>Name: value CRLF</c>.</summary>
    public void WriteHeader(string name, string value)
    {
        WriteAscii(name);
        WriteRaw(": "u8);
        WriteUtf8(value);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes a known header with its canonical name.</summary>
    public void WriteHeader(SipHeaderName name, string value)
    {
        WriteRaw(SipHeaderNames.GetNameBytes(name));
        WriteRaw(": "u8);
        WriteUtf8(value);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes a header whose name and value are already bytes.</summary>
    public void WriteHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        WriteRaw(name);
        WriteRaw(": "u8);
        WriteRaw(value);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes <c>Content-Length: n CRLF</c>.</summary>
    public void WriteContentLength(int length)
    {
        WriteRaw("Content-Length: "u8);
        WriteInt(length);
        WriteRaw("\r\n"u8);
    }

    /// <summary>Writes the empty line that ends the header section, then the body.</summary>
    public void WriteBody(ReadOnlySpan<byte> body)
    {
        WriteRaw("\r\n"u8);
        WriteRaw(body);
    }

    /// <summary>Copies bytes.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }
        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }

    /// <summary>Writes a decimal integer.</summary>
    public void WriteInt(long value)
    {
        var span = _output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out int written);
        _output.Advance(written);
    }

    /// <summary>Writes a string as UTF-8.</summary>
    public void WriteUtf8(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return;
        }
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = _output.GetSpan(max);
        int n = Encoding.UTF8.GetBytes(value, span);
        _output.Advance(n);
    }

    private void WriteAscii(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var span = _output.GetSpan(value.Length);
        int n = Encoding.ASCII.GetBytes(value, span);
        _output.Advance(n);
    }
}

internal static class ThrowHelper
{
    [System.Diagnostics.StackTraceHidden]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string name) => throw new ArgumentOutOfRangeException(name);

    [System.Diagnostics.StackTraceHidden]
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowArgument(string message, string name) => throw new ArgumentException(message, name);
}
