using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RcsCore.Tests.Common;

namespace RcsCore.Interop.Tests;

/// <summary>
/// Kamailio (Debian package kamailio, installed by tests/run.sh) as a registrar: kamailio/registrar.cfg generated
/// into a temp directory with a free port and a db_text subscriber table, run in the foreground as a child
/// process and stopped by its pid.
/// </summary>
internal sealed class Kamailio : IAsyncDisposable
{
    private static readonly string[] s_moduleDirs =
    [
        "/usr/lib/x86_64-linux-gnu/kamailio/modules",
        "/usr/lib/aarch64-linux-gnu/kamailio/modules",
        "/usr/lib/kamailio/modules",
        "/usr/lib64/kamailio/modules",
        "/usr/local/lib64/kamailio/modules",
        "/usr/local/lib/kamailio/modules",
    ];

    private Kamailio(ChildProcess process, int port, string directory)
    {
        Process = process;
        Port = port;
        Directory = directory;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    /// <summary>The generated configuration and db_text tables.</summary>
    public string Directory { get; }

    public static string RequireKamailio()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin") .Split(':').Append("/usr/sbin"))
        {
            var path = Path.Combine(dir, "kamailio");
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException("kamailio is not installed: run the tests with `bash tests/run.sh`, which installs the Debian package kamailio.");
    }

    /// <summary>Generates the registrar configuration with <paramref name="subscribers"/> (user, domain, password), checks it and starts Kamailio.</summary>
    public static async Task<Kamailio> StartRegistrarAsync(IEnumerable<(string User, string Domain, string Password)> subscribers)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("rcs-kamailio-").FullName;
        var db = System.IO.Directory.CreateDirectory(Path.Combine(dir, "db")).FullName;
        // db_text tables: a header line of typed columns, then rows with ':' separators; "version" holds table versions.
        var rows = new StringBuilder("id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null)\n");
        int id = 1;
        foreach (var (user, domain, password) in subscribers)
        {
            rows.Append(CultureInfo.InvariantCulture, $"{id++}:{user}:{domain}:{password}::\n");
        }
        await File.WriteAllTextAsync(Path.Combine(db, "subscriber"), rows.ToString());
        await File.WriteAllTextAsync(Path.Combine(db, "version"), "table_name(string) table_version(int)\nsubscriber:7\nlocation:9\n");

        // Kamailio binds UDP and TCP on the same port: find one free for both.
        int port = FreePortForBoth();
        var process = await LaunchAsync(dir, "registrar.cfg", "registrar.so",
            [("__PORT__", port.ToString(CultureInfo.InvariantCulture)), ("__DBDIR__", db)], p => WaitUntilAnsweringAsync(port, p));
        return new Kamailio(process, port, dir);
    }

    /// <summary>
    /// Generates <paramref name="configName"/> (from kamailio/ next to the tests) into <paramref name="dir"/> with the
    /// module directory holding <paramref name="requiredModule"/> and the given replacements, checks it with
    /// <c>kamailio -c</c>, starts Kamailio in the foreground and waits until <paramref name="waitReady"/> returns;
    /// a Kamailio that never becomes ready is stopped by its pid before the error propagates.
    /// </summary>
    public static async Task<ChildProcess> LaunchAsync(string dir, string configName, string requiredModule, IEnumerable<(string Token, string Value)> replacements,
        Func<ChildProcess, Task> waitReady)
    {
        var kamailio = RequireKamailio();
        var modules = s_moduleDirs.FirstOrDefault(d => File.Exists(Path.Combine(d, requiredModule)))
            ?? throw new InvalidOperationException($"Kamailio module {requiredModule} not found in {string.Join(", ", s_moduleDirs)} (Debian package kamailio)");
        var config = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "kamailio", configName));
        foreach (var (token, value) in replacements.Append(("__MPATH__", modules + "/")))
        {
            config = config.Replace(token, value, StringComparison.Ordinal);
        }
        var cfg = Path.Combine(dir, configName);
        await File.WriteAllTextAsync(cfg, config);

        await using (var check = ChildProcess.Start(kamailio, ["-c", "-f", cfg], dir))
        {
            if (!await check.WaitForExitAsync(TimeSpan.FromSeconds(20)) || check.ExitCode != 0)
            {
                throw new InvalidOperationException("kamailio -c rejected the configuration:\n" + check.Output);
            }
        }
        var process = ChildProcess.Start(kamailio, ["-f", cfg, "-DD", "-E", "-m", "256", "-M", "16"], dir);
        try
        {
            await waitReady(process);
        }
        catch
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
            await process.DisposeAsync();
            throw;
        }
        return process;
    }

    /// <summary>Sends OPTIONS over UDP until Kamailio answers (its workers are up).</summary>
    private static async Task WaitUntilAnsweringAsync(int port, ChildProcess process)
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int local = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        int n = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("kamailio exited:\n" + process.Output);
            }
            var probe = Encoding.ASCII.GetBytes(
                $"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKprobe{n}\r\nMax-Forwards: 70\r\n" +
                $"From: <sip:probe@127.0.0.1>;tag=p{n}\r\nTo: <sip:127.0.0.1:{port}>\r\nCall-ID: probe{n++}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
            await udp.SendAsync(probe, new IPEndPoint(IPAddress.Loopback, port));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                var reply = await udp.ReceiveAsync(cts.Token);
                if (Encoding.ASCII.GetString(reply.Buffer).StartsWith("SIP/2.0 ", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        throw new InvalidOperationException("kamailio did not answer in time:\n" + process.Output);
    }

    private static int FreePortForBoth()
    {
        for (int i = 0; i < 50; i++)
        {
            int port = Sipp.FreePort(tcp: true);
            try
            {
                using var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                u.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no free port for UDP and TCP");
    }

    /// <summary>Stops Kamailio by its pid (SIGTERM, then kill), and removes the generated files.</summary>
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
