//! Data: Nagle, delayed ACKs, reassembly with SACK, urgent data, MSS and window scaling.

use super::*;

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
