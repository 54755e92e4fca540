//! Interop with the Linux kernel's TCP: our engine drives a TUN device whose
//! other end is in a network namespace the test creates; kernel sockets in
//! that namespace talk to us. Kernel client → our listener (also through SYN
//! cookies), our client → kernel listener (data both ways, byte for byte, FIN
//! seen as EOF), a refused connection (kernel RST), and our abort seen by the
//! kernel as a reset.
//!
//! Needs root (CAP_NET_ADMIN); skipped loudly otherwise (see `pktkit_testkit`).

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pktkit_core::L3Device;
use pktkit_tcp::{Config, Connection, Error, Event, Listener, ListenerConfig, State};
use pktkit_testkit::{Netns, require_root};
use pktkit_tuntap::{Netlink, Tun, TunBuilder};
use pktkit_wire::Packet;

const KERNEL: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 1);
const OURS: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 2);
const BYTES: usize = 1024 * 1024;

fn pattern(seed: u8, n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 131 + i / 1021) as u8).wrapping_add(seed))
        .collect()
}

fn ifname(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("pt{:x}{tag}{n}", std::process::id())
        .chars()
        .take(15)
        .collect()
}

/// A TUN in a fresh namespace: the kernel side is 10.79.0.1/24 there.
struct Setup {
    ns: Netns,
    tun: Tun,
    rx: Receiver<Vec<u8>>,
}

fn setup(tag: &str) -> Setup {
    let ns = Netns::new(&format!("ptcp{tag}")).unwrap();
    let name = ifname(tag);
    let tun = TunBuilder::new(&name).open().unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    tun.set_handler(Arc::new(move |p: &Packet| {
        let _ = tx.lock().unwrap().send(p.as_bytes().to_vec());
        Ok(())
    }));
    let mut nl = Netlink::new().unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.move_to_netns(idx, format!("/run/netns/{}", ns.name()))
        .unwrap();
    ns.run(&["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"])
        .unwrap();
    let mut nl = Netlink::in_netns(format!("/run/netns/{}", ns.name())).unwrap();
    let idx = nl.link_index(&name).unwrap();
    nl.add_address(idx, "10.79.0.1/24".parse().unwrap())
        .unwrap();
    nl.set_link_up(idx).unwrap();
    Setup { ns, tun, rx }
}

fn config() -> Config {
    Config {
        time_wait: Duration::from_millis(200),
        ..Config::default()
    }
}

/// What our side's application does with an established connection.
struct OurApp {
    to_send: Vec<u8>,
    sent: usize,
    got: Vec<u8>,
    finished: bool,
    closed: Option<Option<Error>>,
    /// Close our direction only after the peer's FIN (server style) or right
    /// after the data (client style).
    close_after_peer: bool,
    closed_ours: bool,
}

impl OurApp {
    fn pump(&mut self, c: &mut Connection) {
        if c.state().is_synchronized() {
            while self.sent < self.to_send.len() {
                match c.send(&self.to_send[self.sent..]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => self.sent += n,
                }
            }
        }
        let mut buf = [0u8; 16384];
        loop {
            match c.recv(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
                Err(Error::Finished) => {
                    self.finished = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let data_out = self.sent == self.to_send.len();
        if !self.closed_ours
            && c.state().is_synchronized()
            && data_out
            && (!self.close_after_peer || self.finished)
        {
            c.close();
            self.closed_ours = true;
        }
        while let Some(ev) = c.poll_event() {
            if let Event::Closed(e) = ev {
                self.closed = Some(e);
            }
        }
    }
}

/// Drives `conn` (or `listener` until it yields one) against the TUN with the
/// real clock until `done` or the deadline.
fn drive(
    s: &Setup,
    mut conn: Option<Connection>,
    mut listener: Option<&mut Listener>,
    app: &mut OurApp,
    limit: Duration,
    mut done: impl FnMut(&OurApp, Option<&Connection>) -> bool,
) -> Option<Connection> {
    let start = Instant::now();
    let mut buf = vec![0u8; 2048];
    loop {
        let now = Instant::now();
        assert!(
            now - start < limit,
            "timed out: {:?}",
            conn.as_ref().map(|c| (c.state(), *c.stats()))
        );
        let next = conn
            .as_ref()
            .and_then(Connection::poll_timeout)
            .or_else(|| listener.as_ref().and_then(|l| l.poll_timeout()));
        let wait = next
            .map_or(Duration::from_millis(5), |t| {
                t.saturating_duration_since(now)
            })
            .min(Duration::from_millis(5));
        if let Ok(p) = s.rx.recv_timeout(wait) {
            let now = Instant::now();
            match (conn.as_mut(), listener.as_mut()) {
                (Some(c), _) => c.handle_packet(now, &p),
                (None, Some(l)) => {
                    l.handle_packet(now, &p);
                    conn = l.accept();
                }
                (None, None) => {}
            }
            // Take whatever else is queued before answering.
            while let Ok(p) = s.rx.try_recv() {
                match (conn.as_mut(), listener.as_mut()) {
                    (Some(c), _) => c.handle_packet(now, &p),
                    (None, Some(l)) => {
                        l.handle_packet(now, &p);
                        conn = l.accept();
                    }
                    (None, None) => {}
                }
            }
        }
        let now = Instant::now();
        if let Some(c) = conn.as_mut() {
            c.handle_timeout(now);
            app.pump(c);
            while let Some(t) = c.poll_transmit(now, &mut buf) {
                s.tun.send(Packet::parse(&buf[..t.len]).unwrap()).unwrap();
            }
        }
        if let Some(l) = listener.as_mut() {
            l.handle_timeout(now);
            while let Some(t) = l.poll_transmit(now, &mut buf) {
                s.tun.send(Packet::parse(&buf[..t.len]).unwrap()).unwrap();
            }
        }
        if done(app, conn.as_ref()) {
            return conn;
        }
    }
}

/// A kernel client connects to our listener (configured by `listener`) on
/// `port`, sends `BYTES`, half-closes and reads our answer to EOF; returns
/// the connection our listener accepted, closed.
fn kernel_client_to(tag: &str, port: u16, listener: ListenerConfig) -> (Connection, Listener) {
    let s = setup(tag);
    let request = pattern(1, BYTES);
    let response = pattern(2, BYTES);
    let (req, resp) = (request.clone(), response.clone());
    // The kernel client: connect, send, half-close, read the answer to EOF.
    let ns = &s.ns;
    std::thread::scope(|scope| {
        let client = scope.spawn(move || {
            ns.enter_on_thread(move || {
                let mut c = TcpStream::connect_timeout(
                    &SocketAddr::from((OURS, port)),
                    Duration::from_secs(10),
                )
                .unwrap();
                c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                c.write_all(&req).unwrap();
                c.shutdown(Shutdown::Write).unwrap();
                let mut got = Vec::new();
                c.read_to_end(&mut got).unwrap();
                got
            })
            .unwrap()
        });
        let t0 = Instant::now();
        let mut listener = Listener::new(SocketAddr::from((OURS, port)), listener, [9; 16], t0);
        let mut app = OurApp {
            to_send: resp,
            sent: 0,
            got: Vec::new(),
            finished: false,
            closed: None,
            close_after_peer: true,
            closed_ours: false,
        };
        let c = drive(
            &s,
            None,
            Some(&mut listener),
            &mut app,
            Duration::from_secs(30),
            |a, _| a.closed.is_some(),
        )
        .unwrap();
        assert_eq!(app.got.len(), request.len());
        assert!(app.got == request, "the kernel's bytes arrived intact");
        assert_eq!(app.closed, Some(None));
        assert_eq!(c.state(), State::Closed);
        let got = client.join().unwrap();
        assert_eq!(got.len(), response.len());
        assert!(got == response, "our bytes arrived intact at the kernel");
        let st = c.stats();
        assert_eq!(
            (st.dropped_checksum, st.dropped_malformed),
            (0, 0),
            "{st:?}"
        );
        (c, listener)
    })
}

#[test]
fn kernel_client_to_our_server() {
    if !require_root() {
        return;
    }
    let lc = ListenerConfig {
        connection: config(),
        ..ListenerConfig::default()
    };
    let (c, _) = kernel_client_to("s", 8080, lc);
    let (sack, ts, ws) = c.negotiated();
    assert!(
        sack && ts && ws,
        "Linux offers SACK, timestamps and window scaling"
    );
}

/// The same through a listener that answers every SYN with a SYN cookie (its
/// SYN queue holds nothing): Linux offers timestamps, so the cookie keeps
/// window scaling and SACK, and the kernel accepts our timestamps going on
/// from the cookie's TSval (PAWS would drop them otherwise and the transfer
/// would stall).
#[test]
fn kernel_client_through_syn_cookies() {
    if !require_root() {
        return;
    }
    let lc = ListenerConfig {
        syn_queue: 0,
        syn_cookies: true,
        connection: config(),
        ..ListenerConfig::default()
    };
    let (c, l) = kernel_client_to("k", 8081, lc);
    let ls = l.stats();
    assert_eq!((ls.syns_queued, ls.cookies_accepted), (0, 1), "{ls:?}");
    assert_eq!(
        c.negotiated(),
        (true, true, true),
        "SACK, timestamps, window scaling"
    );
    assert_eq!(c.stats().dropped_paws, 0);
}

#[test]
fn our_client_to_kernel_server() {
    if !require_root() {
        return;
    }
    let s = setup("c");
    let request = pattern(3, BYTES);
    let response = pattern(4, BYTES);
    let server =
        s.ns.enter_on_thread(|| TcpListener::bind((KERNEL, 9090)).unwrap())
            .unwrap();
    let (req, resp) = (request.clone(), response.clone());
    std::thread::scope(|scope| {
        let srv = scope.spawn(move || {
            let (mut c, peer) = server.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut got = vec![0u8; req.len()];
            c.read_exact(&mut got).unwrap();
            c.write_all(&resp).unwrap();
            // Our client half-closes after its data: the kernel reads EOF.
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).unwrap();
            assert!(rest.is_empty());
            drop(c); // FIN from the kernel
            (got, peer)
        });
        let t0 = Instant::now();
        let conn = Connection::connect(
            config(),
            SocketAddr::from((OURS, 45000)),
            SocketAddr::from((KERNEL, 9090)),
            pktkit_tcp::IsnGenerator::new([7; 16]).isn(
                SocketAddr::from((OURS, 45000)),
                SocketAddr::from((KERNEL, 9090)),
                Duration::ZERO,
            ),
            t0,
        )
        .unwrap();
        let mut app = OurApp {
            to_send: request.clone(),
            sent: 0,
            got: Vec::new(),
            finished: false,
            closed: None,
            close_after_peer: false,
            closed_ours: false,
        };
        let c = drive(
            &s,
            Some(conn),
            None,
            &mut app,
            Duration::from_secs(30),
            |a, _| a.closed.is_some(),
        )
        .unwrap();
        let (got, peer) = srv.join().unwrap();
        assert_eq!(peer, SocketAddr::from((OURS, 45000)));
        assert!(got == request, "our bytes arrived intact at the kernel");
        assert!(app.got == response, "the kernel's bytes arrived intact");
        assert!(app.finished, "the kernel's FIN reached us");
        assert_eq!(app.closed, Some(None));
        assert_eq!(c.state(), State::Closed);
    });
}

#[test]
fn kernel_refuses_a_closed_port_with_rst() {
    if !require_root() {
        return;
    }
    let s = setup("r");
    let t0 = Instant::now();
    let conn = Connection::connect(
        config(),
        SocketAddr::from((OURS, 45001)),
        SocketAddr::from((KERNEL, 9)),
        1234,
        t0,
    )
    .unwrap();
    let mut app = OurApp {
        to_send: Vec::new(),
        sent: 0,
        got: Vec::new(),
        finished: false,
        closed: None,
        close_after_peer: true,
        closed_ours: false,
    };
    let c = drive(
        &s,
        Some(conn),
        None,
        &mut app,
        Duration::from_secs(10),
        |a, _| a.closed.is_some(),
    )
    .unwrap();
    assert_eq!(app.closed, Some(Some(Error::ConnectionRefused)));
    assert_eq!(c.error(), Some(Error::ConnectionRefused));
}

#[test]
fn our_abort_resets_the_kernel_socket() {
    if !require_root() {
        return;
    }
    let s = setup("a");
    let server =
        s.ns.enter_on_thread(|| TcpListener::bind((KERNEL, 9091)).unwrap())
            .unwrap();
    std::thread::scope(|scope| {
        let srv = scope.spawn(move || {
            let (mut c, _) = server.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut buf = [0u8; 5];
            c.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"hello");
            // The next read sees our RST.
            let mut more = [0u8; 16];
            c.read(&mut more).map_err(|e| e.kind())
        });
        let t0 = Instant::now();
        let conn = Connection::connect(
            config(),
            SocketAddr::from((OURS, 45002)),
            SocketAddr::from((KERNEL, 9091)),
            99,
            t0,
        )
        .unwrap();
        let mut app = OurApp {
            to_send: b"hello".to_vec(),
            sent: 0,
            got: Vec::new(),
            finished: false,
            closed: None,
            close_after_peer: true,
            closed_ours: false,
        };
        // Run until the data is acknowledged, then abort.
        let mut c = drive(
            &s,
            Some(conn),
            None,
            &mut app,
            Duration::from_secs(10),
            |a, c| a.sent == 5 && c.is_some_and(|c| c.send_queued() == 0),
        )
        .unwrap();
        c.abort();
        let mut buf = vec![0u8; 2048];
        while let Some(t) = c.poll_transmit(Instant::now(), &mut buf) {
            s.tun.send(Packet::parse(&buf[..t.len]).unwrap()).unwrap();
        }
        assert_eq!(srv.join().unwrap(), Err(ErrorKind::ConnectionReset));
        assert_eq!(c.state(), State::Closed);
    });
}
