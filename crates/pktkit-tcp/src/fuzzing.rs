//! Fuzz target `tcp_engine`: arbitrary segments fed to connections in every
//! state. Unstable internals for `cargo fuzz`; not part of the API.
//!
//! The first input byte picks the state the connection is driven to through a
//! real handshake with a second engine (SYN-SENT, SYN-RECEIVED, ESTABLISHED,
//! FIN-WAIT-1/2, CLOSE-WAIT, LAST-ACK, CLOSING, TIME-WAIT, or ESTABLISHED as
//! the server side of a SYN-cookie handshake, with the options the cookie kept). The rest is a list
//! of records `[mode, time step, length, bytes…]`; `mode` can aim the segment
//! (our ports, sequence and acknowledgment numbers near the connection's own, a
//! valid checksum) so that it gets past the early checks, and make the
//! application send, read, close or abort. After every step nothing may panic
//! and the connection's invariants must hold.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pktkit_wire::tcp::TcpPacket;

use crate::{Config, Connection, Listener, ListenerConfig, State, ip};

fn pair(now: Instant) -> (Connection, Connection) {
    let a: SocketAddr = "10.0.0.1:1000".parse().expect("literal");
    let b: SocketAddr = "10.0.0.2:2000".parse().expect("literal");
    let cfg = Config {
        send_buffer: 8192,
        recv_buffer: 8192,
        ..Config::default()
    };
    let client = Connection::connect(cfg.clone(), a, b, 1_000_000, now).expect("same IP version");

    {
        // Build the server side from the client's SYN, as a listener would.
        let mut c = client;
        let mut buf = [0u8; 2048];
        let t = c.poll_transmit(now, &mut buf).expect("SYN due");
        let seg = &buf[ip::IPV4_LEN..t.len];
        let packet = TcpPacket::new_checked(seg).expect("own SYN");
        let repr = pktkit_wire::tcp::TcpRepr::parse(&packet).expect("own SYN");
        let s = Connection::from_syn(cfg, b, a, 7_000_000, &repr, now).expect("same IP version");
        (c, s)
    }
}

/// A client and the connection a cookies-only listener made for it (the
/// server side, ESTABLISHED from the cookie), or `None` if the handshake
/// did not complete.
fn cookie_pair(now: Instant) -> Option<(Connection, Connection)> {
    let a: SocketAddr = "10.0.0.1:1000".parse().expect("literal");
    let b: SocketAddr = "10.0.0.2:2000".parse().expect("literal");
    let cfg = Config {
        send_buffer: 8192,
        recv_buffer: 1 << 20,
        ..Config::default()
    };
    let lc = ListenerConfig {
        syn_queue: 0,
        syn_cookies: true,
        connection: cfg.clone(),
        ..ListenerConfig::default()
    };
    let mut l = Listener::new(b, lc, [1; 16], now);
    let mut client = Connection::connect(cfg, a, b, 1_000_000, now).expect("same IP version");
    let mut buf = [0u8; 2048];
    for _ in 0..4 {
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            l.handle_packet(now, &buf[..t.len]);
        }
        while let Some(t) = l.poll_transmit(now, &mut buf) {
            client.handle_packet(now, &buf[..t.len]);
        }
        if let Some(server) = l.accept() {
            return Some((server, client));
        }
    }
    None
}

/// Moves every packet between the two until quiet (bounded).
fn exchange(a: &mut Connection, b: &mut Connection, now: Instant) {
    let mut buf = [0u8; 2048];
    for _ in 0..64 {
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
            break;
        }
    }
}

/// Runs one fuzz input; see the [module docs](self).
pub fn tcp_engine(data: &[u8]) {
    let Some((&which, mut rest)) = data.split_first() else {
        return;
    };
    let mut now = Instant::now();
    let (mut c, mut peer) = match which % 10 {
        9 => cookie_pair(now).expect("a cookie handshake completes"),
        _ => pair(now),
    };
    let mut scratch = [0u8; 2048];
    match which % 10 {
        0 => {} // SYN-SENT (SYN already out)
        1 => {
            // SYN-RECEIVED: the peer's SYN-ACK is out, the ACK not delivered.
            std::mem::swap(&mut c, &mut peer);
            let _ = c.poll_transmit(now, &mut scratch);
        }
        n => {
            exchange(&mut c, &mut peer, now);
            let _ = c.send(b"hello from the fuzzed side");
            let _ = peer.send(b"hello from the peer");
            exchange(&mut c, &mut peer, now);
            match n {
                3 => c.close(), // FIN-WAIT-1
                4 => {
                    c.close();
                    exchange(&mut c, &mut peer, now); // FIN-WAIT-2
                }
                5 => {
                    peer.close();
                    exchange(&mut c, &mut peer, now); // CLOSE-WAIT
                }
                6 => {
                    peer.close();
                    exchange(&mut c, &mut peer, now);
                    c.close(); // LAST-ACK
                }
                7 => {
                    c.close();
                    peer.close(); // both FINs cross: CLOSING
                    let _ = c.poll_transmit(now, &mut scratch);
                    if let Some(t) = peer.poll_transmit(now, &mut scratch) {
                        c.handle_packet(now, &scratch[..t.len]);
                    }
                }
                8 => {
                    c.close();
                    exchange(&mut c, &mut peer, now);
                    peer.close();
                    exchange(&mut c, &mut peer, now); // TIME-WAIT
                }
                9 => assert_eq!(c.negotiated(), (true, true, true), "the cookie kept them"),
                _ => {} // ESTABLISHED
            }
        }
    }
    c.check_invariants();
    let local = c.local_addr();
    let remote = c.remote_addr();
    while rest.len() >= 3 {
        let (mode, step, len) = (rest[0], rest[1], rest[2] as usize);
        let body = &rest[3..];
        let len = len.min(body.len());
        let mut seg = body[..len].to_vec();
        rest = &body[len..];
        now += Duration::from_millis(u64::from(step) * 7);
        if seg.len() >= 20 {
            if mode & 1 != 0 {
                seg[0..2].copy_from_slice(&remote.port().to_be_bytes());
                seg[2..4].copy_from_slice(&local.port().to_be_bytes());
            }
            let (una, nxt, rcv) = c.seq_state();
            if mode & 2 != 0 {
                let delta = u32::from(seg[4]) | (u32::from(seg[5] & 0x0f) << 8);
                seg[4..8]
                    .copy_from_slice(&rcv.wrapping_add(delta).wrapping_sub(0x400).to_be_bytes());
            }
            if mode & 4 != 0 {
                let span = nxt.wrapping_sub(una).wrapping_add(2);
                let ack = una
                    .wrapping_add(u32::from(seg[8]) % span.max(1))
                    .wrapping_sub(1);
                seg[8..12].copy_from_slice(&ack.to_be_bytes());
            }
            if mode & 8 != 0
                && let Ok(mut p) = TcpPacket::new_checked(&mut seg[..])
            {
                p.fill_checksum(remote.ip(), local.ip());
            }
        }
        c.handle_segment(now, remote.ip(), local.ip(), &seg);
        c.check_invariants();
        match mode >> 4 {
            1 => {
                let _ = c.send(&seg);
            }
            2 => {
                let mut out = [0u8; 512];
                let _ = c.recv(&mut out);
            }
            3 => c.close(),
            4 if step == 0xff => c.abort(),
            5 => c.handle_timeout(now + Duration::from_secs(u64::from(step))),
            _ => {}
        }
        c.handle_timeout(now);
        let mut sent = 0;
        while let Some(t) = c.poll_transmit(now, &mut scratch) {
            assert!(t.len <= scratch.len());
            assert!(
                pktkit_wire::Packet::parse(&scratch[..t.len]).is_ok(),
                "we emit valid IP"
            );
            sent += 1;
            assert!(sent < 10_000, "poll_transmit never ends");
        }
        while c.poll_event().is_some() {}
        if c.state() == State::Closed {
            assert!(
                c.poll_timeout().is_none(),
                "a closed connection keeps no timer"
            );
        }
        c.check_invariants();
    }
}
