namespace RcsCore.Cli.Commands;

internal static class SdpParse
{
    public static string Describe(string path, byte[] bytes, out bool ok)
    {
        ok = false;
        _ = bytes;
        return $"{path}\terror\tunsupported\tSDP parsing is not built yet";
    }
}
