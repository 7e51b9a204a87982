using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace RcsCore.Ims.Client;

/// <summary>A registration information document, <c>application/reginfo+xml</c> (RFC 3680 §5).</summary>
public sealed class ImsRegInfo
{
    /// <summary>The media type (RFC 3680 §5.2).</summary>
    public const string MediaType = "application/reginfo+xml";

    private static readonly XNamespace s_ns = "urn:ietf:params:xml:ns:reginfo";

    /// <summary>The document version (RFC 3680 §5.3: increases by one per NOTIFY).</summary>
    public long Version { get; init; }

    /// <summary>True for <c>state="full"</c>, false for <c>partial</c>.</summary>
    public bool IsFull { get; init; }

    /// <summary>The registrations, one per address of record.</summary>
    public IReadOnlyList<ImsRegInfoRegistration> Registrations { get; init; } = [];

    /// <summary>Parses a document; false when it is not well-formed reginfo. DTDs are refused.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, out ImsRegInfo? info)
    {
        info = null;
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1 << 20 };
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, settings);
            var root = XElement.Load(reader);
            if (root.Name != s_ns + "reginfo")
            {
                return false;
            }
            var registrations = new List<ImsRegInfoRegistration>();
            foreach (var r in root.Elements(s_ns + "registration"))
            {
                var contacts = new List<ImsRegInfoContact>();
                foreach (var c in r.Elements(s_ns + "contact"))
                {
                    var parameters = new List<KeyValuePair<string, string>>();
                    foreach (var p in c.Elements(s_ns + "unknown-param"))
                    {
                        parameters.Add(new((string?)p.Attribute("name") ?? string.Empty, p.Value.Trim()));
                    }
                    contacts.Add(new ImsRegInfoContact
                    {
                        Id = (string?)c.Attribute("id") ?? string.Empty,
                        State = (string?)c.Attribute("state") ?? string.Empty,
                        Event = (string?)c.Attribute("event") ?? string.Empty,
                        Expires = Number(c.Attribute("expires")),
                        RetryAfter = Number(c.Attribute("retry-after")),
                        Uri = c.Element(s_ns + "uri")?.Value.Trim() ?? string.Empty,
                        UnknownParameters = parameters,
                    });
                }
                registrations.Add(new ImsRegInfoRegistration
                {
                    Aor = (string?)r.Attribute("aor") ?? string.Empty,
                    Id = (string?)r.Attribute("id") ?? string.Empty,
                    State = (string?)r.Attribute("state") ?? string.Empty,
                    Contacts = contacts,
                });
            }
            info = new ImsRegInfo
            {
                Version = long.TryParse((string?)root.Attribute("version"), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : -1,
                IsFull = string.Equals((string?)root.Attribute("state"), "full", StringComparison.Ordinal),
                Registrations = registrations,
            };
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    private static uint? Number(XAttribute? a) =>
        uint.TryParse(a?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? n : null;
}

/// <summary>A <c>registration</c> element: one address of record (RFC 3680 §5.3).</summary>
public sealed class ImsRegInfoRegistration
{
    /// <summary>The address of record.</summary>
    public string Aor { get; init; } = string.Empty;

    /// <summary>The registration id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary><c>init</c>, <c>active</c> or <c>terminated</c>.</summary>
    public string State { get; init; } = string.Empty;

    /// <summary>The contacts.</summary>
    public IReadOnlyList<ImsRegInfoContact> Contacts { get; init; } = [];
}

/// <summary>A <c>contact</c> element (RFC 3680 §5.3).</summary>
public sealed class ImsRegInfoContact
{
    /// <summary>The contact id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary><c>active</c> or <c>terminated</c>.</summary>
    public string State { get; init; } = string.Empty;

    /// <summary>What happened: registered, created, refreshed, shortened, expired, deactivated, probation, unregistered, rejected.</summary>
    public string Event { get; init; } = string.Empty;

    /// <summary>Seconds until expiry, when given.</summary>
    public uint? Expires { get; init; }

    /// <summary>For <c>probation</c>: seconds to wait before re-registering.</summary>
    public uint? RetryAfter { get; init; }

    /// <summary>The contact URI.</summary>
    public string Uri { get; init; } = string.Empty;

    /// <summary>Contact parameters the registrar reports (<c>unknown-param</c>), such as <c>+sip.instance</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> UnknownParameters { get; init; } = [];
}
