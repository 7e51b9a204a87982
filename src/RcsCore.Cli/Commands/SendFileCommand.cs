using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RcsCore.Ims.Client;
using RcsCore.Rcs;
using RcsCore.Sip.Messages;
using RcsCore.Sip.Transport;
using Spectre.Console;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs send-file</c>: registers, sends one file to <c>--to</c> (RCS file transfer over MSRP, RFC 5547) with a
/// progress bar, prints the outcome and the SHA-256, and deregisters. Exit code 0 when the file arrived, 1 otherwise.
/// The receiving side by hand: <c>rcs chat --download-dir DIR</c>.
/// </summary>
internal static class SendFileCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var server = new Option<string>("--server") { Description = "The message centre as [udp:|tcp:]address:port (default tcp), e.g. tcp:127.0.0.1:5060.", Required = true };
        var user = new Option<string>("--user") { Description = "Your identity, e.g. sip:alice@example.com.", Required = true };
        var password = new Option<string?>("--password") { Description = "Digest password (omit to register without authentication)." };
        var to = new Option<string>("--to") { Description = "The recipient, e.g. sip:bob@example.com.", Required = true };
        var resumeFrom = new Option<long>("--resume-from") { Description = "Resume an interrupted transfer: bytes the recipient already has (RFC 5547 a=file-range).", DefaultValueFactory = _ => 0 };
        var method = new Option<RcsFileTransferMethod>("--method") { Description = "auto (HTTP when a content server is given and the peer supports it or is offline, else MSRP), msrp or http.", DefaultValueFactory = _ => RcsFileTransferMethod.Auto };
        var contentServer = new Option<string?>("--content-server") { Description = "The FT over HTTP content server (GSMA RCC.07), e.g. http://127.0.0.1:8080/ (rcs serve --data runs one there); needs --password." };
        var relay = new Option<string?>("--msrp-relay") { Description = "The message centre's MSRP relay (RFC 4976), e.g. msrp://127.0.0.1:2855;tcp; needs --password." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level (to stderr).", DefaultValueFactory = _ => LogLevel.Warning };
        var file = new Argument<FileInfo>("FILE") { Description = "The file to send." };
        var cmd = new Command("send-file", "Send a file to --to (RCS file transfer over MSRP, RFC 5547, or over HTTP, GSMA RCC.07), with a progress bar.");
        cmd.Options.Add(server);
        cmd.Options.Add(user);
        cmd.Options.Add(password);
        cmd.Options.Add(to);
        cmd.Options.Add(resumeFrom);
        cmd.Options.Add(method);
        cmd.Options.Add(contentServer);
        cmd.Options.Add(relay);
        cmd.Options.Add(logLevel);
        cmd.Arguments.Add(file);
        cmd.SetAction(async (result, ct) =>
        {
            SipEndPoint serverEndPoint;
            SipUri identity;
            SipUri peer;
            RcsCore.Parsing.Msrp.MsrpUri? relayUri = null;
            var path = result.GetValue(file)!;
            try
            {
                serverEndPoint = ChatCommand.ParseServer(result.GetValue(server)!);
                identity = ChatCommand.ParseUser(result.GetValue(user)!, "--user");
                peer = ChatCommand.ParseUser(result.GetValue(to)!, "--to");
                if ((ChatCommand.ParseContentServer(result.GetValue(contentServer)) is not null || result.GetValue(relay) is not null) && result.GetValue(password) is null)
                {
                    throw new FormatException("--content-server and --msrp-relay need --password");
                }
                if (result.GetValue(relay) is { } relayText && !RcsCore.Parsing.Msrp.MsrpUri.TryParse(relayText, out relayUri))
                {
                    throw new FormatException($"--msrp-relay '{relayText}' is not an msrp: URI");
                }
                if (result.GetValue(method) == RcsFileTransferMethod.Http && ChatCommand.ParseContentServer(result.GetValue(contentServer)) is null)
                {
                    throw new FormatException("--method http needs --content-server");
                }
            }
            catch (FormatException e)
            {
                await stderr.WriteLineAsync("rcs send-file: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            if (!path.Exists)
            {
                await stderr.WriteLineAsync($"rcs send-file: {path.FullName} does not exist").ConfigureAwait(false);
                return 2;
            }
            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(result.GetValue(logLevel)));
            var transfer = new RcsFileTransferOptions { ResumeFrom = result.GetValue(resumeFrom), Method = result.GetValue(method) };
            return await RunAsync(stdout, stderr, serverEndPoint, identity, result.GetValue(password), peer, path, transfer, ChatCommand.ParseContentServer(result.GetValue(contentServer)), relayUri, logs, ct).ConfigureAwait(false);
        });
        return cmd;
    }

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, SipEndPoint server, SipUri identity, string? password, SipUri peer, FileInfo file,
        RcsFileTransferOptions transfer, Uri? contentServer, RcsCore.Parsing.Msrp.MsrpUri? relay, ILoggerFactory logs, CancellationToken ct)
    {
        var console = DemoCommand.CreateConsole(stdout);
        await using var client = new RcsClient(new RcsClientOptions
        {
            PublicIdentity = identity,
            Server = server,
            Credentials = password is null ? null : ImsCredentials.FromPassword(password),
            FileTransferHttpServer = contentServer,
            MsrpRelay = relay,
            Product = "rcs-send-file",
        }, logs);
        try
        {
            await client.StartAsync(ct).ConfigureAwait(false);
            console.MarkupLine($"registered {Markup.Escape(client.Identity)}; sending [bold]{Markup.Escape(file.Name)}[/] ({file.Length:N0} bytes) to {Markup.Escape(peer.ToAddressOfRecord())}");
            RcsFileTransferResult? sent = null;
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape(file.Name), maxValue: Math.Max(1, file.Length));
                    task.Value = transfer.ResumeFrom;
                    var progress = new Reporter(p => task.Value = p.BytesTransferred);
                    sent = await client.SendFileAsync(peer, file.FullName, transfer, progress, ct).ConfigureAwait(false);
                    if (sent.IsSuccess)
                    {
                        task.Value = task.MaxValue;
                    }
                    task.StopTask();
                }).ConfigureAwait(false);
            var outcome = sent!;
            console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"{outcome.Outcome.ToString().ToLowerInvariant()} over {outcome.Method.ToString().ToUpperInvariant()}: {outcome.BytesTransferred:N0} of {outcome.TotalBytes:N0} bytes, transfer id {Markup.Escape(outcome.TransferId)}")
                + (outcome.Reason is null ? string.Empty : $" ({Markup.Escape(outcome.Reason)})"));
            if (outcome.Sha256 is { } sha256)
            {
                console.MarkupLine("sha-256 " + Convert.ToHexStringLower(sha256.Span));
            }
            await client.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return outcome.IsSuccess ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            return 1;
        }
        catch (RcsException e)
        {
            await stderr.WriteLineAsync("rcs send-file: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }

    private sealed class Reporter(Action<RcsFileTransferProgress> report) : IProgress<RcsFileTransferProgress>
    {
        public void Report(RcsFileTransferProgress value) => report(value);
    }
}
