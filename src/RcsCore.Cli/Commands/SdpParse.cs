using RcsCore.Parsing.Sdp;

namespace RcsCore.Cli.Commands;

/// <summary><c>rcs parse --sdp</c>: one line per SDP body: <c>path\tok\tsdp\tmedia-count</c> or <c>path\terror\tcode\tmessage</c>.</summary>
internal static class SdpParse
{
    public static string Describe(string path, byte[] bytes, out bool ok)
    {
        var result = SdpSession.TryParse(bytes, out var session);
        if (!result.IsSuccess || session is null)
        {
            ok = false;
            return $"{path}\terror\tsdp-{Kebab(result.Error.ToString())}\t{result.Message} at byte {result.Offset}";
        }
        ok = true;
        return $"{path}\tok\tsdp\t{session.Media.Count}";
    }

    private static string Kebab(string name)
    {
        var sb = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && sb.Length > 0)
            {
                sb.Append('-');
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
