using RcsCore.Sip.Messages;

namespace RcsCore.Sip.Transport;

/// <summary>
/// Asks several resolvers in turn and returns the first non-empty answer: typically a
/// <see cref="StaticSipTargetResolver"/> table of local overrides, then a <see cref="DnsSipTargetResolver"/>.
/// </summary>
public sealed class CompositeSipTargetResolver : ISipTargetResolver
{
    private readonly ISipTargetResolver[] _resolvers;

    /// <summary>Creates a resolver that asks <paramref name="resolvers"/> in the order given.</summary>
    public CompositeSipTargetResolver(params ISipTargetResolver[] resolvers)
    {
        ArgumentNullException.ThrowIfNull(resolvers);
        foreach (var r in resolvers)
        {
            ArgumentNullException.ThrowIfNull(r, nameof(resolvers));
        }
        _resolvers = [.. resolvers];
    }

    /// <summary>The resolvers, in the order they are asked.</summary>
    public IReadOnlyList<ISipTargetResolver> Resolvers => _resolvers;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SipEndPoint>> ResolveAsync(SipUri uri, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        foreach (var resolver in _resolvers)
        {
            var endPoints = await resolver.ResolveAsync(uri, ct).ConfigureAwait(false);
            if (endPoints.Count > 0)
            {
                return endPoints;
            }
        }
        return [];
    }
}
