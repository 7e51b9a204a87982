using System.Globalization;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Ims.Registration;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Xunit;

namespace RcsCore.Ims.Tests.Registration;

/// <summary>
/// The memory goal of the location service: one million bindings in under 1 GiB, i.e. under ~1 KiB per binding with
/// its AoR, Call-ID, instance, feature tags, Path and source flow. Measured on 50,000 realistic RCS registrations
/// (one AoR each, the worst case), each refreshed once so the steady state (old versions of refreshed bindings must
/// not linger) is measured; set RCS_BINDINGS=1000000 to measure the full million.
/// </summary>
[Collection(nameof(BindingMemoryCollection))]
public sealed class BindingMemoryTests
{
    private const string FeatureTags = ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session,urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.filetransfer\""
        + ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.geopush,urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.chatbot\""
        + ";+sip.instance=\"<urn:gsma:imei:35-209900-176148-1>\";+g.oma.sip-im;expires=3600";

    [Fact]
    public async Task OneMillionBindingsFitInOneGibibyte()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("RCS_BINDINGS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 50_000;
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var path = new[] { "<sip:term@pcscf1.ims.example.net;lr>" };

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var store = new InMemoryBindingStore(count);
        var service = new SipLocationService(store, new SipLocationServiceOptions { SweepInterval = TimeSpan.Zero }, time);
        // Register everyone, then refresh everyone a minute later (same Call-ID, next CSeq): the steady state.
        for (uint cseq = 1; cseq <= 2; cseq++)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True((await service.RegisterAsync(Registration(i, cseq, path))).IsSuccess);
            }
            time.Advance(TimeSpan.FromSeconds(60));
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(count, store.Count);
        double perBinding = (after - before) / (double)count;
        TestContext.Current.TestOutputHelper?.WriteLine($"{count} bindings: {(after - before) / 1048576.0:F1} MiB, {perBinding:F0} bytes per binding");
        // 1 GiB / 1,000,000 = 1073 bytes.
        Assert.True(perBinding < 1073, $"{perBinding:F0} bytes per binding");
        GC.KeepAlive(service);
        GC.KeepAlive(store);
    }

    private static SipRegistrationRequest Registration(int i, uint cseq, string[] path)
    {
        var user = "+1555" + i.ToString("D7", CultureInfo.InvariantCulture);
        var ip = new IPAddress(new byte[] { 10, (byte)(i >> 16), (byte)(i >> 8), (byte)i });
        var tags = FeatureTags.Replace("176148-1", (i % 1000000).ToString("D6", CultureInfo.InvariantCulture) + "-1", StringComparison.Ordinal);
        var contact = SipNameAddress.TryParse($"<sip:{user}@{ip}:5060;transport=tcp>{tags};reg-id=1", out var na) ? na : throw new FormatException();
        return new SipRegistrationRequest
        {
            AddressOfRecord = $"sip:{user}@ims.mnc001.mcc001.3gppnetwork.org",
            CallId = "a84b4c76e66710-" + i.ToString("D8", CultureInfo.InvariantCulture) + "@" + ip,
            CSeq = cseq,
            Contacts = [contact],
            Path = path,
            Source = new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(ip, 40000 + (i & 0x3fff))),
            ConnectionId = i + 1,
        };
    }
}

/// <summary>Heap measurements run alone, so no other test's allocations show in their figures.</summary>
[CollectionDefinition(nameof(BindingMemoryCollection), DisableParallelization = true)]
public sealed class BindingMemoryCollection
{
}
