using System.Net;
using RcsCore.Sip.Messages;

namespace RcsCore.Pcap;

/// <summary>The transport a message was carried on in the capture.</summary>
public enum PcapTransport : byte
{
    /// <summary>UDP: one datagram (after IP reassembly) is one message.</summary>
    Udp = 0,
    /// <summary>TCP: messages framed out of the reassembled byte stream.</summary>
    Tcp = 1,
}

/// <summary>The application protocol a message was recognised as (by content, on any port).</summary>
public enum PcapProtocol : byte
{
    /// <summary>SIP (RFC 3261).</summary>
    Sip = 0,
    /// <summary>MSRP (RFC 4975).</summary>
    Msrp = 1,
}

/// <summary>One SIP or MSRP message decoded from a capture, with where and when it travelled.</summary>
public sealed class PcapMessage
{
    internal PcapMessage(long index, long packetNumber, long firstPacketNumber, long timestampTicks, IPEndPoint source, IPEndPoint destination,
        PcapTransport transport, PcapProtocol protocol, ReadOnlyMemory<byte> data, long connectionId)
    {
        Index = index;
        PacketNumber = packetNumber;
        FirstPacketNumber = firstPacketNumber;
        Timestamp = new DateTimeOffset(DateTime.UnixEpoch.Ticks + timestampTicks, TimeSpan.Zero);
        Source = source;
        Destination = destination;
        Transport = transport;
        Protocol = protocol;
        Data = data;
        ConnectionId = connectionId;
    }

    /// <summary>0-based position of this message among the messages of the capture.</summary>
    public long Index { get; }

    /// <summary>The packet (1-based, as Wireshark numbers them) that completed the message.</summary>
    public long PacketNumber { get; }

    /// <summary>The packet that carried the first byte of the message (differs from <see cref="PacketNumber"/> for TCP messages spanning segments).</summary>
    public long FirstPacketNumber { get; }

    /// <summary>Capture time of <see cref="PacketNumber"/> (UTC).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Sender address and port.</summary>
    public IPEndPoint Source { get; }

    /// <summary>Receiver address and port.</summary>
    public IPEndPoint Destination { get; }

    /// <summary>UDP or TCP.</summary>
    public PcapTransport Transport { get; }

    /// <summary>SIP or MSRP.</summary>
    public PcapProtocol Protocol { get; }

    /// <summary>The message bytes (for a parse error, the bytes that were skipped as the bad message).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>For TCP the capture-wide number of the connection (1, 2, ...); 0 for UDP.</summary>
    public long ConnectionId { get; }

    /// <summary>The parsed SIP message, or null when <see cref="Protocol"/> is not SIP or it did not parse.</summary>
    public SipMessage? Sip { get; internal init; }

    /// <summary>Why the message did not parse (with the byte offset), or null.</summary>
    public string? ParseError { get; internal init; }

    /// <summary>MSRP transaction identifier (RFC 4975 §7.1), or null.</summary>
    public string? MsrpTransactionId { get; internal init; }

    /// <summary>MSRP request method (SEND, REPORT, AUTH, ...), or null for responses and non-MSRP messages.</summary>
    public string? MsrpMethod { get; internal init; }

    /// <summary>MSRP response status code, or 0.</summary>
    public int MsrpStatusCode { get; internal init; }

    /// <summary>The Call-ID of the SIP dialog whose SDP (a=path, m=message port) announced this MSRP stream, or null.</summary>
    public string? MsrpDialogCallId { get; internal init; }

    /// <summary>True for requests (SIP or MSRP).</summary>
    public bool IsRequest => Sip?.IsRequest ?? MsrpMethod is not null;

    /// <summary>A short label: method or status, e.g. "INVITE", "200", "MSRP SEND".</summary>
    public string Label => Protocol == PcapProtocol.Msrp
        ? "MSRP " + (MsrpMethod ?? MsrpStatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture))
        : Sip switch
        {
            SipRequest r => r.Method,
            SipResponse r => r.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "SIP (unparsed)",
        };

    /// <inheritdoc />
    public override string ToString()
        => $"#{PacketNumber} {Transport.ToString().ToLowerInvariant()} {Source} -> {Destination} {Label}{(ParseError is null ? string.Empty : " [" + ParseError + "]")}";
}
