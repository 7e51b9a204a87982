using System.Collections.Concurrent;
using RcsCore.Sip.Transport;

namespace RcsCore.Ims.Registration;

/// <summary>
/// Shares the values many bindings repeat — feature-tag parameter strings (every device of a model sends the same
/// ones), Path route lists (every binding behind one P-CSCF), source endpoints of an edge proxy — so a million
/// bindings hold a handful of copies. Bounded: past <see cref="Capacity"/> distinct values new ones are not pooled.
/// </summary>
internal sealed class SipInternPool
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string[]> _paths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SipEndPoint, SipEndPoint> _endpoints = new();

    public SipInternPool(int capacity = 4096) => Capacity = capacity;

    public int Capacity { get; }

    public string Intern(string value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }
        if (_strings.TryGetValue(value, out var shared))
        {
            return shared;
        }
        return _strings.Count < Capacity ? _strings.GetOrAdd(value, value) : value;
    }

    public string[] InternPath(IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return [];
        }
        var key = string.Join(",", path);
        if (_paths.TryGetValue(key, out var shared))
        {
            return shared;
        }
        var copy = new string[path.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Intern(path[i]);
        }
        return _paths.Count < Capacity ? _paths.GetOrAdd(key, copy) : copy;
    }

    public SipEndPoint? Intern(SipEndPoint? endpoint)
    {
        if (endpoint is not { } ep)
        {
            return null;
        }
        if (_endpoints.TryGetValue(ep, out var shared))
        {
            return shared;
        }
        return _endpoints.Count < Capacity ? _endpoints.GetOrAdd(ep, ep) : ep;
    }
}
