using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RcsCore.Parsing.Sdp;

/// <summary>
/// Writes SDP line pieces straight into an <see cref="IBufferWriter{T}"/>, without building strings.
/// Values that would break the line structure (CR, LF, NUL; spaces inside a field) are API misuse.
/// </summary>
internal static class SdpLineWriter
{
    /// <summary>Writes <c>x=</c>.</summary>
    public static void Begin(IBufferWriter<byte> writer, byte type)
    {
        Span<byte> span = writer.GetSpan(2);
        span[0] = type;
        span[1] = (byte)'=';
        writer.Advance(2);
    }

    /// <summary>Writes the CRLF that ends every line (RFC 8866 §5).</summary>
    public static void End(IBufferWriter<byte> writer) => Raw(writer, "\r\n"u8);

    /// <summary>Writes one byte.</summary>
    public static void Byte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    /// <summary>Copies bytes.</summary>
    public static void Raw(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    /// <summary>Writes free text (RFC 8866 §9 byte-string, possibly empty): anything but CR, LF and NUL.</summary>
    public static void Text(IBufferWriter<byte> writer, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            ThrowInvalidValue(value, "SDP text must not contain CR, LF or NUL.");
        }

        Encode(writer, value);
    }

    /// <summary>Writes one space-separated field: non-empty, without whitespace or control characters.</summary>
    public static void Field(IBufferWriter<byte> writer, string value)
    {
        if (value.Length == 0 || !IsVisible(value))
        {
            ThrowInvalidValue(value, "An SDP field must be non-empty and free of spaces and control characters.");
        }

        Encode(writer, value);
    }

    /// <summary>Writes an RFC 8866 token, such as an attribute name.</summary>
    public static void Token(IBufferWriter<byte> writer, string value)
    {
        if (!SdpText.IsToken(value))
        {
            ThrowInvalidValue(value, "An SDP token must be non-empty and hold only token characters.");
        }

        Encode(writer, value);
    }

    /// <summary>Writes a decimal number.</summary>
    public static void Number(IBufferWriter<byte> writer, ulong value)
    {
        Span<byte> span = writer.GetSpan(20);
        bool ok = Utf8Formatter.TryFormat(value, span, out int written);
        Debug.Assert(ok, "20 bytes hold any ulong.");
        writer.Advance(written);
    }

    /// <summary>Writes a non-negative decimal number.</summary>
    public static void Number(IBufferWriter<byte> writer, long value)
    {
        if (value < 0)
        {
            ThrowInvalidValue(value.ToString(System.Globalization.CultureInfo.InvariantCulture), "SDP numbers must not be negative.");
        }

        Number(writer, (ulong)value);
    }

    private static void Encode(IBufferWriter<byte> writer, string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        Span<byte> span = writer.GetSpan(Encoding.UTF8.GetByteCount(value));
        writer.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    private static bool IsVisible(string value)
    {
        foreach (char c in value)
        {
            if (c <= ' ' || c == '\u007F')
            {
                return false;
            }
        }

        return true;
    }

    [DoesNotReturn]
    [StackTraceHidden]
    private static void ThrowInvalidValue(string value, string message) =>
        throw new InvalidOperationException(string.Concat(message, " Value: '", value, "'."));
}
