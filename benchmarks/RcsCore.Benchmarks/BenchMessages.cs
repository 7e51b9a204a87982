namespace RcsCore.Benchmarks;

/// <summary>
/// Loads the shared benchmark messages (../shared/bench/messages beside the repository) as exact wire bytes, so
/// figures stay comparable over time and with other stacks.
/// </summary>
internal static class BenchMessages
{
    public const string Invite = "invite-rcs-chat.sip";
    public const string Register200 = "register-200ok.sip";
    public const string CpimMessage = "message-cpim.sip";

    public static byte[] Load(string fileName)
    {
        var path = Path.Combine(Directory(), fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Benchmark message '{fileName}' not found at '{path}'.", path);
        }
        return File.ReadAllBytes(path);
    }

    private static string Directory()
    {
        var root = FindRepoRoot();
        var dir = Path.GetFullPath(Path.Combine(root, "..", "shared", "bench", "messages"));
        if (!System.IO.Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException(
                $"Benchmark messages not found at '{dir}'. The shared/ folder must sit beside the repository " +
                "(clone RcsCore next to shared/).");
        }
        return dir;
    }

    private static string FindRepoRoot()
    {
        // Benchmarks run from bin/ folders (BenchmarkDotNet builds a child project below ours), so walk up.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RcsCore.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException(
            $"RcsCore.sln not found in any directory above '{AppContext.BaseDirectory}'; run the benchmarks from the repository.");
    }
}
