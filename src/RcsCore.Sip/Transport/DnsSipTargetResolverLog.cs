using DnsClient;
using Microsoft.Extensions.Logging;

namespace RcsCore.Sip.Transport;

/// <summary>Log messages of <see cref="DnsSipTargetResolver"/> (event IDs 2100-2119).</summary>
internal static partial class DnsSipTargetResolverLog
{
    [LoggerMessage(2100, LogLevel.Debug, "Resolved {Uri} to {Count} targets, first {First}")]
    public static partial void Resolved(ILogger logger, string uri, int count, SipEndPoint first);

    [LoggerMessage(2101, LogLevel.Information, "No SIP targets for {Uri}: {Reason}")]
    public static partial void NotResolved(ILogger logger, string uri, string reason);

    [LoggerMessage(2102, LogLevel.Warning, "DNS resolution of {Uri} failed")]
    public static partial void Failed(ILogger logger, string uri, Exception exception);

    [LoggerMessage(2103, LogLevel.Debug, "DNS {Type} {Name} answered {Code}; treated as no records")]
    public static partial void ErrorAnswer(ILogger logger, QueryType type, string name, DnsResponseCode code);

    [LoggerMessage(2104, LogLevel.Trace, "DNS {Type} {Name}: {Count} records from the cache")]
    public static partial void CacheHit(ILogger logger, QueryType type, string name, int count);

    [LoggerMessage(2105, LogLevel.Trace, "DNS {Type} {Name}: {Outcome}, {Count} records, cached for {Ttl}")]
    public static partial void Answer(ILogger logger, QueryType type, string name, DnsResponseCode outcome, int count, TimeSpan ttl);
}
