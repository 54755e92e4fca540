//! Output: segments to send (new data, retransmissions, probes, ACKs, SYNs) and their headers.

use super::*;

impl Connection {
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
    pub(super) fn ts_now(&mut self, now: Instant) -> u32 {
        if self.ts_clock.0 != now {
            let ms = now.saturating_duration_since(self.epoch).as_millis() as u32;
            self.ts_clock = (now, ms);
        }
        self.ts_clock.1.wrapping_add(self.ts_offset)
    }

    /// The window to advertise (RFC 9293 §3.8.6.2.2 receiver SWS avoidance;
    /// the right edge never moves left), unscaled for SYNs.
    pub(super) fn advertise_window(&mut self, syn: bool) -> u16 {
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

    pub(super) fn base_repr(
        &mut self,
        now: Instant,
        seq: SeqNum,
        flags: TcpFlags,
    ) -> TcpRepr<'static> {
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
    pub(super) fn ack_sent(&mut self) {
        self.ack_now = false;
        self.unacked_segs = 0;
        self.last_ack_sent = self.rcv_nxt;
        self.timers.stop(Timer::DelayedAck);
    }

    pub(super) fn send_syn(&mut self, now: Instant, buf: &mut [u8], ack: bool) -> Transmit {
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

    pub(super) fn send_ack(&mut self, now: Instant, buf: &mut [u8], seq: SeqNum) -> Transmit {
        let header = self.header(now, seq, TcpFlags::ACK);
        self.write_header(buf, &header, None)
    }

    pub(super) fn effective_flight(&self) -> u32 {
        let credit = if !self.sack_ok && self.recovery.is_some() {
            self.dupacks * self.mss
        } else {
            0
        };
        self.board.in_flight().saturating_sub(credit)
    }

    pub(super) fn send_retransmission(
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
    pub(super) fn send_rescue(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
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

    pub(super) fn payload_room(&self, repr: &TcpRepr<'_>, buf_len: usize) -> u32 {
        let hl = repr.header_len();
        let by_mss = self.mss.saturating_sub((hl - HEADER_LEN) as u32).max(1);
        let by_buf = buf_len.saturating_sub(ip::header_len(self.local.ip()) + hl) as u32;
        by_mss.min(by_buf)
    }

    pub(super) fn send_new_data(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        probe: bool,
    ) -> Option<Transmit> {
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
    pub(super) fn sws_override_timeout(&self) -> Duration {
        self.rtt
            .rto()
            .clamp(Duration::from_millis(100), Duration::from_secs(1))
    }

    /// A repr like the next data segment's, to size its options.
    pub(super) fn peek_repr(&self) -> TcpRepr<'static> {
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
    pub(super) fn write(
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
    pub(super) fn finish_segment(
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
