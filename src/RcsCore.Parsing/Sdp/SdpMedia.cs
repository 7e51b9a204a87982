namespace RcsCore.Parsing.Sdp;

/// <summary>
/// A media description (RFC 8866 §5.14): the <c>m=</c> line and the <c>i=</c>, <c>c=</c>, <c>b=</c>,
/// <c>k=</c> and <c>a=</c> lines that follow it. The typed properties (MSRP, file transfer) read and
/// write <see cref="Attributes"/>, which stays the single source of truth.
/// </summary>
public sealed partial class SdpMedia
{
    /// <summary>Creates a media description with no formats, connections or attributes.</summary>
    /// <param name="mediaType">The media type, for example <c>message</c> or <c>audio</c>.</param>
    /// <param name="port">The transport port, 0 to 65535; 0 rejects or disables the stream (RFC 3264 §6).</param>
    /// <param name="protocol">The transport protocol, for example <c>TCP/MSRP</c>.</param>
    public SdpMedia(string mediaType, int port, string protocol)
    {
        MediaType = mediaType;
        Port = port;
        Protocol = protocol;
    }

    /// <summary>The media type, for example <c>message</c> (RFC 4975 §8).</summary>
    public string MediaType { get; set; }

    /// <summary>The transport port, 0 to 65535.</summary>
    public int Port { get; set; }

    /// <summary>The number of ports after a slash (<c>m=audio 49170/2 ...</c>), or null when absent.</summary>
    public int? PortCount { get; set; }

    /// <summary>The transport protocol, for example <c>TCP/MSRP</c> or <c>TCP/TLS/MSRP</c>.</summary>
    public string Protocol { get; set; }

    /// <summary>The media formats; MSRP uses the single format <c>*</c> (RFC 4975 §8.1).</summary>
    public IList<string> Formats { get; } = new List<string>();

    /// <summary>The <c>i=</c> media title, or null.</summary>
    public string? Information { get; set; }

    /// <summary>The media-level <c>c=</c> lines; there may be several for multicast (RFC 8866 §5.7).</summary>
    public IList<SdpConnection> Connections { get; } = new List<SdpConnection>();

    /// <summary>The media-level <c>b=</c> lines.</summary>
    public IList<SdpBandwidth> Bandwidths { get; } = new List<SdpBandwidth>();

    /// <summary>The obsolete <c>k=</c> value (RFC 8866 §5.12) as written, or null.</summary>
    public string? Key { get; set; }

    /// <summary>The media-level <c>a=</c> lines in order.</summary>
    public IList<SdpAttribute> Attributes { get; } = new List<SdpAttribute>();

    /// <summary>The session this media description belongs to, set when it is added to <see cref="SdpSession.Media"/>.</summary>
    internal SdpSession? Session { get; set; }

    /// <summary>Creates an MSRP media description (RFC 4975 §8): <c>m=message port TCP/MSRP *</c> with a path.</summary>
    /// <param name="port">The port of the local MSRP URI.</param>
    /// <param name="path">
    /// The local MSRP URI for <c>a=path</c>; an <c>msrps:</c> URI selects <c>TCP/TLS/MSRP</c>, anything else <c>TCP/MSRP</c>.
    /// </param>
    /// <param name="acceptTypes">The media types for <c>a=accept-types</c>, which RFC 4975 §8.6 makes mandatory.</param>
    /// <returns>The new media description.</returns>
    public static SdpMedia CreateMsrp(int port, string path, IReadOnlyList<string> acceptTypes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(acceptTypes);
        bool secure = path.StartsWith("msrps:", StringComparison.OrdinalIgnoreCase);
        var media = new SdpMedia("message", port, secure ? TlsMsrpProtocol : MsrpProtocol);
        media.Formats.Add("*");
        media.AcceptTypes = acceptTypes;
        media.Paths = [path];
        return media;
    }

    /// <summary>The first media-level attribute with this name (ASCII case-insensitive), or null.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The attribute, or null.</returns>
    public SdpAttribute? FindAttribute(string name) => SdpAttributeList.Find(Attributes, name);
}
