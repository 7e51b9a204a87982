using RcsCore.Tests.Common;

namespace RcsCore.Interop.Tests;

/// <summary>`rcs serve` started as a child process (the host program exactly as users run it), stopped by pid.</summary>
internal sealed class RcsServe : IAsyncDisposable
{
    private RcsServe(ChildProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    public static Task<RcsServe> StartAsync(params string[] extraArgs) => StartAsync(Sipp.FreePort(tcp: true), extraArgs);

    public static async Task<RcsServe> StartAsync(int port, params string[] extraArgs)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "rcs.dll");
        var args = new List<string> { dll, "serve", "--listen", $"udp:127.0.0.1:{port}", $"tcp:127.0.0.1:{port}", "--log-level", "Information" };
        args.AddRange(extraArgs);
        var process = ChildProcess.Start("dotnet", args, Path.GetTempPath());
        if (!await process.WaitForOutputAsync($"listening on tcp:127.0.0.1:{port}", TimeSpan.FromSeconds(30)))
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException("rcs serve did not start:\n" + output);
        }
        return new RcsServe(process, port);
    }

    public string Target => $"127.0.0.1:{Port}";

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
