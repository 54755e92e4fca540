//! Scripted losses on a simulated link (fixed delay, virtual clock): two of our
//! engines, and a rule that drops chosen segments. Each test states what the
//! RFC says the sender must do about that loss pattern, and checks it on the
//! wire and in the congestion window.
//!
//! - RFC 8985 §7.4: a tail loss probe (TLP) retransmission that repaired a
//!   loss ends its episode with one congestion response; a probe shown
//!   spurious by a D-SACK (RFC 2883) changes nothing.
//! - RFC 6675 §4 NextSeg() rule 4: one rescue retransmission per recovery
//!   episode, of the highest unSACKed segment, so a lost tail is repaired
//!   without waiting for the retransmission timeout.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Listener, ListenerConfig};
use pktkit_wire::tcp::{TcpFlags, TcpPacket, TcpRepr};

/// What the link saw of one segment.
#[derive(Debug, Clone)]
struct Seen {
    /// 0: client → server, 1: server → client.
    dir: usize,
    at: Instant,
    flags: TcpFlags,
    seq: u32,
    ack: u32,
    len: u32,
    sack: Vec<(u32, u32)>,
    dropped: bool,
}

type DropRule = Box<dyn FnMut(&Seen, &[Seen]) -> bool>;

/// Client (our engine) ↔ server (our listener, then the accepted connection).
struct Sim {
    t0: Instant,
    now: Instant,
    delay: Duration,
    client: Connection,
    listener: Listener,
    server: Option<Connection>,
    links: [VecDeque<(Instant, Vec<u8>)>; 2],
    log: Vec<Seen>,
    drop: DropRule,
    /// (time, client cwnd) at every change.
    cwnd: Vec<(Instant, u32)>,
    buf: Vec<u8>,
}

fn parse(dir: usize, at: Instant, pkt: &[u8]) -> Seen {
    let ip = pktkit_wire::Packet::parse(pkt).unwrap();
    let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
    let r = TcpRepr::parse(&tcp).unwrap();
    Seen {
        dir,
        at,
        flags: r.flags,
        seq: r.seq_number,
        ack: r.ack_number,
        len: r.payload.len() as u32,
        sack: r.sack_blocks.as_slice().to_vec(),
        dropped: false,
    }
}

impl Sim {
    fn new(cfg: Config, drop: DropRule) -> Sim {
        let t0 = Instant::now();
        let ca: SocketAddr = "10.0.0.1:40000".parse().unwrap();
        let sa: SocketAddr = "10.0.0.2:80".parse().unwrap();
        let listener = Listener::new(
            sa,
            ListenerConfig {
                connection: cfg.clone(),
                ..ListenerConfig::default()
            },
            [7; 16],
            t0,
        );
        let client = Connection::connect(cfg, ca, sa, 0x1000_0000, t0).unwrap();
        let mut sim = Sim {
            t0,
            now: t0,
            delay: Duration::from_millis(10),
            cwnd: vec![(t0, client.cwnd())],
            client,
            listener,
            server: None,
            links: [VecDeque::new(), VecDeque::new()],
            log: Vec::new(),
            drop,
            buf: vec![0; 2000],
        };
        sim.run_until(|s| s.server.is_some() && s.client.state().is_synchronized());
        sim
    }

    fn transmit(&mut self) {
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
            if !seen.dropped {
                self.links[dir].push_back((self.now + self.delay, pkt));
            }
            self.log.push(seen);
        }
    }

    /// Advances to the next event; false when nothing is scheduled.
    fn step(&mut self) -> bool {
        self.transmit();
        let server_timeout = match &self.server {
            Some(s) => s.poll_timeout(),
            None => self.listener.poll_timeout(),
        };
        let next = [
            self.links[0].front().map(|p| p.0),
            self.links[1].front().map(|p| p.0),
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
        while self.links[0].front().is_some_and(|p| p.0 <= self.now) {
            let (_, p) = self.links[0].pop_front().unwrap();
            match self.server.as_mut() {
                Some(s) => s.handle_packet(self.now, &p),
                None => {
                    self.listener.handle_packet(self.now, &p);
                    self.server = self.listener.accept();
                }
            }
        }
        while self.links[1].front().is_some_and(|p| p.0 <= self.now) {
            let (_, p) = self.links[1].pop_front().unwrap();
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
        true
    }

    fn record_cwnd(&mut self) {
        let w = self.client.cwnd();
        if self.cwnd.last().is_none_or(|&(_, last)| last != w) {
            self.cwnd.push((self.now, w));
        }
    }

    /// Steps until `done` holds (at most 60 s of virtual time).
    fn run_until(&mut self, done: impl Fn(&Sim) -> bool) {
        while !done(self) {
            assert!(
                self.now - self.t0 < Duration::from_secs(60),
                "stuck: client {:?}",
                self.client.stats()
            );
            assert!(self.step(), "nothing scheduled");
        }
        self.transmit();
    }

    /// Sends `n` bytes from the client and runs until the server read them all.
    fn client_sends(&mut self, n: usize) {
        let data: Vec<u8> = (0..n).map(|i| (i * 7 + 3) as u8).collect();
        assert_eq!(self.client.send(&data).unwrap(), n);
        let mut got = Vec::new();
        let mut chunk = vec![0u8; 65_536];
        while got.len() < n {
            assert!(
                self.now - self.t0 < Duration::from_secs(60),
                "stuck: client {:?}",
                self.client.stats()
            );
            assert!(self.step(), "nothing scheduled");
            let s = self.server.as_mut().unwrap();
            loop {
                let k = s.recv(&mut chunk).unwrap();
                if k == 0 {
                    break;
                }
                got.extend_from_slice(&chunk[..k]);
            }
        }
        assert!(got == data, "the server read what the client sent");
        // Let the last ACKs arrive and the timers settle.
        let until = self.now + Duration::from_millis(300);
        while self.now < until && self.step() {}
    }

    /// Client data segments on the wire, in order.
    fn client_data(&self) -> impl Iterator<Item = &Seen> {
        self.log.iter().filter(|s| s.dir == 0 && s.len > 0)
    }

    /// The cwnd decreases seen, as (before, after).
    fn cwnd_decreases(&self) -> Vec<(u32, u32)> {
        self.cwnd
            .windows(2)
            .filter(|w| w[1].1 < w[0].1)
            .map(|w| (w[0].1, w[1].1))
            .collect()
    }
}

const MSS: u32 = 1000;

fn cfg() -> Config {
    Config {
        mss: MSS as u16,
        nagle: false,
        ..Config::default()
    }
}

/// The tail segment of a 10-segment burst is dropped: nothing is SACKed above
/// it, so only the TLP (a retransmission of the tail, RFC 8985 §7.3) repairs
/// it before the RTO. The ACK beyond TLPHighRxt then ends the episode without
/// a D-SACK: one congestion response (CUBIC: cwnd × β = 0.7, RFC 9438 §4.6).
#[test]
fn tlp_repairing_a_tail_loss_reduces_cwnd_once() {
    // The burst starts after the warm-up transfer below.
    let burst_end = std::rc::Rc::new(std::cell::Cell::new(None::<u32>));
    let b = burst_end.clone();
    let mut sim = Sim::new(
        cfg(),
        Box::new(move |s, log| {
            // Drop the first transmission of the burst's last segment.
            let Some(end) = b.get() else { return false };
            s.dir == 0
                && s.len > 0
                && s.seq.wrapping_add(s.len) == end
                && !log
                    .iter()
                    .any(|o| o.dir == 0 && o.seq == s.seq && o.len > 0)
        }),
    );
    // Warm up: an RTT sample, a window that is not the initial one.
    sim.client_sends(2000);
    let snd_nxt = client_snd_nxt(&sim);
    let end = snd_nxt.wrapping_add(10 * MSS);
    burst_end.set(Some(end));
    let before_burst = sim.client.cwnd();
    let stats0 = *sim.client.stats();
    sim.client_sends(10 * MSS as usize);
    let s = *sim.client.stats();
    assert_eq!(s.tail_loss_probes - stats0.tail_loss_probes, 1, "{s:?}");
    assert_eq!(
        s.rto_expirations, 0,
        "the TLP, not the RTO, repaired the tail"
    );
    // The tail went out twice: the dropped original and the probe.
    let copies: Vec<&Seen> = sim
        .client_data()
        .filter(|x| x.seq.wrapping_add(x.len) == end)
        .collect();
    assert_eq!(copies.len(), 2);
    assert!(copies[0].dropped && !copies[1].dropped);
    // The probe's own ACK (SEG.ACK == TLPHighRxt) does not end the episode:
    // no reduction yet.
    assert!(sim.cwnd_decreases().is_empty(), "{:?}", sim.cwnd);
    assert_eq!(s.recoveries, 0);
    // The next data's ACK goes beyond TLPHighRxt: one reduction by β.
    let w = sim.client.cwnd();
    assert!(w >= before_burst);
    sim.client_sends(3 * MSS as usize);
    let decreases = sim.cwnd_decreases();
    assert_eq!(
        decreases.len(),
        1,
        "one congestion response: {:?}",
        sim.cwnd
    );
    let (from, to) = decreases[0];
    assert_eq!(
        to,
        ((f64::from(from) * 0.7) as u32).max(2 * MSS),
        "{from} → {to}"
    );
    let s = *sim.client.stats();
    assert_eq!((s.recoveries, s.tlp_recoveries), (1, 1));
    assert_eq!(s.rto_expirations, 0);
    // And only once: more data, no more reductions.
    sim.client_sends(20 * MSS as usize);
    assert_eq!(sim.cwnd_decreases().len(), 1);
}

/// Same burst, but the data all arrives and the ACK covering the tail is
/// lost. The TLP retransmits the tail; the receiver sees a duplicate and
/// answers with a D-SACK for it (RFC 2883 §4.1). The probe was spurious: the
/// episode ends with no congestion response.
#[test]
fn tlp_shown_spurious_by_dsack_leaves_cwnd_alone() {
    let burst_end = std::rc::Rc::new(std::cell::Cell::new(None::<u32>));
    let b = burst_end.clone();
    let mut sim = Sim::new(
        cfg(),
        Box::new(move |s, log| {
            // Drop every first ACK from the server that covers the burst's end
            // (pure ACK, SEG.ACK == end), the first time only.
            let Some(end) = b.get() else { return false };
            s.dir == 1
                && s.len == 0
                && s.ack == end
                && !log.iter().any(|o| o.dir == 1 && o.ack == end)
        }),
    );
    sim.client_sends(2000);
    let snd_nxt = client_snd_nxt(&sim);
    let end = snd_nxt.wrapping_add(10 * MSS);
    burst_end.set(Some(end));
    let stats0 = *sim.client.stats();
    sim.client_sends(10 * MSS as usize);
    let s = *sim.client.stats();
    assert_eq!(s.tail_loss_probes - stats0.tail_loss_probes, 1, "{s:?}");
    // The dropped ACK, then the server's answer to the probe: a D-SACK block
    // for the tail segment, first, below SEG.ACK.
    let tail = sim
        .client_data()
        .find(|x| x.seq.wrapping_add(x.len) == end)
        .unwrap()
        .seq;
    let acks: Vec<&Seen> = sim
        .log
        .iter()
        .filter(|x| x.dir == 1 && x.ack == end)
        .collect();
    assert!(acks[0].dropped);
    assert_eq!(
        acks[1].sack.first(),
        Some(&(tail, end)),
        "D-SACK for the probe: {:?}",
        acks[1]
    );
    sim.client_sends(20 * MSS as usize);
    let s = *sim.client.stats();
    assert!(
        sim.cwnd_decreases().is_empty(),
        "cwnd untouched: {:?}",
        sim.cwnd
    );
    assert_eq!(
        (s.recoveries, s.tlp_recoveries, s.rto_expirations),
        (0, 0, 0)
    );
}

/// The client's SND.NXT as the wire shows it: the end of the highest
/// sequence number it sent.
fn client_snd_nxt(sim: &Sim) -> u32 {
    let mut nxt = None::<u32>;
    for s in sim.log.iter().filter(|s| s.dir == 0) {
        let end = s
            .seq
            .wrapping_add(s.len)
            .wrapping_add(u32::from(s.flags.contains(TcpFlags::SYN)));
        nxt = Some(match nxt {
            Some(n) if (end.wrapping_sub(n) as i32) <= 0 => n,
            _ => end,
        });
    }
    nxt.unwrap()
}

/// Payload of a full segment: the MSS less the timestamps option.
const SEG: u32 = MSS - 12;

/// SACK recovery per RFC 6675 alone (RACK off, so no TLP).
fn rfc6675_cfg() -> Config {
    Config {
        rack: false,
        ..cfg()
    }
}

/// A drop rule: the first transmission of the burst segments numbered in
/// `which` (0-based, full segments from `start`).
fn drop_burst_segments(
    start: std::rc::Rc<std::cell::Cell<Option<u32>>>,
    which: &'static [u32],
) -> DropRule {
    Box::new(move |s, log| {
        let Some(start) = start.get() else {
            return false;
        };
        s.dir == 0
            && s.len > 0
            && which.iter().any(|&k| s.seq == start.wrapping_add(k * SEG))
            && !log
                .iter()
                .any(|o| o.dir == 0 && o.seq == s.seq && o.len > 0)
    })
}

/// Copies of the burst's segment `k` the client sent.
fn copies(sim: &Sim, start: u32, k: u32) -> Vec<Seen> {
    let seq = start.wrapping_add(k * SEG);
    sim.client_data()
        .filter(|x| x.seq == seq)
        .cloned()
        .collect()
}

/// Six segments (within the window, so all go at once); the 2nd and the last
/// are lost. The SACKs for the 3rd–5th make the 2nd lost (IsLost, DupThresh)
/// and start recovery; nothing is ever SACKed above the last, so IsLost never
/// holds for it. NextSeg() rule 4 sends it as the rescue retransmission as
/// soon as the window allows, before the 2nd's retransmission is even
/// acknowledged: no RTO. A later episode gets its own rescue.
#[test]
fn rescue_retransmission_repairs_a_lost_tail_in_recovery() {
    let start = std::rc::Rc::new(std::cell::Cell::new(None::<u32>));
    let mut sim = Sim::new(rfc6675_cfg(), drop_burst_segments(start.clone(), &[1, 5]));
    sim.client_sends(2000);
    for episode in 1..=2u64 {
        let s0 = client_snd_nxt(&sim);
        start.set(Some(s0));
        assert!(sim.client.cwnd() >= 6 * SEG);
        sim.client_sends(6 * SEG as usize);
        let s = *sim.client.stats();
        assert_eq!(s.recoveries, episode, "{s:?}");
        assert_eq!(s.rescue_retransmits, episode, "{s:?} {:?}", sim.cwnd);
        assert_eq!(s.rto_expirations, 0, "the tail did not wait for the RTO");
        assert_eq!(
            s.retransmits,
            2 * episode,
            "the 2nd and the tail, nothing else"
        );
        let second = copies(&sim, s0, 1);
        let tail = copies(&sim, s0, 5);
        assert_eq!((second.len(), tail.len()), (2, 2));
        // The rescue went out while the 2nd's retransmission was unacknowledged
        // (in the same recovery episode), right after it.
        let first_ack_past_second = sim
            .log
            .iter()
            .find(|x| x.dir == 1 && (x.ack.wrapping_sub(s0.wrapping_add(2 * SEG)) as i32) >= 0)
            .unwrap();
        assert!(second[1].at <= tail[1].at);
        assert!(tail[1].at < first_ack_past_second.at);
    }
}

/// Ten segments; the 2nd and the last two are lost. The one rescue of the
/// episode repairs the last; the 9th, with a single SACKed segment above it,
/// is never IsLost, and RescueRxt (= the recovery point) forbids a second
/// rescue before the episode ends: the RTO repairs it.
#[test]
fn one_rescue_per_recovery_episode() {
    let start = std::rc::Rc::new(std::cell::Cell::new(None::<u32>));
    let mut sim = Sim::new(
        rfc6675_cfg(),
        drop_burst_segments(start.clone(), &[1, 8, 9]),
    );
    sim.client_sends(2000);
    let s0 = client_snd_nxt(&sim);
    start.set(Some(s0));
    sim.client_sends(10 * SEG as usize);
    let s = *sim.client.stats();
    assert_eq!(s.rescue_retransmits, 1, "{s:?}");
    assert_eq!(s.rto_expirations, 1);
    assert_eq!(
        copies(&sim, s0, 9).len(),
        2,
        "the tail: original and rescue"
    );
    let ninth = copies(&sim, s0, 8);
    assert_eq!(ninth.len(), 2, "the 9th: original and after the RTO");
    let rescue = &copies(&sim, s0, 9)[1];
    assert!(ninth[1].at > rescue.at + Duration::from_millis(150));
}
