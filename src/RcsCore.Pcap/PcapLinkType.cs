namespace RcsCore.Pcap;

/// <summary>Link-layer header types (tcpdump.org LINKTYPE_ values) that captures use and this library decodes.</summary>
public enum PcapLinkType : ushort
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order (LINKTYPE_NULL).</summary>
    Null = 0,
    /// <summary>IEEE 802.3 Ethernet, with 802.1Q/802.1ad VLAN tags (LINKTYPE_ETHERNET).</summary>
    Ethernet = 1,
    /// <summary>Raw IPv4 or IPv6, told apart by the version nibble (LINKTYPE_RAW).</summary>
    Raw = 101,
    /// <summary>OpenBSD loopback: a 4-byte address family in network byte order (LINKTYPE_LOOP).</summary>
    Loop = 108,
    /// <summary>Linux cooked capture v1 (LINKTYPE_LINUX_SLL).</summary>
    LinuxSll = 113,
    /// <summary>Raw IPv4 (LINKTYPE_IPV4).</summary>
    Ipv4 = 228,
    /// <summary>Raw IPv6 (LINKTYPE_IPV6).</summary>
    Ipv6 = 229,
    /// <summary>Linux cooked capture v2 (LINKTYPE_LINUX_SLL2).</summary>
    LinuxSll2 = 276,
}
