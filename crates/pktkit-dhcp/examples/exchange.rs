//! A DHCP client and server talking in memory, on a virtual clock.
//!
//! Shows the sans-I/O call order: feed input, drain `poll_transmit`, read
//! `poll_event`, and jump time forward to `poll_timeout` for the renewal.
//!
//! Run: `cargo run -p pktkit-dhcp --example exchange`

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use pktkit_dhcp::client::{Client, ClientConfig, Event};
use pktkit_dhcp::server::{Server, ServerConfig};
use pktkit_wire::MacAddr;
use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr};

/// Moves datagrams both ways until neither side has anything to send.
fn pump(client: &mut Client, server: &mut Server, now: Instant) {
    let mut buf = [0u8; 1500];
    loop {
        let mut moved = false;
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            describe("client ->", t.dst, &buf[..t.len]);
            server.handle_input(now, &buf[..t.len]);
            moved = true;
        }
        while let Some(t) = server.poll_transmit(now, &mut buf) {
            describe("server ->", t.dst_ip, &buf[..t.len]);
            client.handle_input(now, &buf[..t.len]);
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

fn describe(who: &str, dst: Ipv4Addr, msg: &[u8]) {
    if let Ok(r) = DhcpPacket::new_checked(msg).and_then(|p| DhcpRepr::parse(&p)) {
        println!(
            "{who} {dst:<15} {:?} yiaddr={} ciaddr={}",
            r.message_type, r.yiaddr, r.ciaddr
        );
    }
}

fn main() {
    let start = Instant::now();
    let mut cfg = ServerConfig::new(
        Ipv4Addr::new(192, 168, 7, 1),
        24,
        Ipv4Addr::new(192, 168, 7, 100),
        Ipv4Addr::new(192, 168, 7, 199),
    );
    cfg.lease_time = Duration::from_secs(3600);
    cfg.dns_servers = vec![Ipv4Addr::new(192, 168, 7, 1)];
    cfg.domain_name = Some("home.test".into());
    let mut server = Server::new(cfg).expect("valid configuration");

    let mut ccfg = ClientConfig::new(MacAddr::new(0x02, 0, 0, 0, 0, 0x42));
    ccfg.hostname = Some("example".into());
    ccfg.seed = 42; // use real randomness in production
    let mut client = Client::new(ccfg, start);

    pump(&mut client, &mut server, start);
    while let Some(e) = client.poll_event() {
        if let Event::LeaseAcquired(l) = &e {
            println!(
                "leased {}/{} router {:?} dns {:?} domain {:?} for {:?}",
                l.address, l.prefix_len, l.router, l.dns_servers, l.domain_name, l.lease_time
            );
        }
    }

    // Nothing happens until T1; jump the clock there.
    let t1 = client.poll_timeout().expect("a lease has timers");
    println!("next timer in {:?} (T1)", t1 - start);
    client.handle_timeout(t1);
    pump(&mut client, &mut server, t1);
    while let Some(e) = client.poll_event() {
        if let Event::LeaseRenewed(l) = e {
            println!(
                "renewed {} until +{:?}",
                l.address,
                t1 - start + l.lease_time
            );
        }
    }

    client.release(t1);
    pump(&mut client, &mut server, t1);
    println!("released; server counters: {:?}", server.stats());
}
