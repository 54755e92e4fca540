//! What the adapter answers or reports on the IP side itself: echo replies
//! for its own addresses in gateway mode, and ICMP/ICMPv6 errors (host /
//! address unreachable when resolution fails, fragmentation needed / packet
//! too big over the MTU) built per RFC 792, RFC 1812 §4.3.2 and RFC 4443.
//!
//! Errors are never made about ICMP errors, non-first fragments, or packets
//! from unspecified / multicast / broadcast sources (RFC 1122 §3.2.2, RFC 4443
//! §2.4 (e)). Not for forwarding decisions.

use std::net::{IpAddr, Ipv4Addr};

use pktkit_wire::icmpv4::{DstUnreachable, Icmpv4Packet, Icmpv4Repr};
use pktkit_wire::icmpv6::{self, Icmpv6Packet, Icmpv6Repr};
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::{IpProtocol, Packet};

use super::ndp::ipv6_icmp;

/// Hop limit / TTL of what we originate.
const TTL: u8 = 64;
/// RFC 1812 §4.3.2.3: an ICMPv4 error is at most 576 bytes.
const MAX_ICMPV4_ERROR: usize = 576;

/// Which error to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcmpError {
    /// Next hop did not resolve: v4 host unreachable, v6 address unreachable.
    Unreachable,
    /// Bigger than the link MTU (v4 fragmentation needed, v6 packet too big).
    TooBig(u16),
}

/// An IPv4 packet carrying `icmp`.
fn ipv4_icmp(src: Ipv4Addr, dst: Ipv4Addr, icmp: &Icmpv4Repr<'_>) -> Vec<u8> {
    let n = icmp.buffer_len();
    let repr = Ipv4Repr {
        src,
        dst,
        protocol: IpProtocol::ICMP,
        payload_len: n,
        ttl: TTL,
        ..Ipv4Repr::default()
    };
    let mut buf = vec![0u8; 20 + n];
    repr.emit(&mut Ipv4Packet::new_unchecked(&mut buf[..]));
    icmp.emit(&mut Icmpv4Packet::new_unchecked(&mut buf[20..]));
    buf
}

/// The echo reply to `req` if it is a valid ICMP/ICMPv6 echo request.
pub(crate) fn echo_reply(req: &Packet) -> Option<Vec<u8>> {
    let bytes = &req.as_bytes()[..req.total_len()];
    if req.is_ipv4() {
        let ip = Ipv4Packet::new_checked(bytes).ok()?;
        if ip.protocol() != IpProtocol::ICMP || ip.is_fragment() {
            return None;
        }
        let icmp = Icmpv4Packet::new_checked(ip.payload()).ok()?;
        if !icmp.verify_checksum() {
            return None;
        }
        let Icmpv4Repr::EchoRequest {
            ident,
            seq_no,
            data,
        } = Icmpv4Repr::parse(&icmp).ok()?
        else {
            return None;
        };
        let reply = Icmpv4Repr::EchoReply {
            ident,
            seq_no,
            data,
        };
        Some(ipv4_icmp(ip.dst_addr(), ip.src_addr(), &reply))
    } else {
        let ip = Ipv6Packet::new_checked(bytes).ok()?;
        let (proto, body) = ip.upper_layer().ok()?;
        if proto != IpProtocol::ICMPV6 {
            return None;
        }
        let icmp = Icmpv6Packet::new_checked(body).ok()?;
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        if !icmp.verify_checksum(src, dst) {
            return None;
        }
        let Icmpv6Repr::EchoRequest {
            ident,
            seq_no,
            data,
        } = Icmpv6Repr::parse(&icmp).ok()?
        else {
            return None;
        };
        let reply = Icmpv6Repr::EchoReply {
            ident,
            seq_no,
            data,
        };
        ipv6_icmp(dst, src, TTL, &reply)
    }
}

/// The error about `original` (a whole IP packet) from our address `ours`
/// to its source, or `None` when no error may be sent about it.
pub(crate) fn error_for(original: &[u8], ours: IpAddr, kind: IcmpError) -> Option<Vec<u8>> {
    let p = Packet::parse(original).ok()?;
    let original = &original[..p.total_len()];
    match (p.src(), p.dst(), ours) {
        (IpAddr::V4(src), IpAddr::V4(dst), IpAddr::V4(ours)) => {
            let ip = Ipv4Packet::new_checked(original).ok()?;
            if src.is_unspecified()
                || src.is_multicast()
                || src.is_broadcast()
                || dst.is_multicast()
                || dst.is_broadcast()
                || ip.frag_offset() != 0
            {
                return None;
            }
            if ip.protocol() == IpProtocol::ICMP {
                let t = *ip.payload().first()?;
                // Only echo/info queries (0, 8, 13..=18) may draw an error.
                if !matches!(t, 0 | 8 | 13..=18) {
                    return None;
                }
            }
            let quote = &original[..original.len().min(MAX_ICMPV4_ERROR - 28)];
            let (reason, next_hop_mtu) = match kind {
                IcmpError::Unreachable => (DstUnreachable::HostUnreachable, 0),
                IcmpError::TooBig(mtu) => (DstUnreachable::FragRequired, mtu),
            };
            let icmp = Icmpv4Repr::DstUnreachable {
                reason,
                next_hop_mtu,
                data: quote,
            };
            Some(ipv4_icmp(ours, src, &icmp))
        }
        (IpAddr::V6(src), IpAddr::V6(dst), IpAddr::V6(ours)) => {
            let ip = Ipv6Packet::new_checked(original).ok()?;
            if src.is_unspecified() || src.is_multicast() {
                return None;
            }
            // Packet Too Big may go about multicast (RFC 4443 §2.4 (e.2)).
            if dst.is_multicast() && kind == IcmpError::Unreachable {
                return None;
            }
            if let Ok((IpProtocol::ICMPV6, body)) = ip.upper_layer()
                && body.first().is_some_and(|t| *t < 128)
            {
                return None;
            }
            let header = Ipv6Repr::parse(&ip).ok()?;
            let quote = icmpv6::truncate_quote(original);
            let data = quote.get(40..)?;
            let icmp = match kind {
                IcmpError::Unreachable => Icmpv6Repr::DstUnreachable {
                    code: icmpv6::code::ADDR_UNREACHABLE,
                    header,
                    data,
                },
                IcmpError::TooBig(mtu) => Icmpv6Repr::PacketTooBig {
                    mtu: mtu.into(),
                    header,
                    data,
                },
            };
            ipv6_icmp(ours, src, TTL, &icmp)
        }
        _ => None,
    }
}
