namespace RcsCore.Parsing.Sdp;

/// <summary>
/// Why an SDP body (RFC 8866) was rejected. The numeric values are stable and may be logged or persisted.
/// </summary>
public enum SdpParseError
{
    /// <summary>No error: the input parsed.</summary>
    None = 0,

    /// <summary>The input was empty (or held only line terminators).</summary>
    EmptyInput = 1,

    /// <summary>A line is not of the form <c>x=value</c> (RFC 8866 §5), holds a NUL or a bare CR, or is empty.</summary>
    InvalidLine = 2,

    /// <summary>The first line is not <c>v=</c> (RFC 8866 §5.1).</summary>
    MissingVersion = 3,

    /// <summary>The <c>v=</c> line is not <c>v=0</c> (RFC 8866 §5.1).</summary>
    UnsupportedVersion = 4,

    /// <summary>The second line is not <c>o=</c> (RFC 8866 §5.2).</summary>
    MissingOrigin = 5,

    /// <summary>The <c>o=</c> line does not have six well-formed fields (RFC 8866 §5.2).</summary>
    InvalidOrigin = 6,

    /// <summary>The third line is not <c>s=</c> (RFC 8866 §5.3).</summary>
    MissingSessionName = 7,

    /// <summary>No <c>t=</c> line precedes the first <c>m=</c> line or the end of input (RFC 8866 §5.9).</summary>
    MissingTiming = 8,

    /// <summary>A <c>c=</c> line does not have three fields, or a second one appears at session level (RFC 8866 §5.7).</summary>
    InvalidConnection = 9,

    /// <summary>An <c>m=</c> line is malformed: fields, port, port count or formats (RFC 8866 §5.14).</summary>
    InvalidMedia = 10,

    /// <summary>An <c>a=</c> line has an empty or non-token attribute name (RFC 8866 §5.13).</summary>
    InvalidAttribute = 11,

    /// <summary>A line is longer than <see cref="SdpLimits.MaxLineLength"/>.</summary>
    LineTooLong = 12,

    /// <summary>The input has more lines than <see cref="SdpLimits.MaxLines"/>.</summary>
    TooManyLines = 13,

    /// <summary>A <c>t=</c> or <c>r=</c> line is malformed, or <c>r=</c> does not follow a <c>t=</c> (RFC 8866 §5.9, §5.10).</summary>
    InvalidTiming = 14,

    /// <summary>A <c>b=</c> line is not <c>bwtype:bandwidth</c> (RFC 8866 §5.8).</summary>
    InvalidBandwidth = 15,

    /// <summary>A known line type appears where RFC 8866 §5 does not allow it, or a single-valued line repeats.</summary>
    UnexpectedLine = 16,

    /// <summary>A line type letter that RFC 8866 does not define; §5 says the whole description must then be ignored.</summary>
    UnknownLineType = 17,
}
