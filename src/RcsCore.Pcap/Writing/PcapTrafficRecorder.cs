using System.Net;
using System.Net.Sockets;
using RcsCore.Pcap.Writing;
using RcsCore.Sip.Transport;

namespace RcsCore.Pcap;

/// <summary>
/// Records application payloads as a pcapng capture, synthesising the IPv4/IPv6 and UDP/TCP headers for the given
/// endpoints (each TCP connection gets a handshake and consistent sequence numbers), so Wireshark shows the traffic
/// as if it had been sniffed. As an <see cref="ISipTransportObserver"/> it records what a SIP transport layer sends
/// and receives (<c>rcs serve --capture</c>). Thread-safe.
/// </summary>
public sealed class PcapTrafficRecorder : ISipTransportObserver, IDisposable
{
    private const int MaxSegment = 32 * 1024;

    private readonly Lock _lock = new();
    private readonly PcapngWriter _writer;
    private readonly PcapLinkType _linkType;
    private readonly int _interface;
    private readonly TimeProvider _time;
    private readonly Dictionary<(IPEndPoint, IPEndPoint), TcpState> _tcp = [];
    private byte[] _packet = new byte[PacketSynthesizer.MaxHeaders + MaxSegment];
    private long _lastFlush;
    private ushort _ipId;
    private bool _disposed;

    /// <summary>Records into a stream.</summary>
    public PcapTrafficRecorder(Stream stream, PcapLinkType linkType = PcapLinkType.Ethernet, TimeProvider? timeProvider = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (linkType is not (PcapLinkType.Ethernet or PcapLinkType.Raw or PcapLinkType.Null or PcapLinkType.Loop or PcapLinkType.LinuxSll or PcapLinkType.LinuxSll2))
        {
            throw new ArgumentOutOfRangeException(nameof(linkType), linkType, "Recording supports Ethernet, Raw, Null, Loop, LinuxSll and LinuxSll2.");
        }
        _linkType = linkType;
        _time = timeProvider ?? TimeProvider.System;
        _writer = new PcapngWriter(stream, leaveOpen);
        _interface = _writer.AddInterface(linkType, 262_144, "rcscore");
        _lastFlush = _time.GetTimestamp();
    }

    /// <summary>Records into a new file (overwritten when it exists).</summary>
    public PcapTrafficRecorder(string path, PcapLinkType linkType = PcapLinkType.Ethernet, TimeProvider? timeProvider = null)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024), linkType, timeProvider)
    {
    }

    private sealed class TcpState
    {
        public uint ClientSeq;
        public uint ServerSeq;
        public IPEndPoint Client = null!;
    }

    /// <summary>Packets written so far.</summary>
    public long PacketCount
    {
        get
        {
            lock (_lock)
            {
                return _writer.PacketCount;
            }
        }
    }

    /// <summary>Records one UDP datagram.</summary>
    public void RecordUdp(IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        (source, destination) = Normalise(source, destination);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var now = _time.GetUtcNow();
            // A datagram larger than one IP packet allows is cut to the largest UDP payload (a capture cannot hold more).
            var p = payload[..Math.Min(payload.Length, 65_507)];
            int n = PacketSynthesizer.Udp(Buffer(p.Length), _linkType, source, destination, p, _ipId++);
            _writer.WritePacket(_interface, now, _packet.AsSpan(0, n));
            MaybeFlush();
        }
    }

    /// <summary>
    /// Records bytes sent on a TCP connection from <paramref name="source"/> to <paramref name="destination"/>. The
    /// first bytes of a connection are preceded by a synthesised three-way handshake (the first sender is taken as
    /// the client); sequence and acknowledgment numbers continue across calls.
    /// </summary>
    public void RecordTcp(IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        (source, destination) = Normalise(source, destination);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var now = _time.GetUtcNow();
            // One entry per connection whichever way the bytes flow.
            if (!_tcp.TryGetValue((source, destination), out var s) && !_tcp.TryGetValue((destination, source), out s))
            {
                s = new TcpState { ClientSeq = 1000, ServerSeq = 5000, Client = source };
                _tcp[(source, destination)] = s;
                // RFC 9293 §3.5: SYN, SYN-ACK, ACK.
                WriteTcp(now, source, destination, s.ClientSeq, 0, TcpFlags.Syn, []);
                WriteTcp(now, destination, source, s.ServerSeq, s.ClientSeq + 1, TcpFlags.Syn | TcpFlags.Ack, []);
                s.ClientSeq++;
                s.ServerSeq++;
                WriteTcp(now, source, destination, s.ClientSeq, s.ServerSeq, TcpFlags.Ack, []);
            }
            bool fromClient = s.Client.Equals(source);
            while (!payload.IsEmpty)
            {
                var chunk = payload[..Math.Min(payload.Length, MaxSegment)];
                if (fromClient)
                {
                    WriteTcp(now, source, destination, s.ClientSeq, s.ServerSeq, TcpFlags.Psh | TcpFlags.Ack, chunk);
                    s.ClientSeq += (uint)chunk.Length;
                }
                else
                {
                    WriteTcp(now, source, destination, s.ServerSeq, s.ClientSeq, TcpFlags.Psh | TcpFlags.Ack, chunk);
                    s.ServerSeq += (uint)chunk.Length;
                }
                payload = payload[chunk.Length..];
            }
            MaybeFlush();
        }
    }

    /// <summary>Writes buffered packets to the file.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _writer.Flush();
            }
        }
    }

    /// <inheritdoc />
    void ISipTransportObserver.OnReceived(SipEndPoint local, SipEndPoint remote, ReadOnlySpan<byte> data) => Record(remote, local, data);

    /// <inheritdoc />
    void ISipTransportObserver.OnSent(SipEndPoint local, SipEndPoint remote, ReadOnlySpan<byte> data) => Record(local, remote, data);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _writer.Dispose();
        }
    }

    private void Record(SipEndPoint from, SipEndPoint to, ReadOnlySpan<byte> data)
    {
        if (from.Address.AddressFamily != to.Address.AddressFamily)
        {
            return; // mapped addresses on a dual-stack socket: nothing consistent to synthesise
        }
        if (from.Protocol == SipTransportProtocol.Udp)
        {
            RecordUdp(from.Address, to.Address, data);
        }
        else
        {
            // TLS is recorded as the plaintext it carries (a capture of the ciphertext would show nothing).
            RecordTcp(from.Address, to.Address, data);
        }
    }

    private static (IPEndPoint, IPEndPoint) Normalise(IPEndPoint source, IPEndPoint destination)
    {
        if (source.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException("Source and destination must be of the same address family.", nameof(destination));
        }
        // A socket bound to the wildcard address sends from a real one; loopback is the best guess for a capture.
        return (Concrete(source, destination), Concrete(destination, source));
    }

    private static IPEndPoint Concrete(IPEndPoint ep, IPEndPoint other)
    {
        if (ep.Address.Equals(IPAddress.Any) || ep.Address.Equals(IPAddress.IPv6Any))
        {
            var addr = IPAddress.IsLoopback(other.Address) ? other.Address
                : ep.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
            return new IPEndPoint(addr, ep.Port);
        }
        return ep;
    }

    private Span<byte> Buffer(int payload)
    {
        int need = PacketSynthesizer.MaxHeaders + payload;
        if (_packet.Length < need)
        {
            _packet = new byte[need];
        }
        return _packet;
    }

    private void WriteTcp(DateTimeOffset now, IPEndPoint source, IPEndPoint destination, uint seq, uint ack, TcpFlags flags, ReadOnlySpan<byte> payload)
    {
        int n = PacketSynthesizer.Tcp(Buffer(payload.Length), _linkType, source, destination, seq, ack, flags, payload, _ipId++);
        _writer.WritePacket(_interface, now, _packet.AsSpan(0, n));
    }

    private void MaybeFlush()
    {
        // Flush at most once a second so a running server's capture is readable without a syscall per packet.
        if (_time.GetElapsedTime(_lastFlush) >= TimeSpan.FromSeconds(1))
        {
            _writer.Flush();
            _lastFlush = _time.GetTimestamp();
        }
    }
}
