using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RcsCore.Tests.Common;

namespace RcsCore.Interop.Tests;

/// <summary>
/// Kamailio (Debian package kamailio, installed by tests/run.sh) as an MSRP relay: kamailio/msrp-relay.cfg generated
/// into a temp directory with a free TCP port and the password, run in the foreground as a child process and
/// stopped by its pid.
/// </summary>
internal sealed class MsrpKamailioRelay : IAsyncDisposable
{
    private MsrpKamailioRelay(ChildProcess process, int port, string directory)
    {
        Process = process;
        Port = port;
        Directory = directory;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>The URI clients AUTH to (RFC 4976 §5.1).</summary>
    public string Uri => string.Create(CultureInfo.InvariantCulture, $"msrp://127.0.0.1:{Port};tcp");

    public static async Task<MsrpKamailioRelay> StartAsync(string password)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("rcs-kamailio-msrp-").FullName;
        int port = Sipp.FreePort(tcp: true);
        var process = await Kamailio.LaunchAsync(dir, "msrp-relay.cfg", "msrp.so",
            [("__PORT__", port.ToString(CultureInfo.InvariantCulture)), ("__PASSWORD__", password)], p => WaitUntilAnsweringAsync(port, p));
        return new MsrpKamailioRelay(process, port, dir);
    }

    /// <summary>Sends an AUTH without credentials until Kamailio answers 401 (its TCP workers are up).</summary>
    private static async Task WaitUntilAnsweringAsync(int port, ChildProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        int n = 0;
        string last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("kamailio exited:\n" + process.Output);
            }
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
                string tid = "probe" + n++;
                await s.SendAsync(Encoding.ASCII.GetBytes($"MSRP {tid} AUTH\r\nTo-Path: msrp://127.0.0.1:{port};tcp\r\nFrom-Path: msrp://127.0.0.1:9/probe1234;tcp\r\n-------{tid}$\r\n"), SocketFlags.None, cts.Token);
                var buffer = new byte[4096];
                int got = await s.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                last = Encoding.ASCII.GetString(buffer, 0, got);
                if (last.StartsWith($"MSRP {tid} 401", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException("kamailio did not answer AUTH in time (last: " + last + "):\n" + process.Output);
    }

    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync(TimeSpan.FromSeconds(5));
        await Process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
