using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>SIPp registers with digest authentication against the RcsCore registrar in `rcs serve --data` (users from `rcs user add`).</summary>
public class SippRegisterTests
{
    private static string Int(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task SippRegistersWithDigestAgainstRcsServe(string transport)
    {
        const int users = 5;
        var data = Directory.CreateTempSubdirectory("rcs-reg-").FullName;
        try
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "rcs.dll");
            int port = Sipp.FreePort(tcp: true);
            var csv = Path.Combine(data, "users.csv");
            var lines = new List<string> { "SEQUENTIAL" };
            for (int i = 0; i < users; i++)
            {
                // rcs user add: the AoR lives in the server's domain (its address); the IMPI defaults to user@domain.
                await using var add = ChildProcess.Start("dotnet", [dll, "user", "add", $"sip:user{i}@127.0.0.1", "--password", $"secret{i}", "--data", data], data);
                Assert.True(await add.WaitForExitAsync(TimeSpan.FromSeconds(60)) && add.ExitCode == 0, add.Output);
                lines.Add($"user{i};[authentication username=user{i}@127.0.0.1 password=secret{i}]");
            }
            await File.WriteAllLinesAsync(csv, lines);

            // SIPp 3.6 computes MD5 (and AKA) only, so the registrar offers MD5 (RFC 8760 §2.4 lets the server choose).
            await using var serve = await RcsServe.StartAsync(port, "--data", data, "--digest-algorithms", "MD5");
            var args = new List<string>
            {
                serve.Target, "-sf", Sipp.Scenario("uac-register-auth.xml"), "-inf", csv, "-i", "127.0.0.1", "-p", Int(Sipp.FreePort(transport == "t1")),
                "-t", transport, "-m", Int(users * 4), "-r", "20", "-nostdin", "-timeout", "40s", "-timeout_error", "-recv_timeout", "10000",
            };
            await using var sipp = ChildProcess.Start(Sipp.RequireSipp(), args, data);
            Assert.True(await sipp.WaitForExitAsync(TimeSpan.FromSeconds(60)), "SIPp did not finish\n" + sipp.Output);
            Assert.True(sipp.ExitCode == 0, $"SIPp exit {sipp.ExitCode}\n{sipp.Output}\n--- rcs serve ---\n{serve.Process.Output}");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
