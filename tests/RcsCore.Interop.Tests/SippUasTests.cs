using System.Net;
using System.Text;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transactions;
using RcsCore.Sip.Transport;
using RcsCore.Tests.Common;
using Xunit;

namespace RcsCore.Interop.Tests;

/// <summary>SIPp (a real peer) as UAS for RcsCore's client transactions over real UDP and TCP sockets on 127.0.0.1.</summary>
public class SippUasTests
{
    private sealed class ClientOnlyUser : ISipTransactionUser
    {
        public ValueTask OnRequestAsync(SipServerTransaction transaction, CancellationToken ct = default) => ValueTask.CompletedTask;

        public ValueTask OnAckAsync(SipInboundMessage ack, SipServerTransaction? transaction, CancellationToken ct = default) => ValueTask.CompletedTask;

        public ValueTask OnStrayResponseAsync(SipInboundMessage response, SipClientTransaction? transaction, CancellationToken ct = default) => ValueTask.CompletedTask;

        public void OnTransactionFailed(SipTransaction transaction, SipTransactionFailure failure, SipTransportException? exception)
        {
        }
    }

    internal static SipRequest Message(SipEndPoint local, SipEndPoint target, int n, string method = "MESSAGE")
    {
        var b = new SipRequestBuilder(method, SipUri.Parse($"sip:sipp@{target.Address}"));
        b.AddHeader(SipHeaderName.Via, $"SIP/2.0/{local.ViaTransport} {local.Address};branch={SipIds.NewBranch()};rport")
            .AddHeader(SipHeaderName.MaxForwards, "70")
            .AddHeader(SipHeaderName.From, $"<sip:rcscore@{local.Address}>;tag={SipIds.NewTag()}")
            .AddHeader(SipHeaderName.To, $"<sip:sipp@{target.Address}>")
            .AddHeader(SipHeaderName.CallId, SipIds.NewCallId("127.0.0.1"))
            .AddHeader(SipHeaderName.CSeq, $"{n + 1} {method}");
        if (method == "MESSAGE")
        {
            b.SetBody(Encoding.UTF8.GetBytes($"hello sipp {n}"), "text/plain");
        }
        return ((SipRequestBuilder)b).Build();
    }

    [Theory]
    [InlineData("u1", SipTransportProtocol.Udp, 0)]
    [InlineData("u1", SipTransportProtocol.Udp, 20)]
    [InlineData("t1", SipTransportProtocol.Tcp, 0)]
    public async Task RcsCoreClientTransactionsCompleteAgainstSippUas(string sippTransport, SipTransportProtocol protocol, int lossPercent)
    {
        const int calls = 20;
        int port = Sipp.FreePort(protocol == SipTransportProtocol.Tcp);
        var args = new List<string> { "-sf", Sipp.Scenario("uas-answer.xml"), "-i", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", sippTransport, "-m", calls.ToString(System.Globalization.CultureInfo.InvariantCulture), "-nostdin", "-timeout", "40s", "-timeout_error" };
        if (lossPercent > 0)
        {
            // SIPp drops this share of what it receives, so RcsCore must retransmit (RFC 3261 §17.1.2.2 timer E).
            args.AddRange(["-lost", lossPercent.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        await using var sipp = ChildProcess.Start(Sipp.RequireSipp(), args, Path.GetTempPath());
        await Task.Delay(500); // SIPp binds its socket

        await using var transport = new SipTransportLayer(new SipTransportOptions { ListenEndPoints = [new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, 0))] });
        using var transactions = new SipTransactionLayer(transport, new ClientOnlyUser(), new SipTimerOptions { T1 = TimeSpan.FromMilliseconds(100), T2 = TimeSpan.FromMilliseconds(400) });
        transport.Handler = transactions;
        await transport.StartAsync();
        var local = transport.GetLocalEndPoint(protocol)!.Value;
        var target = new SipEndPoint(protocol, new IPEndPoint(IPAddress.Loopback, port));

        var statuses = new List<int>();
        for (int i = 0; i < calls; i++)
        {
            var response = await transactions.SendRequestAsync(Message(local, target, i), target);
            statuses.Add(response.StatusCode);
        }
        Assert.True(statuses.All(s => s == 200), $"statuses: {string.Join(",", statuses)}\n{sipp.Output}");
        Assert.True(await sipp.WaitForExitAsync(TimeSpan.FromSeconds(30)), "SIPp did not finish\n" + sipp.Output);
        Assert.True(sipp.ExitCode == 0, $"SIPp exit {sipp.ExitCode}\n{sipp.Output}");
    }
}
