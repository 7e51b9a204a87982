using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs demo</c>, the README's main command, runs end to end on loopback and succeeds.</summary>
public class DemoCommandTests
{
    [Fact]
    public async Task DemoRunsEveryStepSuccessfully()
    {
        var stdout = new StringWriter();
        int exit = await Program.BuildRoot(stdout, new StringWriter()).Parse(["demo"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        var text = stdout.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("49/49 handled as the RFC says", text, StringComparison.Ordinal);
        Assert.Contains("bob got \"Hi Bob, RcsCore here\" from Alice", text, StringComparison.Ordinal);
        Assert.Contains("dialog Terminated", text, StringComparison.Ordinal);
    }
}
