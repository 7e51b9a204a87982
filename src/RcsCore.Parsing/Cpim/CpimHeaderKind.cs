namespace RcsCore.Parsing.Cpim;

/// <summary>
/// The headers a <see cref="CpimReader"/> recognises: the RFC 3862 §4 message headers (only without a name prefix, i.e.
/// in the default namespace <c>urn:ietf:params:cpim-headers:</c>) and the common MIME headers of the encapsulated
/// object. Names are matched ASCII case-insensitively, as deployments differ in case (<c>Content-type</c>).
/// </summary>
public enum CpimHeaderKind
{
    /// <summary>Any other header, including every prefixed extension header such as <c>imdn.Message-ID</c>.</summary>
    Other = 0,

    /// <summary><c>From</c> (RFC 3862 §4.1).</summary>
    From = 1,

    /// <summary><c>To</c> (RFC 3862 §4.2).</summary>
    To = 2,

    /// <summary><c>cc</c> (RFC 3862 §4.3).</summary>
    Cc = 3,

    /// <summary><c>DateTime</c> (RFC 3862 §4.4).</summary>
    DateTime = 4,

    /// <summary><c>Subject</c> (RFC 3862 §4.5).</summary>
    Subject = 5,

    /// <summary><c>NS</c>, a namespace declaration (RFC 3862 §4.6).</summary>
    Namespace = 6,

    /// <summary><c>Require</c> (RFC 3862 §4.7).</summary>
    Require = 7,

    /// <summary><c>Content-Type</c> (RFC 2045 §5).</summary>
    ContentType = 8,

    /// <summary><c>Content-Length</c>.</summary>
    ContentLength = 9,

    /// <summary><c>Content-ID</c> (RFC 2045 §7).</summary>
    ContentId = 10,

    /// <summary><c>Content-Disposition</c> (RFC 2183; <c>notification</c> in RFC 5438 §7.2.1.1).</summary>
    ContentDisposition = 11,

    /// <summary><c>Content-Transfer-Encoding</c> (RFC 2045 §6).</summary>
    ContentTransferEncoding = 12,
}
