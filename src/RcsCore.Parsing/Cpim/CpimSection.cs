namespace RcsCore.Parsing.Cpim;

/// <summary>Where a <see cref="CpimReader"/> is in a <c>message/cpim</c> object (RFC 3862 §2).</summary>
public enum CpimSection
{
    /// <summary>Nothing has been read yet.</summary>
    None = 0,

    /// <summary>
    /// The MIME headers of the <c>message/cpim</c> object itself (<c>Content-type: Message/CPIM</c>), which RFC 3862 §5.1
    /// shows before the message headers. Usually they belong to the outer protocol (SIP, MSRP) and are absent here.
    /// </summary>
    OuterHeaders = 1,

    /// <summary>The CPIM message headers (RFC 3862 §3): From, To, cc, DateTime, Subject, NS, Require and extensions.</summary>
    MessageHeaders = 2,

    /// <summary>The MIME headers of the encapsulated object (RFC 3862 §2: Content-Type, Content-ID, ...).</summary>
    ContentHeaders = 3,

    /// <summary>The encapsulated content, after the blank line that ends the content headers.</summary>
    Content = 4,
}
