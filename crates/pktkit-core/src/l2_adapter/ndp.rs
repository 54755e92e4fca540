//! NDP (RFC 4861) messages the adapter sends: Neighbor Solicitations
//! (resolution, unicast probes, DAD) and Neighbor Advertisements (solicited and
//! unsolicited), as IPv6 packets with hop limit 255. Receiving is in the
//! adapter itself.

use std::net::Ipv6Addr;

use pktkit_wire::icmpv6::Icmpv6Repr;
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::ndp::{NdpOption, NdpOptions, NdpRepr, NeighborFlags};
use pktkit_wire::{IpProtocol, MacAddr};

/// All-nodes multicast, `ff02::1`.
pub(crate) const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// All-routers multicast, `ff02::2`.
pub(crate) const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

/// The solicited-node multicast address of `a` (RFC 4291 §2.7.1).
pub(crate) fn solicited_node(a: Ipv6Addr) -> Ipv6Addr {
    let o = a.octets();
    Ipv6Addr::from([
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15],
    ])
}

/// True for `ff02::1:ff00:0/104`.
pub(crate) fn is_solicited_node(a: Ipv6Addr) -> bool {
    a.octets()[..13] == solicited_node(Ipv6Addr::UNSPECIFIED).octets()[..13]
}

/// An IPv6 packet carrying `icmp` from `src` to `dst`, checksum filled.
pub(crate) fn ipv6_icmp(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    icmp: &Icmpv6Repr<'_>,
) -> Option<Vec<u8>> {
    let n = icmp.buffer_len();
    let repr = Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::ICMPV6,
        payload_len: u16::try_from(n).ok()?,
        hop_limit,
        traffic_class: 0,
        flow_label: 0,
    };
    let mut buf = vec![0u8; 40 + n];
    repr.emit(&mut Ipv6Packet::new_unchecked(&mut buf[..]))
        .ok()?;
    icmp.emit_with_checksum(src, dst, &mut buf[40..]).ok()?;
    Some(buf)
}

fn lladdr_option(mac: MacAddr, target: bool) -> [u8; 8] {
    let mut b = [0u8; 8];
    let o = if target {
        NdpOption::TargetLinkLayerAddr(&mac.0)
    } else {
        NdpOption::SourceLinkLayerAddr(&mac.0)
    };
    // 2 + 6 bytes: exactly one 8-byte option, which always fits.
    let _ = o.emit(&mut b);
    b
}

/// A Neighbor Solicitation for `target`. From the unspecified address (DAD)
/// it carries no source link-layer option (RFC 4861 §7.2.2).
pub(crate) fn neighbor_solicit(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    target: Ipv6Addr,
    mac: MacAddr,
) -> Option<Vec<u8>> {
    let opt = lladdr_option(mac, false);
    let options = if src.is_unspecified() {
        NdpOptions::EMPTY
    } else {
        NdpOptions::parse(&opt).ok()?
    };
    let ns = Icmpv6Repr::Ndp(NdpRepr::NeighborSolicit { target, options });
    ipv6_icmp(src, dst, 255, &ns)
}

/// A Router Solicitation from `src` to all routers, with our link-layer address.
pub(crate) fn router_solicit(src: Ipv6Addr, mac: MacAddr) -> Option<Vec<u8>> {
    let opt = lladdr_option(mac, false);
    let rs = Icmpv6Repr::Ndp(NdpRepr::RouterSolicit {
        options: NdpOptions::parse(&opt).ok()?,
    });
    ipv6_icmp(src, ALL_ROUTERS, 255, &rs)
}

/// A Neighbor Advertisement of `target` at `mac`, from `target` to `dst`.
pub(crate) fn neighbor_advert(
    target: Ipv6Addr,
    dst: Ipv6Addr,
    mac: MacAddr,
    flags: NeighborFlags,
) -> Option<Vec<u8>> {
    let opt = lladdr_option(mac, true);
    let options = NdpOptions::parse(&opt).ok()?;
    let na = Icmpv6Repr::Ndp(NdpRepr::NeighborAdvert {
        flags,
        target,
        options,
    });
    ipv6_icmp(target, dst, 255, &na)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solicited_node_per_rfc4291() {
        // RFC 4291 §2.7.1 example form: 4037::01:800:200E:8C6C -> FF02::1:FF0E:8C6C
        let a: Ipv6Addr = "4037::1:800:200e:8c6c".parse().unwrap();
        assert_eq!(
            solicited_node(a),
            "ff02::1:ff0e:8c6c".parse::<Ipv6Addr>().unwrap()
        );
        assert!(is_solicited_node(solicited_node(a)));
        assert!(!is_solicited_node(ALL_NODES));
    }
}
