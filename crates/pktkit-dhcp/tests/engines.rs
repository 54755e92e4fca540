//! Client and server engines against each other and a virtual clock.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant, SystemTime};

use pktkit_dhcp::client::{Client, ClientConfig, ClientState, Event, LossReason};
use pktkit_dhcp::server::{Server, ServerConfig, StaticLease};
use pktkit_wire::MacAddr;
use pktkit_wire::dhcpv4::{ClasslessRoute, DhcpPacket, DhcpRepr, MessageType, OptionData};

const S: Duration = Duration::from_secs(1);

fn ip(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

fn mac(n: u8) -> MacAddr {
    MacAddr::new(2, 0, 0, 0, 0, n)
}

fn config() -> ServerConfig {
    let mut c = ServerConfig::new(ip(10, 0, 0, 1), 24, ip(10, 0, 0, 100), ip(10, 0, 0, 109));
    c.lease_time = Duration::from_secs(600);
    c.dns_servers = vec![ip(10, 0, 0, 1), ip(9, 9, 9, 9)];
    c.domain_name = Some("lab.test".into());
    c.domain_search = vec!["lab.test".into(), "svc.lab.test".into()];
    c.mtu = Some(1400);
    c.classless_routes = vec![
        ClasslessRoute {
            destination: ip(0, 0, 0, 0),
            prefix_len: 0,
            router: ip(10, 0, 0, 1),
        },
        ClasslessRoute {
            destination: ip(192, 168, 50, 0),
            prefix_len: 24,
            router: ip(10, 0, 0, 2),
        },
    ];
    c.static_leases = vec![StaticLease {
        mac: Some(mac(0x50)),
        client_id: None,
        address: ip(10, 0, 0, 50),
    }];
    c
}

/// Moves every pending datagram between `c` and `s` until both are quiet;
/// returns how many datagrams crossed.
fn pump(c: &mut Client, s: &mut Server, now: Instant) -> usize {
    let mut buf = [0u8; 1500];
    let mut n = 0;
    loop {
        let mut moved = false;
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            s.handle_input(now, &buf[..t.len]);
            n += 1;
            moved = true;
        }
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            c.handle_input(now, &buf[..t.len]);
            n += 1;
            moved = true;
        }
        if !moved {
            return n;
        }
    }
}

fn acquire(c: &mut Client, s: &mut Server, now: Instant) -> pktkit_dhcp::Lease {
    assert_eq!(pump(c, s, now), 4, "DISCOVER, OFFER, REQUEST, ACK");
    match c.poll_event() {
        Some(Event::LeaseAcquired(l)) => l,
        e => panic!("expected a lease, got {e:?}"),
    }
}

#[test]
fn full_exchange_reports_every_option() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let l = acquire(&mut c, &mut s, t0);
    assert_eq!(c.state(), ClientState::Bound);
    assert_eq!(l.address, ip(10, 0, 0, 100));
    assert_eq!(l.prefix_len, 24);
    assert_eq!(l.router, Some(ip(10, 0, 0, 1)));
    assert_eq!(l.dns_servers, [ip(10, 0, 0, 1), ip(9, 9, 9, 9)]);
    assert_eq!(l.domain_name.as_deref(), Some("lab.test"));
    assert_eq!(l.domain_search, ["lab.test", "svc.lab.test"]);
    assert_eq!(l.classless_routes, config().classless_routes);
    assert_eq!(l.mtu, Some(1400));
    assert_eq!(l.broadcast, Some(ip(10, 0, 0, 255)));
    assert_eq!(l.server_id, ip(10, 0, 0, 1));
    assert_eq!(l.lease_time, 600 * S);
    assert_eq!(l.renewal_time, 300 * S);
    assert_eq!(l.rebinding_time, 525 * S);
    assert_eq!(s.lease_of(mac(1), t0), Some(ip(10, 0, 0, 100)));
    assert_eq!(c.poll_timeout(), Some(t0 + 300 * S), "next is T1");
}

#[test]
fn renew_at_t1_rebind_at_t2_expire_at_end() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let l = acquire(&mut c, &mut s, t0);
    let mut buf = [0u8; 1500];

    // T1: a unicast REQUEST to the server, which extends the lease.
    let t1 = t0 + 300 * S;
    c.handle_timeout(t1 - S);
    assert_eq!(c.state(), ClientState::Bound, "early timeout is harmless");
    c.handle_timeout(t1);
    assert_eq!(c.state(), ClientState::Renewing);
    let tx = c.poll_transmit(t1, &mut buf).unwrap();
    assert_eq!((tx.src, tx.dst), (l.address, ip(10, 0, 0, 1)));
    let req = DhcpRepr::parse(&DhcpPacket::new_checked(&buf[..tx.len]).unwrap()).unwrap();
    assert_eq!(req.message_type, MessageType::Request);
    assert_eq!(
        (req.ciaddr, req.requested_ip, req.server_id),
        (l.address, None, None)
    );
    s.handle_input(t1, &buf[..tx.len]);
    pump(&mut c, &mut s, t1);
    assert!(matches!(c.poll_event(), Some(Event::LeaseRenewed(r)) if r.address == l.address));
    assert_eq!(c.state(), ClientState::Bound);
    assert_eq!(c.poll_timeout(), Some(t1 + 300 * S));

    // The server goes away. RENEWING retransmits (at least 60 s apart), then
    // REBINDING broadcasts at T2, then the lease expires.
    let t1b = t1 + 300 * S;
    c.handle_timeout(t1b);
    assert_eq!(c.state(), ClientState::Renewing);
    assert!(c.poll_transmit(t1b, &mut buf).is_some());
    let next = c.poll_timeout().unwrap();
    assert_eq!(next - t1b, 112 * S + S / 2, "half of the 225 s left to T2");
    let t2 = t1 + 525 * S;
    c.handle_timeout(next);
    assert!(c.poll_transmit(next, &mut buf).is_some());
    c.handle_timeout(t2);
    assert_eq!(c.state(), ClientState::Rebinding);
    let tx = c.poll_transmit(t2, &mut buf).unwrap();
    assert!(tx.is_broadcast());
    assert_eq!(tx.src, l.address);
    let end = t1 + 600 * S;
    assert_eq!(c.poll_timeout(), Some(t2 + 60 * S).min(Some(end)));
    c.handle_timeout(end);
    assert_eq!(
        c.poll_event(),
        Some(Event::LeaseLost {
            address: l.address,
            reason: LossReason::Expired
        })
    );
    assert_eq!(c.state(), ClientState::Selecting);
    assert!(c.lease().is_none());
}

#[test]
fn rebinding_is_answered_by_a_restarted_server() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let l = acquire(&mut c, &mut s, t0);
    // Server restarts from its saved leases.
    let saved = s.persisted_leases(t0, SystemTime::now());
    let mut s2 = Server::new(config()).unwrap();
    assert_eq!(s2.restore(t0, SystemTime::now(), &saved), 1);
    let t2 = t0 + 525 * S;
    c.handle_timeout(t0 + 300 * S);
    let mut buf = [0u8; 1500];
    let _ = c.poll_transmit(t0 + 300 * S, &mut buf); // lost
    c.handle_timeout(t2);
    assert_eq!(c.state(), ClientState::Rebinding);
    pump(&mut c, &mut s2, t2);
    assert!(matches!(c.poll_event(), Some(Event::LeaseRenewed(r)) if r.address == l.address));
}

#[test]
fn discover_retransmits_with_backoff_and_jitter() {
    let t0 = Instant::now();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let mut buf = [0u8; 1500];
    let mut now = t0;
    let mut xids = Vec::new();
    for base in [4u32, 8, 16, 32, 64, 64] {
        let tx = c.poll_transmit(now, &mut buf).unwrap();
        let r = DhcpRepr::parse(&DhcpPacket::new_checked(&buf[..tx.len]).unwrap()).unwrap();
        assert_eq!(r.message_type, MessageType::Discover);
        assert_eq!(r.secs as u64, (now - t0).as_secs());
        xids.push(r.xid);
        assert!(c.poll_transmit(now, &mut buf).is_none(), "one per timeout");
        let wait = c.poll_timeout().unwrap() - now;
        assert!(
            wait >= (base - 1) * S && wait <= (base + 1) * S,
            "{wait:?} vs {base}s"
        );
        now += wait;
        c.handle_timeout(now);
    }
    assert!(xids.windows(2).all(|w| w[0] == w[1]), "one transaction");
    // The jitter comes from the seed: same seed, same schedule; another, another.
    let waits = |seed| {
        let mut cfg = ClientConfig::new(mac(1));
        cfg.seed = seed;
        let mut c = Client::new(cfg, t0);
        let _ = c.poll_transmit(t0, &mut [0u8; 1500]);
        c.poll_timeout().unwrap()
    };
    assert_eq!(waits(7), waits(7));
    assert_ne!(waits(7), waits(8));
}

#[test]
fn requesting_gives_up_and_restarts() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let mut buf = [0u8; 1500];
    let tx = c.poll_transmit(t0, &mut buf).unwrap();
    s.handle_input(t0, &buf[..tx.len]);
    let rx = s.poll_transmit(t0, &mut buf).unwrap();
    c.handle_input(t0, &buf[..rx.len]);
    assert_eq!(c.state(), ClientState::Requesting);
    let mut now = t0;
    for _ in 0..4 {
        assert!(c.poll_transmit(now, &mut buf).is_some());
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
    }
    assert_eq!(c.state(), ClientState::Selecting, "no ACK after 4 REQUESTs");
}

#[test]
fn init_reboot_nak_for_a_foreign_address_then_discovers() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut cfg = ClientConfig::new(mac(1));
    cfg.previous_address = Some(ip(192, 168, 9, 9));
    let mut c = Client::new(cfg, t0);
    assert_eq!(c.state(), ClientState::Rebooting);
    let mut buf = [0u8; 1500];
    let tx = c.poll_transmit(t0, &mut buf).unwrap();
    s.handle_input(t0, &buf[..tx.len]);
    let rx = s.poll_transmit(t0, &mut buf).unwrap();
    assert!(rx.dst_ip.is_broadcast(), "NAK is broadcast");
    c.handle_input(t0, &buf[..rx.len]);
    assert_eq!(c.stats().naks, 1);
    assert_eq!(c.state(), ClientState::Selecting);
    let l = acquire(&mut c, &mut s, t0);
    assert_eq!(l.address, ip(10, 0, 0, 100));

    // INIT-REBOOT with the address it holds: ACK straight away.
    let mut cfg = ClientConfig::new(mac(1));
    cfg.previous_address = Some(l.address);
    let mut c2 = Client::new(cfg, t0 + S);
    assert_eq!(pump(&mut c2, &mut s, t0 + S), 2);
    assert!(matches!(c2.poll_event(), Some(Event::LeaseAcquired(x)) if x.address == l.address));
}

#[test]
fn nak_while_renewing_loses_the_lease() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let l = acquire(&mut c, &mut s, t0);
    // The server forgets everything and the address went to someone else.
    let mut s2 = Server::new(config()).unwrap();
    let mut other = Client::new(ClientConfig::new(mac(2)), t0);
    assert_eq!(acquire(&mut other, &mut s2, t0).address, l.address);
    c.handle_timeout(t0 + 300 * S);
    pump(&mut c, &mut s2, t0 + 300 * S);
    assert_eq!(
        c.poll_event(),
        Some(Event::LeaseLost {
            address: l.address,
            reason: LossReason::Nak
        })
    );
    // Back to discovery in the same exchange: a new address.
    assert!(matches!(c.poll_event(), Some(Event::LeaseAcquired(l2)) if l2.address != l.address));
}

#[test]
fn release_and_decline() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let l = acquire(&mut c, &mut s, t0);
    let mut buf = [0u8; 1500];
    c.release(t0 + S);
    assert_eq!(c.state(), ClientState::Released);
    assert_eq!(
        c.poll_event(),
        Some(Event::LeaseLost {
            address: l.address,
            reason: LossReason::Released
        })
    );
    let tx = c.poll_transmit(t0 + S, &mut buf).unwrap();
    assert_eq!(tx.dst, ip(10, 0, 0, 1));
    s.handle_input(t0 + S, &buf[..tx.len]);
    assert_eq!(s.stats().releases, 1);
    assert_eq!(s.lease_of(mac(1), t0 + S), None);
    assert!(c.poll_timeout().is_none(), "idle after release");
    // Coming back, it gets the same address (the binding is remembered).
    c.restart(t0 + 2 * S);
    let l2 = acquire(&mut c, &mut s, t0 + 2 * S);
    assert_eq!(l2.address, l.address);

    // DECLINE: quarantined, the client waits 10 s, then gets another address.
    c.decline(t0 + 3 * S);
    assert_eq!(
        c.poll_event(),
        Some(Event::LeaseLost {
            address: l.address,
            reason: LossReason::Declined
        })
    );
    let tx = c.poll_transmit(t0 + 3 * S, &mut buf).unwrap();
    assert!(tx.is_broadcast());
    s.handle_input(t0 + 3 * S, &buf[..tx.len]);
    assert_eq!(s.stats().declines, 1);
    assert_eq!(c.poll_timeout(), Some(t0 + 13 * S));
    c.handle_timeout(t0 + 13 * S);
    let l3 = acquire(&mut c, &mut s, t0 + 13 * S);
    assert_ne!(l3.address, l.address, "declined address is quarantined");
    // After the quarantine the address is back in the pool.
    let later = t0 + 13 * S + 600 * S;
    s.handle_timeout(later);
    let mut c4 = Client::new(ClientConfig::new(mac(4)), later);
    let mut c5 = Client::new(ClientConfig::new(mac(5)), later);
    let got = [
        acquire(&mut c4, &mut s, later).address,
        acquire(&mut c5, &mut s, later).address,
    ];
    assert!(got.contains(&l.address), "{got:?}");
}

#[test]
fn static_lease_by_mac_and_client_id() {
    let t0 = Instant::now();
    let mut cfg = config();
    cfg.static_leases.push(StaticLease {
        mac: None,
        client_id: Some(b"\x00printer".to_vec()),
        address: ip(10, 0, 0, 60),
    });
    let mut s = Server::new(cfg).unwrap();
    let mut c = Client::new(ClientConfig::new(mac(0x50)), t0);
    assert_eq!(acquire(&mut c, &mut s, t0).address, ip(10, 0, 0, 50));
    let mut cc = ClientConfig::new(mac(0x33));
    cc.client_id = Some(b"\x00printer".to_vec());
    let mut c = Client::new(cc, t0);
    assert_eq!(acquire(&mut c, &mut s, t0).address, ip(10, 0, 0, 60));
    // A client with a static lease that asks for another address is NAKed
    // and then discovers its static address.
    let mut cc = ClientConfig::new(mac(0x50));
    cc.previous_address = Some(ip(10, 0, 0, 105));
    let mut c = Client::new(cc, t0);
    assert_eq!(pump(&mut c, &mut s, t0), 6);
    assert_eq!(c.stats().naks, 1);
    assert!(
        matches!(c.poll_event(), Some(Event::LeaseAcquired(l)) if l.address == ip(10, 0, 0, 50))
    );
}

/// Sends a DISCOVER from `m` (raw, no client engine) and returns the offered address.
fn discover(s: &mut Server, m: MacAddr, now: Instant) -> Option<Ipv4Addr> {
    let r = DhcpRepr::new_request(MessageType::Discover, 42, m.octets());
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..]))
        .unwrap();
    s.handle_input(now, &buf);
    let mut out = [0u8; 1500];
    let t = s.poll_transmit(now, &mut out)?;
    let rep = DhcpRepr::parse(&DhcpPacket::new_checked(&out[..t.len]).unwrap()).unwrap();
    assert_eq!(rep.message_type, MessageType::Offer);
    Some(rep.yiaddr)
}

#[test]
fn discover_flood_is_bounded_and_spares_static_leases() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    // 10 000 DISCOVERs with random MACs against a 10-address pool.
    let mut x: u64 = 0x1234_5678;
    let mut offered = 0;
    for _ in 0..10_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let m = MacAddr::from_u64(x & 0xfeff_ffff_ffff);
        if discover(&mut s, m, t0).is_some() {
            offered += 1;
        }
        assert!(s.binding_count() <= 10);
    }
    assert_eq!(offered, 10);
    assert_eq!(s.stats().pool_exhausted, 10_000 - 10);
    // The static client still gets its address, mid-flood.
    assert_eq!(discover(&mut s, mac(0x50), t0), Some(ip(10, 0, 0, 50)));
    let mut c = Client::new(ClientConfig::new(mac(0x50)), t0);
    assert_eq!(acquire(&mut c, &mut s, t0).address, ip(10, 0, 0, 50));
    // Offers are held only briefly: after the hold, the pool serves again.
    let later = t0 + 31 * S;
    let mut c = Client::new(ClientConfig::new(mac(9)), later);
    assert!(acquire(&mut c, &mut s, later).address >= ip(10, 0, 0, 100));
}

#[test]
fn hostile_and_malformed_inputs_are_counted() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    s.handle_input(t0, b"short");
    s.handle_input(t0, &[0u8; 300]);
    assert_eq!(s.stats().rx_malformed, 2);
    let mut buf = [0u8; 600];
    let mut send = |s: &mut Server, r: DhcpRepr<'_>| {
        let n = r.buffer_len();
        r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..n]))
            .unwrap();
        s.handle_input(t0, &buf[..n]);
    };
    // A BOOTREPLY sent to the server.
    send(
        &mut s,
        DhcpRepr::new_request(MessageType::Offer, 1, mac(1).octets()),
    );
    // Ethernet with a hardware length of 4.
    let mut r = DhcpRepr::new_request(MessageType::Discover, 1, mac(1).octets());
    r.hlen = 4;
    send(&mut s, r);
    // Relayed.
    let mut r = DhcpRepr::new_request(MessageType::Discover, 1, mac(1).octets());
    r.giaddr = ip(10, 9, 9, 9);
    send(&mut s, r);
    // A RELEASE of someone else's address, and one naming another server.
    let mut r = DhcpRepr::new_request(MessageType::Release, 1, mac(1).octets());
    r.ciaddr = ip(10, 0, 0, 100);
    r.server_id = Some(ip(10, 0, 0, 1));
    send(&mut s, r);
    r.server_id = Some(ip(10, 0, 0, 2));
    send(&mut s, r);
    // A client id shorter than 2 bytes.
    let mut r = DhcpRepr::new_request(MessageType::Discover, 1, mac(1).octets());
    r.client_id = Some(OptionData::from_bytes(b"x"));
    send(&mut s, r);
    let st = *s.stats();
    assert_eq!(st.rx_invalid, 3);
    assert_eq!(st.rx_relayed, 1);
    assert_eq!(st.rx_unmatched, 1);
    assert_eq!(st.rx_other_server, 1);
    assert_eq!(s.binding_count(), 0);
    assert!(
        s.poll_transmit(t0, &mut [0u8; 1500]).is_none(),
        "nothing answered"
    );
}

#[test]
fn server_restart_keeps_addresses() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut got = Vec::new();
    for n in 1..=3 {
        let mut c = Client::new(ClientConfig::new(mac(n)), t0);
        got.push(acquire(&mut c, &mut s, t0).address);
    }
    let saved = s.persisted_leases(t0, SystemTime::now());
    assert_eq!(saved.len(), 3);
    // A new server that never saw these clients, with its leases reloaded;
    // the clients come back in another order.
    let mut s2 = Server::new(config()).unwrap();
    assert_eq!(s2.restore(t0, SystemTime::now(), &saved), 3);
    for n in [3u8, 1, 2] {
        let mut c = Client::new(ClientConfig::new(mac(n)), t0 + S);
        assert_eq!(
            acquire(&mut c, &mut s2, t0 + S).address,
            got[n as usize - 1]
        );
    }
}

#[test]
fn inform_gets_configuration_without_a_lease() {
    let t0 = Instant::now();
    let mut s = Server::new(config()).unwrap();
    let mut r = DhcpRepr::new_request(MessageType::Inform, 9, mac(7).octets());
    r.ciaddr = ip(10, 0, 0, 42);
    let mut buf = vec![0u8; r.buffer_len()];
    r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..]))
        .unwrap();
    s.handle_input(t0, &buf);
    let mut out = [0u8; 1500];
    let t = s.poll_transmit(t0, &mut out).unwrap();
    assert_eq!((t.dst_ip, t.dst_mac), (ip(10, 0, 0, 42), mac(7)));
    let a = DhcpRepr::parse(&DhcpPacket::new_checked(&out[..t.len]).unwrap()).unwrap();
    assert_eq!(a.message_type, MessageType::Ack);
    assert_eq!(a.lease_time, None);
    assert_eq!(a.yiaddr, Ipv4Addr::UNSPECIFIED);
    assert_eq!(a.subnet_mask, Some(ip(255, 255, 255, 0)));
    assert_eq!(s.binding_count(), 0);
}

#[test]
fn client_ignores_foreign_and_malformed_replies() {
    let t0 = Instant::now();
    let mut c = Client::new(ClientConfig::new(mac(1)), t0);
    let mut buf = [0u8; 1500];
    let tx = c.poll_transmit(t0, &mut buf).unwrap();
    let xid = DhcpRepr::parse(&DhcpPacket::new_checked(&buf[..tx.len]).unwrap())
        .unwrap()
        .xid;
    c.handle_input(t0, b"garbage");
    let mut offer = DhcpRepr::new_request(MessageType::Offer, xid ^ 1, mac(1).octets());
    offer.yiaddr = ip(10, 0, 0, 5);
    offer.server_id = Some(ip(10, 0, 0, 1));
    for (x, m) in [(xid ^ 1, mac(1)), (xid, mac(2))] {
        let mut o = offer;
        o.xid = x;
        o.chaddr[..6].copy_from_slice(m.as_bytes());
        let n = o.buffer_len();
        o.emit(&mut DhcpPacket::new_unchecked(&mut buf[..n]))
            .unwrap();
        c.handle_input(t0, &buf[..n]);
    }
    assert_eq!(c.stats().rx_malformed, 1);
    assert_eq!(c.stats().rx_ignored, 2);
    assert_eq!(c.state(), ClientState::Selecting);
}
