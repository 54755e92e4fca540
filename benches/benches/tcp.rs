//! TCP bulk transfer between two engines over an in-memory IPv4 link, no
//! loss: pktkit-tcp's `Connection` pair beside two smoltcp TCP sockets on two
//! smoltcp interfaces doing the same, with the same MSS and buffer sizes.
//! Each iteration moves 4 MiB from one side to the other (the data is
//! written, segmented, checksummed, delivered, acknowledged and read).
//!
//! Both sides do the same work, and each runs with its default settings
//! except MSS and buffer sizes:
//!
//! * same MSS and 1 MiB send and receive buffers; the application writes
//!   from a 256 KiB buffer and reads into one (one copy in by `send`, one
//!   copy out by `recv`), each call at the next of the same 64 offsets
//!   (`app_offset`);
//! * checksums computed on send and verified on receive (smoltcp's default
//!   `ChecksumCapabilities`, pktkit's `verify_checksums`);
//! * the same link: every packet goes into a recycled buffer in a queue, and
//!   the receiver takes the whole queue at once (`Wire` for pktkit, `Pipe`
//!   for smoltcp; neither is charged for allocation or zeroing, and neither
//!   receiver reads a packet that is still hot in cache from being written);
//! * the same round on both: each side ingests everything queued for it,
//!   then its application runs (A writes, B reads), then it transmits. So
//!   the receiver sends one cumulative ACK per flight carrying the window its
//!   read reopened, and the sender refills what that ACK freed. The packet
//!   counts per transfer are printed before timing (both about 4 ACKs per
//!   4 MiB at every MSS);
//! * ACK policy, Nagle and congestion control are each one's default:
//!   delayed ACKs on both (pktkit: ACK every second full segment or 40 ms;
//!   smoltcp: ACK after one MSS or 10 ms), which in this loop both reduce to
//!   one ACK per flight; Nagle on for both; pktkit runs CUBIC, smoltcp has no
//!   congestion control by default (with no loss and a connection that stays
//!   up across iterations, neither limits a flight below the window);
//! * the one remaining difference is against us: pktkit negotiates
//!   timestamps (smoltcp does not by default), so its segments carry 12
//!   option bytes and 1448 payload bytes where smoltcp's carry 1460, about
//!   1 % more segments for the same bytes.
#![allow(missing_docs)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::hint::black_box;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pktkit_tcp::{Config, Connection};
use smoltcp::iface::{Config as IfaceConfig, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::Instant as SmolInstant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};

const CHUNK: usize = 4 * 1024 * 1024;
const BUFFER: usize = 1024 * 1024;
/// The application's write and read buffers.
const APP_BUFFER: usize = 256 * 1024;

/// Where in its buffer the application's `n`-th `send`/`recv` starts: one
/// of 64 cache-line offsets in a page, in turn. With one fixed offset a
/// run's time hinges on how the ring's position happens to line up with the
/// application buffer modulo 4 KiB (memcpy slows down by half when a copy's
/// stores alias its next loads: seen at MSS 8960, where `send` took 2.3x as
/// long with offset 0 as with offset 64); both engines get the same offsets.
fn app_offset(n: usize) -> usize {
    (n * 17 % 64) * 64
}

// ----- pktkit ---------------------------------------------------------------

/// The in-memory link between two `Connection`s: packets queue in recycled
/// buffers until the receiver takes them all, as smoltcp's `Pipe` below does
/// (so both receivers read a whole flight of packets back from memory, not
/// one packet still hot in cache).
#[derive(Default)]
struct Wire {
    pool: Vec<Vec<u8>>,
    queue: VecDeque<(Vec<u8>, usize)>,
    /// Packets moved so far.
    packets: usize,
}

impl Wire {
    /// Queues everything `c` has to send; true when something was queued.
    fn transmit_all(&mut self, c: &mut Connection, now: Instant, mtu: usize) -> bool {
        let before = self.packets;
        loop {
            let mut buf = self.pool.pop().unwrap_or_else(|| vec![0; mtu]);
            match c.poll_transmit(now, &mut buf) {
                Some(t) => {
                    self.queue.push_back((buf, t.len));
                    self.packets += 1;
                }
                None => {
                    self.pool.push(buf);
                    return self.packets > before;
                }
            }
        }
    }

    /// Hands every queued packet to `c`.
    fn deliver_all(&mut self, c: &mut Connection, now: Instant) {
        while let Some((buf, len)) = self.queue.pop_front() {
            c.handle_packet(now, &buf[..len]);
            self.pool.push(buf);
        }
    }
}

struct OursPair {
    a: Connection,
    b: Connection,
    now: Instant,
    mtu: usize,
    a_to_b: Wire,
    b_to_a: Wire,
    data: Vec<u8>,
    sink: Vec<u8>,
    /// `send` / `recv` calls so far (they pick the application's offsets).
    calls: usize,
}

impl OursPair {
    fn new(mss: u16) -> OursPair {
        let t0 = Instant::now();
        let cfg = Config {
            mss,
            send_buffer: BUFFER,
            recv_buffer: BUFFER,
            ..Config::default()
        };
        let sa: SocketAddr = "10.0.0.1:40000".parse().unwrap();
        let sb: SocketAddr = "10.0.0.2:80".parse().unwrap();
        let mut listener = pktkit_tcp::Listener::new(
            sb,
            pktkit_tcp::ListenerConfig {
                connection: cfg.clone(),
                ..Default::default()
            },
            [1; 16],
            t0,
        );
        let mut a = Connection::connect(cfg, sa, sb, 1, t0).unwrap();
        // IPv4 header + the largest TCP header + MSS.
        let mtu = usize::from(mss) + 20 + 60;
        let mut tx = vec![0u8; mtu];
        let mut b = None;
        for _ in 0..10 {
            while let Some(t) = a.poll_transmit(t0, &mut tx) {
                listener.handle_packet(t0, &tx[..t.len]);
            }
            while let Some(t) = listener.poll_transmit(t0, &mut tx) {
                a.handle_packet(t0, &tx[..t.len]);
            }
            if let Some(c) = listener.accept() {
                b = Some(c);
                break;
            }
        }
        let b = b.expect("handshake");
        OursPair {
            a,
            b,
            now: t0,
            mtu,
            a_to_b: Wire::default(),
            b_to_a: Wire::default(),
            data: vec![0x5a; APP_BUFFER + 4096],
            sink: vec![0; APP_BUFFER + 4096],
            calls: 0,
        }
    }

    /// Moves `bytes` from A to B. Each side takes all its queued packets,
    /// then the application runs (A writes, B reads), then it transmits.
    fn transfer(&mut self, bytes: usize) {
        let (mut sent, mut read) = (0, 0);
        while read < bytes {
            self.b_to_a.deliver_all(&mut self.a, self.now);
            while sent < bytes {
                let off = app_offset(self.calls);
                self.calls += 1;
                let n = self
                    .a
                    .send(&self.data[off..off + (bytes - sent).min(APP_BUFFER)])
                    .unwrap();
                if n == 0 {
                    break;
                }
                sent += n;
            }
            let mut moved = self.a_to_b.transmit_all(&mut self.a, self.now, self.mtu);
            self.a_to_b.deliver_all(&mut self.b, self.now);
            loop {
                let off = app_offset(self.calls);
                self.calls += 1;
                let n = self.b.recv(&mut self.sink[off..off + APP_BUFFER]).unwrap();
                if n == 0 {
                    break;
                }
                read += n;
            }
            moved |= self.b_to_a.transmit_all(&mut self.b, self.now, self.mtu);
            if !moved {
                let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                    .into_iter()
                    .flatten()
                    .min();
                self.now = next
                    .unwrap_or(self.now + Duration::from_millis(1))
                    .max(self.now);
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
            }
        }
        black_box(&self.sink);
    }
}

// ----- smoltcp --------------------------------------------------------------

/// Packet buffers shared by both ends: a packet's buffer goes back to the pool
/// once the receiving interface has read it, so that after warm-up smoltcp
/// pays for no allocation and no zeroing per packet (pktkit writes every
/// packet into the one reused `tx` buffer, so this is the same deal).
type Pool = Rc<RefCell<Vec<Vec<u8>>>>;

/// A device whose packets are moved (not copied) between two interfaces.
/// Queued packets are (buffer, length): buffers keep their full size, so a
/// recycled buffer is never re-zeroed (`Vec::resize`) for a longer packet.
struct Pipe {
    inbox: VecDeque<(Vec<u8>, usize)>,
    outbox: VecDeque<(Vec<u8>, usize)>,
    pool: Pool,
    mtu: usize,
}

struct Rx<'a> {
    buf: Vec<u8>,
    len: usize,
    pool: &'a Pool,
}
struct Tx<'a> {
    out: &'a mut VecDeque<(Vec<u8>, usize)>,
    pool: &'a Pool,
    mtu: usize,
}

impl smoltcp::phy::RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        let r = f(&self.buf[..self.len]);
        self.pool.borrow_mut().push(self.buf);
        r
    }
}

impl smoltcp::phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        // A buffer is taken only when a packet is really sent (smoltcp drops
        // the TxToken of most `receive` calls unused).
        let mut buf = self.pool.borrow_mut().pop().unwrap_or_default();
        if buf.len() < len {
            buf.resize(len.max(self.mtu), 0); // only while the pool warms up
        }
        let r = f(&mut buf[..len]);
        self.out.push_back((buf, len));
        r
    }
}

impl Device for Pipe {
    type RxToken<'a> = Rx<'a>;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: SmolInstant) -> Option<(Rx<'_>, Tx<'_>)> {
        let (buf, len) = self.inbox.pop_front()?;
        Some((
            Rx {
                buf,
                len,
                pool: &self.pool,
            },
            Tx {
                out: &mut self.outbox,
                pool: &self.pool,
                mtu: self.mtu,
            },
        ))
    }

    fn transmit(&mut self, _: SmolInstant) -> Option<Tx<'_>> {
        Some(Tx {
            out: &mut self.outbox,
            pool: &self.pool,
            mtu: self.mtu,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut c = DeviceCapabilities::default();
        c.medium = Medium::Ip;
        c.max_transmission_unit = self.mtu;
        c
    }
}

struct SmolSide {
    iface: Interface,
    dev: Pipe,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
}

impl SmolSide {
    fn new(addr: [u8; 4], mtu: usize, pool: Pool) -> SmolSide {
        let mut dev = Pipe {
            inbox: VecDeque::new(),
            outbox: VecDeque::new(),
            pool,
            mtu,
        };
        let mut cfg = IfaceConfig::new(HardwareAddress::Ip);
        cfg.random_seed = u64::from(addr[3]);
        let mut iface = Interface::new(cfg, &mut dev, SmolInstant::from_micros(0));
        iface.update_ip_addrs(|a| {
            a.push(IpCidr::new(
                IpAddress::v4(addr[0], addr[1], addr[2], addr[3]),
                24,
            ))
            .unwrap()
        });
        let sock = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; BUFFER]),
            tcp::SocketBuffer::new(vec![0; BUFFER]),
        );
        let mut sockets = SocketSet::new(vec![]);
        let handle = sockets.add(sock);
        SmolSide {
            iface,
            dev,
            sockets,
            handle,
        }
    }
}

struct SmolPair {
    a: SmolSide,
    b: SmolSide,
    now: SmolInstant,
    a_to_b: usize,
    b_to_a: usize,
    data: Vec<u8>,
    sink: Vec<u8>,
    /// `send` / `recv` calls so far (they pick the application's offsets).
    calls: usize,
}

impl SmolPair {
    fn new(mss: u16) -> SmolPair {
        let mtu = usize::from(mss) + 40;
        let pool = Pool::default();
        let mut a = SmolSide::new([10, 0, 0, 1], mtu, pool.clone());
        let mut b = SmolSide::new([10, 0, 0, 2], mtu, pool);
        b.sockets
            .get_mut::<tcp::Socket<'static>>(b.handle)
            .listen(80)
            .unwrap();
        let cx = a.iface.context();
        a.sockets
            .get_mut::<tcp::Socket<'static>>(a.handle)
            .connect(cx, (IpAddress::v4(10, 0, 0, 2), 80), 40000)
            .unwrap();
        let mut p = SmolPair {
            a,
            b,
            now: SmolInstant::from_micros(0),
            a_to_b: 0,
            b_to_a: 0,
            data: vec![0x5a; APP_BUFFER + 4096],
            sink: vec![0; APP_BUFFER + 4096],
            calls: 0,
        };
        for _ in 0..10 {
            p.step();
        }
        assert!(
            p.a.sockets
                .get::<tcp::Socket<'static>>(p.a.handle)
                .may_send(),
            "smoltcp handshake"
        );
        p
    }

    /// Polls both interfaces and moves packets; true when something moved.
    fn step(&mut self) -> bool {
        self.a
            .iface
            .poll(self.now, &mut self.a.dev, &mut self.a.sockets);
        self.a_to_b += self.a.dev.outbox.len();
        let mut moved = !self.a.dev.outbox.is_empty();
        self.b.dev.inbox.extend(self.a.dev.outbox.drain(..));
        self.b
            .iface
            .poll(self.now, &mut self.b.dev, &mut self.b.sockets);
        self.b_to_a += self.b.dev.outbox.len();
        moved |= !self.b.dev.outbox.is_empty();
        self.a.dev.inbox.extend(self.b.dev.outbox.drain(..));
        moved
    }

    /// Moves `bytes` from A to B. Each side works in the order
    /// `OursPair::transfer` follows: ingress (all queued packets), then the
    /// application (A writes, B reads), then egress. So A's writes see the
    /// room B's ACK freed, and B's ACK carries the window its read reopened.
    /// (`Interface::poll` does ingress and egress together, which would put
    /// the application call on the wrong side of one of them and make every
    /// second flight a small one.)
    fn transfer(&mut self, bytes: usize) {
        use smoltcp::iface::{PollIngressSingleResult, PollResult};
        let (mut sent, mut read) = (0, 0);
        while read < bytes {
            let a = &mut self.a;
            while a
                .iface
                .poll_ingress_single(self.now, &mut a.dev, &mut a.sockets)
                != PollIngressSingleResult::None
            {}
            {
                let s = a.sockets.get_mut::<tcp::Socket<'static>>(a.handle);
                while sent < bytes {
                    let off = app_offset(self.calls);
                    self.calls += 1;
                    let n = s
                        .send_slice(&self.data[off..off + (bytes - sent).min(APP_BUFFER)])
                        .unwrap();
                    if n == 0 {
                        break;
                    }
                    sent += n;
                }
            }
            while a.iface.poll_egress(self.now, &mut a.dev, &mut a.sockets) != PollResult::None {}
            self.a_to_b += self.a.dev.outbox.len();
            let mut moved = !self.a.dev.outbox.is_empty();
            self.b.dev.inbox.extend(self.a.dev.outbox.drain(..));
            let b = &mut self.b;
            while b
                .iface
                .poll_ingress_single(self.now, &mut b.dev, &mut b.sockets)
                != PollIngressSingleResult::None
            {}
            {
                let s = b.sockets.get_mut::<tcp::Socket<'static>>(b.handle);
                loop {
                    let off = app_offset(self.calls);
                    self.calls += 1;
                    let n = s.recv_slice(&mut self.sink[off..off + APP_BUFFER]).unwrap();
                    if n == 0 {
                        break;
                    }
                    read += n;
                }
            }
            while b.iface.poll_egress(self.now, &mut b.dev, &mut b.sockets) != PollResult::None {}
            self.b_to_a += b.dev.outbox.len();
            moved |= !b.dev.outbox.is_empty();
            self.a.dev.inbox.extend(b.dev.outbox.drain(..));
            if !moved {
                let da = self.a.iface.poll_delay(self.now, &self.a.sockets);
                let db = self.b.iface.poll_delay(self.now, &self.b.sockets);
                let d = [da, db]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or(smoltcp::time::Duration::from_millis(1));
                self.now += d.max(smoltcp::time::Duration::from_micros(1));
            }
        }
        black_box(&self.sink);
    }
}

fn tcp_bulk(c: &mut Criterion) {
    for mss in [1460u16, 8960, 65_495] {
        let mut g = c.benchmark_group(format!("tcp/bulk/mss-{mss}"));
        g.throughput(Throughput::Bytes(CHUNK as u64));
        g.sample_size(10);
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(3));
        let mut ours = OursPair::new(mss);
        g.bench_function(BenchmarkId::from_parameter("pktkit"), |b| {
            b.iter(|| ours.transfer(CHUNK))
        });
        let mut theirs = SmolPair::new(mss);
        {
            let (a0, b0) = (ours.a_to_b.packets, ours.b_to_a.packets);
            ours.transfer(CHUNK);
            let (x0, y0) = (theirs.a_to_b, theirs.b_to_a);
            theirs.transfer(CHUNK);
            eprintln!(
                "mss {mss}: pktkit {} data + {} acks, smoltcp {} data + {} acks per transfer",
                ours.a_to_b.packets - a0,
                ours.b_to_a.packets - b0,
                theirs.a_to_b - x0,
                theirs.b_to_a - y0
            );
        }
        g.bench_function(BenchmarkId::from_parameter("smoltcp"), |b| {
            b.iter(|| theirs.transfer(CHUNK))
        });
        g.finish();
    }
}

criterion_group!(benches, tcp_bulk);
criterion_main!(benches);
