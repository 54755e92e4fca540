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

mod common;

use std::time::Duration;

use common::{DropRule, LinkSpec, Seen, Sim};
use pktkit_tcp::Config;

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
    let mut sim = Sim::pair(
        cfg(),
        LinkSpec::default(),
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
    let snd_nxt = sim.client_snd_nxt();
    let end = snd_nxt.wrapping_add(10 * MSS);
    burst_end.set(Some(end));
    let before_burst = sim.client.cwnd();
    let stats0 = *sim.client.stats();
    sim.client_sends(u64::from(10 * MSS));
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
    sim.client_sends(u64::from(3 * MSS));
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
    sim.client_sends(u64::from(20 * MSS));
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
    let mut sim = Sim::pair(
        cfg(),
        LinkSpec::default(),
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
    let snd_nxt = sim.client_snd_nxt();
    let end = snd_nxt.wrapping_add(10 * MSS);
    burst_end.set(Some(end));
    let stats0 = *sim.client.stats();
    sim.client_sends(u64::from(10 * MSS));
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
    sim.client_sends(u64::from(20 * MSS));
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
    let mut sim = Sim::pair(
        rfc6675_cfg(),
        LinkSpec::default(),
        drop_burst_segments(start.clone(), &[1, 5]),
    );
    sim.client_sends(2000);
    for episode in 1..=2u64 {
        let s0 = sim.client_snd_nxt();
        start.set(Some(s0));
        assert!(sim.client.cwnd() >= 6 * SEG);
        sim.client_sends(u64::from(6 * SEG));
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
    let mut sim = Sim::pair(
        rfc6675_cfg(),
        LinkSpec::default(),
        drop_burst_segments(start.clone(), &[1, 8, 9]),
    );
    sim.client_sends(2000);
    let s0 = sim.client_snd_nxt();
    start.set(Some(s0));
    sim.client_sends(u64::from(10 * SEG));
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
