using System.Collections.Concurrent;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Proxy;

namespace RcsCore.Hosting;

/// <summary>
/// A location service backed by a table of user → contacts (RFC 3261 §10.3 abstract location service). Requests for
/// unknown users get 404 (RFC 3261 §21.4.5). The registrar replaces or extends it with registered bindings.
/// </summary>
public sealed class StaticLocationRouter : ISipProxyRouter
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<SipProxyTarget>> _table = new(StringComparer.Ordinal);

    /// <summary>Adds or replaces the contacts of a user.</summary>
    public void Set(string user, IEnumerable<SipUri> contacts)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(contacts);
        _table[user] = contacts.Select(c => new SipProxyTarget(c)).ToArray();
    }

    /// <summary>Removes a user.</summary>
    public bool Remove(string user) => _table.TryRemove(user, out _);

    /// <summary>True when the user has at least one contact.</summary>
    public bool Contains(string? user) => user is not null && _table.TryGetValue(user, out var t) && t.Count > 0;

    /// <inheritdoc />
    public ValueTask<SipProxyDecision> RouteAsync(SipRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = request.RequestUri.User;
        return ValueTask.FromResult(user is not null && _table.TryGetValue(user, out var targets) && targets.Count > 0
            ? SipProxyDecision.Forward(targets)
            : SipProxyDecision.Reject(404, "Not Found"));
    }
}
