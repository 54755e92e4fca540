//! [`Connection`]: one TCP connection as a sans-I/O state machine.
//!
//! The call order is documented on [`Connection`].

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use pktkit_wire::checksum;
use pktkit_wire::tcp::{
    HEADER_LEN, MAX_HEADER_LEN, TcpFlags, TcpPacket, TcpRepr, TcpSackBlocks, TcpTimestamp,
};

use crate::congestion::{AckContext, CongestionControl};
use crate::rack::{self, Rack, TlpAck, TlpEpisode};
use crate::recv_buffer::RecvBuffer;
use crate::rtt::RttEstimator;
use crate::sack::{Delivered, Scoreboard, SentSegment};
use crate::send_buffer::SendBuffer;
use crate::seq::SeqNum;
use crate::syn_cookies::CookieOptions;
use crate::timer::{Timer, Timers};
use crate::{Config, Error, Event, State, Stats, ip};

mod fast_path;

/// Smallest `poll_transmit` buffer: IPv6 header + largest TCP header + 1 byte.
pub const MIN_TRANSMIT_BUFFER: usize = ip::IPV6_LEN + MAX_HEADER_LEN + 1;

/// Default MSS assumed when the peer sends none (RFC 9293 §3.7.1).
const DEFAULT_MSS_V4: u32 = 536;
const DEFAULT_MSS_V6: u32 = 1220;

/// A packet [`Connection::poll_transmit`] wrote into the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Transmit {
    /// Bytes written at the start of the buffer: a whole IP packet.
    pub len: usize,
    /// Destination address of the packet (the remote peer).
    pub dst: IpAddr,
}

const EV_CONNECTED: u8 = 1;
const EV_READABLE: u8 = 2;
const EV_WRITABLE: u8 = 4;
const EV_PEER_FINISHED: u8 = 8;
const EV_CLOSED: u8 = 16;

/// A RST we owe the peer: (seq, ack, with ACK flag).
#[derive(Debug, Clone, Copy)]
struct PendingRst {
    seq: SeqNum,
    ack: SeqNum,
    with_ack: bool,
}

/// One TCP connection.
///
/// ## Call order
///
/// The driver (a host stack, slirp, a test) owns the clock and the wire:
///
/// 1. feed every packet for this connection to [`Connection::handle_packet`]
///    (a whole IPv4/IPv6 packet) or [`Connection::handle_segment`] (the TCP
///    bytes and the addresses), with the current time;
/// 2. call [`Connection::poll_transmit`] until it returns `None`, sending each
///    packet it wrote into your buffer;
/// 3. drain [`Connection::poll_event`];
/// 4. sleep until [`Connection::poll_timeout`] (or the next packet), then call
///    [`Connection::handle_timeout`] and go to 2.
///
/// The application calls [`Connection::send`] / [`Connection::recv`] /
/// [`Connection::close`] / [`Connection::abort`] at any time, then step 2.
/// Extra `handle_timeout` calls are harmless. Nothing here reads a clock,
/// allocates per segment, or panics on input from the network: malformed and
/// unacceptable segments are counted in [`Stats`] and dropped.
///
/// ## What goes on the wire
///
/// `poll_transmit` writes a whole IP packet (IPv4 with DF and no options, or
/// IPv6 without extension headers; TTL / hop limit from [`Config::ttl`]),
/// because what a host stack or slirp hands to an L3 device is an IP packet.
/// On input, [`Connection::handle_packet`] takes the same, and
/// [`Connection::handle_segment`] takes a segment a demultiplexer already
/// split from its IP header.
///
/// ```
/// use std::time::Instant;
/// use pktkit_tcp::{Config, Connection, State};
/// let t0 = Instant::now();
/// let a = "[2001:db8::1]:5000".parse().unwrap();
/// let b = "[2001:db8::2]:80".parse().unwrap();
/// let mut c = Connection::connect(Config::default(), a, b, 1, t0).unwrap();
/// let mut buf = [0u8; 1500];
/// let syn = c.poll_transmit(t0, &mut buf).unwrap();
/// assert_eq!(buf[0] >> 4, 6); // an IPv6 packet
/// assert_eq!(syn.len, 40 + 40); // IPv6 header + SYN with MSS, SACK-permitted, timestamps, window scale
/// assert_eq!(c.state(), State::SynSent);
/// ```
#[derive(Debug)]
pub struct Connection {
    cfg: Config,
    local: SocketAddr,
    remote: SocketAddr,
    state: State,
    epoch: Instant,

    // Send side (RFC 9293 §3.3.1 names).
    iss: SeqNum,
    snd_una: SeqNum,
    snd_nxt: SeqNum,
    snd_wnd: u32,
    snd_wl1: SeqNum,
    snd_wl2: SeqNum,
    max_snd_wnd: u32,
    snd_wscale: u8,
    send_buf: SendBuffer,
    /// Sequence number of `send_buf`'s first byte.
    buf_seq: SeqNum,
    fin_queued: bool,
    fin_seq: Option<SeqNum>,
    syn_pending: bool,
    /// Opened by a listener (passive) rather than `connect`.
    passive_open: bool,
    syn_sent_at: Option<Instant>,
    syn_count: u32,

    // Receive side.
    irs: SeqNum,
    rcv_nxt: SeqNum,
    rcv_wscale: u8,
    rcv_adv: SeqNum,
    recv_buf: RecvBuffer,
    peer_fin: Option<SeqNum>,
    fin_received: bool,
    last_ack_sent: SeqNum,

    // Options.
    mss: u32,
    ts_ok: bool,
    ts_recent: u32,
    ts_offset: u32,
    /// `ts_now`'s last (now, milliseconds since `epoch`).
    ts_clock: (Instant, u32),
    sack_ok: bool,
    ws_ok: bool,

    // Reliability and congestion control.
    rtt: RttEstimator,
    board: Scoreboard,
    rack: Rack,
    cc: Box<dyn CongestionControl>,
    recovery: Option<SeqNum>,
    /// RFC 6675 RescueRxt: the recovery point of the last rescue retransmission.
    rescue_rxt: Option<SeqNum>,
    /// After an RTO: no new congestion event until this is acknowledged (RFC 6582 §3.2 step 1).
    rto_recover: Option<SeqNum>,
    dupacks: u32,
    round_end: SeqNum,
    rto_count: u32,
    cwnd_limited: bool,
    tlp_pending: bool,
    /// RFC 8985 §7.4 TLP retransmission episode.
    tlp_episode: TlpEpisode,
    /// A D-SACK (RFC 2883) owed to the peer for a duplicate segment.
    dsack: Option<(SeqNum, SeqNum)>,
    probe_pending: bool,
    /// The SWS override timeout (RFC 1122 §4.2.3.4) expired: the next new
    /// data segment may be smaller than sender SWS avoidance would allow.
    sws_override: bool,
    persist_backoff: u32,
    keepalive_pending: bool,
    keepalive_sent: u32,

    // Acknowledgments.
    ack_now: bool,
    unacked_segs: u32,
    rst_pending: Option<PendingRst>,
    challenge_window: Option<Instant>,
    challenge_count: u32,

    timers: Timers,
    events: u8,
    /// The Closed event was raised (it is raised once).
    closed_raised: bool,
    error: Option<Error>,
    stats: Stats,
    ip_id: u16,
    headers: ip::HeaderTemplate,
}

impl Connection {
    /// Opens a connection (active open): the first `poll_transmit` sends the SYN.
    ///
    /// `isn` is the initial sequence number; take it from
    /// [`crate::IsnGenerator`] (RFC 6528). Errors with [`Error::InvalidState`]
    /// when `local` and `remote` are of different IP versions.
    pub fn connect(
        cfg: Config,
        local: SocketAddr,
        remote: SocketAddr,
        isn: u32,
        now: Instant,
    ) -> Result<Connection, Error> {
        let mut c = Connection::new(cfg, local, remote, isn, now)?;
        c.state = State::SynSent;
        c.syn_pending = true;
        Ok(c)
    }

    fn new(
        cfg: Config,
        local: SocketAddr,
        remote: SocketAddr,
        isn: u32,
        now: Instant,
    ) -> Result<Connection, Error> {
        if local.is_ipv4() != remote.is_ipv4() {
            return Err(Error::InvalidState);
        }
        let iss = SeqNum(isn);
        let mss = u32::from(cfg.mss.max(64));
        let segs = cfg.send_buffer / 64 + 16;
        Ok(Connection {
            local,
            remote,
            state: State::Closed,
            epoch: now,
            iss,
            snd_una: iss,
            snd_nxt: iss,
            snd_wnd: 0,
            snd_wl1: SeqNum(0),
            snd_wl2: iss,
            max_snd_wnd: 0,
            snd_wscale: 0,
            send_buf: SendBuffer::new(cfg.send_buffer),
            buf_seq: iss + 1,
            fin_queued: false,
            fin_seq: None,
            syn_pending: false,
            passive_open: false,
            syn_sent_at: None,
            syn_count: 0,
            irs: SeqNum(0),
            rcv_nxt: SeqNum(0),
            rcv_wscale: 0,
            rcv_adv: SeqNum(0),
            recv_buf: RecvBuffer::new(cfg.recv_buffer),
            peer_fin: None,
            fin_received: false,
            last_ack_sent: SeqNum(0),
            mss,
            ts_ok: false,
            ts_recent: 0,
            ts_offset: isn.rotate_left(13) ^ 0x5bd1_e995,
            ts_clock: (now, 0),
            sack_ok: false,
            ws_ok: false,
            rtt: RttEstimator::new(cfg.initial_rto, cfg.min_rto, cfg.max_rto),
            board: Scoreboard::with_capacity(segs.min(1 << 16)),
            rack: Rack::default(),
            cc: cfg.congestion.build(mss),
            recovery: None,
            rescue_rxt: None,
            rto_recover: None,
            dupacks: 0,
            round_end: iss,
            rto_count: 0,
            cwnd_limited: false,
            tlp_pending: false,
            tlp_episode: TlpEpisode::default(),
            dsack: None,
            probe_pending: false,
            sws_override: false,
            persist_backoff: 0,
            keepalive_pending: false,
            keepalive_sent: 0,
            ack_now: false,
            unacked_segs: 0,
            rst_pending: None,
            challenge_window: None,
            challenge_count: 0,
            timers: Timers::default(),
            events: 0,
            closed_raised: false,
            error: None,
            stats: Stats::default(),
            ip_id: isn as u16,
            headers: ip::HeaderTemplate::new(local.ip(), remote.ip(), cfg.ttl),
            cfg,
        })
    }

    /// A connection answering the SYN `syn` (passive open, used by
    /// [`crate::Listener`]): in SYN-RECEIVED with the SYN-ACK pending.
    pub(crate) fn from_syn(
        cfg: Config,
        local: SocketAddr,
        remote: SocketAddr,
        isn: u32,
        syn: &TcpRepr<'_>,
        now: Instant,
    ) -> Result<Connection, Error> {
        let mut c = Connection::new(cfg, local, remote, isn, now)?;
        c.state = State::SynReceived;
        c.passive_open = true;
        c.irs = SeqNum(syn.seq_number);
        c.rcv_nxt = c.irs + 1;
        c.negotiate(syn);
        c.snd_wnd = u32::from(syn.window_len);
        c.max_snd_wnd = c.snd_wnd;
        c.snd_wl1 = c.irs;
        c.syn_pending = true;
        c.rcv_adv = c.rcv_nxt;
        Ok(c)
    }

    /// A connection completed from a SYN cookie: ESTABLISHED straight away,
    /// with the options the cookie kept (see `syn_cookies.rs`).
    pub(crate) fn from_cookie(
        cfg: Config,
        local: SocketAddr,
        remote: SocketAddr,
        iss: u32,
        ack: &TcpRepr<'_>,
        opts: &CookieOptions,
        now: Instant,
    ) -> Result<Connection, Error> {
        let mut c = Connection::new(cfg, local, remote, iss, now)?;
        c.state = State::Established;
        c.passive_open = true;
        c.irs = SeqNum(ack.seq_number) - 1;
        c.rcv_nxt = SeqNum(ack.seq_number);
        c.rcv_adv = c.rcv_nxt;
        c.snd_una = c.iss + 1;
        c.snd_nxt = c.snd_una;
        c.round_end = c.snd_nxt;
        c.mss = c.mss.min(u32::from(opts.mss));
        c.cc.set_mss(c.mss);
        if let Some(ws) = opts.wscale {
            c.ws_ok = true;
            c.snd_wscale = ws.min(14);
            c.rcv_wscale = c.cfg.rcv_wscale();
        }
        c.sack_ok = opts.sack;
        if let Some((ts_now, peer_tsval)) = opts.timestamps {
            // Our clock goes on from the one the SYN-ACK's TSval came from.
            c.ts_ok = true;
            c.ts_offset = ts_now;
            c.ts_recent = peer_tsval;
        }
        c.snd_wnd = u32::from(ack.window_len) << c.snd_wscale;
        c.max_snd_wnd = c.snd_wnd;
        c.snd_wl1 = c.rcv_nxt;
        c.snd_wl2 = c.snd_una;
        c.events |= EV_CONNECTED;
        c.arm_keepalive(now);
        Ok(c)
    }

    // ----- accessors -------------------------------------------------------

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Our address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The peer's address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The sticky error, if the connection failed.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// True once the connection is CLOSED (normally or not); it can be dropped.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Bytes the send buffer can take now.
    pub fn send_capacity(&self) -> usize {
        if self.state.can_send() && !self.fin_queued {
            self.send_buf.free()
        } else {
            0
        }
    }

    /// Bytes queued and not yet acknowledged.
    pub fn send_queued(&self) -> usize {
        self.send_buf.len()
    }

    /// In-order bytes `recv` can return now.
    pub fn recv_available(&self) -> usize {
        self.recv_buf.readable()
    }

    /// The sender MSS in use (after negotiation).
    pub fn mss(&self) -> u32 {
        self.mss
    }

    /// The congestion window, bytes.
    pub fn cwnd(&self) -> u32 {
        self.cc.window()
    }

    /// The slow-start threshold, bytes (`u32::MAX` until slow start ends).
    pub fn ssthresh(&self) -> u32 {
        self.cc.ssthresh()
    }

    /// The smoothed RTT.
    pub fn srtt(&self) -> Duration {
        self.rtt.srtt()
    }

    /// Name of the congestion controller.
    pub fn congestion_algorithm(&self) -> &'static str {
        self.cc.name()
    }

    /// Whether SACK, timestamps and window scaling were negotiated.
    pub fn negotiated(&self) -> (bool, bool, bool) {
        (self.sack_ok, self.ts_ok, self.ws_ok)
    }

    /// Turns Nagle's algorithm on or off (`TCP_NODELAY` is `false`).
    pub fn set_nagle(&mut self, on: bool) {
        self.cfg.nagle = on;
    }

    // ----- application API -------------------------------------------------

    /// Queues data; returns how much fit in the send buffer (possibly 0).
    ///
    /// Errors: the sticky error after a failure; [`Error::InvalidState`]
    /// after `close` or before/after the states that send.
    pub fn send(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if !self.state.can_send() || self.fin_queued {
            return Err(Error::InvalidState);
        }
        Ok(self.send_buf.write(data))
    }

    /// Reads in-order data; `Ok(0)` when none is there yet.
    ///
    /// Errors: [`Error::Finished`] once the peer's FIN was reached; the sticky
    /// error after a failure.
    pub fn recv(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let n = self.recv_buf.read(out);
        if n > 0 {
            self.check_window_update();
            return Ok(n);
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.fin_received {
            return Err(Error::Finished);
        }
        Ok(0)
    }

    /// Closes our sending direction: a FIN follows the queued data. Receiving
    /// goes on until the peer closes too. Idempotent.
    pub fn close(&mut self) {
        match self.state {
            State::SynSent | State::Closed | State::Listen => self.finish(None),
            // The FIN waits for the handshake to complete (RFC 9293 §3.10.4).
            State::SynReceived => self.fin_queued = true,
            State::Established => {
                self.fin_queued = true;
                self.state = State::FinWait1;
            }
            State::CloseWait => {
                self.fin_queued = true;
                self.state = State::LastAck;
            }
            _ => {}
        }
    }

    /// Resets the connection at once: a RST goes out (if the peer knows us),
    /// buffers are dropped, the state is CLOSED.
    pub fn abort(&mut self) {
        if matches!(self.state, State::Closed | State::TimeWait) {
            self.finish(None);
            return;
        }
        if self.state != State::SynSent {
            self.rst_pending = Some(PendingRst {
                seq: self.snd_nxt,
                ack: self.rcv_nxt,
                with_ack: true,
            });
        }
        self.finish(None);
        self.error = Some(Error::Aborted);
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        for (bit, ev) in [
            (EV_CONNECTED, Event::Connected),
            (EV_READABLE, Event::Readable),
            (EV_WRITABLE, Event::Writable),
            (EV_PEER_FINISHED, Event::PeerFinished),
        ] {
            if self.events & bit != 0 {
                self.events &= !bit;
                return Some(ev);
            }
        }
        if self.events & EV_CLOSED != 0 {
            self.events &= !EV_CLOSED;
            let e = match self.error {
                Some(Error::Aborted) => None,
                e => e,
            };
            return Some(Event::Closed(e));
        }
        None
    }

    /// When `handle_timeout` should be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ----- input -----------------------------------------------------------

    /// Handles a whole IPv4/IPv6 packet carrying a TCP segment for this
    /// connection. Anything else is counted and dropped.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) {
        if let Some(segment) = self.headers.incoming_v4(packet)
            && self.fast_receive(now, segment)
        {
            return;
        }
        match ip::parse(packet) {
            Some(p) => self.handle_segment(now, p.src, p.dst, p.segment),
            None => self.stats.dropped_malformed += 1,
        }
    }

    /// Handles a TCP segment carried from `src` to `dst`.
    pub fn handle_segment(&mut self, now: Instant, src: IpAddr, dst: IpAddr, segment: &[u8]) {
        if src == self.remote.ip() && dst == self.local.ip() && self.fast_receive(now, segment) {
            return;
        }
        let Ok(packet) = TcpPacket::new_checked(segment) else {
            self.stats.dropped_malformed += 1;
            return;
        };
        if src != self.remote.ip()
            || dst != self.local.ip()
            || packet.src_port() != self.remote.port()
            || packet.dst_port() != self.local.port()
        {
            self.stats.dropped_unacceptable += 1;
            return;
        }
        if self.cfg.verify_checksums
            && !packet.verify_checksum_with_pseudo(self.headers.pseudo(segment.len()))
        {
            self.stats.dropped_checksum += 1;
            return;
        }
        let Ok(repr) = TcpRepr::parse(&packet) else {
            self.stats.dropped_malformed += 1;
            return;
        };
        self.on_segment(now, &repr);
    }

    pub(crate) fn on_segment(&mut self, now: Instant, seg: &TcpRepr<'_>) {
        self.stats.segments_received += 1;
        let f = seg.flags;
        match self.state {
            State::Closed | State::Listen => {
                if !f.contains(TcpFlags::RST) {
                    self.reply_rst(seg);
                }
                return;
            }
            State::SynSent => return self.on_segment_syn_sent(now, seg),
            _ => {}
        }
        let seq = SeqNum(seg.seq_number);
        // PAWS (RFC 7323 §5.3).
        if self.ts_ok
            && !f.contains(TcpFlags::RST)
            && let Some(ts) = seg.timestamp
            && (ts.tsval.wrapping_sub(self.ts_recent) as i32) < 0
        {
            self.stats.dropped_paws += 1;
            self.ack_now = true;
            return;
        }
        // A retransmitted SYN while our SYN-ACK is out: send the SYN-ACK again
        // (it lies just before RCV.NXT, so the window check would only ACK it).
        if self.state == State::SynReceived
            && f.contains(TcpFlags::SYN)
            && !f.intersects(TcpFlags::ACK | TcpFlags::RST)
            && seq == self.irs
        {
            self.syn_pending = true;
            return;
        }
        if !self.acceptable(seq, seg) {
            self.stats.dropped_unacceptable += 1;
            if !f.contains(TcpFlags::RST) {
                self.ack_now = true;
            }
            let end = seq + seg.payload.len() as u32;
            if self.sack_ok && !seg.payload.is_empty() && end <= self.rcv_nxt {
                self.dsack = Some((seq, end)); // RFC 2883: report the duplicate
            }
            return;
        }
        // RST (RFC 5961 §3.2).
        if f.contains(TcpFlags::RST) {
            if seq == self.rcv_nxt {
                let err = if self.state == State::SynReceived && !self.passive_open {
                    Error::ConnectionRefused
                } else {
                    Error::ConnectionReset
                };
                self.finish(Some(err));
            } else {
                self.challenge_ack(now);
            }
            return;
        }
        // SYN (RFC 5961 §4.2).
        if f.contains(TcpFlags::SYN) {
            if self.state == State::SynReceived && seq == self.irs {
                self.syn_pending = true; // retransmitted SYN: resend the SYN-ACK
            } else {
                self.challenge_ack(now);
            }
            return;
        }
        if !f.contains(TcpFlags::ACK) {
            self.stats.dropped_unacceptable += 1;
            return;
        }
        if self.ts_ok
            && let Some(ts) = seg.timestamp
            && seq <= self.last_ack_sent
        {
            self.ts_recent = ts.tsval;
        }
        self.arm_keepalive(now);
        self.keepalive_sent = 0;
        let ack = SeqNum(seg.ack_number);
        if self.state == State::SynReceived {
            if !(self.snd_una < ack && ack <= self.snd_nxt) {
                self.rst_pending = Some(PendingRst {
                    seq: ack,
                    ack: SeqNum(0),
                    with_ack: false,
                });
                return;
            }
            self.state = State::Established;
            self.events |= EV_CONNECTED;
            if self.syn_count == 1
                && let Some(t) = self.syn_sent_at
            {
                self.rtt.sample(now.saturating_duration_since(t));
            }
            self.snd_wl1 = seq;
            self.snd_wl2 = ack;
            self.snd_wnd = u32::from(seg.window_len) << self.snd_wscale;
            self.max_snd_wnd = self.max_snd_wnd.max(self.snd_wnd);
            if self.fin_queued {
                self.state = State::FinWait1;
            }
        }
        // ACK acceptability (RFC 5961 §5.2).
        if ack > self.snd_nxt {
            self.stats.dropped_unacceptable += 1;
            self.ack_now = true;
            return;
        }
        if ack < self.snd_una - self.max_snd_wnd.max(1) {
            self.challenge_ack(now);
            return;
        }
        self.process_ack(now, seq, ack, seg);
        if self.state == State::Closed {
            return;
        }
        if !seg.payload.is_empty() {
            self.process_data(now, seq, seg.payload);
        }
        if f.contains(TcpFlags::FIN) {
            let fin_seq = seq + seg.payload.len() as u32;
            if fin_seq >= self.rcv_nxt && !self.fin_received {
                // Keep the lowest FIN seen: a bogus later one cannot hide the real one.
                self.peer_fin = Some(self.peer_fin.map_or(fin_seq, |p| p.min(fin_seq)));
            }
            self.ack_now = true;
        }
        self.check_peer_fin(now);
    }

    fn on_segment_syn_sent(&mut self, now: Instant, seg: &TcpRepr<'_>) {
        let f = seg.flags;
        let ack = SeqNum(seg.ack_number);
        let has_ack = f.contains(TcpFlags::ACK);
        if has_ack && (ack <= self.iss || ack > self.snd_nxt) {
            if !f.contains(TcpFlags::RST) {
                self.rst_pending = Some(PendingRst {
                    seq: ack,
                    ack: SeqNum(0),
                    with_ack: false,
                });
            }
            self.stats.dropped_unacceptable += 1;
            return;
        }
        if f.contains(TcpFlags::RST) {
            if has_ack {
                self.finish(Some(Error::ConnectionRefused));
            }
            return;
        }
        if !f.contains(TcpFlags::SYN) {
            self.stats.dropped_unacceptable += 1;
            return;
        }
        self.irs = SeqNum(seg.seq_number);
        self.rcv_nxt = self.irs + 1;
        self.rcv_adv = self.rcv_nxt;
        self.negotiate(seg);
        if let Some(ts) = seg.timestamp {
            self.ts_recent = ts.tsval;
        }
        if has_ack {
            self.snd_una = ack;
            self.buf_seq = ack;
            self.state = State::Established;
            self.events |= EV_CONNECTED;
            self.snd_wnd = u32::from(seg.window_len); // never scaled in a SYN
            self.max_snd_wnd = self.snd_wnd;
            self.snd_wl1 = self.irs;
            self.snd_wl2 = ack;
            self.round_end = self.snd_nxt;
            if self.syn_count == 1
                && let Some(t) = self.syn_sent_at
            {
                self.rtt.sample(now.saturating_duration_since(t));
            }
            self.timers.stop(Timer::Rto);
            self.ack_now = true;
            self.arm_keepalive(now);
            if !seg.payload.is_empty() {
                self.process_data(now, self.irs + 1, seg.payload);
            }
            if f.contains(TcpFlags::FIN) {
                self.peer_fin = Some(self.irs + 1 + seg.payload.len() as u32);
                self.check_peer_fin(now);
            }
        } else {
            // Simultaneous open (RFC 9293 §3.5, figure 8).
            self.state = State::SynReceived;
            self.snd_wnd = u32::from(seg.window_len);
            self.max_snd_wnd = self.snd_wnd;
            self.snd_wl1 = self.irs;
            self.syn_pending = true;
        }
    }

    /// Reads the SYN's options (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
    fn negotiate(&mut self, syn: &TcpRepr<'_>) {
        let default_mss = if self.remote.is_ipv4() {
            DEFAULT_MSS_V4
        } else {
            DEFAULT_MSS_V6
        };
        let peer_mss = syn.mss.map_or(default_mss, |m| u32::from(m).max(64));
        self.mss = u32::from(self.cfg.mss).min(peer_mss).max(64);
        self.cc.set_mss(self.mss);
        match syn.window_scale {
            Some(ws) if self.cfg.window_scaling => {
                self.ws_ok = true;
                self.snd_wscale = ws.min(14);
                self.rcv_wscale = self.cfg.rcv_wscale();
            }
            _ => {
                self.ws_ok = false;
                self.snd_wscale = 0;
                self.rcv_wscale = 0;
            }
        }
        self.sack_ok = self.cfg.sack && syn.sack_permitted;
        self.ts_ok = self.cfg.timestamps && syn.timestamp.is_some();
        if let Some(ts) = syn.timestamp {
            self.ts_recent = ts.tsval;
        }
    }

    /// RFC 9293 §3.10.7.4 segment acceptability.
    fn acceptable(&self, seq: SeqNum, seg: &TcpRepr<'_>) -> bool {
        let len = seg.segment_len() as u32;
        // What we advertised, or more if the buffer has room for it.
        let wnd = self
            .rcv_adv
            .since(self.rcv_nxt)
            .max(self.recv_buf.window() as u32);
        let end_ok = |s: SeqNum| s.in_range(self.rcv_nxt, self.rcv_nxt + wnd);
        match (len, wnd) {
            (0, 0) => seq == self.rcv_nxt,
            (0, _) => end_ok(seq) || seq == self.rcv_nxt,
            // Zero window: still take ACK/RST/FIN information at RCV.NXT.
            (_, 0) => seq == self.rcv_nxt,
            (_, _) => end_ok(seq) || end_ok(seq + len - 1) || seq == self.rcv_nxt,
        }
    }

    fn process_ack(&mut self, now: Instant, seq: SeqNum, ack: SeqNum, seg: &TcpRepr<'_>) {
        let window = u32::from(seg.window_len) << self.snd_wscale;
        let window_changed = window != self.snd_wnd;
        // Send window update (RFC 9293 §3.10.7.4).
        if self.snd_wl1 < seq || (self.snd_wl1 == seq && self.snd_wl2 <= ack) {
            // A window opening from zero ends zero-window probing; an open
            // window re-advertised leaves the SWS override deadline alone,
            // else a talkative peer could push it back forever.
            if window > 0 && self.snd_wnd == 0 {
                self.timers.stop(Timer::Persist);
                self.persist_backoff = 0;
            }
            self.snd_wnd = window;
            self.snd_wl1 = seq;
            self.snd_wl2 = ack;
            self.max_snd_wnd = self.max_snd_wnd.max(window);
        }
        let mut delivered = Delivered::default();
        let acked_new = ack > self.snd_una;
        let mut fin_acked = false;
        if acked_new {
            self.board.ack(ack, &mut delivered);
            let data_end = self.buf_seq + self.send_buf.len() as u32;
            let data_acked = ack.min(data_end).since(self.buf_seq);
            if data_acked > 0 {
                self.send_buf.consume(data_acked as usize);
                self.buf_seq = self.buf_seq + data_acked;
                self.events |= EV_WRITABLE;
            }
            if self.fin_seq.is_some_and(|f| ack > f) {
                fin_acked = true;
            }
            self.snd_una = ack;
            self.rto_count = 0;
        }
        if self.sack_ok && !seg.sack_blocks.is_empty() {
            let mut blocks = [(SeqNum(0), SeqNum(0)); 4];
            let mut n = 0;
            for &(l, r) in seg.sack_blocks.as_slice() {
                let (l, r) = (SeqNum(l), SeqNum(r));
                // Only blocks above SND.UNA and within what we sent (RFC 2883 D-SACKs are ignored).
                if self.snd_una < l && l < r && r <= self.snd_nxt {
                    blocks[n] = (l, r);
                    n += 1;
                }
            }
            self.board.sack(&blocks[..n], &mut delivered);
        }
        // RTT: per-segment times (Karn), or the timestamp echo when only
        // retransmitted segments were acknowledged (RFC 7323 §4).
        let mut sample = delivered.rtt_from.map(|t| now.saturating_duration_since(t));
        if sample.is_none()
            && acked_new
            && self.ts_ok
            && let Some(ts) = seg.timestamp.filter(|t| t.tsecr != 0)
        {
            let ms = self.ts_now(now).wrapping_sub(ts.tsecr);
            if ms < 60_000 {
                sample = Some(Duration::from_millis(u64::from(ms)));
            }
        }
        if let Some(s) = sample {
            self.rtt.sample(s);
        }
        let use_rack = self.sack_ok && self.cfg.rack;
        if use_rack {
            self.rack.on_delivered(&delivered, now, self.rtt.min_rtt());
        }
        // Duplicate ACK (RFC 5681 §2).
        let dup_shape = !acked_new
            && ack == self.snd_una
            && seg.payload.is_empty()
            && !seg.flags.intersects(TcpFlags::SYN | TcpFlags::FIN)
            && !window_changed;
        let is_dup = dup_shape && !self.board.is_empty();
        if is_dup {
            self.dupacks += 1;
            self.stats.dup_acks += 1;
        } else if acked_new {
            self.dupacks = 0;
        }
        if let Some(rp) = self.recovery
            && ack >= rp
        {
            self.recovery = None;
        }
        if let Some(rp) = self.rto_recover
            && ack >= rp
        {
            self.rto_recover = None;
        }
        // RFC 8985 §7.4.3: a TLP retransmission that repaired a loss calls
        // for one congestion response.
        if !self.tlp_episode.may_retransmit()
            && self.tlp_episode.on_ack(&TlpAck {
                ack,
                duplicate: dup_shape,
                sack_blocks: if self.sack_ok {
                    seg.sack_blocks.as_slice()
                } else {
                    &[]
                },
            })
            && self.recovery.is_none()
            && self.rto_recover.is_none()
        {
            self.recovery = Some(self.snd_nxt);
            self.stats.recoveries += 1;
            self.stats.tlp_recoveries += 1;
            self.cc.on_congestion_event(now, self.board.in_flight());
        }
        // Loss detection.
        let mut newly_lost = 0;
        if use_rack {
            // RACK replaces DupThresh counting (RFC 8985 §6): time, not
            // segment counts, so that reordering does not look like loss.
            newly_lost += self.rack_detect(now);
        } else if self.sack_ok {
            newly_lost += self.board.mark_lost_dupthresh(self.mss);
        }
        if (!self.sack_ok || !self.cfg.rack)
            && is_dup
            && self.dupacks == 3
            && self.recovery.is_none()
            && self.board.mark_first_lost()
        {
            newly_lost += 1;
        }
        if acked_new && self.recovery.is_some_and(|rp| ack < rp) && !self.sack_ok {
            // NewReno partial ACK (RFC 6582 §3.2 step 3): the next hole is lost.
            if self.board.mark_first_lost() {
                newly_lost += 1;
            }
        }
        if newly_lost > 0 && self.recovery.is_none() && self.rto_recover.is_none() {
            self.recovery = Some(self.snd_nxt);
            self.tlp_episode.reset();
            self.stats.recoveries += 1;
            let flight = self.board.in_flight() + newly_lost as u32 * self.mss;
            self.cc.on_congestion_event(now, flight);
        } else if acked_new && self.recovery.is_none() && delivered.bytes > 0 {
            let new_round = ack >= self.round_end;
            if new_round {
                self.round_end = self.snd_nxt;
            }
            self.cc.on_ack(&AckContext {
                now,
                acked: delivered.bytes,
                rtt_sample: sample,
                srtt: self.rtt.srtt(),
                new_round,
                cwnd_limited: self.cwnd_limited,
            });
        }
        // Timers.
        if self.board.is_empty() {
            self.timers.stop(Timer::Rto);
            self.timers.stop(Timer::Tlp);
            self.timers.stop(Timer::Rack);
        } else if acked_new {
            self.timers.set(Timer::Rto, now + self.rtt.rto());
            self.arm_tlp(now);
        }
        if fin_acked {
            match self.state {
                State::FinWait1 => self.state = State::FinWait2,
                State::Closing => self.enter_time_wait(now),
                State::LastAck => self.finish(None),
                _ => {}
            }
        }
    }

    fn rack_detect(&mut self, now: Instant) -> usize {
        let min_rtt = self.rtt.min_rtt().unwrap_or(self.rtt.srtt());
        let (n, timeout) = self.rack.detect_loss(
            &mut self.board,
            now,
            self.recovery.is_some(),
            min_rtt,
            self.rtt.srtt(),
        );
        match timeout {
            Some(t) => self.timers.set(Timer::Rack, t),
            None => self.timers.stop(Timer::Rack),
        }
        n
    }

    fn process_data(&mut self, now: Instant, seq: SeqNum, data: &[u8]) {
        if self.fin_received || !self.state.can_receive() {
            return;
        }
        let (offset, data) = if seq < self.rcv_nxt {
            let cut = self.rcv_nxt.since(seq) as usize;
            if cut >= data.len() {
                self.ack_now = true; // duplicate: ACK at once (RFC 5681 §4.2)
                return;
            }
            (0, &data[cut..])
        } else {
            (seq.since(self.rcv_nxt) as usize, data)
        };
        let had_holes = self.recv_buf.has_holes();
        let advanced = self.recv_buf.insert(offset, data);
        if offset > 0 {
            self.stats.out_of_order += 1;
            self.ack_now = true;
            return;
        }
        if advanced == 0 {
            self.ack_now = true; // window full: tell the sender
            return;
        }
        if had_holes {
            self.rcv_nxt = self.rcv_nxt + advanced as u32;
            self.stats.bytes_received += advanced as u64;
            self.events |= EV_READABLE;
            self.ack_now = true; // RFC 5681 §4.2: ACK at once when a hole fills
            return;
        }
        self.data_in_order(now, advanced);
    }

    /// `n` bytes arrived in order with no hole before or after them: RCV.NXT
    /// advances, and the ACK is delayed or due (RFC 9293 §3.8.6.3: at least
    /// every second full-sized segment; RFC 5681 §4.2).
    #[inline]
    fn data_in_order(&mut self, now: Instant, n: usize) {
        self.rcv_nxt = self.rcv_nxt + n as u32;
        self.stats.bytes_received += n as u64;
        self.events |= EV_READABLE;
        self.unacked_segs += 1;
        match self.cfg.delayed_ack {
            Some(d) if self.unacked_segs < 2 => {
                if !self.timers.is_set(Timer::DelayedAck) {
                    self.timers.set(Timer::DelayedAck, now + d);
                }
            }
            _ => self.ack_now = true,
        }
    }

    fn check_peer_fin(&mut self, now: Instant) {
        if self.fin_received || self.peer_fin != Some(self.rcv_nxt) {
            return;
        }
        self.fin_received = true;
        self.rcv_nxt = self.rcv_nxt + 1;
        self.ack_now = true;
        self.events |= EV_PEER_FINISHED;
        match self.state {
            State::SynReceived | State::Established => self.state = State::CloseWait,
            State::FinWait1 => self.state = State::Closing,
            State::FinWait2 => self.enter_time_wait(now),
            _ => {}
        }
    }

    fn enter_time_wait(&mut self, now: Instant) {
        self.state = State::TimeWait;
        self.timers.stop_all();
        self.timers.set(Timer::TimeWait, now + self.cfg.time_wait);
    }

    /// Ends the connection: CLOSED, timers stopped, the Closed event raised.
    fn finish(&mut self, err: Option<Error>) {
        self.state = State::Closed;
        self.timers.stop_all();
        self.ack_now = false;
        self.syn_pending = false;
        self.tlp_pending = false;
        self.probe_pending = false;
        self.sws_override = false;
        self.keepalive_pending = false;
        if self.error.is_none() {
            self.error = err;
        }
        if !self.closed_raised {
            self.closed_raised = true;
            self.events |= EV_CLOSED;
        }
    }

    fn challenge_ack(&mut self, now: Instant) {
        // RFC 5961 §7: at most `challenge_ack_limit` per second.
        let start = *self.challenge_window.get_or_insert(now);
        if now.saturating_duration_since(start) >= Duration::from_secs(1) {
            self.challenge_window = Some(now);
            self.challenge_count = 0;
        }
        if self.challenge_count < self.cfg.challenge_ack_limit {
            self.challenge_count += 1;
            self.stats.challenge_acks += 1;
            self.ack_now = true;
        }
    }

    fn reply_rst(&mut self, seg: &TcpRepr<'_>) {
        self.rst_pending = Some(if seg.flags.contains(TcpFlags::ACK) {
            PendingRst {
                seq: SeqNum(seg.ack_number),
                ack: SeqNum(0),
                with_ack: false,
            }
        } else {
            PendingRst {
                seq: SeqNum(0),
                ack: SeqNum(seg.seq_number) + seg.segment_len() as u32,
                with_ack: true,
            }
        });
    }

    fn check_window_update(&mut self) {
        if !self.state.can_receive() || self.fin_received {
            return;
        }
        let adv = self.rcv_adv.since(self.rcv_nxt) as usize;
        let could = self.recv_buf.window();
        let threshold = (2 * self.mss as usize)
            .min(self.recv_buf.capacity() / 2)
            .max(1);
        if could >= adv + threshold {
            self.ack_now = true;
        }
    }

    fn arm_keepalive(&mut self, now: Instant) {
        if let Some(k) = self.cfg.keepalive
            && self.state.is_synchronized()
        {
            self.timers.set(Timer::Keepalive, now + k.idle);
        }
    }

    fn arm_tlp(&mut self, now: Instant) {
        if self.sack_ok
            && self.cfg.rack
            && self.recovery.is_none()
            && !self.board.is_empty()
            && self.rtt.has_sample()
        {
            let pto = rack::probe_timeout(
                self.rtt.srtt(),
                self.board.len() == 1,
                self.cfg.delayed_ack.unwrap_or(Duration::ZERO),
            );
            let at = now + pto;
            if self.timers.get(Timer::Rto).is_none_or(|rto| at < rto) {
                self.timers.set(Timer::Tlp, at);
            }
        }
    }

    // ----- timers ----------------------------------------------------------

    /// Runs the timers due at `now`. Calling it early or twice is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(t) = self.timers.expired(now) {
            match t {
                Timer::Rto => self.on_rto(now),
                Timer::Tlp => {
                    if !self.board.is_empty() && self.recovery.is_none() {
                        self.tlp_pending = true;
                    }
                }
                Timer::Rack => {
                    if self.sack_ok && self.cfg.rack {
                        let n = self.rack_detect(now);
                        if n > 0 && self.recovery.is_none() && self.rto_recover.is_none() {
                            self.recovery = Some(self.snd_nxt);
                            self.tlp_episode.reset();
                            self.stats.recoveries += 1;
                            let flight = self.board.in_flight() + n as u32 * self.mss;
                            self.cc.on_congestion_event(now, flight);
                        }
                    }
                }
                Timer::DelayedAck => self.ack_now = true,
                Timer::Persist => {
                    if self.snd_wnd > 0 {
                        // The SWS override timeout: the window is open but
                        // smaller than sender SWS avoidance waits for.
                        self.sws_override = self.state.is_synchronized();
                    } else if self.state.is_synchronized() {
                        self.probe_pending = true;
                        self.persist_backoff = (self.persist_backoff + 1).min(16);
                        let next = self
                            .rtt
                            .rto()
                            .checked_mul(1 << self.persist_backoff)
                            .unwrap_or(self.cfg.max_rto);
                        self.timers
                            .set(Timer::Persist, now + next.min(self.cfg.max_rto));
                    }
                }
                Timer::Keepalive => {
                    if let Some(k) = self.cfg.keepalive {
                        if self.keepalive_sent >= k.count {
                            self.finish(Some(Error::TimedOut));
                        } else {
                            self.keepalive_pending = true;
                            self.keepalive_sent += 1;
                            self.timers.set(Timer::Keepalive, now + k.interval);
                        }
                    }
                }
                Timer::TimeWait => self.finish(None),
            }
        }
    }

    fn on_rto(&mut self, now: Instant) {
        match self.state {
            State::SynSent | State::SynReceived => {
                if self.syn_count > self.cfg.syn_retries {
                    self.finish(Some(Error::TimedOut));
                    return;
                }
                self.rtt.back_off();
                self.syn_pending = true;
            }
            State::Closed | State::Listen | State::TimeWait => {}
            _ => {
                if self.board.is_empty() {
                    return;
                }
                self.rto_count += 1;
                if self.rto_count > self.cfg.max_retransmissions {
                    self.finish(Some(Error::TimedOut));
                    return;
                }
                self.stats.rto_expirations += 1;
                let flight = self.board.in_flight();
                self.cc.on_rto(now, flight);
                self.board.mark_all_lost();
                self.rtt.back_off();
                // Slow start from the loss window; no fast recovery for what
                // was outstanding (RFC 5681 §3.1, RFC 6582 §3.2).
                self.recovery = None;
                self.rto_recover = Some(self.snd_nxt);
                self.dupacks = 0;
                self.timers.stop(Timer::Tlp);
                self.tlp_pending = false;
                self.tlp_episode.reset();
            }
        }
    }

    // ----- output ----------------------------------------------------------

    /// Writes the next packet to send (a whole IPv4/IPv6 packet) into `buf`
    /// and describes it, or returns `None` when nothing is due. `buf` should
    /// hold an MTU (IP header + 60 + MSS); a smaller one (at least
    /// [`MIN_TRANSMIT_BUFFER`]) gets smaller segments.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if buf.len() < MIN_TRANSMIT_BUFFER {
            return None;
        }
        if let Some(rst) = self.rst_pending.take() {
            let flags = if rst.with_ack {
                TcpFlags::RST | TcpFlags::ACK
            } else {
                TcpFlags::RST
            };
            let repr = TcpRepr {
                src_port: self.local.port(),
                dst_port: self.remote.port(),
                seq_number: rst.seq.0,
                ack_number: if rst.with_ack { rst.ack.0 } else { 0 },
                flags,
                ..TcpRepr::default()
            };
            return Some(self.write(buf, &repr, None));
        }
        match self.state {
            State::Closed | State::Listen => return None,
            State::SynSent => {
                if self.syn_pending {
                    return Some(self.send_syn(now, buf, false));
                }
                return None;
            }
            State::SynReceived => {
                if self.syn_pending {
                    return Some(self.send_syn(now, buf, true));
                }
                if self.ack_now {
                    return Some(self.send_ack(now, buf, self.snd_nxt));
                }
                return None;
            }
            _ => {}
        }
        if self.state != State::TimeWait {
            if let Some(t) = self.send_retransmission(now, buf, false) {
                return Some(t);
            }
            if self.tlp_pending {
                self.tlp_pending = false;
                self.stats.tail_loss_probes += 1;
                if let Some(t) = self.send_new_data(now, buf, true) {
                    return Some(t);
                }
                // RFC 8985 §7.4.2: one TLP retransmission at a time.
                if self.tlp_episode.may_retransmit()
                    && let Some(last) = self.board.len().checked_sub(1)
                {
                    self.board.mark_lost(last);
                    if let Some(t) = self.send_retransmission(now, buf, true) {
                        self.tlp_episode.on_retransmit(self.snd_nxt);
                        return Some(t);
                    }
                }
            }
            if let Some(t) = self.send_new_data(now, buf, false) {
                return Some(t);
            }
            if self.recovery.is_some()
                && let Some(t) = self.send_rescue(now, buf)
            {
                return Some(t);
            }
            if self.probe_pending || self.keepalive_pending {
                if self.probe_pending {
                    self.stats.window_probes += 1;
                } else {
                    self.stats.keepalive_probes += 1;
                }
                self.probe_pending = false;
                self.keepalive_pending = false;
                // A segment the peer must answer with an ACK: one sequence number old.
                return Some(self.send_ack(now, buf, self.snd_una - 1));
            }
        }
        if self.ack_now {
            return Some(self.send_ack(now, buf, self.snd_nxt));
        }
        None
    }

    /// Our timestamp clock (RFC 7323 §5.4: milliseconds) at `now`. The
    /// millisecond count is kept for the last `now` seen: a flight of
    /// segments sent at one `now` computes it once.
    fn ts_now(&mut self, now: Instant) -> u32 {
        if self.ts_clock.0 != now {
            let ms = now.saturating_duration_since(self.epoch).as_millis() as u32;
            self.ts_clock = (now, ms);
        }
        self.ts_clock.1.wrapping_add(self.ts_offset)
    }

    /// The window to advertise (RFC 9293 §3.8.6.2.2 receiver SWS avoidance;
    /// the right edge never moves left), unscaled for SYNs.
    fn advertise_window(&mut self, syn: bool) -> u16 {
        let free = self.recv_buf.window() as u32;
        if syn {
            let w = free.min(65_535);
            self.rcv_adv = self.rcv_adv.max(self.rcv_nxt + w);
            return w as u16;
        }
        let current = self.rcv_adv.since(self.rcv_nxt);
        let mut wnd = free;
        let threshold = self.mss.min(self.recv_buf.capacity() as u32 / 2).max(1);
        if wnd > current && wnd - current < threshold {
            wnd = current;
        }
        wnd = wnd.max(current);
        let field = (wnd >> self.rcv_wscale).min(65_535);
        let edge = self.rcv_nxt + (field << self.rcv_wscale);
        if edge > self.rcv_adv {
            self.rcv_adv = edge;
        }
        field as u16
    }

    fn base_repr(&mut self, now: Instant, seq: SeqNum, flags: TcpFlags) -> TcpRepr<'static> {
        let window_len = self.advertise_window(flags.contains(TcpFlags::SYN));
        let mut repr = TcpRepr {
            src_port: self.local.port(),
            dst_port: self.remote.port(),
            seq_number: seq.0,
            ack_number: if flags.contains(TcpFlags::ACK) {
                self.rcv_nxt.0
            } else {
                0
            },
            flags,
            window_len,
            ..TcpRepr::default()
        };
        if self.ts_ok {
            repr.timestamp = Some(TcpTimestamp {
                tsval: self.ts_now(now),
                tsecr: self.ts_recent,
            });
        }
        if self.sack_ok
            && flags.contains(TcpFlags::ACK)
            && (self.recv_buf.has_holes() || self.dsack.is_some())
        {
            let mut ranges = [(0u32, 0u32); 4];
            let n = self.recv_buf.sack_ranges(&mut ranges);
            let mut blocks = TcpSackBlocks::new();
            if let Some((l, r)) = self.dsack.take() {
                blocks.push(l.0, r.0); // RFC 2883 §4: the D-SACK block first
            }
            for &(s, e) in &ranges[..n] {
                blocks.push((self.rcv_nxt + s).0, (self.rcv_nxt + e).0);
            }
            repr.sack_blocks = blocks;
        }
        if flags.contains(TcpFlags::ACK) {
            self.ack_sent();
        }
        repr
    }

    /// Bookkeeping of a segment with ACK going out: what it acknowledges is
    /// no longer owed.
    #[inline]
    fn ack_sent(&mut self) {
        self.ack_now = false;
        self.unacked_segs = 0;
        self.last_ack_sent = self.rcv_nxt;
        self.timers.stop(Timer::DelayedAck);
    }

    fn send_syn(&mut self, now: Instant, buf: &mut [u8], ack: bool) -> Transmit {
        self.syn_pending = false;
        self.syn_count += 1;
        if self.syn_count == 1 {
            self.syn_sent_at = Some(now);
        }
        let flags = if ack {
            TcpFlags::SYN | TcpFlags::ACK
        } else {
            TcpFlags::SYN
        };
        let mut repr = self.base_repr(now, self.iss, flags);
        repr.mss = Some(self.cfg.mss);
        if ack {
            // SYN-ACK: echo what the peer's SYN offered (negotiated already).
            repr.window_scale = self.ws_ok.then_some(self.rcv_wscale);
            repr.sack_permitted = self.sack_ok;
        } else {
            // SYN: offer what we are configured for.
            repr.window_scale = self.cfg.window_scaling.then(|| self.cfg.rcv_wscale());
            repr.sack_permitted = self.cfg.sack;
            repr.timestamp = self.cfg.timestamps.then(|| TcpTimestamp {
                tsval: self.ts_now(now),
                tsecr: 0,
            });
        }
        self.snd_nxt = self.iss + 1;
        self.timers.set(Timer::Rto, now + self.rtt.rto());
        self.write(buf, &repr, None)
    }

    fn send_ack(&mut self, now: Instant, buf: &mut [u8], seq: SeqNum) -> Transmit {
        let header = self.header(now, seq, TcpFlags::ACK);
        self.write_header(buf, &header, None)
    }

    fn effective_flight(&self) -> u32 {
        let credit = if !self.sack_ok && self.recovery.is_some() {
            self.dupacks * self.mss
        } else {
            0
        };
        self.board.in_flight().saturating_sub(credit)
    }

    fn send_retransmission(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        force: bool,
    ) -> Option<Transmit> {
        let i = self.board.first_lost()?;
        let seg = *self.board.get(i)?;
        let flight = self.effective_flight();
        if !force && flight > 0 && flight + seg.len().min(self.mss) > self.cc.window() {
            return None;
        }
        let mut repr = self.base_repr(now, seg.start, TcpFlags::ACK);
        let room = self.payload_room(&repr, buf.len());
        let data_len = seg.data_len().min(room);
        let with_fin = seg.fin && data_len == seg.data_len();
        if with_fin {
            repr.flags |= TcpFlags::FIN;
        }
        if data_len > 0 {
            repr.flags |= TcpFlags::PSH;
        }
        let offset = seg.start.since(self.buf_seq) as usize;
        self.board
            .retransmitted(i, data_len + u32::from(with_fin), now);
        self.stats.retransmits += 1;
        self.stats.bytes_retransmitted += u64::from(data_len);
        if self.recovery.is_some() && self.rto_count == 0 {
            self.stats.fast_retransmits += 1;
        }
        if !self.timers.is_set(Timer::Rto) {
            self.timers.set(Timer::Rto, now + self.rtt.rto());
        }
        Some(self.write(buf, &repr, Some((offset, data_len as usize))))
    }

    /// RFC 6675 §4 NextSeg() rule 4, for SACK recovery without RACK (whose
    /// TLP covers the tail instead): when no segment is deemed lost and no new
    /// data can go, one "rescue" retransmission per recovery episode of the
    /// highest unSACKed segment, so that a lost tail, which nothing above it
    /// can SACK into `IsLost`, does not wait for the RTO.
    fn send_rescue(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let rp = self.recovery?;
        if !self.sack_ok
            || self.cfg.rack
            || self.rescue_rxt.is_some_and(|r| self.snd_una <= r)
            || self.board.first_lost().is_some()
            || self.effective_flight() + self.mss > self.cc.window()
        {
            return None;
        }
        let i = self.board.last_unsacked()?;
        self.board.mark_lost(i);
        let t = self.send_retransmission(now, buf, true)?;
        self.rescue_rxt = Some(rp); // HighRxt is not updated (there is none here)
        self.stats.rescue_retransmits += 1;
        Some(t)
    }

    fn payload_room(&self, repr: &TcpRepr<'_>, buf_len: usize) -> u32 {
        let hl = repr.header_len();
        let by_mss = self.mss.saturating_sub((hl - HEADER_LEN) as u32).max(1);
        let by_buf = buf_len.saturating_sub(ip::header_len(self.local.ip()) + hl) as u32;
        by_mss.min(by_buf)
    }

    fn send_new_data(&mut self, now: Instant, buf: &mut [u8], probe: bool) -> Option<Transmit> {
        if !matches!(
            self.state,
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::LastAck
                | State::Closing
        ) {
            return None;
        }
        let unsent_off = self.snd_nxt.since(self.buf_seq) as usize;
        let avail = self.send_buf.len().saturating_sub(unsent_off);
        let fin_due = self.fin_queued && self.fin_seq.is_none();
        if avail == 0 && !fin_due {
            self.cwnd_limited = false;
            self.sws_override = false;
            return None;
        }
        let wnd_room = (self.snd_una + self.snd_wnd).since(self.snd_nxt);
        let flight = self.effective_flight();
        let cwnd_room = self.cc.window().saturating_sub(flight);
        let max_payload = if self.recv_buf.has_holes() || self.dsack.is_some() {
            let repr_probe = self.peek_repr();
            self.payload_room(&repr_probe, buf.len())
        } else {
            // The common case: at most the timestamps option.
            let hl = HEADER_LEN + if self.ts_ok { 12 } else { 0 };
            let by_mss = self.mss.saturating_sub((hl - HEADER_LEN) as u32).max(1);
            let by_buf =
                buf.len()
                    .saturating_sub(ip::header_len(self.local.ip()) + hl) as u32;
            by_mss.min(by_buf)
        };
        let mut len = (avail as u32).min(max_payload).min(wnd_room);
        if !probe {
            len = len.min(cwnd_room);
        }
        if avail > 0 && len == 0 {
            if wnd_room == 0 && self.board.is_empty() && !self.timers.is_set(Timer::Persist) {
                self.timers.set(Timer::Persist, now + self.rtt.rto());
            }
            if cwnd_room < max_payload {
                self.cwnd_limited = true;
            }
            return None;
        }
        let all_out = len as usize == avail;
        if !probe && avail > 0 && (len as usize) < avail && len < max_payload {
            // Sender SWS avoidance (RFC 9293 §3.8.6.2.1): wait for a full segment
            // unless it is at least half the largest window the peer offered,
            // or nothing is in flight and the override timeout expired.
            if cwnd_room < max_payload.min(avail as u32) {
                self.cwnd_limited = true;
            }
            let hold = len < self.max_snd_wnd / 2 || !self.board.is_empty();
            if hold && !(self.sws_override && self.board.is_empty()) {
                if self.board.is_empty() && !self.timers.is_set(Timer::Persist) {
                    // With nothing in flight no ACK will come to clock the
                    // data out: RFC 1122 §4.2.3.4's override timeout.
                    self.timers
                        .set(Timer::Persist, now + self.sws_override_timeout());
                }
                return None;
            }
        }
        // Nagle (RFC 896): a small final segment waits while data is unacknowledged.
        if !probe
            && self.cfg.nagle
            && all_out
            && len < max_payload
            && len > 0
            && !self.board.is_empty()
            && !fin_due
        {
            return None;
        }
        let with_fin = fin_due && all_out;
        if len == 0 && !with_fin {
            return None;
        }
        self.cwnd_limited = flight + len + max_payload > self.cc.window();
        self.sws_override = false;
        let mut flags = TcpFlags::ACK;
        if len > 0 && all_out {
            flags |= TcpFlags::PSH;
        }
        if with_fin {
            flags |= TcpFlags::FIN;
        }
        let seq = self.snd_nxt;
        let header = self.header(now, seq, flags);
        let seg_len = len + u32::from(with_fin);
        self.snd_nxt = seq + seg_len;
        if with_fin {
            self.fin_seq = Some(seq + len);
        }
        self.board.push(SentSegment {
            start: seq,
            end: seq + seg_len,
            fin: with_fin,
            xmit_time: now,
            retransmitted: false,
            sacked: false,
            lost: false,
        });
        self.stats.bytes_sent += u64::from(len);
        if !self.timers.is_set(Timer::Rto) {
            self.timers.set(Timer::Rto, now + self.rtt.rto());
        }
        self.arm_tlp(now);
        Some(self.write_header(buf, &header, Some((unsent_off, len as usize))))
    }

    /// How long sender SWS avoidance holds back a short segment with nothing
    /// in flight: the RTO, kept within RFC 1122 §4.2.3.4's 0.1-1.0 s.
    fn sws_override_timeout(&self) -> Duration {
        self.rtt
            .rto()
            .clamp(Duration::from_millis(100), Duration::from_secs(1))
    }

    /// A repr like the next data segment's, to size its options.
    fn peek_repr(&self) -> TcpRepr<'static> {
        let mut r = TcpRepr {
            flags: TcpFlags::ACK,
            ..TcpRepr::default()
        };
        if self.ts_ok {
            r.timestamp = Some(TcpTimestamp {
                tsval: 0, // only the option's size matters here
                tsecr: 0,
            });
        }
        if self.sack_ok && (self.recv_buf.has_holes() || self.dsack.is_some()) {
            let mut ranges = [(0u32, 0u32); 4];
            let n = self.recv_buf.sack_ranges(&mut ranges);
            if let Some((l, r2)) = self.dsack {
                r.sack_blocks.push(l.0, r2.0);
            }
            for &(s, e) in &ranges[..n] {
                r.sack_blocks.push(s, e);
            }
        }
        r
    }

    /// Writes IP header + `repr` + payload (`(offset in send_buf, len)`) into `buf`.
    fn write(
        &mut self,
        buf: &mut [u8],
        repr: &TcpRepr<'_>,
        payload: Option<(usize, usize)>,
    ) -> Transmit {
        let iph = ip::header_len(self.local.ip());
        let hl = repr.header_len();
        repr.emit_header(&mut buf[iph..iph + hl]);
        self.finish_segment(buf, iph, hl, payload)
    }

    /// Completes a segment whose `hl`-byte TCP header is at `buf[iph..]`:
    /// copies the payload (`(offset in send_buf, len)`) after it, fills in the
    /// checksum, and writes the `iph`-byte IP header in front.
    #[inline]
    fn finish_segment(
        &mut self,
        buf: &mut [u8],
        iph: usize,
        hl: usize,
        payload: Option<(usize, usize)>,
    ) -> Transmit {
        let plen = payload.map_or(0, |p| p.1);
        let seg_len = hl + plen;
        let pseudo = self.headers.pseudo(seg_len);
        let sum = match payload {
            Some((off, len)) => {
                // The payload is summed while it is copied (read once); the
                // header (a multiple of 4 bytes) chains to it unswapped.
                let header = checksum::sum(&buf[iph..iph + hl], pseudo);
                let out = &mut buf[iph + hl..iph + hl + len];
                let (n, sum) = self.send_buf.read_at_summed(off, out, header);
                debug_assert_eq!(n, len);
                sum
            }
            None => checksum::sum(&buf[iph..iph + seg_len], pseudo),
        };
        let c = !checksum::fold(sum);
        buf[iph + 16..iph + 18].copy_from_slice(&c.to_be_bytes());
        self.ip_id = self.ip_id.wrapping_add(1);
        self.headers.write(buf, seg_len, self.ip_id);
        self.stats.segments_sent += 1;
        Transmit {
            len: iph + seg_len,
            dst: self.remote.ip(),
        }
    }

    /// (SND.UNA, SND.NXT, RCV.NXT), for the fuzzer to aim segments.
    pub(crate) fn seq_state(&self) -> (u32, u32, u32) {
        (self.snd_una.0, self.snd_nxt.0, self.rcv_nxt.0)
    }

    /// Checks internal invariants (for tests and fuzzing); panics on a violation.
    #[doc(hidden)]
    pub fn check_invariants(&self) {
        self.board.check_invariants();
        assert!(
            self.snd_una <= self.snd_nxt,
            "SND.UNA {} > SND.NXT {}",
            self.snd_una,
            self.snd_nxt
        );
        if self.state.is_synchronized() {
            assert!(self.buf_seq <= self.snd_nxt || self.fin_seq.is_some());
            let unsent = self.snd_nxt.since(self.buf_seq) as usize;
            assert!(unsent <= self.send_buf.len() + 1, "sent past the buffer");
        }
        assert!(self.recv_buf.readable() <= self.recv_buf.capacity());
        if let Some(e) = self.error
            && e != Error::Aborted
        {
            assert_eq!(
                self.state,
                State::Closed,
                "error {e} but state {}",
                self.state
            );
        }
    }
}
