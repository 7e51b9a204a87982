using System.Collections.Concurrent;
using System.Diagnostics;

namespace RcsCore.Tests.Common;

/// <summary>
/// A peer or host started as a child process for an interop test: output captured, bounded in time, stopped by pid
/// on dispose (the whole process tree), never left running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The pid.</summary>
    public int Id => _process.Id;

    /// <summary>Lines written to stdout so far.</summary>
    public IReadOnlyCollection<string> StdoutLines => _stdout.ToArray();

    /// <summary>Lines written to stderr so far.</summary>
    public IReadOnlyCollection<string> StderrLines => _stderr.ToArray();

    /// <summary>Everything captured, for assertion messages.</summary>
    public string Output => string.Join('\n', _stdout) + "\n--- stderr ---\n" + string.Join('\n', _stderr);

    /// <summary>True once the process ended.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts a program with arguments.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child._stderr.Enqueue(e.Data);
            }
        };
        process.Exited += (_, _) => child._exited.TrySetResult();
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for exit; false on timeout (the process is then killed).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_exited.Task, Task.Delay(timeout)).ConfigureAwait(false);
        if (done != _exited.Task)
        {
            Kill();
            return false;
        }
        // Let the asynchronous output readers drain.
        _process.WaitForExit();
        return true;
    }

    /// <summary>Waits until a stdout or stderr line contains <paramref name="text"/>; false on timeout or exit.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (_stdout.Any(l => l.Contains(text, StringComparison.Ordinal)) || _stderr.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }
            if (HasExited)
            {
                return false;
            }
            await Task.Delay(25).ConfigureAwait(false);
        }
        return false;
    }

    /// <summary>Sends SIGTERM-like termination (graceful), then kills after a grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
        {
            return;
        }
        try
        {
            using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        if (!await WaitForExitAsync(grace).ConfigureAwait(false))
        {
            Kill();
        }
    }

    /// <summary>Kills the process tree by pid.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
