//! DHCP: message parse and emit, and the server's DISCOVER → OFFER decision.
//!
//! Groups: `dhcp/parse`, `dhcp/emit` (a 374-byte DHCPACK with 15 options,
//! built by scapy: `fuzz/seeds/dhcpv4/ack`), `dhcp/server-discover-offer`
//! (64 clients cycling over a /24 pool; each iteration is one DISCOVER in and
//! one OFFER out). Peers: smoltcp's DHCPv4 codec, and for the server the
//! `pktkit` 0.1.11 crate (`pktkit-0.1.11`, whose codec is private, so it
//! appears only in the server group).

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pktkit_dhcp::server::{Server, ServerConfig};
use pktkit_wire::dhcpv4::{DhcpPacket, DhcpRepr, MessageType, OptionData};

static ACK: &[u8] = include_bytes!("../../fuzz/seeds/dhcpv4/ack");

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("dhcp/parse");
    g.throughput(Throughput::Elements(1));
    g.bench_function("pktkit", |b| {
        b.iter(|| {
            let p = DhcpPacket::new_checked(black_box(ACK)).unwrap();
            let r = DhcpRepr::parse(&p).unwrap();
            black_box((r.yiaddr, r.lease_time, r.router.and_then(|r| r.first())));
        })
    });
    g.bench_function("smoltcp", |b| {
        b.iter(|| {
            let p = smoltcp::wire::DhcpPacket::new_checked(black_box(ACK)).unwrap();
            let r = smoltcp::wire::DhcpRepr::parse(&p).unwrap();
            black_box((r.your_ip, r.lease_duration, r.router));
        })
    });
    g.finish();
}

fn emit(c: &mut Criterion) {
    let mut g = c.benchmark_group("dhcp/emit");
    g.throughput(Throughput::Elements(1));
    let ours = DhcpRepr::parse(&DhcpPacket::new_checked(ACK).unwrap()).unwrap();
    let mut buf = vec![0u8; 1500];
    g.bench_function("pktkit", |b| {
        b.iter(|| {
            let r = black_box(&ours);
            let n = r.buffer_len();
            r.emit(&mut DhcpPacket::new_unchecked(&mut buf[..n]))
                .unwrap();
            black_box(&buf);
        })
    });
    let sp = smoltcp::wire::DhcpPacket::new_checked(ACK).unwrap();
    let theirs = smoltcp::wire::DhcpRepr::parse(&sp).unwrap();
    g.bench_function("smoltcp", |b| {
        b.iter(|| {
            let r = black_box(&theirs);
            let n = r.buffer_len();
            r.emit(&mut smoltcp::wire::DhcpPacket::new_unchecked(&mut buf[..n]))
                .unwrap();
            black_box(&buf);
        })
    });
    g.finish();
}

/// DISCOVERs from 64 clients, as UDP payloads.
fn discovers() -> Vec<Vec<u8>> {
    (0..64u8)
        .map(|i| {
            let mut r =
                DhcpRepr::new_request(MessageType::Discover, 0x1000 + i as u32, [2, 0, 0, 0, 1, i]);
            r.parameter_request_list = Some(OptionData::from_bytes(&[1, 3, 6, 15, 51, 54]));
            let mut b = vec![0u8; r.buffer_len()];
            r.emit(&mut DhcpPacket::new_unchecked(&mut b[..])).unwrap();
            b
        })
        .collect()
}

fn server(c: &mut Criterion) {
    let mut g = c.benchmark_group("dhcp/server-discover-offer");
    g.throughput(Throughput::Elements(1));
    let msgs = discovers();
    let cfg = ServerConfig::new(
        Ipv4Addr::new(10, 0, 0, 1),
        24,
        Ipv4Addr::new(10, 0, 0, 10),
        Ipv4Addr::new(10, 0, 0, 250),
    );
    let mut ours = Server::new(cfg).unwrap();
    let now = Instant::now();
    let mut buf = vec![0u8; 1500];
    let mut i = 0;
    g.bench_function("pktkit", |b| {
        b.iter(|| {
            ours.handle_input(now, black_box(&msgs[i % msgs.len()]));
            i += 1;
            let t = ours.poll_transmit(now, &mut buf).expect("an offer");
            black_box(t.len);
        })
    });

    use pktkit_peer::L2Device as _;
    let mut pcfg = pktkit_peer::dhcp::ServerConfig::new(
        Ipv4Addr::new(10, 0, 0, 1),
        Ipv4Addr::new(10, 0, 0, 10),
        Ipv4Addr::new(10, 0, 0, 250),
    );
    pcfg.router = Some(Ipv4Addr::new(10, 0, 0, 1));
    let peer = pktkit_peer::dhcp::Server::new(pcfg);
    let sent = Arc::new(AtomicUsize::new(0));
    let s2 = sent.clone();
    peer.set_handler(Arc::new(move |f: &pktkit_peer::Frame| {
        s2.fetch_add(f.len(), Ordering::Relaxed);
        Ok(())
    }));
    peer.handle_dhcp(&msgs[0]);
    assert!(
        sent.load(Ordering::Relaxed) > 0,
        "the peer answers a DISCOVER"
    );
    let mut i = 0;
    g.bench_function("pktkit-0.1.11", |b| {
        b.iter(|| {
            peer.handle_dhcp(black_box(&msgs[i % msgs.len()]));
            i += 1;
        })
    });
    g.finish();
}

criterion_group!(benches, parse, emit, server);
criterion_main!(benches);
