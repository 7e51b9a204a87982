using System.CommandLine;

namespace RcsCore.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("demo", "Run the RcsCore demo.");
        cmd.SetAction(_ =>
        {
            stdout.WriteLine("demo");
            return 0;
        });
        return cmd;
    }
}
