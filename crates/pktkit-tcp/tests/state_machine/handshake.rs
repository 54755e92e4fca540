//! Opening: handshakes, SYN retransmission, RSTs (RFC 5961), challenge ACKs, PAWS.

use super::*;

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
