using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace RcsCore.Parsing.Sdp;

/// <summary>Parsing: RFC 8866 §5 line order and §9 grammar, errors as values.</summary>
public sealed partial class SdpSession
{
    /// <summary>Parses a complete SDP body with <see cref="SdpLimits.Default"/>. Never throws on bad input.</summary>
    /// <param name="bytes">The SDP body, for example a SIP message body of type <c>application/sdp</c>.</param>
    /// <param name="session">The parsed session, or null on error.</param>
    /// <returns>Success, or the first error and its byte offset.</returns>
    public static SdpParseResult TryParse(ReadOnlySpan<byte> bytes, out SdpSession? session) =>
        TryParse(bytes, SdpLimits.Default, out session);

    /// <summary>Parses a complete SDP body. Never throws on bad input.</summary>
    /// <param name="bytes">The SDP body, for example a SIP message body of type <c>application/sdp</c>.</param>
    /// <param name="limits">Line count and length bounds, checked before each line is parsed.</param>
    /// <param name="session">The parsed session, or null on error.</param>
    /// <returns>Success, or the first error and its byte offset.</returns>
    /// <remarks>
    /// <c>v=</c>, <c>o=</c> and <c>s=</c> must be the first three lines and a <c>t=</c> line must come before the
    /// first <c>m=</c> line (RFC 8866 §5). The optional session-level lines are accepted in any order, as
    /// deployed implementations emit them; single-valued ones must not repeat. <c>s=</c> may be empty, as in
    /// RFC 5547 §9. Text is decoded as UTF-8 (RFC 8866 §5 default charset).
    /// </remarks>
    public static SdpParseResult TryParse(ReadOnlySpan<byte> bytes, SdpLimits limits, out SdpSession? session)
    {
        ArgumentNullException.ThrowIfNull(limits);
        session = null;
        var reader = new SdpReader(bytes, limits);

        // RFC 8866 §5: v=, o=, s= come first, in this order.
        if (!reader.TryReadLine(out char type, out ReadOnlySpan<byte> value, out int offset))
        {
            return reader.Error.IsSuccess ? Fail(SdpParseError.EmptyInput, 0, "No SDP lines.") : reader.Error;
        }

        if (type != 'v')
        {
            return Fail(SdpParseError.MissingVersion, offset, "First line is not v=.");
        }

        // RFC 8866 §5.1: only version 0 exists.
        if (!value.SequenceEqual("0"u8))
        {
            return Fail(SdpParseError.UnsupportedVersion, offset, "Version is not 0.");
        }

        if (!reader.TryReadLine(out type, out value, out offset) || type != 'o')
        {
            return reader.Error.IsSuccess ? Fail(SdpParseError.MissingOrigin, offset, "Second line is not o=.") : reader.Error;
        }

        if (!TryParseOrigin(value, out SdpOrigin? origin))
        {
            return Fail(SdpParseError.InvalidOrigin, offset, "o= needs six fields: username sess-id sess-version nettype addrtype address.");
        }

        if (!reader.TryReadLine(out type, out value, out offset) || type != 's')
        {
            return reader.Error.IsSuccess ? Fail(SdpParseError.MissingSessionName, offset, "Third line is not s=.") : reader.Error;
        }

        var result = new SdpSession(origin, Text(value));
        SdpMedia? media = null;
        SdpTiming? timing = null;
        bool seenInformation = false;
        bool seenUri = false;
        bool seenZones = false;
        bool seenKey = false;
        while (reader.TryReadLine(out type, out value, out offset))
        {
            SdpParseResult error = media is null
                ? ParseSessionLine(result, type, value, offset, ref timing, ref media, ref seenInformation, ref seenUri, ref seenZones, ref seenKey)
                : ParseMediaLine(result, type, value, offset, ref media, ref seenInformation, ref seenKey);
            if (!error.IsSuccess)
            {
                return error;
            }
        }

        if (!reader.Error.IsSuccess)
        {
            return reader.Error;
        }

        // RFC 8866 §5: at least one time description.
        if (result.Timings.Count == 0)
        {
            return Fail(SdpParseError.MissingTiming, bytes.Length, "No t= line.");
        }

        session = result;
        return SdpParseResult.Success;
    }

    private static SdpParseResult ParseSessionLine(
        SdpSession session,
        char type,
        ReadOnlySpan<byte> value,
        int offset,
        ref SdpTiming? timing,
        ref SdpMedia? media,
        ref bool seenInformation,
        ref bool seenUri,
        ref bool seenZones,
        ref bool seenKey)
    {
        switch (type)
        {
            case 'i':
                if (seenInformation)
                {
                    return Fail(SdpParseError.UnexpectedLine, offset, "Second session-level i= line.");
                }

                seenInformation = true;
                session.Information = Text(value);
                return SdpParseResult.Success;

            case 'u':
                if (seenUri)
                {
                    return Fail(SdpParseError.UnexpectedLine, offset, "Second u= line.");
                }

                seenUri = true;
                session.Uri = Text(value);
                return SdpParseResult.Success;

            case 'e':
                session.Emails.Add(Text(value));
                return SdpParseResult.Success;

            case 'p':
                session.Phones.Add(Text(value));
                return SdpParseResult.Success;

            case 'c':
                // RFC 8866 §5.7: at most one c= line at session level.
                if (session.Connection is not null)
                {
                    return Fail(SdpParseError.InvalidConnection, offset, "Second session-level c= line.");
                }

                if (!TryParseConnection(value, out SdpConnection? connection))
                {
                    return Fail(SdpParseError.InvalidConnection, offset, "c= needs three fields: nettype addrtype address.");
                }

                session.Connection = connection;
                return SdpParseResult.Success;

            case 'b':
                return AddBandwidth(session.Bandwidths, value, offset);

            case 't':
                if (!TryParseTiming(value, out timing))
                {
                    return Fail(SdpParseError.InvalidTiming, offset, "t= needs two decimal times.");
                }

                session.Timings.Add(timing);
                return SdpParseResult.Success;

            case 'r':
                // RFC 8866 §5.10: r= belongs to the t= line before it.
                if (timing is null || value.IsEmpty)
                {
                    return Fail(SdpParseError.InvalidTiming, offset, "r= without a preceding t= line.");
                }

                timing.Repeats.Add(Text(value));
                return SdpParseResult.Success;

            case 'z':
                if (seenZones)
                {
                    return Fail(SdpParseError.UnexpectedLine, offset, "Second z= line.");
                }

                seenZones = true;
                session.TimeZones = Text(value);
                return SdpParseResult.Success;

            case 'k':
                if (seenKey)
                {
                    return Fail(SdpParseError.UnexpectedLine, offset, "Second session-level k= line.");
                }

                seenKey = true;
                session.Key = Text(value);
                return SdpParseResult.Success;

            case 'a':
                return AddAttribute(session.Attributes, value, offset);

            case 'm':
                // RFC 8866 §5: time descriptions precede media descriptions.
                if (session.Timings.Count == 0)
                {
                    return Fail(SdpParseError.MissingTiming, offset, "m= line before any t= line.");
                }

                seenInformation = false;
                seenKey = false;
                return StartMedia(session, value, offset, ref media);

            case 'v' or 'o' or 's':
                return Fail(SdpParseError.UnexpectedLine, offset, "Repeated v=, o= or s= line.");

            default:
                // RFC 8866 §5: a description with a type letter the parser does not understand is ignored as a whole.
                return Fail(SdpParseError.UnknownLineType, offset, "Unknown line type.");
        }
    }

    private static SdpParseResult ParseMediaLine(
        SdpSession session,
        char type,
        ReadOnlySpan<byte> value,
        int offset,
        ref SdpMedia? media,
        ref bool seenInformation,
        ref bool seenKey)
    {
        SdpMedia current = media!;
        switch (type)
        {
            case 'm':
                seenInformation = false;
                seenKey = false;
                return StartMedia(session, value, offset, ref media);

            case 'i':
                if (seenInformation)
                {
                    return Fail(SdpParseError.UnexpectedLine, offset, "Second media-level i= line.");
                }

                seenInformation = true;
                current.Information = Text(value);
                return SdpParseResult.Success;

            case 'c':
                if (!TryParseConnection(value, out SdpConnection? connection))
                {
                    return Fail(SdpParseError.InvalidConnection, offset, "c= needs three fields: nettype addrtype address.");
                }

                current.Connections.Add(connection);
                return SdpParseResult.Success;

            case 'b':
                return AddBandwidth(current.Bandwidths, value, offset);

            case 'k':
                if (seenKey)
                {
                    return Fail(SdpParseError.UnexpectedLine, offset, "Second media-level k= line.");
                }

                seenKey = true;
                current.Key = Text(value);
                return SdpParseResult.Success;

            case 'a':
                return AddAttribute(current.Attributes, value, offset);

            case 'v' or 'o' or 's' or 'u' or 'e' or 'p' or 't' or 'r' or 'z':
                return Fail(SdpParseError.UnexpectedLine, offset, "Session-level line inside a media description.");

            default:
                return Fail(SdpParseError.UnknownLineType, offset, "Unknown line type.");
        }
    }

    private static SdpParseResult StartMedia(SdpSession session, ReadOnlySpan<byte> value, int offset, ref SdpMedia? media)
    {
        if (!TryParseMedia(value, out SdpMedia? parsed))
        {
            return Fail(SdpParseError.InvalidMedia, offset, "m= needs media port[/count] proto fmt...");
        }

        session.Media.Add(parsed);
        media = parsed;
        return SdpParseResult.Success;
    }

    /// <summary>RFC 8866 §5.2: o=username SP sess-id SP sess-version SP nettype SP addrtype SP unicast-address.</summary>
    private static bool TryParseOrigin(ReadOnlySpan<byte> value, [NotNullWhen(true)] out SdpOrigin? origin)
    {
        origin = null;
        Span<Range> fields = stackalloc Range[7];
        if (SplitFields(value, fields) != 6)
        {
            return false;
        }

        ReadOnlySpan<byte> sessionId = value[fields[1]];
        ReadOnlySpan<byte> sessionVersion = value[fields[2]];
        if (sessionId.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0
            || sessionVersion.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0
            || !SdpText.IsToken(value[fields[3]])
            || !SdpText.IsToken(value[fields[4]]))
        {
            return false;
        }

        origin = new SdpOrigin(
            Text(value[fields[0]]),
            Text(sessionId),
            Text(sessionVersion),
            Text(value[fields[3]]),
            Text(value[fields[4]]),
            Text(value[fields[5]]));
        return true;
    }

    /// <summary>RFC 8866 §5.7: c=nettype SP addrtype SP connection-address.</summary>
    private static bool TryParseConnection(ReadOnlySpan<byte> value, [NotNullWhen(true)] out SdpConnection? connection)
    {
        connection = null;
        Span<Range> fields = stackalloc Range[4];
        if (SplitFields(value, fields) != 3 || !SdpText.IsToken(value[fields[0]]) || !SdpText.IsToken(value[fields[1]]))
        {
            return false;
        }

        connection = new SdpConnection(Text(value[fields[0]]), Text(value[fields[1]]), Text(value[fields[2]]));
        return true;
    }

    /// <summary>RFC 8866 §5.9: t=start-time SP stop-time, both decimal.</summary>
    private static bool TryParseTiming(ReadOnlySpan<byte> value, [NotNullWhen(true)] out SdpTiming? timing)
    {
        timing = null;
        Span<Range> fields = stackalloc Range[3];
        if (SplitFields(value, fields) != 2
            || !SdpText.TryParseDigits(value[fields[0]], out ulong start)
            || !SdpText.TryParseDigits(value[fields[1]], out ulong stop))
        {
            return false;
        }

        timing = new SdpTiming(start, stop);
        return true;
    }

    /// <summary>RFC 8866 §5.14: m=media SP port ["/" integer] SP proto 1*(SP fmt).</summary>
    private static bool TryParseMedia(ReadOnlySpan<byte> value, [NotNullWhen(true)] out SdpMedia? media)
    {
        media = null;
        ReadOnlySpan<byte> rest = value;
        if (!NextField(ref rest, out ReadOnlySpan<byte> mediaType)
            || !NextField(ref rest, out ReadOnlySpan<byte> portText)
            || !NextField(ref rest, out ReadOnlySpan<byte> protocol)
            || rest.IsEmpty
            || !SdpText.IsToken(mediaType))
        {
            return false;
        }

        int? portCount = null;
        int slash = portText.IndexOf((byte)'/');
        if (slash >= 0)
        {
            if (!SdpText.TryParseDigits(portText.Slice(slash + 1), out long count) || count > int.MaxValue)
            {
                return false;
            }

            portCount = (int)count;
            portText = portText.Slice(0, slash);
        }

        // RFC 8866 §5.14: the port is a 16-bit transport port.
        if (!SdpText.TryParseDigits(portText, out long port) || port > ushort.MaxValue)
        {
            return false;
        }

        // RFC 8866 §9: proto = token *("/" token); '/' is not a token char, so check the pieces.
        for (int i = 0; i < protocol.Length; i++)
        {
            if (protocol[i] != (byte)'/' && !SdpText.IsTokenChar(protocol[i]))
            {
                return false;
            }
        }

        var parsed = new SdpMedia(Text(mediaType), (int)port, Text(protocol)) { PortCount = portCount };
        while (!rest.IsEmpty)
        {
            if (!NextField(ref rest, out ReadOnlySpan<byte> format))
            {
                return false;
            }

            parsed.Formats.Add(Text(format));
        }

        media = parsed;
        return true;
    }

    /// <summary>RFC 8866 §5.8: b=bwtype ":" bandwidth.</summary>
    private static SdpParseResult AddBandwidth(IList<SdpBandwidth> bandwidths, ReadOnlySpan<byte> value, int offset)
    {
        int colon = value.IndexOf((byte)':');
        if (colon <= 0
            || !SdpText.IsToken(value.Slice(0, colon))
            || !SdpText.TryParseDigits(value.Slice(colon + 1), out long bandwidth))
        {
            return Fail(SdpParseError.InvalidBandwidth, offset, "b= is not bwtype:bandwidth.");
        }

        bandwidths.Add(new SdpBandwidth(Text(value.Slice(0, colon)), bandwidth));
        return SdpParseResult.Success;
    }

    /// <summary>RFC 8866 §5.13: a=attribute or a=attribute:value; the name is a token.</summary>
    private static SdpParseResult AddAttribute(IList<SdpAttribute> attributes, ReadOnlySpan<byte> value, int offset)
    {
        int colon = value.IndexOf((byte)':');
        ReadOnlySpan<byte> name = colon < 0 ? value : value.Slice(0, colon);
        if (!SdpText.IsToken(name))
        {
            return Fail(SdpParseError.InvalidAttribute, offset, "Attribute name is empty or not a token.");
        }

        attributes.Add(new SdpAttribute(Text(name), colon < 0 ? null : Text(value.Slice(colon + 1))));
        return SdpParseResult.Success;
    }

    /// <summary>
    /// Splits on single spaces into <paramref name="fields"/>; returns the count, or -1 for an empty field
    /// (leading, trailing or double space) or more fields than fit.
    /// </summary>
    private static int SplitFields(ReadOnlySpan<byte> value, Span<Range> fields)
    {
        int count = 0;
        int start = 0;
        while (true)
        {
            int space = value.Slice(start).IndexOf((byte)' ');
            int end = space < 0 ? value.Length : start + space;
            if (end == start || count == fields.Length || !SdpText.IsNonWhitespace(value[start..end]))
            {
                return -1;
            }

            fields[count++] = start..end;
            if (space < 0)
            {
                return count;
            }

            start = end + 1;
        }
    }

    /// <summary>Takes the next space-terminated field; false for an empty or non-visible one.</summary>
    private static bool NextField(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        int space = rest.IndexOf((byte)' ');
        field = space < 0 ? rest : rest.Slice(0, space);
        rest = space < 0 ? default : rest.Slice(space + 1);
        if (space >= 0 && rest.IsEmpty)
        {
            // A trailing space leaves an empty last field.
            return false;
        }

        return SdpText.IsNonWhitespace(field);
    }

    private static string Text(ReadOnlySpan<byte> value) => value.IsEmpty ? string.Empty : Encoding.UTF8.GetString(value);

    private static SdpParseResult Fail(SdpParseError error, int offset, string message) => new(error, offset, message);
}
