//! The `l2_adapter` fuzz target's seeds: built here from frames made with
//! pktkit-wire's ARP/NDP codecs and etherparse (echo requests), checked to do
//! what each is for (an ARP request is answered, an NA resolves a queued
//! packet, gateway mode answers a ping, …), compared with the committed files
//! in `fuzz/seeds/l2_adapter/`, and replayed like every crate's seeds.
//!
//! `PKTKIT_WRITE_SEEDS=1 cargo test -p pktkit-core --test fuzz_seeds` rewrites
//! the files after a change of the input format.

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::PacketBuilder;
use pktkit_core::L2AdapterStats;
use pktkit_core::fuzzing::{
    GATEWAY_V6, OUR_MAC, OUR_V4, OUR_V6, PEER_MAC, l2_adapter, l2_adapter_stats, link_local,
    solicited_node,
};
use pktkit_wire::arp::{ArpOperation, ArpPacket, ArpRepr};
use pktkit_wire::icmpv6::Icmpv6Packet;
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::ndp::{
    NdpOption, NdpOptions, NdpRepr, NeighborFlags, PrefixInformation, emit_options,
};
use pktkit_wire::{EtherType, IpProtocol, MacAddr};

const PEER_V4: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 7);
const PEER_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 7);
/// Configuration bits (see the module docs of `pktkit_core::fuzzing`).
const GATEWAY: u8 = 1;
const LINK_LOCAL: u8 = 2;
const V6_GATEWAY: u8 = 8;

/// Action 0: a frame from the network.
fn frame(f: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(&u16::try_from(f.len()).unwrap().to_be_bytes());
    v.extend_from_slice(f);
    v
}

/// Action 1: `steps` × 25 ms, then a tick.
fn advance(steps: u8) -> Vec<u8> {
    vec![1, steps]
}

/// Action 2: 8 bytes of UDP-protocol payload from our IPv4 address to 10.0.0.`x`.
fn send_v4(x: u8) -> Vec<u8> {
    // sel (even: IPv4, from us), protocol 17, 1 × 8 bytes, on-link kind 2, x.
    vec![2, 0, 17, 1, 2, x]
}

/// Action 2 to fd00::`x` from our IPv6 address.
fn send_v6(x: u8) -> Vec<u8> {
    vec![2, 1, 17, 1, 3, x]
}

/// Action 2 to 2001:db8::`x` (off-link) from our IPv6 address.
fn send_offlink_v6(x: u8) -> Vec<u8> {
    vec![2, 1, 17, 1, 4, x]
}

fn eth(dst: MacAddr, src: MacAddr, et: EtherType, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&et.value().to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn arp(dst: MacAddr, repr: ArpRepr) -> Vec<u8> {
    let mut b = [0u8; 28];
    repr.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
    eth(dst, repr.sha, EtherType::ARP, &b)
}

/// An NDP message in IPv6 (hop limit 255, checksum filled) in Ethernet.
fn ndp(src: Ipv6Addr, dst: Ipv6Addr, eth_dst: MacAddr, repr: &NdpRepr<'_>) -> Vec<u8> {
    let mut icmp = vec![0u8; repr.buffer_len()];
    repr.emit(&mut Icmpv6Packet::new_unchecked(&mut icmp[..]))
        .unwrap();
    Icmpv6Packet::new_unchecked(&mut icmp[..]).fill_checksum(src, dst);
    let mut ip = vec![0u8; 40 + icmp.len()];
    Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::ICMPV6,
        payload_len: u16::try_from(icmp.len()).unwrap(),
        hop_limit: 255,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut ip[..]))
    .unwrap();
    ip[40..].copy_from_slice(&icmp);
    eth(eth_dst, PEER_MAC, EtherType::IPV6, &ip)
}

fn options(opts: &[NdpOption<'_>]) -> Vec<u8> {
    let mut b = vec![0u8; 128];
    let n = emit_options(opts, &mut b).unwrap();
    b.truncate(n);
    b
}

fn arp_request_for_us() -> Vec<u8> {
    frame(&arp(
        MacAddr::BROADCAST,
        ArpRepr {
            op: ArpOperation::Request,
            sha: PEER_MAC,
            spa: PEER_V4,
            tha: MacAddr::ZERO,
            tpa: OUR_V4,
        },
    ))
}

fn arp_reply_to_us() -> Vec<u8> {
    frame(&arp(
        OUR_MAC,
        ArpRepr {
            op: ArpOperation::Reply,
            sha: PEER_MAC,
            spa: PEER_V4,
            tha: OUR_MAC,
            tpa: OUR_V4,
        },
    ))
}

/// A Neighbor Solicitation for our address from the peer, with its MAC.
fn neighbor_solicit() -> Vec<u8> {
    let slla = options(&[NdpOption::SourceLinkLayerAddr(&PEER_MAC.0)]);
    let group = solicited_node(OUR_V6);
    let ns = NdpRepr::NeighborSolicit {
        target: OUR_V6,
        options: NdpOptions::parse(&slla).unwrap(),
    };
    frame(&ndp(
        PEER_V6,
        group,
        MacAddr::from_ipv6_multicast(group),
        &ns,
    ))
}

/// A solicited Neighbor Advertisement of the peer's address to us.
fn neighbor_advert() -> Vec<u8> {
    let tlla = options(&[NdpOption::TargetLinkLayerAddr(&PEER_MAC.0)]);
    let na = NdpRepr::NeighborAdvert {
        flags: NeighborFlags::new(false, true, true),
        target: PEER_V6,
        options: NdpOptions::parse(&tlla).unwrap(),
    };
    frame(&ndp(PEER_V6, OUR_V6, OUR_MAC, &na))
}

fn router_solicit() -> Vec<u8> {
    let slla = options(&[NdpOption::SourceLinkLayerAddr(&PEER_MAC.0)]);
    let all_routers = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);
    let rs = NdpRepr::RouterSolicit {
        options: NdpOptions::parse(&slla).unwrap(),
    };
    let src = link_local(PEER_MAC);
    frame(&ndp(
        src,
        all_routers,
        MacAddr::from_ipv6_multicast(all_routers),
        &rs,
    ))
}

/// A Router Advertisement from the peer's link-local address with an on-link prefix.
fn router_advert() -> Vec<u8> {
    let opts = options(&[
        NdpOption::SourceLinkLayerAddr(&PEER_MAC.0),
        NdpOption::PrefixInformation(PrefixInformation {
            prefix_len: 64,
            flags: 0xc0,
            valid_lifetime: 600,
            preferred_lifetime: 300,
            prefix: Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0),
        }),
    ]);
    let ra = NdpRepr::RouterAdvert {
        hop_limit: 64,
        flags: pktkit_wire::ndp::RouterFlags(0),
        router_lifetime: 1800,
        reachable_time: 0,
        retrans_timer: 0,
        options: NdpOptions::parse(&opts).unwrap(),
    };
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    frame(&ndp(
        link_local(PEER_MAC),
        all_nodes,
        MacAddr::from_ipv6_multicast(all_nodes),
        &ra,
    ))
}

fn echo_v4() -> Vec<u8> {
    let b = PacketBuilder::ethernet2(PEER_MAC.0, OUR_MAC.0)
        .ipv4(PEER_V4.octets(), OUR_V4.octets(), 64)
        .icmpv4_echo_request(0x1234, 1);
    let mut f = Vec::new();
    b.write(&mut f, b"ping").unwrap();
    frame(&f)
}

fn echo_v6() -> Vec<u8> {
    let b = PacketBuilder::ethernet2(PEER_MAC.0, OUR_MAC.0)
        .ipv6(PEER_V6.octets(), OUR_V6.octets(), 64)
        .icmpv6_echo_request(0x1234, 1);
    let mut f = Vec::new();
    b.write(&mut f, b"ping").unwrap();
    frame(&f)
}

/// Each seed: name, configuration byte, actions, and what it must do to the
/// counters compared with the configuration alone.
type Expect = fn(&L2AdapterStats, &L2AdapterStats) -> bool;

fn seeds() -> Vec<(&'static str, u8, Vec<Vec<u8>>, Expect)> {
    vec![
        ("arp_request", 0, vec![arp_request_for_us()], |s, b| {
            s.arp_replies_sent == b.arp_replies_sent + 1
        }),
        (
            "arp_reply",
            0,
            vec![send_v4(7), arp_reply_to_us()],
            |s, b| s.arp_requests_sent == b.arp_requests_sent + 1 && s.resolved == b.resolved + 1,
        ),
        ("ndp_ns", LINK_LOCAL, vec![neighbor_solicit()], |s, b| {
            s.neighbor_adverts_sent == b.neighbor_adverts_sent + 1
        }),
        ("ndp_na", 0, vec![send_v6(7), neighbor_advert()], |s, b| {
            s.neighbor_solicits_sent == b.neighbor_solicits_sent + 1 && s.resolved == b.resolved + 1
        }),
        (
            "ndp_rs",
            GATEWAY | LINK_LOCAL,
            vec![router_solicit()],
            |s, b| s.ignored == b.ignored + 1 && s.malformed == b.malformed,
        ),
        (
            "ndp_ra",
            LINK_LOCAL,
            vec![router_advert(), send_offlink_v6(9)],
            |s, b| {
                // The router's MAC came with the RA: no solicitation for the off-link packet.
                s.router_adverts == b.router_adverts + 1
                    && s.neighbor_solicits_sent == b.neighbor_solicits_sent
                    && s.malformed == b.malformed
            },
        ),
        (
            "echo_v4",
            GATEWAY,
            vec![echo_v4(), arp_reply_to_us()],
            |s, b| s.echo_replies_sent == b.echo_replies_sent + 1 && s.resolved == b.resolved + 1,
        ),
        (
            "echo_v6",
            GATEWAY | V6_GATEWAY,
            vec![echo_v6(), neighbor_advert()],
            |s, b| s.echo_replies_sent == b.echo_replies_sent + 1 && s.resolved == b.resolved + 1,
        ),
        (
            "resolution_fails",
            0,
            vec![
                send_v4(9),
                advance(10),
                advance(10),
                advance(10),
                advance(10),
            ],
            |s, b| {
                s.resolution_failures == b.resolution_failures + 1
                    && s.icmp_errors_sent == b.icmp_errors_sent + 1
                    && s.arp_requests_sent == b.arp_requests_sent + 3
            },
        ),
    ]
}

#[test]
fn seeds_do_what_they_are_for_and_are_committed() {
    let dir = pktkit_testkit::workspace_root().join("fuzz/seeds/l2_adapter");
    let write = std::env::var_os("PKTKIT_WRITE_SEEDS").is_some();
    assert_eq!(GATEWAY_V6, Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1));
    for (name, flags, actions, expect) in seeds() {
        let mut input = vec![flags];
        input.extend(actions.concat());
        let base = l2_adapter_stats(&[flags]);
        let got = l2_adapter_stats(&input);
        assert!(expect(&got, &base), "seed {name}: {got:?} against {base:?}");
        let path = dir.join(format!("{name}.bin"));
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &input).unwrap();
        } else {
            let committed =
                std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(committed, input, "{name}: rerun with PKTKIT_WRITE_SEEDS=1");
        }
    }
}

#[test]
fn l2_adapter_seeds() {
    let n = pktkit_testkit::replay_seeds("l2_adapter", l2_adapter);
    assert!(n >= 9, "expected the committed seeds, ran {n}");
}
