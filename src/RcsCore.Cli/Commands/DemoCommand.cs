using System.CommandLine;
using System.Diagnostics;
using System.Text;
using RcsCore.Parsing.Sdp;
using RcsCore.Parsing.Sip;
using RcsCore.Sip.Messages;
using Spectre.Console;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs demo</c>: shows what the stack does today. It builds an RCS 1-1 chat INVITE with an MSRP SDP offer,
/// parses it back, answers it per RFC 3261 §8.2.6, runs the RFC 4475 torture corpus through the parser, then runs a
/// server and three user agents on 127.0.0.1 exchanging OPTIONS, MESSAGE and a call, then RCS messaging between three
/// <c>RcsClient</c>s through the message centre (<see cref="DemoMessaging"/>).
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TextWriter stdout)
    {
        var corpus = new Option<string?>("--corpus") { Description = "Folder with the RFC 4475 torture messages (default: ../shared/corpus/sip/torture next to the repo)." };
        var cmd = new Command("demo", "Run the RcsCore demo on loopback.");
        cmd.Options.Add(corpus);
        cmd.SetAction(async (result, ct) =>
        {
            int parse = Run(stdout, result.GetValue(corpus));
            var console = CreateConsole(stdout);
            bool live = await DemoLoopback.RunAsync(console).ConfigureAwait(false);
            bool messaging = await DemoMessaging.RunAsync(console).ConfigureAwait(false);
            return parse == 0 && live && messaging ? 0 : 1;
        });
        return cmd;
    }

    private static int Run(TextWriter stdout, string? corpusDir)
    {
        var console = CreateConsole(stdout);
        console.Write(new Rule("[bold]RcsCore demo[/]: SIP + SDP message layer"));

        // 1. Alice builds an RCS chat INVITE (GSMA RCC.07 / OMA CPM ICSI, MSRP media per RFC 4975).
        var sdp = new SdpSession
        {
            Origin = new SdpOrigin("-", "3973074313", "3973074313", "IN", "IP4", "127.0.0.1"),
            Connection = new SdpConnection("IN", "IP4", "127.0.0.1"),
        };
        var media = SdpMedia.CreateMsrp(9, "msrp://127.0.0.1:9/hk3jd82x;tcp", ["message/cpim", "application/im-iscomposing+xml"]);
        media.AcceptWrappedTypes = ["text/plain", "message/imdn+xml"];
        media.Setup = SdpSetup.Active;
        sdp.Media.Add(media);

        var sw = Stopwatch.StartNew();
        var builder = new SipRequestBuilder("INVITE", SipUri.Parse("sip:bob@127.0.0.1:5060"));
        builder.AddHeader(SipHeaderName.Via, $"SIP/2.0/TCP 127.0.0.1:5070;branch={SipIds.NewBranch()}")
            .AddHeader(SipHeaderName.MaxForwards, "70")
            .AddHeader(SipHeaderName.From, $"\"Alice\" <sip:alice@127.0.0.1>;tag={SipIds.NewTag()}")
            .AddHeader(SipHeaderName.To, "<sip:bob@127.0.0.1>")
            .AddHeader(SipHeaderName.CallId, SipIds.NewCallId("127.0.0.1"))
            .AddHeader(SipHeaderName.CSeq, "1 INVITE")
            .AddHeader(SipHeaderName.Contact, "<sip:alice@127.0.0.1:5070;transport=tcp>;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"")
            .AddHeader(SipHeaderName.AcceptContact, "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"")
            .AddHeader(SipHeaderName.PPreferredService, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session")
            .AddHeader(SipHeaderName.ContributionId, Guid.NewGuid().ToString("N"))
            .AddHeader(SipHeaderName.ConversationId, Guid.NewGuid().ToString("N"))
            .SetBody(sdp.ToArray(), "application/sdp");
        var invite = ((SipRequestBuilder)builder).Build();
        var buildTime = sw.Elapsed;

        // 2. Bob's side parses the wire bytes.
        sw.Restart();
        var parse = SipMessage.TryParse(invite.ToArray(), SipFraming.Stream, out var parsed);
        var parseTime = sw.Elapsed;
        if (!parse.IsSuccess || parsed is not SipRequest received)
        {
            console.MarkupLine($"[red]parse failed:[/] {Markup.Escape(parse.Message)}");
            return 1;
        }
        SdpSession.TryParse(received.Body.Span, out var offer);
        var offered = offer!.Media[0];

        var table = new Table().AddColumn("field").AddColumn("value");
        table.AddRow("start line", Markup.Escape($"{received.Method} {received.RequestUriText}"));
        table.AddRow("top Via branch", Markup.Escape(received.TopVia!.Branch ?? "-"));
        table.AddRow("From", Markup.Escape($"{received.From!.DisplayName} {received.From.Uri} tag={received.From.Tag}"));
        table.AddRow("Call-ID", Markup.Escape(received.CallId!));
        table.AddRow("CSeq", Markup.Escape(received.CSeq!.ToString()!));
        table.AddRow("Contact feature tag", Markup.Escape(received.Contacts[0].GetParameter("+g.3gpp.icsi-ref") ?? "-"));
        table.AddRow("SDP media", Markup.Escape($"m={offered.MediaType} {offered.Port} {offered.Protocol}"));
        table.AddRow("MSRP path", Markup.Escape(string.Join(" ", offered.Paths)));
        table.AddRow("accept-types", Markup.Escape(string.Join(" ", offered.AcceptTypes)));
        table.AddRow("bytes on the wire", received.Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        console.Write(table);

        // 3. Bob answers 200 OK built from the request (RFC 3261 §8.2.6.2).
        var ok = SipResponseBuilder.For(received, 200).Build();
        console.MarkupLine($"[green]answer[/]: {ok.StatusCode} {Markup.Escape(ok.ReasonPhrase)}, To tag {Markup.Escape(ok.To!.Tag ?? "-")}, same Call-ID: {ok.CallId == received.CallId}");
        console.MarkupLine($"built in {buildTime.TotalMicroseconds:F0} µs, parsed in {parseTime.TotalMicroseconds:F0} µs (first call, includes JIT)");

        // 4. The RFC 4475 torture corpus.
        var dir = corpusDir ?? FindTortureDir();
        if (dir is null || !File.Exists(Path.Combine(dir, "MANIFEST.tsv")))
        {
            console.MarkupLine("[yellow]torture corpus not found[/] (expected ../shared/corpus/sip/torture next to the repository); skipping that part");
            return 0;
        }
        int agree = 0, total = 0;
        var mismatches = new StringBuilder();
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "MANIFEST.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            var bytes = File.ReadAllBytes(Path.Combine(dir, cols[0]));
            bool accepted = SipMessageParser.Parse(bytes, SipFraming.Datagram, out _).IsSuccess;
            total++;
            if (accepted == (cols[1] == "valid"))
            {
                agree++;
            }
            else
            {
                mismatches.Append(cols[0]).Append(' ');
            }
        }
        console.MarkupLine($"RFC 4475 torture tests: [bold]{agree}/{total}[/] handled as the RFC says {(mismatches.Length > 0 ? "(mismatch: " + Markup.Escape(mismatches.ToString()) + ")" : string.Empty)}");
        return agree == total ? 0 : 1;
    }

    /// <summary>A Spectre console on <paramref name="stdout"/>: colours on a terminal, plain text when captured.</summary>
    internal static IAnsiConsole CreateConsole(TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = ReferenceEquals(stdout, Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(stdout, Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!ReferenceEquals(stdout, Console.Out) || Console.IsOutputRedirected)
        {
            // Captured or piped: no terminal width to follow; wide enough that transcript lines stay whole.
            console.Profile.Width = 160;
        }
        return console;
    }

    private static string? FindTortureDir()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "corpus", "sip", "torture");
                if (File.Exists(Path.Combine(dir.FullName, "RcsCore.sln")) && Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
                dir = dir.Parent;
            }
        }
        return null;
    }
}
