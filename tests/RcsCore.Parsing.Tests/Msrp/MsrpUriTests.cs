using System.Text;
using RcsCore.Parsing.Msrp;
using Xunit;

namespace RcsCore.Parsing.Tests.Msrp;

/// <summary>MSRP URIs (RFC 4975 §6, §9) and their comparison (RFC 4975 §6.1).</summary>
public class MsrpUriTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("msrp://atlanta.example.com:7654/jshA7weztas;tcp", false, "", "atlanta.example.com", 7654, "jshA7weztas", "tcp", "")]
    [InlineData("msrps://alice@intra.example.com;tcp", true, "alice", "intra.example.com", -1, null, "tcp", "")]
    [InlineData("msrps://extra.example.com:9000/mywdEe1233;tcp", true, "", "extra.example.com", 9000, "mywdEe1233", "tcp", "")]
    [InlineData("MSRP://[2001:db8::1]:2855/s+=/x;TCP;foo=bar;baz", false, "", "[2001:db8::1]", 2855, "s+=/x", "TCP", ";foo=bar;baz")]
    [InlineData("msrp://192.0.2.7/abc-._~;ws", false, "", "192.0.2.7", -1, "abc-._~", "ws", "")]
    [InlineData("msrp://u:p%41@h:0/s;tcp", false, "u:p%41", "h", 0, "s", "tcp", "")]
    public void ParsesParts(string text, bool secure, string user, string host, int port, string? session, string transport, string parameters)
    {
        Assert.Equal(MsrpParseError.None, MsrpUriParser.TryParse(B(text), out var p, out _));
        Assert.Equal(secure, p.IsSecure);
        Assert.Equal(user, Encoding.ASCII.GetString(p.UserInfo));
        Assert.Equal(host, Encoding.ASCII.GetString(p.Host));
        Assert.Equal(port, p.Port);
        Assert.Equal(session is not null, p.HasSessionId);
        Assert.Equal(session ?? "", Encoding.ASCII.GetString(p.SessionId));
        Assert.Equal(transport, Encoding.ASCII.GetString(p.Transport));
        Assert.Equal(parameters, Encoding.ASCII.GetString(p.Parameters));
        Assert.Equal(host.StartsWith('['), p.IsIPv6);

        var uri = MsrpUri.Parse(text);
        Assert.Equal(secure, uri.IsSecure);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
        Assert.Equal(port >= 0 ? port : 2855, uri.EffectivePort);
        Assert.Equal(session, uri.SessionId);
        Assert.Equal(user.Length == 0 ? null : user, uri.UserInfo);
        Assert.Equal(transport, uri.Transport);
        Assert.Equal(text[text.IndexOf(':', StringComparison.Ordinal)..], uri.ToString()[uri.ToString().IndexOf(':', StringComparison.Ordinal)..]);
        Assert.True(uri.Matches(B(text)));
        Assert.Equal(uri, MsrpUri.Parse(uri.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("msrp://host/session")]              // no transport
    [InlineData("msrp://host/session;")]             // empty transport
    [InlineData("msrp://host/;tcp")]                 // empty session-id
    [InlineData("msrp:///s;tcp")]                    // empty host
    [InlineData("msrp://host:/s;tcp")]               // empty port
    [InlineData("msrp://host:65536/s;tcp")]
    [InlineData("msrp://host:12a/s;tcp")]
    [InlineData("sip://host/s;tcp")]
    [InlineData("msrp:/host/s;tcp")]
    [InlineData("msrp://ho st/s;tcp")]
    [InlineData("msrp://host/s?x;tcp")]
    [InlineData("msrp://host/s;t-cp")]
    [InlineData("msrp://host/s;tcp;")]
    [InlineData("msrp://host/s;tcp;a=")]
    [InlineData("msrp://host/s;tcp;a=b=c")]
    [InlineData("msrp://[2001:db8::1/s;tcp")]
    [InlineData("msrp://[zz]/s;tcp")]
    [InlineData("msrp://a<b@host/s;tcp")]
    public void RejectsMalformed(string text)
    {
        var err = MsrpUriParser.TryParse(B(text), out _, out int at);
        Assert.Equal(MsrpParseError.InvalidUri, err);
        Assert.InRange(at, 0, text.Length);
        Assert.False(MsrpUri.TryParse(text, out _));
        Assert.Throws<FormatException>(() => MsrpUri.Parse(text));
    }

    [Theory]
    // RFC 4975 §6.1: scheme and host case-insensitive, transport case-insensitive, userinfo ignored, IP addresses as addresses.
    [InlineData("msrp://Host.Example.COM:7/abc;tcp", "MSRP://host.example.com:7/abc;TCP", true)]
    [InlineData("msrp://alice@host:7/abc;tcp", "msrp://bob@host:7/abc;tcp", true)]
    [InlineData("msrp://[2001:db8::1]:7/abc;tcp", "msrp://[2001:0db8:0:0::1]:7/abc;tcp", true)]
    [InlineData("msrp://host:7/abc;tcp;x=1", "msrp://host:7/abc;tcp", true)]
    // session-id case-sensitive; absent never equals present.
    [InlineData("msrp://host:7/abc;tcp", "msrp://host:7/ABC;tcp", false)]
    [InlineData("msrp://host:7;tcp", "msrp://host:7/abc;tcp", false)]
    // an explicit port never equals an absent one (even the default).
    [InlineData("msrp://host:2855/abc;tcp", "msrp://host/abc;tcp", false)]
    [InlineData("msrp://host:7/abc;tcp", "msrp://host:8/abc;tcp", false)]
    // scheme and transport must match.
    [InlineData("msrp://host:7/abc;tcp", "msrps://host:7/abc;tcp", false)]
    [InlineData("msrp://host:7/abc;tcp", "msrp://host:7/abc;ws", false)]
    [InlineData("msrp://host:7/abc;tcp", "msrp://other:7/abc;tcp", false)]
    [InlineData("msrp://host:7/abc", "msrp://host:7/abc", false)] // invalid URIs never match
    public void ComparesPerSection6_1(string a, string b, bool equal)
    {
        Assert.Equal(equal, MsrpUriParser.UriEquals(B(a), B(b)));
        Assert.Equal(equal, MsrpUriParser.UriEquals(B(b), B(a)));
        if (MsrpUri.TryParse(a, out var ua) && MsrpUri.TryParse(b, out var ub))
        {
            Assert.Equal(equal, ua.Equals(ub));
            Assert.Equal(equal, ua == ub);
            Assert.Equal(equal, ua.Matches(B(b)));
            Assert.Equal(equal, ub.Matches(B(a)));
            if (equal)
            {
                Assert.Equal(ua.GetHashCode(), ub.GetHashCode());
            }
        }
    }

    [Fact]
    public void PathsEnumerateParseAndFormat()
    {
        var value = B("msrps://a.example.org:9000/kjfjan;tcp msrps://b.example.net:9000/aeiug;tcp  msrps://bob.example.net:8145/foo;tcp");
        var offsets = new List<int>();
        foreach (var u in new MsrpPathEnumerator(value))
        {
            Assert.Equal(MsrpParseError.None, MsrpUriParser.TryParse(u, out _, out _));
        }
        var e = new MsrpPathEnumerator(value);
        while (e.MoveNext())
        {
            offsets.Add(e.CurrentOffset);
        }
        Assert.Equal([0, 38, 76], offsets);
        Assert.Equal(MsrpParseError.None, MsrpUriParser.ValidatePath(value, out _));
        Assert.True(MsrpUri.TryParsePath(value, out var path));
        Assert.Equal(3, path.Count);
        Assert.Equal("foo", path[2].SessionId);
        Assert.Equal("msrps://a.example.org:9000/kjfjan;tcp msrps://b.example.net:9000/aeiug;tcp msrps://bob.example.net:8145/foo;tcp", MsrpUri.FormatPath(path));

        Assert.Equal(MsrpParseError.InvalidUri, MsrpUriParser.ValidatePath("msrp://a/b;tcp msrp://c/d"u8, out int at));
        Assert.Equal(25, at); // the second URI (offset 15) lacks ";transport" at its end
        Assert.Equal(MsrpParseError.InvalidUri, MsrpUriParser.ValidatePath("  "u8, out _));
        Assert.False(MsrpUri.TryParsePath(""u8, out _));
    }

    [Fact]
    public void CreateBuildsValidUris()
    {
        var u = MsrpUri.Create(isSecure: true, "relay.example.com", 9000, "abc123", "tcp");
        Assert.Equal("msrps://relay.example.com:9000/abc123;tcp", u.ToString());
        Assert.Equal("msrp://alice@h;tcp", MsrpUri.Create(false, "h", -1, null, userInfo: "alice").ToString());
        Assert.Throws<ArgumentException>(() => MsrpUri.Create(false, "bad host", 1, "s"));
        var set = new HashSet<MsrpUri> { MsrpUri.Parse("msrp://H:1/s;tcp") };
        Assert.Contains(MsrpUri.Parse("msrp://h:1/s;TCP"), set);
    }
}
