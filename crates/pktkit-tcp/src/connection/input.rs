//! Input: segments arriving (RFC 9293 §3.10.7), acknowledgements, data and FINs.

use super::*;

impl Connection {
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

    pub(super) fn on_segment_syn_sent(&mut self, now: Instant, seg: &TcpRepr<'_>) {
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
    pub(super) fn negotiate(&mut self, syn: &TcpRepr<'_>) {
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
    pub(super) fn acceptable(&self, seq: SeqNum, seg: &TcpRepr<'_>) -> bool {
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

    pub(super) fn process_ack(
        &mut self,
        now: Instant,
        seq: SeqNum,
        ack: SeqNum,
        seg: &TcpRepr<'_>,
    ) {
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

    pub(super) fn rack_detect(&mut self, now: Instant) -> usize {
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

    pub(super) fn process_data(&mut self, now: Instant, seq: SeqNum, data: &[u8]) {
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
    pub(super) fn data_in_order(&mut self, now: Instant, n: usize) {
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

    pub(super) fn check_peer_fin(&mut self, now: Instant) {
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

    pub(super) fn enter_time_wait(&mut self, now: Instant) {
        self.state = State::TimeWait;
        self.timers.stop_all();
        self.timers.set(Timer::TimeWait, now + self.cfg.time_wait);
    }

    /// Ends the connection: CLOSED, timers stopped, the Closed event raised.
    pub(super) fn finish(&mut self, err: Option<Error>) {
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

    pub(super) fn challenge_ack(&mut self, now: Instant) {
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

    pub(super) fn reply_rst(&mut self, seg: &TcpRepr<'_>) {
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

    pub(super) fn check_window_update(&mut self) {
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

    pub(super) fn arm_keepalive(&mut self, now: Instant) {
        if let Some(k) = self.cfg.keepalive
            && self.state.is_synchronized()
        {
            self.timers.set(Timer::Keepalive, now + k.idle);
        }
    }

    pub(super) fn arm_tlp(&mut self, now: Instant) {
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
}
