namespace RcsCore.Parsing.Sdp;

/// <summary>An <c>a=</c> line (RFC 8866 §5.13): <c>a=name</c> or <c>a=name:value</c>.</summary>
/// <param name="Name">The attribute name, a token such as <c>path</c> or <c>sendonly</c>.</param>
/// <param name="Value">
/// Everything after the first colon, exactly as written (it may be empty or start with a space);
/// null for a property attribute such as <c>a=recvonly</c>.
/// </param>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "RFC 8866 §5.13 calls it an attribute.")]
public sealed record SdpAttribute(string Name, string? Value);
