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

        // The RCS messaging transcript shows every step.
        foreach (var step in (string[])
        [
            "registered sip:alice@rcs.demo", "registered sip:bob@rcs.demo", "registered sip:carol@rcs.demo",
            "bob: Rcs (200), services: chat, standalone",
            "chat invitation from Alice <sip:alice@rcs.demo>", "accepted the chat", "chat session up",
            "Alice is composing", "received \"Hi Bob! Lunch at noon?", "receipt: delivered to sip:bob@rcs.demo", "receipt: displayed",
            "received \"Sure, see you there!\" from sip:bob@rcs.demo",
            "sent in pager mode: 200", "(Pager) from sip:carol@rcs.demo",
            "sent 65536 bytes in large-message mode", "received 65536 bytes of image/jpeg (LargeMessage)", "matches",
            "closed the chat (BYE) and deregistered", "stored (202)",
            "48 KB photo in large-message mode: the message centre took it (200)", "3 messages pending for bob",
            "received stored \"Bob, are you still coming?\"", "received stored \"Call me when you see this.\"",
            "received stored 48 KB image/jpeg in large-message mode", "received 3 stored messages",
            "Msrp file offer alice-holiday.jpg (256 KB) with a 6 KB thumbnail", "sent alice-holiday.jpg over Msrp: Completed",
            "Http file offer bob-holiday.jpg (256 KB) with a 6 KB thumbnail", "sent bob-holiday.jpg over Http: Completed",
            "received bob-holiday.jpg, SHA-256", "receipt for the HTTP file: displayed",
            "RCS messaging: 11/11 steps ok",
        ])
        {
            Assert.Contains(step, text, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("FAILED", text, StringComparison.Ordinal);
    }
}
