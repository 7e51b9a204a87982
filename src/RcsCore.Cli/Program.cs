using System.CommandLine;
using RcsCore.Cli.Commands;

namespace RcsCore.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        var root = BuildRoot(Console.Out, Console.Error);
        return root.Parse(args).Invoke();
    }

    internal static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
    {
        var root = new RootCommand("rcs — the RcsCore host: SIP/MSRP/RCS message centre, clients, demo and tools.");
        root.Subcommands.Add(ParseCommand.Create(stdout));
        root.Subcommands.Add(DemoCommand.Create(stdout));
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(UserCommand.Create(stdout, stderr));
        root.Subcommands.Add(RegisterCommand.Create(stdout, stderr));
        root.Subcommands.Add(CapsCommand.Create(stdout, stderr));
        root.Subcommands.Add(ReplayCommand.Create(stdout, stderr));
        root.Subcommands.Add(ChatCommand.Create(stdout, stderr, stdin));
        root.Subcommands.Add(SendFileCommand.Create(stdout, stderr));
        return root;
    }
}
