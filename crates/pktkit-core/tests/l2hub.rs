//! L2Hub behaviour: learning, flooding, VLANs, aging, bounds, limits, detaching.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{frame, host, mac, tagged};
use pktkit_core::{
    DropReason, L2Device, L2Hub, L2HubConfig, ManualClock, PipeL2, PortConfig, RateLimit,
};
use pktkit_wire::{Frame, MacAddr};

#[test]
fn learns_then_forwards_unicast_to_one_port() {
    let hub = L2Hub::new();
    let hosts: Vec<_> = (1..=4).map(host).collect();
    let _ports: Vec<_> = hosts
        .iter()
        .map(|(_, p)| hub.attach(p.clone()).unwrap())
        .collect();
    // Unknown destination: flooded to the three others.
    hosts[0].0.send(&frame(mac(2), mac(1)));
    assert_eq!(hosts[0].0.take().len(), 0);
    for h in &hosts[1..] {
        assert_eq!(h.0.take(), vec![frame(mac(2), mac(1))]);
    }
    // Reply: host 1 is known now, so only it gets it.
    hosts[1].0.send(&frame(mac(1), mac(2)));
    assert_eq!(hosts[0].0.take(), vec![frame(mac(1), mac(2))]);
    for h in &hosts[2..] {
        assert!(h.0.take().is_empty());
    }
    // And now host 2 is known too.
    hosts[0].0.send(&frame(mac(2), mac(1)));
    assert_eq!(hosts[1].0.take().len(), 1);
    assert!(hosts[2].0.take().is_empty() && hosts[3].0.take().is_empty());
    // Broadcast and multicast always flood.
    hosts[3].0.send(&frame(MacAddr::BROADCAST, mac(4)));
    hosts[3]
        .0
        .send(&frame(MacAddr::new(0x01, 0, 0x5e, 0, 0, 1), mac(4)));
    for h in &hosts[..3] {
        assert_eq!(h.0.take().len(), 2);
    }
    let s = hub.snapshot();
    assert_eq!(s.macs, 3);
    assert_eq!(s.learned, 3);
    assert_eq!(s.flooded, 3);
    assert!(s.to_string().contains("4 ports, 3 macs"));
    let p0 = hub.port_counters(_ports[0].id()).unwrap();
    assert_eq!((p0.rx_packets, p0.tx_packets), (2, 3));
}

#[test]
fn frames_back_to_their_own_port_are_filtered() {
    let hub = L2Hub::new();
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let _ha = hub.attach(pa).unwrap();
    let _hb = hub.attach(pb).unwrap();
    a.send(&frame(MacAddr::BROADCAST, mac(1)));
    b.take();
    a.send(&frame(mac(1), mac(7))); // mac 7 also behind port a, talking to mac 1
    assert!(b.take().is_empty());
    assert_eq!(hub.drops().get(DropReason::SamePort), 1);
    a.send(&frame(mac(2), MacAddr::new(1, 0, 0, 0, 0, 9)));
    assert_eq!(hub.drops().get(DropReason::BadSource), 1);
}

#[test]
fn mac_moves_to_the_port_it_is_seen_on() {
    let hub = L2Hub::new();
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let (c, pc) = host(3);
    let _h: Vec<_> = [pa, pb, pc]
        .into_iter()
        .map(|p| hub.attach(p).unwrap())
        .collect();
    a.send(&frame(MacAddr::BROADCAST, mac(9)));
    assert_eq!(hub.lookup(0, mac(9)), Some(_h[0].id()));
    b.send(&frame(MacAddr::BROADCAST, mac(9))); // the VM migrated
    assert_eq!(hub.lookup(0, mac(9)), Some(_h[1].id()));
    a.take();
    b.take();
    c.take();
    c.send(&frame(mac(9), mac(3)));
    assert_eq!(b.take().len(), 1);
    assert!(a.take().is_empty());
    assert_eq!(hub.snapshot().moved, 1);
}

#[test]
fn aging_expires_entries_by_the_injected_clock() {
    let clock = ManualClock::new();
    let hub = L2Hub::with_config(L2HubConfig {
        aging: Duration::from_secs(300),
        clock: Arc::new(clock.clone()),
        ..Default::default()
    });
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let (c, pc) = host(3);
    let _h: Vec<_> = [pa, pb, pc]
        .into_iter()
        .map(|p| hub.attach(p).unwrap())
        .collect();
    a.send(&frame(MacAddr::BROADCAST, mac(1)));
    clock.advance(Duration::from_secs(299));
    assert_eq!(hub.lookup(0, mac(1)), Some(_h[0].id()));
    b.take();
    c.take();
    b.send(&frame(mac(1), mac(2)));
    assert!(c.take().is_empty(), "still known: not flooded");
    clock.advance(Duration::from_secs(2));
    assert_eq!(hub.lookup(0, mac(1)), None, "aged out after 301 s");
    b.send(&frame(mac(1), mac(2)));
    assert_eq!(c.take().len(), 1, "unknown again: flooded");
    // mac(2) was refreshed at 299 s and 301 s; it is still there at 500 s.
    clock.advance(Duration::from_secs(199));
    assert_eq!(hub.lookup(0, mac(2)), Some(_h[1].id()));
    assert_eq!(hub.expire(), 1, "only the expired mac(1) entry is freed");
    clock.advance(Duration::from_secs(400));
    assert_eq!(hub.mac_count(), 0);
    assert_eq!(hub.expire(), 1);
}

#[test]
fn a_million_random_source_macs_keep_the_table_at_its_bound() {
    let hub = L2Hub::with_config(L2HubConfig {
        max_macs: 4096,
        ..Default::default()
    });
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let _ha = hub.attach(pa).unwrap();
    let _hb = hub.attach(pb).unwrap();
    b.dev.set_handler(Arc::new(|_: &Frame| Ok(())));
    let mut f = frame(mac(2), mac(1));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..1_000_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let src = MacAddr::from_u64(x & 0xfeff_ffff_ffff); // clear the group bit
        f[6..12].copy_from_slice(&src.0);
        a.send(&f);
        if i.is_multiple_of(100_000) {
            assert!(hub.mac_count() <= 4096);
        }
    }
    let n = hub.mac_count();
    assert!(n <= 4096, "{n} entries");
    assert!(n > 3000, "table should stay nearly full, has {n}");
    // The newest source is known; the table still works.
    let last = Frame::parse(&f).unwrap().src();
    assert_eq!(hub.lookup(0, last), Some(_ha.id()));
    let s = hub.snapshot();
    assert!(s.evicted >= 1_000_000 - 4096 - 1000, "{}", s.evicted);
}

#[test]
fn per_port_mac_limit_evicts_that_ports_oldest() {
    let hub = L2Hub::new();
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let ha = hub
        .attach_with(
            pa,
            PortConfig {
                max_macs: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
    let hb = hub.attach(pb).unwrap();
    b.send(&frame(MacAddr::BROADCAST, mac(2)));
    for n in 10..15 {
        a.send(&frame(MacAddr::BROADCAST, mac(n)));
    }
    let on_a: Vec<_> = (10..15)
        .filter(|n| hub.lookup(0, mac(*n)) == Some(ha.id()))
        .collect();
    assert_eq!(on_a, vec![12, 13, 14], "oldest two evicted");
    assert_eq!(hub.lookup(0, mac(2)), Some(hb.id()), "other port untouched");
}

#[test]
fn vlan_access_ports_are_isolated_and_trunks_tag() {
    let hub = L2Hub::new();
    let (a10, p1) = host(1);
    let (b10, p2) = host(2);
    let (c20, p3) = host(3);
    let (trunk, p4) = host(4);
    let _h = [
        hub.attach_with(p1, PortConfig::access(10)).unwrap(),
        hub.attach_with(p2, PortConfig::access(10)).unwrap(),
        hub.attach_with(p3, PortConfig::access(20)).unwrap(),
        hub.attach_with(p4, PortConfig::trunk(None, [10, 20]))
            .unwrap(),
    ];
    // Broadcast on VLAN 10: the other VLAN-10 access port gets it untagged,
    // the trunk gets it tagged 10, VLAN 20 never sees it.
    let bc = frame(MacAddr::BROADCAST, mac(1));
    a10.send(&bc);
    assert_eq!(b10.take(), vec![bc.clone()]);
    assert_eq!(trunk.take(), vec![tagged(&bc, 10)]);
    assert!(c20.take().is_empty());
    // Tagged VLAN 20 from the trunk: only the VLAN-20 access port, tag popped.
    let t20 = frame(MacAddr::BROADCAST, mac(44));
    trunk.send(&tagged(&t20, 20));
    assert_eq!(c20.take(), vec![t20]);
    assert!(a10.take().is_empty() && b10.take().is_empty());
    // The same MAC on two VLANs is two entries.
    trunk.send(&tagged(&frame(MacAddr::BROADCAST, mac(1)), 20));
    assert_eq!(hub.lookup(10, mac(1)), Some(_h[0].id()));
    assert_eq!(hub.lookup(20, mac(1)), Some(_h[3].id()));
    c20.take();
    // VLAN 20 unicast to mac(1) goes to the trunk (VLAN 20 entry), not the VLAN-10 host.
    c20.send(&frame(mac(1), mac(3)));
    assert_eq!(trunk.take(), vec![tagged(&frame(mac(1), mac(3)), 20)]);
    assert!(a10.take().is_empty());
    // Tagged frames on access ports, untagged on a trunk without native, VLAN 30: dropped.
    a10.send(&tagged(&bc, 10));
    trunk.send(&bc);
    trunk.send(&tagged(&bc, 30));
    assert_eq!(hub.drops().get(DropReason::VlanFiltered), 3);
    for h in [&a10, &b10, &c20, &trunk] {
        assert!(h.take().is_empty());
    }
}

#[test]
fn random_vlan_traffic_never_leaks_between_access_vlans() {
    let hub = L2Hub::new();
    let hosts: Vec<_> = (0..8).map(|n| host(n + 1)).collect();
    let _h: Vec<_> = hosts
        .iter()
        .enumerate()
        .map(|(i, (_, p))| {
            hub.attach_with(p.clone(), PortConfig::access(100 + (i % 2) as u16))
                .unwrap()
        })
        .collect();
    let mut x = 12345u64;
    for _ in 0..5000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let from = (x >> 33) as usize % 8;
        let to = (x >> 40) as usize % 10; // 8, 9: broadcast / unknown
        let dst = match to {
            8 => MacAddr::BROADCAST,
            9 => mac(999),
            t => mac(t as u64 + 1),
        };
        let mut f = frame(dst, mac(from as u64 + 1));
        f[20] = from as u8; // mark the sender
        hosts[from].0.send(&f);
    }
    for (i, (h, _)) in hosts.iter().enumerate() {
        for f in h.take() {
            assert_eq!(
                f[20] as usize % 2,
                i % 2,
                "port {i} saw a frame of the other VLAN"
            );
        }
    }
}

#[test]
fn rate_limited_port_drops_the_excess() {
    let clock = ManualClock::new();
    let hub = L2Hub::with_config(L2HubConfig {
        clock: Arc::new(clock.clone()),
        ..Default::default()
    });
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let _ha = hub
        .attach_with(
            pa,
            PortConfig {
                rate_limit: Some(RateLimit::packets_per_sec(100, 5)),
                ..Default::default()
            },
        )
        .unwrap();
    let _hb = hub.attach(pb).unwrap();
    for _ in 0..20 {
        a.send(&frame(MacAddr::BROADCAST, mac(1)));
    }
    assert_eq!(b.take().len(), 5);
    clock.advance(Duration::from_millis(100)); // 10 more tokens, capped at the burst of 5
    for _ in 0..20 {
        a.send(&frame(MacAddr::BROADCAST, mac(1)));
    }
    assert_eq!(b.take().len(), 5);
    assert_eq!(hub.drops().get(DropReason::RateLimited), 30);
}

#[test]
fn detach_by_handle_by_id_and_connector() {
    use pktkit_core::L2Connector;
    let hub = L2Hub::new();
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let (c, pc) = host(3);
    let ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb).unwrap();
    let att = hub.connect_l2(pc).unwrap();
    a.send(&frame(MacAddr::BROADCAST, mac(1)));
    assert_eq!((b.take().len(), c.take().len()), (1, 1));
    hb.detach();
    assert!(hub.detach(ha.id()));
    assert!(!hub.detach(ha.id()));
    drop(ha);
    assert_eq!(hub.port_count(), 1);
    assert_eq!(
        hub.lookup(0, mac(1)),
        None,
        "entries of a detached port are flushed"
    );
    a.send(&frame(MacAddr::BROADCAST, mac(1)));
    assert!(
        c.take().is_empty(),
        "a detached device no longer feeds the hub"
    );
    drop(att);
    assert_eq!(hub.port_count(), 0);
}

#[test]
fn dropping_the_hub_frees_everything() {
    let (_a, pa) = host(1);
    let weak = Arc::downgrade(&pa);
    {
        let hub = L2Hub::new();
        hub.attach(pa).unwrap().keep();
    }
    assert!(
        weak.upgrade().is_none(),
        "hub <-> device cycle broken on drop"
    );
}

#[test]
fn detaching_while_other_threads_forward_is_safe() {
    let hub = Arc::new(L2Hub::new());
    let stop = Arc::new(AtomicBool::new(false));
    let (sink, psink) = host(100);
    sink.dev.set_handler(Arc::new(|_: &Frame| Ok(())));
    let _hs = hub.attach(psink).unwrap();
    let mut senders = Vec::new();
    for t in 0..3u64 {
        let hub = hub.clone();
        let stop = stop.clone();
        senders.push(std::thread::spawn(move || {
            let (outer, inner) = PipeL2::pair(mac(t), mac(500 + t));
            let _h = hub.attach(Arc::new(inner)).unwrap();
            let mut sent = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let dst = if sent.is_multiple_of(3) {
                    MacAddr::BROADCAST
                } else {
                    mac(100)
                };
                let f = frame(dst, mac(10 + t * 1000 + sent % 50));
                outer.send(Frame::parse(&f).unwrap()).unwrap();
                sent += 1;
            }
            sent
        }));
    }
    // Meanwhile churn ports: attach, receive floods, detach.
    for i in 0..2000u64 {
        let (h, p) = host(2000 + i);
        let handle = hub.attach(p).unwrap();
        if i.is_multiple_of(2) {
            h.send(&frame(MacAddr::BROADCAST, mac(2000 + i)));
        }
        drop(handle);
    }
    stop.store(true, Ordering::Relaxed);
    let total: u64 = senders.into_iter().map(|s| s.join().unwrap()).sum();
    assert!(total > 0);
    assert_eq!(hub.port_count(), 1);
    let sink_rx = sink.dev.counters().unwrap().snapshot().rx_packets;
    assert!(sink_rx > 0);
}

/// A repeated flow is forwarded from a per-thread memo; every event that
/// changes the answer must still be seen at once: the destination moving,
/// the source moving away and back, the destination ageing out or its port
/// going, and the source's entry must keep being refreshed while only the
/// memo is used.
#[test]
fn repeated_flows_follow_every_table_change() {
    let clock = ManualClock::new();
    let hub = L2Hub::with_config(L2HubConfig {
        aging: Duration::from_secs(300),
        clock: Arc::new(clock.clone()),
        ..Default::default()
    });
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let (c, pc) = host(3);
    let (d, pd) = host(4);
    let ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb).unwrap();
    let hc = hub.attach(pc).unwrap();
    let _hd = hub.attach(pd).unwrap();
    let take_all = || {
        [
            a.take().len(),
            b.take().len(),
            c.take().len(),
            d.take().len(),
        ]
    };
    let to_9 = frame(mac(9), mac(1));
    b.send(&frame(MacAddr::BROADCAST, mac(9))); // mac 9 lives behind b
    a.send(&to_9);
    take_all();
    for _ in 0..5 {
        a.send(&to_9);
    }
    assert_eq!(take_all(), [0, 5, 0, 0], "known unicast, repeated");

    // The destination moves to c: the very next frame follows it.
    c.send(&frame(MacAddr::BROADCAST, mac(9)));
    take_all();
    a.send(&to_9);
    assert_eq!(take_all(), [0, 0, 1, 0], "after the move");

    // The source shows up on d, then talks from a again: it moves back.
    d.send(&frame(mac(9), mac(1)));
    assert_eq!(hub.lookup(0, mac(1)), Some(_hd.id()));
    take_all();
    a.send(&to_9);
    assert_eq!(hub.lookup(0, mac(1)), Some(ha.id()), "moved back to a");
    assert_eq!(take_all(), [0, 0, 1, 0]);

    // Ten minutes of steady traffic, a frame every 10 s, with mac 9 talking
    // back every 100 s: both entries stay (mac 1's is refreshed even though
    // its frames keep taking the memo) and nothing is flooded.
    for step in 1..=60 {
        clock.advance(Duration::from_secs(10));
        a.send(&to_9);
        if step % 10 == 0 {
            c.send(&frame(mac(1), mac(9)));
        }
    }
    assert_eq!(take_all(), [6, 0, 60, 0]);
    assert_eq!(hub.lookup(0, mac(1)), Some(ha.id()));

    // mac 9 falls silent: once its entry is older than the ageing time the
    // flow floods again, memo or not.
    clock.advance(Duration::from_secs(299));
    a.send(&to_9);
    assert_eq!(take_all(), [0, 0, 1, 0], "299 s: still known");
    clock.advance(Duration::from_secs(2));
    a.send(&to_9);
    assert_eq!(take_all(), [0, 1, 1, 1], "301 s: aged out, flooded");

    // Relearned on c, memoised, then c's port goes: flooded to who is left.
    c.send(&frame(MacAddr::BROADCAST, mac(9)));
    a.send(&to_9);
    a.send(&to_9);
    take_all();
    drop(hc);
    a.send(&to_9);
    assert_eq!(take_all(), [0, 1, 0, 1], "egress port detached");
    drop(hb);
}

/// No one keeps a detached port alive: not the detaching thread, not another
/// thread that forwarded to it and now idles (a TAP's reader thread holding
/// its own device would keep it open for good), and not the other ports,
/// whose handlers carry the port set they forward with.
#[test]
fn detached_ports_are_released_at_once() {
    let hub = L2Hub::new();
    let (a, pa) = host(1);
    let (b, pb) = host(2);
    let (c, pc) = host(3);
    let _ha = hub.attach(pa).unwrap();
    let hb = hub.attach(pb.clone()).unwrap();
    let hc = hub.attach(pc.clone()).unwrap();
    b.send(&frame(MacAddr::BROADCAST, mac(2)));
    c.send(&frame(MacAddr::BROADCAST, mac(3)));
    for h in [&a, &b, &c] {
        h.take();
    }

    // This thread forwards to `c` twice (the second from the flow memo),
    // then detaches it.
    a.send(&frame(mac(3), mac(1)));
    a.send(&frame(mac(3), mac(1)));
    assert_eq!(c.take().len(), 2);
    drop(hc);
    assert_eq!(
        Arc::strong_count(&pc),
        1,
        "the detaching thread and the other ports keep nothing"
    );

    // Another thread forwards to `b`, then idles while `b` is detached.
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let t = std::thread::spawn(move || {
        a.send(&frame(mac(2), mac(1)));
        a.send(&frame(mac(2), mac(1)));
        done.send(()).unwrap();
        wait.recv().unwrap();
        a
    });
    finished.recv().unwrap();
    assert_eq!(b.take().len(), 2);
    drop(hb);
    assert_eq!(Arc::strong_count(&pb), 1, "the idle thread keeps nothing");
    go.send(()).unwrap();
    let a = t.join().unwrap();
    a.send(&frame(mac(2), mac(1)));
    assert!(b.take().is_empty(), "a detached port gets nothing");
}

/// More threads than there are counter shards (8) forward at once, so some
/// take the path for threads without one: every frame reaches the sink once
/// and every one is counted, rx on its port and tx on the sink's.
#[test]
fn threads_beyond_the_counter_shards_forward_and_count() {
    use std::sync::Barrier;
    use std::sync::atomic::AtomicU64;
    const THREADS: u64 = 12;
    const PER_THREAD: u64 = 2000;
    let hub = Arc::new(L2Hub::new());
    let (sink, psink) = PipeL2::pair(mac(100), mac(1100));
    let delivered = Arc::new(AtomicU64::new(0));
    let d = delivered.clone();
    sink.set_handler(Arc::new(move |f: &Frame| {
        assert_eq!(f.dst(), mac(100), "unicast to the sink only");
        d.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }));
    let hs = hub.attach(Arc::new(psink)).unwrap();
    // The sink's MAC is learned, so the senders' frames are known unicast.
    sink.send(Frame::parse(&frame(MacAddr::BROADCAST, mac(100))).unwrap())
        .unwrap();
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let senders: Vec<_> = (1..=THREADS)
        .map(|t| {
            let (outer, inner) = PipeL2::pair(mac(t), mac(1000 + t));
            let h = hub.attach(Arc::new(inner)).unwrap();
            let barrier = barrier.clone();
            let thread = std::thread::spawn(move || {
                let f = frame(mac(100), mac(t));
                barrier.wait();
                for _ in 0..PER_THREAD {
                    outer.send(Frame::parse(&f).unwrap()).unwrap();
                }
                barrier.wait();
            });
            (h, thread)
        })
        .collect();
    let mut rx = 0;
    for (h, thread) in senders {
        thread.join().unwrap();
        let c = hub.port_counters(h.id()).unwrap();
        assert_eq!(
            (c.rx_packets, c.rx_dropped),
            (PER_THREAD, 0),
            "port {}",
            h.id()
        );
        rx += c.rx_packets;
    }
    let total = THREADS * PER_THREAD;
    assert_eq!(rx, total);
    assert_eq!(delivered.load(Ordering::Relaxed), total, "each frame once");
    assert_eq!(hub.port_counters(hs.id()).unwrap().tx_packets, total);
    assert_eq!(hub.drops().total(), 0);
}
