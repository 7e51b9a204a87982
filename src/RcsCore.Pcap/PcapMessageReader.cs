using RcsCore.Pcap.Capture;

namespace RcsCore.Pcap;

/// <summary>
/// Reads SIP and MSRP messages out of a pcap or pcapng capture as a stream: packets are read one at a time and
/// every buffer is bounded (<see cref="PcapReadOptions"/>), so a capture of any size reads in constant memory.
/// Problems (corrupt records, truncation, TCP gaps, parse errors) are reported in <see cref="Issues"/> and reading
/// goes on where the file still allows.
/// </summary>
public sealed class PcapMessageReader : IDisposable
{
    private readonly CaptureFileReader _file;
    private readonly MessageExtractor _extractor;
    private readonly PcapReadOptions _options;
    private readonly List<PcapIssue> _issues = [];
    private bool _started;

    /// <summary>Opens a capture file.</summary>
    public PcapMessageReader(string path, PcapReadOptions? options = null)
        : this(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan), options, leaveOpen: false)
    {
    }

    /// <summary>Reads a capture from a stream (need not be seekable).</summary>
    public PcapMessageReader(Stream stream, PcapReadOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _options = options ?? PcapReadOptions.Default;
        Length = stream.CanSeek ? stream.Length : -1;
        _file = new CaptureFileReader(stream, OnIssue, leaveOpen);
        _extractor = new MessageExtractor(_options, Statistics, OnIssue);
    }

    /// <summary>Counters so far (final after <see cref="ReadMessages"/> has been enumerated to the end).</summary>
    public PcapStatistics Statistics { get; } = new();

    /// <summary>The issues found so far (the first <see cref="PcapReadOptions.MaxIssuesKept"/>).</summary>
    public IReadOnlyList<PcapIssue> Issues => _issues;

    /// <summary>Bytes of the file consumed so far (for progress reporting).</summary>
    public long Position => _file.Position;

    /// <summary>Length of the file, or -1 when the stream is not seekable.</summary>
    public long Length { get; }

    /// <summary>
    /// Enumerates the messages in capture order (by the packet that completed each). Can be enumerated once.
    /// Throws <see cref="InvalidDataException"/> when the input is not a pcap or pcapng file at all.
    /// </summary>
    public IEnumerable<PcapMessage> ReadMessages()
    {
        if (_started)
        {
            throw new InvalidOperationException("A capture is read once; create a new reader to read it again.");
        }
        _started = true;
        _file.ReadHeader();
        return Enumerate();
    }

    private IEnumerable<PcapMessage> Enumerate()
    {
        var batch = new List<PcapMessage>();
        while (true)
        {
            batch.Clear();
            bool more = ReadPacket(batch);
            foreach (var m in batch)
            {
                yield return m;
            }
            if (!more)
            {
                yield break;
            }
        }
    }

    /// <summary>Reads one packet and adds the messages it completed; false at the end (after flushing streams).</summary>
    private bool ReadPacket(List<PcapMessage> batch)
    {
        if (_file.TryRead(out var packet))
        {
            _extractor.ProcessPacket(packet, _file.PacketCount, batch);
            Statistics.FileBytes = _file.Position;
            return true;
        }
        _extractor.Finish(batch);
        Statistics.FileBytes = _file.Position;
        return false;
    }

    private void OnIssue(PcapIssue issue)
    {
        Statistics.Issues++;
        if (_issues.Count < _options.MaxIssuesKept)
        {
            _issues.Add(issue);
        }
        _options.OnIssue?.Invoke(issue);
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
