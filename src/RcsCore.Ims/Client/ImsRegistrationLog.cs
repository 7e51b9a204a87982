using Microsoft.Extensions.Logging;

namespace RcsCore.Ims.Client;

/// <summary>Log messages of the IMS registration client (event IDs 4200-4299).</summary>
internal static partial class ImsRegistrationLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Debug, Message = "REGISTER ({Kind}) CSeq {Sequence} to {NextHop}, Expires {Expires}")]
    public static partial void Sending(ILogger logger, ImsRegisterKind kind, uint sequence, Sip.Transport.SipEndPoint nextHop, uint expires);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "registered {Impu} for {Expires} s; refresh in {RefreshSeconds} s")]
    public static partial void Registered(ILogger logger, string impu, double expires, double refreshSeconds);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "answering a {Status} challenge, algorithm {Algorithm}, stale {Stale}")]
    public static partial void Challenged(ILogger logger, int status, string algorithm, bool stale);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "registration failed: {Error} ({Status}); next attempt {NextAttempt}")]
    public static partial void Failed(ILogger logger, ImsRegistrationError error, int status, DateTimeOffset? nextAttempt);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "unregistered {Impu} ({Status})")]
    public static partial void Unregistered(ILogger logger, string impu, int status);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "AKA: {Outcome} (SQN {Sqn})")]
    public static partial void AkaOutcome(ILogger logger, Authentication.ImsAkaOutcome outcome, ulong sqn);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Debug, Message = "423 Interval Too Brief: retrying with Expires {MinExpires}")]
    public static partial void IntervalTooBrief(ILogger logger, uint minExpires);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "REGISTER could not be sent")]
    public static partial void SendFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Information, Message = "reg event subscription: {Status}, Expires {Expires}")]
    public static partial void Subscribed(ILogger logger, int status, uint expires);

    [LoggerMessage(EventId = 4209, Level = LogLevel.Information, Message = "reg event NOTIFY version {Version}: registration {RegistrationState}, our contact {ContactState}/{ContactEvent}; subscription {SubscriptionState}")]
    public static partial void Notified(ILogger logger, long version, string registrationState, string contactState, string contactEvent, Sip.UserAgent.SipSubscriptionState subscriptionState);

    [LoggerMessage(EventId = 4215, Level = LogLevel.Debug, Message = "reginfo version {Version} discarded (last applied {Last}; -1: a gap in partial state, refreshing for full state)")]
    public static partial void RegInfoDiscarded(ILogger logger, long version, long last);

    [LoggerMessage(EventId = 4210, Level = LogLevel.Warning, Message = "deregistered by the network ({Event})")]
    public static partial void NetworkDeregistered(ILogger logger, string @event);

    [LoggerMessage(EventId = 4211, Level = LogLevel.Information, Message = "re-registering: {Reason}")]
    public static partial void Reregistering(ILogger logger, string reason);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Warning, Message = "background registration work failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4213, Level = LogLevel.Warning, Message = "RegistrationChanged handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4214, Level = LogLevel.Debug, Message = "the 200 does not list our contact {Contact}; using the Expires header")]
    public static partial void ContactNotListed(ILogger logger, string contact);
}
