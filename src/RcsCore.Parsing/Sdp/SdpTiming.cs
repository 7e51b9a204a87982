namespace RcsCore.Parsing.Sdp;

/// <summary>A time description: one <c>t=</c> line (RFC 8866 §5.9) and its <c>r=</c> lines (§5.10).</summary>
public sealed class SdpTiming
{
    /// <summary>Creates a time description.</summary>
    /// <param name="start">The start time in NTP seconds, or 0.</param>
    /// <param name="stop">The stop time in NTP seconds, or 0.</param>
    public SdpTiming(ulong start, ulong stop)
    {
        Start = start;
        Stop = stop;
    }

    /// <summary>The start time in NTP seconds; 0 with <see cref="Stop"/> 0 means a permanent session.</summary>
    public ulong Start { get; set; }

    /// <summary>The stop time in NTP seconds; 0 means unbounded.</summary>
    public ulong Stop { get; set; }

    /// <summary>The values of the <c>r=</c> lines that follow the <c>t=</c> line, kept as written.</summary>
    public IList<string> Repeats { get; } = new List<string>();
}
