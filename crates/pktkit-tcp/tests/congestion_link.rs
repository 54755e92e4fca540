//! Congestion control on a bottleneck: a simulated link with a bandwidth
//! limit, a propagation delay and a drop-tail queue, one bulk flow from our
//! client. The congestion window the engine keeps is compared with the RFCs'
//! formulas, computed here from what the link and the window log show:
//!
//! - RFC 9438 (CUBIC): after each loss, W_cubic(t) = C·(t − K)³ + W_max with
//!   K = ∛((W_max − cwnd_epoch)/C), W_max lowered by fast convergence when
//!   the window stopped short of the previous W_max; with a short RTT, the
//!   Reno-friendly estimate W_est (α_cubic = 3(1 − β)/(1 + β) per window of
//!   ACKed data) takes over;
//! - RFC 9406 (HyStart++): slow start ends on an RTT rise, before any loss,
//!   with ssthresh set;
//! - NewReno and CUBIC both carry 10 MB through 1 % loss.

mod common;

use std::time::{Duration, Instant};

use common::{LinkSpec, Sim};
use pktkit_tcp::Config;
use pktkit_tcp::congestion::CongestionAlgorithm;

/// RFC 9438 §5: C, and β_cubic of §4.6.
const C: f64 = 0.4;
const BETA: f64 = 0.7;

fn cfg(congestion: CongestionAlgorithm) -> Config {
    Config {
        send_buffer: 4 << 20,
        recv_buffer: 4 << 20,
        congestion,
        time_wait: Duration::from_secs(1),
        ..Config::default()
    }
}

/// 10 Mbit/s.
const RATE: u64 = 1_250_000;

/// One congestion-avoidance epoch seen in the window log.
#[derive(Debug)]
struct Epoch {
    /// Window just before the reduction (cwnd_prior), bytes.
    prior: f64,
    /// Window after the reduction (cwnd_epoch), bytes.
    reduced: f64,
    /// First growth after the reduction: the epoch's start.
    start: Instant,
    /// (time, cwnd) samples up to the next reduction.
    samples: Vec<(Instant, f64)>,
}

/// Splits the window log at its reductions (drops below 0.8 of the window
/// before: the multiplicative decrease, not a slow-start restart).
fn epochs(log: &[(Instant, u32)]) -> Vec<Epoch> {
    let mut out: Vec<Epoch> = Vec::new();
    let mut i = 1;
    while i < log.len() {
        let (before, after) = (log[i - 1].1, log[i].1);
        if after < before {
            let mut j = i + 1;
            // The epoch starts at the first growth after the reduction.
            while j < log.len() && log[j].1 <= after {
                j += 1;
            }
            if j >= log.len() {
                break;
            }
            let mut samples = Vec::new();
            let mut k = j;
            while k < log.len() && log[k].1 >= log[k - 1].1 {
                samples.push((log[k].0, f64::from(log[k].1)));
                k += 1;
            }
            out.push(Epoch {
                prior: f64::from(before),
                reduced: f64::from(after),
                start: log[j].0,
                samples,
            });
            i = k;
        } else {
            i += 1;
        }
    }
    out
}

/// RFC 9438 eq. 1 and 2, in bytes: W_cubic(t) for an epoch.
fn w_cubic(w_max: f64, cwnd_epoch: f64, mss: f64, t: f64) -> f64 {
    let k = ((w_max - cwnd_epoch) / mss / C).cbrt();
    (C * (t - k).powi(3)) * mss + w_max
}

/// Runs one bulk flow from the client for `secs` of virtual time.
fn bulk(algo: CongestionAlgorithm, link: LinkSpec, secs: u64, keep_log: bool) -> Sim {
    let mut sim = Sim::pair(cfg(algo), link, common::no_drops());
    sim.keep_log = keep_log;
    sim.queue_client_bytes(1 << 40);
    sim.run_for(Duration::from_secs(secs));
    sim
}

/// Model W_max of each epoch (RFC 9438 §4.7 fast convergence): lowered to
/// cwnd_prior·(1 + β)/2 when the window stopped short of the last W_max.
fn model_w_max(epochs: &[Epoch]) -> Vec<(f64, bool)> {
    let mut last = 0.0f64;
    epochs
        .iter()
        .map(|e| {
            let fc = e.prior < last;
            last = if fc {
                e.prior * (1.0 + BETA) / 2.0
            } else {
                e.prior
            };
            (last, fc)
        })
        .collect()
}

/// 10 Mbit/s, 100 ms RTT, 100 kB of queue: a loss every few seconds, when the
/// window outgrows BDP + queue (≈ 225 kB). Each reduction is by β; between
/// reductions the window is W_cubic(t) of its epoch, within 2 %; epochs that
/// ended short of the previous W_max follow the fast-convergence W_max (and
/// the plain cwnd_prior curve would be off by far more); and both the concave
/// and the convex parts of the curve are crossed.
#[test]
fn cubic_window_follows_rfc9438_after_losses() {
    let link = LinkSpec {
        delay: Duration::from_millis(50),
        bandwidth: Some(RATE),
        queue_bytes: 100_000,
    };
    let sim = bulk(CongestionAlgorithm::Cubic, link, 40, false);
    let mss = f64::from(sim.client.mss());
    let s = sim.client.stats();
    assert_eq!(s.rto_expirations, 0, "{s:?}");
    let epochs = epochs(&sim.cwnd);
    assert!(epochs.len() >= 5, "{epochs:?}");
    let models = model_w_max(&epochs);
    let (mut fast_converged, mut convex) = (0, 0);
    for (e, &(w_max, fc)) in epochs.iter().zip(&models) {
        assert!(
            (e.reduced / e.prior - BETA).abs() < 0.001,
            "multiplicative decrease by β: {} → {}",
            e.prior,
            e.reduced
        );
        let k = ((w_max - e.reduced) / mss / C).cbrt();
        let (mut worst, mut worst_plain) = (0.0f64, 0.0f64);
        for &(t, w) in &e.samples {
            let dt = (t - e.start).as_secs_f64();
            let m = w_cubic(w_max, e.reduced, mss, dt);
            worst = worst.max(((w - m) / m).abs());
            let p = w_cubic(e.prior, e.reduced, mss, dt);
            worst_plain = worst_plain.max(((w - p) / p).abs());
            if dt > k + 0.5 && w > w_max + mss {
                convex += 1;
            }
        }
        eprintln!(
            "epoch: cwnd_prior {} → {} W_max {w_max:.0} (fast convergence {fc}) K {k:.2} s, {} samples, worst error {worst:.4} (plain W_max {worst_plain:.4})",
            e.prior,
            e.reduced,
            e.samples.len()
        );
        assert!(worst < 0.02, "window off W_cubic by {worst}");
        let long = e
            .samples
            .last()
            .is_some_and(|s| (s.0 - e.start).as_secs_f64() > k / 2.0);
        if fc && long {
            fast_converged += 1;
            assert!(worst_plain > 0.1, "fast convergence is what fits");
        }
    }
    assert!(fast_converged >= 2, "fast convergence seen");
    assert!(convex > 100, "the convex region (t > K) crossed");
}

/// RFC 9438 §4.3: the Reno-friendly estimate, computed here from the ACKs the
/// client received: W_est grows by α·MSS·acked/cwnd per ACK, α = 3(1 − β)/(1 + β)
/// until W_est reaches cwnd_prior, then 1. It starts from the window after
/// the epoch's first ACK (that ACK's cumulative jump also covers data SACKed
/// during recovery, which the sender had counted already).
fn w_est_model(
    e: &Epoch,
    acks: &[(Instant, u32)],
    cwnd_log: &[(Instant, u32)],
    mss: f64,
) -> Vec<(Instant, f64)> {
    let alpha_cubic = 3.0 * (1.0 - BETA) / (1.0 + BETA);
    let end = e.samples.last().map_or(e.start, |s| s.0);
    let mut w_est = e.samples.first().map_or(e.reduced, |s| s.1);
    let mut out = Vec::new();
    let mut prev_ack: Option<u32> = None;
    for &(t, ack) in acks.iter().filter(|a| a.0 <= end) {
        let advanced = prev_ack.map(|p| ack.wrapping_sub(p) as i32);
        prev_ack = Some(prev_ack.map_or(ack, |p| if advanced.unwrap_or(0) > 0 { ack } else { p }));
        if t <= e.start {
            continue;
        }
        let Some(acked) = advanced.filter(|&a| a > 0) else {
            continue;
        };
        // The window in force when this ACK arrived (before its growth).
        let cwnd = cwnd_log
            .iter()
            .take_while(|c| c.0 < t)
            .last()
            .map_or(e.reduced, |c| f64::from(c.1));
        let alpha = if w_est >= e.prior { 1.0 } else { alpha_cubic };
        w_est += alpha * mss * f64::from(acked as u32) / cwnd;
        out.push((t, w_est));
    }
    out
}

/// 10 Mbit/s, 2 ms RTT, 45 kB of queue: windows are small and RTTs short, so
/// the cubic curve (K of seconds) grows far slower than Reno would; CUBIC
/// must then follow W_est (the Reno-friendly region). The window is compared
/// with W_est computed from the ACK stream, and with W_cubic.
#[test]
fn cubic_uses_the_reno_friendly_region_at_short_rtt() {
    let link = LinkSpec {
        delay: Duration::from_millis(1),
        bandwidth: Some(RATE),
        queue_bytes: 45_000,
    };
    let sim = bulk(CongestionAlgorithm::Cubic, link, 20, true);
    let mss = f64::from(sim.client.mss());
    let epochs = epochs(&sim.cwnd);
    assert!(epochs.len() >= 5, "{} epochs", epochs.len());
    let mut checked = 0;
    // The first epoch follows the slow-start overshoot; the last is cut short.
    for e in &epochs[1..epochs.len() - 1] {
        let model = w_est_model(e, &sim.client_acks, &sim.cwnd, mss);
        let (mut worst, mut above_cubic) = (0.0f64, 0);
        for &(t, w) in &e.samples {
            let Some(&(_, m)) = model.iter().take_while(|m| m.0 <= t).last() else {
                continue;
            };
            worst = worst.max(((w - m) / m).abs());
            let c = w_cubic(e.prior, e.reduced, mss, (t - e.start).as_secs_f64());
            if w > c + 2.0 * mss {
                above_cubic += 1;
            }
        }
        eprintln!(
            "epoch: {} → {}, {} samples, worst error vs W_est {worst:.4}, {above_cubic} samples above W_cubic + 2 MSS",
            e.prior,
            e.reduced,
            e.samples.len()
        );
        assert!(worst < 0.03, "window off W_est by {worst}");
        assert!(
            above_cubic > e.samples.len() / 2,
            "Reno-friendly, not cubic"
        );
        let &(t_end, w_end) = e.samples.last().unwrap();
        let c = w_cubic(e.prior, e.reduced, mss, (t_end - e.start).as_secs_f64());
        assert!(
            w_end > 1.1 * c,
            "at the epoch's end: {w_end} vs W_cubic {c:.0}"
        );
        checked += 1;
    }
    assert!(checked >= 3);
}

/// Slow start into a deep queue (10 Mbit/s, 40 ms RTT, 2 MB: a buffer-bloated
/// bottleneck): as the queue builds, the round's minimum RTT rises past last
/// round's by more than clamp(RTT/8, 4 ms, 16 ms) (RFC 9406 §4.2); HyStart++
/// goes to conservative slow start (growth / 4) and, CSS_ROUNDS = 5 rounds
/// later, sets ssthresh = cwnd: slow start is over before the queue
/// overflows. NewReno on the same link, without HyStart, leaves slow start
/// only at the first loss.
#[test]
fn hystart_leaves_slow_start_before_the_first_loss() {
    let link = LinkSpec {
        delay: Duration::from_millis(20),
        bandwidth: Some(RATE),
        queue_bytes: 2_000_000,
    };
    for algo in [CongestionAlgorithm::Cubic, CongestionAlgorithm::NewReno] {
        let mut sim = Sim::pair(cfg(algo), link, common::no_drops());
        sim.queue_client_bytes(1 << 40);
        sim.run_until(Duration::from_secs(30), |s| s.client.ssthresh() != u32::MAX);
        let st = sim.client.stats();
        let losses = sim.queue_drops[0];
        eprintln!(
            "{}: slow start ended at {:?}: cwnd {} ssthresh {} srtt {:?}, queue drops so far {losses}, {st:?}",
            sim.client.congestion_algorithm(),
            sim.now - sim.t0,
            sim.client.cwnd(),
            sim.client.ssthresh(),
            sim.client.srtt(),
        );
        match algo {
            CongestionAlgorithm::Cubic => {
                assert_eq!(losses, 0, "no loss yet");
                assert_eq!((st.retransmits, st.recoveries), (0, 0));
                assert_eq!(sim.client.ssthresh(), sim.client.cwnd(), "ssthresh = cwnd");
                // The window is past the BDP (50 kB): the queue had built up,
                // and the smoothed RTT shows it.
                assert!(sim.client.cwnd() > 50_000);
                assert!(sim.client.srtt() > Duration::from_millis(40 + 4));
                // Still no loss for a while: the exit was not a loss in disguise.
                let ssthresh = sim.client.ssthresh();
                sim.run_for(Duration::from_millis(200));
                assert_eq!(sim.client.ssthresh(), ssthresh);
            }
            _ => {
                assert!(losses > 0, "NewReno overflows the queue first");
                assert!(st.recoveries >= 1);
            }
        }
    }
}

/// NewReno and CUBIC each carry 10 MB over a 50 Mbit/s, 20 ms RTT
/// bottleneck with 1 % random data loss, byte for byte, with sane
/// retransmission counts.
#[test]
fn newreno_and_cubic_carry_10_mb_through_one_percent_loss() {
    let link = LinkSpec {
        delay: Duration::from_millis(10),
        bandwidth: Some(50_000_000 / 8),
        queue_bytes: 200_000,
    };
    for (seed, algo) in [
        (11, CongestionAlgorithm::NewReno),
        (12, CongestionAlgorithm::Cubic),
    ] {
        let mut sim = Sim::pair(cfg(algo), link, common::random_data_loss(seed, 0.01));
        sim.keep_log = false;
        sim.transfer(
            10 * 1024 * 1024,
            0,
            Duration::from_secs(600),
            Duration::from_millis(500),
        );
        let st = sim.client.stats();
        let lost = sim.rule_drops[0] + sim.queue_drops[0];
        eprintln!(
            "{}: 10 MB in {:?}, {lost} data packets lost, {st:?}",
            sim.client.congestion_algorithm(),
            sim.now - sim.t0
        );
        assert_eq!(
            sim.client.congestion_algorithm(),
            match algo {
                CongestionAlgorithm::NewReno => "newreno",
                _ => "cubic",
            }
        );
        assert!(sim.rule_drops[0] > 50, "the loss happened");
        assert!(st.retransmits >= lost, "every lost packet was sent again");
        assert!(
            st.retransmits <= 2 * lost + 20,
            "few spurious retransmissions"
        );
    }
}
