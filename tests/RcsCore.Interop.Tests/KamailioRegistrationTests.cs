using System.Net;
using RcsCore.Ims.Client;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Sip.UserAgent;
using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>
/// <see cref="ImsRegistrationClient"/> against Kamailio's registrar (a real peer) with Digest MD5 authentication
/// from a db_text subscriber table, over UDP and TCP on 127.0.0.1.
/// </summary>
public class KamailioRegistrationTests
{
    private static readonly SipTimerOptions s_timers = new() { T1 = TimeSpan.FromMilliseconds(100), T2 = TimeSpan.FromMilliseconds(800) };

    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task RegistersFetchesAndDeregistersWithDigestMd5(SipTransportProtocol protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kamailio = await Kamailio.StartRegistrarAsync([("alice", "127.0.0.1", "secret")]);
        await using var transport = new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))],
        });
        using var ua = new SipUserAgent(transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse("sip:alice@127.0.0.1")),
            SentBy = dest => new SipHostPort("127.0.0.1", transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
        }, s_timers);
        transport.Handler = ua.Transactions;
        await transport.StartAsync(ct);
        await using var client = new ImsRegistrationClient(ua, new ImsRegistrationOptions
        {
            Registrar = SipUri.Parse($"sip:127.0.0.1:{kamailio.Port}"),
            NextHop = new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, kamailio.Port)),
            PublicIdentity = new SipNameAddress(SipUri.Parse("sip:alice@127.0.0.1")),
            PrivateIdentity = "alice",
            Credentials = ImsCredentials.FromPassword("secret"),
            InstanceId = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
            SubscribeToRegEvent = false,
            FeatureTags = new ImsFeatureTags { Icsi = ["urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session"] },
        });

        var registered = await client.RegisterAsync(ct);

        Assert.True(registered.State == ImsRegistrationState.Registered, $"{registered}\n{kamailio.Process.Output}");
        Assert.Equal(200, registered.StatusCode);
        // registrar max_expires 3600 caps the 600000 s the UE asks for (RFC 3261 §10.3 step 7).
        Assert.Equal(TimeSpan.FromSeconds(3600), registered.Expires);
        Assert.Equal(transport.GetLocalEndPoint(protocol)!.Value.Address.Port, registered.Contact!.Uri.Port);
        // RFC 5627: Kamailio assigns GRUUs to a contact with +sip.instance when the UE supports gruu.
        Assert.NotNull(registered.PublicGruu);

        // RFC 3261 §10.2.3: a REGISTER without Contact returns the stored bindings.
        var bindings = await client.FetchBindingsAsync(ct);
        var binding = Assert.Single(bindings!);
        Assert.Equal(registered.Contact.Uri, binding.Uri);
        Assert.InRange(int.Parse(binding.GetParameter("expires")!, System.Globalization.CultureInfo.InvariantCulture), 3500, 3600);

        var unregistered = await client.UnregisterAsync(ct);

        Assert.Equal(ImsRegistrationState.Unregistered, unregistered.State);
        Assert.Equal(ImsRegistrationError.None, unregistered.Error);
        Assert.Equal(200, unregistered.StatusCode);
        Assert.Empty((await client.FetchBindingsAsync(ct))!);
        Assert.Contains(kamailio.Process.StderrLines.Concat(kamailio.Process.StdoutLines), l => l.Contains("rcs-interop: REGISTER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongPasswordIsReportedAsAuthenticationFailure()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kamailio = await Kamailio.StartRegistrarAsync([("alice", "127.0.0.1", "secret")]);
        await using var transport = new SipTransportLayer(new SipTransportOptions
        {
            ListenEndPoints = [new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0))],
        });
        using var ua = new SipUserAgent(transport, new SipUserAgentOptions
        {
            LocalIdentity = new SipNameAddress(SipUri.Parse("sip:alice@127.0.0.1")),
            SentBy = dest => new SipHostPort("127.0.0.1", transport.GetLocalEndPoint(dest.Protocol)!.Value.Address.Port),
        }, s_timers);
        transport.Handler = ua.Transactions;
        await transport.StartAsync(ct);
        await using var client = new ImsRegistrationClient(ua, new ImsRegistrationOptions
        {
            Registrar = SipUri.Parse($"sip:127.0.0.1:{kamailio.Port}"),
            NextHop = new SipEndPoint(SipTransportProtocol.Udp, new IPEndPoint(IPAddress.Loopback, kamailio.Port)),
            PublicIdentity = new SipNameAddress(SipUri.Parse("sip:alice@127.0.0.1")),
            PrivateIdentity = "alice",
            Credentials = ImsCredentials.FromPassword("not-the-password"),
            SubscribeToRegEvent = false,
        });

        var result = await client.RegisterAsync(ct);

        Assert.Equal(ImsRegistrationState.Failed, result.State);
        Assert.Equal(ImsRegistrationError.AuthenticationFailed, result.Error);
        Assert.Null(result.NextAttemptAt);
    }
}
