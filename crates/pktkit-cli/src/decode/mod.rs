//! Decoding captured packets into [`Layers`], with pktkit-wire's codecs.
//!
//! [`decode`] walks a packet from its link layer down: Ethernet (802.1Q / QinQ
//! tags), ARP, IPv4, IPv6 and its extension headers, ICMPv4, ICMPv6 (NDP
//! included), TCP and UDP. Every layer is read through pktkit-wire's checked
//! views, so hostile bytes never panic; the first layer that does not parse
//! becomes [`Layers::error`] and the layers before it are kept. Checksums are
//! verified and reported, never a reason to stop.
//!
//! [`summary`] turns the result into a tcpdump-like line, [`json`] into one JSON
//! object. Not for: reassembly (a non-first fragment shows its IP header only)
//! or application protocols.

pub mod json;
pub mod model;
pub mod summary;

use std::net::{IpAddr, Ipv6Addr};

use pktkit_wire::arp::{ArpPacket, ArpRepr};
use pktkit_wire::ethernet::{EthernetFrame, EthernetRepr};
use pktkit_wire::icmpv4::Icmpv4Packet;
use pktkit_wire::icmpv6::Icmpv6Packet;
use pktkit_wire::ipv4::Ipv4Packet;
use pktkit_wire::ipv6::Ipv6Packet;
use pktkit_wire::ipv6_ext::{ExtHeaderKind, ExtHeaders, RoutingHeader};
use pktkit_wire::pcap::LinkType;
use pktkit_wire::tcp::{TcpOption, TcpPacket};
use pktkit_wire::udp::{self, UdpPacket};
use pktkit_wire::{EtherType, IpProtocol, WireError};

pub use model::*;

/// A layer name and why it failed.
type Failure = (&'static str, WireError);

/// Decodes one captured packet of `link_type`. `orig_len` is its length on the
/// wire: when the capture cut it short, checksums that need the missing bytes
/// are reported as unknown (`None`).
pub fn decode(link_type: LinkType, data: &[u8], orig_len: u32) -> Layers {
    let mut d = Decoder {
        layers: Layers::default(),
        complete: orig_len as usize <= data.len(),
    };
    let r = match link_type {
        LinkType::ETHERNET => d.ethernet(data),
        LinkType::IPV4 => d.ipv4(data),
        LinkType::IPV6 => d.ipv6(data),
        LinkType::RAW => match data.first().map(|b| b >> 4) {
            Some(4) => d.ipv4(data),
            Some(6) => d.ipv6(data),
            Some(_) => Err(("ip", WireError::BadVersion)),
            None => Err(("ip", WireError::Truncated)),
        },
        _ => Err(("frame", WireError::Unsupported)),
    };
    if let Err((layer, e)) = r {
        d.layers.error = Some(ErrorLayer {
            layer,
            reason: e.to_string(),
        });
    }
    d.layers
}

struct Decoder {
    layers: Layers,
    /// False when the capture holds fewer bytes than the wire carried.
    complete: bool,
}

/// How much of an L4 message is in hand, for its checksum.
#[derive(Clone, Copy)]
struct Upper {
    src: IpAddr,
    dst: IpAddr,
    /// The whole message is present (not a fragment, not cut by the snap length).
    whole: bool,
}

impl Decoder {
    fn ethernet(&mut self, data: &[u8]) -> Result<(), Failure> {
        let frame = EthernetFrame::new_checked(data).map_err(|e| ("eth", e))?;
        let repr = EthernetRepr::parse(&frame).map_err(|e| ("eth", e))?;
        self.layers.eth = Some(EthLayer {
            src: repr.src.to_string(),
            dst: repr.dst.to_string(),
            ethertype: repr.ethertype.0,
            vlan: frame.vlan_tags().map(|t| t.vid).collect(),
        });
        let payload = frame.payload();
        match repr.ethertype {
            EtherType::ARP => self.arp(payload),
            EtherType::IPV4 => self.ipv4(payload),
            EtherType::IPV6 => self.ipv6(payload),
            _ => Ok(()),
        }
    }

    fn arp(&mut self, data: &[u8]) -> Result<(), Failure> {
        let p = ArpPacket::new_checked(data).map_err(|e| ("arp", e))?;
        let r = ArpRepr::parse(&p).map_err(|e| ("arp", e))?;
        self.layers.arp = Some(ArpLayer {
            op: r.op.into(),
            sha: r.sha.to_string(),
            spa: r.spa,
            tha: r.tha.to_string(),
            tpa: r.tpa,
        });
        Ok(())
    }

    fn ipv4(&mut self, data: &[u8]) -> Result<(), Failure> {
        // A header that is whole but whose total length runs past the bytes in
        // hand is still shown (as tshark does); see `upper_of_short`.
        let (p, short) = match Ipv4Packet::new_checked(data) {
            Ok(p) => (p, false),
            Err(WireError::Truncated) if ipv4_header_whole(data) => {
                (Ipv4Packet::new_unchecked(data), true)
            }
            Err(e) => return Err(("ipv4", e)),
        };
        if p.version() != 4 {
            return Err(("ipv4", WireError::BadVersion));
        }
        let frag_offset = p.frag_offset();
        let mf = p.more_frags();
        self.layers.ipv4 = Some(Ipv4Layer {
            src: p.src_addr(),
            dst: p.dst_addr(),
            ttl: p.ttl(),
            proto: p.protocol().0,
            len: p.total_len(),
            id: p.ident(),
            df: p.dont_frag(),
            mf,
            frag_offset,
            checksum_ok: p.verify_checksum(),
        });
        let payload = if short {
            data.get(p.header_len()..).unwrap_or_default()
        } else {
            p.payload()
        };
        if frag_offset != 0 {
            // Fragment data, no upper-layer header in it.
            return self.upper_of_short(
                "ipv4",
                short,
                IpProtocol::IPV6_NONXT,
                &[],
                Upper {
                    src: p.src_addr().into(),
                    dst: p.dst_addr().into(),
                    whole: false,
                },
            );
        }
        let up = Upper {
            src: p.src_addr().into(),
            dst: p.dst_addr().into(),
            whole: !mf && !short,
        };
        self.upper_of_short("ipv4", short, p.protocol(), payload, up)
    }

    /// Decodes the upper layer of an IP packet; when the packet was `short` (its
    /// length field runs past the bytes in hand) and the capture did not cut it,
    /// the packet itself is truncated: if no upper layer failed first, `layer` is
    /// reported truncated.
    fn upper_of_short(
        &mut self,
        layer: &'static str,
        short: bool,
        proto: IpProtocol,
        payload: &[u8],
        up: Upper,
    ) -> Result<(), Failure> {
        self.upper(proto, payload, up)?;
        if short && self.complete {
            return Err((layer, WireError::Truncated));
        }
        Ok(())
    }

    fn ipv6(&mut self, data: &[u8]) -> Result<(), Failure> {
        let (p, short) = match Ipv6Packet::new_checked(data) {
            Ok(p) => (p, false),
            Err(WireError::Truncated) if data.len() >= pktkit_wire::ipv6::HEADER_LEN => {
                (Ipv6Packet::new_unchecked(data), true)
            }
            Err(e) => return Err(("ipv6", e)),
        };
        if p.version() != 6 {
            return Err(("ipv6", WireError::BadVersion));
        }
        // `payload` is clamped to the buffer, so a short view is safe here.
        let payload = p.payload();
        let mut layer = Ipv6Layer {
            src: p.src_addr(),
            dst: p.dst_addr(),
            hop_limit: p.hop_limit(),
            next_header: p.next_header().0,
            payload_len: p.payload_len(),
            ext: Vec::new(),
        };
        let mut walk = ExtHeaders::new(p.next_header(), payload);
        let mut failed = None;
        let mut final_dst = p.dst_addr();
        for h in walk.by_ref() {
            match h {
                Ok(h) => {
                    if let Some(d) = h.routing().and_then(|r| routing_final_destination(&r)) {
                        final_dst = d;
                    }
                    layer.ext.push(ext_layer(&h));
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        self.layers.ipv6 = Some(layer);
        if let Some(e) = failed {
            return Err(("ipv6", e));
        }
        let rest = if walk.is_non_first_fragment() {
            (IpProtocol::IPV6_NONXT, &[][..])
        } else {
            (
                walk.next_header(),
                payload.get(walk.offset()..).unwrap_or_default(),
            )
        };
        let up = Upper {
            src: p.src_addr().into(),
            dst: final_dst.into(),
            whole: walk.fragment().is_none_or(|f| !f.more_fragments) && !short,
        };
        self.upper_of_short("ipv6", short, rest.0, rest.1, up)
    }

    fn upper(&mut self, proto: IpProtocol, data: &[u8], up: Upper) -> Result<(), Failure> {
        match proto {
            IpProtocol::TCP => self.tcp(data, up),
            IpProtocol::UDP => self.udp(data, up),

            IpProtocol::ICMP if up.src.is_ipv4() => self.icmpv4(data, up),
            IpProtocol::ICMPV6 if up.src.is_ipv6() => self.icmpv6(data, up),
            _ => Ok(()),
        }
    }

    fn tcp(&mut self, data: &[u8], up: Upper) -> Result<(), Failure> {
        let p = TcpPacket::new_checked(data).map_err(|e| ("tcp", e))?;
        let mut options = Vec::new();
        let mut bad_option = None;
        for o in p.options_iter() {
            match o {
                Ok(o) => options.push(tcp_option(&o)),
                Err(e) => bad_option = Some(e),
            }
        }
        self.layers.tcp = Some(TcpLayer {
            sport: p.src_port(),
            dport: p.dst_port(),
            seq: p.seq_number(),
            ack: p.ack_number(),
            flags: p.flags().0,
            window: p.window_len(),
            options,
            checksum_ok: up.whole.then(|| p.verify_checksum(up.src, up.dst)),
        });
        match bad_option {
            Some(e) => Err(("tcp", e)),
            None => Ok(()),
        }
    }

    fn udp(&mut self, data: &[u8], up: Upper) -> Result<(), Failure> {
        // A datagram longer than the bytes in hand (first IP fragment, snap length,
        // short IP packet) still shows its header; only its checksum is unknown.
        let (p, checked) = match UdpPacket::new_checked(data) {
            Ok(p) => (p, true),
            Err(WireError::Truncated) if !up.whole && data.len() >= udp::HEADER_LEN => {
                (UdpPacket::new_unchecked(data), false)
            }
            Err(e) => return Err(("udp", e)),
        };
        // IPv4 may send no checksum (0): nothing to verify then.
        let present = p.checksum() != 0 || up.src.is_ipv6();
        self.layers.udp = Some(UdpLayer {
            sport: p.src_port(),
            dport: p.dst_port(),
            len: p.len(),
            checksum_ok: (checked && up.whole && present)
                .then(|| p.verify_checksum(up.src, up.dst)),
        });
        Ok(())
    }

    fn icmpv4(&mut self, data: &[u8], up: Upper) -> Result<(), Failure> {
        let p = Icmpv4Packet::new_checked(data).map_err(|e| ("icmpv4", e))?;
        self.layers.icmpv4 = Some(IcmpLayer {
            icmp_type: p.msg_type(),
            code: p.msg_code(),
            checksum_ok: up.whole.then(|| p.verify_checksum()),
        });
        Ok(())
    }

    fn icmpv6(&mut self, data: &[u8], up: Upper) -> Result<(), Failure> {
        let p = Icmpv6Packet::new_checked(data).map_err(|e| ("icmpv6", e))?;
        let (IpAddr::V6(src), IpAddr::V6(dst)) = (up.src, up.dst) else {
            return Ok(()); // `upper` only sends ICMPv6 over IPv6
        };
        self.layers.icmpv6 = Some(IcmpLayer {
            icmp_type: p.msg_type().0,
            code: p.msg_code(),
            checksum_ok: up.whole.then(|| p.verify_checksum(src, dst)),
        });
        Ok(())
    }
}

/// True when `data` holds a whole IPv4 header (IHL ≥ 5, within `data`) whose
/// total length is at least the header: only the payload is missing.
fn ipv4_header_whole(data: &[u8]) -> bool {
    if data.len() < pktkit_wire::ipv4::HEADER_LEN {
        return false;
    }
    let p = Ipv4Packet::new_unchecked(data);
    let h = p.header_len();
    h >= pktkit_wire::ipv4::HEADER_LEN && h <= data.len() && usize::from(p.total_len()) >= h
}

/// The destination an upper-layer checksum uses when a routing header still has
/// segments to visit (RFC 8200 §8.1): the last address of a type 0 or type 2
/// header, the first segment (= last to visit) of a segment routing header.
fn routing_final_destination(r: &RoutingHeader<'_>) -> Option<Ipv6Addr> {
    if r.segments_left == 0 {
        return None;
    }
    let addrs = r.data.get(4..)?;
    let at = match r.routing_type {
        0 | 2 => addrs.len().checked_sub(16)? / 16 * 16,
        4 => 0,
        _ => return None,
    };
    let a: [u8; 16] = addrs.get(at..at + 16)?.try_into().ok()?;
    Some(Ipv6Addr::from(a))
}

fn ext_layer(h: &pktkit_wire::ipv6_ext::ExtHeader<'_>) -> Ipv6ExtLayer {
    let frag = h.fragment();
    let routing = h.routing();
    Ipv6ExtLayer {
        kind: match h.kind {
            ExtHeaderKind::HopByHop => "hop_by_hop",
            ExtHeaderKind::Routing => "routing",
            ExtHeaderKind::Fragment => "fragment",
            ExtHeaderKind::DestinationOptions => "dest_opts",
            ExtHeaderKind::Authentication => "auth",
        },
        next_header: h.next_header.0,
        len: h.len(),
        frag_offset: frag.map(|f| f.byte_offset() as u16),
        mf: frag.map(|f| f.more_fragments),
        id: frag.map(|f| f.ident),
        routing_type: routing.map(|r| r.routing_type),
        segments_left: routing.map(|r| r.segments_left),
    }
}

fn tcp_option(o: &TcpOption<'_>) -> TcpOptionLayer {
    match *o {
        TcpOption::EndOfList => TcpOptionLayer::Eol,
        TcpOption::NoOperation => TcpOptionLayer::Nop,
        TcpOption::MaxSegmentSize(value) => TcpOptionLayer::Mss { value },
        TcpOption::WindowScale(value) => TcpOptionLayer::WindowScale { value },
        TcpOption::SackPermitted => TcpOptionLayer::SackPermitted,
        TcpOption::SackRange(ref b) => TcpOptionLayer::Sack {
            blocks: b.as_slice().iter().map(|&(l, r)| [l, r]).collect(),
        },
        TcpOption::Timestamp(t) => TcpOptionLayer::Timestamp {
            tsval: t.tsval,
            tsecr: t.tsecr,
        },
        TcpOption::Unknown { kind, data } => TcpOptionLayer::Unknown {
            code: kind,
            len: data.len(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// scapy: Ether()/IP(flags="DF", id=4321)/TCP(sport=40000, dport=443, flags="SA",
    /// seq=0xfffffff0, ack=12345, options=[MSS 1460, NOP, WScale 7, SAckOK,
    /// Timestamp (123456, 654321), SAck (1000, 2000, 3000, 4000), EOL]).
    static TCP_SYN_ACK: [u8; 94] = [
        0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x50, 0x10, 0xe1, 0x40, 0x00, 0x40, 0x06, 0x15, 0xc5, 0x0a, 0x00, 0x00, 0x01,
        0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x01, 0xbb, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x30,
        0x39, 0xf0, 0x12, 0xff, 0xff, 0x0b, 0x55, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03,
        0x03, 0x07, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x09, 0xfb, 0xf1, 0x05,
        0x12, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00,
        0x0f, 0xa0, 0x00, 0x00,
    ];

    /// scapy: Ether()/IPv6(hlim=255)/ICMPv6ND_NA(tgt="2001:db8::2", S=1, O=1)/ICMPv6NDOptDstLLAddr.
    static NEIGHBOR_ADVERT: [u8; 86] = [
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef, 0x86, 0xdd, 0x60,
        0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x6b, 0x84, 0x60, 0x00,
        0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0x02, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef,
    ];

    #[test]
    fn tcp_with_every_option() {
        let l = decode(LinkType::ETHERNET, &TCP_SYN_ACK, 94);
        assert_eq!(l.error, None);
        let ip = l.ipv4.unwrap();
        assert_eq!(
            (ip.id, ip.df, ip.ttl, ip.checksum_ok),
            (4321, true, 64, true)
        );
        let t = l.tcp.unwrap();
        assert_eq!(
            (t.sport, t.dport, t.seq, t.ack),
            (40000, 443, 0xffff_fff0, 12345)
        );
        assert_eq!(
            (t.flags, t.window, t.checksum_ok),
            (0x012, 65535, Some(true))
        );
        assert_eq!(
            t.options,
            vec![
                TcpOptionLayer::Mss { value: 1460 },
                TcpOptionLayer::Nop,
                TcpOptionLayer::WindowScale { value: 7 },
                TcpOptionLayer::SackPermitted,
                TcpOptionLayer::Timestamp {
                    tsval: 123_456,
                    tsecr: 654_321
                },
                TcpOptionLayer::Sack {
                    blocks: vec![[1000, 2000], [3000, 4000]]
                },
                TcpOptionLayer::Eol,
            ]
        );
    }

    #[test]
    fn neighbor_advert() {
        let l = decode(LinkType::ETHERNET, &NEIGHBOR_ADVERT, 86);
        assert_eq!(l.error, None);
        assert_eq!(l.eth.as_ref().unwrap().ethertype, 0x86dd);
        let ip = l.ipv6.unwrap();
        assert_eq!(
            (ip.hop_limit, ip.next_header, ip.payload_len),
            (255, 58, 32)
        );
        assert!(ip.ext.is_empty());
        let i = l.icmpv6.unwrap();
        assert_eq!((i.icmp_type, i.code, i.checksum_ok), (136, 0, Some(true)));
    }

    #[test]
    fn raw_ip_link_types() {
        let ip = &NEIGHBOR_ADVERT[14..];
        for lt in [LinkType::RAW, LinkType::IPV6] {
            let l = decode(lt, ip, ip.len() as u32);
            assert!(l.eth.is_none());
            assert_eq!(l.icmpv6.unwrap().icmp_type, 136);
        }
        let l = decode(LinkType::IPV4, &TCP_SYN_ACK[14..], 80);
        assert_eq!(l.tcp.unwrap().dport, 443);
        assert_eq!(
            decode(LinkType(147), ip, 72).error.unwrap(),
            ErrorLayer {
                layer: "frame",
                reason: "unsupported".into()
            }
        );
    }

    #[test]
    fn wrong_ip_version_under_an_ethertype() {
        let mut b = TCP_SYN_ACK;
        b[14] = 0x65; // version 6 in an IPv4 EtherType
        let e = decode(LinkType::ETHERNET, &b, 94).error.unwrap();
        assert_eq!((e.layer, e.reason.as_str()), ("ipv4", "bad version"));
        let mut b = NEIGHBOR_ADVERT;
        b[14] = 0x40;
        let e = decode(LinkType::IPV6, &b[14..], 72).error.unwrap();
        assert_eq!((e.layer, e.reason.as_str()), ("ipv6", "bad version"));
    }

    #[test]
    fn bad_checksums_are_reported_not_fatal() {
        let mut b = TCP_SYN_ACK;
        b[24] ^= 0xff; // IPv4 header checksum
        b[50] ^= 0xff; // TCP checksum
        let l = decode(LinkType::ETHERNET, &b, 94);
        assert_eq!(l.error, None);
        assert!(!l.ipv4.unwrap().checksum_ok);
        assert_eq!(l.tcp.unwrap().checksum_ok, Some(false));
    }

    #[test]
    fn every_truncation_keeps_what_decoded() {
        for n in 0..TCP_SYN_ACK.len() {
            let l = decode(LinkType::ETHERNET, &TCP_SYN_ACK[..n], n as u32);
            let e = l.error.expect("a cut packet is an error");
            assert_eq!(e.reason, "truncated", "len {n}");
            let want = match n {
                0..14 => "eth",
                14..34 => "ipv4",
                _ => "tcp",
            };
            assert_eq!(e.layer, want, "len {n}");
            assert_eq!(l.eth.is_some(), n >= 14);
            assert_eq!(l.ipv4.is_some(), n >= 34);
        }
    }

    #[test]
    fn snap_length_cut_is_not_malformed() {
        // The capture kept 60 of 94 bytes: the TCP header is cut by the snap length.
        let l = decode(LinkType::ETHERNET, &TCP_SYN_ACK[..60], 94);
        assert!(l.ipv4.is_some());
        assert_eq!(l.error.unwrap().layer, "tcp");
        // 74 of 86 bytes: 20 of the NA's 24-byte fixed part.
        let l = decode(LinkType::ETHERNET, &NEIGHBOR_ADVERT[..74], 86);
        assert_eq!(l.error.map(|e| e.layer), Some("icmpv6"));
        assert!(l.ipv6.is_some());
        let l = decode(LinkType::ETHERNET, &NEIGHBOR_ADVERT[..78], 86);
        let i = l.icmpv6.expect("NA fixed part is in the 24 bytes kept");
        assert_eq!(i.checksum_ok, None, "cannot verify a cut message");
        assert_eq!(l.error, None);
    }
}
