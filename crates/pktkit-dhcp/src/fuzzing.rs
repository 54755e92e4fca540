//! Fuzz bodies for the engines' inputs (not an API).
//!
//! Each input is split into messages (a 2-byte big-endian length, then that
//! many bytes), fed in order with a clock that advances one second per
//! message. Nothing may panic, and the server's tables stay within the
//! pool plus its static leases.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use pktkit_wire::MacAddr;

use crate::client::{Client, ClientConfig};
use crate::server::{Server, ServerConfig, StaticLease};

fn messages(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let (len, rest) = data.split_first_chunk::<2>()?;
        let n = (u16::from_be_bytes(*len) as usize).min(rest.len());
        let (m, rest) = rest.split_at(n);
        data = rest;
        Some(m)
    })
    .take(512)
}

/// Feeds a server a sequence of messages.
pub fn dhcp_server(data: &[u8]) {
    let mut cfg = ServerConfig::new(
        Ipv4Addr::new(10, 0, 0, 1),
        24,
        Ipv4Addr::new(10, 0, 0, 100),
        Ipv4Addr::new(10, 0, 0, 103),
    );
    cfg.static_leases.push(StaticLease {
        mac: Some(MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56)),
        client_id: None,
        address: Ipv4Addr::new(10, 0, 0, 50),
    });
    cfg.domain_search = vec!["example.test".into()];
    let mut s = Server::new(cfg).expect("valid configuration");
    let start = Instant::now();
    let mut buf = [0u8; 1500];
    for (i, m) in messages(data).enumerate() {
        let now = start + Duration::from_secs(i as u64);
        s.handle_input(now, m);
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            assert!(t.len <= buf.len());
        }
        assert!(s.binding_count() <= 4 + 1, "bindings exceed pool + statics");
    }
}

/// Feeds a client (past its first DISCOVER) a sequence of messages.
pub fn dhcp_client(data: &[u8]) {
    let start = Instant::now();
    let mut c = Client::new(
        ClientConfig::new(MacAddr::new(0x52, 0x54, 0, 0x12, 0x34, 0x56)),
        start,
    );
    let mut buf = [0u8; 1500];
    for (i, m) in messages(data).enumerate() {
        let now = start + Duration::from_secs(i as u64 * 7);
        c.handle_input(now, m);
        c.handle_timeout(now);
        while c.poll_transmit(now, &mut buf).is_some() {}
        while c.poll_event().is_some() {}
    }
}
