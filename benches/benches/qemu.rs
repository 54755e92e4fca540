//! QEMU stream netdev forwarding: two dialers (standing in for two QEMUs)
//! connect to a unix-socket listener; the two accepted guest ports are
//! attached to an L2Hub, and frames go from one dialer to the other:
//! dialer → socket → port → hub → port → socket → dialer. The same scenario
//! is built with the pktkit 0.1.11 crate's `qemu` module and its `L2Hub`
//! (`pktkit-0.1.11`).
//!
//! The sender keeps at most `WINDOW` frames in flight (a guest port drops
//! what its queue cannot hold, as a congested switch port does, and a lost
//! frame would stall the count), and retries when its own queue is full, as
//! QEMU waits for a writable socket.
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const BATCH: u64 = 2048;
/// Frames in flight at most: below both implementations' per-guest queue
/// (ours 512, pktkit 0.1.11's 128), so the middle hop never drops.
const WINDOW: u64 = 64;
const FRAME_LEN: usize = 64;

fn frame_bytes() -> Vec<u8> {
    let mut b = vec![0x5a; FRAME_LEN];
    b[..6].copy_from_slice(&[0x52, 0x54, 0, 0, 0, 2]);
    b[6..12].copy_from_slice(&[0x52, 0x54, 0, 0, 0, 1]);
    b[12..14].copy_from_slice(&[0x88, 0xb5]);
    b
}

/// A broadcast from b's MAC, so the hub knows where b is.
fn hello_bytes() -> Vec<u8> {
    let mut b = frame_bytes();
    b[..6].copy_from_slice(&[0xff; 6]);
    b[6..12].copy_from_slice(&[0x52, 0x54, 0, 0, 0, 2]);
    b
}

fn socket_path(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "pktkit-bench-qemu-{tag}-{}.sock",
        std::process::id()
    ))
}

/// Sends `BATCH` frames with `send`, retrying on a full queue, and waits
/// until `received` has grown by as many.
fn run_batch(
    iters: u64,
    received: &AtomicU64,
    mut send: impl FnMut() -> std::io::Result<()>,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let base = received.load(Ordering::Acquire);
        let target = base + BATCH;
        for sent in 0..BATCH {
            let t = Instant::now();
            while base + sent >= received.load(Ordering::Acquire) + WINDOW {
                assert!(t.elapsed() < Duration::from_secs(30), "frames lost");
                std::hint::spin_loop();
            }
            loop {
                match send() {
                    Ok(()) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::yield_now()
                    }
                    Err(e) => panic!("send failed: {e}"),
                }
            }
        }
        let t = Instant::now();
        while received.load(Ordering::Acquire) < target {
            assert!(t.elapsed() < Duration::from_secs(30), "frames lost");
            std::thread::yield_now();
        }
    }
    start.elapsed()
}

fn ours(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use pktkit_core::{L2Device, L2Hub};
    use pktkit_qemu::{Endpoint, QemuConfig, StreamDevice, StreamListener};
    use pktkit_wire::Frame;

    let path = socket_path("ours");
    let ep = Endpoint::Unix(path.clone());
    let cfg = QemuConfig::default();
    let ln = StreamListener::bind(&ep, cfg.clone()).unwrap();
    let a = StreamDevice::connect(&ep, &cfg).unwrap();
    let pa = ln.accept().unwrap();
    let b = StreamDevice::connect(&ep, &cfg).unwrap();
    let pb = ln.accept().unwrap();
    let hub = L2Hub::new();
    let ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb).unwrap();
    let received = Arc::new(AtomicU64::new(0));
    let r = received.clone();
    b.set_handler(Arc::new(move |_: &Frame| {
        r.fetch_add(1, Ordering::Release);
        Ok(())
    }));
    a.set_handler(Arc::new(|_: &Frame| Ok(())));
    let hello = hello_bytes();
    b.send(Frame::parse(&hello).unwrap()).unwrap(); // the hub learns b's MAC
    let bytes = frame_bytes();
    let f = Frame::parse(&bytes).unwrap();
    c.bench_function(BenchmarkId::from_parameter("pktkit"), |bench| {
        bench.iter_custom(|iters| run_batch(iters, &received, || a.send(f)))
    });
    drop((ha, hb));
    let _ = std::fs::remove_file(&path);
}

fn peer(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use pktkit_peer::qemu::{Listener, dial_unix};
    use pktkit_peer::{Frame, L2Device, L2Hub};

    let path = socket_path("peer");
    let ln = Listener::bind_unix(&path).unwrap();
    let a = dial_unix(&path).unwrap();
    let pa = ln.accept().unwrap();
    let b = dial_unix(&path).unwrap();
    let pb = ln.accept().unwrap();
    let hub = Arc::new(L2Hub::new());
    let ha = hub.connect_arc(pa.clone());
    let hb = hub.connect_arc(pb.clone());
    let received = Arc::new(AtomicU64::new(0));
    let r = received.clone();
    b.set_handler(Arc::new(move |_: &Frame| {
        r.fetch_add(1, Ordering::Release);
        Ok(())
    }));
    a.set_handler(Arc::new(|_: &Frame| Ok(())));
    let hello = hello_bytes();
    b.send(Frame::from_slice(&hello)).unwrap(); // the hub learns b's MAC
    let bytes = frame_bytes();
    let f = Frame::from_slice(&bytes);
    c.bench_function(BenchmarkId::from_parameter("pktkit-0.1.11"), |bench| {
        bench.iter_custom(|iters| run_batch(iters, &received, || a.send(f)))
    });
    ha.close();
    hb.close();
    let _ = pa.close();
    let _ = pb.close();
    let _ = std::fs::remove_file(&path);
}

fn stream_forward(c: &mut Criterion) {
    let mut g = c.benchmark_group("qemu/stream-forward");
    g.throughput(Throughput::Elements(BATCH));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(5));
    ours(&mut g);
    peer(&mut g);
    g.finish();
}

criterion_group!(benches, stream_forward);
criterion_main!(benches);
