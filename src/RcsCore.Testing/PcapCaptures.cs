using System.Collections.Concurrent;
using RcsCore.Pcap;

namespace RcsCore.Testing;

/// <summary>Finds capture files for the attributes and caches their decoded messages (test captures are small).</summary>
internal static class PcapCaptures
{
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<PcapMessage>>> s_messages = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<PcapDialog>>> s_dialogs = new(StringComparer.Ordinal);

    /// <summary>
    /// Resolves a file or directory: absolute, relative to the working directory, or relative to any directory above
    /// the test assembly (so "pcaps" finds the repository's folder from bin/Release/net10.0).
    /// </summary>
    public static IReadOnlyList<string> Resolve(string path)
    {
        string? found = null;
        if (Path.IsPathRooted(path))
        {
            found = path;
        }
        else if (File.Exists(path) || Directory.Exists(path))
        {
            found = Path.GetFullPath(path);
        }
        else
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, path);
                if (File.Exists(candidate) || Directory.Exists(candidate))
                {
                    found = candidate;
                    break;
                }
            }
        }
        if (found is null || !(File.Exists(found) || Directory.Exists(found)))
        {
            throw new FileNotFoundException($"Capture '{path}' not found (as given, under {Environment.CurrentDirectory}, or above {AppContext.BaseDirectory}).", path);
        }
        if (File.Exists(found))
        {
            return [Path.GetFullPath(found)];
        }
        var files = Directory.GetFiles(found)
            .Where(f => f.EndsWith(".pcap", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pcapng", StringComparison.OrdinalIgnoreCase))
            .Select(Path.GetFullPath)
            .ToList();
        files.Sort(StringComparer.Ordinal);
        if (files.Count == 0)
        {
            throw new FileNotFoundException($"No .pcap or .pcapng file in '{found}'.", found);
        }
        return files;
    }

    public static IReadOnlyList<PcapMessage> Messages(string file) =>
        s_messages.GetOrAdd(file, f => new Lazy<IReadOnlyList<PcapMessage>>(() => PcapReplay.ReadMessages(f).ToList())).Value;

    public static IReadOnlyList<PcapDialog> Dialogs(string file) =>
        s_dialogs.GetOrAdd(file, f => new Lazy<IReadOnlyList<PcapDialog>>(() => PcapReplay.ReadDialogs(f))).Value;
}
