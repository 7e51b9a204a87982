using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace RcsCore.Transport.Tests.Sip;

/// <summary>
/// A tiny authoritative DNS responder on 127.0.0.1 (UDP, random port) answering from a canned zone: A, AAAA, SRV,
/// NAPTR; NODATA for a name that exists without the type, NXDOMAIN otherwise, with an SOA in the authority section
/// when <see cref="NegativeTtl"/> is set. Responses are encoded by hand (RFC 1035 §4.1). Stops when disposed.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    public const ushort TypeA = 1;
    public const ushort TypeSoa = 6;
    public const ushort TypeAaaa = 28;
    public const ushort TypeSrv = 33;
    public const ushort TypeNaptr = 35;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<Record> _zone = [];
    private readonly Lock _zoneLock = new();
    private readonly ConcurrentQueue<(string Name, ushort Type)> _queries = new();

    public TestDnsServer()
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(ServeAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>When true, queries are recorded but never answered (the client times out).</summary>
    public bool Silent { get; set; }

    /// <summary>The SOA TTL and MINIMUM sent with negative answers (RFC 2308 §3), or null to send no SOA.</summary>
    public uint? NegativeTtl { get; set; }

    /// <summary>Every question received, lower case without the trailing dot, in arrival order.</summary>
    public IReadOnlyList<(string Name, ushort Type)> Queries => [.. _queries];

    public int QueryCount => _queries.Count;

    public void ClearQueries() => _queries.Clear();

    /// <summary>A client that asks only this server: no client cache, no retries, a short timeout.</summary>
    public LookupClient CreateClient(TimeSpan? timeout = null) => new(new LookupClientOptions(new NameServer(EndPoint))
    {
        UseCache = false,
        Retries = 0,
        Timeout = timeout ?? TimeSpan.FromSeconds(5),
        UseTcpFallback = false,
    });

    public TestDnsServer A(string name, string address, uint ttl = 300) =>
        Add(name, TypeA, ttl, IPAddress.Parse(address).GetAddressBytes());

    public TestDnsServer Aaaa(string name, string address, uint ttl = 300) =>
        Add(name, TypeAaaa, ttl, IPAddress.Parse(address).GetAddressBytes());

    /// <summary>RFC 2782: priority, weight, port, then the target as an uncompressed name.</summary>
    public TestDnsServer Srv(string name, ushort priority, ushort weight, ushort port, string target, uint ttl = 300)
    {
        var rdata = new List<byte>();
        AddUInt16(rdata, priority);
        AddUInt16(rdata, weight);
        AddUInt16(rdata, port);
        AddName(rdata, target);
        return Add(name, TypeSrv, ttl, [.. rdata]);
    }

    /// <summary>RFC 3403 §4.1: order, preference, flags, services, regexp (character-strings), replacement (a name).</summary>
    public TestDnsServer Naptr(string name, ushort order, ushort preference, string flags, string services, string replacement, uint ttl = 300)
    {
        var rdata = new List<byte>();
        AddUInt16(rdata, order);
        AddUInt16(rdata, preference);
        AddCharacterString(rdata, flags);
        AddCharacterString(rdata, services);
        AddCharacterString(rdata, "");
        AddName(rdata, replacement);
        return Add(name, TypeNaptr, ttl, [.. rdata]);
    }

    private TestDnsServer Add(string name, ushort type, uint ttl, byte[] rdata)
    {
        lock (_zoneLock)
        {
            _zone.Add(new Record(Normalize(name), type, ttl, rdata));
        }
        return this;
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[4096];
        var any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable from an earlier reply to a client that went away.
            }
            byte[]? response = Answer(buffer.AsSpan(0, received.ReceivedBytes));
            if (response is null || Silent)
            {
                continue;
            }
            try
            {
                await _socket.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    /// <summary>RFC 1035 §4.1: header, the question echoed, then answers and (for negative answers) an SOA.</summary>
    private byte[]? Answer(ReadOnlySpan<byte> query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query[4..]) != 1)
        {
            return null;
        }
        // RFC 1035 §4.1.2: QNAME as labels (queries are never compressed), then QTYPE and QCLASS.
        int offset = 12;
        var name = new StringBuilder();
        while (offset < query.Length && query[offset] != 0)
        {
            int length = query[offset];
            if (length > 63 || offset + 1 + length > query.Length)
            {
                return null;
            }
            if (name.Length > 0)
            {
                name.Append('.');
            }
            name.Append(Encoding.ASCII.GetString(query.Slice(offset + 1, length)));
            offset += 1 + length;
        }
        offset++;
        if (offset + 4 > query.Length)
        {
            return null;
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(query[offset..]);
        offset += 4;
        ReadOnlySpan<byte> question = query[12..offset];
        string qname = Normalize(name.ToString());
        _queries.Enqueue((qname, type));

        var answers = new List<Record>();
        bool exists = false;
        lock (_zoneLock)
        {
            foreach (var r in _zone)
            {
                // A name exists if it owns records or has names below it (an empty non-terminal, RFC 8020 §2).
                if (r.Name == qname || r.Name.EndsWith("." + qname, StringComparison.Ordinal))
                {
                    exists = true;
                }
                if (r.Name == qname && r.Type == type)
                {
                    answers.Add(r);
                }
            }
        }
        bool soa = answers.Count == 0 && NegativeTtl is not null;

        var response = new List<byte>(512);
        AddUInt16(response, BinaryPrimitives.ReadUInt16BigEndian(query)); // ID
        // QR=1, opcode copied, AA=1, RD copied; RA=0; RCODE 0 (NOERROR) or 3 (NXDOMAIN).
        byte flags1 = (byte)(0x80 | (query[2] & 0x79) | 0x04);
        byte flags2 = (byte)(exists ? 0 : 3);
        response.Add(flags1);
        response.Add(flags2);
        AddUInt16(response, 1);
        AddUInt16(response, (ushort)answers.Count);
        AddUInt16(response, (ushort)(soa ? 1 : 0));
        AddUInt16(response, 0);
        response.AddRange(question.ToArray());
        foreach (var r in answers)
        {
            AddResource(response, r.Name, r.Type, r.Ttl, r.RData);
        }
        if (soa)
        {
            uint ttl = NegativeTtl!.Value;
            var rdata = new List<byte>();
            AddName(rdata, "ns.test");
            AddName(rdata, "hostmaster.test");
            AddUInt32(rdata, 1); // serial
            AddUInt32(rdata, 3600); // refresh
            AddUInt32(rdata, 600); // retry
            AddUInt32(rdata, 86400); // expire
            AddUInt32(rdata, ttl); // minimum: the negative TTL (RFC 2308 §4)
            AddResource(response, "test", TypeSoa, ttl, [.. rdata]);
        }
        return [.. response];
    }

    private static void AddResource(List<byte> to, string name, ushort type, uint ttl, byte[] rdata)
    {
        // RFC 1035 §4.1.3: NAME, TYPE, CLASS (IN), TTL, RDLENGTH, RDATA.
        AddName(to, name);
        AddUInt16(to, type);
        AddUInt16(to, 1);
        AddUInt32(to, ttl);
        AddUInt16(to, (ushort)rdata.Length);
        to.AddRange(rdata);
    }

    private static void AddName(List<byte> to, string name)
    {
        foreach (var label in Normalize(name).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            to.Add((byte)label.Length);
            to.AddRange(Encoding.ASCII.GetBytes(label));
        }
        to.Add(0);
    }

    private static void AddCharacterString(List<byte> to, string value)
    {
        to.Add((byte)value.Length);
        to.AddRange(Encoding.ASCII.GetBytes(value));
    }

    private static void AddUInt16(List<byte> to, ushort value)
    {
        to.Add((byte)(value >> 8));
        to.Add((byte)value);
    }

    private static void AddUInt32(List<byte> to, uint value)
    {
        AddUInt16(to, (ushort)(value >> 16));
        AddUInt16(to, (ushort)value);
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed record Record(string Name, ushort Type, uint Ttl, byte[] RData);
}
