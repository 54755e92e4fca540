//! Forwarding through L2Hub and L3Hub allocates nothing in steady state:
//! a counting global allocator watches a few thousand forwards after warm-up.
//! (Its own test binary, so no other test allocates concurrently.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pktkit_core::{BufferPool, L2Device, L2Hub, L3Device, L3Hub, PipeL2, PipeL3, PortConfig};
use pktkit_wire::{Frame, IpPrefix, MacAddr, Packet};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Only the forwarding thread is watched (the coarse clock's thread and the
    /// test harness allocate on their own schedule).
    static WATCHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count() {
    if WATCHED.with(|w| w.get()) {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every method forwards to the system allocator with the same arguments.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.load(Ordering::SeqCst);
    WATCHED.with(|w| w.set(true));
    f();
    WATCHED.with(|w| w.set(false));
    ALLOCS.load(Ordering::SeqCst) - before
}

fn mac(n: u8) -> MacAddr {
    MacAddr::new(2, 0, 0, 0, 0, n)
}

fn frame(dst: MacAddr, src: MacAddr) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[..6].copy_from_slice(&dst.0);
    b[6..12].copy_from_slice(&src.0);
    b[12..14].copy_from_slice(&[0x08, 0x00]);
    b
}

#[test]
fn hubs_and_pool_forward_without_allocating() {
    // L2: unicast, broadcast and a VLAN trunk (tag push) path.
    let hub = L2Hub::new();
    let (a, pa) = PipeL2::pair(mac(1), mac(101));
    let (b, pb) = PipeL2::pair(mac(2), mac(102));
    let (t, pt) = PipeL2::pair(mac(3), mac(103));
    let (v, pv) = PipeL2::pair(mac(4), mac(104));
    for d in [&a, &b, &t, &v] {
        d.set_handler(Arc::new(|f: &Frame| {
            std::hint::black_box(f.len());
            Ok(())
        }));
    }
    let _h = [
        hub.attach(Arc::new(pa)).unwrap(),
        hub.attach(Arc::new(pb)).unwrap(),
        hub.attach_with(Arc::new(pt), PortConfig::trunk(None, [10]))
            .unwrap(),
        hub.attach_with(Arc::new(pv), PortConfig::access(10))
            .unwrap(),
    ];
    let ab = frame(mac(2), mac(1));
    let ba = frame(mac(1), mac(2));
    let bc = frame(MacAddr::BROADCAST, mac(4));
    let (ab, ba, bc) = (
        Frame::parse(&ab).unwrap(),
        Frame::parse(&ba).unwrap(),
        Frame::parse(&bc).unwrap(),
    );
    // L3.
    let l3 = L3Hub::new();
    let p = |s: &str| s.parse::<IpPrefix>().unwrap();
    let (x, px) = PipeL3::pair(&[], &[p("10.0.0.1/24")]);
    let (y, py) = PipeL3::pair(&[], &[p("10.1.0.1/24")]);
    y.set_handler(Arc::new(|p: &Packet| {
        std::hint::black_box(p.ttl());
        Ok(())
    }));
    let _l = [
        l3.attach(Arc::new(px)).unwrap(),
        l3.attach(Arc::new(py)).unwrap(),
    ];
    let mut ip = vec![0u8; 28];
    ip[0] = 0x45;
    ip[3] = 28;
    ip[8] = 64;
    ip[9] = 17;
    ip[12..16].copy_from_slice(&[10, 0, 0, 2]);
    ip[16..20].copy_from_slice(&[10, 1, 0, 2]);
    let c = pktkit_wire::checksum::checksum(&ip[..20]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let ip = Packet::parse(&ip).unwrap();
    let pool = BufferPool::new(2048, 16);

    let round = || {
        a.send(ab).unwrap();
        b.send(ba).unwrap();
        v.send(bc).unwrap();
        x.send(ip).unwrap();
        let mut buf = pool.take();
        buf.fill_from(ab.as_bytes());
    };
    for _ in 0..100 {
        round(); // warm-up: learning, lazily started clock thread, thread-locals
    }
    let n = allocs_during(|| {
        for _ in 0..10_000 {
            round();
        }
    });
    assert_eq!(n, 0, "{n} allocations in 10 000 rounds");
    // The counter does see allocations on this thread.
    assert_eq!(
        allocs_during(|| drop(std::hint::black_box(vec![1u8; 64]))),
        1
    );
    // The frames really went through.
    assert!(b.counters().unwrap().snapshot().rx_packets >= 10_000);
    assert!(t.counters().unwrap().snapshot().rx_packets >= 10_000);
    assert!(y.counters().unwrap().snapshot().rx_packets >= 10_000);
}
