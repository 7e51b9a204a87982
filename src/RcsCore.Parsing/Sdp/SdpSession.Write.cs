using System.Buffers;

namespace RcsCore.Parsing.Sdp;

/// <summary>Writing: CRLF-terminated lines in RFC 8866 §5 order.</summary>
public sealed partial class SdpSession
{
    /// <summary>
    /// Writes the session as CRLF-terminated lines in RFC 8866 §5 order: v o s i u e p c b (t r)* z k a, then
    /// for each media m i c b k a. Nothing is added or checked for completeness: a model without a timing
    /// writes no <c>t=</c> line.
    /// </summary>
    /// <param name="writer">The destination.</param>
    /// <exception cref="InvalidOperationException">
    /// A value holds CR, LF or NUL, a space-separated field is empty or holds whitespace, or a name is not a token.
    /// </exception>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);

        SdpLineWriter.Begin(writer, (byte)'v');
        SdpLineWriter.Number(writer, Version);
        SdpLineWriter.End(writer);

        SdpLineWriter.Begin(writer, (byte)'o');
        SdpLineWriter.Field(writer, Origin.Username);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Field(writer, Origin.SessionId);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Field(writer, Origin.SessionVersion);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Token(writer, Origin.NetType);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Token(writer, Origin.AddressType);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Field(writer, Origin.Address);
        SdpLineWriter.End(writer);

        WriteTextLine(writer, (byte)'s', SessionName);
        WriteTextLine(writer, (byte)'i', Information);
        WriteTextLine(writer, (byte)'u', Uri);
        for (int i = 0; i < Emails.Count; i++)
        {
            WriteTextLine(writer, (byte)'e', Emails[i]);
        }

        for (int i = 0; i < Phones.Count; i++)
        {
            WriteTextLine(writer, (byte)'p', Phones[i]);
        }

        if (Connection is not null)
        {
            WriteConnection(writer, Connection);
        }

        WriteBandwidths(writer, Bandwidths);
        for (int i = 0; i < Timings.Count; i++)
        {
            SdpTiming timing = Timings[i];
            SdpLineWriter.Begin(writer, (byte)'t');
            SdpLineWriter.Number(writer, timing.Start);
            SdpLineWriter.Byte(writer, (byte)' ');
            SdpLineWriter.Number(writer, timing.Stop);
            SdpLineWriter.End(writer);
            for (int r = 0; r < timing.Repeats.Count; r++)
            {
                WriteTextLine(writer, (byte)'r', timing.Repeats[r]);
            }
        }

        WriteTextLine(writer, (byte)'z', TimeZones);
        WriteTextLine(writer, (byte)'k', Key);
        WriteAttributes(writer, Attributes);

        for (int m = 0; m < Media.Count; m++)
        {
            WriteMedia(writer, Media[m]);
        }
    }

    /// <summary>Writes the session into a new array.</summary>
    /// <returns>The SDP bytes.</returns>
    public byte[] ToArray()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMedia(IBufferWriter<byte> writer, SdpMedia media)
    {
        // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        SdpLineWriter.Begin(writer, (byte)'m');
        SdpLineWriter.Token(writer, media.MediaType);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Number(writer, (long)media.Port);
        if (media.PortCount is { } count)
        {
            SdpLineWriter.Byte(writer, (byte)'/');
            SdpLineWriter.Number(writer, (long)count);
        }

        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Field(writer, media.Protocol);
        for (int i = 0; i < media.Formats.Count; i++)
        {
            SdpLineWriter.Byte(writer, (byte)' ');
            SdpLineWriter.Field(writer, media.Formats[i]);
        }

        SdpLineWriter.End(writer);

        WriteTextLine(writer, (byte)'i', media.Information);
        for (int i = 0; i < media.Connections.Count; i++)
        {
            WriteConnection(writer, media.Connections[i]);
        }

        WriteBandwidths(writer, media.Bandwidths);
        WriteTextLine(writer, (byte)'k', media.Key);
        WriteAttributes(writer, media.Attributes);
    }

    private static void WriteConnection(IBufferWriter<byte> writer, SdpConnection connection)
    {
        SdpLineWriter.Begin(writer, (byte)'c');
        SdpLineWriter.Token(writer, connection.NetType);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Token(writer, connection.AddressType);
        SdpLineWriter.Byte(writer, (byte)' ');
        SdpLineWriter.Field(writer, connection.Address);
        SdpLineWriter.End(writer);
    }

    private static void WriteBandwidths(IBufferWriter<byte> writer, IList<SdpBandwidth> bandwidths)
    {
        for (int i = 0; i < bandwidths.Count; i++)
        {
            SdpLineWriter.Begin(writer, (byte)'b');
            SdpLineWriter.Token(writer, bandwidths[i].Type);
            SdpLineWriter.Byte(writer, (byte)':');
            SdpLineWriter.Number(writer, bandwidths[i].Value);
            SdpLineWriter.End(writer);
        }
    }

    private static void WriteAttributes(IBufferWriter<byte> writer, IList<SdpAttribute> attributes)
    {
        for (int i = 0; i < attributes.Count; i++)
        {
            SdpAttribute attribute = attributes[i];
            SdpLineWriter.Begin(writer, (byte)'a');
            SdpLineWriter.Token(writer, attribute.Name);
            if (attribute.Value is not null)
            {
                SdpLineWriter.Byte(writer, (byte)':');
                SdpLineWriter.Text(writer, attribute.Value);
            }

            SdpLineWriter.End(writer);
        }
    }

    private static void WriteTextLine(IBufferWriter<byte> writer, byte type, string? value)
    {
        if (value is null)
        {
            return;
        }

        SdpLineWriter.Begin(writer, type);
        SdpLineWriter.Text(writer, value);
        SdpLineWriter.End(writer);
    }
}
