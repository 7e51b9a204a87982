namespace RcsCore.Parsing.Sdp;

/// <summary>A <c>c=</c> line (RFC 8866 §5.7).</summary>
/// <param name="NetType">The network type, <c>IN</c> for the Internet.</param>
/// <param name="AddressType">The address type, <c>IP4</c> or <c>IP6</c>.</param>
/// <param name="Address">
/// The connection address as written, including any multicast <c>/ttl</c> or <c>/count</c> suffix.
/// </param>
public sealed record SdpConnection(string NetType, string AddressType, string Address);
