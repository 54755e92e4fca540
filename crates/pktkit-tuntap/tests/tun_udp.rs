//! UDP through a TUN between kernel sockets in a network namespace and our side,
//! both directions, and multi-queue spreading of many flows.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pktkit_core::L3Device;
use pktkit_testkit::{Netns, require_root};
use pktkit_tuntap::TunBuilder;
use pktkit_wire::{IpProtocol, Packet, checksum};

const KERNEL: Ipv4Addr = Ipv4Addr::new(10, 78, 0, 1);
const OURS: Ipv4Addr = Ipv4Addr::new(10, 78, 0, 2);

/// (source port, payload) of a checked UDP/IPv4 packet to `OURS`.
fn udp_payload(p: &Packet) -> Option<(u16, Vec<u8>)> {
    if p.protocol() != IpProtocol::UDP || p.dst() != OURS || !p.ipv4_checksum_ok() {
        return None;
    }
    let u = p.payload();
    let (std::net::IpAddr::V4(s), std::net::IpAddr::V4(d)) = (p.src(), p.dst()) else {
        return None;
    };
    let ph = checksum::pseudo_header_v4(s, d, IpProtocol::UDP, u.len() as u32);
    if u.len() < 8 || checksum::fold(checksum::sum(u, ph)) != 0xffff {
        return None; // the kernel fills UDP checksums on a TUN without offloads
    }
    Some((u16::from_be_bytes([u[0], u[1]]), u[8..].to_vec()))
}

#[test]
fn udp_both_ways_through_tun() {
    if !require_root() {
        return;
    }
    let tun = udp_both_ways(TunBuilder::new(&common::ifname("t")));
    let s = tun.offload_stats();
    assert_eq!((s.gso_frames, s.checksums_completed), (0, 0), "{s:?}");
}

/// With a virtio-net header and checksum offload, the kernel leaves UDP
/// checksums partial (NEEDS_CSUM); the receive path must finish them, and the
/// checks in `udp_payload` hold them against the pseudo-header sum.
#[test]
fn udp_through_tun_with_checksum_offload() {
    if !require_root() {
        return;
    }
    let b = TunBuilder::new(&common::ifname("v"))
        .vnet_hdr(true)
        .offloads(pktkit_tuntap::Offloads::CSUM);
    let tun = udp_both_ways(b);
    let s = tun.offload_stats();
    assert!(s.checksums_completed > 0, "{s:?}");
    assert_eq!(s.gso_frames, 0, "{s:?}");
}

fn udp_both_ways(b: TunBuilder) -> pktkit_tuntap::Tun {
    let ns = Netns::new("ttun").unwrap();
    let tun = b.open().unwrap();
    let name = tun.name().to_owned();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    tun.set_handler(Arc::new(move |p: &Packet| {
        if let Some(d) = udp_payload(p) {
            let _ = tx.lock().unwrap().send(d);
        }
        Ok(())
    }));
    common::move_and_configure(&name, &ns, "10.78.0.1/24");

    // A kernel socket inside the namespace (it stays there after the thread ends).
    let sock = ns
        .enter_on_thread(|| UdpSocket::bind((KERNEL, 0)).unwrap())
        .unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let kport = sock.local_addr().unwrap().port();

    // Kernel -> us: every datagram arrives intact (sizes up to the MTU).
    let sizes = [0usize, 1, 100, 1000, 1472];
    for (i, n) in sizes.iter().enumerate() {
        let data: Vec<u8> = (0..*n).map(|j| (i * 31 + j) as u8).collect();
        sock.send_to(&data, SocketAddr::from((OURS, 9000))).unwrap();
        let (sport, got) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(sport, kport);
        assert_eq!(got, data, "datagram {i}");
    }

    // Us -> kernel: datagrams we build arrive at the kernel socket intact.
    for n in [0usize, 7, 1400] {
        let data = common::pattern(n);
        let pkt = common::udp4(OURS, 9000, KERNEL, kport, &data);
        tun.send(Packet::parse(&pkt).unwrap()).unwrap();
        let mut buf = [0u8; 2048];
        let (len, from) = sock.recv_from(&mut buf).unwrap();
        assert_eq!(from, SocketAddr::from((OURS, 9000)));
        assert_eq!(&buf[..len], &data[..]);
    }
    let c = tun.counters().unwrap().snapshot();
    assert_eq!(c.tx_packets, 3, "{c}");
    assert!(c.rx_packets >= sizes.len() as u64, "{c}");
    assert_eq!((c.rx_dropped, c.tx_dropped), (0, 0), "{c}");
    tun
}

#[test]
fn many_flows_spread_over_all_queues() {
    if !require_root() {
        return;
    }
    const QUEUES: usize = 4;
    const FLOWS: u16 = 64;
    let ns = Netns::new("tmq").unwrap();
    let name = common::ifname("m");
    let tun = TunBuilder::new(&name).queues(QUEUES).open().unwrap();
    assert_eq!(tun.queues(), QUEUES);
    // reader thread name -> source ports it saw
    let seen: Arc<Mutex<BTreeMap<String, BTreeSet<u16>>>> = Arc::default();
    let s = Arc::clone(&seen);
    tun.set_handler(Arc::new(move |p: &Packet| {
        if let Some((sport, _)) = udp_payload(p) {
            let t = std::thread::current().name().unwrap_or("?").to_owned();
            s.lock().unwrap().entry(t).or_default().insert(sport);
        }
        Ok(())
    }));
    common::move_and_configure(&name, &ns, "10.78.0.1/24");

    let socks: Vec<UdpSocket> = ns
        .enter_on_thread(|| {
            (0..FLOWS)
                .map(|_| UdpSocket::bind((KERNEL, 0)).unwrap())
                .collect()
        })
        .unwrap();
    for round in 0..4u8 {
        for s in &socks {
            s.send_to(&[round; 32], SocketAddr::from((OURS, 9000)))
                .unwrap();
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let total: usize = seen.lock().unwrap().values().map(BTreeSet::len).sum();
        if total >= FLOWS as usize || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = seen.lock().unwrap();
    let per_queue: Vec<usize> = seen.values().map(BTreeSet::len).collect();
    eprintln!("flows per reader thread: {seen:?}");
    assert_eq!(
        seen.len(),
        QUEUES,
        "every queue's reader got traffic: {per_queue:?}"
    );
    for t in seen.keys() {
        assert!(t.starts_with(&format!("{name}-rx")), "{t}");
    }
    // A flow sticks to one queue: no source port shows up on two readers.
    let all: usize = per_queue.iter().sum();
    let distinct: BTreeSet<u16> = seen.values().flatten().copied().collect();
    assert_eq!(all, distinct.len());
    assert_eq!(distinct.len(), FLOWS as usize);
}

#[test]
fn many_flows_spread_over_all_tap_queues() {
    if !require_root() {
        return;
    }
    const QUEUES: usize = 2;
    let ns = Netns::new("tmqt").unwrap();
    let tap = pktkit_tuntap::TapBuilder::new(&common::ifname("q"))
        .queues(QUEUES)
        .open()
        .unwrap();
    let name = tap.name().to_owned();
    let seen: Arc<Mutex<BTreeMap<String, BTreeSet<u16>>>> = Arc::default();
    let s = Arc::clone(&seen);
    pktkit_core::L2Device::set_handler(
        &tap,
        Arc::new(move |f: &pktkit_wire::Frame| {
            if let Some((sport, _)) = Packet::parse(f.payload()).ok().and_then(udp_payload) {
                let t = std::thread::current().name().unwrap_or("?").to_owned();
                s.lock().unwrap().entry(t).or_default().insert(sport);
            }
            Ok(())
        }),
    );
    common::move_and_configure(&name, &ns, "10.78.0.1/24");
    // A static neighbour entry, so the kernel sends without ARP.
    let mut nl = pktkit_tuntap::Netlink::in_netns(format!("/run/netns/{}", ns.name())).unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.add_neighbour(
        idx,
        OURS.into(),
        pktkit_wire::MacAddr::new(2, 0, 0, 0, 0, 2),
    )
    .unwrap();
    let socks: Vec<UdpSocket> = ns
        .enter_on_thread(|| {
            (0..32)
                .map(|_| UdpSocket::bind((KERNEL, 0)).unwrap())
                .collect()
        })
        .unwrap();
    for s in &socks {
        s.send_to(&[1; 32], SocketAddr::from((OURS, 9000))).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while seen
        .lock()
        .unwrap()
        .values()
        .map(BTreeSet::len)
        .sum::<usize>()
        < socks.len()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = seen.lock().unwrap();
    let flows: usize = seen.values().map(BTreeSet::len).sum();
    assert_eq!(flows, socks.len(), "{seen:?}");
    assert_eq!(
        seen.len(),
        QUEUES,
        "every TAP queue's reader got traffic: {seen:?}"
    );
}

/// A kernel socket with UDP_SEGMENT sends one 1400-byte write as a single USO
/// packet (TUN with `Offloads::USO4`); our receive path cuts it into the
/// 500/500/400-byte datagrams the socket asked for, each with a valid checksum.
#[test]
fn udp_gso_from_the_kernel_is_cut_into_datagrams() {
    if !require_root() {
        return;
    }
    let ns = Netns::new("tuso").unwrap();
    let tun = TunBuilder::new(&common::ifname("u"))
        .vnet_hdr(true)
        .offloads(
            pktkit_tuntap::Offloads::CSUM
                | pktkit_tuntap::Offloads::USO4
                | pktkit_tuntap::Offloads::USO6,
        )
        .open()
        .unwrap();
    let name = tun.name().to_owned();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    tun.set_handler(Arc::new(move |p: &Packet| {
        if let Some(d) = udp_payload(p) {
            let _ = tx.lock().unwrap().send(d);
        }
        Ok(())
    }));
    common::move_and_configure(&name, &ns, "10.78.0.1/24");
    let sock = ns
        .enter_on_thread(|| UdpSocket::bind((KERNEL, 0)).unwrap())
        .unwrap();
    nix::sys::socket::setsockopt(&sock, nix::sys::socket::sockopt::UdpGsoSegment, &500).unwrap();
    let data = common::pattern(1400);
    sock.send_to(&data, SocketAddr::from((OURS, 9000))).unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        let (_, d) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        got.push(d);
    }
    let lens: Vec<usize> = got.iter().map(Vec::len).collect();
    assert_eq!(lens, [500, 500, 400]);
    assert_eq!(got.concat(), data);
    let s = tun.offload_stats();
    assert_eq!((s.gso_frames, s.segments), (1, 3), "{s:?}");
    assert!(s.largest_frame >= 1400, "{s:?}");
}
