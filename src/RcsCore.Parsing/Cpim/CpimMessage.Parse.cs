using System.Text;

namespace RcsCore.Parsing.Cpim;

/// <summary>Parsing: <see cref="CpimReader"/> plus checks of the typed message headers, errors as values.</summary>
public sealed partial class CpimMessage
{
    /// <summary>Parses a complete <c>message/cpim</c> object with <see cref="CpimLimits.Default"/>. Never throws on bad input.</summary>
    /// <param name="input">The object, e.g. a SIP MESSAGE body or an MSRP message body of type <c>message/cpim</c>.</param>
    /// <param name="message">The parsed message, or null on error.</param>
    /// <returns>Success, or the first error and its byte offset.</returns>
    public static CpimParseResult TryParse(ReadOnlySpan<byte> input, out CpimMessage? message) =>
        TryParse(input, CpimLimits.Default, out message);

    /// <summary>Parses a complete <c>message/cpim</c> object. Never throws on bad input.</summary>
    /// <param name="input">The object.</param>
    /// <param name="limits">Size, line length and header count bounds.</param>
    /// <param name="message">The parsed message, or null on error.</param>
    /// <returns>Success, or the first error and its byte offset.</returns>
    /// <remarks>
    /// Beyond <see cref="CpimReader"/>, the values of From, To and cc must be addresses (RFC 3862 §4.1–§4.3), DateTime an
    /// RFC 3339 date-time (§4.4) and NS a namespace declaration (§4.6). The content is copied.
    /// </remarks>
    public static CpimParseResult TryParse(ReadOnlySpan<byte> input, CpimLimits limits, out CpimMessage? message)
    {
        ArgumentNullException.ThrowIfNull(limits);
        message = null;
        var reader = new CpimReader(input, limits);
        var result = new CpimMessage();
        while (reader.TryReadHeader(out CpimHeaderLine line))
        {
            string name = CpimHeaderNames.ToString(line.Kind, line.Name);
            string value = Encoding.UTF8.GetString(line.Value);
            switch (line.Section)
            {
                case CpimSection.OuterHeaders:
                    result._outerHeaders.Add(new CpimHeader(name, value));
                    break;
                case CpimSection.ContentHeaders:
                    result._contentHeaders.Add(new CpimHeader(name, value));
                    break;
                default:
                    CpimParseResult check = CheckMessageHeader(line, value);
                    if (!check.IsSuccess)
                    {
                        return check;
                    }

                    string parameters = line.Parameters.IsEmpty ? string.Empty : Encoding.UTF8.GetString(line.Parameters);
                    result._headers.Add(new CpimHeader(name, value, parameters));
                    break;
            }
        }

        if (!reader.Error.IsSuccess)
        {
            return reader.Error;
        }

        result.Content = reader.Content.ToArray();
        message = result;
        return CpimParseResult.Success;
    }

    private static CpimParseResult CheckMessageHeader(CpimHeaderLine line, string value)
    {
        switch (line.Kind)
        {
            case CpimHeaderKind.From:
            case CpimHeaderKind.To:
            case CpimHeaderKind.Cc:
                return CpimAddress.TryParse(line.Value, out _)
                    ? CpimParseResult.Success
                    : new CpimParseResult(CpimParseError.InvalidAddress, line.Offset, "From/To/cc value is not [Formal-name] <URI>.");
            case CpimHeaderKind.DateTime:
                return CpimDateTime.TryParse(value, out _)
                    ? CpimParseResult.Success
                    : new CpimParseResult(CpimParseError.InvalidDateTime, line.Offset, "DateTime value is not an RFC 3339 date-time.");
            case CpimHeaderKind.Namespace:
                return CpimNamespace.TryParse(value, out _)
                    ? CpimParseResult.Success
                    : new CpimParseResult(CpimParseError.InvalidNamespace, line.Offset, "NS value is not [prefix] <URI>.");
            default:
                return CpimParseResult.Success;
        }
    }
}
