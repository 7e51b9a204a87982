using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using RcsCore.Hosting;
using RcsCore.Ims.Client;
using RcsCore.Ims.Registration;
using RcsCore.Rcs;
using RcsCore.Rcs.Capabilities;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using RcsCore.Rcs.MessageCentre;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Spectre.Console;

namespace RcsCore.Cli.Commands;

/// <summary>
/// The messaging part of <c>rcs demo</c>: a message centre (registrar, proxy, pager-mode store-and-forward on SQLite in
/// a temporary data directory) and three <see cref="RcsClient"/>s on 127.0.0.1: a 1-1 chat alice↔bob with composing
/// indication and delivered/displayed receipts, standalone pager and large messages carol→alice, bob going offline
/// while alice writes to him, and his stored messages arriving when he returns, with the receipts back to alice.
/// </summary>
internal static class DemoMessaging
{
    private const string Domain = "rcs.demo";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(8);

    /// <summary>One client and what it saw, in channels the steps wait on.</summary>
    private sealed class Person(string name, RcsClient client)
    {
        public string Name { get; } = name;
        public RcsClient Client { get; } = client;
        public Channel<RcsMessage> Messages { get; } = Channel.CreateUnbounded<RcsMessage>();
        public Channel<RcsNotificationEventArgs> Notifications { get; } = Channel.CreateUnbounded<RcsNotificationEventArgs>();
        public Channel<IsComposingState> Composing { get; } = Channel.CreateUnbounded<IsComposingState>();
        public Channel<RcsChatStateEventArgs> States { get; } = Channel.CreateUnbounded<RcsChatStateEventArgs>();
        public Channel<RcsIncomingFileTransfer> Files { get; } = Channel.CreateUnbounded<RcsIncomingFileTransfer>();

        public static async Task<T> NextAsync<T>(Channel<T> channel) => await channel.Reader.ReadAsync().AsTask().WaitAsync(s_wait).ConfigureAwait(false);
    }

    public static async Task<bool> RunAsync(IAnsiConsole console)
    {
        console.Write(new Rule("[bold]RCS messaging on loopback[/]: message centre + alice, bob, carol (RcsClient)"));
        string data = Path.Combine(Path.GetTempPath(), "rcs-demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        var clock = Stopwatch.StartNew();
        var transcript = new Table().Border(TableBorder.Simple).AddColumn(new TableColumn("t (ms)").RightAligned()).AddColumn("who").AddColumn("what");
        bool ok = true;
        int steps = 0, passed = 0;

        void Line(string who, string what, string colour = "default") =>
            transcript.AddRow(clock.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture), Markup.Escape(who), $"[{colour}]{Markup.Escape(what)}[/]");

        async Task Step(string title, Func<Task> action)
        {
            steps++;
            transcript.AddRow(string.Empty, string.Empty, $"[bold]{steps}. {Markup.Escape(title)}[/]");
            var sw = Stopwatch.StartNew();
            try
            {
                await action().WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
                passed++;
                Line(string.Empty, $"ok in {sw.Elapsed.TotalMilliseconds:F1} ms", "green");
            }
            catch (Exception e) when (e is TimeoutException or RcsException or InvalidOperationException or IOException or OperationCanceledException or DemoCheckException)
            {
                ok = false;
                Line(string.Empty, $"FAILED after {sw.Elapsed.TotalMilliseconds:F1} ms: {e.Message}", "red");
            }
        }

        try
        {
            await using var server = new SipServer(new SipServerOptions
            {
                Listen = [new SipEndPoint(SipTransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 0))],
                Domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Domain },
                DataDirectory = data,
                MessageCentre = new MessageCentreOptions(),
                // The clients' MSRP goes through the message centre's relay (RFC 4976), AUTH with their passwords.
                MsrpRelay = new RcsCore.Msrp.Relay.MsrpRelayOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Realm = Domain },
            });
            foreach (string user in (string[])["alice", "bob", "carol"])
            {
                await server.Subscribers!.SaveAsync(new SipSubscriber { Impi = $"{user}@{Domain}", Impus = [$"sip:{user}@{Domain}"], Password = user + "-secret" }).ConfigureAwait(false);
            }
            await server.StartAsync().ConfigureAwait(false);
            var serverEndPoint = server.LocalEndPoints[0];
            // GSMA RCC.07 FT via HTTP: the content server next to the message centre, files under the data directory.
            await using var contentServer = new RcsCore.Hosting.ContentServer.FileTransferContentServer(new RcsCore.Hosting.ContentServer.ContentServerOptions
            {
                DataDirectory = data,
                ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                Realm = Domain,
            }, server.Subscribers!);
            await contentServer.StartAsync().ConfigureAwait(false);
            Line("centre", $"listening on {serverEndPoint}, domain {Domain}, store {Path.Combine(data, "rcscore.db")} (SQLite, WAL), MSRP relay {server.MsrpRelay!.Uri}, content server {contentServer.BaseUri}");

            Person Create(string name) => new(name, new RcsClient(new RcsClientOptions
            {
                PublicIdentity = SipUri.Parse($"sip:{name}@{Domain}"),
                DisplayName = char.ToUpperInvariant(name[0]) + name[1..],
                Server = serverEndPoint,
                Credentials = ImsCredentials.FromPassword(name + "-secret"),
                MsrpRelay = server.MsrpRelay!.Uri,
                FileTransferHttpServer = contentServer.BaseUri,
                Product = "RcsCore-demo",
            }));
            var alice = Create("alice");
            var bob = Create("bob");
            var carol = Create("carol");
            await using var aliceClient = alice.Client;
            await using var bobClient = bob.Client;
            await using var carolClient = carol.Client;
            foreach (var p in (Person[])[alice, bob, carol])
            {
                var person = p;
                person.Client.MessageReceived += (_, e) => person.Messages.Writer.TryWrite(e.Message);
                person.Client.NotificationReceived += (_, e) => person.Notifications.Writer.TryWrite(e);
                person.Client.ComposingChanged += (_, e) => person.Composing.Writer.TryWrite(e.State);
                person.Client.ChatStateChanged += (_, e) => person.States.Writer.TryWrite(e);
                person.Client.FileTransferReceived += (_, e) => person.Files.Writer.TryWrite(e);
            }

            await Step("alice, bob and carol register (Digest) with the CPM feature tags", async () =>
            {
                foreach (var p in (Person[])[alice, bob, carol])
                {
                    var registration = await p.Client.StartAsync().ConfigureAwait(false);
                    Line(p.Name, $"registered {p.Client.Identity} for {registration.Expires.TotalSeconds:F0} s from {p.Client.LocalEndPoint}");
                }
                Line("contact", $"{alice.Client.Registration.Contact}");
            }).ConfigureAwait(false);

            await Step("alice discovers bob's services before the chat (OPTIONS, answered from his registered tags)", async () =>
            {
                var caps = await alice.Client.GetCapabilitiesAsync(SipUri.Parse($"sip:bob@{Domain}")).ConfigureAwait(false);
                Line("alice", $"bob: {caps.Status} ({caps.StatusCode}), services: {string.Join(", ", caps.Capabilities.Services.Select(s => s.Name))}");
                Check(caps.Status == RcsCapabilityStatus.Rcs && caps.Capabilities.Services.Contains(RcsService.Chat), "bob is an RCS user with chat");
            }).ConfigureAwait(false);

            RcsChat? aliceChat = null, bobChat = null;
            await Step("alice opens a 1-1 chat with bob; bob accepts", async () =>
            {
                var opening = alice.Client.OpenChatAsync(SipUri.Parse($"sip:bob@{Domain}"));
                Line("alice", "INVITE sip:bob@" + Domain + " (CPM session ICSI, MSRP offer, Conversation-ID)");
                await foreach (var invitation in bob.Client.ReadInvitationsAsync().ConfigureAwait(false))
                {
                    Line("bob", $"chat invitation from {invitation.DisplayName} <{invitation.Peer}>, ringing");
                    bobChat = await invitation.AcceptAsync().ConfigureAwait(false);
                    Line("bob", "accepted the chat (200 OK with the MSRP answer)");
                    break;
                }
                aliceChat = await opening.WaitAsync(s_wait).ConfigureAwait(false);
                Check(aliceChat.State == RcsChatState.Active && bobChat!.State == RcsChatState.Active, "both chats active");
                Line("alice", $"chat session up, conversation {aliceChat.ConversationId[..8]}…, MSRP connected");
            }).ConfigureAwait(false);

            await Step("alice types, sends; bob gets it, alice gets delivered and displayed receipts", async () =>
            {
                aliceChat!.Typing();
                Check(await Person.NextAsync(bob.Composing).ConfigureAwait(false) == IsComposingState.Active, "composing active");
                Line("bob", "sees: Alice is composing… (isComposing active)");
                var sent = await aliceChat.SendMessageAsync("Hi Bob! Lunch at noon? 🍜").ConfigureAwait(false);
                Line("alice", $"sent \"Hi Bob! Lunch at noon? 🍜\" ({sent.Mode}, id {sent.MessageId[..8]}…)");
                var got = await Person.NextAsync(bob.Messages).ConfigureAwait(false);
                Line("bob", $"received \"{got.Text}\" from {got.From}");
                var delivered = await Person.NextAsync(alice.Notifications).ConfigureAwait(false);
                Check(delivered.MessageId == sent.MessageId && delivered.Status == ImdnStatus.Delivered, "delivered receipt");
                Line("alice", $"receipt: delivered to {delivered.From}");
                await bobChat!.MarkDisplayedAsync(got).ConfigureAwait(false);
                var displayed = await Person.NextAsync(alice.Notifications).ConfigureAwait(false);
                Check(displayed.MessageId == sent.MessageId && displayed.Status == ImdnStatus.Displayed, "displayed receipt");
                Line("alice", "receipt: displayed (bob read it)");
            }).ConfigureAwait(false);

            await Step("bob replies on the same session", async () =>
            {
                var sent = await bobChat!.SendMessageAsync("Sure, see you there!").ConfigureAwait(false);
                var got = await Person.NextAsync(alice.Messages).ConfigureAwait(false);
                Line("alice", $"received \"{got.Text}\" from {got.From}");
                var delivered = await Person.NextAsync(bob.Notifications).ConfigureAwait(false);
                Check(delivered.MessageId == sent.MessageId && delivered.Status == ImdnStatus.Delivered, "delivered receipt");
                Line("bob", "receipt: delivered");
                Check(aliceChat!.SessionCallId == bobChat.SessionCallId, "one session");
            }).ConfigureAwait(false);

            await Step("carol → alice: standalone message in pager mode (SIP MESSAGE, ≤ 1300 bytes)", async () =>
            {
                var sent = await carol.Client.SendStandaloneAsync(SipUri.Parse($"sip:alice@{Domain}"), Encoding.UTF8.GetBytes("Alice, the meeting moved to 3pm."), "text/plain;charset=UTF-8").ConfigureAwait(false);
                Check(sent.Mode == RcsMessageMode.Pager, "pager mode");
                Line("carol", $"sent in pager mode: {sent.StatusCode}");
                var got = await Person.NextAsync(alice.Messages).ConfigureAwait(false);
                Line("alice", $"received \"{got.Text}\" ({got.Mode}) from {got.From}");
                var delivered = await Person.NextAsync(carol.Notifications).ConfigureAwait(false);
                Check(delivered.MessageId == sent.MessageId, "delivered receipt");
                Line("carol", "receipt: delivered");
            }).ConfigureAwait(false);

            await Step("carol → alice: a 64 KB picture in large-message mode (INVITE + MSRP + BYE)", async () =>
            {
                var picture = RandomNumberGenerator.GetBytes(64 * 1024);
                var sent = await carol.Client.SendStandaloneAsync(SipUri.Parse($"sip:alice@{Domain}"), picture, "image/jpeg").ConfigureAwait(false);
                Check(sent.Mode == RcsMessageMode.LargeMessage, "large-message mode");
                Line("carol", $"sent {picture.Length} bytes in large-message mode");
                var got = await Person.NextAsync(alice.Messages).ConfigureAwait(false);
                Check(got.Content.Span.SequenceEqual(picture), "content intact");
                Line("alice", $"received {got.Content.Length} bytes of {got.ContentType} ({got.Mode}), SHA-256 {Convert.ToHexStringLower(SHA256.HashData(got.Content.Span))[..16]}… matches");
                await Person.NextAsync(carol.Notifications).ConfigureAwait(false);
                Line("carol", "receipt: delivered");
            }).ConfigureAwait(false);

            await Step("alice → bob: a picture with its thumbnail over MSRP (RFC 5547), bob → alice: one over HTTP (RCC.07 content server)", async () =>
            {
                foreach (var (from, to, method) in new[] { (alice, bob, RcsFileTransferMethod.Msrp), (bob, alice, RcsFileTransferMethod.Http) })
                {
                    var picture = RandomNumberGenerator.GetBytes(256 * 1024);
                    var thumbnail = RandomNumberGenerator.GetBytes(6 * 1024);
                    string name = from.Name + "-holiday.jpg";
                    var sending = from.Client.SendFileAsync(SipUri.Parse($"sip:{to.Name}@{Domain}"), new MemoryStream(picture),
                        new RcsFileInfo(name, "image/jpeg", picture.Length) { Thumbnail = thumbnail, ThumbnailContentType = "image/jpeg" },
                        new RcsFileTransferOptions { Method = method });
                    var incoming = await Person.NextAsync(to.Files).ConfigureAwait(false);
                    Check(incoming.File.Thumbnail is { } t && t.Span.SequenceEqual(thumbnail), "thumbnail intact");
                    Line(to.Name, $"{incoming.Method} file offer {incoming.File.FileName} ({incoming.File.Size / 1024} KB) with a {thumbnail.Length / 1024} KB thumbnail");
                    var destination = new MemoryStream();
                    var received = await incoming.AcceptAsync(destination).ConfigureAwait(false);
                    var sent = await sending.ConfigureAwait(false);
                    Check(sent.IsSuccess && received.IsSuccess && destination.ToArray().AsSpan().SequenceEqual(picture), "file intact");
                    Line(from.Name, $"sent {name} over {sent.Method}: {sent.Outcome}");
                    Line(to.Name, $"received {name}, SHA-256 {Convert.ToHexStringLower(received.Sha256!.Value.Span)[..16]}… matches");
                }
                // FT over HTTP: the file-info message gets delivered and displayed receipts (RFC 5438).
                for (int i = 0; i < 2; i++)
                {
                    var receipt = await Person.NextAsync(bob.Notifications).ConfigureAwait(false);
                    Line("bob", $"receipt for the HTTP file: {receipt.Status.ToString().ToLowerInvariant()}");
                }
            }).ConfigureAwait(false);

            await Step("bob goes offline; alice writes to him and sends a photo: the message centre stores them", async () =>
            {
                await bob.Client.StopAsync().ConfigureAwait(false);
                Line("bob", "closed the chat (BYE) and deregistered");
                while ((await Person.NextAsync(alice.States).ConfigureAwait(false)).Current != RcsChatState.Idle)
                {
                }
                Line("alice", "chat with bob is idle (session ended by bob)");
                foreach (string text in (string[])["Bob, are you still coming?", "Call me when you see this."])
                {
                    var sent = await aliceChat!.SendMessageAsync(text).ConfigureAwait(false);
                    Check(sent.IsStored, "stored");
                    Line("alice", $"\"{text}\": bob unreachable (480), sent standalone: stored ({sent.StatusCode})");
                }
                // OMA CPM deferred large message: the centre's depot answers the INVITE and stores the MSRP message.
                var photo = RandomNumberGenerator.GetBytes(48 * 1024);
                var large = await alice.Client.SendStandaloneAsync(SipUri.Parse($"sip:bob@{Domain}"), photo, "image/jpeg").ConfigureAwait(false);
                Line("alice", $"a {photo.Length / 1024} KB photo in large-message mode: the message centre took it ({large.StatusCode})");
                IReadOnlyList<StoredMessage> pending = [];
                for (int i = 0; i < 100 && pending.Count(m => m.State == MessageState.Pending) < 3; i++)
                {
                    await Task.Delay(20).ConfigureAwait(false);
                    pending = await server.MessageCentre.Store.GetConversationAsync($"sip:alice@{Domain}", $"sip:bob@{Domain}").ConfigureAwait(false);
                }
                Check(pending.Count(m => m.State == MessageState.Pending) == 3, "three stored");
                Line("centre", $"{pending.Count(m => m.State == MessageState.Pending)} messages pending for bob, on disk");
            }).ConfigureAwait(false);

            await Step("bob comes back: his stored messages and the photo arrive, alice gets the delivery receipts", async () =>
            {
                await bob.Client.StartAsync().ConfigureAwait(false);
                Line("bob", "registered again");
                for (int i = 0; i < 3; i++)
                {
                    var got = await Person.NextAsync(bob.Messages).ConfigureAwait(false);
                    Line("bob", got.Mode == RcsMessageMode.LargeMessage
                        ? $"received stored {got.Content.Length / 1024} KB {got.ContentType} in large-message mode (sent {got.SentAt?.UtcDateTime:HH:mm:ss.fff} UTC)"
                        : $"received stored \"{got.Text}\" (sent {got.SentAt?.UtcDateTime:HH:mm:ss.fff} UTC)");
                }
                for (int i = 0; i < 3; i++)
                {
                    var delivered = await Person.NextAsync(alice.Notifications).ConfigureAwait(false);
                    Check(delivered.Status == ImdnStatus.Delivered, "delivered");
                    Line("alice", $"receipt: delivered ({delivered.MessageId[..8]}…)");
                }
                Line("bob", "received 3 stored messages");
            }).ConfigureAwait(false);

            await Step("alice closes the chat; everyone signs off", async () =>
            {
                await aliceChat!.CloseAsync().ConfigureAwait(false);
                foreach (var p in (Person[])[alice, bob, carol])
                {
                    await p.Client.StopAsync().ConfigureAwait(false);
                }
                Line("all", "deregistered");
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or SipTransportException or RcsException)
        {
            ok = false;
            Line("demo", "failed: " + e.Message, "red");
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        console.Write(transcript);
        console.MarkupLine($"RCS messaging: [bold]{passed}/{steps}[/] steps ok in {clock.Elapsed.TotalSeconds:F1} s");
        return ok && passed == steps;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new DemoCheckException("check failed: " + what);
        }
    }

    private sealed class DemoCheckException(string message) : Exception(message);
}
