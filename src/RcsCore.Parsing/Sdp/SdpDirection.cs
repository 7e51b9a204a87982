namespace RcsCore.Parsing.Sdp;

/// <summary>The media direction attributes of RFC 8866 §6.7 (used in offer/answer, RFC 3264 §5.1).</summary>
public enum SdpDirection
{
    /// <summary><c>a=sendrecv</c>, the default when no direction is given.</summary>
    SendRecv = 0,

    /// <summary><c>a=sendonly</c>.</summary>
    SendOnly = 1,

    /// <summary><c>a=recvonly</c>.</summary>
    RecvOnly = 2,

    /// <summary><c>a=inactive</c>.</summary>
    Inactive = 3,
}
