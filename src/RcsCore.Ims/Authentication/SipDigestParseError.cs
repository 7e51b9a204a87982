namespace RcsCore.Ims.Authentication;

/// <summary>Why a WWW-Authenticate / Proxy-Authenticate or Authorization / Proxy-Authorization value was rejected. Values are stable.</summary>
public enum SipDigestParseError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The value is empty or only white space.</summary>
    Empty = 1,
    /// <summary>The auth-scheme is not <c>Digest</c> (RFC 3261 §25.1 other-challenge / other-response).</summary>
    NotDigest = 2,
    /// <summary>An auth-param is malformed: no name, no '=', a bad character, or no ',' before the next one.</summary>
    InvalidParameter = 3,
    /// <summary>A quoted-string has no closing quote or ends in a lone backslash.</summary>
    UnterminatedQuotedString = 4,
    /// <summary>The same parameter appears twice (RFC 7235 §2.1: each parameter name MUST only occur once).</summary>
    DuplicateParameter = 5,
    /// <summary>A required parameter is absent; <see cref="SipDigestParseResult.Detail"/> names it.</summary>
    MissingParameter = 6,
    /// <summary>A parameter value is not of its grammar (for example <c>nc</c> is not 8 hex digits).</summary>
    InvalidValue = 7,
}

/// <summary>The outcome of parsing an authentication header value: error, offset into the value, and a detail.</summary>
public readonly record struct SipDigestParseResult(SipDigestParseError Error, int Offset, string? Detail = null)
{
    /// <summary>True when the value was accepted.</summary>
    public bool IsSuccess => Error == SipDigestParseError.None;

    /// <summary>A successful result.</summary>
    public static SipDigestParseResult Success => default;

    /// <inheritdoc />
    public override string ToString() => Error == SipDigestParseError.None
        ? "ok"
        : Detail is null ? $"{Error} at {Offset}" : $"{Error} ({Detail}) at {Offset}";
}

/// <summary>A parameter this stack has no property for, kept so that formatting reproduces it.</summary>
/// <param name="Name">The parameter name as written.</param>
/// <param name="Value">The value with quotes removed and quoted-pairs resolved.</param>
/// <param name="Quoted">True when the value was (and will be written as) a quoted-string.</param>
public readonly record struct SipAuthParameter(string Name, string Value, bool Quoted);
