using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using RcsCore.Msrp;
using RcsCore.Parsing.Sdp;

namespace RcsCore.Rcs;

/// <summary>The SDP of CPM sessions: one <c>m=message</c> MSRP media description (RFC 4975 §8, GSMA RCC.07).</summary>
internal static class RcsSdp
{
    public const string ContentType = "application/sdp";

    /// <summary>
    /// An offer or answer for <paramref name="local"/>: o= and c= with the MSRP host, one m=message line with a=path,
    /// a=accept-types, a=accept-wrapped-types, a=max-size and a=setup (RFC 4975 §8, RFC 6135 §4.2), a=sendrecv.
    /// </summary>
    public static byte[] Create(string host, MsrpSessionDescription local, SdpSetup setup)
    {
        string version = RandomNumberGenerator.GetInt32(1, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        string addressType = host.Contains(':', StringComparison.Ordinal) ? "IP6" : "IP4";
        var sdp = new SdpSession
        {
            Origin = new SdpOrigin("-", version, version, "IN", addressType, host),
            // RFC 4975 §8.1: the c= line is not used to connect (a=path is), but SDP requires one.
            Connection = new SdpConnection("IN", addressType, host),
        };
        var media = (local with { Setup = setup }).ToSdpMedia();
        media.Attributes.Add(new SdpAttribute("sendrecv", null));
        sdp.Media.Add(media);
        return sdp.ToArray();
    }

    /// <summary>The first MSRP media description of an SDP body; false when there is none or it is malformed.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> body, out MsrpSessionDescription? remote)
    {
        remote = null;
        if (body.IsEmpty || !SdpSession.TryParse(body.Span, out var session).IsSuccess)
        {
            return false;
        }
        foreach (var media in session!.Media)
        {
            if (media.Port != 0 && MsrpSessionDescription.TryFromSdp(media, out remote))
            {
                return true;
            }
        }
        return false;
    }

    public static string HostOf(MsrpEndpoint endpoint) =>
        endpoint.LocalEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? endpoint.LocalEndPoint.Address.ToString() : endpoint.Host;
}
