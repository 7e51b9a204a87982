using System.Text;

namespace RcsCore.Ims.Client;

/// <summary>
/// The media feature tags a UE declares in its Contact (RFC 3840 §9, 3GPP TS 24.229 §5.1.1.2.1, §7.9.2,
/// GSMA RCC.07 §2.4.4): IMS communication service identifiers (ICSI), IMS application reference identifiers
/// (IARI), the chatbot version, and any other tag.
/// </summary>
public sealed class ImsFeatureTags
{
    /// <summary>ICSI URNs, e.g. <c>urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session</c> (<c>+g.3gpp.icsi-ref</c>).</summary>
    public IReadOnlyList<string> Icsi { get; init; } = [];

    /// <summary>IARI URNs, e.g. <c>urn:urn-7:3gpp-application.ims.iari.rcs.chatbot</c> (<c>+g.3gpp.iari-ref</c>).</summary>
    public IReadOnlyList<string> Iari { get; init; } = [];

    /// <summary>Chatbot versions supported, e.g. <c>#=1</c> (<c>+g.gsma.rcs.botversion</c>, GSMA RCC.07 §2.4.4).</summary>
    public IReadOnlyList<string> BotVersions { get; init; } = [];

    /// <summary>
    /// Other tags, already in wire form: a name with a null value for a boolean tag (<c>+g.3gpp.smsip</c>,
    /// RFC 3840 §9) or a name with its (quoted) value.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Other { get; init; } = [];

    /// <summary>The Contact parameters, in order: icsi-ref, iari-ref, botversion, then <see cref="Other"/>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ToParameters()
    {
        if (Icsi.Count > 0)
        {
            yield return new("+g.3gpp.icsi-ref", EncodeList(Icsi));
        }
        if (Iari.Count > 0)
        {
            yield return new("+g.3gpp.iari-ref", EncodeList(Iari));
        }
        if (BotVersions.Count > 0)
        {
            // GSMA RCC.07 §2.4.4: +g.gsma.rcs.botversion="#=1,#=2": a quoted list of version tokens.
            yield return new("+g.gsma.rcs.botversion", "\"" + string.Join(',', BotVersions) + "\"");
        }
        foreach (var tag in Other)
        {
            yield return tag;
        }
    }

    /// <summary>
    /// A quoted comma-separated list of URNs with every character outside the RFC 3261 token set percent-encoded
    /// (TS 24.229 §7.9.2: <c>"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel"</c>; RFC 3840 §9 tag values are tokens).
    /// </summary>
    public static string EncodeList(IReadOnlyList<string> urns)
    {
        ArgumentNullException.ThrowIfNull(urns);
        var sb = new StringBuilder("\"");
        for (int i = 0; i < urns.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            foreach (byte b in Encoding.UTF8.GetBytes(urns[i]))
            {
                if (IsToken((char)b) && b != '%')
                {
                    sb.Append((char)b);
                }
                else
                {
                    sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Decodes a value written by <see cref="EncodeList"/> back to its URNs.</summary>
    public static IReadOnlyList<string> DecodeList(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            text = text[1..^1];
        }
        var list = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(Uri.UnescapeDataString(part));
        }
        return list;
    }

    // RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    private static bool IsToken(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';
}
