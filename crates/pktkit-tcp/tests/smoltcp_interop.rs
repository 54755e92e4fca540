//! Interop with smoltcp's TCP socket over an in-memory IP link, with a
//! virtual clock: our engine as client against a smoltcp server, and a
//! smoltcp client against our listener. Data goes both ways byte for byte and
//! both sides close cleanly.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Error, Event, Listener, ListenerConfig, State};
use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::Instant as SmolInstant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};

/// smoltcp's side of the link: `rx` is what we sent it, `tx` what it sends us.
#[derive(Default)]
struct Pipe {
    rx: VecDeque<Vec<u8>>,
    tx: VecDeque<Vec<u8>>,
}

struct Rx(Vec<u8>);
struct Tx<'a>(&'a mut VecDeque<Vec<u8>>);

impl smoltcp::phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl smoltcp::phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut b = vec![0; len];
        let r = f(&mut b);
        self.0.push_back(b);
        r
    }
}

impl Device for Pipe {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: SmolInstant) -> Option<(Rx, Tx<'_>)> {
        let p = self.rx.pop_front()?;
        Some((Rx(p), Tx(&mut self.tx)))
    }

    fn transmit(&mut self, _: SmolInstant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = 1500;
        c
    }
}

const OURS: &str = "10.0.0.1";
const THEIRS: &str = "10.0.0.2";
const BYTES: usize = 2 * 1024 * 1024;

fn pattern(dir: u8, at: usize) -> u8 {
    (at.wrapping_mul(31)
        .wrapping_add(at >> 9)
        .wrapping_add(dir as usize * 101)
        % 251) as u8
}

struct Smol {
    iface: Interface,
    dev: Pipe,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
    t0: Instant,
}

impl Smol {
    fn new(t0: Instant) -> Smol {
        let mut dev = Pipe::default();
        let mut cfg = IfaceConfig::new(HardwareAddress::Ip);
        cfg.random_seed = 42;
        let mut iface = Interface::new(cfg, &mut dev, SmolInstant::from_micros(0));
        iface.update_ip_addrs(|a| {
            a.push(IpCidr::new(
                THEIRS.parse::<std::net::Ipv4Addr>().unwrap().into(),
                24,
            ))
            .unwrap()
        });
        let sock = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 128 * 1024]),
            tcp::SocketBuffer::new(vec![0; 128 * 1024]),
        );
        let mut sockets = SocketSet::new(vec![]);
        let handle = sockets.add(sock);
        Smol {
            iface,
            dev,
            sockets,
            handle,
            t0,
        }
    }

    fn ts(&self, now: Instant) -> SmolInstant {
        SmolInstant::from_micros((now - self.t0).as_micros() as i64)
    }

    fn poll(&mut self, now: Instant) {
        let ts = self.ts(now);
        self.iface.poll(ts, &mut self.dev, &mut self.sockets);
    }

    fn poll_at(&mut self, now: Instant) -> Option<Instant> {
        let ts = self.ts(now);
        self.iface
            .poll_delay(ts, &self.sockets)
            .map(|d| now + Duration::from_micros(d.total_micros()))
    }

    fn sock(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket<'static>>(self.handle)
    }
}

/// Progress of one direction's application on each side.
#[derive(Default)]
struct Progress {
    ours_written: usize,
    ours_read: usize,
    ours_closed: bool,
    ours_finished: bool,
    ours_event_closed: Option<Option<Error>>,
    theirs_written: usize,
    theirs_read: usize,
    theirs_closed: bool,
    theirs_finished: bool,
}

/// Runs apps and the link until both sides are done.
fn run(
    mut ours: Option<Connection>,
    mut listener: Option<Listener>,
    smol: &mut Smol,
    t0: Instant,
) -> (Connection, Progress) {
    let mut now = t0;
    let mut p = Progress::default();
    let mut buf = vec![0u8; 2048];
    let mut chunk = vec![0u8; 16 * 1024];
    for _round in 0..2_000_000 {
        // Our application.
        if let Some(c) = ours.as_mut() {
            while p.ours_written < BYTES && c.state().is_synchronized() && c.send_capacity() > 0 {
                let n = (BYTES - p.ours_written)
                    .min(chunk.len())
                    .min(c.send_capacity());
                for (k, b) in chunk[..n].iter_mut().enumerate() {
                    *b = pattern(0, p.ours_written + k);
                }
                p.ours_written += c.send(&chunk[..n]).unwrap();
            }
            if p.ours_written == BYTES && !p.ours_closed && c.state().is_synchronized() {
                c.close();
                p.ours_closed = true;
            }
            loop {
                match c.recv(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        for (k, &b) in chunk[..n].iter().enumerate() {
                            assert_eq!(
                                b,
                                pattern(1, p.ours_read + k),
                                "byte {} from smoltcp",
                                p.ours_read + k
                            );
                        }
                        p.ours_read += n;
                    }
                    Err(Error::Finished) => {
                        p.ours_finished = true;
                        break;
                    }
                    Err(e) => panic!("our recv: {e}"),
                }
            }
            while let Some(ev) = c.poll_event() {
                if let Event::Closed(e) = ev {
                    p.ours_event_closed = Some(e);
                }
            }
        }
        // smoltcp's application.
        {
            let s = smol.sock();
            while p.theirs_written < BYTES && s.can_send() {
                let n = (BYTES - p.theirs_written).min(chunk.len());
                for (k, b) in chunk[..n].iter_mut().enumerate() {
                    *b = pattern(1, p.theirs_written + k);
                }
                let m = s.send_slice(&chunk[..n]).unwrap();
                if m == 0 {
                    break;
                }
                p.theirs_written += m;
            }
            if p.theirs_written == BYTES && !p.theirs_closed && s.may_send() {
                s.close();
                p.theirs_closed = true;
            }
            loop {
                match s.recv_slice(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        for (k, &b) in chunk[..n].iter().enumerate() {
                            assert_eq!(
                                b,
                                pattern(0, p.theirs_read + k),
                                "byte {} from us",
                                p.theirs_read + k
                            );
                        }
                        p.theirs_read += n;
                    }
                    Err(tcp::RecvError::Finished) => {
                        p.theirs_finished = true;
                        break;
                    }
                    Err(tcp::RecvError::InvalidState) => break,
                }
            }
        }
        // Link: ours → smoltcp.
        let mut moved = false;
        if let Some(c) = ours.as_mut() {
            while let Some(t) = c.poll_transmit(now, &mut buf) {
                smol.dev.rx.push_back(buf[..t.len].to_vec());
                moved = true;
            }
        }
        if let Some(l) = listener.as_mut() {
            while let Some(t) = l.poll_transmit(now, &mut buf) {
                smol.dev.rx.push_back(buf[..t.len].to_vec());
                moved = true;
            }
        }
        smol.poll(now);
        while let Some(pkt) = smol.dev.tx.pop_front() {
            moved = true;
            match (ours.as_mut(), listener.as_mut()) {
                (Some(c), _) => c.handle_packet(now, &pkt),
                (None, Some(l)) => {
                    l.handle_packet(now, &pkt);
                    if let Some(c) = l.accept() {
                        ours = Some(c);
                        listener = None;
                    }
                }
                (None, None) => unreachable!(),
            }
        }
        let done = p.ours_event_closed.is_some()
            && p.theirs_read == BYTES
            && p.theirs_finished
            && matches!(
                smol.sock().state(),
                tcp::State::Closed | tcp::State::TimeWait
            );
        if done {
            return (ours.unwrap(), p);
        }
        if !moved {
            let mut next = smol.poll_at(now);
            let mine = ours
                .as_ref()
                .and_then(|c| c.poll_timeout())
                .or(listener.as_ref().and_then(|l| l.poll_timeout()));
            next = match (next, mine) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let next = next
                .unwrap_or(now + Duration::from_millis(1))
                .max(now + Duration::from_micros(1));
            now = next;
            if let Some(c) = ours.as_mut() {
                c.handle_timeout(now);
            }
            if let Some(l) = listener.as_mut() {
                l.handle_timeout(now);
            }
            assert!(
                now - t0 < Duration::from_secs(600),
                "stalled: ours {:?}, smoltcp {}",
                ours.as_ref().map(|c| (c.state(), *c.stats())),
                smol.sock().state()
            );
        }
    }
    panic!("did not finish");
}

fn config() -> Config {
    Config {
        time_wait: Duration::from_secs(2),
        ..Config::default()
    }
}

#[test]
fn our_client_smoltcp_server() {
    let t0 = Instant::now();
    let mut smol = Smol::new(t0);
    smol.sock().listen(80).unwrap();
    let local: SocketAddr = format!("{OURS}:40000").parse().unwrap();
    let remote: SocketAddr = format!("{THEIRS}:80").parse().unwrap();
    let c = Connection::connect(config(), local, remote, 0xdead_beef, t0).unwrap();
    let (c, p) = run(Some(c), None, &mut smol, t0);
    assert_eq!(p.ours_read, BYTES);
    assert_eq!(p.theirs_read, BYTES);
    assert!(p.ours_finished && p.theirs_finished);
    assert_eq!(p.ours_event_closed, Some(None));
    assert_eq!(c.state(), State::Closed);
    // smoltcp offers window scaling and SACK; it does not send timestamps by default.
    let (sack, _ts, ws) = c.negotiated();
    assert!(sack && ws);
    assert_eq!(c.stats().dropped_checksum, 0);
    assert_eq!(c.stats().dropped_malformed, 0);
}

#[test]
fn smoltcp_client_our_server() {
    let t0 = Instant::now();
    let mut smol = Smol::new(t0);
    let local: SocketAddr = format!("{OURS}:80").parse().unwrap();
    let listener = Listener::new(
        local,
        ListenerConfig {
            connection: config(),
            ..ListenerConfig::default()
        },
        [3; 16],
        t0,
    );
    let cx = smol.iface.context();
    let sock = smol.sockets.get_mut::<tcp::Socket<'static>>(smol.handle);
    sock.connect(cx, (IpAddress::v4(10, 0, 0, 1), 80), 50000)
        .unwrap();
    let (c, p) = run(None, Some(listener), &mut smol, t0);
    assert_eq!(p.ours_read, BYTES);
    assert_eq!(p.theirs_read, BYTES);
    assert_eq!(p.ours_event_closed, Some(None));
    assert_eq!(c.state(), State::Closed);
    assert_eq!(c.remote_addr(), format!("{THEIRS}:50000").parse().unwrap());
    assert_eq!(c.stats().dropped_checksum, 0);
}

/// A monotonic TSval source for smoltcp (its generator is a plain `fn`).
fn smol_tsval() -> u32 {
    static CLOCK: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// smoltcp connects to a listener that answers every SYN with a SYN cookie
/// (its SYN queue holds nothing). smoltcp offers window scaling, SACK and
/// (with a TSval generator) timestamps; the cookie keeps them, so the
/// connection we accept uses all three, and data flows both ways.
#[test]
fn smoltcp_client_through_syn_cookies_keeps_options() {
    let t0 = Instant::now();
    let mut smol = Smol::new(t0);
    let local: SocketAddr = format!("{OURS}:80").parse().unwrap();
    let listener = Listener::new(
        local,
        ListenerConfig {
            syn_queue: 0,
            syn_cookies: true,
            connection: config(),
            ..ListenerConfig::default()
        },
        [5; 16],
        t0,
    );
    let cx = smol.iface.context();
    let sock = smol.sockets.get_mut::<tcp::Socket<'static>>(smol.handle);
    sock.set_tsval_generator(Some(smol_tsval));
    sock.connect(cx, (IpAddress::v4(10, 0, 0, 1), 80), 50001)
        .unwrap();
    let (c, p) = run(None, Some(listener), &mut smol, t0);
    assert_eq!(p.ours_read, BYTES);
    assert_eq!(p.theirs_read, BYTES);
    assert_eq!(p.ours_event_closed, Some(None));
    assert_eq!(c.state(), State::Closed);
    assert_eq!(
        c.negotiated(),
        (true, true, true),
        "SACK, timestamps, window scaling"
    );
    assert_eq!(c.stats().dropped_paws, 0);
    assert_eq!(c.stats().dropped_checksum, 0);
}
