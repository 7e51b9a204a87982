namespace RcsCore.Parsing.Sdp;

/// <summary>The <c>o=</c> line (RFC 8866 §5.2): who created the session and its identifier and version.</summary>
/// <param name="Username">The user's login on the originating host, or <c>-</c>.</param>
/// <param name="SessionId">A numeric string (1*DIGIT); kept as text because it may exceed 64 bits.</param>
/// <param name="SessionVersion">
/// A numeric string (1*DIGIT) that RFC 3264 §8 requires to increase with every modified offer.
/// </param>
/// <param name="NetType">The network type, <c>IN</c> for the Internet.</param>
/// <param name="AddressType">The address type, <c>IP4</c> or <c>IP6</c>.</param>
/// <param name="Address">The address or fully qualified domain name of the originating host.</param>
public sealed record SdpOrigin(
    string Username,
    string SessionId,
    string SessionVersion,
    string NetType,
    string AddressType,
    string Address);
