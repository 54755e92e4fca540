//! A switch with a DHCP server and three clients, all in memory, through the
//! `pktkit` facade alone; then the switch's counters.
//!
//! ```text
//!   DHCP server (10.0.2.2) ──┐
//!   client 52:54:00:00:00:01 ─┤
//!   client 52:54:00:00:00:02 ─┼── L2Hub "lan" ── tap of every frame (printed)
//!   client 52:54:00:00:00:03 ─┘
//! ```
//!
//! Each client is a `pktkit::dhcp::device::ClientDevice` with its own timer
//! thread; each prints the lease it got. The same server sits behind
//! `pktkit up`'s switches, where the clients are QEMU guests and TAP ports.
//!
//! Run: `cargo run -p pktkit --example dhcp_on_a_switch`

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pktkit::core::PipeL2;
use pktkit::dhcp::device::{ClientDevice, ServerDevice};
use pktkit::dhcp::{ClientConfig, Event, ServerConfig};
use pktkit::prelude::*;
use pktkit::wire::EtherType;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gateway = Ipv4Addr::new(10, 0, 2, 2);
    let (first, last) = (Ipv4Addr::new(10, 0, 2, 15), Ipv4Addr::new(10, 0, 2, 254));
    let hub = L2Hub::new();
    let mut ports = Vec::new();

    // A listener on the switch that sees what is flooded: the broadcasts.
    let (probe, probe_port) = PipeL2::pair(
        MacAddr::new(0x02, 0, 0, 0, 0xff, 1),
        MacAddr::new(0x02, 0, 0, 0, 0xff, 2),
    );
    let broadcasts = Arc::new(AtomicU64::new(0));
    let seen = broadcasts.clone();
    probe.set_handler(Arc::new(move |f: &Frame| {
        if f.dst() == MacAddr::BROADCAST {
            seen.fetch_add(1, Ordering::Relaxed);
            let kind = match f.ethertype() {
                EtherType::IPV4 => "IPv4 (a DHCP DISCOVER or REQUEST)",
                EtherType::ARP => "ARP",
                _ => "other",
            };
            println!("  broadcast from {}: {kind}", f.src());
        }
        Ok(())
    }));
    ports.push(hub.attach(Arc::new(probe_port))?);

    let mut server_cfg = ServerConfig::new(gateway, 24, first, last);
    server_cfg.lease_time = Duration::from_secs(3600);
    server_cfg.dns_servers = vec![Ipv4Addr::new(10, 0, 2, 3)];
    let server = ServerDevice::new(server_cfg, MacAddr::new(0x02, 0x50, 0x4b, 0, 0, 1), None)?;
    ports.push(hub.attach(server.clone())?);

    let mut clients = Vec::new();
    for n in 1..=3 {
        let mut cfg = ClientConfig::new(MacAddr::new(0x52, 0x54, 0, 0, 0, n));
        cfg.seed = u64::from(n); // use real randomness in production
        let client = ClientDevice::start(cfg)?;
        ports.push(hub.attach(client.clone())?);
        clients.push(client);
    }

    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, client) in clients.iter().enumerate() {
        let lease = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match client.recv_event(left) {
                Some(Event::LeaseAcquired(lease)) => break lease,
                Some(_) => {}
                None => return Err(format!("client {} got no lease in 10 s", i + 1).into()),
            }
        };
        assert!((first..=last).contains(&lease.address));
        println!(
            "client {}: {}/{} router {:?} dns {:?} for {:?}",
            i + 1,
            lease.address,
            lease.prefix_len,
            lease.router,
            lease.dns_servers,
            lease.lease_time
        );
    }
    let leases = server.with_server(|s| s.binding_count());
    println!(
        "\nserver holds {leases} leases; {} broadcasts crossed the switch",
        broadcasts.load(Ordering::Relaxed)
    );
    println!("{}", hub.snapshot());
    for p in ports {
        p.detach();
    }
    Ok(())
}
