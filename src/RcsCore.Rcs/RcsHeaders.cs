using System.Security.Cryptography;

namespace RcsCore.Rcs;

/// <summary>
/// SIP header names that OMA CPM and GSMA RCS add (OMA CPM Conversation Functions, GSMA RCC.07, RFC 6050), plus
/// generators for the identifiers they carry. <c>SipHeaderName</c> in RcsCore.Parsing has the same names as enum values
/// for parsing; these strings are for building requests.
/// </summary>
public static class RcsHeaders
{
    /// <summary><c>Contribution-ID</c>: identifies one chat session or standalone message (OMA CPM Conversation Functions).</summary>
    public const string ContributionId = "Contribution-ID";

    /// <summary><c>Conversation-ID</c>: identifies the conversation the contribution belongs to (OMA CPM Conversation Functions).</summary>
    public const string ConversationId = "Conversation-ID";

    /// <summary><c>InReplyTo-Contribution-ID</c>: the contribution this one answers (OMA CPM Conversation Functions).</summary>
    public const string InReplyToContributionId = "InReplyTo-Contribution-ID";

    /// <summary><c>P-Preferred-Service</c>: the ICSI the UE asks for (RFC 6050, 3GPP TS 24.229).</summary>
    public const string PPreferredService = "P-Preferred-Service";

    /// <summary><c>P-Asserted-Service</c>: the ICSI the network asserts (RFC 6050).</summary>
    public const string PAssertedService = "P-Asserted-Service";

    /// <summary><c>Accept-Contact</c>: caller preferences with the service feature tags (RFC 3841).</summary>
    public const string AcceptContact = "Accept-Contact";

    /// <summary>
    /// A new Contribution-ID or Conversation-ID: 128 random bits as 32 lower-case hex digits. OMA CPM asks for a
    /// globally unique value; this one uses only characters of the SIP token set (RFC 3261 §25.1).
    /// </summary>
    /// <returns>The identifier.</returns>
    public static string NewContributionId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>A new Conversation-ID; same form as <see cref="NewContributionId"/>.</summary>
    /// <returns>The identifier.</returns>
    public static string NewConversationId() => NewContributionId();
}
