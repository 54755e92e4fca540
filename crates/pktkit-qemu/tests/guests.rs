//! Listeners and dialers over real sockets on loopback: many guests, framing
//! checked byte for byte against QEMU's wire format (net/stream.c: a 4-byte
//! big-endian length before each frame; net/dgram.c: one frame per datagram),
//! disconnects, garbage, unknown senders, MAC pinning, guest limits.

use std::io::{Read, Write};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use pktkit_core::{Attachment, DropReason, L2Acceptor, L2Connector, L2Device, serve};
use pktkit_qemu::{DgramDevice, Endpoint, Listener, Mode, QemuConfig, StreamDevice};
use pktkit_wire::{Frame, MacAddr};

const WAIT: Duration = Duration::from_secs(10);

fn tempdir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "pktkit-qemu-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An Ethernet frame from `src` to broadcast, `len` bytes, payload tagged with `tag`.
fn frame(src: MacAddr, tag: u8, len: usize) -> Vec<u8> {
    let mut b = vec![tag; len];
    b[..6].copy_from_slice(&[0xff; 6]);
    b[6..12].copy_from_slice(src.as_bytes());
    b[12..14].copy_from_slice(&[0x88, 0xb5]); // local experimental ethertype
    b
}

fn mac(n: u8) -> MacAddr {
    MacAddr::new(0x52, 0x54, 0, 0, 0, n)
}

/// A connector that echoes every frame back out of the device it came from,
/// and counts attachments and detachments.
#[derive(Default)]
struct Echo {
    attached: AtomicUsize,
    detached: Arc<AtomicUsize>,
    devices: Mutex<Vec<Arc<dyn L2Device>>>,
}

impl L2Connector for Echo {
    fn connect_l2(&self, dev: Arc<dyn L2Device>) -> std::io::Result<Attachment> {
        let weak = Arc::downgrade(&dev);
        dev.set_handler(Arc::new(move |f: &Frame| match weak.upgrade() {
            Some(d) => d.send(f),
            None => Ok(()),
        }));
        self.attached.fetch_add(1, Ordering::SeqCst);
        self.devices.lock().unwrap().push(dev);
        let det = self.detached.clone();
        Ok(Attachment::new(move || {
            det.fetch_add(1, Ordering::SeqCst);
        }))
    }
}

/// Sends like QEMU does: a full socket (a unix datagram receiver's queue)
/// means wait for room, not give up.
fn send_retry(dev: &dyn L2Device, bytes: &[u8]) {
    let t = Instant::now();
    loop {
        match dev.send(Frame::parse(bytes).unwrap()) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && t.elapsed() < WAIT => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("send: {e}"),
        }
    }
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A device's received frames, through a channel.
fn collect(dev: &dyn L2Device) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    dev.set_handler(Arc::new(move |f: &Frame| {
        let _ = tx.lock().unwrap().send(f.as_bytes().to_vec());
        Ok(())
    }));
    rx
}

/// Serves `ln` into an echo connector on a thread; returns the connector.
fn serve_echo(ln: Arc<Listener>) -> Arc<Echo> {
    let echo = Arc::new(Echo::default());
    let e = echo.clone();
    std::thread::spawn(move || {
        let _ = serve(&*ln, &*e);
    });
    echo
}

fn guest_dialer(ln: &Listener, dir: &std::path::Path, i: usize) -> Arc<dyn L2Device> {
    let cfg = QemuConfig::default();
    match (ln.mode(), ln.endpoint()) {
        (Mode::Stream, ep) => StreamDevice::connect(ep, &cfg).unwrap(),
        (Mode::Dgram, ep @ Endpoint::Unix(_)) => {
            let local = Endpoint::Unix(dir.join(format!("guest{i}.sock")));
            DgramDevice::connect(&local, ep, &cfg).unwrap()
        }
        (Mode::Dgram, ep) => {
            DgramDevice::connect(&"udp:127.0.0.1:0".parse().unwrap(), ep, &cfg).unwrap()
        }
    }
}

/// `n` guests each send frames of several sizes and get exactly them back.
fn many_guests_echo(ep: &str, mode: Mode, n: usize) {
    let dir = Dir(tempdir("many"));
    let ep: Endpoint = ep.replace("DIR", dir.0.to_str().unwrap()).parse().unwrap();
    let ln = Arc::new(Listener::bind(&ep, mode, QemuConfig::default()).unwrap());
    let echo = serve_echo(ln.clone());
    let guests: Vec<_> = (0..n).map(|i| guest_dialer(&ln, &dir.0, i)).collect();
    let rxs: Vec<_> = guests.iter().map(|g| collect(&**g)).collect();
    // Guest by guest: datagrams are lossy, and a burst from all of them at
    // once may overrun a socket buffer (as it would with QEMU).
    for (i, (g, rx)) in guests.iter().zip(&rxs).enumerate() {
        for len in [14, 60, 1514, 9000] {
            send_retry(&**g, &frame(mac(i as u8), i as u8, len));
        }
        for len in [14, 60, 1514, 9000] {
            let got = rx
                .recv_timeout(WAIT)
                .unwrap_or_else(|e| panic!("echo guest {i} len {len}: {e}"));
            assert_eq!(got, frame(mac(i as u8), i as u8, len), "guest {i}");
        }
    }
    wait_until("all attached", || echo.attached.load(Ordering::SeqCst) == n);
    assert_eq!(ln.stats().accepted, n as u64);
    assert_eq!(ln.stats().active, n as u64);
    // Every guest leaves; serve detaches each one.
    for g in &guests {
        g.close().unwrap();
    }
    if mode == Mode::Stream {
        wait_until("all detached", || echo.detached.load(Ordering::SeqCst) == n);
        wait_until("no active guests", || ln.stats().active == 0);
    }
    L2Acceptor::close(&*ln).unwrap();
    if let Some(p) = ep.unix_path() {
        assert!(!p.exists(), "socket file left behind");
    }
}

#[test]
fn stream_unix_many_guests() {
    many_guests_echo("unix:DIR/lan.sock", Mode::Stream, 16);
}

#[test]
fn stream_tcp_many_guests() {
    many_guests_echo("tcp:127.0.0.1:0", Mode::Stream, 16);
}

#[test]
fn dgram_unix_many_guests() {
    many_guests_echo("unix:DIR/lan.sock", Mode::Dgram, 16);
}

#[test]
fn dgram_udp_many_guests() {
    many_guests_echo("udp:127.0.0.1:0", Mode::Dgram, 16);
}

/// A raw client speaking QEMU's stream format by hand: what it writes is what
/// the port delivers, what the port sends arrives length-prefixed.
#[test]
fn stream_wire_format_matches_qemu() {
    let dir = Dir(tempdir("wire"));
    let ep = Endpoint::Unix(dir.0.join("s.sock"));
    let ln = Listener::bind(&ep, Mode::Stream, QemuConfig::default()).unwrap();
    let mut raw = UnixStream::connect(ep.unix_path().unwrap()).unwrap();
    let f = frame(mac(1), 7, 60);
    // Sent before the port has a handler: kept in the socket, not lost.
    raw.write_all(&[0, 0, 0, 60]).unwrap();
    raw.write_all(&f).unwrap();
    let port = ln.accept_l2().unwrap();
    let rx = collect(&*port);
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), f);
    let g = frame(mac(2), 9, 1000);
    port.send(Frame::parse(&g).unwrap()).unwrap();
    let mut got = vec![0u8; 4 + 1000];
    raw.set_read_timeout(Some(WAIT)).unwrap();
    raw.read_exact(&mut got).unwrap();
    assert_eq!(&got[..4], &[0, 0, 0x03, 0xe8]);
    assert_eq!(&got[4..], &g[..]);
    // The length prefix is split across writes: still one frame.
    raw.write_all(&[0, 0]).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    raw.write_all(&[0, 60]).unwrap();
    raw.write_all(&f).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), f);
}

/// QEMU's dgram format: one datagram per frame, no header, both ways.
#[test]
fn dgram_wire_format_matches_qemu() {
    let dir = Dir(tempdir("dwire"));
    let ep = Endpoint::Unix(dir.0.join("d.sock"));
    let ln = Listener::bind(&ep, Mode::Dgram, QemuConfig::default()).unwrap();
    let guest_path = dir.0.join("g.sock");
    let raw = UnixDatagram::bind(&guest_path).unwrap();
    raw.set_read_timeout(Some(WAIT)).unwrap();
    let f = frame(mac(1), 3, 342);
    raw.send_to(&f, ep.unix_path().unwrap()).unwrap();
    let port = ln.accept_l2().unwrap();
    let rx = collect(&*port);
    assert_eq!(
        rx.recv_timeout(WAIT).unwrap(),
        f,
        "first datagram kept until attached"
    );
    let g = frame(mac(9), 4, 1514);
    port.send(Frame::parse(&g).unwrap()).unwrap();
    let mut buf = vec![0u8; 70000];
    let n = raw.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], &g[..]);
    // The guest's socket goes away: the next send notices, Done fires.
    drop(raw);
    std::fs::remove_file(&guest_path).unwrap();
    let done = port.done().unwrap();
    assert!(port.send(Frame::parse(&g).unwrap()).is_err());
    assert!(done.wait_timeout(WAIT));
}

#[test]
fn stream_disconnect_fires_done_and_serve_detaches() {
    for ep in ["tcp:127.0.0.1:0", "unix:DIR/d.sock"] {
        let dir = Dir(tempdir("disc"));
        let ep: Endpoint = ep.replace("DIR", dir.0.to_str().unwrap()).parse().unwrap();
        let ln = Arc::new(Listener::bind(&ep, Mode::Stream, QemuConfig::default()).unwrap());
        let vm = StreamDevice::connect(ln.endpoint(), &QemuConfig::default()).unwrap();
        let port = ln.accept_l2().unwrap();
        let done = port.done().unwrap();
        assert!(!done.wait_timeout(Duration::from_millis(50)));
        drop(vm); // the guest goes away
        assert!(done.wait_timeout(WAIT), "Done did not fire for {ep}");
        assert!(
            port.send(Frame::parse(&frame(mac(1), 0, 60)).unwrap())
                .is_err()
        );
        wait_until("slot released", || ln.stats().active == 0);
    }
}

#[test]
fn dialer_sees_listener_side_close() {
    let ln = Listener::bind(
        &"tcp:127.0.0.1:0".parse().unwrap(),
        Mode::Stream,
        QemuConfig::default(),
    )
    .unwrap();
    let vm = StreamDevice::connect(ln.endpoint(), &QemuConfig::default()).unwrap();
    let port = ln.accept_l2().unwrap();
    let rx = collect(&*vm);
    // Frames queued before close are flushed, then the peer sees the hang-up.
    let f = frame(mac(5), 1, 200);
    for _ in 0..50 {
        port.send(Frame::parse(&f).unwrap()).unwrap();
    }
    port.close().unwrap();
    for _ in 0..50 {
        assert_eq!(rx.recv_timeout(WAIT).unwrap(), f);
    }
    assert!(vm.done().unwrap().wait_timeout(WAIT));
}

/// Garbage on one connection drops that connection, counted; other guests
/// carry on.
#[test]
fn garbage_clients_are_dropped_others_keep_working() {
    let dir = Dir(tempdir("garbage"));
    let ep = Endpoint::Unix(dir.0.join("g.sock"));
    let cfg = QemuConfig::default().with_max_frame(2000);
    let ln = Arc::new(Listener::bind(&ep, Mode::Stream, cfg.clone()).unwrap());
    let echo = serve_echo(ln.clone());
    let good = StreamDevice::connect(&ep, &cfg).unwrap();
    let good_rx = collect(&*good);
    let path = ep.unix_path().unwrap();

    let hung_up = |mut s: UnixStream| {
        s.set_read_timeout(Some(WAIT)).unwrap();
        let mut b = [0u8; 64];
        loop {
            match s.read(&mut b) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    };
    // Length 0.
    let mut s = UnixStream::connect(path).unwrap();
    s.write_all(&[0, 0, 0, 0]).unwrap();
    assert!(hung_up(s));
    // Length above max_frame.
    let mut s = UnixStream::connect(path).unwrap();
    s.write_all(&2001u32.to_be_bytes()).unwrap();
    assert!(hung_up(s));
    // A huge length (would be a 4 GiB allocation if trusted).
    let mut s = UnixStream::connect(path).unwrap();
    s.write_all(&[0xff, 0xff, 0xff, 0xff]).unwrap();
    assert!(hung_up(s));
    // Truncated: the stream ends inside a frame.
    let mut s = UnixStream::connect(path).unwrap();
    s.write_all(&100u32.to_be_bytes()).unwrap();
    s.write_all(&[0xaa; 30]).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(hung_up(s));
    wait_until("bad input counted", || ln.stats().bad_input == 4);

    // A frame too short for Ethernet is dropped alone; the connection lives.
    let mut s = UnixStream::connect(path).unwrap();
    s.write_all(&[0, 0, 0, 5, 1, 2, 3, 4, 5]).unwrap();
    let f = frame(mac(3), 3, 64);
    s.write_all(&64u32.to_be_bytes()).unwrap();
    s.write_all(&f).unwrap();
    let mut back = vec![0u8; 68];
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.read_exact(&mut back).unwrap();
    assert_eq!(&back[4..], &f[..]);
    let short_dev = echo.devices.lock().unwrap().last().unwrap().clone();
    assert_eq!(short_dev.counters().unwrap().snapshot().rx_dropped, 1);
    assert_eq!(ln.stats().bad_input, 4);

    // The good guest never noticed.
    let f = frame(mac(1), 1, 1500);
    good.send(Frame::parse(&f).unwrap()).unwrap();
    assert_eq!(good_rx.recv_timeout(WAIT).unwrap(), f);
    assert!(!good.done().unwrap().is_done());
}

#[test]
fn dgram_unknown_senders_are_dropped() {
    let dir = Dir(tempdir("unknown"));
    let ep = Endpoint::Unix(dir.0.join("l.sock"));
    let ln = Listener::bind(&ep, Mode::Dgram, QemuConfig::default()).unwrap();
    // An unnamed socket cannot be answered: not a guest.
    let anon = UnixDatagram::unbound().unwrap();
    anon.send_to(&frame(mac(1), 1, 60), ep.unix_path().unwrap())
        .unwrap();
    wait_until("unknown sender counted", || ln.stats().unknown_sender == 1);
    assert_eq!(ln.stats().accepted, 0);

    // A dialer hears only its peer.
    let a = Endpoint::Unix(dir.0.join("a.sock"));
    let b = Endpoint::Unix(dir.0.join("b.sock"));
    let dev = DgramDevice::connect(&a, &b, &QemuConfig::default()).unwrap();
    let rx = collect(&*dev);
    let peer = UnixDatagram::bind(b.unix_path().unwrap()).unwrap();
    let stranger = UnixDatagram::bind(dir.0.join("c.sock")).unwrap();
    stranger
        .send_to(&frame(mac(6), 6, 60), a.unix_path().unwrap())
        .unwrap();
    let f = frame(mac(7), 7, 60);
    peer.send_to(&f, a.unix_path().unwrap()).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), f);
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
    // Oversized datagrams are dropped alone; the guest stays.
    let cfg = QemuConfig::default().with_max_frame(100);
    let ln2 = Listener::bind(
        &"udp:127.0.0.1:0".parse().unwrap(),
        Mode::Dgram,
        cfg.clone(),
    )
    .unwrap();
    let Endpoint::Udp(to) = ln2.endpoint().clone() else {
        unreachable!()
    };
    let raw = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.send_to(&frame(mac(1), 1, 60), to).unwrap();
    let port = ln2.accept_l2().unwrap();
    let prx = collect(&*port);
    assert_eq!(prx.recv_timeout(WAIT).unwrap(), frame(mac(1), 1, 60));
    raw.send_to(&frame(mac(1), 2, 101), to).unwrap();
    raw.send_to(&frame(mac(1), 3, 100), to).unwrap();
    assert_eq!(prx.recv_timeout(WAIT).unwrap(), frame(mac(1), 3, 100));
    assert_eq!(port.counters().unwrap().snapshot().rx_dropped, 1);
    assert_eq!(ln2.stats().accepted, 1);
    // Our own sender refuses an oversized frame too.
    let g =
        DgramDevice::connect(&"udp:127.0.0.1:0".parse().unwrap(), ln2.endpoint(), &cfg).unwrap();
    assert!(
        g.send(Frame::parse(&frame(mac(1), 2, 101)).unwrap())
            .is_err()
    );
    assert_eq!(g.drops().get(DropReason::Malformed), 1);
}

#[test]
fn udp_guest_idle_timeout_fires_done() {
    let cfg = QemuConfig::default().with_dgram_idle_timeout(Some(Duration::from_millis(300)));
    let ln = Listener::bind(
        &"udp:127.0.0.1:0".parse().unwrap(),
        Mode::Dgram,
        cfg.clone(),
    )
    .unwrap();
    let g = DgramDevice::connect(&"udp:127.0.0.1:0".parse().unwrap(), ln.endpoint(), &cfg).unwrap();
    g.send(Frame::parse(&frame(mac(1), 1, 60)).unwrap())
        .unwrap();
    let port = ln.accept_l2().unwrap();
    assert!(port.done().unwrap().wait_timeout(WAIT));
    assert!(
        port.send(Frame::parse(&frame(mac(1), 1, 60)).unwrap())
            .is_err()
    );
    drop(port);
    wait_until("slot released", || ln.stats().active == 0);
    // Heard from again, the guest comes back as a new port.
    g.send(Frame::parse(&frame(mac(1), 2, 60)).unwrap())
        .unwrap();
    let again = ln.accept_l2().unwrap();
    assert!(!again.done().unwrap().is_done());
    assert_eq!(ln.stats().accepted, 2);
}

fn pinning(ln: Listener, guest: Arc<dyn L2Device>) {
    let a = mac(0x10);
    let b = mac(0x11);
    guest.send(Frame::parse(&frame(a, 1, 60)).unwrap()).unwrap();
    let port = ln.accept_l2().unwrap();
    let rx = collect(&*port);
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), frame(a, 1, 60));
    guest.send(Frame::parse(&frame(b, 2, 60)).unwrap()).unwrap(); // spoofed
    let mut bad = frame(a, 3, 60);
    bad[6] = 0x01; // multicast source
    guest.send(Frame::parse(&bad).unwrap()).unwrap();
    guest.send(Frame::parse(&frame(a, 4, 60)).unwrap()).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), frame(a, 4, 60));
    let c = port.counters().unwrap().snapshot();
    assert_eq!((c.rx_packets, c.rx_dropped), (2, 2));
}

#[test]
fn mac_pinning_stream_and_dgram() {
    let cfg = QemuConfig::default().with_pin_mac(true);
    let ln = Listener::bind(
        &"tcp:127.0.0.1:0".parse().unwrap(),
        Mode::Stream,
        cfg.clone(),
    )
    .unwrap();
    let g = StreamDevice::connect(ln.endpoint(), &cfg).unwrap();
    pinning(ln, g);
    let ln = Listener::bind(
        &"udp:127.0.0.1:0".parse().unwrap(),
        Mode::Dgram,
        cfg.clone(),
    )
    .unwrap();
    let g = DgramDevice::connect(&"udp:127.0.0.1:0".parse().unwrap(), ln.endpoint(), &cfg).unwrap();
    pinning(ln, g);
}

#[test]
fn pinned_mac_and_drop_reasons_are_reported() {
    let cfg = QemuConfig::default().with_pin_mac(true);
    let ln = pktkit_qemu::StreamListener::bind(&"tcp:127.0.0.1:0".parse().unwrap(), cfg.clone())
        .unwrap();
    let g = StreamDevice::connect(ln.endpoint(), &cfg).unwrap();
    g.send(Frame::parse(&frame(mac(0x20), 1, 60)).unwrap())
        .unwrap();
    g.send(Frame::parse(&frame(mac(0x21), 1, 60)).unwrap())
        .unwrap();
    let port = ln.accept().unwrap();
    let rx = collect(&*port);
    rx.recv_timeout(WAIT).unwrap();
    wait_until("spoof counted", || {
        port.drops().get(DropReason::BadSource) == 1
    });
    assert_eq!(port.pinned_mac(), Some(mac(0x20)));
}

#[test]
fn guests_past_the_limit_are_refused() {
    let cfg = QemuConfig::default().with_max_guests(2);
    let dir = Dir(tempdir("limit"));
    let ep = Endpoint::Unix(dir.0.join("l.sock"));
    let ln = Arc::new(Listener::bind(&ep, Mode::Stream, cfg).unwrap());
    let echo = serve_echo(ln.clone());
    let g1 = StreamDevice::connect(&ep, &QemuConfig::default()).unwrap();
    let g2 = StreamDevice::connect(&ep, &QemuConfig::default()).unwrap();
    wait_until("two attached", || echo.attached.load(Ordering::SeqCst) == 2);
    let g3 = StreamDevice::connect(&ep, &QemuConfig::default()).unwrap();
    assert!(
        g3.done().unwrap().wait_timeout(WAIT),
        "third guest not hung up on"
    );
    assert_eq!(ln.stats().refused, 1);
    // A slot freed by a guest leaving is there for the next one.
    drop(g1);
    wait_until("slot freed", || ln.stats().active == 1);
    let g4 = StreamDevice::connect(&ep, &QemuConfig::default()).unwrap();
    let rx = collect(&*g4);
    let f = frame(mac(4), 4, 60);
    g4.send(Frame::parse(&f).unwrap()).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), f);
    drop(g2);
}

#[test]
fn stale_socket_files_are_replaced_live_ones_refused() {
    let dir = Dir(tempdir("stale"));
    let p = dir.0.join("s.sock");
    drop(std::os::unix::net::UnixListener::bind(&p).unwrap()); // leaves the file
    assert!(p.exists());
    let ep = Endpoint::Unix(p.clone());
    let ln = Listener::bind(&ep, Mode::Stream, QemuConfig::default()).unwrap();
    let err = Listener::bind(&ep, Mode::Stream, QemuConfig::default()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    drop(ln);
    assert!(!p.exists());
    std::fs::write(&p, b"not a socket").unwrap();
    assert!(Listener::bind(&ep, Mode::Stream, QemuConfig::default()).is_err());
}
