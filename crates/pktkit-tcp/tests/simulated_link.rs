//! Two engines over a simulated link with a virtual clock: seeded loss,
//! reordering, duplication, corruption, delay and a bandwidth limit. 10 MB
//! each way must arrive intact, the engines must never stall, and the
//! retransmissions must stay within bounds derived from what the link did.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Error, Event, Listener, ListenerConfig, State};

/// SplitMix64: a small seeded generator, enough for impairments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Copy, Debug)]
struct Impairments {
    loss: f64,
    duplicate: f64,
    reorder: f64,
    corrupt: f64,
    delay: Duration,
    /// Extra delay for reordered packets, up to this.
    reorder_extra: Duration,
    /// Bytes per second.
    bandwidth: u64,
}

#[derive(Default, Debug)]
struct LinkCounters {
    sent: u64,
    dropped: u64,
    corrupted: u64,
    duplicated: u64,
    /// Data-carrying packets lost or corrupted.
    damaged_data: u64,
}

/// One direction of the link.
struct Direction {
    queue: BinaryHeap<Reverse<(Instant, u64, Vec<u8>)>>,
    next_free: Instant,
    seq: u64,
    counters: LinkCounters,
}

impl Direction {
    fn new(t0: Instant) -> Direction {
        Direction {
            queue: BinaryHeap::new(),
            next_free: t0,
            seq: 0,
            counters: LinkCounters::default(),
        }
    }

    fn send(&mut self, now: Instant, pkt: &[u8], imp: &Impairments, rng: &mut Rng) {
        self.counters.sent += 1;
        let has_data = tcp_payload_len(pkt) > 0;
        // Serialisation at the bandwidth limit (drop-tail at 2000 packets).
        if self.queue.len() > 2000 {
            self.counters.dropped += 1;
            self.counters.damaged_data += u64::from(has_data);
            return;
        }
        let start = self.next_free.max(now);
        self.next_free =
            start + Duration::from_nanos(pkt.len() as u64 * 1_000_000_000 / imp.bandwidth);
        if rng.chance(imp.loss) {
            self.counters.dropped += 1;
            self.counters.damaged_data += u64::from(has_data);
            return;
        }
        let copies = if rng.chance(imp.duplicate) { 2 } else { 1 };
        self.counters.duplicated += copies - 1;
        for _ in 0..copies {
            let mut p = pkt.to_vec();
            if rng.chance(imp.corrupt) {
                let i = rng.below(p.len() as u64) as usize;
                p[i] ^= 1 << rng.below(8);
                self.counters.corrupted += 1;
                self.counters.damaged_data += u64::from(has_data);
            }
            let mut at = self.next_free + imp.delay;
            if rng.chance(imp.reorder) {
                at += Duration::from_nanos(rng.below(imp.reorder_extra.as_nanos() as u64));
            }
            self.seq += 1;
            self.queue.push(Reverse((at, self.seq, p)));
        }
    }

    fn next_at(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse((t, _, _))| *t)
    }

    fn pop_due(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self.next_at()? <= now {
            self.queue.pop().map(|Reverse((_, _, p))| p)
        } else {
            None
        }
    }
}

fn tcp_payload_len(ip: &[u8]) -> usize {
    // Total length − IP header − TCP data offset (IPv4 or IPv6 without extensions).
    let (iph, total) = match ip.first().map(|b| b >> 4) {
        Some(4) if ip.len() >= 40 => {
            let ihl = (ip[0] & 0xf) as usize * 4;
            (ihl, u16::from_be_bytes([ip[2], ip[3]]) as usize)
        }
        Some(6) if ip.len() >= 60 => (40, 40 + u16::from_be_bytes([ip[4], ip[5]]) as usize),
        _ => return 0,
    };
    match ip.get(iph + 12) {
        Some(b) => total.saturating_sub(iph + (b >> 4) as usize * 4),
        None => 0,
    }
}

/// Period of the test pattern: a prime, so misplaced data shows.
const PERIOD: usize = 1_048_573;

fn pattern_table() -> Vec<u8> {
    let mut rng = Rng(0x5eed);
    let mut t: Vec<u8> = (0..PERIOD).map(|_| rng.next() as u8).collect();
    // Repeat the head so that any 64 KiB window is a plain slice.
    t.extend_from_within(..70_000);
    t
}

/// The `n` bytes at stream offset `at` of direction `dir`.
fn pattern(table: &[u8], dir: u8, at: u64, n: usize) -> &[u8] {
    let start = ((at + u64::from(dir) * 12_345) % PERIOD as u64) as usize;
    &table[start..start + n]
}

/// An application endpoint: writes `total` pattern bytes, reads and checks the
/// other direction.
struct App {
    dir: u8,
    written: u64,
    read: u64,
    total: u64,
    closed_write: bool,
    peer_finished: bool,
    closed: Option<Option<Error>>,
}

impl App {
    fn new(dir: u8, total: u64) -> App {
        App {
            dir,
            written: 0,
            read: 0,
            total,
            closed_write: false,
            peer_finished: false,
            closed: None,
        }
    }

    fn pump(&mut self, c: &mut Connection, chunk: &mut [u8], table: &[u8]) -> bool {
        let mut progress = false;
        // Write what fits.
        while self.written < self.total && c.state().is_synchronized() && c.send_capacity() > 0 {
            let n = ((self.total - self.written) as usize)
                .min(c.send_capacity())
                .min(65_536);
            match c.send(pattern(table, self.dir, self.written, n)) {
                Ok(m) => {
                    assert_eq!(m, n);
                    self.written += m as u64;
                    progress = true;
                }
                Err(e) => panic!("send failed: {e}"),
            }
        }
        if self.written == self.total && !self.closed_write && c.state().is_synchronized() {
            c.close();
            self.closed_write = true;
        }
        // Read and check.
        loop {
            match c.recv(&mut chunk[..65_536]) {
                Ok(0) => break,
                Ok(n) => {
                    assert!(
                        chunk[..n] == *pattern(table, 1 - self.dir, self.read, n),
                        "bytes {}..{} of direction {} differ",
                        self.read,
                        self.read + n as u64,
                        1 - self.dir
                    );
                    self.read += n as u64;
                    progress = true;
                }
                Err(Error::Finished) => {
                    self.peer_finished = true;
                    break;
                }
                Err(e) => panic!("recv failed: {e}"),
            }
        }
        while let Some(ev) = c.poll_event() {
            if let Event::Closed(e) = ev {
                self.closed = Some(e);
            }
        }
        progress
    }
}

struct Outcome {
    client: Connection,
    server: Connection,
    link: [LinkCounters; 2],
    elapsed: Duration,
}

/// Runs a full transfer of `bytes` each way and returns the engines.
fn transfer(seed: u64, imp: Impairments, bytes: u64, cfg: Config) -> Outcome {
    transfer_between(seed, imp, bytes, cfg, "10.0.0.1:40000", "10.0.0.2:80")
}

fn transfer_between(
    seed: u64,
    imp: Impairments,
    bytes: u64,
    cfg: Config,
    client: &str,
    server: &str,
) -> Outcome {
    let t0 = Instant::now();
    let mut now = t0;
    let mut rng = Rng(seed);
    let ca: SocketAddr = client.parse().unwrap();
    let sa: SocketAddr = server.parse().unwrap();
    let mut listener = Listener::new(
        sa,
        ListenerConfig {
            connection: cfg.clone(),
            ..ListenerConfig::default()
        },
        seed.to_le_bytes().repeat(2).try_into().unwrap(),
        t0,
    );
    let mut client = Connection::connect(cfg, ca, sa, rng.next() as u32, t0).unwrap();
    let mut server: Option<Connection> = None;
    let mut links = [Direction::new(t0), Direction::new(t0)]; // 0: client→server
    let mut capp = App::new(0, bytes);
    let mut sapp = App::new(1, bytes);
    let mut buf = vec![0u8; 65_536 + 200];
    let mut chunk = vec![0u8; 64 * 1024];
    let table = pattern_table();
    let mut last_progress = now;
    loop {
        // Applications.
        if capp.pump(&mut client, &mut chunk, &table) {
            last_progress = now;
        }
        if let Some(s) = server.as_mut()
            && sapp.pump(s, &mut chunk, &table)
        {
            last_progress = now;
        }
        // Transmissions.
        while let Some(t) = client.poll_transmit(now, &mut buf) {
            links[0].send(now, &buf[..t.len], &imp, &mut rng);
        }
        match server.as_mut() {
            Some(s) => {
                while let Some(t) = s.poll_transmit(now, &mut buf) {
                    links[1].send(now, &buf[..t.len], &imp, &mut rng);
                }
            }
            None => {
                while let Some(t) = listener.poll_transmit(now, &mut buf) {
                    links[1].send(now, &buf[..t.len], &imp, &mut rng);
                }
            }
        }
        let done = capp.closed.is_some() && sapp.closed.is_some();
        if done {
            break;
        }
        assert!(
            now - last_progress < Duration::from_secs(300),
            "stalled at {:?}: client {} {:?} server {:?}; read {}/{}",
            now - t0,
            client.state(),
            client.stats(),
            server.as_ref().map(|s| (s.state(), *s.stats())),
            capp.read,
            sapp.read,
        );
        // Advance the virtual clock to the next event.
        let mut next = [
            links[0].next_at(),
            links[1].next_at(),
            client.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min();
        let st = server
            .as_ref()
            .map_or(listener.poll_timeout(), |s| s.poll_timeout());
        next = match (next, st) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let next = next.expect("nothing scheduled: the engines stalled");
        now = now.max(next);
        // Deliveries.
        while let Some(p) = links[0].pop_due(now) {
            match server.as_mut() {
                Some(s) => s.handle_packet(now, &p),
                None => {
                    listener.handle_packet(now, &p);
                    if let Some(c) = listener.accept() {
                        server = Some(c);
                    }
                }
            }
        }
        while let Some(p) = links[1].pop_due(now) {
            client.handle_packet(now, &p);
        }
        client.handle_timeout(now);
        match server.as_mut() {
            Some(s) => s.handle_timeout(now),
            None => listener.handle_timeout(now),
        }
        client.check_invariants();
    }
    let server = server.expect("accepted");
    assert_eq!(capp.read, bytes, "server→client bytes");
    assert_eq!(sapp.read, bytes, "client→server bytes");
    assert!(capp.peer_finished && sapp.peer_finished);
    assert_eq!(capp.closed, Some(None), "client closed cleanly");
    assert_eq!(sapp.closed, Some(None), "server closed cleanly");
    assert_eq!(client.state(), State::Closed);
    assert_eq!(server.state(), State::Closed);
    let [a, b] = links;
    Outcome {
        client,
        server,
        link: [a.counters, b.counters],
        elapsed: now - t0,
    }
}

const MB: u64 = 1024 * 1024;

fn impairments(loss: f64) -> Impairments {
    Impairments {
        loss,
        duplicate: 0.01,
        reorder: 0.02,
        corrupt: 0.002,
        delay: Duration::from_millis(10),
        reorder_extra: Duration::from_millis(4),
        bandwidth: 50_000_000 / 8 * 8, // 50 MB/s
    }
}

fn config() -> Config {
    Config {
        time_wait: Duration::from_secs(1),
        ..Config::default()
    }
}

/// Asserts retransmission bounds for one sender: every damaged data packet
/// needs at least one retransmission (duplicates aside), and spurious ones stay few.
fn check_retransmits(name: &str, c: &Connection, link: &LinkCounters, loss: f64) {
    let s = c.stats();
    let data_segs = (s.bytes_sent / c.mss() as u64).max(1);
    eprintln!(
        "{name}: cwnd {} srtt {:?} alg {}",
        c.cwnd(),
        c.srtt(),
        c.congestion_algorithm()
    );
    eprintln!(
        "{name}: sent {} segs, {} retransmits ({} fast, {} RTO, {} TLP), link damaged {} data packets, dup {}",
        s.segments_sent,
        s.retransmits,
        s.fast_retransmits,
        s.rto_expirations,
        s.tail_loss_probes,
        link.damaged_data,
        link.duplicated
    );
    // Lower bound: damaged packets that were not saved by a duplicate copy.
    let must = link.damaged_data.saturating_sub(link.duplicated);
    assert!(
        s.retransmits >= must / 2,
        "{name}: {} retransmits for {} damaged data packets",
        s.retransmits,
        must
    );
    // Upper bound: about one retransmission per damaged packet, with slack for
    // lost retransmissions (loss²), RTO go-back and reordering false alarms.
    let bound = (link.damaged_data as f64 * 2.0 + data_segs as f64 * (0.01 + loss * loss * 4.0))
        as u64
        + 50;
    assert!(
        s.retransmits <= bound,
        "{name}: {} retransmits > bound {bound}",
        s.retransmits
    );
}

#[test]
fn ten_mb_each_way_no_loss() {
    let o = transfer(1, impairments(0.0), 10 * MB, config());
    check_retransmits("client", &o.client, &o.link[0], 0.0);
    check_retransmits("server", &o.server, &o.link[1], 0.0);
    eprintln!("virtual time {:?}", o.elapsed);
}

#[test]
fn ten_mb_each_way_one_percent_loss() {
    let o = transfer(2, impairments(0.01), 10 * MB, config());
    check_retransmits("client", &o.client, &o.link[0], 0.01);
    check_retransmits("server", &o.server, &o.link[1], 0.01);
    eprintln!("virtual time {:?}", o.elapsed);
}

#[test]
fn ten_mb_each_way_ten_percent_loss() {
    let o = transfer(3, impairments(0.10), 10 * MB, config());
    check_retransmits("client", &o.client, &o.link[0], 0.10);
    check_retransmits("server", &o.server, &o.link[1], 0.10);
    eprintln!("virtual time {:?}", o.elapsed);
}

/// NewReno without SACK or timestamps: loss is found by three duplicate ACKs
/// and NewReno partial ACKs (RFC 6582), or the RTO. 4 MB each way.
#[test]
fn newreno_without_sack_one_percent_loss() {
    let cfg = Config {
        sack: false,
        timestamps: false,
        congestion: pktkit_tcp::congestion::CongestionAlgorithm::NewReno,
        ..config()
    };
    let o = transfer(4, impairments(0.01), 4 * MB, cfg);
    assert!(!o.client.negotiated().0, "SACK off");
    assert_eq!(o.client.congestion_algorithm(), "newreno");
    check_retransmits("client", &o.client, &o.link[0], 0.01);
    check_retransmits("server", &o.server, &o.link[1], 0.01);
    assert!(o.client.stats().dup_acks > 0);
}

/// The same engine over IPv6, 4 MB each way with 1 % loss.
#[test]
fn ipv6_one_percent_loss() {
    let o = transfer_between(
        5,
        impairments(0.01),
        4 * MB,
        config(),
        "[2001:db8::1]:40000",
        "[2001:db8::2]:80",
    );
    check_retransmits("client", &o.client, &o.link[0], 0.01);
    check_retransmits("server", &o.server, &o.link[1], 0.01);
    assert!(o.client.remote_addr().is_ipv6());
}
