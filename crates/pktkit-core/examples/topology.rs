//! A small topology: two VMs on VLAN-aware switch ports, a router between two
//! networks, all in memory; then the counters.
//!
//! ```text
//!  vm1 ──┐                     ┌── host10 (10.0.0.0/24)
//!        ├─ L2Hub (VLAN 10) ──  │
//!  vm2 ──┘   trunk ── probe     L3Hub
//!                               └── host20 (10.0.1.0/24)
//! ```
//!
//! Run with `cargo run -p pktkit-core --example topology`.

use std::sync::Arc;

use pktkit_core::{L2Device, L2Hub, L3Device, L3Hub, PipeL2, PipeL3, PortConfig};
use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};

fn main() -> std::io::Result<()> {
    // --- layer 2: a switch with two access ports on VLAN 10 and a trunk ---
    let hub = L2Hub::new();
    let mac = |n| MacAddr::new(0x52, 0x54, 0, 0, 0, n);
    let (vm1, vm1_port) = PipeL2::pair(mac(1), mac(101));
    let (vm2, vm2_port) = PipeL2::pair(mac(2), mac(102));
    let (probe, probe_port) = PipeL2::pair(mac(3), mac(103));
    let p1 = hub.attach_with(Arc::new(vm1_port), PortConfig::access(10))?;
    let p2 = hub.attach_with(Arc::new(vm2_port), PortConfig::access(10))?;
    let _p3 = hub.attach_with(Arc::new(probe_port), PortConfig::trunk(None, [10, 20]))?;
    for (name, dev) in [("vm1", &vm1), ("vm2", &vm2), ("probe", &probe)] {
        dev.set_handler(Arc::new(move |f: &Frame| {
            println!(
                "{name:>6} got {} -> {} vlan {:?}",
                f.src(),
                f.dst(),
                f.vlan_id()
            );
            Ok(())
        }));
    }
    let mut frame = [0u8; 60];
    frame[..6].copy_from_slice(&MacAddr::BROADCAST.0);
    frame[6..12].copy_from_slice(&mac(1).0);
    frame[12..14].copy_from_slice(&[0x88, 0xb5]);
    vm1.send(Frame::parse(&frame).expect("valid frame"))?; // flooded: vm2 + probe (tagged)
    frame[..6].copy_from_slice(&mac(1).0);
    frame[6..12].copy_from_slice(&mac(2).0);
    vm2.send(Frame::parse(&frame).expect("valid frame"))?; // known: vm1 only
    println!("\nvm1 is behind {}, vm2 behind {}", p1.id(), p2.id());
    println!("{}", hub.snapshot());

    // --- layer 3: a router between 10.0.0.0/24 and 10.0.1.0/24 ---
    let router = L3Hub::new();
    let p = |s: &str| s.parse::<IpPrefix>().expect("valid prefix");
    let (h10, r10) = PipeL3::pair(&[p("10.0.0.2/24")], &[p("10.0.0.1/24")]);
    let (h20, r20) = PipeL3::pair(&[p("10.0.1.2/24")], &[p("10.0.1.1/24")]);
    let _a = router.attach(Arc::new(r10))?;
    let _b = router.attach(Arc::new(r20))?;
    h20.set_handler(Arc::new(|pkt: &Packet| {
        println!(
            "host20 got {} -> {} ttl {}",
            pkt.src(),
            pkt.dst(),
            pkt.ttl()
        );
        Ok(())
    }));
    let mut ip = [0u8; 28];
    ip[0] = 0x45;
    ip[3] = 28;
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&[10, 0, 0, 2]);
    ip[16..20].copy_from_slice(&[10, 0, 1, 2]);
    let c = pktkit_wire::checksum::checksum(&ip[..20]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    h10.send(Packet::parse(&ip).expect("valid packet"))?; // routed, TTL 64 -> 63
    ip[16..20].copy_from_slice(&[192, 0, 2, 1]);
    ip[10..12].copy_from_slice(&[0, 0]);
    let c = pktkit_wire::checksum::checksum(&ip[..20]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    h10.send(Packet::parse(&ip).expect("valid packet"))?; // no route: dropped, counted
    println!("\n{}", router.snapshot());
    Ok(())
}
