using RcsCore.Parsing.Msrp;
using RcsCore.Parsing.Sdp;

namespace RcsCore.Msrp;

/// <summary>
/// The MSRP part of an SDP media description (RFC 4975 §8, RFC 6135, RFC 8122): path, accepted types, max size,
/// setup role and certificate fingerprint. Converts from and to <see cref="SdpMedia"/>.
/// </summary>
/// <param name="Path">The a=path URIs, nearest relay first, the endpoint last (RFC 4976 §5).</param>
public sealed record MsrpSessionDescription(IReadOnlyList<MsrpUri> Path)
{
    /// <summary>The a=accept-types (RFC 4975 §8.6).</summary>
    public IReadOnlyList<string> AcceptTypes { get; init; } = ["*"];

    /// <summary>The a=accept-wrapped-types (RFC 4975 §8.6).</summary>
    public IReadOnlyList<string> AcceptWrappedTypes { get; init; } = [];

    /// <summary>The a=max-size (RFC 4975 §8.7), or null.</summary>
    public long? MaxSize { get; init; }

    /// <summary>The a=setup (RFC 6135 §4), or null.</summary>
    public SdpSetup? Setup { get; init; }

    /// <summary>The a=fingerprint (<c>sha-256 AB:...</c>, RFC 8122 §5), or null.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>The endpoint URI (last a=path entry).</summary>
    public MsrpUri EndpointUri => Path[^1];

    /// <summary>Reads the MSRP attributes of a media description; false when it is not MSRP or its a=path is invalid.</summary>
    public static bool TryFromSdp(SdpMedia media, out MsrpSessionDescription? description)
    {
        ArgumentNullException.ThrowIfNull(media);
        description = null;
        if (!media.IsMsrp || media.Paths.Count == 0)
        {
            return false;
        }
        var path = new List<MsrpUri>(media.Paths.Count);
        foreach (var p in media.Paths)
        {
            if (!MsrpUri.TryParse(p, out var uri))
            {
                return false;
            }
            path.Add(uri);
        }
        description = new MsrpSessionDescription(path)
        {
            AcceptTypes = media.AcceptTypes,
            AcceptWrappedTypes = media.AcceptWrappedTypes,
            MaxSize = media.MaxSize,
            Setup = media.Setup,
            Fingerprint = media.FindAttribute("fingerprint")?.Value?.Trim(),
        };
        return true;
    }

    /// <summary>Writes this description as <c>m=message port TCP/MSRP *</c> (or TCP/TLS/MSRP) with its attributes.</summary>
    public SdpMedia ToSdpMedia()
    {
        var endpoint = EndpointUri;
        var media = SdpMedia.CreateMsrp(endpoint.EffectivePort, endpoint.ToString(), AcceptTypes);
        media.Paths = [.. Path.Select(static p => p.ToString())];
        if (AcceptWrappedTypes.Count > 0)
        {
            media.AcceptWrappedTypes = AcceptWrappedTypes;
        }
        media.MaxSize = MaxSize;
        if (Setup is { } setup)
        {
            media.Setup = setup;
        }
        if (Fingerprint is not null)
        {
            media.Attributes.Add(new SdpAttribute("fingerprint", Fingerprint));
        }
        return media;
    }

    /// <summary>
    /// Whether this side opens the connection (RFC 6135 §4.2; RFC 4975 §5.4 when a=setup is absent: the offerer is
    /// active). The remote a=setup decides: passive → we are active; active → we are passive; actpass (we answer)
    /// → we answer passive, so the offerer connects.
    /// </summary>
    public static bool IsActiveRole(bool isOfferer, SdpSetup? remoteSetup) => remoteSetup switch
    {
        SdpSetup.Passive => true,
        SdpSetup.Active => false,
        SdpSetup.ActPass => false,
        _ => isOfferer,
    };
}
