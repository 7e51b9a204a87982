using System.Net;
using RcsCore.Cli.Commands;
using RcsCore.Hosting;
using RcsCore.Ims.Authentication;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Cli.Tests.Commands;

/// <summary><c>rcs user add</c> writes subscribers that <c>rcs serve --data</c> authenticates REGISTER against.</summary>
public sealed class UserCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "rcscore-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
        catch (UnauthorizedAccessException)
        {
            // best effort
        }
    }

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.BuildRoot(stdout, stderr).Parse(args).Invoke();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void AddAndList()
    {
        var (exit, output, err) = Run("user", "add", "sip:alice@Example.test", "--password", "secret", "--impu", "tel:+15551230001", "--data", _data);
        Assert.True(exit == 0, err);
        Assert.Contains("added alice@example.test (sip:alice@example.test, tel:+15551230001, digest)", output, StringComparison.Ordinal);
        (exit, _, err) = Run("user", "add", "carol@example.test", "--aka", "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf", "--impi", "carol-impi@example.test", "--data", _data);
        Assert.True(exit == 0, err);
        (exit, output, _) = Run("user", "list", "--data", _data);
        Assert.Equal(0, exit);
        Assert.Equal(["alice@example.test\tdigest\tsip:alice@example.test,tel:+15551230001", "carol-impi@example.test\taka\tsip:carol@example.test"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("sip:alice@example.test")]
    [InlineData("sip:alice@example.test", "--password", "p", "--aka", "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf")]
    [InlineData("sip:alice@example.test", "--aka", "zz", "cd63cb71954a9f4e48a5994e37a02baf")]
    [InlineData("tel:+1555", "--password", "p")]
    public void BadInputExitsTwo(params string[] args)
    {
        var (exit, _, err) = Run(["user", "add", .. args, "--data", _data]);
        Assert.Equal(2, exit);
        Assert.StartsWith("rcs user add: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserAddThenServeThenRegisterOverUdpIsChallengedThenAccepted()
    {
        Assert.Equal(0, Run("user", "add", "sip:alice@example.test", "--password", "secret", "--data", _data).Exit);

        // `rcs serve --listen udp:127.0.0.1:0 --domain example.test --data DIR`, hosted in-process.
        var options = ServeCommand.BuildOptions(["udp:127.0.0.1:0"], null, ["example.test"], _data, msrpRelay: "127.0.0.1:0");
        await using var server = new SipServer(options);
        await server.StartAsync(TestContext.Current.CancellationToken);
        var serverEp = server.LocalEndPoints[0];

        await using var transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))] });
        using var ua = new SipUserAgent(transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse("sip:alice@example.test")),
            SentBy = d => new SipHostPort("127.0.0.1", transport.GetLocalEndPoint(d.Protocol)!.Value.Address.Port),
        });
        transport.Handler = ua.Transactions;
        await transport.StartAsync(TestContext.Current.CancellationToken);
        var contact = $"<sip:alice@127.0.0.1:{transport.LocalEndPoints[0].Address.Port}>";

        SipRequest Register(uint cseq, string? authorization)
        {
            var b = ua.CreateRequest("REGISTER", SipUri.Parse("sip:example.test"), serverEp, new SipNameAddress(SipUri.Parse("sip:alice@example.test")), "cli-reg-1", cseq);
            b.AddHeader(SipHeaderName.Contact, contact);
            b.AddHeader(SipHeaderName.Expires, "300");
            if (authorization is not null)
            {
                b.AddHeader(SipHeaderName.Authorization, authorization);
            }
            return b.Build();
        }

        var challengeResponse = await ua.SendRequestAsync(Register(1, null), serverEp).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(401, challengeResponse.StatusCode);
        Assert.True(SipDigestChallenge.TryParse(challengeResponse.GetHeader(SipHeaderName.WwwAuthenticate)!, out var challenge).IsSuccess);
        Assert.Equal(SipDigestError.None, new SipDigestClient().TryCreateCredentials(challenge!, "alice@example.test", "secret", "REGISTER", "sip:example.test", default, out var credentials));
        var ok = await ua.SendRequestAsync(Register(2, credentials!.ToString()), serverEp).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("300", Assert.Single(ok.Contacts).GetParameter("expires"));
        Assert.True(File.Exists(Path.Combine(_data, "rcscore.db")));
    }
}
