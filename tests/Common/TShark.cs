using System.Diagnostics;

namespace RcsCore.Tests.Common;

/// <summary>Runs Debian's tshark as an oracle (tests/run.sh installs it). Fails clearly when it is missing.</summary>
public static class TShark
{
    public static string Path
    {
        get
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            {
                var p = System.IO.Path.Combine(dir, "tshark");
                if (File.Exists(p))
                {
                    return p;
                }
            }
            throw new InvalidOperationException("tshark not found: tests/run.sh installs it (apt-get install -y tshark).");
        }
    }

    /// <summary>Runs tshark with arguments; returns stdout lines. Bounded to 60 s.</summary>
    public static IReadOnlyList<string> Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("tshark did not finish within 60 s: " + string.Join(' ', args));
        }
        var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"tshark exited {p.ExitCode}: {stderr.Result}");
        }
        return lines;
    }

    /// <summary>SIP packets as tshark decodes them: frame number → labels (methods of requests, status codes of responses).</summary>
    public static SortedDictionary<long, List<string>> SipPackets(string file)
    {
        var result = new SortedDictionary<long, List<string>>();
        foreach (var line in Run("-r", file, "-Y", "sip", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,",
                     "-e", "frame.number", "-e", "sip.Method", "-e", "sip.Status-Code"))
        {
            var f = line.TrimEnd('\r').Split('\t');
            long frame = long.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture);
            var labels = new List<string>();
            // Requests and responses may be mixed in one TCP segment: compare as a multiset per frame.
            if (f.Length > 1 && f[1].Length > 0)
            {
                labels.AddRange(f[1].Split(','));
            }
            if (f.Length > 2 && f[2].Length > 0)
            {
                labels.AddRange(f[2].Split(','));
            }
            labels.Sort(StringComparer.Ordinal);
            result[frame] = labels;
        }
        return result;
    }

    /// <summary>Frame numbers tshark marks malformed or with an expert error.</summary>
    public static IReadOnlyList<string> Malformed(string file) => Run("-r", file, "-Y", "_ws.malformed || _ws.expert.severity==error", "-T", "fields", "-e", "frame.number");
}
