using System.Globalization;
using RcsCore.Ims.Client;
using RcsCore.Sip.Features;

namespace RcsCore.Rcs.Capabilities;

/// <summary>
/// What a terminal (or an address of record, through all its contacts) supports, as declared by feature tags
/// (GSMA RCC.07 §2.6.1.1: the tags of the OPTIONS request and of its 200 OK Contact): the feature set itself and the
/// catalog services, ICSIs, IARIs, chatbot versions and chatbot role it implies. Immutable.
/// </summary>
public sealed class RcsCapabilities
{
    private RcsCapabilities(SipFeatureSet features)
    {
        Features = features;
        var services = new List<RcsService>();
        foreach (var s in RcsService.Known)
        {
            if (s.IsSupportedBy(features))
            {
                services.Add(s);
            }
        }
        Services = services;
        Icsi = features.GetTokens(RcsService.IcsiTag);
        Iari = features.GetTokens(RcsService.IariTag);
        BotVersions = ReadBotVersions(features);
    }

    /// <summary>No capabilities (a peer that is not RCS, or a network answer without tags).</summary>
    public static RcsCapabilities None { get; } = new(SipFeatureSet.Empty);

    /// <summary>The feature parameters (RFC 3840 §9) the capabilities were read from or are written as.</summary>
    public SipFeatureSet Features { get; }

    /// <summary>The catalog services (<see cref="RcsService.Known"/>) the features support, in catalog order.</summary>
    public IReadOnlyList<RcsService> Services { get; }

    /// <summary>Every ICSI URN declared (decoded).</summary>
    public IReadOnlyList<string> Icsi { get; }

    /// <summary>Every IARI URN declared (decoded).</summary>
    public IReadOnlyList<string> Iari { get; }

    /// <summary>Chatbot versions declared in <c>+g.gsma.rcs.botversion</c> (<c>"#=1,#=2"</c> → 1, 2).</summary>
    public IReadOnlyList<int> BotVersions { get; }

    /// <summary>True when the peer declares the chatbot role (<c>+g.gsma.rcs.isbot</c>).</summary>
    public bool IsBot => Features.IsTrue(RcsService.IsBotTag);

    /// <summary>True when no feature tag was declared.</summary>
    public bool IsEmpty => Features.IsEmpty;

    /// <summary>ICSI and IARI URNs that no catalog service uses (the host's own or unknown extensions).</summary>
    public IReadOnlyList<string> Extensions
    {
        get
        {
            var list = new List<string>();
            foreach (var urn in Icsi.Concat(Iari))
            {
                if (!RcsService.Known.Any(s => s.Icsi.Contains(urn, StringComparer.OrdinalIgnoreCase) || s.Iari.Contains(urn, StringComparer.OrdinalIgnoreCase)))
                {
                    list.Add(urn);
                }
            }
            return list;
        }
    }

    /// <summary>True when the features declare everything <paramref name="service"/> needs (catalog or custom).</summary>
    public bool Supports(RcsService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.IsSupportedBy(Features);
    }

    /// <summary>Reads capabilities from feature parameters (a Contact's, or a binding's).</summary>
    public static RcsCapabilities FromFeatures(SipFeatureSet features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.IsEmpty ? None : new RcsCapabilities(features);
    }

    /// <summary>
    /// Capabilities declaring <paramref name="services"/> (catalog or custom): one <c>+g.3gpp.icsi-ref</c> and one
    /// <c>+g.3gpp.iari-ref</c> list with every URN once (TS 24.229 §7.9.2 percent-encoded), the flags, and
    /// <c>+g.gsma.rcs.botversion</c> when <paramref name="botVersions"/> is not empty.
    /// </summary>
    public static RcsCapabilities FromServices(IEnumerable<RcsService> services, IEnumerable<int>? botVersions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var icsi = new List<string>();
        var iari = new List<string>();
        var flags = new List<string>();
        foreach (var s in services)
        {
            AddDistinct(icsi, s.Icsi);
            AddDistinct(iari, s.Iari);
            AddDistinct(flags, s.Flags);
        }
        var parameters = new List<SipFeatureParameter>();
        if (icsi.Count > 0)
        {
            parameters.Add(new SipFeatureParameter(RcsService.IcsiTag, SipFeatureEncoding.QuoteTokens(icsi)));
        }
        if (iari.Count > 0)
        {
            parameters.Add(new SipFeatureParameter(RcsService.IariTag, SipFeatureEncoding.QuoteTokens(iari)));
        }
        foreach (var f in flags)
        {
            parameters.Add(new SipFeatureParameter(f, null));
        }
        if (botVersions?.ToArray() is { Length: > 0 } versions)
        {
            // GSMA RCC.07 §2.4.4: +g.gsma.rcs.botversion="#=1,#=2".
            parameters.Add(new SipFeatureParameter(RcsService.BotVersionTag, SipFeatureEncoding.QuoteNumbers(versions)));
        }
        return parameters.Count == 0 ? None : new RcsCapabilities(new SipFeatureSet(parameters));
    }

    /// <summary>The tags for an IMS registration Contact (<see cref="ImsRegistrationOptions.FeatureTags"/>).</summary>
    public ImsFeatureTags ToImsFeatureTags()
    {
        var other = new List<KeyValuePair<string, string?>>();
        foreach (var p in Features)
        {
            if (!string.Equals(p.Name, RcsService.IcsiTag, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(p.Name, RcsService.IariTag, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(p.Name, RcsService.BotVersionTag, StringComparison.OrdinalIgnoreCase))
            {
                other.Add(new(p.Name, p.Value));
            }
        }
        return new ImsFeatureTags
        {
            Icsi = Icsi,
            Iari = Iari,
            BotVersions = [.. BotVersions.Select(v => "#=" + v.ToString(CultureInfo.InvariantCulture))],
            Other = other,
        };
    }

    /// <summary>The feature parameters as header parameter text (<c>;+g.3gpp.icsi-ref="...";video</c>).</summary>
    public override string ToString() => Features.ToString();

    private static void AddDistinct(List<string> into, IReadOnlyList<string> values)
    {
        foreach (var v in values)
        {
            if (!into.Contains(v, StringComparer.OrdinalIgnoreCase))
            {
                into.Add(v);
            }
        }
    }

    private static int[] ReadBotVersions(SipFeatureSet features)
    {
        if (features.Find(RcsService.BotVersionTag) is not { } p)
        {
            return [];
        }
        var list = new List<int>();
        var reader = p.ReadValues();
        while (reader.TryRead(out var v))
        {
            if (v.Kind == SipFeatureValueKind.Numeric && !v.IsNegated && v.Low == v.High && v.Low is >= 0 and <= int.MaxValue)
            {
                list.Add((int)v.Low);
            }
        }
        return [.. list];
    }
}
