//! Two IP hosts on one Ethernet link, each behind an `L2Adapter`.
//!
//! Host A (10.0.0.1, fd00::1) pings host B (10.0.0.2, fd00::2), which runs in
//! gateway mode and answers itself. A's first packets wait while ARP / NDP
//! resolve B; the program prints what each adapter learned and counted.
//! Time is a `ManualClock` moved by hand, so DAD finishes at once and the
//! run is deterministic.
//!
//! Run: `cargo run -p pktkit-core --example l2_adapter`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pktkit_core::{L2Adapter, L2AdapterConfig, L3Device, ManualClock, PipeL2};
use pktkit_wire::icmpv4::{Icmpv4Packet, Icmpv4Repr};
use pktkit_wire::icmpv6::Icmpv6Repr;
use pktkit_wire::ipv4::{Ipv4Packet, Ipv4Repr};
use pktkit_wire::ipv6::{Ipv6Packet, Ipv6Repr};
use pktkit_wire::{IpProtocol, MacAddr, Packet};

fn main() {
    let clock = ManualClock::new();
    let (wire_a, wire_b) = PipeL2::pair(
        MacAddr::new(2, 0, 0, 0, 0, 0xa),
        MacAddr::new(2, 0, 0, 0, 0, 0xb),
    );
    let host = |wire: PipeL2, addrs: [&str; 2], gateway_mode: bool| {
        let cfg = L2AdapterConfig {
            addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(),
            gateway_mode,
            ..L2AdapterConfig::default()
        };
        L2Adapter::new(Arc::new(wire), cfg, Arc::new(clock.clone()))
    };
    let a = host(wire_a, ["10.0.0.1/24", "fd00::1/64"], false);
    let b = host(wire_b, ["10.0.0.2/24", "fd00::2/64"], true);

    // DAD: one retrans timer with no objection makes the IPv6 addresses usable.
    clock.advance(Duration::from_secs(1));
    a.tick();
    b.tick();

    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    a.set_handler(Arc::new(move |p: &Packet| {
        g.lock().unwrap().push(p.as_bytes().to_vec());
        Ok(())
    }));

    for seq in 1..=3 {
        a.send(Packet::parse(&ping_v4(seq)).unwrap()).unwrap();
        a.send(Packet::parse(&ping_v6(seq)).unwrap()).unwrap();
    }
    for p in got.lock().unwrap().iter() {
        let p = Packet::parse(p).unwrap();
        println!("A got {} -> {} ({} bytes)", p.src(), p.dst(), p.total_len());
    }
    for (name, ad) in [("A", &a), ("B", &b)] {
        println!("{name} neighbours:");
        for (ip, n) in ad.neighbors() {
            println!("  {ip:<28} {:?} {:?}", n.mac, n.state);
        }
        println!("{name} addresses: {:?}", ad.address_states());
        println!("{name} stats: {:?}", ad.stats());
    }
    assert_eq!(
        got.lock().unwrap().len(),
        6,
        "three echo replies per family"
    );
}

fn ping_v4(seq: u16) -> Vec<u8> {
    let icmp = Icmpv4Repr::EchoRequest {
        ident: 1,
        seq_no: seq,
        data: b"hello over ARP",
    };
    let n = icmp.buffer_len();
    let mut p = vec![0u8; 20 + n];
    Ipv4Repr {
        src: "10.0.0.1".parse().unwrap(),
        dst: "10.0.0.2".parse().unwrap(),
        protocol: IpProtocol::ICMP,
        payload_len: n,
        ..Ipv4Repr::default()
    }
    .emit(&mut Ipv4Packet::new_unchecked(&mut p[..]));
    icmp.emit(&mut Icmpv4Packet::new_unchecked(&mut p[20..]));
    p
}

fn ping_v6(seq: u16) -> Vec<u8> {
    let (src, dst) = ("fd00::1".parse().unwrap(), "fd00::2".parse().unwrap());
    let icmp = Icmpv6Repr::EchoRequest {
        ident: 1,
        seq_no: seq,
        data: b"hello over NDP",
    };
    let n = icmp.buffer_len();
    let mut p = vec![0u8; 40 + n];
    Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: IpProtocol::ICMPV6,
        payload_len: n as u16,
        hop_limit: 64,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut Ipv6Packet::new_unchecked(&mut p[..]))
    .unwrap();
    icmp.emit_with_checksum(src, dst, &mut p[40..]).unwrap();
    p
}
