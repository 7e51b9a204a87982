using RcsCore.Hosting;

namespace RcsCore.Cli.Tests.Commands;

/// <summary>Builds <c>rcs serve</c> options the way the command line does.</summary>
internal static class ServeCommandAccess
{
    public static SipServerOptions BuildOptions(string[] listen, string capture) =>
        RcsCore.Cli.Commands.ServeCommand.BuildOptions(listen, null, null, null, capture: capture);
}
