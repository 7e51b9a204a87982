using System.Diagnostics;
using SharpFuzz;

namespace RcsCore.Fuzz;

/// <summary>
/// <c>rcs-fuzz &lt;target&gt;</c>: the SharpFuzz fork server for afl-fuzz (see fuzz.sh).
/// <c>rcs-fuzz &lt;target&gt; --replay PATH</c>: runs every file under PATH (or PATH itself) in-process and exits 1 if
/// any input throws or takes longer than a second, for triage and CI.
/// </summary>
public static class Program
{
    private static readonly TimeSpan s_slowInput = TimeSpan.FromSeconds(1);

    public static int Main(string[] args)
    {
        if (args.Length is not (1 or 3) || !FuzzTargets.IsKnown(args[0]) || (args.Length == 3 && args[1] != "--replay"))
        {
            Console.Error.WriteLine("usage: rcs-fuzz <target> [--replay DIR|FILE]");
            Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.Names)}");
            return 2;
        }
        string target = args[0];
        if (args.Length == 3)
        {
            return Replay(target, args[2]);
        }

        // AFL++ feeds each input on stdin through the fork server; an exception escaping the action is a crash.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            FuzzTargets.Run(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }

    private static int Replay(string target, string path)
    {
        string[] files;
        if (File.Exists(path))
        {
            files = [path];
        }
        else if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*", SearchOption.AllDirectories);
            Array.Sort(files, StringComparer.Ordinal);
        }
        else
        {
            Console.Error.WriteLine($"rcs-fuzz: '{path}' is neither a file nor a directory.");
            return 2;
        }

        int failures = 0;
        int ran = 0;
        foreach (var file in files)
        {
            if (Path.GetFileName(file).Equals("README.md", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var input = File.ReadAllBytes(file);
            var watch = Stopwatch.StartNew();
            try
            {
                FuzzTargets.Run(target, input);
            }
            catch (Exception ex)
            {
                failures++;
                Console.Error.WriteLine($"CRASH {file}: {ex}");
                continue;
            }
            finally
            {
                ran++;
            }
            if (watch.Elapsed > s_slowInput)
            {
                failures++;
                Console.Error.WriteLine($"SLOW  {file}: {watch.Elapsed.TotalMilliseconds:F0} ms");
            }
        }
        Console.WriteLine($"rcs-fuzz {target}: replayed {ran} inputs from {path}, {failures} failed");
        return failures == 0 ? 0 : 1;
    }
}
