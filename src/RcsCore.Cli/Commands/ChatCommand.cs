using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using RcsCore.Ims.Client;
using RcsCore.Rcs;
using RcsCore.Rcs.Composing;
using RcsCore.Rcs.Imdn;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs chat</c>: an interactive RCS client for a person to try the message centre by hand. It registers, then each
/// line read from stdin goes to <c>--to</c> as a chat message (the session is opened on the first line and
/// re-established as needed); incoming messages, receipts and composing indications are printed as they come, and
/// incoming messages are marked displayed. Chats are accepted automatically. <c>/quit</c>, end of input or Ctrl+C stop.
/// </summary>
internal static class ChatCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, TextReader? stdin)
    {
        var server = new Option<string>("--server") { Description = "The message centre as [udp:|tcp:]address:port (default tcp), e.g. tcp:127.0.0.1:5060.", Required = true };
        var user = new Option<string>("--user") { Description = "Your identity, e.g. sip:alice@example.com.", Required = true };
        var password = new Option<string?>("--password") { Description = "Digest password (omit to register without authentication)." };
        var to = new Option<string?>("--to") { Description = "Who your lines go to, e.g. sip:bob@example.com (omit to only receive)." };
        var relay = new Option<string?>("--msrp-relay") { Description = "The message centre's MSRP relay (RFC 4976), e.g. msrp://127.0.0.1:2855;tcp (omit for direct MSRP; needs --password)." };
        var contentServer = new Option<string?>("--content-server") { Description = "The FT over HTTP content server (GSMA RCC.07), e.g. http://127.0.0.1:8080/: advertise FT over HTTP (files can also arrive over HTTP without it); needs --password." };
        var downloadDir = new Option<DirectoryInfo?>("--download-dir") { Description = "Accept incoming files (rcs send-file) into this directory; without it they are declined." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level (to stderr).", DefaultValueFactory = _ => LogLevel.Warning };
        var cmd = new Command("chat", "Interactive RCS chat: lines from stdin go to --to, incoming messages are printed.");
        cmd.Options.Add(server);
        cmd.Options.Add(user);
        cmd.Options.Add(password);
        cmd.Options.Add(to);
        cmd.Options.Add(relay);
        cmd.Options.Add(downloadDir);
        cmd.Options.Add(contentServer);
        cmd.Options.Add(logLevel);
        cmd.SetAction(async (result, ct) =>
        {
            SipEndPoint serverEndPoint;
            SipUri identity;
            SipUri? peer = null;
            RcsCore.Parsing.Msrp.MsrpUri? relayUri = null;
            try
            {
                serverEndPoint = ParseServer(result.GetValue(server)!);
                identity = ParseUser(result.GetValue(user)!, "--user");
                if (result.GetValue(to) is { } target)
                {
                    peer = ParseUser(target, "--to");
                }
                if (ParseContentServer(result.GetValue(contentServer)) is not null && result.GetValue(password) is null)
                {
                    throw new FormatException("--content-server needs --password");
                }
                if (result.GetValue(relay) is { } relayText)
                {
                    relayUri = RcsCore.Parsing.Msrp.MsrpUri.TryParse(relayText, out var parsed) && result.GetValue(password) is not null
                        ? parsed
                        : throw new FormatException($"--msrp-relay '{relayText}' must be an msrp: URI and needs --password");
                }
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("rcs chat: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(result.GetValue(logLevel)));
            var downloads = result.GetValue(downloadDir);
            downloads?.Create();
            return await RunAsync(stdout, stderr, stdin ?? Console.In, serverEndPoint, identity, result.GetValue(password), peer, relayUri, ParseContentServer(result.GetValue(contentServer)), downloads?.FullName, logs, ct).ConfigureAwait(false);
        });
        return cmd;
    }

    /// <summary>An absolute http(s) URI, or null for none; <see cref="FormatException"/> otherwise.</summary>
    internal static Uri? ParseContentServer(string? text) => text is null ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new FormatException($"--content-server '{text}' is not an http(s) URI");

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, TextReader stdin, SipEndPoint server, SipUri identity, string? password, SipUri? peer,
        RcsCore.Parsing.Msrp.MsrpUri? relay, Uri? contentServer, string? downloadDir, ILoggerFactory logs, CancellationToken ct)
    {
        var output = new Lock();
        void Print(string line)
        {
            lock (output)
            {
                stdout.WriteLine(line);
                stdout.Flush();
            }
        }

        await using var client = new RcsClient(new RcsClientOptions
        {
            PublicIdentity = identity,
            Server = server,
            Credentials = password is null ? null : ImsCredentials.FromPassword(password),
            AcceptChatsAutomatically = true,
            MsrpRelay = relay,
            FileTransferHttpServer = contentServer,
            Product = "rcs-chat",
            FileAutoAcceptMaxBytes = downloadDir is null ? 0 : long.MaxValue,
            FileDownloadDirectory = downloadDir,
        }, logs);
        client.FileTransferReceived += (_, e) =>
        {
            if (e.SavedPath is null)
            {
                Print($"  (file {e.File.FileName} from {e.Peer}, {e.File.Size} bytes: declined, no --download-dir)");
                _ = e.DeclineAsync(CancellationToken.None);
                return;
            }
            Print($"  (receiving {e.File.FileName} from {e.Peer}, {e.File.Size} bytes, into {e.SavedPath})");
            _ = e.Completion.ContinueWith(t => Print($"  (file {e.File.FileName}: {t.Result.Outcome.ToString().ToLowerInvariant()}, {t.Result.BytesTransferred} bytes"
                + (t.Result.Sha256 is { } sha ? ", sha-256 " + Convert.ToHexStringLower(sha.Span) : string.Empty) + ")"), TaskScheduler.Default);
        };
        client.MessageReceived += (_, e) =>
        {
            Print(e.Message.ContentType?.StartsWith("text/", StringComparison.OrdinalIgnoreCase) != false
                ? $"<{e.Message.From}> {e.Message.Text}"
                : $"<{e.Message.From}> [{e.Message.ContentType}, {e.Message.Content.Length} bytes, {e.Message.Mode}]");
            // Printed on the screen: displayed (RFC 5438 §7.2.1.1).
            _ = client.MarkDisplayedAsync(e.Message, CancellationToken.None);
        };
        client.NotificationReceived += (_, e) => Print($"  ({e.Status.ToString().ToLowerInvariant()}: {e.MessageId} by {e.From})");
        client.ComposingChanged += (_, e) =>
        {
            if (e.State == IsComposingState.Active)
            {
                Print($"  ({e.Chat.Peer} is typing…)");
            }
        };
        try
        {
            var registration = await client.StartAsync(ct).ConfigureAwait(false);
            Print($"registered {client.Identity} via {server} for {registration.Expires.TotalSeconds:F0} s" + (peer is null ? "; waiting for messages" : $"; lines go to {peer.ToAddressOfRecord()}; /quit ends"));
            RcsChat? chat = null;
            while (!ct.IsCancellationRequested)
            {
                string? line = await stdin.ReadLineAsync(ct).ConfigureAwait(false);
                if (line is null || line.Trim() == "/quit")
                {
                    break;
                }
                if (peer is null || line.Length == 0)
                {
                    continue;
                }
                try
                {
                    chat ??= await client.OpenChatAsync(peer, ct).ConfigureAwait(false);
                    if (chat.State == RcsChatState.Closed)
                    {
                        chat = await client.OpenChatAsync(peer, ct).ConfigureAwait(false);
                    }
                    var sent = await chat.SendMessageAsync(line, ct).ConfigureAwait(false);
                    Print($"  (sent {sent.MessageId}{(sent.IsStored ? ", stored for later delivery" : string.Empty)})");
                }
                catch (RcsException e)
                {
                    chat = null;
                    Print($"  (not sent: {e.Message})");
                    if (e.StatusCode == 480 && line.Length > 0)
                    {
                        // A chat needs the peer online; a standalone message can wait in the message centre.
                        var sent = await client.SendStandaloneAsync(peer, System.Text.Encoding.UTF8.GetBytes(line), "text/plain;charset=UTF-8", ct).ConfigureAwait(false);
                        Print($"  (sent standalone {sent.MessageId}: {sent.StatusCode})");
                    }
                }
            }
            // Let late receipts print.
            await Task.Delay(TimeSpan.FromMilliseconds(300), CancellationToken.None).ConfigureAwait(false);
            await client.StopAsync(CancellationToken.None).ConfigureAwait(false);
            Print("bye");
            return 0;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (RcsException e)
        {
            await stderr.WriteLineAsync("rcs chat: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }

    internal static SipEndPoint ParseServer(string text)
    {
        var protocol = SipTransportProtocol.Tcp;
        string rest = text;
        if (text.StartsWith("udp:", StringComparison.OrdinalIgnoreCase))
        {
            protocol = SipTransportProtocol.Udp;
            rest = text[4..];
        }
        else if (text.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase))
        {
            rest = text[4..];
        }
        if (!IPEndPoint.TryParse(rest, out var ep) || ep.Port == 0)
        {
            throw new FormatException($"--server '{text}' is not [udp:|tcp:]address:port");
        }
        return new SipEndPoint(protocol, ep);
    }

    internal static SipUri ParseUser(string text, string option)
    {
        string uri = text.Contains(':', StringComparison.Ordinal) ? text : "sip:" + text;
        if (!SipUri.TryParse(uri, out var parsed) || parsed.User is null)
        {
            throw new FormatException($"{option} '{text}' is not a SIP URI with a user, e.g. sip:alice@example.com");
        }
        return parsed;
    }
}
