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
mod input;
mod output;
mod timers;

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
}
