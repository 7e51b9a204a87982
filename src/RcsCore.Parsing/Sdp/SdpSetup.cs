namespace RcsCore.Parsing.Sdp;

/// <summary>
/// The <c>a=setup</c> role of RFC 4145 §4, which MSRP uses to decide who opens the TCP connection (RFC 6135 §4).
/// </summary>
public enum SdpSetup
{
    /// <summary><c>active</c>: this endpoint opens the connection.</summary>
    Active = 0,

    /// <summary><c>passive</c>: this endpoint accepts the connection.</summary>
    Passive = 1,

    /// <summary><c>actpass</c>: either role; the answerer chooses.</summary>
    ActPass = 2,

    /// <summary><c>holdconn</c>: no connection for now.</summary>
    HoldConn = 3,
}
