//! Header prediction: the segments a bulk transfer is made of, handled without
//! the general machinery (the common case of RFC 9293 §3.10.7.4; Van
//! Jacobson's fast path, as BSD and Linux have it).
//!
//! * [`Connection::fast_receive`] takes an in-order data segment on an
//!   ESTABLISHED connection that has nothing of its own in flight, when the
//!   segment acknowledges nothing new, changes no window and carries at most
//!   the timestamps option: it is checked, its bytes appended to the receive
//!   buffer, and the delayed-ACK rule applied, with no option parsing, no
//!   scoreboard or loss detection, no reassembly.
//! * [`Connection::header`] / [`Connection::write_header`] write the header of
//!   a segment that needs no SACK option straight into the caller's buffer
//!   (20 bytes, or 32 with timestamps), with no [`TcpRepr`] in between.
//!
//! Each is taken only when the general path would do exactly the same; any
//! other segment goes the general way, untouched. The tests at the bottom run
//! the same traffic with the fast paths off and on and compare the two
//! connections' whole state and every byte they send.

use std::time::Instant;

use pktkit_wire::checksum;
use pktkit_wire::tcp::{HEADER_LEN, TcpFlags, TcpRepr};

use super::{Connection, Transmit};
use crate::seq::SeqNum;
use crate::timer::Timer;
use crate::{State, ip};

/// Timestamps option as we write it and as Linux does: NOP, NOP, kind 8, length 10.
const TS_OPTION: [u8; 4] = [1, 1, 8, 10];
/// Header length with that option.
const TS_HEADER_LEN: usize = HEADER_LEN + 12;

/// The header of a segment we send: without options but timestamps
/// (`Plain`), or anything else (`Full`, e.g. with SACK blocks).
pub(super) enum Header {
    Plain(PlainHeader),
    Full(TcpRepr<'static>),
}

/// A header with no option but timestamps, already decided (window, ACK).
pub(super) struct PlainHeader {
    seq: SeqNum,
    ack: u32,
    flags: TcpFlags,
    window: u16,
    /// (TSval, TSecr) when timestamps are in use.
    ts: Option<(u32, u32)>,
}

/// The big-endian `u32` at `h[i..i + 4]`.
#[inline(always)]
fn be32(h: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]])
}

impl Connection {
    /// Handles `segment` if it is the predicted in-order data segment (see the
    /// [module docs](self)); false, having changed nothing, otherwise. The
    /// caller checked the IP addresses.
    #[inline]
    pub(super) fn fast_receive(&mut self, now: Instant, segment: &[u8]) -> bool {
        #[cfg(test)]
        if tests::fast_paths_off() {
            return false;
        }
        // Nothing of ours in flight and no recovery or probe state: the ACK
        // side of this segment can only move the window bookkeeping.
        if self.state != State::Established
            || !self.board.is_empty()
            || self.recv_buf.has_holes()
            || self.peer_fin.is_some()
            || self.recovery.is_some()
            || self.rto_recover.is_some()
            || !self.tlp_episode.may_retransmit()
        {
            return false;
        }
        let hl = if self.ts_ok {
            TS_HEADER_LEN
        } else {
            HEADER_LEN
        };
        let Some(h) = segment.get(..hl) else {
            return false;
        };
        if segment.len() == hl
            || h[12] != (hl as u8 / 4) << 4
            || u16::from(h[13]) & !TcpFlags::PSH.0 != TcpFlags::ACK.0
            || h[0..2] != self.remote.port().to_be_bytes()
            || h[2..4] != self.local.port().to_be_bytes()
        {
            return false;
        }
        let seq = SeqNum(be32(h, 4));
        let ack = SeqNum(be32(h, 8));
        let window = u32::from(u16::from_be_bytes([h[14], h[15]])) << self.snd_wscale;
        if seq != self.rcv_nxt || ack != self.snd_una || window != self.snd_wnd {
            return false;
        }
        let tsval = if self.ts_ok {
            if h[20..24] != TS_OPTION {
                return false;
            }
            let tsval = be32(h, 24);
            if (tsval.wrapping_sub(self.ts_recent) as i32) < 0 {
                return false; // PAWS: the general path drops it and says why
            }
            Some(tsval)
        } else {
            None
        };
        let payload = &segment[hl..];
        if payload.len() > self.recv_buf.window() {
            return false; // the general path cuts it at the window
        }
        let pseudo = self.headers.pseudo(segment.len());
        if self.cfg.verify_checksums {
            // Checksum and copy in one pass; the copy becomes readable only
            // if the checksum is right.
            let header_sum = checksum::sum(h, pseudo);
            let sum = self.recv_buf.stage_summed(payload, header_sum);
            if checksum::fold(sum) != 0xffff {
                self.stats.dropped_checksum += 1;
                return true;
            }
            self.recv_buf.commit(payload.len());
        } else {
            self.recv_buf.append(payload);
        }
        // What `on_segment`, `process_ack` and `process_data` do with it.
        self.stats.segments_received += 1;
        if let Some(tsval) = tsval
            && seq <= self.last_ack_sent
        {
            self.ts_recent = tsval;
        }
        self.arm_keepalive(now);
        self.keepalive_sent = 0;
        if self.snd_wl1 < seq || (self.snd_wl1 == seq && self.snd_wl2 <= ack) {
            self.snd_wl1 = seq;
            self.snd_wl2 = ack;
            self.max_snd_wnd = self.max_snd_wnd.max(window);
            // The window is unchanged (checked above): the Persist timer,
            // zero-window probe or SWS override, keeps its deadline.
        }
        // Nothing in flight: loss detection finds nothing and stops its timers.
        self.timers.stop(Timer::Rto);
        self.timers.stop(Timer::Tlp);
        self.timers.stop(Timer::Rack);
        #[cfg(test)]
        tests::taken(0);
        self.data_in_order(now, payload.len());
        true
    }

    /// The header of the next segment with `seq` and `flags`: plain when no
    /// SACK option is due, else the general [`TcpRepr`]. Does the
    /// bookkeeping of an ACK being sent (as [`Connection::base_repr`]).
    #[inline]
    pub(super) fn header(&mut self, now: Instant, seq: SeqNum, flags: TcpFlags) -> Header {
        #[cfg(test)]
        if tests::fast_paths_off() {
            return Header::Full(self.base_repr(now, seq, flags));
        }
        let with_ack = flags.contains(TcpFlags::ACK);
        if flags.contains(TcpFlags::SYN)
            || (self.sack_ok && with_ack && (self.recv_buf.has_holes() || self.dsack.is_some()))
        {
            return Header::Full(self.base_repr(now, seq, flags));
        }
        let window = self.advertise_window(false);
        let ts = self.ts_ok.then(|| (self.ts_now(now), self.ts_recent));
        let ack = if with_ack { self.rcv_nxt.0 } else { 0 };
        if with_ack {
            self.ack_sent();
        }
        #[cfg(test)]
        tests::taken(1);
        Header::Plain(PlainHeader {
            seq,
            ack,
            flags,
            window,
            ts,
        })
    }

    /// Writes IP header + `header` + payload (`(offset in send_buf, len)`)
    /// into `buf`.
    #[inline]
    pub(super) fn write_header(
        &mut self,
        buf: &mut [u8],
        header: &Header,
        payload: Option<(usize, usize)>,
    ) -> Transmit {
        let h = match header {
            Header::Full(repr) => return self.write(buf, repr, payload),
            Header::Plain(h) => h,
        };
        let iph = ip::header_len(self.local.ip());
        let hl = if h.ts.is_some() {
            TS_HEADER_LEN
        } else {
            HEADER_LEN
        };
        let t = &mut buf[iph..iph + hl];
        t[0..2].copy_from_slice(&self.local.port().to_be_bytes());
        t[2..4].copy_from_slice(&self.remote.port().to_be_bytes());
        t[4..8].copy_from_slice(&h.seq.0.to_be_bytes());
        t[8..12].copy_from_slice(&h.ack.to_be_bytes());
        t[12] = (hl as u8 / 4) << 4;
        t[13] = h.flags.0 as u8; // no NS bit: the flags here are ACK, PSH, FIN, RST
        t[14..16].copy_from_slice(&h.window.to_be_bytes());
        t[16..20].fill(0); // checksum (filled in below), urgent pointer
        if let Some((tsval, tsecr)) = h.ts {
            t[20..24].copy_from_slice(&TS_OPTION);
            t[24..28].copy_from_slice(&tsval.to_be_bytes());
            t[28..32].copy_from_slice(&tsecr.to_be_bytes());
        }
        self.finish_segment(buf, iph, hl, payload)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use crate::{Config, Connection, Listener, ListenerConfig};

    thread_local! {
        static OFF: Cell<bool> = const { Cell::new(false) };
        /// Times each fast path was taken: received segments, headers written.
        static TAKEN: Cell<[u64; 2]> = const { Cell::new([0; 2]) };
    }

    pub(in crate::connection) fn taken(which: usize) {
        TAKEN.with(|t| {
            let mut v = t.get();
            v[which] += 1;
            t.set(v);
        });
    }

    /// True while a test runs the general path only.
    pub(in crate::connection) fn fast_paths_off() -> bool {
        OFF.with(Cell::get)
    }

    /// A pair of connections and what they sent, step by step.
    struct Run {
        a: Connection,
        b: Connection,
        now: Instant,
        /// Every packet, in order, and the Debug state of both after each step.
        trace: Vec<String>,
    }

    fn start(cfg: Config, t0: Instant) -> Run {
        let sa: SocketAddr = "10.0.0.1:40000".parse().unwrap();
        let sb: SocketAddr = "10.0.0.2:80".parse().unwrap();
        let mut l = Listener::new(
            sb,
            ListenerConfig {
                connection: cfg.clone(),
                ..Default::default()
            },
            [7; 16],
            t0,
        );
        let mut a = Connection::connect(cfg, sa, sb, 99, t0).unwrap();
        let mut buf = [0u8; 1600];
        for _ in 0..4 {
            while let Some(t) = a.poll_transmit(t0, &mut buf) {
                l.handle_packet(t0, &buf[..t.len]);
            }
            while let Some(t) = l.poll_transmit(t0, &mut buf) {
                a.handle_packet(t0, &buf[..t.len]);
            }
        }
        let b = l.accept().expect("handshake");
        Run {
            a,
            b,
            now: t0,
            trace: Vec::new(),
        }
    }

    /// Bulk data both ways with uneven reads, a stalled reader (zero window),
    /// delayed ACK timers, a corrupted segment and one reordered pair; each
    /// packet and each state goes into the trace.
    fn exercise(run: &mut Run) {
        let mut buf = vec![0u8; 70_000];
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 31 + 7) as u8).collect();
        let mut sink = [0u8; 5000];
        let (mut sent_a, mut sent_b) = (0, 0);
        let (mut corrupted, mut reordered) = (false, false);
        for round in 0..400u32 {
            if sent_a < data.len() {
                sent_a += run.a.send(&data[sent_a..]).unwrap();
            }
            // B answers with data now and then, so both directions carry data.
            if round % 7 == 3 && sent_b < 100_000 {
                sent_b += run.b.send(&data[sent_b..sent_b + 3000]).unwrap();
            }
            let mut held: Option<Vec<u8>> = None;
            let mut i = 0;
            while let Some(t) = run.a.poll_transmit(run.now, &mut buf) {
                let pkt = &mut buf[..t.len];
                run.trace.push(format!("a> {pkt:?}"));
                i += 1;
                if round >= 5 && !corrupted && t.len > 100 {
                    pkt[70] ^= 0x40; // corrupted on the way: dropped by the checksum
                    corrupted = true;
                } else if round >= 1 && !reordered && i == 1 {
                    held = Some(pkt.to_vec()); // delivered after the next one
                    continue;
                }
                run.b.handle_packet(run.now, pkt);
                if let Some(p) = held.take() {
                    run.b.handle_packet(run.now, &p);
                    reordered = true;
                }
            }
            if let Some(p) = held.take() {
                run.b.handle_packet(run.now, &p);
            }
            // The reader stalls for a while in the middle (the window closes).
            if !(120..220).contains(&round) {
                let want = 1000 + (round as usize * 613) % 4000;
                let n = run.b.recv(&mut sink[..want]).unwrap_or(0);
                run.trace.push(format!("b< {:?}", &sink[..n]));
            }
            let n = run.a.recv(&mut sink).unwrap_or(0);
            run.trace.push(format!("a< {:?}", &sink[..n]));
            while let Some(t) = run.b.poll_transmit(run.now, &mut buf) {
                run.trace.push(format!("b> {:?}", &buf[..t.len]));
                run.a.handle_packet(run.now, &buf[..t.len]);
            }
            while run.a.poll_event().is_some() || run.b.poll_event().is_some() {}
            run.now += Duration::from_millis(if round % 5 == 0 { 45 } else { 1 });
            run.a.handle_timeout(run.now);
            run.b.handle_timeout(run.now);
            run.trace.push(format!("{:?}\n{:?}", run.a, run.b));
        }
        assert!(run.b.stats().bytes_received > 500_000, "the transfer ran");
        assert!(corrupted && reordered);
        assert_eq!(
            run.b.stats().dropped_checksum,
            1,
            "the corrupted segment was seen"
        );
        assert!(
            run.b.stats().out_of_order >= 1,
            "the reordered segment was seen"
        );
    }

    fn traces(cfg: &Config) -> (Vec<String>, Vec<String>) {
        let t0 = Instant::now();
        TAKEN.with(|t| t.set([0; 2]));
        OFF.with(|o| o.set(true));
        let mut slow = start(cfg.clone(), t0);
        exercise(&mut slow);
        assert_eq!(TAKEN.with(Cell::get), [0, 0]);
        OFF.with(|o| o.set(false));
        let mut fast = start(cfg.clone(), t0);
        exercise(&mut fast);
        // Most segments took the fast paths (the rest: handshake, SACK,
        // retransmission, pure ACKs, the zero window).
        let [received, headers] = TAKEN.with(Cell::get);
        let (sent, got) = (
            fast.a.stats().segments_sent + fast.b.stats().segments_sent,
            fast.a.stats().segments_received + fast.b.stats().segments_received,
        );
        assert!(received * 3 > got, "fast receive {received} of {got}");
        assert!(headers * 4 > sent * 3, "plain headers {headers} of {sent}");
        (slow.trace, fast.trace)
    }

    fn assert_same(cfg: Config) {
        let (slow, fast) = traces(&cfg);
        assert_eq!(slow.len(), fast.len());
        for (i, (s, f)) in slow.iter().zip(&fast).enumerate() {
            assert_eq!(s, f, "step {i}: the fast path differs from the general one");
        }
    }

    #[test]
    fn fast_paths_do_what_the_general_path_does() {
        assert_same(Config::default());
    }

    #[test]
    fn fast_paths_without_timestamps_or_sack() {
        assert_same(Config {
            timestamps: false,
            sack: false,
            delayed_ack: None,
            ..Config::default()
        });
    }

    #[test]
    fn fast_paths_with_segments_larger_than_a_checksum_chunk() {
        // Large payloads: the fused copy and checksum over many vectors and
        // the drain of its lanes.
        assert_same(Config {
            mss: 9000,
            ..Config::default()
        });
        assert_same(Config {
            mss: 65_000,
            recv_buffer: 300_000,
            timestamps: false,
            ..Config::default()
        });
    }

    #[test]
    fn fast_paths_without_window_scaling_small_buffers() {
        assert_same(Config {
            window_scaling: false,
            recv_buffer: 20_000,
            send_buffer: 30_000,
            nagle: false,
            keepalive: Some(crate::Keepalive {
                idle: Duration::from_millis(30),
                interval: Duration::from_millis(10),
                count: 100,
            }),
            ..Config::default()
        });
    }
}
