using System.Net;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

/// <summary>
/// Turns a SIP or SIPS URI into the ordered list of transport endpoints to try (RFC 3263 §4). Implementations may
/// use DNS NAPTR/SRV/A; the transport layer never resolves names itself.
/// </summary>
public interface ISipTargetResolver
{
    /// <summary>The endpoints to try in order; empty when the target cannot be resolved.</summary>
    ValueTask<IReadOnlyList<SipEndPoint>> ResolveAsync(SipUri uri, CancellationToken ct = default);
}

/// <summary>
/// RFC 3263 §4 without DNS: numeric hosts resolve to themselves; names are looked up in a fixed table. The target
/// is <c>maddr</c> when present, else the host. Transport: the <c>transport</c> parameter (TLS for sips over tcp),
/// else UDP for sip and TLS for sips. Port: the URI's, else 5060 (5061 for TLS).
/// </summary>
public sealed class StaticSipTargetResolver : ISipTargetResolver
{
    private readonly Dictionary<string, IReadOnlyList<SipEndPoint>> _names;

    /// <summary>Creates a resolver; <paramref name="names"/> maps host names (case-insensitive) to endpoints in preference order.</summary>
    public StaticSipTargetResolver(IEnumerable<KeyValuePair<string, IReadOnlyList<SipEndPoint>>>? names = null)
    {
        _names = new Dictionary<string, IReadOnlyList<SipEndPoint>>(StringComparer.OrdinalIgnoreCase);
        if (names is not null)
        {
            foreach (var n in names)
            {
                _names[n.Key] = n.Value;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SipEndPoint>> ResolveAsync(SipUri uri, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ct.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Resolve(uri));
    }

    /// <summary>The synchronous form of <see cref="ResolveAsync"/>.</summary>
    public IReadOnlyList<SipEndPoint> Resolve(SipUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!SipTargetSelection.TryRead(uri, out bool secure, out var transport, out string target))
        {
            return [];
        }
        if (SipResponseRouting.ParseNumericHost(target) is { } ip)
        {
            // RFC 3263 §4.1: numeric host without transport → UDP for sip, TCP (TLS) for sips. §4.2: default port.
            var protocol = transport ?? SipTargetSelection.DefaultTransport(secure);
            int port = uri.Port > 0 ? uri.Port : SipResponseRouting.DefaultPort(protocol);
            return [new SipEndPoint(protocol, new IPEndPoint(ip, port))];
        }
        if (!_names.TryGetValue(target.Trim('[', ']'), out var entries))
        {
            return [];
        }
        var list = new List<SipEndPoint>(entries.Count);
        foreach (var e in entries)
        {
            if (secure && e.Protocol != SipTransportProtocol.Tls)
            {
                continue;
            }
            if (transport is { } t && e.Protocol != t)
            {
                continue;
            }
            // RFC 3263 §4.2: an explicit port means A/AAAA only, at that port.
            list.Add(uri.Port > 0 ? e with { Address = new IPEndPoint(e.Address.Address, uri.Port) } : e);
        }
        return list;
    }
}

/// <summary>The parts of RFC 3263 §4 shared by every resolver: scheme, transport parameter and target.</summary>
internal static class SipTargetSelection
{
    /// <summary>
    /// Reads whether <paramref name="uri"/> is SIPS, its explicit transport (null when absent) and the TARGET
    /// (<c>maddr</c> when present, else the host). False when the URI cannot be resolved to a SIP transport.
    /// </summary>
    public static bool TryRead(SipUri uri, out bool secure, out SipTransportProtocol? transport, out string target)
    {
        secure = uri.Scheme == SipUriScheme.Sips;
        transport = null;
        target = string.Empty;
        if (uri.Scheme is not (SipUriScheme.Sip or SipUriScheme.Sips))
        {
            return false;
        }
        switch (uri.Transport)
        {
            case null:
                break;
            case "udp" when !secure:
                transport = SipTransportProtocol.Udp;
                break;
            case "tcp":
                transport = secure ? SipTransportProtocol.Tls : SipTransportProtocol.Tcp;
                break;
            case "tls":
                transport = SipTransportProtocol.Tls;
                break;
            default:
                // RFC 3263 §4.1: a transport we do not implement (sctp, ws...), or sips over UDP, cannot be used.
                return false;
        }
        // RFC 3263 §4 / RFC 3261 §18.1.1: maddr, when present, is the TARGET instead of the host.
        target = uri.GetParameter("maddr") is { Length: > 0 } maddr ? maddr : uri.Host;
        return target.Length > 0;
    }

    /// <summary>RFC 3263 §4.1: UDP for sip, TCP (TLS) for sips when neither the URI nor DNS names a transport.</summary>
    public static SipTransportProtocol DefaultTransport(bool secure) => secure ? SipTransportProtocol.Tls : SipTransportProtocol.Udp;
}
