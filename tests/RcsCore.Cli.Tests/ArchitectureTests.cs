using System.Reflection;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Cli.Tests;

/// <summary>STYLE.md §1: references point down only, and libraries never write to the console.</summary>
public class ArchitectureTests
{
    // Which RcsCore assemblies each layer may reference (STYLE.md §1).
    private static readonly Dictionary<string, string[]> s_allowed = new()
    {
        ["RcsCore.Parsing"] = [],
        ["RcsCore.Transport"] = [],
        ["RcsCore.Sip"] = ["RcsCore.Parsing", "RcsCore.Transport"],
        ["RcsCore.Msrp"] = ["RcsCore.Parsing", "RcsCore.Transport"],
        ["RcsCore.Ims"] = ["RcsCore.Sip", "RcsCore.Parsing", "RcsCore.Transport"],
        ["RcsCore.Rcs"] = ["RcsCore.Ims", "RcsCore.Msrp", "RcsCore.Sip", "RcsCore.Parsing", "RcsCore.Transport"],
        ["RcsCore.Pcap"] = ["RcsCore.Sip", "RcsCore.Parsing", "RcsCore.Transport"],
        ["RcsCore.Hosting"] = ["RcsCore.Rcs", "RcsCore.Pcap", "RcsCore.Ims", "RcsCore.Msrp", "RcsCore.Sip", "RcsCore.Parsing", "RcsCore.Transport"],
    };

    [Fact]
    public void LayersReferenceOnlyLowerLayers()
    {
        var dir = AppContext.BaseDirectory;
        int checkedCount = 0;
        foreach (var (name, allowed) in s_allowed)
        {
            var path = Path.Combine(dir, name + ".dll");
            if (!File.Exists(path))
            {
                continue; // layer not built yet
            }
            var refs = Assembly.LoadFrom(path).GetReferencedAssemblies();
            foreach (var r in refs.Where(r => r.Name!.StartsWith("RcsCore.", StringComparison.Ordinal)))
            {
                Assert.True(allowed.Contains(r.Name), $"{name} must not reference {r.Name}");
            }
            checkedCount++;
        }
        Assert.True(checkedCount >= 2, "expected at least RcsCore.Parsing and RcsCore.Sip next to the tests");
    }

    [Fact]
    public void EverySrcProjectIsAKnownLayerOrTheHost()
    {
        foreach (var project in Directory.GetDirectories(Path.Combine(RepoPaths.Root, "src")).Select(Path.GetFileName))
        {
            Assert.True(s_allowed.ContainsKey(project!) || project is "RcsCore.Cli" or "RcsCore.Testing" or "RcsCore.Generators", $"{project} is not a layer in STYLE.md §1");
        }
    }

    [Fact]
    public void LibrariesNeverWriteToTheConsole()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}RcsCore.Cli{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }
            var text = File.ReadAllText(file);
            Assert.False(text.Contains("Console.", StringComparison.Ordinal), $"{file} writes to the console; use ILogger");
        }
    }
}
