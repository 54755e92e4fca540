//! Steady state allocates nothing: after a warm-up, a bulk transfer between
//! two connections (send, poll_transmit, handle_packet, recv, timers, ACKs)
//! runs with a counting global allocator that must not be called.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pktkit_tcp::{Config, Connection, Listener, ListenerConfig};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Pair {
    a: Connection,
    b: Connection,
    now: Instant,
    tx: Vec<u8>,
    data: Vec<u8>,
    sink: Vec<u8>,
}

impl Pair {
    fn transfer(&mut self, bytes: usize) {
        let (mut sent, mut read) = (0, 0);
        while read < bytes {
            let mut moved = false;
            while sent < bytes {
                let n = self
                    .a
                    .send(&self.data[..(bytes - sent).min(self.data.len())])
                    .unwrap();
                if n == 0 {
                    break;
                }
                sent += n;
            }
            while let Some(t) = self.a.poll_transmit(self.now, &mut self.tx) {
                self.b.handle_packet(self.now, &self.tx[..t.len]);
                moved = true;
            }
            loop {
                let n = self.b.recv(&mut self.sink).unwrap();
                if n == 0 {
                    break;
                }
                read += n;
            }
            while let Some(t) = self.b.poll_transmit(self.now, &mut self.tx) {
                self.a.handle_packet(self.now, &self.tx[..t.len]);
                moved = true;
            }
            while self.a.poll_event().is_some() || self.b.poll_event().is_some() {}
            // Time moves on, so delayed ACKs, TLP and RTO timers run too.
            self.now += Duration::from_micros(if moved { 50 } else { 5_000 });
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
    }
}

#[test]
fn steady_state_bulk_transfer_does_not_allocate() {
    let t0 = Instant::now();
    let cfg = Config::default();
    let sa: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let sb: SocketAddr = "10.0.0.2:80".parse().unwrap();
    let mut l = Listener::new(
        sb,
        ListenerConfig {
            connection: cfg.clone(),
            ..Default::default()
        },
        [1; 16],
        t0,
    );
    let mut a = Connection::connect(cfg, sa, sb, 1, t0).unwrap();
    let mut tx = vec![0u8; 1600];
    let mut b = None;
    for _ in 0..10 {
        while let Some(t) = a.poll_transmit(t0, &mut tx) {
            l.handle_packet(t0, &tx[..t.len]);
        }
        while let Some(t) = l.poll_transmit(t0, &mut tx) {
            a.handle_packet(t0, &tx[..t.len]);
        }
        if let Some(c) = l.accept() {
            b = Some(c);
            break;
        }
    }
    let mut p = Pair {
        a,
        b: b.unwrap(),
        now: t0,
        tx,
        data: vec![0x3c; 64 * 1024],
        sink: vec![0; 64 * 1024],
    };
    p.transfer(2 << 20); // warm-up
    COUNTING.store(true, Ordering::Relaxed);
    p.transfer(8 << 20);
    COUNTING.store(false, Ordering::Relaxed);
    assert_eq!(
        ALLOCS.load(Ordering::Relaxed),
        0,
        "allocations in steady state"
    );
    assert!(p.a.stats().segments_sent > 5000);
}
