//! Timers: zero-window probes, the SWS override, keepalive, retransmission timeouts.

use super::*;

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
