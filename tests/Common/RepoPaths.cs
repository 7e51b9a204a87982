namespace RcsCore.Tests.Common;

/// <summary>Locates the repository root and the shared corpus (which lives beside the repo at ../shared).</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The directory that holds RcsCore.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary>../shared/corpus relative to the repo root; throws a clear error when it is missing.</summary>
    public static string Corpus => Shared("corpus");

    /// <summary>../shared/bench/messages.</summary>
    public static string BenchMessages => Shared(Path.Combine("bench", "messages"));

    public static string Shared(string sub)
    {
        var env = Environment.GetEnvironmentVariable("RCS_SHARED_DIR");
        var baseDir = string.IsNullOrEmpty(env) ? Path.GetFullPath(Path.Combine(Root, "..", "shared")) : env;
        var dir = Path.Combine(baseDir, sub);
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException(
                $"Shared test data '{sub}' not found at '{dir}'. The corpus must sit beside the repository as ../shared " +
                "(clone RcsCore next to the shared/ folder), or set RCS_SHARED_DIR.");
        }
        return dir;
    }

    public static string CorpusFile(params string[] parts) => Path.Combine([Corpus, .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RcsCore.sln")))
            {
                return dir.FullName;
            }
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException($"RcsCore.sln not found above '{AppContext.BaseDirectory}'.");
    }
}
