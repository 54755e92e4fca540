//! Closing: orderly and simultaneous close, TIME-WAIT.

use super::*;

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
