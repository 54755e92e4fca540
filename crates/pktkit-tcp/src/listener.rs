//! [`Listener`]: a passive TCP endpoint: SYN queue, accept backlog, SYN cookies.
//!
//! The driver feeds it every packet addressed to the listening port that does
//! not belong to an accepted connection. Half-open connections live in the SYN
//! queue (bounded); once their handshake completes they wait in the accept
//! queue (bounded by the backlog) until [`Listener::accept`] hands them over,
//! after which the driver routes their packets to the [`Connection`] itself.
//! When the SYN queue is full and cookies are on, SYNs are answered statelessly
//! with a SYN cookie (see `syn_cookies.rs`).

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use pktkit_wire::checksum;
use pktkit_wire::tcp::{TcpFlags, TcpPacket, TcpRepr, TcpTimestamp};

use crate::syn_cookies::{self, CookieOptions};
use crate::{Config, Connection, IsnGenerator, State, Transmit, ip};

/// Listener settings.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Established connections waiting for `accept`.
    pub backlog: usize,
    /// Half-open connections (SYN received, handshake not complete).
    pub syn_queue: usize,
    /// Answer with SYN cookies when the SYN queue is full (else drop the SYN).
    pub syn_cookies: bool,
    /// Configuration of accepted connections.
    pub connection: Config,
}

impl Default for ListenerConfig {
    fn default() -> ListenerConfig {
        ListenerConfig {
            backlog: 128,
            syn_queue: 256,
            syn_cookies: true,
            connection: Config::default(),
        }
    }
}

/// Counters of a listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerStats {
    /// SYNs that created a half-open connection.
    pub syns_queued: u64,
    /// SYN cookies sent.
    pub cookies_sent: u64,
    /// Connections made from a valid cookie.
    pub cookies_accepted: u64,
    /// ACKs carrying an invalid or expired cookie.
    pub cookies_rejected: u64,
    /// SYNs dropped (queue full, no cookies).
    pub syns_dropped: u64,
    /// Handshakes completed but dropped because the backlog was full.
    pub backlog_overflows: u64,
    /// Malformed or mis-addressed segments.
    pub dropped_malformed: u64,
    /// RSTs sent for segments matching nothing.
    pub resets_sent: u64,
}

/// Most stateless replies (cookie SYN-ACKs, RSTs) queued; more are dropped.
const MAX_REPLIES: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Reply {
    local: SocketAddr,
    remote: SocketAddr,
    seq: u32,
    ack: u32,
    flags: TcpFlags,
    mss: Option<u16>,
    /// SYN-ACK options of a cookie: our window scale, SACK permitted, timestamps.
    wscale: Option<u8>,
    sack_permitted: bool,
    timestamp: Option<TcpTimestamp>,
}

/// Tag of the per-tuple timestamp clock offset of cookie connections.
const COOKIE_TS_TAG: u64 = 0x7473_636c_6f63_6b00;

/// A listening endpoint.
///
/// The driver feeds it every packet addressed to the listening port that does
/// not belong to an accepted connection. Half-open connections live in the SYN
/// queue (bounded); once their handshake completes they wait in the accept
/// queue (bounded by the backlog) until [`Listener::accept`] hands them over,
/// after which the driver routes their packets to the [`Connection`] itself.
/// When the SYN queue is full and cookies are on, SYNs are answered statelessly
/// with a SYN cookie (see `syn_cookies.rs`).
#[derive(Debug)]
pub struct Listener {
    local: SocketAddr,
    cfg: ListenerConfig,
    keys: IsnGenerator,
    epoch: Instant,
    conns: HashMap<SocketAddr, Connection>,
    accept_queue: VecDeque<SocketAddr>,
    half_open: usize,
    replies: VecDeque<Reply>,
    stats: ListenerStats,
}

impl Listener {
    /// Listens on `local` (its IP may be unspecified: any address of ours).
    /// `secret` keys the ISNs (RFC 6528) and the SYN cookies; make it random.
    pub fn new(local: SocketAddr, cfg: ListenerConfig, secret: [u8; 16], now: Instant) -> Listener {
        Listener {
            local,
            cfg,
            keys: IsnGenerator::new(secret),
            epoch: now,
            conns: HashMap::new(),
            accept_queue: VecDeque::new(),
            half_open: 0,
            replies: VecDeque::new(),
            stats: ListenerStats::default(),
        }
    }

    /// The listening address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Counters.
    pub fn stats(&self) -> &ListenerStats {
        &self.stats
    }

    /// Established connections waiting in the accept queue.
    pub fn pending_accepts(&self) -> usize {
        self.accept_queue.len()
    }

    /// Takes the next established connection.
    pub fn accept(&mut self) -> Option<Connection> {
        let addr = self.accept_queue.pop_front()?;
        self.conns.remove(&addr)
    }

    /// Handles a whole IP packet for the listening port.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        match ip::parse(packet) {
            Some(p) => self.handle_segment(now, p.src, p.dst, p.segment),
            None => self.stats.dropped_malformed += 1,
        }
    }

    /// Handles a TCP segment from `src` to `dst`.
    pub fn handle_segment(&mut self, now: Instant, src: IpAddr, dst: IpAddr, segment: &[u8]) {
        let Ok(packet) = TcpPacket::new_checked(segment) else {
            self.stats.dropped_malformed += 1;
            return;
        };
        let local_ok = self.local.ip().is_unspecified() || self.local.ip() == dst;
        if packet.dst_port() != self.local.port() || !local_ok || src.is_ipv4() != dst.is_ipv4() {
            self.stats.dropped_malformed += 1;
            return;
        }
        let remote = SocketAddr::new(src, packet.src_port());
        if let Some(c) = self.conns.get_mut(&remote) {
            let was_established = c.state() != State::SynReceived;
            c.handle_segment(now, src, dst, segment);
            self.after_input(remote, was_established);
            return;
        }
        if self.cfg.connection.verify_checksums
            && !packet.verify_checksum_with_pseudo(ip::pseudo_sum(src, dst, segment.len()))
        {
            self.stats.dropped_malformed += 1;
            return;
        }
        let Ok(seg) = TcpRepr::parse(&packet) else {
            self.stats.dropped_malformed += 1;
            return;
        };
        let local = SocketAddr::new(dst, self.local.port());
        let f = seg.flags;
        if f.contains(TcpFlags::RST) {
            return;
        }
        if f.contains(TcpFlags::SYN) && !f.contains(TcpFlags::ACK) {
            self.on_syn(now, local, remote, &seg);
            return;
        }
        if f.contains(TcpFlags::ACK) && !f.contains(TcpFlags::SYN) && self.cfg.syn_cookies {
            let elapsed = now.saturating_duration_since(self.epoch);
            if let Some(mss) = syn_cookies::check(
                &self.keys,
                local,
                remote,
                seg.seq_number,
                seg.ack_number,
                elapsed,
            ) {
                if self.accept_queue.len() >= self.cfg.backlog {
                    self.stats.backlog_overflows += 1;
                    return;
                }
                let iss = seg.ack_number.wrapping_sub(1);
                let opts = self.cookie_options(local, remote, &seg, mss, now);
                let Ok(mut c) = Connection::from_cookie(
                    self.cfg.connection.clone(),
                    local,
                    remote,
                    iss,
                    &seg,
                    &opts,
                    now,
                ) else {
                    return;
                };
                c.on_segment(now, &seg);
                self.stats.cookies_accepted += 1;
                self.conns.insert(remote, c);
                self.accept_queue.push_back(remote);
                return;
            }
            self.stats.cookies_rejected += 1;
        }
        // Nothing matches: RST (RFC 9293 §3.10.7.1).
        let (seq, ack, flags) = if f.contains(TcpFlags::ACK) {
            (seg.ack_number, 0, TcpFlags::RST)
        } else {
            (
                0,
                seg.seq_number.wrapping_add(seg.segment_len() as u32),
                TcpFlags::RST | TcpFlags::ACK,
            )
        };
        self.queue_reply(Reply {
            local,
            remote,
            seq,
            ack,
            flags,
            mss: None,
            wscale: None,
            sack_permitted: false,
            timestamp: None,
        });
    }

    /// Our timestamp clock for cookie connections to `remote`: milliseconds
    /// since the listener started, from a per-tuple secret offset (RFC 7323 §7.1).
    fn cookie_ts_now(&self, local: SocketAddr, remote: SocketAddr, now: Instant) -> u32 {
        let ms = now.saturating_duration_since(self.epoch).as_millis() as u32;
        ms.wrapping_add(self.keys.hash(local, remote, COOKIE_TS_TAG) as u32)
    }

    /// What a cookie connection keeps (see `syn_cookies.rs`): window scaling
    /// and SACK from the TSecr when the ACK carries timestamps, else MSS only.
    fn cookie_options(
        &self,
        local: SocketAddr,
        remote: SocketAddr,
        ack: &TcpRepr<'_>,
        mss: u16,
        now: Instant,
    ) -> CookieOptions {
        let cc = &self.cfg.connection;
        match ack.timestamp {
            Some(ts) if cc.timestamps => {
                let (wscale, sack) = syn_cookies::decode_timestamp(ts.tsecr);
                CookieOptions {
                    mss,
                    wscale: wscale.filter(|_| cc.window_scaling),
                    sack: sack && cc.sack,
                    timestamps: Some((self.cookie_ts_now(local, remote, now), ts.tsval)),
                }
            }
            _ => CookieOptions {
                mss,
                wscale: None,
                sack: false,
                timestamps: None,
            },
        }
    }

    fn on_syn(&mut self, now: Instant, local: SocketAddr, remote: SocketAddr, syn: &TcpRepr<'_>) {
        let elapsed = now.saturating_duration_since(self.epoch);
        if self.half_open < self.cfg.syn_queue
            && self.conns.len() < self.cfg.syn_queue + self.cfg.backlog
        {
            let isn = self.keys.isn(local, remote, elapsed);
            if let Ok(c) =
                Connection::from_syn(self.cfg.connection.clone(), local, remote, isn, syn, now)
            {
                self.conns.insert(remote, c);
                self.half_open += 1;
                self.stats.syns_queued += 1;
            }
            return;
        }
        if !self.cfg.syn_cookies {
            self.stats.syns_dropped += 1;
            return;
        }
        let peer_mss = syn.mss.unwrap_or(536).min(self.cfg.connection.mss);
        let cookie =
            syn_cookies::make(&self.keys, local, remote, syn.seq_number, peer_mss, elapsed);
        let mss = syn_cookies::MSS_TABLE[((cookie >> 24) & 7) as usize];
        self.stats.cookies_sent += 1;
        // Window scaling and SACK survive only inside timestamps.
        let cc = &self.cfg.connection;
        let peer_ts = syn.timestamp.filter(|_| cc.timestamps);
        let wscale = syn
            .window_scale
            .filter(|_| cc.window_scaling && peer_ts.is_some());
        let sack = cc.sack && syn.sack_permitted && peer_ts.is_some();
        let timestamp = peer_ts.map(|ts| TcpTimestamp {
            tsval: syn_cookies::encode_timestamp(
                self.cookie_ts_now(local, remote, now),
                wscale,
                sack,
            ),
            tsecr: ts.tsval,
        });
        self.queue_reply(Reply {
            local,
            remote,
            seq: cookie,
            ack: syn.seq_number.wrapping_add(1),
            flags: TcpFlags::SYN | TcpFlags::ACK,
            mss: Some(mss),
            wscale: wscale.map(|_| cc.rcv_wscale()),
            sack_permitted: sack,
            timestamp,
        });
    }

    fn after_input(&mut self, remote: SocketAddr, was_established: bool) {
        let Some(c) = self.conns.get(&remote) else {
            return;
        };
        if c.is_closed() {
            self.conns.remove(&remote);
            if !was_established {
                self.half_open -= 1;
            } else {
                self.accept_queue.retain(|a| *a != remote);
            }
            return;
        }
        if !was_established && c.state() != State::SynReceived {
            self.half_open -= 1;
            if self.accept_queue.len() >= self.cfg.backlog {
                // Backlog full: drop the connection (the peer retransmits or resets).
                self.stats.backlog_overflows += 1;
                self.conns.remove(&remote);
            } else {
                self.accept_queue.push_back(remote);
            }
        }
    }

    fn queue_reply(&mut self, r: Reply) {
        if self.replies.len() < MAX_REPLIES {
            if r.flags.contains(TcpFlags::RST) {
                self.stats.resets_sent += 1;
            }
            self.replies.push_back(r);
        }
    }

    /// Writes the next packet (a whole IP packet) into `buf`.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if buf.len() < crate::MIN_TRANSMIT_BUFFER {
            return None;
        }
        if let Some(r) = self.replies.pop_front() {
            let repr = TcpRepr {
                src_port: r.local.port(),
                dst_port: r.remote.port(),
                seq_number: r.seq,
                ack_number: r.ack,
                flags: r.flags,
                window_len: if r.flags.contains(TcpFlags::SYN) {
                    self.cfg.connection.recv_buffer.min(65_535) as u16
                } else {
                    0
                },
                mss: r.mss,
                window_scale: r.wscale,
                sack_permitted: r.sack_permitted,
                timestamp: r.timestamp,
                ..TcpRepr::default()
            };
            let iph = ip::header_len(r.local.ip());
            let hl = repr.header_len();
            repr.emit_header(&mut buf[iph..iph + hl]);
            let ph = ip::pseudo_sum(r.local.ip(), r.remote.ip(), hl);
            let c = !checksum::fold(checksum::sum(&buf[iph..iph + hl], ph));
            buf[iph + 16..iph + 18].copy_from_slice(&c.to_be_bytes());
            ip::write_header(
                buf,
                r.local.ip(),
                r.remote.ip(),
                hl,
                self.cfg.connection.ttl,
                r.seq as u16,
            );
            return Some(Transmit {
                len: iph + hl,
                dst: r.remote.ip(),
            });
        }
        for c in self.conns.values_mut() {
            if let Some(t) = c.poll_transmit(now, buf) {
                return Some(t);
            }
        }
        None
    }

    /// The earliest deadline of the queued connections.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conns.values().filter_map(|c| c.poll_timeout()).min()
    }

    /// Runs the timers of the queued connections; drops the ones that died.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut dead = Vec::new();
        for (addr, c) in &mut self.conns {
            c.handle_timeout(now);
            if c.is_closed() {
                dead.push(*addr);
            }
        }
        for addr in dead {
            if self.conns.remove(&addr).is_none() {
                continue;
            }
            if self.accept_queue.contains(&addr) {
                self.accept_queue.retain(|a| *a != addr);
            } else {
                self.half_open = self.half_open.saturating_sub(1);
            }
        }
    }
}
