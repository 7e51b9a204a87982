using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using RcsCore.Rcs;
using RcsCore.Rcs.Imdn;

namespace RcsCore.Benchmarks;

/// <summary>
/// Messages/s over an established CPM 1-1 chat (issue 7): alice sends <see cref="Messages"/> text messages one after
/// the other (each <see cref="RcsChat.SendMessageAsync"/> awaits its MSRP 200), then the operation waits until bob's
/// client has raised <see cref="RcsClient.MessageReceived"/> for all of them and alice has every delivered IMDN bob's
/// client sends back over the session. Time per operation / <see cref="Messages"/> = time per message.
/// The chat was set up through the message centre (<see cref="ChatRig"/>); MSRP then runs client to client on
/// loopback (no MSRP relay in the client yet).
/// </summary>
[MemoryDiagnoser]
public class ChatThroughputBenchmarks
{
    private const int Messages = 200;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private ChatRig _rig = null!;
    private readonly Channel<RcsMessage> _received = Channel.CreateUnbounded<RcsMessage>();
    private readonly Channel<string> _delivered = Channel.CreateUnbounded<string>();

    [GlobalSetup]
    public void Setup()
    {
        _rig = ChatRig.StartAsync().GetAwaiter().GetResult();
        _rig.Bob.MessageReceived += (_, e) => _received.Writer.TryWrite(e.Message);
        _rig.Alice.NotificationReceived += (_, e) =>
        {
            if (e.Status == ImdnStatus.Delivered)
            {
                _delivered.Writer.TryWrite(e.MessageId);
            }
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _rig.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Messages, Description = "Chat: send 200 messages, await arrival + delivered IMDNs (per message)")]
    public async Task<int> ChatSendAndReceive()
    {
        var chat = _rig.AliceChat;
        for (int i = 0; i < Messages; i++)
        {
            var sent = await chat.SendMessageAsync("Benchmark message, about the size of a short chat line.");
            if (sent.Mode != RcsMessageMode.Chat)
            {
                throw new InvalidOperationException($"message went {sent.Mode}, not over the session");
            }
        }
        for (int i = 0; i < Messages; i++)
        {
            await _received.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
        }
        for (int i = 0; i < Messages; i++)
        {
            await _delivered.Reader.ReadAsync().AsTask().WaitAsync(s_wait);
        }
        return Messages;
    }
}
