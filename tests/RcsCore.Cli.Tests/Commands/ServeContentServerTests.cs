using System.Net;
using RcsCore.Cli.Commands;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs serve --content-server</c>: default 127.0.0.1:8080, an address:port, or off.</summary>
public sealed class ServeContentServerTests
{
    [Fact]
    public void DefaultsToLoopback8080WithTheFirstDomainAsRealm()
    {
        var setting = ServeCommand.ParseContentServer(null, ["example.test", "other.test"]);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), setting.EndPoint);
        Assert.False(setting.Explicit);
        Assert.Equal("example.test", setting.Realm);
        Assert.Equal("localhost", ServeCommand.ParseContentServer(null, null).Realm);
    }

    [Fact]
    public void ParsesAnAddressOrOff()
    {
        var setting = ServeCommand.ParseContentServer("[::1]:9090", null);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9090), setting.EndPoint);
        Assert.True(setting.Explicit);
        Assert.Null(ServeCommand.ParseContentServer("off", null).EndPoint);
        Assert.Throws<FormatException>(() => ServeCommand.ParseContentServer("8080", null));
        Assert.Throws<FormatException>(() => ServeCommand.ParseContentServer("nowhere:80", null));
    }
}
