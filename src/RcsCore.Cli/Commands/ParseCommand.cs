using System.CommandLine;
using System.Text;
using RcsCore.Parsing.Sip;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs parse [--sdp|--msrp|--stream] FILE...</c>: one line per file, a stable format that scripts and external corpora rely on:
/// <c>path\tok\tMETHOD-or-status\theader-count</c> or <c>path\terror\tcode\tmessage</c>. Exit 0 when all are ok.
/// </summary>
internal static class ParseCommand
{
    public static Command Create(TextWriter stdout)
    {
        var files = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Files, each holding one message (exact wire bytes)." };
        var sdp = new Option<bool>("--sdp") { Description = "Each file is a bare SDP body (RFC 8866)." };
        var stream = new Option<bool>("--stream") { Description = "Apply stream-transport framing (Content-Length required) instead of datagram framing." };
        var msrp = new Option<bool>("--msrp") { Description = "Each file is one MSRP message (RFC 4975), end-line included." };
        var cmd = new Command("parse", "Parse SIP messages (or SDP bodies, or MSRP messages) and print one line per file.");
        cmd.Arguments.Add(files);
        cmd.Options.Add(sdp);
        cmd.Options.Add(stream);
        cmd.Options.Add(msrp);
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(msrp) && (r.GetValue(sdp) || r.GetValue(stream)))
            {
                r.AddError("--msrp cannot be combined with --sdp or --stream.");
            }
        });
        cmd.SetAction(result =>
        {
            var paths = result.GetValue(files) ?? [];
            bool allOk = true;
            foreach (var path in paths)
            {
                bool ok;
                string line = result.GetValue(msrp) ? ParseMsrpFile(path, out ok)
                    : result.GetValue(sdp) ? ParseSdpFile(path, out ok)
                    : ParseSipFile(path, result.GetValue(stream), out ok);
                allOk &= ok;
                stdout.Write(line);
                stdout.Write('\n');
            }
            return allOk ? 0 : 1;
        });
        return cmd;
    }

    internal static string ParseSipFile(string path, bool streamFraming, out bool ok)
    {
        if (!TryRead(path, out var bytes, out var error))
        {
            ok = false;
            return $"{path}\terror\tio\t{error}";
        }
        var framing = streamFraming ? SipFraming.Stream : SipFraming.Datagram;
        var result = SipMessageParser.Parse(bytes, framing, out var info);
        if (!result.IsSuccess)
        {
            ok = false;
            return $"{path}\terror\t{SipParseErrors.Code(result.Error)}\t{result.Message}";
        }
        ok = true;
        string what;
        if (info.Kind == SipStartLineKind.Response)
        {
            what = info.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            var reader = new SipReader(bytes);
            reader.ReadStartLine(out var start);
            what = Encoding.UTF8.GetString(start.Method);
        }
        return $"{path}\tok\t{what}\t{info.HeaderCount}";
    }

    internal static string ParseMsrpFile(string path, out bool ok)
    {
        if (!TryRead(path, out var bytes, out var error))
        {
            ok = false;
            return $"{path}\terror\tio\t{error}";
        }
        return MsrpParse.Describe(path, bytes, out ok);
    }

    internal static string ParseSdpFile(string path, out bool ok)
    {
        if (!TryRead(path, out var bytes, out var error))
        {
            ok = false;
            return $"{path}\terror\tio\t{error}";
        }
        return SdpParse.Describe(path, bytes, out ok);
    }

    private static bool TryRead(string path, out byte[] bytes, out string error)
    {
        try
        {
            bytes = File.ReadAllBytes(path);
            error = string.Empty;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            bytes = [];
            error = e.Message.ReplaceLineEndings(" ");
            return false;
        }
    }
}
