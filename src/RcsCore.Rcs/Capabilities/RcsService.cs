using RcsCore.Sip.Features;

namespace RcsCore.Rcs.Capabilities;

/// <summary>
/// One RCS service as capability discovery sees it (GSMA RCC.07 §2.4.4 feature tags, §2.6 capability discovery): the
/// IMS communication service identifiers (<c>+g.3gpp.icsi-ref</c>) and application reference identifiers
/// (<c>+g.3gpp.iari-ref</c>) it needs, plus boolean feature tags (<c>video</c>, <c>+g.gsma.rcs.isbot</c>). A peer
/// supports the service when its feature set declares all of them. The catalog holds the RCS UP services; any other
/// ICSI/IARI can be declared with <see cref="Custom"/>.
/// </summary>
public sealed class RcsService : IEquatable<RcsService>
{
    /// <summary>The <c>+g.3gpp.icsi-ref</c> feature tag (3GPP TS 24.229 §7.9.2).</summary>
    public const string IcsiTag = "+g.3gpp.icsi-ref";

    /// <summary>The <c>+g.3gpp.iari-ref</c> feature tag (3GPP TS 24.229 §7.9.3).</summary>
    public const string IariTag = "+g.3gpp.iari-ref";

    /// <summary>The chatbot role tag: the sender is a chatbot (GSMA RCC.07 §2.4.4, RCC.71 chatbot role).</summary>
    public const string IsBotTag = "+g.gsma.rcs.isbot";

    /// <summary>The supported chatbot versions, e.g. <c>"#=1,#=2"</c> (GSMA RCC.07 §2.4.4).</summary>
    public const string BotVersionTag = "+g.gsma.rcs.botversion";

    private const string IcsiPrefix = "urn:urn-7:3gpp-service.ims.icsi.";
    private const string IariPrefix = "urn:urn-7:3gpp-application.ims.iari.";

    private RcsService(string name, string description, string[] icsi, string[] iari, string[] flags)
    {
        Name = name;
        Description = description;
        Icsi = icsi;
        Iari = iari;
        Flags = flags;
    }

    /// <summary>A short identifier (<c>chat</c>, <c>ft-http</c>...).</summary>
    public string Name { get; }

    /// <summary>A human-readable description.</summary>
    public string Description { get; }

    /// <summary>ICSI URNs the service needs (decoded form, <c>urn:urn-7:...</c>).</summary>
    public IReadOnlyList<string> Icsi { get; }

    /// <summary>IARI URNs the service needs (decoded form).</summary>
    public IReadOnlyList<string> Iari { get; }

    /// <summary>Boolean feature tags the service needs (<c>video</c>, <c>+g.gsma.rcs.isbot</c>).</summary>
    public IReadOnlyList<string> Flags { get; }

    // GSMA RCC.07 §2.4.4 (Table: RCS service tags) — the tag strings are also those of the Android UCE FeatureTags
    // and other shipping clients: "+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"" etc.

    /// <summary>Chat: OMA CPM session (<c>urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session</c>).</summary>
    public static RcsService Chat { get; } = new("chat", "Chat (CPM session)", [IcsiPrefix + "oma.cpm.session"], [], []);

    /// <summary>Standalone messaging: CPM pager and large mode (<c>oma.cpm.msg</c>, <c>oma.cpm.largemsg</c>).</summary>
    public static RcsService StandaloneMessaging { get; } = new("standalone", "Standalone messaging", [IcsiPrefix + "oma.cpm.msg", IcsiPrefix + "oma.cpm.largemsg"], [], []);

    /// <summary>File transfer over MSRP (<c>urn:urn-7:3gpp-application.ims.iari.rcse.ft</c>).</summary>
    public static RcsService FileTransferMsrp { get; } = new("ft", "File transfer (MSRP)", [], [IariPrefix + "rcse.ft"], []);

    /// <summary>File transfer thumbnail (<c>rcs.ftthumb</c>).</summary>
    public static RcsService FileTransferThumbnail { get; } = new("ft-thumb", "File transfer thumbnail", [], [IariPrefix + "rcs.ftthumb"], []);

    /// <summary>File transfer store and forward (<c>rcs.ftstandfw</c>).</summary>
    public static RcsService FileTransferStoreAndForward { get; } = new("ft-sf", "File transfer store and forward", [], [IariPrefix + "rcs.ftstandfw"], []);

    /// <summary>File transfer over HTTP (<c>urn:urn-7:3gpp-application.ims.iari.rcs.fthttp</c>).</summary>
    public static RcsService FileTransferHttp { get; } = new("ft-http", "File transfer (HTTP)", [], [IariPrefix + "rcs.fthttp"], []);

    /// <summary>File transfer via SMS (<c>rcs.ftsms</c>).</summary>
    public static RcsService FileTransferSms { get; } = new("ft-sms", "File transfer via SMS", [], [IariPrefix + "rcs.ftsms"], []);

    /// <summary>Geolocation push (<c>rcs.geopush</c>).</summary>
    public static RcsService GeolocationPush { get; } = new("geopush", "Geolocation push", [], [IariPrefix + "rcs.geopush"], []);

    /// <summary>Geolocation push via SMS (<c>rcs.geosms</c>).</summary>
    public static RcsService GeolocationSms { get; } = new("geosms", "Geolocation push via SMS", [], [IariPrefix + "rcs.geosms"], []);

    /// <summary>Chatbot communication using sessions (<c>urn:urn-7:3gpp-application.ims.iari.rcs.chatbot</c>).</summary>
    public static RcsService ChatbotSession { get; } = new("chatbot", "Chatbot communication (session)", [], [IariPrefix + "rcs.chatbot"], []);

    /// <summary>Chatbot communication using standalone messaging (<c>rcs.chatbot.sa</c>).</summary>
    public static RcsService ChatbotStandalone { get; } = new("chatbot-sa", "Chatbot communication (standalone)", [], [IariPrefix + "rcs.chatbot.sa"], []);

    /// <summary>The chatbot role: the peer is a chatbot (<c>+g.gsma.rcs.isbot</c>).</summary>
    public static RcsService ChatbotRole { get; } = new("isbot", "Chatbot role", [], [], [IsBotTag]);

    /// <summary>IP voice call: MMTEL (<c>urn:urn-7:3gpp-service.ims.icsi.mmtel</c>).</summary>
    public static RcsService IpVoiceCall { get; } = new("voice", "IP voice call (MMTEL)", [IcsiPrefix + "mmtel"], [], []);

    /// <summary>IP video call: MMTEL with the <c>video</c> media feature tag (RFC 3840 §10.2.4).</summary>
    public static RcsService IpVideoCall { get; } = new("video", "IP video call (MMTEL + video)", [IcsiPrefix + "mmtel"], [], ["video"]);

    /// <summary>Enriched calling: call composer (<c>gsma.callcomposer</c>).</summary>
    public static RcsService CallComposer { get; } = new("callcomposer", "Call composer", [IcsiPrefix + "gsma.callcomposer"], [], []);

    /// <summary>Enriched calling: post-call (<c>gsma.callunanswered</c>).</summary>
    public static RcsService PostCall { get; } = new("postcall", "Post-call", [IcsiPrefix + "gsma.callunanswered"], [], []);

    /// <summary>Enriched calling: shared map (<c>gsma.sharedmap</c>).</summary>
    public static RcsService SharedMap { get; } = new("sharedmap", "Shared map", [IcsiPrefix + "gsma.sharedmap"], [], []);

    /// <summary>Enriched calling: shared sketch (<c>gsma.sharedsketch</c>).</summary>
    public static RcsService SharedSketch { get; } = new("sharedsketch", "Shared sketch", [IcsiPrefix + "gsma.sharedsketch"], [], []);

    /// <summary>The RCS UP services of the catalog, in display order.</summary>
    public static IReadOnlyList<RcsService> Known { get; } =
    [
        Chat, StandaloneMessaging, FileTransferMsrp, FileTransferThumbnail, FileTransferStoreAndForward, FileTransferHttp, FileTransferSms,
        GeolocationPush, GeolocationSms, ChatbotSession, ChatbotStandalone, ChatbotRole, IpVoiceCall, IpVideoCall,
        CallComposer, PostCall, SharedMap, SharedSketch,
    ];

    /// <summary>A service of the host's own: any ICSI and/or IARI URNs (decoded form) and boolean tags.</summary>
    public static RcsService Custom(string name, IEnumerable<string>? icsi = null, IEnumerable<string>? iari = null, IEnumerable<string>? flags = null, string? description = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string[] i = [.. icsi ?? []], a = [.. iari ?? []], f = [.. flags ?? []];
        if (i.Length + a.Length + f.Length == 0)
        {
            throw new ArgumentException("A service needs at least one ICSI, IARI or flag.", nameof(name));
        }
        foreach (var flag in f)
        {
            if (!SipFeatureEncoding.IsFeatureTag(flag))
            {
                throw new ArgumentException($"'{flag}' is not a feature tag (RFC 3840 §9).", nameof(flags));
            }
        }
        return new RcsService(name, description ?? name, i, a, f);
    }

    /// <summary>Finds a catalog service by <see cref="Name"/> (case-insensitive), or null.</summary>
    public static RcsService? Find(string name)
    {
        foreach (var s in Known)
        {
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }
        return null;
    }

    /// <summary>True when <paramref name="features"/> declares every ICSI, IARI and flag of the service.</summary>
    public bool IsSupportedBy(SipFeatureSet features)
    {
        ArgumentNullException.ThrowIfNull(features);
        foreach (var icsi in Icsi)
        {
            if (!features.HasToken(IcsiTag, icsi))
            {
                return false;
            }
        }
        foreach (var iari in Iari)
        {
            if (!features.HasToken(IariTag, iari))
            {
                return false;
            }
        }
        foreach (var flag in Flags)
        {
            if (!features.IsTrue(flag))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public bool Equals(RcsService? other) =>
        other is not null && string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase)
        && Icsi.SequenceEqual(other.Icsi, StringComparer.OrdinalIgnoreCase) && Iari.SequenceEqual(other.Iari, StringComparer.OrdinalIgnoreCase)
        && Flags.SequenceEqual(other.Flags, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RcsService);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Name);

    /// <inheritdoc />
    public override string ToString() => Name;
}
