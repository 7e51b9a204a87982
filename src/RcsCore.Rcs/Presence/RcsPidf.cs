using System.Text;
using System.Xml;
using RcsCore.Rcs.Capabilities;

namespace RcsCore.Rcs.Presence;

/// <summary>
/// One PIDF tuple (RFC 3863 §4.1.4) describing one RCS service: status basic, the OMA service-description
/// (OMA-TS-Presence_SIMPLE §10.1.1 <c>op:service-description</c>: service-id, version) and the contact.
/// </summary>
public sealed class RcsPresenceTuple
{
    /// <summary>Creates a tuple.</summary>
    public RcsPresenceTuple(string id, string serviceId, string version, bool isOpen = true, string? contact = null, bool? audio = null, bool? video = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        ArgumentNullException.ThrowIfNull(version);
        Id = id;
        ServiceId = serviceId;
        Version = version;
        IsOpen = isOpen;
        Contact = contact;
        Audio = audio;
        Video = video;
    }

    /// <summary>The tuple id attribute (RFC 3863 §4.1.4: unique within the document).</summary>
    public string Id { get; }

    /// <summary>The OMA service-id, e.g. <c>org.openmobilealliance:ChatSession</c>.</summary>
    public string ServiceId { get; }

    /// <summary>The OMA service version, e.g. <c>2.0</c>.</summary>
    public string Version { get; }

    /// <summary>True when the basic status is open (RFC 3863 §4.1.4).</summary>
    public bool IsOpen { get; }

    /// <summary>The contact address of the tuple (RFC 3863 §4.1.5); null for none.</summary>
    public string? Contact { get; }

    /// <summary>The RFC 5196 <c>caps:audio</c> service capability; null when absent.</summary>
    public bool? Audio { get; }

    /// <summary>The RFC 5196 <c>caps:video</c> service capability; null when absent.</summary>
    public bool? Video { get; }
}

/// <summary>
/// A PIDF presence document (RFC 3863) as RCS uses it for capability discovery: one tuple per service carrying an OMA
/// service-description. Reading is safe (no DTD, no resolver, size-bounded) and tolerant of unknown elements
/// (RFC 3863 §4.1.4: unknown extensions are ignored).
/// </summary>
public sealed class RcsPidfDocument
{
    /// <summary>The MIME type (RFC 3863 §7).</summary>
    public const string ContentType = "application/pidf+xml";

    /// <summary>The PIDF namespace (RFC 3863 §4.1).</summary>
    public const string PidfNamespace = "urn:ietf:params:xml:ns:pidf";

    /// <summary>The OMA presence extensions namespace (OMA-TS-Presence_SIMPLE §10.1).</summary>
    public const string OmaNamespace = "urn:oma:xml:prs:pidf:oma-pres";

    /// <summary>The service capabilities namespace (RFC 5196 §4).</summary>
    public const string CapsNamespace = "urn:ietf:params:xml:ns:pidf:caps";

    /// <summary>The largest document read by default (characters).</summary>
    public const int DefaultMaxSize = 64 * 1024;

    /// <summary>Creates a document.</summary>
    public RcsPidfDocument(string entity, IEnumerable<RcsPresenceTuple> tuples)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entity);
        ArgumentNullException.ThrowIfNull(tuples);
        Entity = entity;
        Tuples = [.. tuples];
    }

    /// <summary>The presentity URI (RFC 3863 §4.1.2 <c>entity</c> attribute).</summary>
    public string Entity { get; }

    /// <summary>The tuples in document order.</summary>
    public IReadOnlyList<RcsPresenceTuple> Tuples { get; }

    // OMA service-ids of RCS services. GSMA RCC.07 / RCS 5.x "Presence service-ids" table (chat, standalone messaging,
    // file transfer, thumbnail, HTTP file transfer, geolocation push, IP voice/video call); services with no
    // registered OMA service-id are published as "org.3gpp." + their ICSI/IARI URN (org.3gpp.urn:urn-7:...), as RCS does for extensions.
    private static readonly (RcsService Service, string ServiceId, string Version)[] s_known =
    [
        (RcsService.Chat, "org.openmobilealliance:ChatSession", "2.0"),
        (RcsService.StandaloneMessaging, "org.openmobilealliance:StandaloneMsg", "2.0"),
        (RcsService.FileTransferMsrp, "org.openmobilealliance:File-Transfer", "1.0"),
        (RcsService.FileTransferThumbnail, "org.openmobilealliance:File-Transfer-thumb", "2.0"),
        (RcsService.FileTransferHttp, "org.openmobilealliance:File-Transfer-HTTP", "1.0"),
        // Not from RCC.07 (it defines no presence service-id for the bot role); RcsCore's own id.
        (RcsService.ChatbotRole, "org.gsma.rcs.isbot", "1.0"),
    ];

    /// <summary>The OMA service-id prefix before a 3GPP ICSI/IARI URN (<c>org.3gpp.urn:urn-7:3gpp-service.ims.icsi.mmtel</c>).</summary>
    public const string UrnServiceIdPrefix = "org.3gpp.";

    /// <summary>The tuples that publish <paramref name="capabilities"/> for <paramref name="entity"/>.</summary>
    public static RcsPidfDocument FromCapabilities(string entity, RcsCapabilities capabilities, string? contact = null)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var tuples = new List<RcsPresenceTuple>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in capabilities.Services)
        {
            string serviceId;
            string version = "1.0";
            bool? audio = null, video = null;
            int known = Array.FindIndex(s_known, k => k.Service.Equals(service));
            if (known >= 0)
            {
                (_, serviceId, version) = s_known[known];
            }
            else if (service.Equals(RcsService.IpVoiceCall) || service.Equals(RcsService.IpVideoCall))
            {
                continue; // below, once, with caps:audio/caps:video
            }
            else if (service.Icsi.Count > 0 || service.Iari.Count > 0)
            {
                serviceId = UrnServiceIdPrefix + (service.Icsi.Count > 0 ? service.Icsi[0] : service.Iari[0]);
            }
            else
            {
                continue; // a pure flag with no presence form
            }
            if (seen.Add(serviceId))
            {
                tuples.Add(new RcsPresenceTuple("t" + tuples.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), serviceId, version, true, contact, audio, video));
            }
        }
        if (capabilities.Supports(RcsService.IpVoiceCall))
        {
            // RCS 5.x presence: IP voice/video call is the MMTel service-id with RFC 5196 servcaps audio/video.
            tuples.Add(new RcsPresenceTuple("t" + tuples.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                UrnServiceIdPrefix + RcsService.IpVoiceCall.Icsi[0], "1.0", true, contact, true, capabilities.Supports(RcsService.IpVideoCall)));
        }
        return new RcsPidfDocument(entity, tuples);
    }

    /// <summary>The capabilities the open tuples describe (closed tuples are services not available now).</summary>
    public RcsCapabilities ToCapabilities()
    {
        var services = new List<RcsService>();
        foreach (var t in Tuples)
        {
            if (!t.IsOpen)
            {
                continue;
            }
            int known = Array.FindIndex(s_known, k => string.Equals(k.ServiceId, t.ServiceId, StringComparison.Ordinal));
            if (known >= 0)
            {
                services.Add(s_known[known].Service);
            }
            else if (t.ServiceId == "org.openmobilealliance:IM-session")
            {
                services.Add(RcsService.Chat); // RCS 5.x: the OMA SIMPLE IM chat service-id.
            }
            else if (t.ServiceId.StartsWith(UrnServiceIdPrefix, StringComparison.Ordinal))
            {
                string urn = t.ServiceId[UrnServiceIdPrefix.Length..];
                if (string.Equals(urn, RcsService.IpVoiceCall.Icsi[0], StringComparison.OrdinalIgnoreCase))
                {
                    if (t.Audio != false)
                    {
                        services.Add(RcsService.IpVoiceCall);
                    }
                    if (t.Video == true)
                    {
                        services.Add(RcsService.IpVideoCall);
                    }
                    continue;
                }
                bool icsi = urn.Contains("3gpp-service", StringComparison.OrdinalIgnoreCase);
                services.Add(FindByUrn(urn, icsi) ?? RcsService.Custom(urn, icsi ? [urn] : null, icsi ? null : [urn]));
            }
        }
        return services.Count == 0 ? RcsCapabilities.None : RcsCapabilities.FromServices(services);
    }

    private static RcsService? FindByUrn(string urn, bool icsi)
    {
        foreach (var s in RcsService.Known)
        {
            var list = icsi ? s.Icsi : s.Iari;
            if (list.Count > 0 && string.Equals(list[0], urn, StringComparison.OrdinalIgnoreCase) && s.Flags.Count == 0)
            {
                return s;
            }
        }
        return null;
    }

    /// <summary>Writes the document as UTF-8 XML.</summary>
    public byte[] Write()
    {
        var sb = new StringBuilder(256 + (Tuples.Count * 256));
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n");
        sb.Append("<presence xmlns=\"").Append(PidfNamespace).Append("\" xmlns:op=\"").Append(OmaNamespace)
            .Append("\" xmlns:caps=\"").Append(CapsNamespace).Append("\" entity=\"");
        Escape(sb, Entity);
        sb.Append("\">\r\n");
        foreach (var t in Tuples)
        {
            sb.Append("  <tuple id=\"");
            Escape(sb, t.Id);
            sb.Append("\">\r\n    <status><basic>").Append(t.IsOpen ? "open" : "closed").Append("</basic></status>\r\n");
            // OMA-TS-Presence_SIMPLE §10.1.1: service-description with service-id and version.
            sb.Append("    <op:service-description><op:service-id>");
            Escape(sb, t.ServiceId);
            sb.Append("</op:service-id><op:version>");
            Escape(sb, t.Version);
            sb.Append("</op:version></op:service-description>\r\n");
            if (t.Audio is not null || t.Video is not null)
            {
                // RFC 5196 §4: servcaps.
                sb.Append("    <caps:servcaps>");
                if (t.Audio is { } a)
                {
                    sb.Append("<caps:audio>").Append(a ? "true" : "false").Append("</caps:audio>");
                }
                if (t.Video is { } v)
                {
                    sb.Append("<caps:video>").Append(v ? "true" : "false").Append("</caps:video>");
                }
                sb.Append("</caps:servcaps>\r\n");
            }
            if (t.Contact is { } c)
            {
                sb.Append("    <contact>");
                Escape(sb, c);
                sb.Append("</contact>\r\n");
            }
            sb.Append("  </tuple>\r\n");
        }
        sb.Append("</presence>\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads a PIDF document; false (with <paramref name="document"/> null) when it is not well-formed PIDF or too large.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> xml, out RcsPidfDocument? document, int maxSize = DefaultMaxSize)
    {
        document = null;
        if (xml.Length > maxSize * 4L)
        {
            return false;
        }
        try
        {
            using XmlReader reader = RcsXml.CreateReader(xml, maxSize);
            if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "presence" || reader.NamespaceURI != PidfNamespace)
            {
                return false;
            }
            string? entity = reader.GetAttribute("entity");
            if (string.IsNullOrWhiteSpace(entity))
            {
                return false; // RFC 3863 §4.1.2: entity is mandatory.
            }
            var tuples = new List<RcsPresenceTuple>();
            if (!reader.IsEmptyElement)
            {
                reader.Read();
                while (RcsXml.NextChild(reader))
                {
                    if (reader.NamespaceURI == PidfNamespace && reader.LocalName == "tuple")
                    {
                        if (ReadTuple(reader) is { } t)
                        {
                            tuples.Add(t);
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            RcsXml.ReadToEnd(reader);
            document = new RcsPidfDocument(entity, tuples);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    private static RcsPresenceTuple? ReadTuple(XmlReader reader)
    {
        string? id = reader.GetAttribute("id");
        string? serviceId = null, version = null, contact = null;
        bool open = false;
        bool? audio = null, video = null;
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return null;
        }
        reader.Read();
        while (RcsXml.NextChild(reader))
        {
            string ns = reader.NamespaceURI, name = reader.LocalName;
            if (ns == PidfNamespace && name == "status" && !reader.IsEmptyElement)
            {
                reader.Read();
                while (RcsXml.NextChild(reader))
                {
                    if (reader.NamespaceURI == PidfNamespace && reader.LocalName == "basic")
                    {
                        open = reader.ReadElementContentAsString().Trim() == "open";
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                reader.ReadEndElement();
            }
            else if (ns == OmaNamespace && name == "service-description" && !reader.IsEmptyElement)
            {
                reader.Read();
                while (RcsXml.NextChild(reader))
                {
                    if (reader.NamespaceURI == OmaNamespace && reader.LocalName == "service-id")
                    {
                        serviceId = reader.ReadElementContentAsString().Trim();
                    }
                    else if (reader.NamespaceURI == OmaNamespace && reader.LocalName == "version")
                    {
                        version = reader.ReadElementContentAsString().Trim();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                reader.ReadEndElement();
            }
            else if (ns == CapsNamespace && name == "servcaps" && !reader.IsEmptyElement)
            {
                reader.Read();
                while (RcsXml.NextChild(reader))
                {
                    if (reader.NamespaceURI == CapsNamespace && reader.LocalName is "audio" or "video")
                    {
                        bool isAudio = reader.LocalName == "audio";
                        bool value = reader.ReadElementContentAsString().Trim() == "true";
                        if (isAudio)
                        {
                            audio = value;
                        }
                        else
                        {
                            video = value;
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                reader.ReadEndElement();
            }
            else if (ns == PidfNamespace && name == "contact")
            {
                contact = reader.ReadElementContentAsString().Trim();
            }
            else
            {
                reader.Skip();
            }
        }
        reader.ReadEndElement();
        // A tuple without a service-description is not about an RCS service (RCC.07 presence): ignored.
        return string.IsNullOrWhiteSpace(id) || string.IsNullOrEmpty(serviceId) ? null : new RcsPresenceTuple(id, serviceId, version ?? string.Empty, open, contact, audio, video);
    }

    private static void Escape(StringBuilder sb, string text)
    {
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\r': sb.Append("&#xD;"); break;
                case '\n': sb.Append("&#xA;"); break;
                case '\t': sb.Append("&#x9;"); break;
                default: sb.Append(c); break;
            }
        }
    }
}
