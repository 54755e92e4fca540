//! `L2Adapter` against the Linux kernel (privileged): a TAP whose kernel side
//! sits in a namespace made by the test, with 10.88.0.1/24 and fd00:88::1/64;
//! our adapter (gateway mode) on the TAP has 10.88.0.2 and fd00:88::2. The
//! kernel's `ping` and `ping -6` reach us (so it resolved us with ARP and NDP,
//! and we passed DAD), and we ping the kernel back through the adapter's IP
//! side and see its replies arrive at our L3 handler. Then we claim the
//! kernel's own IPv6 address: the kernel defends it and our DAD marks it
//! duplicate.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use etherparse::{Icmpv4Type, Icmpv6Type, PacketBuilder, SlicedPacket, TransportSlice};
use pktkit_core::{
    AddrState, L2Adapter, L2AdapterConfig, L2Device, L3Device, NeighborState, SystemClock,
};
use pktkit_testkit::{Netns, require_root, require_tool};
use pktkit_tuntap::{Netlink, OpenMode, TapBuilder};
use pktkit_wire::{IpPrefix, MacAddr, Packet};

const KERNEL4: Ipv4Addr = Ipv4Addr::new(10, 88, 0, 1);
const OURS4: Ipv4Addr = Ipv4Addr::new(10, 88, 0, 2);
const KERNEL6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x88, 0, 0, 0, 0, 0, 1);
const OURS6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x88, 0, 0, 0, 0, 0, 2);
const OUR_MAC: MacAddr = MacAddr::new(0x02, 0x88, 0, 0, 0, 0x02);

/// Waits up to 10 s for `f` to hold.
fn wait_for(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (id, seq) of every echo reply the IP side got, v4 and v6 apart.
#[derive(Default)]
struct Replies {
    v4: Vec<(u16, u16, Vec<u8>)>,
    v6: Vec<(u16, u16, Vec<u8>)>,
}

#[test]
fn kernel_and_adapter_ping_each_other_over_arp_and_ndp() {
    if !require_root() || !require_tool("ping") {
        return;
    }
    let ns = Netns::new("l2ad").unwrap();
    let name: String = format!("pkl2{:x}", std::process::id())
        .chars()
        .take(15)
        .collect();
    let tap = Arc::new(
        TapBuilder::new(&name)
            .mode(OpenMode::Create)
            .open()
            .unwrap(),
    );
    let mut nl = Netlink::new().unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.move_to_netns(idx, format!("/run/netns/{}", ns.name()))
        .unwrap();
    let mut nl = Netlink::in_netns(format!("/run/netns/{}", ns.name())).unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.add_address(idx, IpPrefix::v4(KERNEL4, 24).unwrap())
        .unwrap();
    nl.add_address_no_dad(idx, IpPrefix::v6(KERNEL6, 64).unwrap())
        .unwrap();
    nl.set_link_up(idx).unwrap();

    let cfg = L2AdapterConfig {
        mac: Some(OUR_MAC),
        addrs: vec![
            IpPrefix::v4(OURS4, 24).unwrap(),
            IpPrefix::v6(OURS6, 64).unwrap(),
        ],
        gateway_mode: true,
        ..L2AdapterConfig::default()
    };
    let l2: Arc<dyn L2Device> = tap;
    let adapter = L2Adapter::new(l2, cfg, Arc::new(SystemClock));
    let replies = Arc::new(Mutex::new(Replies::default()));
    let r = replies.clone();
    adapter.set_handler(Arc::new(move |p: &Packet| {
        let Ok(s) = SlicedPacket::from_ip(p.as_bytes()) else {
            return Ok(());
        };
        let mut r = r.lock().unwrap();
        match s.transport {
            Some(TransportSlice::Icmpv4(i)) => {
                if let Icmpv4Type::EchoReply(h) = i.icmp_type() {
                    r.v4.push((h.id, h.seq, i.payload().to_vec()));
                }
            }
            Some(TransportSlice::Icmpv6(i)) => {
                if let Icmpv6Type::EchoReply(h) = i.icmp_type() {
                    r.v6.push((h.id, h.seq, i.payload().to_vec()));
                }
            }
            _ => {}
        }
        Ok(())
    }));
    let _timer = adapter.start_timer(Duration::from_millis(50)).unwrap();
    wait_for("DAD of our IPv6 addresses", || {
        adapter
            .address_states()
            .iter()
            .all(|(_, s)| *s == AddrState::Preferred)
    });

    // The kernel pings us: ARP / NDP resolve us, gateway mode answers.
    let out = ns
        .run(&[
            "ping",
            "-c",
            "2",
            "-i",
            "0.2",
            "-W",
            "2",
            &OURS4.to_string(),
        ])
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 packets transmitted, 2 received"), "{text}");
    let out = ns
        .run(&[
            "ping",
            "-6",
            "-c",
            "2",
            "-i",
            "0.2",
            "-W",
            "2",
            &OURS6.to_string(),
        ])
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 packets transmitted, 2 received"), "{text}");
    let s = adapter.stats();
    assert!(s.arp_replies_sent >= 1, "{s:?}");
    assert!(
        s.neighbor_adverts_sent >= 2,
        "unsolicited + solicited NAs: {s:?}"
    );
    assert!(s.echo_replies_sent >= 4, "{s:?}");
    let neigh = ns.run(&["ip", "neigh", "show", "dev", &name]).unwrap();
    let neigh = String::from_utf8_lossy(&neigh.stdout).to_string();
    for ip in [OURS4.to_string(), OURS6.to_string()] {
        let line = neigh
            .lines()
            .find(|l| l.starts_with(&format!("{ip} ")))
            .unwrap_or_else(|| panic!("{ip} in {neigh}"));
        assert!(
            line.contains(&OUR_MAC.to_string()),
            "kernel resolved {ip} to our MAC: {line}"
        );
    }

    // We ping the kernel through the adapter's IP side.
    for seq in 1..=2u16 {
        let mut p = Vec::new();
        PacketBuilder::ipv4(OURS4.octets(), KERNEL4.octets(), 64)
            .icmpv4_echo_request(0x88, seq)
            .write(&mut p, b"from the adapter, v4")
            .unwrap();
        adapter.send(Packet::parse(&p).unwrap()).unwrap();
        let mut p = Vec::new();
        PacketBuilder::ipv6(OURS6.octets(), KERNEL6.octets(), 64)
            .icmpv6_echo_request(0x86, seq)
            .write(&mut p, b"from the adapter, v6")
            .unwrap();
        adapter.send(Packet::parse(&p).unwrap()).unwrap();
    }
    wait_for("the kernel's echo replies", || {
        let r = replies.lock().unwrap();
        r.v4.len() >= 2 && r.v6.len() >= 2
    });
    let r = replies.lock().unwrap();
    assert_eq!(
        r.v4,
        vec![
            (0x88, 1, b"from the adapter, v4".to_vec()),
            (0x88, 2, b"from the adapter, v4".to_vec())
        ]
    );
    assert_eq!(
        r.v6,
        vec![
            (0x86, 1, b"from the adapter, v6".to_vec()),
            (0x86, 2, b"from the adapter, v6".to_vec())
        ]
    );
    let kernel_mac = ns
        .run(&["cat", &format!("/sys/class/net/{name}/address")])
        .unwrap();
    let kernel_mac: MacAddr = String::from_utf8_lossy(&kernel_mac.stdout)
        .trim()
        .parse()
        .unwrap();
    for ip in [KERNEL4.into(), KERNEL6.into()] {
        let n = adapter.neighbor(ip).unwrap();
        assert_eq!(
            n.mac,
            Some(kernel_mac),
            "{ip} resolved to the kernel side's MAC"
        );
        assert_ne!(n.state, NeighborState::Failed);
    }
    assert_eq!(adapter.stats().resolution_failures, 0);
    drop(r);

    // DAD against the kernel: claiming the kernel's own address makes it
    // defend it (an NA to all-nodes), and the address ends up DUPLICATE.
    let taken = IpPrefix::v6(KERNEL6, 64).unwrap();
    let mut addrs = adapter.addrs();
    addrs.push(taken);
    adapter.set_addrs(&addrs).unwrap();
    wait_for("DAD to settle on the kernel's address", || {
        adapter
            .address_states()
            .iter()
            .any(|(p, s)| *p == taken && *s != AddrState::Tentative)
    });
    let state = adapter
        .address_states()
        .into_iter()
        .find(|(p, _)| *p == taken);
    assert_eq!(state, Some((taken, AddrState::Duplicate)));
    assert_eq!(adapter.stats().dad_failures, 1);
    // Our other addresses are untouched and still answer.
    let out = ns
        .run(&["ping", "-6", "-c", "1", "-W", "2", &OURS6.to_string()])
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 received"));
    adapter.close().unwrap();
}
