using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Sip.UserAgent;

/// <summary>A host and port, as in a Via sent-by (RFC 3261 §18.1.1, §20.42).</summary>
/// <param name="Host">A host name or IP address (IPv6 in brackets).</param>
/// <param name="Port">The port, or -1 to leave it out.</param>
public readonly record struct SipHostPort(string Host, int Port);

/// <summary>Configuration of a <see cref="SipUserAgent"/>.</summary>
public sealed class SipUserAgentOptions
{
    /// <summary>The From of requests outside dialogs: this UA's address of record (RFC 3261 §8.1.1.3), without a tag.</summary>
    public required SipNameAddress LocalIdentity { get; init; }

    /// <summary>
    /// The Via sent-by for a destination (RFC 3261 §18.1.1): the address the transport listens on for that
    /// protocol, so responses come back to it. The transport layer supplies its bound endpoints here.
    /// </summary>
    public required Func<SipEndPoint, SipHostPort> SentBy { get; init; }

    /// <summary>
    /// The Contact URI of dialog-creating and target refresh requests and responses (RFC 3261 §8.1.1.8); null to
    /// derive one from the user part of <see cref="LocalIdentity"/> and <see cref="SentBy"/>.
    /// </summary>
    public SipUri? ContactUri { get; init; }

    /// <summary>The text of the User-Agent (requests) and Server (responses) headers (RFC 3261 §20.41, §20.35); null for none.</summary>
    public string? Product { get; init; } = "RcsCore";

    /// <summary>Methods listed in Allow (RFC 3261 §20.5); null to list the built-in methods and every registered handler.</summary>
    public IReadOnlyList<string>? Allow { get; init; }

    /// <summary>Body media types listed in Accept (RFC 3261 §20.1); the default is application/sdp (§11.2).</summary>
    public IReadOnlyList<string> Accept { get; init; } = ["application/sdp"];

    /// <summary>Option tags listed in Supported (RFC 3261 §20.37); also what Require may ask for unless <see cref="RequestChecks"/> says otherwise.</summary>
    public IReadOnlyList<string> Supported { get; init; } = [];

    /// <summary>The checks of RFC 3261 §8.2 applied to every request; null to derive them from <see cref="Supported"/>.</summary>
    public SipRequestCheckOptions? RequestChecks { get; init; }

    /// <summary>
    /// Chooses where an in-dialog request goes, given its next hop (first route, else the remote target) and the
    /// flow the dialog was created on (the INVITE's destination for a UAC, its source for a UAS). Null sends every
    /// in-dialog request on that flow, which suits outbound proxies and NATs (RFC 5626); plug in RFC 3263
    /// resolution here.
    /// </summary>
    public Func<SipUri, SipEndPoint, SipEndPoint>? ResolveNextHop { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is missing or invalid.</summary>
    public void Validate()
    {
        if (LocalIdentity is null || LocalIdentity.IsWildcard)
        {
            throw new ArgumentException("LocalIdentity must be a name-addr.", nameof(LocalIdentity));
        }
        if (SentBy is null)
        {
            throw new ArgumentException("SentBy is required.", nameof(SentBy));
        }
        if (Accept is null || Supported is null)
        {
            throw new ArgumentException("Accept and Supported must not be null.", nameof(Accept));
        }
    }
}
