//! Shared helpers of the kernel tests: unique interface names, namespace
//! setup through our own `Netlink`, and hand-built frames.

#![allow(dead_code)] // each test binary uses a different subset

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU32, Ordering};

use pktkit_testkit::Netns;
use pktkit_tuntap::Netlink;
use pktkit_wire::checksum;

/// An interface name unique to this process and call (`pk<pid>x<n>`).
pub(crate) fn ifname(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = format!("pk{:x}{}{}", std::process::id(), tag, n);
    name.chars().take(15).collect()
}

/// Moves interface `name` (in our namespace) into `ns`, gives the kernel side
/// `addr`, sets the link up and turns IPv6 off there (no router solicitations
/// or MLD reports to muddle frame counts). All through our Netlink.
pub(crate) fn move_and_configure(name: &str, ns: &Netns, addr: &str) {
    let mut nl = Netlink::new().unwrap();
    let idx = nl.link_index(name).unwrap();
    nl.move_to_netns(idx, format!("/run/netns/{}", ns.name()))
        .unwrap();
    ns.run(&["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])
        .unwrap();
    let mut nl = Netlink::in_netns(format!("/run/netns/{}", ns.name())).unwrap();
    let idx = nl.link_index(name).unwrap();
    nl.add_address(idx, addr.parse().unwrap()).unwrap();
    nl.set_link_up(idx).unwrap();
    let info = nl.link(idx).unwrap();
    assert!(info.up, "{info:?}");
    assert_eq!(
        nl.addresses(idx).unwrap(),
        vec![addr.parse().unwrap()],
        "addresses read back"
    );
}

/// Writes a correct IPv4 header checksum into `ip[..20]`.
pub(crate) fn fill_ipv4_checksum(ip: &mut [u8]) {
    let ihl = (ip[0] & 0x0f) as usize * 4;
    ip[10..12].fill(0);
    let c = checksum::checksum(&ip[..ihl]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
}

/// An IPv4/UDP packet with correct checksums.
pub(crate) fn udp4(
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
    payload: &[u8],
) -> Vec<u8> {
    let ulen = 8 + payload.len();
    let mut p = vec![0u8; 20 + ulen];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&((20 + ulen) as u16).to_be_bytes());
    p[6] = 0x40; // DF
    p[8] = 64;
    p[9] = 17;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    fill_ipv4_checksum(&mut p);
    p[20..22].copy_from_slice(&sport.to_be_bytes());
    p[22..24].copy_from_slice(&dport.to_be_bytes());
    p[24..26].copy_from_slice(&(ulen as u16).to_be_bytes());
    p[28..].copy_from_slice(payload);
    let ph = checksum::pseudo_header_v4(src, dst, pktkit_wire::IpProtocol::UDP, ulen as u32);
    let c = !checksum::fold(checksum::sum(&p[20..], ph));
    let c = if c == 0 { 0xffff } else { c };
    p[26..28].copy_from_slice(&c.to_be_bytes());
    p
}

/// The deterministic byte stream the bulk tests send and check.
pub(crate) fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_right(13) as u8)
        .collect()
}
