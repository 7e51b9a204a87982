using System.Net;
using RcsCore.Cli.Commands;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs serve</c> option handling that does not need a running server.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public void WithADataDirectoryTheMsrpRelayRunsByDefaultOnTheFirstListenersAddressAndPort2855()
    {
        var options = ServeCommand.BuildOptions(["tcp:127.0.0.1:5099", "udp:[::1]:5099"], null, ["example.test"], "/tmp/unused-data");
        Assert.NotNull(options.MsrpRelay);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 2855), options.MsrpRelay!.ListenEndPoint);
        // The Digest realm of the relay is the first domain (RFC 4976 §5.1).
        Assert.Equal("example.test", options.MsrpRelay.Realm);
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("/tmp/unused-data", "off", null)]
    [InlineData("/tmp/unused-data", "none", null)]
    [InlineData("/tmp/unused-data", "[::1]:3000", "[::1]:3000")]
    [InlineData(null, "127.0.0.1:0", "127.0.0.1:0")]
    public void TheRelayOptionPicksTheEndPointOrTurnsItOff(string? data, string? option, string? expected)
    {
        var options = ServeCommand.BuildOptions(["udp:127.0.0.1:5099"], null, null, data, msrpRelay: option);
        Assert.Equal(expected, options.MsrpRelay?.ListenEndPoint.ToString());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("msrp://127.0.0.1:2855;tcp")]
    [InlineData("127.0.0.1:99999")]
    public void AnUnusableRelayEndPointIsAClearError(string option)
    {
        var e = Assert.Throws<FormatException>(() => ServeCommand.BuildOptions(["udp:127.0.0.1:5099"], null, null, null, msrpRelay: option));
        Assert.Contains("--msrp-relay", e.Message, StringComparison.Ordinal);
    }
}
