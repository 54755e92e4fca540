//! The layers model: what `pktkit decode` found in one packet, layer by layer.
//!
//! Plain, owned, `Serialize` structs whose field names are the JSON output's
//! (`eth`, `arp`, `ipv4`, `ipv6`, `icmpv4`, `icmpv6`, `tcp`, `udp`, `error`).
//! A layer that is absent is `None` and left out of the JSON. Filled by
//! [`crate::decode::decode`]; printed by [`crate::decode::summary`] and
//! [`crate::decode::json`].
//!
//! Not for: parsing (that is pktkit-wire's codecs) or formatting.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// Every layer decoded from one packet, outermost first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Layers {
    /// Ethernet header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eth: Option<EthLayer>,
    /// ARP message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arp: Option<ArpLayer>,
    /// IPv4 header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<Ipv4Layer>,
    /// IPv6 header and extension headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Ipv6Layer>,
    /// ICMPv4 message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmpv4: Option<IcmpLayer>,
    /// ICMPv6 message (NDP included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmpv6: Option<IcmpLayer>,
    /// TCP header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpLayer>,
    /// UDP header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<UdpLayer>,
    /// The layer that failed to decode, if any (the layers before it are kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorLayer>,
}

/// Ethernet II header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EthLayer {
    /// Source MAC, `aa:bb:cc:dd:ee:ff`.
    pub src: String,
    /// Destination MAC.
    pub dst: String,
    /// EtherType after any VLAN tags.
    pub ethertype: u16,
    /// VLAN ids, outermost first (empty when untagged).
    pub vlan: Vec<u16>,
}

/// ARP message (Ethernet / IPv4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArpLayer {
    /// Operation: 1 request, 2 reply.
    pub op: u16,
    /// Sender hardware address.
    pub sha: String,
    /// Sender protocol address.
    pub spa: Ipv4Addr,
    /// Target hardware address.
    pub tha: String,
    /// Target protocol address.
    pub tpa: Ipv4Addr,
}

/// IPv4 header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ipv4Layer {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Time to live.
    pub ttl: u8,
    /// Protocol number.
    pub proto: u8,
    /// Total length field.
    pub len: u16,
    /// Identification.
    pub id: u16,
    /// Don't-fragment flag.
    pub df: bool,
    /// More-fragments flag.
    pub mf: bool,
    /// Fragment offset in bytes (the field × 8).
    pub frag_offset: u16,
    /// Whether the header checksum verifies.
    pub checksum_ok: bool,
}

/// IPv6 header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ipv6Layer {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Hop limit.
    pub hop_limit: u8,
    /// Next header of the fixed header.
    pub next_header: u8,
    /// Payload length field.
    pub payload_len: u16,
    /// Extension headers in order.
    pub ext: Vec<Ipv6ExtLayer>,
}

/// One IPv6 extension header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ipv6ExtLayer {
    /// `hop_by_hop`, `routing`, `fragment`, `dest_opts` or `auth`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Its next header.
    pub next_header: u8,
    /// Its length in bytes.
    pub len: usize,
    /// Fragment offset in bytes (fragment header only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frag_offset: Option<u16>,
    /// More-fragments flag (fragment header only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mf: Option<bool>,
    /// Identification (fragment header only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// Routing type (routing header only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_type: Option<u8>,
    /// Segments left (routing header only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments_left: Option<u8>,
}

/// ICMPv4 or ICMPv6 message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IcmpLayer {
    /// Message type.
    #[serde(rename = "type")]
    pub icmp_type: u8,
    /// Code.
    pub code: u8,
    /// Whether the checksum verifies (`null` when the message is cut short by
    /// fragmentation or the snap length, so it cannot be checked).
    pub checksum_ok: Option<bool>,
}

/// TCP header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TcpLayer {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// The 9 flag bits (FIN = 0x001 … NS = 0x100), as tshark's `tcp.flags`.
    pub flags: u16,
    /// Window field (unscaled).
    pub window: u16,
    /// Options in order.
    pub options: Vec<TcpOptionLayer>,
    /// Whether the checksum verifies (`null` when the segment is incomplete).
    pub checksum_ok: Option<bool>,
}

/// One TCP option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TcpOptionLayer {
    /// End of option list.
    Eol,
    /// No-operation.
    Nop,
    /// Maximum segment size.
    Mss {
        /// Value.
        value: u16,
    },
    /// Window scale.
    WindowScale {
        /// Shift count.
        value: u8,
    },
    /// SACK permitted.
    SackPermitted,
    /// SACK blocks.
    Sack {
        /// `[left, right]` edges.
        blocks: Vec<[u32; 2]>,
    },
    /// Timestamps.
    Timestamp {
        /// TSval.
        tsval: u32,
        /// TSecr.
        tsecr: u32,
    },
    /// Any other option.
    Unknown {
        /// Option kind.
        code: u8,
        /// Data length (after kind and length bytes).
        len: usize,
    },
}

/// UDP header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UdpLayer {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Length field.
    pub len: u16,
    /// Whether the checksum verifies (`null` when the datagram is incomplete).
    /// An IPv4 datagram sent without a checksum (0) has nothing to verify: `null`.
    pub checksum_ok: Option<bool>,
}

/// Where decoding stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorLayer {
    /// The layer that could not be decoded (`eth`, `ipv4`, `tcp`, …).
    pub layer: &'static str,
    /// Why (`truncated`, `bad length`, …).
    pub reason: String,
}

/// Where a packet came from in its capture file (the `frame` object of the JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameInfo {
    /// 1-based packet number.
    pub number: usize,
    /// Capture time, `seconds.nanoseconds` since the Unix epoch.
    pub time: String,
    /// Length on the wire.
    pub len: u32,
    /// Bytes captured.
    pub caplen: usize,
    /// pcapng interface id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<u32>,
    /// `in` or `out`, from the pcapng EPB flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<&'static str>,
    /// The pcapng packet comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
