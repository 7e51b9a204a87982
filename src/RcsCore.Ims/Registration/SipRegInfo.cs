using System.Globalization;
using System.Text;
using System.Xml;

namespace RcsCore.Ims.Registration;

/// <summary>The registration state of an AoR in a reginfo document (RFC 3680 §5.1).</summary>
public enum SipRegInfoState : byte
{
    /// <summary>No contact has been registered yet (<c>init</c>).</summary>
    Init = 0,
    /// <summary>At least one contact is registered (<c>active</c>).</summary>
    Active = 1,
    /// <summary>The last contact went away (<c>terminated</c>).</summary>
    Terminated = 2,
}

/// <summary>Writes <c>application/reginfo+xml</c> documents (RFC 3680 §5).</summary>
public static class SipRegInfo
{
    /// <summary>The MIME type (RFC 3680 §5).</summary>
    public const string ContentType = "application/reginfo+xml";

    /// <summary>The XML namespace (RFC 3680 §5.3).</summary>
    public const string Namespace = "urn:ietf:params:xml:ns:reginfo";

    /// <summary>
    /// Writes a full-state document (RFC 3680 §5.1 state="full") for one AoR: every active binding as an active
    /// contact (event from <paramref name="changes"/> when it just changed, else <c>registered</c>), and the bindings
    /// <paramref name="changes"/> removed as terminated contacts with their event (expired, deactivated, unregistered).
    /// </summary>
    /// <param name="addressOfRecord">The AoR.</param>
    /// <param name="version">The document version: 0 for the first document of a subscription, then +1 each (RFC 3680 §5.1).</param>
    /// <param name="current">The active bindings.</param>
    /// <param name="changes">What changed since the previous document (may be empty).</param>
    /// <param name="now">The time for the expires attributes.</param>
    public static string Write(string addressOfRecord, uint version, IReadOnlyList<SipBinding> current, IReadOnlyList<SipBindingChange> changes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(addressOfRecord);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(changes);
        var state = StateOf(current, changes);
        var sb = new StringBuilder(512);
        var settings = new XmlWriterSettings { Encoding = Encoding.UTF8, Indent = true, OmitXmlDeclaration = false };
        using (var xml = XmlWriter.Create(new StringWriterUtf8(sb), settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("reginfo", Namespace);
            xml.WriteAttributeString("version", version.ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("state", "full");
            xml.WriteStartElement("registration", Namespace);
            xml.WriteAttributeString("aor", addressOfRecord);
            xml.WriteAttributeString("id", Hash(addressOfRecord));
            xml.WriteAttributeString("state", state switch
            {
                SipRegInfoState.Active => "active",
                SipRegInfoState.Terminated => "terminated",
                _ => "init",
            });
            foreach (var b in current)
            {
                string ev = "registered";
                foreach (var c in changes)
                {
                    if (!c.IsRemoval && ReferenceEquals(c.Binding, b))
                    {
                        ev = c.EventName;
                    }
                }
                WriteContact(xml, b, "active", ev, b.RemainingSeconds(now));
            }
            foreach (var c in changes)
            {
                if (c.IsRemoval && !Contains(current, c.Binding.Contact))
                {
                    WriteContact(xml, c.Binding, "terminated", c.EventName, null);
                }
            }
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        return sb.ToString();
    }

    /// <summary>The registration state a document for these bindings and changes reports.</summary>
    public static SipRegInfoState StateOf(IReadOnlyList<SipBinding> current, IReadOnlyList<SipBindingChange> changes)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(changes);
        if (current.Count > 0)
        {
            return SipRegInfoState.Active;
        }
        foreach (var c in changes)
        {
            if (c.IsRemoval)
            {
                return SipRegInfoState.Terminated;
            }
        }
        return SipRegInfoState.Init;
    }

    // RFC 3680 §5.1: contact with id, state, event, expires, q, callid, cseq; the URI; +sip.instance as unknown-param.
    private static void WriteContact(XmlWriter xml, SipBinding b, string state, string ev, uint? expires)
    {
        xml.WriteStartElement("contact", Namespace);
        xml.WriteAttributeString("id", b.Id);
        xml.WriteAttributeString("state", state);
        xml.WriteAttributeString("event", ev);
        if (expires is { } e)
        {
            xml.WriteAttributeString("expires", e.ToString(CultureInfo.InvariantCulture));
        }
        if (b.QThousandths != 1000)
        {
            xml.WriteAttributeString("q", b.Q.ToString("0.###", CultureInfo.InvariantCulture));
        }
        xml.WriteAttributeString("callid", b.CallId);
        xml.WriteAttributeString("cseq", b.CSeq.ToString(CultureInfo.InvariantCulture));
        xml.WriteElementString("uri", Namespace, b.Contact);
        if (b.InstanceId is { } instance)
        {
            xml.WriteStartElement("unknown-param", Namespace);
            xml.WriteAttributeString("name", "+sip.instance");
            xml.WriteString("\"" + instance + "\"");
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static bool Contains(IReadOnlyList<SipBinding> list, string contact)
    {
        foreach (var b in list)
        {
            if (string.Equals(b.Contact, contact, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static string Hash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }
        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    // A StringWriter that declares UTF-8 (the body is sent as UTF-8), so the XML declaration says so.
    private sealed class StringWriterUtf8(StringBuilder sb) : StringWriter(sb, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}
