//! A link simulator for integration tests: our client engine and our
//! listener (then the connection it accepts) joined by two one-way links with
//! a propagation delay, an optional bottleneck (bandwidth and a drop-tail
//! queue) and a drop rule the test writes. A virtual clock; every segment on
//! the wire is logged, parsed by pktkit-wire's codec.

#![allow(dead_code)] // each test file uses part of it

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Error, Listener, ListenerConfig};
use pktkit_wire::tcp::{TcpFlags, TcpPacket, TcpRepr, TcpTimestamp};

/// What the link saw of one segment.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// 0: client → server, 1: server → client.
    pub(crate) dir: usize,
    pub(crate) at: Instant,
    pub(crate) flags: TcpFlags,
    pub(crate) seq: u32,
    pub(crate) ack: u32,
    /// Payload bytes.
    pub(crate) len: u32,
    /// The window field as sent (unscaled).
    pub(crate) window: u16,
    pub(crate) wscale: Option<u8>,
    pub(crate) sack_permitted: bool,
    pub(crate) mss: Option<u16>,
    pub(crate) timestamp: Option<TcpTimestamp>,
    pub(crate) sack: Vec<(u32, u32)>,
    /// Dropped by the test's rule.
    pub(crate) dropped: bool,
    /// Dropped by the full bottleneck queue.
    pub(crate) queue_drop: bool,
}

impl Seen {
    pub(crate) fn end(&self) -> u32 {
        self.seq.wrapping_add(self.len)
    }
}

/// A test's drop rule: the segment, and everything the link saw before it.
pub(crate) type DropRule = Box<dyn FnMut(&Seen, &[Seen]) -> bool>;

/// Drops nothing.
pub(crate) fn no_drops() -> DropRule {
    Box::new(|_, _| false)
}

/// Shape of both one-way links.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkSpec {
    pub(crate) delay: Duration,
    /// Bottleneck rate, bytes per second; `None`: no serialisation delay.
    pub(crate) bandwidth: Option<u64>,
    /// Drop-tail queue in front of the bottleneck, bytes.
    pub(crate) queue_bytes: u64,
}

impl Default for LinkSpec {
    fn default() -> LinkSpec {
        LinkSpec {
            delay: Duration::from_millis(10),
            bandwidth: None,
            queue_bytes: u64::MAX,
        }
    }
}

struct Direction {
    next_free: Instant,
    queue: VecDeque<(Instant, Vec<u8>)>,
}

/// SplitMix64, for seeded random drops.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// Drops each data segment with probability `p` (seeded).
pub(crate) fn random_data_loss(seed: u64, p: f64) -> DropRule {
    let mut rng = Rng(seed);
    Box::new(move |s, _| s.len > 0 && rng.chance(p))
}

/// Byte `at` of direction `dir`'s test stream.
pub(crate) fn pattern(dir: usize, at: u64) -> u8 {
    (at.wrapping_mul(7)
        .wrapping_add(at >> 9)
        .wrapping_add(dir as u64 * 13)
        % 251) as u8
}

/// One direction's application: writes `total` pattern bytes, and the other
/// end reads and checks them.
#[derive(Default, Debug, Clone, Copy)]
struct Stream {
    total: u64,
    written: u64,
    read: u64,
}

pub(crate) struct Sim {
    pub(crate) t0: Instant,
    pub(crate) now: Instant,
    pub(crate) link: LinkSpec,
    pub(crate) client: Connection,
    pub(crate) listener: Listener,
    pub(crate) server: Option<Connection>,
    dirs: [Direction; 2],
    pub(crate) log: Vec<Seen>,
    /// Keep every segment in `log` (turn off for long runs).
    pub(crate) keep_log: bool,
    drop: DropRule,
    /// (time, client cwnd) at every change.
    pub(crate) cwnd: Vec<(Instant, u32)>,
    /// (time, client ssthresh) at every change.
    pub(crate) ssthresh: Vec<(Instant, u32)>,
    /// (arrival time, SEG.ACK) of every segment delivered to the client.
    pub(crate) client_acks: Vec<(Instant, u32)>,
    buf: Vec<u8>,
    chunk: Vec<u8>,
    streams: [Stream; 2],
    /// Packets the bottleneck queue dropped, per direction.
    pub(crate) queue_drops: [u64; 2],
    /// Packets the drop rule dropped, per direction.
    pub(crate) rule_drops: [u64; 2],
}

pub(crate) fn parse(dir: usize, at: Instant, pkt: &[u8]) -> Seen {
    let ip = pktkit_wire::Packet::parse(pkt).unwrap();
    let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
    assert!(tcp.verify_checksum(ip.src(), ip.dst()), "valid checksum");
    let r = TcpRepr::parse(&tcp).unwrap();
    Seen {
        dir,
        at,
        flags: r.flags,
        seq: r.seq_number,
        ack: r.ack_number,
        len: r.payload.len() as u32,
        window: r.window_len,
        wscale: r.window_scale,
        sack_permitted: r.sack_permitted,
        mss: r.mss,
        timestamp: r.timestamp,
        sack: r.sack_blocks.as_slice().to_vec(),
        dropped: false,
        queue_drop: false,
    }
}

pub(crate) const CLIENT: &str = "10.0.0.1:40000";
pub(crate) const SERVER: &str = "10.0.0.2:80";

impl Sim {
    /// Connects a client with `client_cfg` to a listener with `listener_cfg`
    /// and runs until the server connection is accepted.
    pub(crate) fn new(
        client_cfg: Config,
        listener_cfg: ListenerConfig,
        link: LinkSpec,
        drop: DropRule,
    ) -> Sim {
        let t0 = Instant::now();
        let ca: SocketAddr = CLIENT.parse().unwrap();
        let sa: SocketAddr = SERVER.parse().unwrap();
        let listener = Listener::new(sa, listener_cfg, [7; 16], t0);
        let client = Connection::connect(client_cfg, ca, sa, 0x1000_0000, t0).unwrap();
        let dir = || Direction {
            next_free: t0,
            queue: VecDeque::new(),
        };
        let mut sim = Sim {
            t0,
            now: t0,
            link,
            cwnd: vec![(t0, client.cwnd())],
            ssthresh: vec![(t0, client.ssthresh())],
            client_acks: Vec::new(),
            client,
            listener,
            server: None,
            dirs: [dir(), dir()],
            log: Vec::new(),
            keep_log: true,
            drop,
            buf: vec![0; 70_000],
            chunk: vec![0; 65_536],
            streams: [Stream::default(); 2],
            queue_drops: [0; 2],
            rule_drops: [0; 2],
        };
        while !(sim.server.is_some() && sim.client.state().is_synchronized()) {
            sim.check_time(Duration::from_secs(120));
            assert!(sim.step(), "nothing scheduled during the handshake");
        }
        sim.transmit();
        sim
    }

    /// Same configuration both sides, listener defaults.
    pub(crate) fn pair(cfg: Config, link: LinkSpec, drop: DropRule) -> Sim {
        Sim::new(
            cfg.clone(),
            ListenerConfig {
                connection: cfg,
                ..ListenerConfig::default()
            },
            link,
            drop,
        )
    }

    pub(crate) fn server(&mut self) -> &mut Connection {
        self.server.as_mut().expect("accepted")
    }

    fn check_time(&self, limit: Duration) {
        assert!(
            self.now - self.t0 < limit,
            "stuck after {:?}: client {:?}, server {:?}, streams {:?}",
            self.now - self.t0,
            self.client.stats(),
            self.server.as_ref().map(|s| *s.stats()),
            self.streams
        );
    }

    fn enqueue(&mut self, dir: usize, pkt: Vec<u8>) -> bool {
        let now = self.now;
        let d = &mut self.dirs[dir];
        let depart = match self.link.bandwidth {
            None => now,
            Some(bw) => {
                let backlog = d.next_free.saturating_duration_since(now);
                if (backlog.as_secs_f64() * bw as f64) as u64 > self.link.queue_bytes {
                    return false;
                }
                let start = d.next_free.max(now);
                d.next_free = start + Duration::from_nanos(pkt.len() as u64 * 1_000_000_000 / bw);
                d.next_free
            }
        };
        d.queue.push_back((depart + self.link.delay, pkt));
        true
    }

    /// Sends what the engines have to send.
    pub(crate) fn transmit(&mut self) {
        loop {
            let (dir, t) = if let Some(t) = self.client.poll_transmit(self.now, &mut self.buf) {
                (0, t)
            } else if let Some(t) = match self.server.as_mut() {
                Some(s) => s.poll_transmit(self.now, &mut self.buf),
                None => self.listener.poll_transmit(self.now, &mut self.buf),
            } {
                (1, t)
            } else {
                return;
            };
            let pkt = self.buf[..t.len].to_vec();
            let mut seen = parse(dir, self.now, &pkt);
            seen.dropped = (self.drop)(&seen, &self.log);
            self.rule_drops[dir] += u64::from(seen.dropped);
            if !seen.dropped && !self.enqueue(dir, pkt) {
                seen.queue_drop = true;
                self.queue_drops[dir] += 1;
            }
            if self.keep_log {
                self.log.push(seen);
            }
        }
    }

    /// Advances to the next event; false when nothing is scheduled.
    pub(crate) fn step(&mut self) -> bool {
        self.transmit();
        let server_timeout = match &self.server {
            Some(s) => s.poll_timeout(),
            None => self.listener.poll_timeout(),
        };
        let next = [
            self.dirs[0].queue.front().map(|p| p.0),
            self.dirs[1].queue.front().map(|p| p.0),
            self.client.poll_timeout(),
            server_timeout,
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(next) = next else {
            return false;
        };
        self.now = self.now.max(next);
        while self.dirs[0].queue.front().is_some_and(|p| p.0 <= self.now) {
            let (_, p) = self.dirs[0].queue.pop_front().unwrap();
            match self.server.as_mut() {
                Some(s) => s.handle_packet(self.now, &p),
                None => {
                    self.listener.handle_packet(self.now, &p);
                    self.server = self.listener.accept();
                }
            }
        }
        while self.dirs[1].queue.front().is_some_and(|p| p.0 <= self.now) {
            let (_, p) = self.dirs[1].queue.pop_front().unwrap();
            if self.keep_log {
                let s = parse(1, self.now, &p);
                self.client_acks.push((self.now, s.ack));
            }
            self.client.handle_packet(self.now, &p);
            self.record_cwnd();
        }
        self.client.handle_timeout(self.now);
        self.record_cwnd();
        match self.server.as_mut() {
            Some(s) => s.handle_timeout(self.now),
            None => self.listener.handle_timeout(self.now),
        }
        self.client.check_invariants();
        if let Some(s) = &self.server {
            s.check_invariants();
        }
        true
    }

    fn record_cwnd(&mut self) {
        let w = self.client.cwnd();
        if self.cwnd.last().is_none_or(|&(_, last)| last != w) {
            self.cwnd.push((self.now, w));
        }
        let t = self.client.ssthresh();
        if self.ssthresh.last().is_none_or(|&(_, last)| last != t) {
            self.ssthresh.push((self.now, t));
        }
    }

    /// Moves application data: writes what fits, reads and checks what came.
    fn pump(&mut self) {
        for dir in 0..2 {
            let st = &mut self.streams[dir];
            let (tx, rx) = match (dir, self.server.as_mut()) {
                (0, Some(s)) => (&mut self.client, s),
                (1, Some(s)) => (s, &mut self.client),
                _ => return,
            };
            while st.written < st.total && tx.send_capacity() > 0 {
                let n = ((st.total - st.written) as usize)
                    .min(tx.send_capacity())
                    .min(self.chunk.len());
                for (k, b) in self.chunk[..n].iter_mut().enumerate() {
                    *b = pattern(dir, st.written + k as u64);
                }
                st.written += tx.send(&self.chunk[..n]).unwrap() as u64;
            }
            loop {
                match rx.recv(&mut self.chunk) {
                    Ok(0) | Err(Error::Finished) => break,
                    Ok(n) => {
                        for (k, &b) in self.chunk[..n].iter().enumerate() {
                            assert_eq!(
                                b,
                                pattern(dir, st.read + k as u64),
                                "dir {dir} byte {}",
                                st.read + k as u64
                            );
                        }
                        st.read += n as u64;
                    }
                    Err(e) => panic!("recv: {e}"),
                }
            }
        }
    }

    /// Sends `c2s` bytes from the client and `s2c` from the server (streams
    /// checked byte for byte), runs until all of it was read, then lets the
    /// last ACKs and timers settle for `settle`.
    pub(crate) fn transfer(&mut self, c2s: u64, s2c: u64, limit: Duration, settle: Duration) {
        self.streams[0].total += c2s;
        self.streams[1].total += s2c;
        loop {
            self.pump();
            if self.streams.iter().all(|s| s.read == s.total) {
                break;
            }
            self.check_time(limit);
            assert!(self.step(), "nothing scheduled: stalled");
        }
        let until = self.now + settle;
        while self.now < until && self.step() {}
    }

    /// Queues `c2s` more bytes at the client (read and checked at the server
    /// as they come), without waiting.
    pub(crate) fn queue_client_bytes(&mut self, c2s: u64) {
        self.streams[0].total += c2s;
    }

    /// Runs the applications and the link until `done` holds (at most `limit`
    /// of virtual time).
    pub(crate) fn run_until(&mut self, limit: Duration, done: impl Fn(&Sim) -> bool) {
        let until = self.now + limit;
        while !done(self) {
            assert!(self.now < until, "not done within {limit:?}");
            self.pump();
            assert!(self.step(), "nothing scheduled: stalled");
        }
    }

    /// Runs the applications and the link for `d` of virtual time.
    pub(crate) fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        while self.now < until {
            self.pump();
            assert!(self.step(), "nothing scheduled: stalled");
        }
        self.pump();
    }

    /// `transfer` with the usual limits, client to server only.
    pub(crate) fn client_sends(&mut self, n: u64) {
        self.transfer(n, 0, Duration::from_secs(600), Duration::from_millis(300));
    }

    /// Client data segments on the wire, in order.
    pub(crate) fn client_data(&self) -> impl Iterator<Item = &Seen> {
        self.log.iter().filter(|s| s.dir == 0 && s.len > 0)
    }

    /// The client's SND.NXT as the wire shows it.
    pub(crate) fn client_snd_nxt(&self) -> u32 {
        let mut nxt = None::<u32>;
        for s in self.log.iter().filter(|s| s.dir == 0) {
            let end = s
                .end()
                .wrapping_add(u32::from(s.flags.contains(TcpFlags::SYN)));
            nxt = Some(match nxt {
                Some(n) if (end.wrapping_sub(n) as i32) <= 0 => n,
                _ => end,
            });
        }
        nxt.unwrap()
    }

    /// The cwnd decreases seen, as (before, after).
    pub(crate) fn cwnd_decreases(&self) -> Vec<(u32, u32)> {
        self.cwnd
            .windows(2)
            .filter(|w| w[1].1 < w[0].1)
            .map(|w| (w[0].1, w[1].1))
            .collect()
    }

    /// Most bytes one direction had sent and not yet seen acknowledged
    /// (highest data end sent minus the highest ACK received, at each send).
    pub(crate) fn max_flight(&self, dir: usize) -> u32 {
        let mut high: Option<u32> = None;
        let mut acked: Option<u32> = None;
        let mut max = 0;
        for s in &self.log {
            if s.dir == dir && s.len > 0 {
                let e = s.end();
                if high.is_none_or(|h| (e.wrapping_sub(h) as i32) > 0) {
                    high = Some(e);
                }
                if let (Some(h), Some(a)) = (high, acked) {
                    max = max.max(h.wrapping_sub(a));
                }
            } else if s.dir != dir
                && !s.dropped
                && !s.queue_drop
                && s.flags.contains(TcpFlags::ACK)
                && acked.is_none_or(|a| (s.ack.wrapping_sub(a) as i32) > 0)
            {
                acked = Some(s.ack);
            }
        }
        max
    }
}
