//! The listener: SYN cookies, the bounded backlog, SYN-ACK retransmission.

use super::*;

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
