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

#[test]
fn active_open_offers_options_and_completes() {
    let t0 = Instant::now();
    let mut c = Connection::connect(cfg(), addr(A), addr(B), 77, t0).unwrap();
    let syn = drain(&mut c, t0);
    let s = &syn[0];
    assert_eq!(s.flags, TcpFlags::SYN);
    assert_eq!(s.seq, 77);
    assert_eq!(s.mss, Some(1460));
    assert_eq!(s.ws, Some(3), "256 KiB buffer needs shift 3");
    assert!(s.sack_perm && s.ts.is_some());
    let (c2, _, _) = established(cfg(), t0);
    assert_eq!(c2.negotiated(), (true, false, true));
    let mut c2 = c2;
    assert_eq!(events(&mut c2), vec![Event::Connected]);
}

#[test]
fn syn_is_retransmitted_with_backoff_then_times_out() {
    let t0 = Instant::now();
    let cfg = Config {
        syn_retries: 2,
        ..cfg()
    };
    let mut c = Connection::connect(cfg, addr(A), addr(B), 1, t0).unwrap();
    drain(&mut c, t0);
    let mut now = t0;
    let mut gaps = Vec::new();
    while let Some(t) = c.poll_timeout() {
        gaps.push(t - now);
        now = t;
        c.handle_timeout(now);
        let out = drain(&mut c, now);
        if c.state() == State::Closed {
            assert!(out.is_empty());
            break;
        }
        assert_eq!(out[0].flags, TcpFlags::SYN);
    }
    // RFC 6298: 1 s initial RTO, doubled each time.
    assert_eq!(
        gaps,
        vec![
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
    assert_eq!(events(&mut c), vec![Event::Closed(Some(Error::TimedOut))]);
    assert_eq!(c.send(b"x"), Err(Error::TimedOut), "errors are sticky");
}

#[test]
fn syn_sent_rst_means_refused_and_bad_ack_gets_rst() {
    let t0 = Instant::now();
    let mut c = Connection::connect(cfg(), addr(A), addr(B), 1000, t0).unwrap();
    drain(&mut c, t0);
    // A SYN-ACK acknowledging something we never sent: answer RST seq=SEG.ACK.
    let peer = Peer {
        seq: 9,
        ack: 5555,
        win: 100,
        ts: None,
    };
    send(&mut c, t0, &peer.seg(TcpFlags::SYN | TcpFlags::ACK, b""));
    let out = drain(&mut c, t0);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].flags, out[0].seq), (TcpFlags::RST, 5555));
    assert_eq!(c.state(), State::SynSent);
    // RST without an acceptable ACK is ignored; with one, the connection is refused.
    send(
        &mut c,
        t0,
        &Peer {
            seq: 0,
            ack: 5,
            win: 0,
            ts: None,
        }
        .seg(TcpFlags::RST | TcpFlags::ACK, b""),
    );
    assert_eq!(c.state(), State::SynSent);
    send(
        &mut c,
        t0,
        &Peer {
            seq: 0,
            ack: 1001,
            win: 0,
            ts: None,
        }
        .seg(TcpFlags::RST | TcpFlags::ACK, b""),
    );
    assert_eq!(c.state(), State::Closed);
    assert_eq!(
        events(&mut c),
        vec![Event::Closed(Some(Error::ConnectionRefused))]
    );
}

#[test]
fn rfc5961_rst_and_syn_handling() {
    let t0 = Instant::now();
    let (mut c, peer, _) = established(cfg(), t0);
    events(&mut c);
    // RST in the window but not at RCV.NXT: challenge ACK, connection stays.
    let off = Peer {
        seq: peer.seq + 100,
        ..peer
    };
    send(&mut c, t0, &off.seg(TcpFlags::RST, b""));
    let out = drain(&mut c, t0);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].flags, out[0].ack), (TcpFlags::ACK, peer.seq));
    assert_eq!(c.state(), State::Established);
    // RST outside the window: silently dropped.
    let far = Peer {
        seq: peer.seq.wrapping_add(1 << 30),
        ..peer
    };
    send(&mut c, t0, &far.seg(TcpFlags::RST, b""));
    assert!(drain(&mut c, t0).is_empty());
    // SYN in a synchronized state: challenge ACK, no reset.
    send(&mut c, t0, &peer.seg(TcpFlags::SYN, b""));
    let out = drain(&mut c, t0);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, TcpFlags::ACK);
    assert_eq!(c.state(), State::Established);
    // An ACK of data never sent: ACK and drop.
    let future = Peer {
        ack: peer.ack + 10_000,
        ..peer
    };
    send(&mut c, t0, &future.seg(TcpFlags::ACK, b"ignored"));
    assert_eq!(drain(&mut c, t0).len(), 1);
    assert_eq!(c.recv_available(), 0);
    // RST exactly at RCV.NXT: reset.
    send(&mut c, t0, &peer.seg(TcpFlags::RST, b""));
    assert_eq!(c.state(), State::Closed);
    assert_eq!(
        events(&mut c),
        vec![Event::Closed(Some(Error::ConnectionReset))]
    );
    assert_eq!(c.recv(&mut [0; 4]), Err(Error::ConnectionReset));
}

#[test]
fn challenge_acks_are_rate_limited() {
    let t0 = Instant::now();
    let (mut c, peer, _) = established(
        Config {
            challenge_ack_limit: 3,
            ..cfg()
        },
        t0,
    );
    for _ in 0..10 {
        send(&mut c, t0, &peer.seg(TcpFlags::SYN, b""));
        drain(&mut c, t0);
    }
    assert_eq!(c.stats().challenge_acks, 3);
    send(
        &mut c,
        t0 + Duration::from_secs(2),
        &peer.seg(TcpFlags::SYN, b""),
    );
    assert_eq!(c.stats().challenge_acks, 4, "a new second, a new budget");
}

#[test]
fn paws_drops_old_timestamps() {
    let t0 = Instant::now();
    let mut c = Connection::connect(cfg(), addr(A), addr(B), 1000, t0).unwrap();
    drain(&mut c, t0);
    let mut peer = Peer {
        seq: 5000,
        ack: 1001,
        win: 65535,
        ts: Some(1_000_000),
    };
    let mut synack = peer.seg(TcpFlags::SYN | TcpFlags::ACK, b"");
    synack.mss = Some(1460);
    send(&mut c, t0, &synack);
    peer.seq += 1;
    let ack = drain(&mut c, t0);
    assert_eq!(
        ack[0].ts.unwrap().tsecr,
        1_000_000,
        "TSecr echoes the peer's TSval"
    );
    // Data with a newer timestamp is taken.
    peer.ts = Some(1_000_010);
    send(&mut c, t0, &peer.seg(TcpFlags::ACK | TcpFlags::PSH, b"new"));
    peer.seq += 3;
    assert_eq!(c.recv_available(), 3);
    drain(&mut c, t0);
    // Data with an older timestamp (wrapped sequence space) is dropped and ACKed.
    peer.ts = Some(999_000);
    send(&mut c, t0, &peer.seg(TcpFlags::ACK | TcpFlags::PSH, b"old"));
    assert_eq!(c.recv_available(), 3);
    assert_eq!(c.stats().dropped_paws, 1);
    let out = drain(&mut c, t0);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].ack, peer.seq);
}

#[test]
fn simultaneous_open() {
    let t0 = Instant::now();
    let mut a = Connection::connect(cfg(), addr(A), addr(B), 100, t0).unwrap();
    let mut b = Connection::connect(cfg(), addr(B), addr(A), 900, t0).unwrap();
    let mut buf = vec![0u8; 2000];
    let sa = a
        .poll_transmit(t0, &mut buf)
        .map(|t| buf[..t.len].to_vec())
        .unwrap();
    let sb = b
        .poll_transmit(t0, &mut buf)
        .map(|t| buf[..t.len].to_vec())
        .unwrap();
    // The SYNs cross.
    a.handle_packet(t0, &sb);
    b.handle_packet(t0, &sa);
    assert_eq!(
        (a.state(), b.state()),
        (State::SynReceived, State::SynReceived)
    );
    // Each answers SYN-ACK with its original ISN.
    let out_a = drain(&mut a, t0);
    assert_eq!(
        (out_a[0].flags, out_a[0].seq, out_a[0].ack),
        (TcpFlags::SYN | TcpFlags::ACK, 100, 901)
    );
    for _ in 0..4 {
        while let Some(t) = a.poll_transmit(t0, &mut buf) {
            b.handle_packet(t0, &buf[..t.len]);
        }
        while let Some(t) = b.poll_transmit(t0, &mut buf) {
            a.handle_packet(t0, &buf[..t.len]);
        }
    }
    // The SYN-ACK a sent during `drain` was lost; b's SYN-ACK completes a, and
    // a's next ACK completes b.
    let now = t0 + Duration::from_secs(1);
    a.handle_timeout(now);
    b.handle_timeout(now);
    for _ in 0..4 {
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            b.handle_packet(now, &buf[..t.len]);
        }
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            a.handle_packet(now, &buf[..t.len]);
        }
    }
    assert_eq!(
        (a.state(), b.state()),
        (State::Established, State::Established)
    );
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

#[test]
fn simultaneous_close_goes_through_closing_and_time_wait() {
    let t0 = Instant::now();
    let cfg = Config {
        time_wait: Duration::from_secs(30),
        ..cfg()
    };
    let (mut a, mut b) = pair(cfg, t0);
    a.close();
    b.close();
    assert_eq!((a.state(), b.state()), (State::FinWait1, State::FinWait1));
    let mut buf = vec![0u8; 2000];
    // Both FINs are on the wire before either arrives.
    let fa = a
        .poll_transmit(t0, &mut buf)
        .map(|t| buf[..t.len].to_vec())
        .unwrap();
    let fb = b
        .poll_transmit(t0, &mut buf)
        .map(|t| buf[..t.len].to_vec())
        .unwrap();
    a.handle_packet(t0, &fb);
    b.handle_packet(t0, &fa);
    assert_eq!((a.state(), b.state()), (State::Closing, State::Closing));
    exchange(&mut a, &mut b, t0);
    assert_eq!((a.state(), b.state()), (State::TimeWait, State::TimeWait));
    assert_eq!(a.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    let t1 = t0 + Duration::from_secs(30);
    a.handle_timeout(t1);
    assert_eq!(a.state(), State::Closed);
    assert!(events(&mut a).contains(&Event::Closed(None)));
}

#[test]
fn orderly_close_states() {
    let t0 = Instant::now();
    let (mut a, mut b) = pair(cfg(), t0);
    a.send(b"last words").unwrap();
    a.close();
    assert_eq!(a.send(b"more"), Err(Error::InvalidState));
    exchange(&mut a, &mut b, t0);
    assert_eq!((a.state(), b.state()), (State::FinWait2, State::CloseWait));
    let mut got = [0u8; 64];
    assert_eq!(b.recv(&mut got), Ok(10));
    assert_eq!(&got[..10], b"last words");
    assert_eq!(b.recv(&mut got), Err(Error::Finished));
    assert!(events(&mut b).contains(&Event::PeerFinished));
    b.send(b"reply").unwrap();
    b.close();
    assert_eq!(b.state(), State::LastAck);
    exchange(&mut a, &mut b, t0);
    assert_eq!((a.state(), b.state()), (State::TimeWait, State::Closed));
    assert_eq!(a.recv(&mut got), Ok(5));
}

#[test]
fn zero_window_probes_until_the_window_opens() {
    let t0 = Instant::now();
    let (mut c, mut peer, mut snd) = established(cfg(), t0);
    // The peer closes its window.
    peer.win = 0;
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, b""));
    c.set_nagle(false); // else the 80-byte tail waits for an ACK
    c.send(&[7u8; 3000]).unwrap();
    assert!(
        drain(&mut c, t0).is_empty(),
        "nothing goes into a zero window"
    );
    let mut now = t0;
    let mut probes = 0;
    for _ in 0..3 {
        now = c.poll_timeout().expect("persist timer");
        c.handle_timeout(now);
        let out = drain(&mut c, now);
        assert_eq!(out.len(), 1);
        assert!(out[0].payload.is_empty());
        assert_eq!(
            out[0].seq,
            snd.wrapping_sub(1),
            "probe is one sequence number old"
        );
        probes += 1;
    }
    assert_eq!(c.stats().window_probes, probes);
    assert_eq!(
        c.state(),
        State::Established,
        "a zero window never times out"
    );
    // The window opens: data flows.
    peer.win = 65535;
    send(&mut c, now, &peer.seg(TcpFlags::ACK, b""));
    let out = drain(&mut c, now);
    let sent: usize = out.iter().map(|s| s.payload.len()).sum();
    assert_eq!(sent, 3000);
    assert_eq!(out[0].seq, snd);
    snd += 3000;
    let _ = snd;
}

/// RFC 1122 §4.2.3.4 / RFC 9293 §3.8.6.2.1: sender SWS avoidance holds back
/// a segment smaller than both a full MSS and half the largest window the
/// peer offered, but only until the override timeout (0.1-1.0 s). A peer
/// without receiver SWS avoidance that advertises 100 bytes and waits for
/// them must still get all the data, 100 bytes at a time.
#[test]
fn small_nonzero_window_is_filled_after_the_override_timeout() {
    let t0 = Instant::now();
    let (mut c, mut peer, snd) = established(cfg(), t0);
    // The peer shrinks its window to 100 bytes (field 25, scale 2) while the
    // largest window it offered stays 262 140.
    peer.win = 25;
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, b""));
    c.set_nagle(false);
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
    assert_eq!(c.send(&data).unwrap(), data.len());
    let mut now = t0;
    let mut got = Vec::new();
    let mut segments = 0;
    while got.len() < data.len() {
        let mut out = drain(&mut c, now);
        if data.len() - got.len() > 100 {
            assert!(
                out.is_empty(),
                "a 100-byte segment goes only after the override timeout: {out:?}"
            );
            let held_at = now;
            now = c
                .poll_timeout()
                .expect("a timer is armed while SWS avoidance holds data back");
            let wait = now - held_at;
            assert!(
                wait >= Duration::from_millis(100) && wait <= Duration::from_secs(1),
                "override timeout {wait:?} is outside 0.1-1.0 s"
            );
            c.handle_timeout(now);
            out = drain(&mut c, now);
        }
        // The tail that fits the window entirely is not held back at all.
        assert_eq!(out.len(), 1, "one segment: {out:?}");
        let s = &out[0];
        assert_eq!(s.seq, snd.wrapping_add(got.len() as u32));
        assert_eq!(s.payload.len(), 100, "min(usable window, MSS) bytes");
        got.extend_from_slice(&s.payload);
        segments += 1;
        // The peer takes the bytes, its application reads them, and it
        // advertises 100 bytes again (no receiver SWS avoidance).
        peer.ack = s.seq.wrapping_add(100);
        send(&mut c, now, &peer.seg(TcpFlags::ACK, b""));
        assert!(segments <= 10, "more segments than 1000 / 100");
    }
    assert_eq!(got, data, "every byte delivered, in order");
    assert_eq!(c.stats().window_probes, 0, "no zero-window probes");
    assert!(drain(&mut c, now).is_empty());
    assert_eq!(c.state(), State::Established);
}

/// The override timeout is a deadline: segments from a busy peer that keep
/// re-advertising the same small window do not push it back forever.
#[test]
fn override_timeout_is_not_restarted_by_a_talking_peer() {
    let t0 = Instant::now();
    let (mut c, mut peer, snd) = established(cfg(), t0);
    peer.win = 25; // 100 bytes at scale 2
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, b""));
    c.set_nagle(false);
    let data = vec![0x5au8; 1000];
    c.send(&data).unwrap();
    let mut now = t0;
    let mut sent = 0usize;
    let mut last_progress = t0;
    // The peer sends 10 bytes every 50 ms, each segment acknowledging what
    // it got and advertising 100 bytes again.
    let mut next_talk = t0 + Duration::from_millis(50);
    while sent < data.len() {
        for s in drain(&mut c, now) {
            if !s.payload.is_empty() {
                assert_eq!(s.seq, snd.wrapping_add(sent as u32));
                assert!(s.payload.len() <= 100, "beyond the advertised window");
                sent += s.payload.len();
                peer.ack = s.seq.wrapping_add(s.payload.len() as u32);
                last_progress = now;
            }
        }
        assert!(
            now - last_progress <= Duration::from_secs(1),
            "no data for {:?} against a 100-byte window",
            now - last_progress
        );
        let timer = c.poll_timeout().expect("a timer while data is held back");
        if timer <= next_talk {
            now = timer;
            c.handle_timeout(now);
        } else {
            now = next_talk;
            send(
                &mut c,
                now,
                &peer.seg(TcpFlags::ACK | TcpFlags::PSH, &[1; 10]),
            );
            peer.seq += 10;
            next_talk = now + Duration::from_millis(50);
        }
    }
    assert_eq!(c.stats().window_probes, 0);
}

#[test]
fn keepalive_probes_then_times_out() {
    let t0 = Instant::now();
    let ka = Keepalive {
        idle: Duration::from_secs(60),
        interval: Duration::from_secs(5),
        count: 3,
    };
    let (mut c, peer, snd) = established(
        Config {
            keepalive: Some(ka),
            ..cfg()
        },
        t0,
    );
    events(&mut c);
    let mut now;
    let mut probes = 0;
    loop {
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
        if c.state() == State::Closed {
            break;
        }
        let out = drain(&mut c, now);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].seq, out[0].payload.len()), (snd.wrapping_sub(1), 0));
        probes += 1;
        if probes == 1 {
            // The first probe is answered: the count restarts.
            send(&mut c, now, &peer.seg(TcpFlags::ACK, b""));
        }
    }
    assert_eq!(probes, 1 + 3);
    assert_eq!(now - t0, Duration::from_secs(60 + 60 + 3 * 5));
    assert_eq!(events(&mut c), vec![Event::Closed(Some(Error::TimedOut))]);
}

#[test]
fn retransmission_timeout_backs_off_and_gives_up() {
    let t0 = Instant::now();
    let (mut c, _peer, snd) = established(
        Config {
            max_retransmissions: 3,
            ..cfg()
        },
        t0,
    );
    c.send(b"data").unwrap();
    let first = drain(&mut c, t0);
    assert_eq!(first[0].payload, b"data");
    let mut now = t0;
    let mut gaps = Vec::new();
    loop {
        let t = c.poll_timeout().unwrap();
        gaps.push(t - now);
        now = t;
        c.handle_timeout(now);
        if c.state() == State::Closed {
            break;
        }
        let out = drain(&mut c, now);
        assert_eq!((out[0].seq, &out[0].payload[..]), (snd, &b"data"[..]));
    }
    // The handshake's RTT sample is 0: first a tail loss probe after the
    // 10 ms PTO floor (RFC 8985 §7), then RTO = min_rto (200 ms after the
    // send), doubling (RFC 6298 §5.5), and after 3 RTOs the connection gives up.
    let ms = |m| Duration::from_millis(m);
    assert_eq!(gaps, vec![ms(10), ms(190), ms(400), ms(800), ms(1600)]);
    assert_eq!(c.stats().tail_loss_probes, 1);
    assert_eq!(c.stats().rto_expirations, 3);
    assert_eq!(c.error(), Some(Error::TimedOut));
}

#[test]
fn nagle_holds_small_segments_until_acked() {
    let t0 = Instant::now();
    let (mut c, mut peer, snd) = established(cfg(), t0);
    c.send(b"a").unwrap();
    assert_eq!(drain(&mut c, t0).len(), 1);
    c.send(b"b").unwrap();
    c.send(b"c").unwrap();
    assert!(
        drain(&mut c, t0).is_empty(),
        "Nagle holds while 'a' is unacknowledged"
    );
    peer.ack = snd + 1;
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, b""));
    let out = drain(&mut c, t0);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].payload, b"bc");
    c.set_nagle(false);
    c.send(b"d").unwrap();
    assert_eq!(drain(&mut c, t0).len(), 1, "TCP_NODELAY sends at once");
}

#[test]
fn delayed_ack_every_second_segment_or_timer() {
    let t0 = Instant::now();
    let (mut c, mut peer, _) = established(Config::default(), t0);
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, &[1; 100]));
    peer.seq += 100;
    assert!(drain(&mut c, t0).is_empty(), "first segment: ACK delayed");
    assert_eq!(c.poll_timeout(), Some(t0 + Duration::from_millis(40)));
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, &[2; 100]));
    peer.seq += 100;
    let out = drain(&mut c, t0);
    assert_eq!(
        (out.len(), out[0].ack),
        (1, peer.seq),
        "second segment: ACK at once"
    );
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, &[3; 100]));
    peer.seq += 100;
    let t1 = t0 + Duration::from_millis(40);
    c.handle_timeout(t1);
    assert_eq!(drain(&mut c, t1)[0].ack, peer.seq);
}

#[test]
fn out_of_order_data_is_sacked_and_reassembled() {
    let t0 = Instant::now();
    let (mut c, peer, _) = established(cfg(), t0);
    let hole = Peer {
        seq: peer.seq + 100,
        ..peer
    };
    send(&mut c, t0, &hole.seg(TcpFlags::ACK, &[2; 100]));
    let out = drain(&mut c, t0);
    assert_eq!(out[0].ack, peer.seq, "duplicate ACK for the hole");
    assert_eq!(out[0].sack, vec![(peer.seq + 100, peer.seq + 200)]);
    send(&mut c, t0, &peer.seg(TcpFlags::ACK, &[1; 100]));
    let out = drain(&mut c, t0);
    assert_eq!(out[0].ack, peer.seq + 200);
    assert!(out[0].sack.is_empty());
    let mut got = [0u8; 300];
    assert_eq!(c.recv(&mut got), Ok(200));
    assert!(got[..100].iter().all(|&b| b == 1) && got[100..200].iter().all(|&b| b == 2));
}

#[test]
fn urgent_data_is_delivered_in_line() {
    let t0 = Instant::now();
    let (mut c, peer, _) = established(cfg(), t0);
    let mut r = peer.seg(TcpFlags::ACK | TcpFlags::URG, b"!urgent");
    r.urgent_at = 1;
    send(&mut c, t0, &r);
    let mut got = [0u8; 16];
    assert_eq!(c.recv(&mut got), Ok(7));
    assert_eq!(&got[..7], b"!urgent");
}

#[test]
fn peer_mss_limits_segment_size() {
    let t0 = Instant::now();
    let mut c = Connection::connect(cfg(), addr(A), addr(B), 1000, t0).unwrap();
    drain(&mut c, t0);
    let peer = Peer {
        seq: 5000,
        ack: 1001,
        win: 65535,
        ts: None,
    };
    let mut synack = peer.seg(TcpFlags::SYN | TcpFlags::ACK, b"");
    synack.mss = Some(536);
    send(&mut c, t0, &synack);
    drain(&mut c, t0);
    c.set_nagle(false); // else the 320-byte tail waits for an ACK
    c.send(&[0u8; 3000]).unwrap();
    let out = drain(&mut c, t0);
    assert!(out.iter().all(|s| s.payload.len() <= 536));
    assert_eq!(out.iter().map(|s| s.payload.len()).sum::<usize>(), 3000);
    assert_eq!(c.mss(), 536);
}

#[test]
fn sack_from_peer_drives_selective_retransmission() {
    let t0 = Instant::now();
    let (mut c, mut peer, snd) = established(cfg(), t0);
    c.send(&[9u8; 1460 * 6]).unwrap();
    let out = drain(&mut c, t0);
    assert_eq!(out.len(), 6);
    // Segment 2 lost; the peer SACKs 3..6 in a few ACKs, 10 ms later.
    let now = t0 + Duration::from_millis(10);
    let mss = 1460u32;
    peer.ack = snd + mss;
    for k in 3..=6u32 {
        let mut r = peer.seg(TcpFlags::ACK, b"");
        let mut s = TcpSackBlocks::new();
        s.push(snd + 2 * mss, snd + k * mss);
        r.sack_blocks = s;
        send(&mut c, now, &r);
    }
    // RACK: segment 2 was sent before SACKed ones and an RTT has passed.
    c.handle_timeout(now + Duration::from_millis(20));
    let out = drain(&mut c, now + Duration::from_millis(20));
    assert_eq!(out.len(), 1, "only the hole is resent: {out:?}");
    assert_eq!(out[0].seq, snd + mss);
    assert_eq!(c.stats().retransmits, 1);
}

#[test]
fn syn_cookies_when_the_syn_queue_is_full() {
    let t0 = Instant::now();
    let lc = ListenerConfig {
        syn_queue: 0,
        backlog: 4,
        syn_cookies: true,
        connection: cfg(),
    };
    let mut l = Listener::new(addr(B), lc, [42; 16], t0);
    let mut a = Connection::connect(cfg(), addr(A), addr(B), 100, t0).unwrap();
    let mut buf = vec![0u8; 2000];
    for _ in 0..4 {
        while let Some(t) = a.poll_transmit(t0, &mut buf) {
            l.handle_packet(t0, &buf[..t.len]);
        }
        while let Some(t) = l.poll_transmit(t0, &mut buf) {
            a.handle_packet(t0, &buf[..t.len]);
        }
    }
    assert_eq!(l.stats().cookies_sent, 1);
    assert_eq!(l.stats().cookies_accepted, 1);
    let mut b = l.accept().expect("connection from the cookie");
    assert_eq!(b.state(), State::Established);
    assert_eq!(a.state(), State::Established);
    a.send(b"over a cookie").unwrap();
    exchange(&mut a, &mut b, t0);
    let mut got = [0u8; 32];
    assert_eq!(b.recv(&mut got), Ok(13));
    // A forged cookie is refused with a RST.
    let forged = Peer {
        seq: 1,
        ack: 12345,
        win: 100,
        ts: None,
    }
    .seg(TcpFlags::ACK, b"");
    let mut raw = vec![0u8; forged.buffer_len()];
    let mut p = TcpPacket::new_unchecked(&mut raw[..]);
    forged.emit(&mut p);
    let mut forged_src = p;
    forged_src.set_src_port(1234);
    forged_src.set_dst_port(80);
    forged_src.fill_checksum(addr(A).ip(), addr(B).ip());
    l.handle_segment(t0, addr(A).ip(), addr(B).ip(), &raw);
    assert_eq!(l.stats().cookies_rejected, 1);
    let t = l.poll_transmit(t0, &mut buf).expect("RST");
    let ip = pktkit_wire::Packet::parse(&buf[..t.len]).unwrap();
    assert!(TcpPacket::new_checked(ip.payload()).unwrap().rst());
}

#[test]
fn listener_backlog_is_bounded() {
    let t0 = Instant::now();
    let lc = ListenerConfig {
        syn_queue: 8,
        backlog: 2,
        syn_cookies: false,
        connection: cfg(),
    };
    let mut l = Listener::new(addr(B), lc, [1; 16], t0);
    let mut buf = vec![0u8; 2000];
    let mut clients: Vec<Connection> = (0..4)
        .map(|i| {
            Connection::connect(
                cfg(),
                SocketAddr::new(addr(A).ip(), 41000 + i),
                addr(B),
                7,
                t0,
            )
            .unwrap()
        })
        .collect();
    for _ in 0..4 {
        for c in &mut clients {
            while let Some(t) = c.poll_transmit(t0, &mut buf) {
                l.handle_packet(t0, &buf[..t.len]);
            }
        }
        while let Some(t) = l.poll_transmit(t0, &mut buf) {
            let ip = pktkit_wire::Packet::parse(&buf[..t.len]).unwrap();
            let port = TcpPacket::new_checked(ip.payload()).unwrap().dst_port();
            clients[(port - 41000) as usize].handle_packet(t0, &buf[..t.len]);
        }
    }
    assert_eq!(l.pending_accepts(), 2);
    assert_eq!(l.stats().backlog_overflows, 2);
}

#[test]
fn listener_resends_syn_ack_for_a_retransmitted_syn_and_on_timeout() {
    let t0 = Instant::now();
    let mut l = Listener::new(
        addr(B),
        ListenerConfig {
            connection: cfg(),
            ..Default::default()
        },
        [8; 16],
        t0,
    );
    let mut a = Connection::connect(cfg(), addr(A), addr(B), 100, t0).unwrap();
    let mut buf = vec![0u8; 2000];
    let syn = a
        .poll_transmit(t0, &mut buf)
        .map(|t| buf[..t.len].to_vec())
        .unwrap();
    l.handle_packet(t0, &syn);
    let synack = |l: &mut Listener, now| {
        let mut b = vec![0u8; 2000];
        let t = l.poll_transmit(now, &mut b).expect("SYN-ACK");
        let ip = pktkit_wire::Packet::parse(&b[..t.len]).unwrap();
        let p = TcpPacket::new_checked(ip.payload()).unwrap();
        assert!(p.syn() && p.ack());
        assert_eq!(p.ack_number(), 101);
        p.seq_number()
    };
    let isn = synack(&mut l, t0);
    // The same SYN again (our SYN-ACK was lost): the same SYN-ACK again.
    l.handle_packet(t0, &syn);
    assert_eq!(synack(&mut l, t0), isn);
    // Nothing from the client: the SYN-ACK is retransmitted at the RTO.
    let t1 = l.poll_timeout().unwrap();
    assert_eq!(t1 - t0, Duration::from_secs(1));
    l.handle_timeout(t1);
    assert_eq!(synack(&mut l, t1), isn);
    assert_eq!(l.pending_accepts(), 0);
}

#[test]
fn time_wait_acknowledges_a_retransmitted_fin() {
    let t0 = Instant::now();
    let (mut a, mut b) = pair(cfg(), t0);
    a.close();
    exchange(&mut a, &mut b, t0);
    b.close();
    let mut buf = vec![0u8; 2000];
    let fin = b
        .poll_transmit(t0, &mut buf)
        .map(|t| buf[..t.len].to_vec())
        .unwrap();
    a.handle_packet(t0, &fin);
    assert_eq!(a.state(), State::TimeWait);
    assert!(a.poll_transmit(t0, &mut buf).is_some(), "ACK of the FIN");
    // That ACK was lost; b retransmits its FIN: a acknowledges it again.
    a.handle_packet(t0, &fin);
    let t = a.poll_transmit(t0, &mut buf).expect("ACK again");
    let ip = pktkit_wire::Packet::parse(&buf[..t.len]).unwrap();
    let p = TcpPacket::new_checked(ip.payload()).unwrap();
    assert!(p.ack() && !p.fin());
    b.handle_packet(t0, &buf[..t.len]);
    assert_eq!(b.state(), State::Closed);
    assert_eq!(a.state(), State::TimeWait);
}

#[test]
fn scaled_peer_window_is_used() {
    let t0 = Instant::now();
    // The peer announces window scale 2 (see `established`) and a field of
    // 65535: 262 140 bytes may be in flight, far more than an unscaled window.
    let cfg = Config {
        nagle: false,
        send_buffer: 1 << 20,
        ..cfg()
    };
    let (mut c, mut peer, snd) = established(cfg, t0);
    // Grow the congestion window past the receive window first: ACK everything
    // sent, round after round.
    let mut acked = snd;
    for _ in 0..12 {
        c.send(&vec![1u8; 400_000]).unwrap();
        let out = drain(&mut c, t0);
        let Some(last) = out.last() else { break };
        acked = last.seq + last.payload.len() as u32;
        peer.ack = acked;
        send(&mut c, t0, &peer.seg(TcpFlags::ACK, b""));
    }
    c.send(&vec![1u8; 400_000]).unwrap();
    let out = drain(&mut c, t0);
    let in_flight: usize = out.iter().map(|s| s.payload.len()).sum();
    assert!(in_flight > 65_535, "only {in_flight} bytes in flight");
    assert!(
        in_flight <= 65_535 << 2,
        "{in_flight} exceeds the scaled window"
    );
    let _ = acked;
}
