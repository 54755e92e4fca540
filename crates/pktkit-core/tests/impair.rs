//! Impair: every impairment, deterministic under a seed and a manual clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pktkit_core::{Impair, ImpairConfig, ImpairL2, L2Device, ManualClock, PipeL2, RateLimit};
use pktkit_wire::{Frame, MacAddr};

type Log = Arc<Mutex<Vec<Vec<u8>>>>;

fn frame(n: u16) -> Vec<u8> {
    let mut b = vec![0u8; 100];
    b[..6].copy_from_slice(&[0xff; 6]);
    b[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    b[12..14].copy_from_slice(&[0x88, 0xb5]);
    b[14..16].copy_from_slice(&n.to_be_bytes());
    b
}

fn seq(f: &[u8]) -> u16 {
    u16::from_be_bytes([f[14], f[15]])
}

/// An impaired sender `a` (tx config) whose frames land in the returned log.
fn link(tx: ImpairConfig, seed: u64, clock: &ManualClock) -> (ImpairL2<PipeL2>, Log) {
    let (a, b) = PipeL2::pair(MacAddr::ZERO, MacAddr::ZERO);
    let log: Log = Arc::default();
    let l = log.clone();
    b.set_handler(Arc::new(move |f: &Frame| {
        l.lock().unwrap().push(f.as_bytes().to_vec());
        Ok(())
    }));
    std::mem::forget(b); // keep the receiving end alive for the test
    let imp = Impair::new(
        a,
        tx,
        ImpairConfig::default(),
        seed,
        Arc::new(clock.clone()),
    );
    (imp, log)
}

fn send_all(imp: &ImpairL2<PipeL2>, n: u16) {
    for i in 0..n {
        imp.send(Frame::parse(&frame(i)).unwrap()).unwrap();
    }
}

#[test]
fn delay_holds_frames_until_the_clock_moves() {
    let clock = ManualClock::new();
    let cfg = ImpairConfig {
        delay: Duration::from_millis(20),
        ..Default::default()
    };
    let (imp, log) = link(cfg, 1, &clock);
    send_all(&imp, 3);
    assert_eq!(imp.poll(), 0);
    clock.advance(Duration::from_millis(19));
    assert_eq!(imp.poll(), 0);
    assert!(log.lock().unwrap().is_empty());
    clock.advance(Duration::from_millis(1));
    assert_eq!(imp.poll(), 3);
    let got: Vec<u16> = log.lock().unwrap().iter().map(|f| seq(f)).collect();
    assert_eq!(got, vec![0, 1, 2]);
}

#[test]
fn loss_rate_is_close_to_the_setting_and_seeded() {
    let clock = ManualClock::new();
    let cfg = ImpairConfig {
        loss: 0.25,
        ..Default::default()
    };
    let run = |seed| {
        let (imp, log) = link(cfg.clone(), seed, &clock);
        send_all(&imp, 10_000);
        let got: Vec<u16> = log.lock().unwrap().iter().map(|f| seq(f)).collect();
        (got, imp.stats().0)
    };
    let (a, sa) = run(42);
    let (b, _) = run(42);
    let (c, _) = run(43);
    assert_eq!(a, b, "same seed, same losses");
    assert_ne!(a, c, "another seed, other losses");
    assert!((2300..2700).contains(&sa.lost), "lost {}", sa.lost);
    assert_eq!(a.len() as u64 + sa.lost, 10_000);
}

#[test]
fn duplication_corruption_and_reordering() {
    let clock = ManualClock::new();
    let cfg = ImpairConfig {
        duplicate: 0.1,
        corrupt: 0.1,
        protect: 16,
        reorder: 0.1,
        reorder_delay: Duration::from_millis(5),
        ..Default::default()
    };
    let (imp, log) = link(cfg, 7, &clock);
    for i in 0..2000 {
        imp.send(Frame::parse(&frame(i)).unwrap()).unwrap();
        clock.advance(Duration::from_millis(1));
        imp.poll();
    }
    clock.advance(Duration::from_secs(1));
    imp.poll();
    let got = log.lock().unwrap().clone();
    let s = imp.stats().0;
    assert_eq!(got.len() as u64, 2000 + s.duplicated);
    assert!(
        s.duplicated > 100 && s.corrupted > 100 && s.reordered > 100,
        "{s:?}"
    );
    // Corruption: exactly one bit flipped, never in the protected header.
    let damaged: Vec<&Vec<u8>> = got.iter().filter(|f| f[..] != frame(seq(f))[..]).collect();
    assert!(damaged.len() as u64 >= s.corrupted);
    for f in damaged {
        let clean = frame(seq(f));
        let bits: u32 = f
            .iter()
            .zip(&clean)
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        assert_eq!(bits, 1);
        assert_eq!(f[..16], clean[..16]);
    }
    // Reordering: some frame arrives after a later-numbered one.
    let order: Vec<u16> = got.iter().map(|f| seq(f)).collect();
    assert!(order.windows(2).any(|w| w[0] > w[1]));
}

#[test]
fn rate_limit_paces_serialisation() {
    let clock = ManualClock::new();
    let cfg = ImpairConfig {
        rate: Some(10_000), // 100-byte frames: one per 10 ms
        queue_limit: 5,
        ..Default::default()
    };
    let (imp, log) = link(cfg, 3, &clock);
    send_all(&imp, 8);
    assert_eq!(imp.stats().0.overflowed, 3, "queue of 5");
    for expect in 1..=5 {
        clock.advance(Duration::from_millis(10));
        imp.poll();
        assert_eq!(log.lock().unwrap().len(), expect);
    }
    let _ = RateLimit::bytes_per_sec(1, 1);
}

#[test]
fn jitter_spreads_delivery() {
    let clock = ManualClock::new();
    let cfg = ImpairConfig {
        delay: Duration::from_millis(10),
        jitter: Duration::from_millis(10),
        ..Default::default()
    };
    let (imp, log) = link(cfg, 11, &clock);
    send_all(&imp, 100);
    clock.advance(Duration::from_millis(10));
    imp.poll();
    let early = log.lock().unwrap().len();
    clock.advance(Duration::from_millis(5));
    imp.poll();
    let mid = log.lock().unwrap().len();
    clock.advance(Duration::from_millis(5));
    imp.poll();
    assert!(early < 20 && (30..70).contains(&mid), "{early} {mid}");
    assert_eq!(log.lock().unwrap().len(), 100);
}
