using System.Diagnostics.CodeAnalysis;

namespace RcsCore.Parsing.Sdp;

/// <summary>
/// An owned SDP session description (RFC 8866 §5): session-level lines and the media descriptions.
/// Parse with <see cref="TryParse(ReadOnlySpan{byte}, out SdpSession?)"/>; write with
/// <see cref="WriteTo(System.Buffers.IBufferWriter{byte})"/>.
/// </summary>
public sealed partial class SdpSession
{
    private readonly SdpMediaCollection _media;

    /// <summary>
    /// Creates a session with <c>s=-</c> and one permanent time description, <c>t=0 0</c>
    /// (RFC 8866 §5.9), as SIP and MSRP sessions use.
    /// </summary>
    public SdpSession()
    {
        _media = new SdpMediaCollection(this);
        Timings.Add(new SdpTiming(0, 0));
    }

    [SetsRequiredMembers]
    private SdpSession(SdpOrigin origin, string sessionName)
    {
        _media = new SdpMediaCollection(this);
        Origin = origin;
        SessionName = sessionName;
    }

    /// <summary>The <c>v=</c> protocol version; RFC 8866 §5.1 defines only 0.</summary>
    public int Version { get; set; }

    /// <summary>The <c>o=</c> originator and session identifier (RFC 8866 §5.2).</summary>
    public required SdpOrigin Origin { get; set; }

    /// <summary>The <c>s=</c> session name as written (RFC 8866 §5.3); may be empty or a single space or dash.</summary>
    public string SessionName { get; set; } = "-";

    /// <summary>The session-level <c>i=</c> information, or null.</summary>
    public string? Information { get; set; }

    /// <summary>The <c>u=</c> URI (RFC 8866 §5.5) as written, or null.</summary>
    [SuppressMessage("Design", "CA1056:URI-like properties should not be strings", Justification = "Kept as written for round trips.")]
    public string? Uri { get; set; }

    /// <summary>The <c>e=</c> email addresses (RFC 8866 §5.6) as written.</summary>
    public IList<string> Emails { get; } = new List<string>();

    /// <summary>The <c>p=</c> phone numbers (RFC 8866 §5.6) as written.</summary>
    public IList<string> Phones { get; } = new List<string>();

    /// <summary>The session-level <c>c=</c> line (RFC 8866 §5.7), or null when every media description has one.</summary>
    public SdpConnection? Connection { get; set; }

    /// <summary>The session-level <c>b=</c> lines (RFC 8866 §5.8).</summary>
    public IList<SdpBandwidth> Bandwidths { get; } = new List<SdpBandwidth>();

    /// <summary>The time descriptions, <c>t=</c> and <c>r=</c> lines; RFC 8866 §5.9 requires at least one.</summary>
    public IList<SdpTiming> Timings { get; } = new List<SdpTiming>();

    /// <summary>The <c>z=</c> time zone adjustments (RFC 8866 §5.11) as written, or null.</summary>
    public string? TimeZones { get; set; }

    /// <summary>The obsolete session-level <c>k=</c> value (RFC 8866 §5.12) as written, or null.</summary>
    public string? Key { get; set; }

    /// <summary>The session-level <c>a=</c> lines in order.</summary>
    public IList<SdpAttribute> Attributes { get; } = new List<SdpAttribute>();

    /// <summary>The media descriptions in order.</summary>
    public IList<SdpMedia> Media => _media;

    /// <summary>
    /// The session-level direction attribute (RFC 8866 §6.7), or null when absent. Media descriptions
    /// without their own direction inherit it; see <see cref="SdpMedia.Direction"/>.
    /// </summary>
    public SdpDirection? Direction
    {
        get => SdpAttributeList.FindDirection(Attributes);
        set => SdpAttributeList.SetDirection(Attributes, value);
    }

    /// <summary>The first session-level attribute with this name (ASCII case-insensitive), or null.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The attribute, or null.</returns>
    public SdpAttribute? FindAttribute(string name) => SdpAttributeList.Find(Attributes, name);
}
