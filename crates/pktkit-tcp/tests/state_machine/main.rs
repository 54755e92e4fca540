//! The connection state machine against a scripted peer: each test writes the
//! segments RFC 9293 / 5961 / 7323 / 1122 describe and checks what the engine
//! answers, segment by segment.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Error, Event, Keepalive, Listener, ListenerConfig, State};
use pktkit_wire::tcp::{TcpFlags, TcpPacket, TcpRepr, TcpSackBlocks, TcpTimestamp};

const A: &str = "10.0.0.1:40000"; // the engine
const B: &str = "10.0.0.2:80"; // the scripted peer

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// An owned copy of a segment the engine sent.
#[derive(Debug, Clone)]
struct Seg {
    flags: TcpFlags,
    seq: u32,
    ack: u32,
    mss: Option<u16>,
    ws: Option<u8>,
    sack_perm: bool,
    ts: Option<TcpTimestamp>,
    sack: Vec<(u32, u32)>,
    payload: Vec<u8>,
}

/// Everything the engine wants to send now.
fn drain(c: &mut Connection, now: Instant) -> Vec<Seg> {
    let mut buf = vec![0u8; 70_000];
    let mut out = Vec::new();
    while let Some(t) = c.poll_transmit(now, &mut buf) {
        let ip = pktkit_wire::Packet::parse(&buf[..t.len]).unwrap();
        let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
        assert!(
            tcp.verify_checksum(ip.src(), ip.dst()),
            "we send valid checksums"
        );
        let r = TcpRepr::parse(&tcp).unwrap();
        out.push(Seg {
            flags: r.flags,
            seq: r.seq_number,
            ack: r.ack_number,
            mss: r.mss,
            ws: r.window_scale,
            sack_perm: r.sack_permitted,
            ts: r.timestamp,
            sack: r.sack_blocks.as_slice().to_vec(),
            payload: r.payload.to_vec(),
        });
        assert!(out.len() < 10_000);
    }
    out
}

/// The peer's side: builds segments from B to A.
struct Peer {
    seq: u32,
    ack: u32,
    win: u16,
    ts: Option<u32>,
}

impl Peer {
    fn seg(&self, flags: TcpFlags, payload: &[u8]) -> TcpRepr<'static> {
        let payload: &'static [u8] = Box::leak(payload.to_vec().into_boxed_slice());
        TcpRepr {
            src_port: 80,
            dst_port: 40000,
            seq_number: self.seq,
            ack_number: self.ack,
            flags,
            window_len: self.win,
            timestamp: self.ts.map(|v| TcpTimestamp { tsval: v, tsecr: 0 }),
            payload,
            ..TcpRepr::default()
        }
    }
}

fn send(c: &mut Connection, now: Instant, r: &TcpRepr<'_>) {
    let mut buf = vec![0u8; r.buffer_len()];
    let mut p = TcpPacket::new_unchecked(&mut buf[..]);
    r.emit(&mut p);
    let (src, dst): (IpAddr, IpAddr) = (addr(B).ip(), addr(A).ip());
    p.fill_checksum(src, dst);
    c.handle_segment(now, src, dst, &buf);
}

fn events(c: &mut Connection) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn cfg() -> Config {
    Config {
        delayed_ack: None,
        ..Config::default()
    }
}

/// Active open up to ESTABLISHED against the scripted peer (ISN 5000).
fn established(cfg: Config, t0: Instant) -> (Connection, Peer, u32) {
    let mut c = Connection::connect(cfg, addr(A), addr(B), 1000, t0).unwrap();
    let syn = drain(&mut c, t0);
    assert_eq!(syn.len(), 1);
    let mut peer = Peer {
        seq: 5000,
        ack: syn[0].seq + 1,
        win: 65535,
        ts: None,
    };
    let mut synack = peer.seg(TcpFlags::SYN | TcpFlags::ACK, b"");
    synack.mss = Some(1460);
    synack.sack_permitted = true;
    synack.window_scale = Some(2);
    send(&mut c, t0, &synack);
    peer.seq += 1;
    let ack = drain(&mut c, t0);
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].flags, TcpFlags::ACK);
    assert_eq!(c.state(), State::Established);
    (c, peer, syn[0].seq + 1)
}

/// Moves packets both ways until quiet.
fn exchange(a: &mut Connection, b: &mut Connection, now: Instant) {
    let mut buf = vec![0u8; 70_000];
    for _ in 0..100 {
        let mut moved = false;
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            b.handle_packet(now, &buf[..t.len]);
            moved = true;
        }
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            a.handle_packet(now, &buf[..t.len]);
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

fn pair(cfg: Config, t0: Instant) -> (Connection, Connection) {
    let mut l = Listener::new(
        addr(B),
        ListenerConfig {
            connection: cfg.clone(),
            ..Default::default()
        },
        [5; 16],
        t0,
    );
    let mut a = Connection::connect(cfg, addr(A), addr(B), 100, t0).unwrap();
    let mut buf = vec![0u8; 2000];
    for _ in 0..4 {
        while let Some(t) = a.poll_transmit(t0, &mut buf) {
            l.handle_packet(t0, &buf[..t.len]);
        }
        while let Some(t) = l.poll_transmit(t0, &mut buf) {
            a.handle_packet(t0, &buf[..t.len]);
        }
    }
    let b = l.accept().expect("accepted");
    (a, b)
}

mod close;
mod data;
mod handshake;
mod listener;
mod timers;
