namespace RcsCore.Parsing.Sdp;

/// <summary>A <c>b=</c> line (RFC 8866 §5.8).</summary>
/// <param name="Type">The bandwidth type token, for example <c>AS</c> or <c>CT</c>.</param>
/// <param name="Value">The bandwidth, in kilobits per second for <c>AS</c> and <c>CT</c>.</param>
public sealed record SdpBandwidth(string Type, long Value);
