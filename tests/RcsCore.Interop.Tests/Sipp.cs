using System.Net;
using System.Net.Sockets;
using RcsCore.Tests.Common;

namespace RcsCore.Interop.Tests;

/// <summary>Runs SIPp (Debian package sip-tester, installed by tests/run.sh) bounded in calls and time.</summary>
internal static class Sipp
{
    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "scenarios", name);

    public static string RequireSipp()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var path = Path.Combine(dir, "sipp");
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException("sipp is not installed: run the tests with `bash tests/run.sh`, which installs the Debian package sip-tester.");
    }

    /// <summary>A free port on 127.0.0.1 for the given transport.</summary>
    public static int FreePort(bool tcp)
    {
        using var s = tcp ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>Runs a UAC scenario against <paramref name="target"/> and returns (exit code, output). Exit 0 means every call succeeded.</summary>
    public static async Task<(int Exit, string Output)> RunUacAsync(string scenario, string target, string transport, int calls, int rate = 50, double lossPercent = 0, string service = "rcs", TimeSpan? timeout = null)
    {
        var args = new List<string>
        {
            target, "-sf", Scenario(scenario), "-s", service, "-i", "127.0.0.1", "-p", FreePort(transport != "u1").ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", calls.ToString(System.Globalization.CultureInfo.InvariantCulture), "-r", rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-t", transport, "-nostdin", "-timeout", "30s", "-timeout_error", "-recv_timeout", "10000", "-max_recv_loops", "1000",
        };
        if (lossPercent > 0)
        {
            args.AddRange(["-lost", lossPercent.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        await using var sipp = ChildProcess.Start(RequireSipp(), args, Path.GetTempPath());
        bool exited = await sipp.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(45));
        return (exited ? sipp.ExitCode : -1, sipp.Output);
    }
}
