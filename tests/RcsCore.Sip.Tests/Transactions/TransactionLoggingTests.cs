using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RcsCore.Sip.Transactions;
using Xunit;

namespace RcsCore.Sip.Tests.Transactions;

public class TransactionLoggingTests
{
    private sealed class RecordingLogger : ILogger<SipTransactionLayer>
    {
        public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
    }

    [Fact]
    public async Task LogsStableEventIdsAndBodiesOnlyAtTrace()
    {
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        var sender = new FakeSender(time);
        using var layer = new SipTransactionLayer(sender, new RecordingUser(), timeProvider: time, logger: logger);
        var tx = layer.StartClientTransaction(Msg.Options(), Harness.UdpPeer);
        for (int i = 0; i < 32_000; i += 10)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
        Assert.Equal(408, (await tx.FinalResponse).StatusCode);

        var ids = logger.Entries.Select(e => e.EventId).ToHashSet();
        Assert.Contains(1700, ids); // created
        Assert.Contains(1701, ids); // state changed
        Assert.Contains(1702, ids); // retransmitting (Timer E)
        Assert.Contains(1703, ids); // timed out (Timer F)
        Assert.All(logger.Entries.Where(e => e.Message.Contains("OPTIONS sip:", StringComparison.Ordinal)), e => Assert.Equal(LogLevel.Trace, e.Level));
        Assert.Contains(logger.Entries, e => e.EventId == 1710 && e.Message.Contains("OPTIONS sip:bob@server.example.com SIP/2.0", StringComparison.Ordinal));
    }
}
