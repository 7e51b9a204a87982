using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>
/// SIPp as RCS terminals against `rcs serve`: a REGISTER with RCS feature tags, then OPTIONS capability queries the
/// message centre answers from the registered tags (every tag checked by SIPp), and a 404 for an unknown user.
/// </summary>
public class SippCapabilityTests
{
    [Theory]
    [InlineData("u1")]
    [InlineData("t1")]
    public async Task OptionsAreAnsweredWithTheRegisteredFeatureTags(string transport)
    {
        await using var serve = await RcsServe.StartAsync();
        var (exit, output) = await Sipp.RunUacAsync("uac-caps-register.xml", serve.Target, transport, calls: 1, rate: 1, service: "bob");
        Assert.True(exit == 0, $"SIPp REGISTER exit {exit}\n{output}\n--- rcs serve ---\n{serve.Process.Output}");
        (exit, output) = await Sipp.RunUacAsync("uac-caps-options.xml", serve.Target, transport, calls: 50, rate: 50, service: "bob");
        Assert.True(exit == 0, $"SIPp OPTIONS exit {exit}\n{output}\n--- rcs serve ---\n{serve.Process.Output}");
    }

    [Fact]
    public async Task UnregisteredUserIsNotAnsweredWithTags()
    {
        // The same query for a user nobody registered gets 404 without tags (GSMA RCC.07 §2.6.1.1): the scenario fails.
        await using var serve = await RcsServe.StartAsync();
        var (exit, _) = await Sipp.RunUacAsync("uac-caps-options.xml", serve.Target, "u1", calls: 1, rate: 1, service: "ghost");
        Assert.NotEqual(0, exit);
    }
}
