using System.Globalization;
using System.Text;
using RcsCore.Parsing.Msrp;

namespace RcsCore.Cli.Commands;

/// <summary>
/// <c>rcs parse --msrp</c>: one line per file holding one MSRP message (RFC 4975):
/// <c>path\tok\tMETHOD-or-status\theader-count</c> or <c>path\terror\tmsrp-code\tmessage</c>.
/// </summary>
internal static class MsrpParse
{
    public static string Describe(string path, byte[] bytes, out bool ok)
    {
        var result = MsrpMessageParser.Parse(bytes, out var info);
        if (!result.IsSuccess)
        {
            ok = false;
            return $"{path}\terror\tmsrp-{MsrpParseErrors.Code(result.Error)}\t{result.Message}";
        }
        ok = true;
        string what;
        if (info.Kind == MsrpMessageKind.Response)
        {
            what = info.StatusCode.ToString("D3", CultureInfo.InvariantCulture);
        }
        else
        {
            var reader = new MsrpReader(bytes);
            reader.ReadStartLine(out var start);
            what = Encoding.ASCII.GetString(start.MethodName);
        }
        return $"{path}\tok\t{what}\t{info.HeaderCount}";
    }
}
