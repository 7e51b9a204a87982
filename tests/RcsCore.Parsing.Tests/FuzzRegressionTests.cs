using RcsCore.Fuzz;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Parsing.Tests;

/// <summary>Replays every fuzz seed and every regression input (crashes and hangs AFL++ found) through its target in-process.</summary>
public class FuzzRegressionTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        var root = Path.Combine(RepoPaths.Root, "tests", "RcsCore.Fuzz");
        foreach (var kind in new[] { "seeds", "regressions" })
        {
            foreach (var target in FuzzTargets.Names)
            {
                var dir = Path.Combine(root, kind, target);
                if (!Directory.Exists(dir))
                {
                    continue;
                }
                foreach (var file in Directory.GetFiles(dir).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order())
                {
                    data.Add(target, Path.GetRelativePath(root, file));
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task InputDoesNotCrashItsTarget(string target, string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "RcsCore.Fuzz", file));
        var done = Task.Run(() => FuzzTargets.Run(target, bytes));
        // A hang is a failure too; every input is small, so 10 s is generous.
        Assert.Same(done, await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(10))));
        await done;
    }

    [Fact]
    public void EveryTargetHasSeeds()
    {
        foreach (var target in FuzzTargets.Names)
        {
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(RepoPaths.Root, "tests", "RcsCore.Fuzz", "seeds", target)));
        }
    }
}
