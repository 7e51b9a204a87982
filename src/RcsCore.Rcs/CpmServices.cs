using RcsCore.Ims.Client;

namespace RcsCore.Rcs;

/// <summary>
/// IMS communication service identifiers (ICSI) of OMA CPM and application reference identifiers (IARI) of GSMA RCS,
/// and the feature-tag forms they take in Contact and Accept-Contact (3GPP TS 24.229 §7.9.2, §7.9.3, RFC 3840 §9, GSMA RCC.07,
/// OMA CPM Conversation Functions).
/// </summary>
public static class CpmServices
{
    /// <summary>The CPM session (1-1 and group chat) ICSI.</summary>
    public const string SessionIcsi = "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session";

    /// <summary>The CPM standalone message, pager mode ICSI.</summary>
    public const string MessageIcsi = "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg";

    /// <summary>The CPM standalone message, large message mode ICSI.</summary>
    public const string LargeMessageIcsi = "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg";

    /// <summary>The CPM file transfer ICSI.</summary>
    public const string FileTransferIcsi = "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer";

    /// <summary>The CPM deferred messaging ICSI (messages delivered from the store after the recipient returns).</summary>
    public const string DeferredIcsi = "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.deferred";

    /// <summary>The GSMA RCS file transfer over HTTP IARI (GSMA RCC.07).</summary>
    public const string FileTransferHttpIari = "urn:urn-7:3gpp-application.ims.iari.rcs.fthttp";

    /// <summary>The IARI of file transfer over MSRP (GSMA RCC.07 §2.4.4).</summary>
    public const string FileTransferMsrpIari = "urn:urn-7:3gpp-application.ims.iari.rcse.ft";

    /// <summary>The IARI of file transfer thumbnails (GSMA RCC.07 §2.4.4).</summary>
    public const string FileTransferThumbnailIari = "urn:urn-7:3gpp-application.ims.iari.rcs.ftthumb";

    /// <summary>
    /// The content type of the file transfer over HTTP file-info document a sender puts in a chat or standalone
    /// message after the upload (GSMA RCC.07 FT via HTTP): <c>application/vnd.gsma.rcs-ft-http+xml</c>.
    /// </summary>
    public const string FileTransferHttpContentType = "application/vnd.gsma.rcs-ft-http+xml";

    /// <summary>The XML namespace of the file-info and file-resume-info documents (GSMA RCC.07 FT via HTTP).</summary>
    public const string FileTransferHttpXmlNamespace = "urn:gsma:params:xml:ns:rcs:rcs:fthttp";

    /// <summary>The <c>+g.3gpp.icsi-ref</c> feature tag name (3GPP TS 24.229 §7.9.2).</summary>
    public const string IcsiTag = "+g.3gpp.icsi-ref";

    /// <summary>The <c>+g.3gpp.iari-ref</c> feature tag name (3GPP TS 24.229 §7.9.3).</summary>
    public const string IariTag = "+g.3gpp.iari-ref";

    /// <summary>
    /// The ICSI feature tag for a Contact or Accept-Contact:
    /// <c>+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session"</c>. Several ICSIs share one tag as a
    /// comma-separated list (RFC 3840 §9).
    /// </summary>
    /// <param name="icsis">One or more ICSI URNs.</param>
    /// <returns>The parameter, name and quoted value.</returns>
    public static string IcsiFeatureTag(params ReadOnlySpan<string> icsis) => Tag(IcsiTag, icsis);

    /// <summary>The IARI feature tag: <c>+g.3gpp.iari-ref="urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp"</c>.</summary>
    /// <param name="iaris">One or more IARI URNs.</param>
    /// <returns>The parameter, name and quoted value.</returns>
    public static string IariFeatureTag(params ReadOnlySpan<string> iaris) => Tag(IariTag, iaris);

    /// <summary>
    /// An Accept-Contact value asking for a service (RFC 3841, TS 24.229), e.g.
    /// <c>*;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session"</c>; RCS adds
    /// <c>;require;explicit</c> when only that service may answer.
    /// </summary>
    /// <param name="icsi">The ICSI URN.</param>
    /// <param name="requireExplicit">Append <c>;require;explicit</c> (RFC 3841).</param>
    /// <returns>The header value.</returns>
    public static string AcceptContact(string icsi, bool requireExplicit = false)
    {
        ArgumentNullException.ThrowIfNull(icsi);
        string value = "*;" + IcsiFeatureTag(icsi);
        return requireExplicit ? value + ";require;explicit" : value;
    }

    /// <summary>The media feature tags a CPM client registers with (see <see cref="ImsFeatureTags"/>).</summary>
    /// <param name="fileTransferOverHttp">Also advertise file transfer over HTTP.</param>
    /// <returns>The tags: the session, pager and large message ICSIs, the FT (MSRP) and thumbnail IARIs, and the FT HTTP IARI when asked.</returns>
    public static ImsFeatureTags ClientFeatureTags(bool fileTransferOverHttp = true) => new()
    {
        Icsi = [SessionIcsi, MessageIcsi, LargeMessageIcsi],
        // GSMA RCC.07 §2.4.4: file transfer over MSRP (with thumbnails), and over HTTP when a content server is provisioned.
        Iari = fileTransferOverHttp ? [FileTransferMsrpIari, FileTransferThumbnailIari, FileTransferHttpIari] : [FileTransferMsrpIari, FileTransferThumbnailIari],
    };

    /// <summary>True when a P-Asserted-Service / P-Preferred-Service value names this ICSI (ASCII case-insensitive, trimmed).</summary>
    /// <param name="headerValue">The header value, e.g. <c>urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg</c>.</param>
    /// <param name="icsi">The ICSI to look for.</param>
    /// <returns>True on a match; a comma-separated list matches if any element does.</returns>
    public static bool IsService(string? headerValue, string icsi)
    {
        ArgumentNullException.ThrowIfNull(icsi);
        if (headerValue is null)
        {
            return false;
        }

        foreach (string part in headerValue.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(part, icsi, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string Tag(string name, ReadOnlySpan<string> urns)
    {
        if (urns.IsEmpty)
        {
            throw new ArgumentException("At least one URN is needed.", nameof(urns));
        }

        return name + "=" + ImsFeatureTags.EncodeList(urns.ToArray());
    }

    /// <summary>
    /// True when a request asks for the service <paramref name="icsi"/>: in P-Asserted-Service or P-Preferred-Service
    /// (RFC 6050), or as the Accept-Contact feature tag (RFC 3841).
    /// </summary>
    internal static bool RequestsService(RcsCore.Sip.Messages.SipRequest request, string icsi)
    {
        if (IsService(request.GetHeader(RcsCore.Parsing.Sip.SipHeaderName.PAssertedService), icsi)
            || IsService(request.GetHeader(RcsCore.Parsing.Sip.SipHeaderName.PPreferredService), icsi))
        {
            return true;
        }
        // RFC 3841: the Accept-Contact feature tag, percent-encoded (3GPP TS 24.229 §7.9.2).
        string tag = IcsiFeatureTag(icsi);
        foreach (string value in request.GetHeaders(RcsCore.Parsing.Sip.SipHeaderName.AcceptContact))
        {
            if (value.Contains(tag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
